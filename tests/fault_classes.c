/*
 * tests/fault_classes.c - group classes under injected backend failures
 * (the method of tests/check_fault.c, fault_check.h): every write of
 * every multi-write class operation fails in turn -- create, enroll into
 * a seat and onto the waitlist, withdraw with a promotion, cancel,
 * complete, no-show, reschedule, soft delete, restore, purge -- and each
 * failed call must leave seats, class rows, holds, balances, entries,
 * sessions and the outbox exactly as they were, after which the call
 * succeeds with the reference result.
 *
 * The fixture is check_fault.c's ledger fixture (tenant 1: account 1 with
 * 10 credits and holds, account 2 with 5 and floor -2) plus accounts 3 (6
 * credits) and 4 (1 credit: cannot pay a seat) and three classes of
 * tenant 1 at 2 credits a seat:
 *   A (2 seats): 1 and 2 seated, then 4 and 3 on the waitlist;
 *   E (3 seats): 2 seated;
 *   B (2 seats): 3 seated, then B soft-deleted (3's hold released).
 */
#include <stdlib.h>

#include "fault_check.h"

#define FDAY 86400
#define FHOUR 3600
#define FB ((sl_time)1898812800) /* 2030-03-04T00:00Z, a Monday (check_fault.c) */
#define FNOW (FB - FDAY)
#define FDUR 3600
#define PRICE 2

enum { ID_A, ID_E, ID_B };

static sl_id class_at(sl_db *d, sl_time start, int32_t capacity, const char *key)
{
    sl_session s;
    ck_assert_ok_db(d, sl_class_create(d, &s, 1, start, FDUR, capacity, PRICE, key, FNOW - 1));
    return s.id;
}

static sl_db *class_fixture(sl_store **fs, sl_fault_ids *ids)
{
    sl_db *d = sl_fault_ledger_fixture(fs);
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, 1, 3, SL_ENTRY_PURCHASE, 6, "fx-p3", NULL, FNOW - 1));
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, 1, 4, SL_ENTRY_PURCHASE, 1, "fx-p4", NULL, FNOW - 1));
    sl_id a = ids->v[ID_A] = class_at(d, FB + 5 * FDAY + 9 * FHOUR, 2, "fx-a");
    sl_id e = ids->v[ID_E] = class_at(d, FB + 5 * FDAY + 12 * FHOUR, 3, NULL);
    sl_id b = ids->v[ID_B] = class_at(d, FB + 6 * FDAY + 9 * FHOUR, 2, NULL);
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, a, 1, 0, "fx-en1", FNOW - 1));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, a, 2, 0, NULL, FNOW - 1));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, a, 4, SL_WAITLIST, NULL, FNOW - 1));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, a, 3, SL_WAITLIST, NULL, FNOW - 1));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, e, 2, 0, NULL, FNOW - 1));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, 1, b, 3, 0, NULL, FNOW - 1));
    ck_assert_ok_db(d, sl_soft_delete(d, 1, SL_ENTITY_SESSION, b, FNOW - 1));
    return d;
}

static void dump_seats(sbuf *b, sl_db *d, sl_id id)
{
    sl_class c;
    sl_seat *seats = NULL;
    size_t n = 0;
    int rc = sl_class_get(d, &c, 1, id, SL_INCLUDE_DELETED);
    if (rc == SL_ENOTFOUND || rc == SL_EINVAL) /* no such session, or not a class */
        return;
    ck_assert_ok_db(d, rc);
    sb_printf(b, "C %lld cap%d cr%lld taken%d wl%d last%lld\n", (long long)c.id, (int)c.capacity,
              (long long)c.credits_per_seat, (int)c.taken, (int)c.waitlisted, (long long)c.last_position);
    ck_assert_ok_db(d, sl_class_seats(d, &seats, &n, 1, id));
    for (size_t i = 0; i < n; i++) {
        const sl_seat *s = &seats[i];
        sb_printf(b, "  seat %lld st%lld pos%lld status%d hold%lld %lld %lld '%s' '%s' %02x%02x %02x%02x\n",
                  (long long)s->id, (long long)s->student, (long long)s->position, (int)s->status,
                  (long long)s->hold_id, (long long)s->created_at, (long long)s->updated_at, s->key,
                  s->withdraw_key, s->request_hash[0], s->request_hash[15], s->withdraw_hash[0],
                  s->withdraw_hash[15]);
    }
    sl_free(seats);
}

