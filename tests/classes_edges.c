/*
 * tests/classes_edges.c - classes at their edges (the classes suite, per
 * backend): a no-show and then the class cancelled, promotion by credits
 * that run out exactly, keys at their limits, sl_class_get of a session
 * that is not a class.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define CE_BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define CE_NOW (CE_BASE - 86400)
#define CE_PRICE 3

static sl_db *cdb;

static void ce_open(void)
{
    cdb = sl_test_open();
    sl_test_put_tenant(cdb, 1, 0, CE_NOW - 86400, 1);
}

static void ce_close(void)
{
    sl_close(cdb);
}

static void ce_buy(sl_id student, int64_t amount)
{
    char key[32];
    snprintf(key, sizeof key, "buy%lld-%lld", (long long)student, (long long)amount);
    ck_assert_ok_db(cdb, sl_ledger_post(cdb, NULL, 1, student, SL_ENTRY_PURCHASE, amount, key, NULL, CE_NOW));
}

static sl_balance ce_balance(sl_id student)
{
    sl_balance b;
    ck_assert_ok_db(cdb, sl_ledger_balance(cdb, &b, 1, student, CE_NOW));
    return b;
}

static sl_id ce_class(int32_t capacity)
{
    sl_session s;
    ck_assert_ok_db(cdb, sl_class_create(cdb, &s, 1, CE_BASE + 36000, 3600, capacity, CE_PRICE, NULL, CE_NOW));
    return s.id;
}

START_TEST(test_no_show_then_cancel)
{
    sl_id c = ce_class(2);
    ce_buy(5, 10);
    ce_buy(6, 10);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 5, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 6, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_no_show(cdb, NULL, 1, c, 5, CE_NOW));
    ck_assert_ok_db(cdb, sl_cancel(cdb, NULL, 1, c, CE_NOW));
    sl_seat *seats = NULL;
    size_t n = 0;
    ck_assert_ok_db(cdb, sl_class_seats(cdb, &seats, &n, 1, c));
    int32_t taken = 0;
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(seats[0].status, SL_SEAT_NO_SHOW);
    ck_assert_int_eq(seats[1].status, SL_SEAT_CANCELLED);
    for (size_t i = 0; i < n; i++)
        taken += seats[i].status == SL_SEAT_SEATED || seats[i].status == SL_SEAT_PRESENT ||
                 seats[i].status == SL_SEAT_NO_SHOW;
    sl_free(seats);
    sl_class k;
    ck_assert_ok_db(cdb, sl_class_get(cdb, &k, 1, c, 0));
    ck_assert_int_eq(k.taken, taken);
    ck_assert_int_eq(ce_balance(5).posted, 10 - CE_PRICE);
    ck_assert_int_eq(ce_balance(6).posted, 10);
    ck_assert_int_eq(ce_balance(6).held, 0);
}
END_TEST

START_TEST(test_promotion_credits_run_out_exactly)
{
    sl_id c = ce_class(1);
    ce_buy(5, 10);
    ce_buy(6, CE_PRICE - 1);
    ce_buy(7, CE_PRICE);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 5, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 6, SL_WAITLIST, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 7, SL_WAITLIST, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_withdraw(cdb, 1, c, 5, NULL, CE_NOW));
    ck_assert_str_eq(sl_errmsg(cdb), "");
    sl_class k;
    ck_assert_ok_db(cdb, sl_class_get(cdb, &k, 1, c, 0));
    ck_assert_int_eq(k.taken, 1);
    ck_assert_int_eq(k.waitlisted, 1);
    ck_assert_int_eq(ce_balance(7).held, CE_PRICE);
    ck_assert_int_eq(ce_balance(6).held, 0);
    /* 6 buys one more credit: the next free seat is theirs. */
    ce_buy(6, 1);
    ck_assert_ok_db(cdb, sl_class_withdraw(cdb, 1, c, 7, NULL, CE_NOW));
    ck_assert_int_eq(ce_balance(6).held, CE_PRICE);
    ck_assert_int_eq(ce_balance(7).held, 0);
}
END_TEST

START_TEST(test_keys_at_their_limits)
{
    char key[SL_KEY_MAX + 2];
    sl_id c = ce_class(3);
    ce_buy(5, 10);
    memset(key, 'k', SL_KEY_MAX);
    key[SL_KEY_MAX] = '\0';
    sl_seat seat;
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, c, 5, 0, key, CE_NOW));
    ck_assert_str_eq(seat.key, key);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, c, 5, 0, key, CE_NOW));
    ck_assert_int_eq(seat.replayed, 1);
    key[SL_KEY_MAX] = 'k';
    key[SL_KEY_MAX + 1] = '\0';
    ck_assert_sl(sl_class_enroll(cdb, NULL, 1, c, 6, 0, key, CE_NOW), SL_EINVAL);
    ck_assert_sl(sl_class_enroll(cdb, NULL, 1, c, 6, 0, "\xff\xfe", CE_NOW), SL_EINVAL);
    ck_assert_sl(sl_class_enroll(cdb, NULL, 1, c, 6, 0, "", CE_NOW), SL_EINVAL);
    ck_assert_sl(sl_class_withdraw(cdb, 1, c, 5, "\xc3", CE_NOW), SL_EINVAL);
    ck_assert_sl(sl_class_create(cdb, NULL, 1, CE_BASE, 3600, 1, 0, key, CE_NOW), SL_EINVAL);
    sl_class k;
    ck_assert_ok_db(cdb, sl_class_get(cdb, &k, 1, c, 0));
    ck_assert_int_eq(k.taken, 1);
}
END_TEST

START_TEST(test_capacity_limits)
{
    sl_session s;
    ck_assert_ok_db(cdb, sl_class_create(cdb, &s, 1, CE_BASE, 3600, SL_CLASS_CAPACITY_MAX, INT32_MAX, NULL, CE_NOW));
    ck_assert_sl(sl_class_create(cdb, &s, 1, CE_BASE + 7200, 3600, 1, (int64_t)INT32_MAX + 1, NULL, CE_NOW),
                 SL_EINVAL);
    ce_buy(5, INT32_MAX);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, s.id, 5, 0, NULL, CE_NOW));
    ck_assert_int_eq(ce_balance(5).held, INT32_MAX);
}
END_TEST

START_TEST(test_get_of_a_booking_is_not_found)
{
    sl_session one;
    ck_assert_ok_db(cdb, sl_book(cdb, &one, 1, 6, CE_BASE + 3600, 3600, 0, NULL, CE_NOW));
    sl_class k;
    ck_assert_sl(sl_class_get(cdb, &k, 1, one.id, 0), SL_ENOTFOUND);
}
END_TEST


/* A restore that cannot hold every seated student's credits writes
 * nothing: the class stays deleted, nobody holds anything (also inside a
 * group, where only the failed call is undone). */
START_TEST(test_failed_restore_holds_nothing)
{
    sl_id c = ce_class(2);
    ce_buy(5, 10);
    ce_buy(6, CE_PRICE);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 5, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 6, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_soft_delete(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW));
    ck_assert_int_eq(ce_balance(5).held, 0);
    ck_assert_ok_db(cdb, sl_ledger_post(cdb, NULL, 1, 6, SL_ENTRY_CONSUME, -1, "spend6", NULL, CE_NOW));
    for (int grouped = 0; grouped < 2; grouped++) {
        if (grouped)
            ck_assert_ok_db(cdb, sl_group_begin(cdb));
        ck_assert_sl(sl_restore(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW), SL_EINSUFFICIENT);
        ck_assert_int_eq(ce_balance(5).held, 0);
        ck_assert_int_eq(ce_balance(6).held, 0);
        sl_class k;
        ck_assert_sl(sl_class_get(cdb, &k, 1, c, 0), SL_ENOTFOUND);
        if (grouped)
            ck_assert_ok_db(cdb, sl_group_commit(cdb));
    }
    ce_buy(6, 1);
    ck_assert_ok_db(cdb, sl_restore(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW));
    ck_assert_int_eq(ce_balance(5).held, CE_PRICE);
    ck_assert_int_eq(ce_balance(6).held, CE_PRICE);
}
END_TEST


/* A failed restore gives back the ids of the hold and the event it wrote
 * before it failed, on every store alike. */
START_TEST(test_failed_restore_gives_ids_back)
{
    sl_id c = ce_class(2);
    sl_seat seat;
    ce_buy(5, 10);
    ce_buy(6, CE_PRICE);
    ce_buy(7, 10);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 5, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, c, 6, 0, NULL, CE_NOW));
    sl_id last_hold = seat.hold_id;
    ck_assert_ok_db(cdb, sl_soft_delete(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW));
    ck_assert_ok_db(cdb, sl_ledger_post(cdb, NULL, 1, 6, SL_ENTRY_CONSUME, -1, "spend6", NULL, CE_NOW));
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(cdb, sl_outbox_session_events(cdb, &ev, &n, 1, c));
    sl_id last_event = ev[n - 1].id;
    sl_outbox_free(ev);
    ck_assert_sl(sl_restore(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW), SL_EINSUFFICIENT);
    sl_session other;
    ck_assert_ok_db(cdb, sl_class_create(cdb, &other, 1, CE_BASE + 50000, 3600, 2, CE_PRICE, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, other.id, 7, 0, NULL, CE_NOW));
    ck_assert_int_eq(seat.hold_id, last_hold + 1);
    ck_assert_ok_db(cdb, sl_outbox_session_events(cdb, &ev, &n, 1, other.id));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ev[0].id, last_event + 1);
    sl_outbox_free(ev);
}
END_TEST