static void dump_events(sbuf *b, sl_db *d, sl_id session)
{
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(d, sl_outbox_session_events(d, &ev, &n, 1, session));
    for (size_t i = 0; i < n; i++) {
        const sl_outbox_event *e = &ev[i];
        sb_printf(b, "  ev %lld seq%lld kind%d status%d st%lld %lld-%lld cr%lld del%lld at%lld state%d\n",
                  (long long)e->id, (long long)e->seq, (int)e->kind, (int)e->status, (long long)e->student,
                  (long long)e->start, (long long)e->end, (long long)e->credits, (long long)e->deleted_at,
                  (long long)e->created_at, (int)e->state);
    }
    sl_outbox_free(ev);
}

/* The ledger dump, then every class row with its seats and every event of
 * every session id of tenant 1 (purged sessions' included). */
static char *class_dump(sl_db *d)
{
    char *ledger = sl_fault_ledger_dump(d);
    sbuf b = {NULL, 0, 0};
    sb_printf(&b, "%s", ledger);
    free(ledger);
    for (sl_id id = 1; id <= 40; id++) {
        dump_seats(&b, d, id);
        sb_printf(&b, "events of %lld\n", (long long)id);
        dump_events(&b, d, id);
    }
    sl_outbox_counts oc;
    ck_assert_ok_db(d, sl_outbox_stats(d, &oc, 1, FNOW));
    sb_printf(&b, "outbox due%lld waiting%lld acked%lld\n", (long long)oc.due, (long long)oc.waiting, (long long)oc.acked);
    return b.p;
}

/* ---- the operations ----------------------------------------------------------- */