#define CE_SAYS(expr, code, text)                                                                  \
    do {                                                                                           \
        ck_assert_sl(expr, code);                                                                  \
        ck_assert_msg(strstr(sl_errmsg(cdb), (text)) != NULL, "\"%s\" lacks \"%s\"", sl_errmsg(cdb), (text)); \
    } while (0)

/* A key reused with one argument changed names that argument. */
START_TEST(test_key_reuse_names_the_field)
{
    sl_session a, b;
    ck_assert_ok_db(cdb, sl_class_create(cdb, &a, 1, CE_BASE + 36000, 3600, 2, 0, "c1", CE_NOW));
    ck_assert_ok_db(cdb, sl_class_create(cdb, &b, 1, CE_BASE + 50000, 3600, 2, 0, NULL, CE_NOW));
    CE_SAYS(sl_class_create(cdb, NULL, 1, CE_BASE + 36000, 3600, 3, 0, "c1", CE_NOW), SL_EIDEMPOTENCY, "capacity");
    CE_SAYS(sl_class_create(cdb, NULL, 1, CE_BASE + 36000, 1800, 2, 0, "c1", CE_NOW), SL_EIDEMPOTENCY, "duration");
    CE_SAYS(sl_class_create(cdb, NULL, 1, CE_BASE + 30000, 3600, 2, 0, "c1", CE_NOW), SL_EIDEMPOTENCY, "start");
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, a.id, 5, 0, "e1", CE_NOW));
    CE_SAYS(sl_class_enroll(cdb, NULL, 1, a.id, 5, SL_WAITLIST, "e1", CE_NOW), SL_EIDEMPOTENCY, "flags");
    CE_SAYS(sl_class_enroll(cdb, NULL, 1, b.id, 5, 0, "e1", CE_NOW), SL_EIDEMPOTENCY, "class");
    ck_assert_ok_db(cdb, sl_class_withdraw(cdb, 1, a.id, 5, "w1", CE_NOW));
    CE_SAYS(sl_class_withdraw(cdb, 1, b.id, 5, "w1", CE_NOW), SL_EIDEMPOTENCY, "class");
    CE_SAYS(sl_class_withdraw(cdb, 1, a.id, 6, "w1", CE_NOW), SL_EIDEMPOTENCY, "student");
}
END_TEST


/* Purging a class frees its seats' keys, never their ids (classes.h). */
START_TEST(test_purged_seat_ids_are_not_reused)
{
    sl_id c = ce_class(3);
    sl_seat seat;
    ce_buy(5, 10);
    ce_buy(6, 10);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, NULL, 1, c, 5, 0, "k5", CE_NOW));
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, c, 6, 0, "k6", CE_NOW));
    sl_id last = seat.id;
    ck_assert_ok_db(cdb, sl_soft_delete(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW));
    size_t purged = 0;
    ck_assert_ok_db(cdb, sl_purge(cdb, &purged, SL_ENTITY_SESSION, CE_NOW + 1));
    ck_assert_uint_eq(purged, 1);
    sl_id d = ce_class(3);
    ck_assert_int_gt(d, c);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, d, 6, 0, "k6", CE_NOW));
    ck_assert_int_eq(seat.replayed, 0);
    ck_assert_int_gt(seat.id, last);
}
END_TEST

/* A seat whose hold the host captured is paid: deleting and restoring the
 * class does not hold its price again (as for a session), so completing
 * it charges the student once. */
START_TEST(test_restore_does_not_charge_a_captured_seat_twice)
{
    sl_id c = ce_class(2);
    sl_seat seat;
    ce_buy(5, 10);
    ck_assert_ok_db(cdb, sl_class_enroll(cdb, &seat, 1, c, 5, 0, NULL, CE_NOW));
    ck_assert_ok_db(cdb, sl_hold_capture(cdb, NULL, 1, seat.hold_id, CE_PRICE, "paid5", CE_NOW));
    ck_assert_ok_db(cdb, sl_soft_delete(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW));
    ck_assert_ok_db(cdb, sl_restore(cdb, 1, SL_ENTITY_SESSION, c, CE_NOW));
    ck_assert_int_eq(ce_balance(5).held, 0);
    ck_assert_ok_db(cdb, sl_complete(cdb, NULL, 1, c, CE_NOW));
    ck_assert_int_eq(ce_balance(5).posted, 10 - CE_PRICE);
    ck_assert_int_eq(ce_balance(5).held, 0);
}
END_TEST

TCase *tcase_edges(void);
SL_TEST_TCASE(tcase_edges, "edges", ce_open, ce_close, 60, test_no_show_then_cancel,
              test_promotion_credits_run_out_exactly, test_keys_at_their_limits, test_capacity_limits,
              test_get_of_a_booking_is_not_found, test_failed_restore_holds_nothing,
              test_failed_restore_gives_ids_back, test_key_reuse_names_the_field,
              test_purged_seat_ids_are_not_reused, test_restore_does_not_charge_a_captured_seat_twice)