static int op_create(sl_db *d, const sl_fault_ids *ids)
{
    (void)ids;
    sl_session s;
    int rc = sl_class_create(d, &s, 1, FB + 4 * FDAY + 9 * FHOUR, FDUR, 5, 1, "f-cls", FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(s.kind, SL_KIND_CLASS);
    return rc;
}

static int op_enroll_seat(sl_db *d, const sl_fault_ids *ids)
{
    sl_seat s;
    int rc = sl_class_enroll(d, &s, 1, ids->v[ID_E], 3, 0, "f-en", FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(s.status, SL_SEAT_SEATED);
    return rc;
}

static int op_enroll_waitlist(sl_db *d, const sl_fault_ids *ids)
{
    sl_seat s;
    int rc = sl_class_enroll(d, &s, 1, ids->v[ID_A], 5, SL_WAITLIST, "f-wl", FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(s.status, SL_SEAT_WAITLISTED);
    return rc;
}

static int op_enroll_full(sl_db *d, const sl_fault_ids *ids)
{
    return sl_class_enroll(d, NULL, 1, ids->v[ID_A], 5, 0, "f-full", FNOW);
}

/* 1 leaves A: its hold released; 4 cannot pay and keeps its place; 3 is
 * promoted with a new hold. */
static int op_withdraw(sl_db *d, const sl_fault_ids *ids)
{
    return sl_class_withdraw(d, 1, ids->v[ID_A], 1, "f-wd", FNOW);
}

static int op_cancel(sl_db *d, const sl_fault_ids *ids)
{
    return sl_cancel(d, NULL, 1, ids->v[ID_A], FNOW);
}

static int op_complete(sl_db *d, const sl_fault_ids *ids)
{
    return sl_complete(d, NULL, 1, ids->v[ID_A], FB + 5 * FDAY + 10 * FHOUR);
}

static int op_no_show(sl_db *d, const sl_fault_ids *ids)
{
    return sl_class_no_show(d, NULL, 1, ids->v[ID_A], 2, FB + 5 * FDAY + 10 * FHOUR);
}

static int op_reschedule(sl_db *d, const sl_fault_ids *ids)
{
    return sl_reschedule(d, NULL, 1, ids->v[ID_A], FB + 7 * FDAY + 9 * FHOUR, FNOW);
}

static int op_soft_delete(sl_db *d, const sl_fault_ids *ids)
{
    return sl_soft_delete(d, 1, SL_ENTITY_SESSION, ids->v[ID_A], FNOW);
}

static int op_restore(sl_db *d, const sl_fault_ids *ids)
{
    return sl_restore(d, 1, SL_ENTITY_SESSION, ids->v[ID_B], FNOW);
}

static int op_purge(sl_db *d, const sl_fault_ids *ids)
{
    (void)ids;
    size_t n = 0;
    int rc = sl_purge(d, &n, SL_ENTITY_SESSION, FNOW);
    if (rc == SL_OK)
        ck_assert_uint_eq(n, 2); /* B and the fixture's deleted lesson */
    return rc;
}

static void check_class_op(const char *name, int (*run)(sl_db *, const sl_fault_ids *), int expect, int changes,
                           long min_calls)
{
    sl_fault_ops o = {name, class_fixture, class_dump, run};
    sl_fault_check(&o, expect, changes, min_calls);
}

START_TEST(test_class_create_is_atomic)
{
    check_class_op("sl_class_create", op_create, SL_OK, 1, 6);
}
END_TEST

START_TEST(test_enroll_seat_is_atomic)
{
    check_class_op("sl_class_enroll (a seat and its hold)", op_enroll_seat, SL_OK, 1, 8);
}
END_TEST

START_TEST(test_enroll_waitlist_is_atomic)
{
    check_class_op("sl_class_enroll (the waitlist)", op_enroll_waitlist, SL_OK, 1, 6);
}
END_TEST

START_TEST(test_enroll_full_writes_nothing)
{
    check_class_op("sl_class_enroll (full)", op_enroll_full, SL_EFULL, 0, 4);
}
END_TEST

START_TEST(test_withdraw_promotion_is_atomic)
{
    check_class_op("sl_class_withdraw promoting the waitlist", op_withdraw, SL_OK, 1, 12);
}
END_TEST

START_TEST(test_class_cancel_is_atomic)
{
    check_class_op("sl_cancel of a class", op_cancel, SL_OK, 1, 10);
}
END_TEST

START_TEST(test_class_complete_is_atomic)
{
    check_class_op("sl_complete of a class", op_complete, SL_OK, 1, 10);
}
END_TEST

START_TEST(test_class_no_show_is_atomic)
{
    check_class_op("sl_class_no_show", op_no_show, SL_OK, 1, 8);
}
END_TEST

START_TEST(test_class_reschedule_is_atomic)
{
    check_class_op("sl_reschedule of a class", op_reschedule, SL_OK, 1, 6);
}
END_TEST

START_TEST(test_class_soft_delete_is_atomic)
{
    check_class_op("sl_soft_delete of a class", op_soft_delete, SL_OK, 1, 8);
}
END_TEST

START_TEST(test_class_restore_is_atomic)
{
    check_class_op("sl_restore of a class", op_restore, SL_OK, 1, 8);
}
END_TEST

START_TEST(test_class_purge_is_atomic)
{
    check_class_op("sl_purge of a deleted class", op_purge, SL_OK, 1, 4);
}
END_TEST

SL_TEST_TCASE(sl_fault_tcase_classes, "classes", NULL, NULL, 120, test_class_create_is_atomic,
              test_enroll_seat_is_atomic, test_enroll_waitlist_is_atomic, test_enroll_full_writes_nothing,
              test_withdraw_promotion_is_atomic, test_class_cancel_is_atomic, test_class_complete_is_atomic,
              test_class_no_show_is_atomic, test_class_reschedule_is_atomic, test_class_soft_delete_is_atomic,
              test_class_restore_is_atomic, test_class_purge_is_atomic)
