/*
 * tests/check_classes.c - group classes (issue 15), run once per store backend: seats, holds
 * and the waitlist; the session calls on a class; idempotent replays and key reuse across
 * kinds; bad input; a model-based property test against a plain model of seats, waitlist and
 * balances; and 8 processes (8 connections on PostgreSQL) enrolling and withdrawing at once
 * on a shared store. More cases: classes_no_show.c, classes_ids.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#define DAY 86400
#define HOUR 3600
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW0 (BASE - 2 * DAY)
#define T1 1
#define PRICE 3

static sl_db *db;

#define ERRMSG_HAS(text)                                                                    \
    ck_assert_msg(strstr(sl_errmsg(db), (text)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(db), (text))

static void setup(void)
{
    db = sl_test_open();
    sl_test_put_tenant(db, T1, 0, NOW0 - DAY, 1);
}

static void teardown(void)
{
    sl_close(db);
    db = NULL;
}

static void buy(sl_db *d, sl_id student, int64_t amount)
{
    char key[64];
    static int n;
    snprintf(key, sizeof(key), "buy-%d-%lld", n++, (long long)student);
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, T1, student, SL_ENTRY_PURCHASE, amount, key, NULL, NOW0));
}

static sl_balance balance(sl_db *d, sl_id student)
{
    sl_balance b;
    ck_assert_ok_db(d, sl_ledger_balance(d, &b, T1, student, NOW0));
    return b;
}

static sl_id make_class(sl_time start, int32_t capacity, int64_t price)
{
    sl_session s;
    ck_assert_ok_db(db, sl_class_create(db, &s, T1, start, HOUR, capacity, price, NULL, NOW0));
    ck_assert_int_eq(s.kind, SL_KIND_CLASS);
    ck_assert_int_eq(s.credits, price);
    return s.id;
}

static void verify(sl_db *d)
{
    sl_verify_report r;
    ck_assert_ok_db(d, sl_ledger_verify(d, &r, T1));
}

/* "s5 s6 | w7 w8": the taken seats, then the waitlist (ended places left out). */
static void seats_text(char *buf, size_t cap, sl_db *d, sl_id cls)
{
    sl_seat *seats;
    size_t n, used = 0;
    buf[0] = 0;
    ck_assert_ok_db(d, sl_class_seats(d, &seats, &n, T1, cls));
    int bar = 0;
    for (size_t i = 0; i < n && used + 16 < cap; i++) {
        int32_t st = seats[i].status;
        if (st == SL_SEAT_WITHDRAWN || st == SL_SEAT_CANCELLED)
            continue;
        if (st == SL_SEAT_WAITLISTED && !bar++)
            used += (size_t)snprintf(buf + used, cap - used, "| ");
        used += (size_t)snprintf(buf + used, cap - used, "%c%lld ", st == SL_SEAT_WAITLISTED ? 'w' : 's',
                                 (long long)seats[i].student);
    }
    if (used)
        buf[used - 1] = 0;
    sl_free(seats);
}

#define SEATS_ARE(d, cls, text)                                                                \
    do {                                                                                       \
        char got_[512];                                                                        \
        seats_text(got_, sizeof(got_), d, cls);                                                \
        ck_assert_str_eq(got_, text);                                                          \
    } while (0)

/* The seats of cls, every place in position order, have the statuses
 * listed (SL_SEAT_*), and no more. */
static void expect_seat_statuses(sl_db *d, sl_id cls, const int32_t *want, size_t count)
{
    sl_seat *seats;
    size_t n;
    ck_assert_ok_db(d, sl_class_seats(d, &seats, &n, T1, cls));
    ck_assert_uint_eq(n, count);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(seats[i].status == want[i], "seat %zu: status %d, expected %d", i, seats[i].status, want[i]);
    sl_free(seats);
}

#define SEAT_STATUSES_ARE(d, cls, ...)                                                         \
    expect_seat_statuses(d, cls, (const int32_t[]){__VA_ARGS__},                               \
                         sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t))

/* ---- seats, holds, waitlist --------------------------------------------------- */

START_TEST(test_enroll_full_waitlist)
{
    sl_id c = make_class(BASE + 10 * HOUR, 2, PRICE);
    sl_seat seat;
    for (sl_id s = 5; s <= 8; s++)
        buy(db, s, 10);
    ck_assert_ok_db(db, sl_class_enroll(db, &seat, T1, c, 5, 0, NULL, NOW0));
    ck_assert_int_eq(seat.status, SL_SEAT_SEATED);
    ck_assert_int_eq(seat.position, 1);
    ck_assert_int_gt(seat.hold_id, 0);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 6, SL_WAITLIST, NULL, NOW0));
    ck_assert_sl(sl_class_enroll(db, &seat, T1, c, 7, 0, NULL, NOW0), SL_EFULL);
    ERRMSG_HAS("full (2 of 2 seats taken)");
    ck_assert_ok_db(db, sl_class_enroll(db, &seat, T1, c, 7, SL_WAITLIST, NULL, NOW0));
    ck_assert_int_eq(seat.status, SL_SEAT_WAITLISTED);
    ck_assert_int_eq(seat.hold_id, 0);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 8, SL_WAITLIST, NULL, NOW0));
    SEATS_ARE(db, c, "s5 s6 | w7 w8");
    ck_assert_int_eq(balance(db, 5).held, PRICE);
    ck_assert_int_eq(balance(db, 6).held, PRICE);
    ck_assert_int_eq(balance(db, 7).held, 0);
    ck_assert_int_eq(balance(db, 7).available, 10);
    sl_class k;
    ck_assert_ok_db(db, sl_class_get(db, &k, T1, c, 0));
    ck_assert_int_eq(k.capacity, 2);
    ck_assert_int_eq(k.taken, 2);
    ck_assert_int_eq(k.waitlisted, 2);
    ck_assert_int_eq(k.credits_per_seat, PRICE);
    verify(db);
}
END_TEST

START_TEST(test_withdraw_promotes_first_who_can_pay)
{
    sl_id c = make_class(BASE + 10 * HOUR, 1, PRICE);
    buy(db, 5, 10);
    buy(db, 6, 1); /* cannot pay */
    buy(db, 7, 10);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, 0, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 6, SL_WAITLIST, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 7, SL_WAITLIST, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, c, 5, NULL, NOW0));
    /* 6 is skipped and keeps the first place; 7 is seated with a hold. */
    SEATS_ARE(db, c, "s7 | w6");
    ck_assert_int_eq(balance(db, 5).held, 0);
    ck_assert_int_eq(balance(db, 5).available, 10); /* released, not captured */
    ck_assert_int_eq(balance(db, 6).held, 0);
    ck_assert_int_eq(balance(db, 7).held, PRICE);
    /* 6 tops up: the next free seat is theirs. */
    buy(db, 6, 5);
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, c, 7, NULL, NOW0));
    SEATS_ARE(db, c, "s6");
    ck_assert_int_eq(balance(db, 6).held, PRICE);
    /* A waitlisted student leaves without touching credits. */
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 8, SL_WAITLIST, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, c, 8, NULL, NOW0));
    SEATS_ARE(db, c, "s6");
    ck_assert_sl(sl_class_withdraw(db, T1, c, 8, NULL, NOW0), SL_ENOTFOUND);
    ERRMSG_HAS("no seat or waitlist place");
    /* Withdrawn students may come back (a new place at the end). */
    buy(db, 5, 0 + 1);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, SL_WAITLIST, NULL, NOW0));
    SEATS_ARE(db, c, "s6 | w5");
    verify(db);
}
END_TEST

/* A seat left free (nobody waiting could pay) is offered again by the next
 * withdrawal, with the freed one (the model test found it: seed 812872918). */
START_TEST(test_withdraw_fills_every_free_seat)
{
    sl_id c = make_class(BASE + 10 * HOUR, 2, PRICE);
    for (sl_id s = 5; s <= 8; s++)
        buy(db, s, s <= 6 ? 10 : 1); /* 7 and 8 cannot pay yet */
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, 0, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 6, 0, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 7, SL_WAITLIST, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 8, SL_WAITLIST, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, c, 5, NULL, NOW0));
    SEATS_ARE(db, c, "s6 | w7 w8"); /* one seat free, nobody can take it */
    buy(db, 7, 5), buy(db, 8, 5);
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, c, 6, NULL, NOW0));
    SEATS_ARE(db, c, "s7 s8");
    sl_class k;
    ck_assert_ok_db(db, sl_class_get(db, &k, T1, c, 0));
    ck_assert_int_eq(k.taken, 2);
    ck_assert_int_eq(k.waitlisted, 0);
    ck_assert_int_eq(balance(db, 7).held + balance(db, 8).held, 2 * PRICE);
    verify(db);
}
END_TEST

START_TEST(test_late_withdraw_captures)
{
    sl_db *d = db;
    sl_test_put_tenant(d, T1, 6 * HOUR, NOW0, 0); /* late_cancel 6 h */
    sl_id c = make_class(BASE + 10 * HOUR, 2, PRICE);
    buy(d, 5, 10);
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, T1, c, 5, 0, NULL, NOW0));
    ck_assert_ok_db(d, sl_class_withdraw(d, T1, c, 5, NULL, BASE + 5 * HOUR));
    sl_balance b = balance(d, 5);
    ck_assert_int_eq(b.held, 0);
    ck_assert_int_eq(b.posted, 10 - PRICE);
    verify(d);
}
END_TEST

START_TEST(test_insufficient_and_floor)
{
    sl_id c = make_class(BASE + 10 * HOUR, 2, PRICE);
    buy(db, 5, 2);
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 5, SL_WAITLIST, NULL, NOW0), SL_EINSUFFICIENT);
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 5, -1, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, 0, NULL, NOW0));
    ck_assert_int_eq(balance(db, 5).available, -1);
    /* A free class holds nothing. */
    sl_id f = make_class(BASE + 12 * HOUR, 1, 0);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, f, 9, 0, NULL, NOW0));
    SEATS_ARE(db, f, "s9");
    verify(db);
}
END_TEST

/* ---- the session calls on a class --------------------------------------------- */

START_TEST(test_cancel_releases_everything)
{
    sl_id c = make_class(BASE + 10 * HOUR, 1, PRICE);
    buy(db, 5, 10);
    buy(db, 6, 10);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, 0, NULL, NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 6, SL_WAITLIST, NULL, NOW0));
    sl_session s;
    ck_assert_ok_db(db, sl_cancel(db, &s, T1, c, NOW0));
    ck_assert_int_eq(s.status, SL_STATUS_CANCELLED);
    SEATS_ARE(db, c, "");
    ck_assert_int_eq(balance(db, 5).available, 10);
    ck_assert_int_eq(balance(db, 5).posted, 10);
    SEAT_STATUSES_ARE(db, c, SL_SEAT_CANCELLED, SL_SEAT_CANCELLED);
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 7, 0, NULL, NOW0), SL_ESTATE);
    ERRMSG_HAS("cancelled");
    ck_assert_sl(sl_class_withdraw(db, T1, c, 5, NULL, NOW0), SL_ESTATE);
    verify(db);
}
END_TEST

START_TEST(test_complete_and_no_show)
{
    sl_id c = make_class(BASE + 10 * HOUR, 3, PRICE);
    for (sl_id s = 5; s <= 8; s++) {
        buy(db, s, 10);
        ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, s, SL_WAITLIST, NULL, NOW0));
    }
    sl_seat seat;
    ck_assert_ok_db(db, sl_class_no_show(db, &seat, T1, c, 6, BASE + 11 * HOUR));
    ck_assert_int_eq(seat.status, SL_SEAT_NO_SHOW);
    ck_assert_int_eq(balance(db, 6).posted, 10 - PRICE);
    ck_assert_sl(sl_class_no_show(db, NULL, T1, c, 6, BASE + 11 * HOUR), SL_ESTATE); /* classes_no_show.c */
    ck_assert_sl(sl_class_no_show(db, NULL, T1, c, 8, BASE + 11 * HOUR), SL_ESTATE);
    ck_assert_sl(sl_mark_no_show(db, NULL, T1, c, BASE + 11 * HOUR), SL_EINVAL);
    ERRMSG_HAS("sl_class_no_show");
    ck_assert_ok_db(db, sl_complete(db, NULL, T1, c, BASE + 11 * HOUR));
    ck_assert_int_eq(balance(db, 5).posted, 10 - PRICE);
    ck_assert_int_eq(balance(db, 5).held, 0);
    ck_assert_int_eq(balance(db, 6).posted, 10 - PRICE); /* captured once */
    ck_assert_int_eq(balance(db, 7).posted, 10 - PRICE);
    ck_assert_int_eq(balance(db, 8).posted, 10); /* was waitlisted */
    SEAT_STATUSES_ARE(db, c, SL_SEAT_PRESENT, SL_SEAT_NO_SHOW, SL_SEAT_PRESENT, SL_SEAT_CANCELLED);
    verify(db);
}
END_TEST

START_TEST(test_classes_block_slots_and_conflicts)
{
    sl_interval buf[64];
    size_t n;
    sl_time day = BASE;
    ck_assert_ok_db(db, sl_slots(db, buf, 64, &n, NULL, T1, day + 9 * HOUR, day + 13 * HOUR, HOUR, NOW0));
    ck_assert_uint_eq(n, 4);
    sl_id c = make_class(day + 10 * HOUR, 8, PRICE);
    ck_assert_ok_db(db, sl_slots(db, buf, 64, &n, NULL, T1, day + 9 * HOUR, day + 13 * HOUR, HOUR, NOW0));
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ne(buf[i].start, day + 10 * HOUR);
    ck_assert_sl(sl_book(db, NULL, T1, 5, day + 10 * HOUR, HOUR, 0, NULL, NOW0), SL_ECONFLICT);
    /* A class never overlaps a blocking session. */
    sl_session b;
    ck_assert_ok_db(db, sl_book(db, &b, T1, 5, day + 12 * HOUR, HOUR, 0, NULL, NOW0));
    ck_assert_sl(sl_class_create(db, NULL, T1, day + 12 * HOUR + 1800, HOUR, 4, 1, NULL, NOW0), SL_ECONFLICT);
    ERRMSG_HAS("conflicts with session");
    /* Reschedule: seats move with the class; conflicts re-checked. */
    buy(db, 6, 10);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 6, 0, NULL, NOW0));
    ck_assert_sl(sl_reschedule(db, NULL, T1, c, day + 12 * HOUR, NOW0), SL_ECONFLICT);
    sl_session moved;
    ck_assert_ok_db(db, sl_reschedule(db, &moved, T1, c, day + 20 * HOUR, NOW0));
    ck_assert_int_eq(moved.start, day + 20 * HOUR);
    SEATS_ARE(db, c, "s6");
    ck_assert_ok_db(db, sl_slots(db, buf, 64, &n, NULL, T1, day + 9 * HOUR, day + 13 * HOUR, HOUR, NOW0));
    ck_assert_uint_eq(n, 3); /* 12:00 is booked, 10:00 free again */
}
END_TEST

START_TEST(test_soft_delete_and_restore)
{
    sl_id c = make_class(BASE + 10 * HOUR, 2, PRICE);
    buy(db, 5, PRICE);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, 0, NULL, NOW0));
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, c, NOW0));
    ck_assert_int_eq(balance(db, 5).held, 0);
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 6, 0, NULL, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_class_get(db, &(sl_class){0}, T1, c, 0), SL_ENOTFOUND);
    /* The time is free while it is deleted: a booking takes it, and the
     * restore is refused by the conflict predicate. */
    sl_session b;
    ck_assert_ok_db(db, sl_book(db, &b, T1, 9, BASE + 10 * HOUR, HOUR, 0, NULL, NOW0));
    ck_assert_sl(sl_restore(db, T1, SL_ENTITY_SESSION, c, NOW0), SL_ECONFLICT);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, b.id, NOW0));
    /* Restoring holds the seat again, or fails and leaves it deleted. */
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, 5, SL_ENTRY_CONSUME, -1, "spend", NULL, NOW0));
    ck_assert_sl(sl_restore(db, T1, SL_ENTITY_SESSION, c, NOW0), SL_EINSUFFICIENT);
    ck_assert_int_eq(balance(db, 5).held, 0);
    buy(db, 5, 1);
    ck_assert_ok_db(db, sl_restore(db, T1, SL_ENTITY_SESSION, c, NOW0));
    ck_assert_int_eq(balance(db, 5).held, PRICE);
    SEATS_ARE(db, c, "s5");
    verify(db);
}
END_TEST

/* A handle on a new store of the backend, with the store itself for
 * reading its rows directly (the handle owns it). */
static sl_db *open_with_store(sl_store **st)
{
    sl_db *d = NULL;
    int rc = strcmp(sl_test_backend, "memory") == 0   ? sl_store_memory_new(st)
             : strcmp(sl_test_backend, "sqlite") == 0 ? sl_store_sqlite_new(st, ":memory:", NULL)
             : strcmp(sl_test_backend, "postgres") == 0 ? sl_store_pg_new(st, sl_test_pg_conninfo(), NULL)
                                                         : sl_store_sqlite_new(st, sl_test_path("purge.db"), NULL);
    ck_assert_msg(rc == SL_OK, "store %s: %s", sl_test_backend, sl_errmsg(NULL));
    ck_assert_int_eq(sl_open_store(&d, *st, NULL), SL_OK);
    sl_test_put_tenant(d, T1, 0, NOW0 - DAY, 1);
    return d;
}

static int count_seat(void *ctx, const sl_seat *s)
{
    (void)s;
    ++*(int *)ctx;
    return 0;
}

/* The class row and seat count of class id as the store holds them
 * (-1: no class row), and whether a seat carries key. */
static int stored_seats(sl_store *st, sl_id id, const char *key, int *key_found)
{
    sl_class c;
    sl_seat seat;
    int n = 0;
    ck_assert_int_eq(st->begin(st, T1, 0), SL_OK);
    int rc = st->class_get(st, &c, T1, id);
    ck_assert_int_eq(st->seats_scan(st, T1, id, count_seat, &n), SL_OK);
    *key_found = st->seat_by_key(st, &seat, T1, key) == SL_OK;
    ck_assert_int_eq(st->rollback(st), SL_OK);
    return rc == SL_ENOTFOUND ? (n ? -100 - n : -1) : n;
}

/* Purging a deleted class removes its class row and every seat with its
 * session, in the one purge transaction; nothing of a live class. */
START_TEST(test_purge_removes_seats)
{
    sl_store *st;
    sl_db *d = open_with_store(&st);
    sl_session c, live;
    sl_seat seat, fresh;
    int key_found;
    ck_assert_ok_db(d, sl_class_create(d, &live, T1, BASE + 8 * HOUR, HOUR, 3, PRICE, NULL, NOW0));
    ck_assert_ok_db(d, sl_class_create(d, &c, T1, BASE + 10 * HOUR, HOUR, 2, PRICE, NULL, NOW0));
    for (sl_id s = 5; s <= 9; s++)
        buy(d, s, 10);
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, T1, live.id, 9, 0, NULL, NOW0));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, T1, c.id, 5, 0, "p-e5", NOW0));
    ck_assert_ok_db(d, sl_class_enroll(d, NULL, T1, c.id, 6, 0, NULL, NOW0));
    ck_assert_ok_db(d, sl_class_enroll(d, &seat, T1, c.id, 7, SL_WAITLIST, "p-e7", NOW0));
    ck_assert_ok_db(d, sl_class_withdraw(d, T1, c.id, 6, "p-w6", NOW0)); /* 7 promoted */
    ck_assert_ok_db(d, sl_class_no_show(d, NULL, T1, c.id, 5, NOW0));   /* captured */
    ck_assert_ok_db(d, sl_soft_delete(d, T1, SL_ENTITY_SESSION, c.id, NOW0));
    ck_assert_int_eq(stored_seats(st, c.id, "p-w6", &key_found), 3);
    ck_assert_int_eq(key_found, 1);

    size_t n = 0;
    ck_assert_ok_db(d, sl_purge(d, &n, SL_ENTITY_SESSION, NOW0 + 1));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(stored_seats(st, c.id, "p-w6", &key_found), -1); /* no class row, no seat */
    ck_assert_int_eq(key_found, 0);
    ck_assert_int_eq(stored_seats(st, live.id, "p-e5", &key_found), 1);
    ck_assert_int_eq(key_found, 0);
    ck_assert_sl(sl_class_seats(d, &(sl_seat *){NULL}, &n, T1, c.id), SL_ENOTFOUND);

    /* The purged seats' keys are free again (no replay of a seat that is
     * gone), and their ids are never handed out again: a new seat's
     * no-show capture cannot meet a purged seat's capture entry. */
    ck_assert_ok_db(d, sl_class_enroll(d, &fresh, T1, live.id, 8, 0, "p-e5", NOW0));
    ck_assert_int_eq(fresh.replayed, 0);
    ck_assert_int_eq(fresh.class_id, live.id);
    ck_assert_int_gt(fresh.id, seat.id);
    ck_assert_ok_db(d, sl_class_no_show(d, NULL, T1, live.id, 8, NOW0));
    sl_balance b;
    ck_assert_ok_db(d, sl_ledger_balance(d, &b, T1, 8, NOW0));
    ck_assert_int_eq(b.posted, 10 - PRICE);
    ck_assert_int_eq(b.held, 0);
    /* The ledger keeps what happened: 5 paid (no-show), 6 and 7 got their
     * holds back (withdrawal, deletion). */
    ck_assert_int_eq(balance(d, 5).posted, 10 - PRICE);
    ck_assert_int_eq(balance(d, 6).available, 10);
    ck_assert_int_eq(balance(d, 7).available, 10);
    verify(d);
    /* The outbox ends the class's story with its purge. */
    sl_outbox_event *ev = NULL;
    ck_assert_ok_db(d, sl_outbox_session_events(d, &ev, &n, T1, c.id));
    ck_assert_uint_gt(n, 0);
    ck_assert_int_eq(ev[n - 1].kind, SL_EVENT_PURGED);
    sl_outbox_free(ev);
    sl_close(d);
}
END_TEST

/* ---- idempotency -------------------------------------------------------------- */

START_TEST(test_replays_and_kinds)
{
    sl_session a, b;
    buy(db, 5, 10);
    ck_assert_ok_db(db, sl_class_create(db, &a, T1, BASE + 10 * HOUR, HOUR, 2, PRICE, "c1", NOW0));
    ck_assert_ok_db(db, sl_class_create(db, &b, T1, BASE + 10 * HOUR, HOUR, 2, PRICE, "c1", NOW0));
    ck_assert_int_eq(b.id, a.id);
    ck_assert_int_eq(b.replayed, 1);
    ck_assert_sl(sl_class_create(db, NULL, T1, BASE + 10 * HOUR, HOUR, 2, PRICE + 1, "c1", NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS("credits_per_seat");
    sl_seat s1, s2;
    ck_assert_ok_db(db, sl_class_enroll(db, &s1, T1, a.id, 5, 0, "e1", NOW0));
    ck_assert_ok_db(db, sl_class_enroll(db, &s2, T1, a.id, 5, 0, "e1", NOW0));
    ck_assert_int_eq(s2.id, s1.id);
    ck_assert_int_eq(s2.replayed, 1);
    ck_assert_int_eq(balance(db, 5).held, PRICE); /* held once */
    ck_assert_sl(sl_class_enroll(db, NULL, T1, a.id, 6, 0, "e1", NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS("student");
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, a.id, 5, "w1", NOW0));
    ck_assert_ok_db(db, sl_class_withdraw(db, T1, a.id, 5, "w1", NOW0));
    ck_assert_int_eq(balance(db, 5).held, 0);
    /* The enroll key replays the original seat even after the withdrawal. */
    ck_assert_ok_db(db, sl_class_enroll(db, &s2, T1, a.id, 5, 0, "e1", NOW0));
    ck_assert_int_eq(s2.id, s1.id);
    ck_assert_int_eq(balance(db, 5).held, 0);
    /* Keys are one space across kinds. */
    ck_assert_sl(sl_class_withdraw(db, T1, a.id, 5, "e1", NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS("belongs to a class enrollment");
    ck_assert_sl(sl_class_enroll(db, NULL, T1, a.id, 5, 0, "w1", NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS("belongs to a class withdrawal");
    ck_assert_sl(sl_book(db, NULL, T1, 5, BASE + 14 * HOUR, HOUR, 0, "e1", NOW0), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 5, SL_ENTRY_GRANT, 1, "c1", NULL, NOW0), SL_EIDEMPOTENCY);
    ERRMSG_HAS("belongs to a class creation");
    /* A ledger post's key (its own here: buy()'s keys count across tests,
     * which share one process under CK_FORK=no). */
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, 5, SL_ENTRY_PURCHASE, 1, "post-k", NULL, NOW0));
    ck_assert_sl(sl_class_enroll(db, NULL, T1, a.id, 5, 0, "post-k", NOW0), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_class_create(db, NULL, T1, BASE + 30 * HOUR, HOUR, 2, PRICE, "e1", NOW0), SL_EIDEMPOTENCY);
    SEATS_ARE(db, a.id, "");
    verify(db);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------ */

/* The store's state a refused call must leave as it was. */
static void snapshot(char *buf, size_t cap, sl_id cls)
{
    sl_class k;
    sl_balance b5 = balance(db, 5);
    char seats[256];
    seats_text(seats, sizeof(seats), db, cls);
    ck_assert_ok_db(db, sl_class_get(db, &k, T1, cls, SL_INCLUDE_DELETED));
    snprintf(buf, cap, "%s/%d/%d/%lld/%lld", seats, (int)k.taken, (int)k.waitlisted, (long long)b5.posted,
             (long long)b5.held);
}

START_TEST(test_bad_input)
{
    char before[512], after[512];
    sl_id c = make_class(BASE + 10 * HOUR, 1, PRICE);
    buy(db, 5, 10);
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, T1, c, 5, 0, NULL, NOW0));
    snapshot(before, sizeof(before), c);

    static const int32_t caps[] = {0, -1, 1001, INT32_MIN};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_sl(sl_class_create(db, NULL, T1, BASE + 20 * HOUR, HOUR, caps[i], 1, NULL, NOW0), SL_EINVAL);
        ERRMSG_HAS("capacity");
    }
    ck_assert_sl(sl_class_create(db, NULL, T1, BASE + 20 * HOUR, HOUR, 2, -1, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_create(db, NULL, T1, BASE + 20 * HOUR, 0, 2, 1, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_create(db, NULL, 0, BASE + 20 * HOUR, HOUR, 2, 1, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_create(db, NULL, 99, BASE + 20 * HOUR, HOUR, 2, 1, NULL, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_class_create(NULL, NULL, T1, BASE + 20 * HOUR, HOUR, 2, 1, NULL, NOW0), SL_EINVAL);

    sl_session one;
    ck_assert_ok_db(db, sl_book(db, &one, T1, 6, BASE + 14 * HOUR, HOUR, 0, NULL, NOW0));
    ck_assert_sl(sl_class_enroll(db, NULL, T1, one.id, 5, 0, NULL, NOW0), SL_EINVAL);
    ERRMSG_HAS("not a class");
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 5, SL_WAITLIST, NULL, NOW0), SL_EEXISTS);
    ERRMSG_HAS("already seated");
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 5, 0x80, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 0, 0, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_enroll(db, NULL, T1, 9999, 5, 0, NULL, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_class_enroll(db, NULL, T1, c, 5, 0, "", NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_withdraw(db, T1, c, 6, NULL, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_class_withdraw(db, T1, one.id, 6, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_class_seats(db, NULL, NULL, T1, c), SL_EINVAL);
    snapshot(after, sizeof(after), c);
    ck_assert_str_eq(after, before);

    /* A cancelled class and a deleted one take no one. */
    sl_id gone = make_class(BASE + 30 * HOUR, 2, PRICE);
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_SESSION, gone, NOW0));
    ck_assert_sl(sl_class_enroll(db, NULL, T1, gone, 5, 0, NULL, NOW0), SL_ENOTFOUND);
    sl_id off = make_class(BASE + 32 * HOUR, 2, PRICE);
    ck_assert_ok_db(db, sl_cancel(db, NULL, T1, off, NOW0));
    ck_assert_sl(sl_class_enroll(db, NULL, T1, off, 5, 0, NULL, NOW0), SL_ESTATE);
    snapshot(after, sizeof(after), c);
    ck_assert_str_eq(after, before);
    verify(db);
}
END_TEST

/* ---- model-based property test -------------------------------------------------- */

#define M_STUDENTS 6
#define M_CLASSES 2
typedef struct model {
    int64_t avail[M_STUDENTS + 1], held[M_STUDENTS + 1];
    sl_id cls[M_CLASSES];
    int32_t cap[M_CLASSES];
    sl_id seated[M_CLASSES][8];
    int n_seated[M_CLASSES];
    sl_id wait[M_CLASSES][M_STUDENTS];
    int n_wait[M_CLASSES];
} model;

static int find(const sl_id *a, int n, sl_id x)
{
    for (int i = 0; i < n; i++)
        if (a[i] == x)
            return i;
    return -1;
}

static void take_out(sl_id *a, int *n, int i)
{
    memmove(a + i, a + i + 1, (size_t)(*n - i - 1) * sizeof(*a));
    (*n)--;
}

static int model_enroll(model *m, int k, sl_id s, int wl)
{
    if (find(m->seated[k], m->n_seated[k], s) >= 0 || find(m->wait[k], m->n_wait[k], s) >= 0)
        return SL_EEXISTS;
    if (m->n_seated[k] < m->cap[k]) {
        if (m->avail[s] < PRICE)
            return SL_EINSUFFICIENT;
        m->avail[s] -= PRICE, m->held[s] += PRICE;
        m->seated[k][m->n_seated[k]++] = s;
        return SL_OK;
    }
    if (!wl)
        return SL_EFULL;
    m->wait[k][m->n_wait[k]++] = s;
    return SL_OK;
}

static int model_withdraw(model *m, int k, sl_id s)
{
    int i = find(m->seated[k], m->n_seated[k], s);
    if (i < 0) {
        if ((i = find(m->wait[k], m->n_wait[k], s)) < 0)
            return SL_ENOTFOUND;
        take_out(m->wait[k], &m->n_wait[k], i);
        return SL_OK;
    }
    take_out(m->seated[k], &m->n_seated[k], i);
    m->avail[s] += PRICE, m->held[s] -= PRICE;
    /* Every free seat is offered, in waitlist order: also one an earlier
     * withdrawal left free because nobody waiting could pay then. */
    for (int w = 0; w < m->n_wait[k] && m->n_seated[k] < m->cap[k];) {
        sl_id p = m->wait[k][w];
        if (m->avail[p] < PRICE) {
            w++;
            continue;
        }
        m->avail[p] -= PRICE, m->held[p] += PRICE;
        m->seated[k][m->n_seated[k]++] = p;
        take_out(m->wait[k], &m->n_wait[k], w);
    }
    return SL_OK;
}

static void model_check(const model *m, uint64_t seed, int step)
{
    for (int k = 0; k < M_CLASSES; k++) {
        /* The store lists seats by position; the model keeps arrival
         * order, which is position order among the seated only up to
         * promotions: compare as sets for seats, as a list for the wait. */
        sl_seat *seats;
        size_t n;
        ck_assert_ok_db(db, sl_class_seats(db, &seats, &n, T1, m->cls[k]));
        int n_taken = 0, n_wait = 0;
        for (size_t i = 0; i < n; i++) {
            if (seats[i].status == SL_SEAT_SEATED) {
                ck_assert_msg(find(m->seated[k], m->n_seated[k], seats[i].student) >= 0,
                              "seed %llu step %d: student %lld seated in the store only", (unsigned long long)seed,
                              step, (long long)seats[i].student);
                ck_assert_msg(n_wait == 0, "seed %llu: seat listed after the waitlist", (unsigned long long)seed);
                n_taken++;
            } else if (seats[i].status == SL_SEAT_WAITLISTED) {
                ck_assert_msg(n_wait < m->n_wait[k] && m->wait[k][n_wait] == seats[i].student,
                              "seed %llu step %d: waitlist order differs at %d", (unsigned long long)seed, step,
                              n_wait);
                n_wait++;
            }
        }
        sl_free(seats);
        ck_assert_msg(n_taken == m->n_seated[k] && n_wait == m->n_wait[k],
                      "seed %llu step %d: class %d has %d seats %d waiting, model %d %d", (unsigned long long)seed,
                      step, k, n_taken, n_wait, m->n_seated[k], m->n_wait[k]);
    }
    for (sl_id s = 1; s <= M_STUDENTS; s++) {
        sl_balance b = balance(db, s);
        ck_assert_msg(b.available == m->avail[s] && b.held == m->held[s],
                      "seed %llu step %d: student %lld has %lld/%lld, model %lld/%lld", (unsigned long long)seed,
                      step, (long long)s, (long long)b.available, (long long)b.held, (long long)m->avail[s],
                      (long long)m->held[s]);
    }
    verify(db);
}

START_TEST(test_model)
{
    uint64_t seed = sl_test_seed("classes model"), rng = seed;
    model m;
    memset(&m, 0, sizeof(m));
    for (int k = 0; k < M_CLASSES; k++) {
        m.cap[k] = 2 + k;
        m.cls[k] = make_class(BASE + (10 + 2 * k) * HOUR, m.cap[k], PRICE);
    }
    long steps = sl_test_scale(300);
    for (int step = 0; step < steps; step++) {
        int k = (int)(sl_test_rand(&rng) % M_CLASSES);
        sl_id s = 1 + (sl_id)(sl_test_rand(&rng) % M_STUDENTS);
        int op = (int)(sl_test_rand(&rng) % 10), want, got;
        if (op < 2) {
            int64_t amount = 1 + (int64_t)(sl_test_rand(&rng) % 4);
            buy(db, s, amount);
            m.avail[s] += amount;
            continue;
        }
        if (op < 6) {
            int wl = op != 2;
            want = model_enroll(&m, k, s, wl);
            got = sl_class_enroll(db, NULL, T1, m.cls[k], s, wl ? SL_WAITLIST : 0, NULL, NOW0);
        } else {
            want = model_withdraw(&m, k, s);
            got = sl_class_withdraw(db, T1, m.cls[k], s, NULL, NOW0);
        }
        ck_assert_msg(got == want, "seed %llu step %d: op %d class %d student %lld: %s, model %s (%s)",
                      (unsigned long long)seed, step, op, k, (long long)s, sl_strerror(got), sl_strerror(want),
                      sl_errmsg(db));
        model_check(&m, seed, step);
    }
}
END_TEST

/* ---- the store's own line of defence ----------------------------------------- */

/* A caller that skips the core (a buggy host, a hand-written script) talks
 * to the store directly: it still cannot take more seats than the class
 * has. The stores CHECK the class row's counter against the capacity, and
 * SQLite and PostgreSQL refuse a taken seat beyond it by themselves. */
START_TEST(test_store_refuses_oversell)
{
    sl_store *st = NULL;
    sl_db *d = NULL;
    int rc;
    if (strcmp(sl_test_backend, "memory") == 0)
        rc = sl_store_memory_new(&st);
    else if (strcmp(sl_test_backend, "postgres") == 0)
        rc = sl_store_pg_new(&st, sl_test_pg_conninfo(), NULL);
    else
        rc = sl_store_sqlite_new(&st, strcmp(sl_test_backend, "sqlite") == 0 ? ":memory:" : sl_test_path("raw.db"), NULL);
    ck_assert_int_eq(rc, SL_OK);
    ck_assert_int_eq(sl_open_store(&d, st, NULL), SL_OK);
    sl_test_put_tenant(d, T1, 0, NOW0 - DAY, 1);
    sl_session cls;
    ck_assert_ok_db(d, sl_class_create(d, &cls, T1, BASE + 10 * HOUR, HOUR, 1, 0, NULL, NOW0));
    sl_seat first;
    ck_assert_ok_db(d, sl_class_enroll(d, &first, T1, cls.id, 5, 0, NULL, NOW0));

    /* The counter row: one more than the capacity is refused. */
    sl_class k;
    ck_assert_int_eq(st->begin(st, T1, 1), SL_OK);
    ck_assert_int_eq(st->class_get(st, &k, T1, cls.id), SL_OK);
    k.taken = k.capacity + 1;
    ck_assert_int_eq(st->class_put(st, &k), SL_EFULL);
    ck_assert_int_eq(st->rollback(st), SL_OK);
    /* A second taken seat written straight into the store. */
    if (strcmp(sl_test_backend, "memory") != 0) {
        sl_seat extra = first;
        extra.id = 0;
        extra.student = 6;
        extra.position = 2;
        extra.hold_id = 0;
        extra.key[0] = 0;
        ck_assert_int_eq(st->begin(st, T1, 1), SL_OK);
        ck_assert_int_eq(st->seat_put(st, &extra), SL_EFULL);
        ck_assert_int_eq(st->rollback(st), SL_OK);
    }
    SEATS_ARE(d, cls.id, "s5");
    sl_close(d);
}
END_TEST

/* ---- 8 processes ---------------------------------------------------------------- */

#define P_CHILDREN 8
#define P_STUDENTS 40
#define P_CAP 8

typedef struct stress_ctx {
    const char *path; /* SQLite file, or NULL for PostgreSQL */
    char conninfo[512];
    sl_id cls;
} stress_ctx;

typedef struct stress_report {
    int enrolled, waitlisted, cannot_pay, withdrawn, busy, other, last_other;
} stress_report;

static sl_db *stress_open(const stress_ctx *c)
{
    sl_db *d = NULL;
    sl_options o;
    sl_options_init(&o, SL_OPTIONS_VERSION);
    o.busy_timeout_ms = 20000;
    if (sl_open(&d, c->path ? c->path : c->conninfo, &o) != SL_OK)
        return NULL;
    return d;
}

static int stress_child(int idx, int go, void *ctx, void *report)
{
    const stress_ctx *c = ctx;
    stress_report *r = report;
    sl_db *d = stress_open(c);
    if (!d)
        return 1;
    uint64_t rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(idx + 1);
    sl_test_wait_go(go);
    /* Each child owns 5 students: enroll each (with waitlist), then
     * withdraw or re-enroll at random. */
    for (int round = 0; round < 30; round++) {
        sl_id s = 1 + idx * (P_STUDENTS / P_CHILDREN) + (sl_id)(sl_test_rand(&rng) % (P_STUDENTS / P_CHILDREN));
        int rc;
        if (sl_test_rand(&rng) % 3 == 0) {
            rc = sl_class_withdraw(d, T1, c->cls, s, NULL, NOW0);
            r->withdrawn += rc == SL_OK;
        } else {
            sl_seat seat;
            rc = sl_class_enroll(d, &seat, T1, c->cls, s, SL_WAITLIST, NULL, NOW0);
            if (rc == SL_OK)
                seat.status == SL_SEAT_SEATED ? r->enrolled++ : r->waitlisted++;
        }
        if (rc == SL_EBUSY)
            r->busy++;
        else if (rc == SL_EINSUFFICIENT && s % 5 == 0)
            r->cannot_pay++; /* a free seat, but not the credits */
        else if (rc != SL_OK && rc != SL_ENOTFOUND && rc != SL_EEXISTS)
            r->other++, r->last_other = rc;
    }
    sl_close(d);
    return 0;
}

static void stress_run(stress_ctx *c)
{
    sl_db *d = stress_open(c);
    ck_assert_ptr_nonnull(d);
    sl_test_put_tenant(d, T1, 0, NOW0 - DAY, 1);
    sl_session cls;
    ck_assert_ok_db(d, sl_class_create(d, &cls, T1, BASE + 10 * HOUR, HOUR, P_CAP, PRICE, NULL, NOW0));
    c->cls = cls.id;
    /* Every fifth student can never pay: they must stay on the waitlist. */
    for (sl_id s = 1; s <= P_STUDENTS; s++) {
        char key[32];
        snprintf(key, sizeof(key), "buy-%lld", (long long)s);
        ck_assert_ok_db(d, sl_ledger_post(d, NULL, T1, s, SL_ENTRY_PURCHASE, s % 5 == 0 ? PRICE - 1 : 100, key, NULL,
                                          NOW0));
    }
    sl_close(d); /* no connection across fork */
    stress_report reports[P_CHILDREN];
    sl_test_fork_children(P_CHILDREN, stress_child, c, reports, sizeof(reports[0]));
    for (int i = 0; i < P_CHILDREN; i++)
        ck_assert_msg(reports[i].other == 0, "child %d: %d unexpected results (last %s)", i, reports[i].other,
                      sl_strerror(reports[i].last_other));

    d = stress_open(c);
    ck_assert_ptr_nonnull(d);
    sl_seat *seats;
    size_t n;
    ck_assert_ok_db(d, sl_class_seats(d, &seats, &n, T1, c->cls));
    int taken = 0, waiting = 0, seated_of[P_STUDENTS + 1] = {0};
    int64_t last_wait = 0;
    for (size_t i = 0; i < n; i++) {
        sl_balance b;
        ck_assert_ok_db(d, sl_ledger_balance(d, &b, T1, seats[i].student, NOW0));
        if (seats[i].status == SL_SEAT_SEATED) {
            taken++;
            seated_of[seats[i].student]++;
            ck_assert_int_eq(b.held, PRICE);
            ck_assert_int_ne(seats[i].student % 5, 0);
        } else if (seats[i].status == SL_SEAT_WAITLISTED) {
            waiting++;
            ck_assert_int_eq(b.held, 0);
            ck_assert_int_gt(seats[i].position, last_wait); /* first come, first served */
            last_wait = seats[i].position;
        }
    }
    ck_assert_int_le(taken, P_CAP);
    /* Promotions happened whenever a seat freed and someone could pay:
     * a free seat with a payer waiting would be a missed promotion. */
    int payer_waiting = 0;
    for (size_t i = 0; i < n; i++)
        payer_waiting |= seats[i].status == SL_SEAT_WAITLISTED && seats[i].student % 5 != 0;
    ck_assert_msg(taken == P_CAP || !payer_waiting, "%d seats taken while a student who can pay waits", taken);
    for (sl_id s = 1; s <= P_STUDENTS; s++) {
        sl_balance b;
        ck_assert_ok_db(d, sl_ledger_balance(d, &b, T1, s, NOW0));
        ck_assert_int_eq(b.held, seated_of[s] * PRICE);
    }
    sl_class k;
    ck_assert_ok_db(d, sl_class_get(d, &k, T1, c->cls, 0));
    ck_assert_int_eq(k.taken, taken);
    ck_assert_int_eq(k.waitlisted, waiting);
    sl_verify_report vr;
    ck_assert_ok_db(d, sl_ledger_verify(d, &vr, T1));
    sl_free(seats);
    sl_close(d);
}

START_TEST(test_eight_processes)
{
    stress_ctx c;
    memset(&c, 0, sizeof(c));
    if (strcmp(sl_test_backend, "sqlite-file") == 0) {
        c.path = sl_test_path("classes-stress.db");
    } else if (strcmp(sl_test_backend, "postgres") == 0) {
        snprintf(c.conninfo, sizeof(c.conninfo), "%s", sl_test_pg_conninfo());
    } else {
        return; /* memory and :memory: are private to one handle */
    }
    stress_run(&c);
}
END_TEST

static SL_TEST_TCASE(tcase_seats, "seats", setup, teardown, 60, test_enroll_full_waitlist,
                     test_withdraw_promotes_first_who_can_pay, test_withdraw_fills_every_free_seat,
                     test_late_withdraw_captures, test_insufficient_and_floor)
static SL_TEST_TCASE(tcase_sessions, "session_calls", setup, teardown, 60, test_cancel_releases_everything,
                     test_complete_and_no_show, test_classes_block_slots_and_conflicts, test_soft_delete_and_restore,
                     test_purge_removes_seats)
static SL_TEST_TCASE(tcase_idem, "idempotency", setup, teardown, 60, test_replays_and_kinds)
static SL_TEST_TCASE(tcase_bad, "bad_input", setup, teardown, 60, test_bad_input)
TCase *tcase_no_show(void), *tcase_seat_ids(void), *tcase_edges(void); /* classes_*.c */
static SL_TEST_TCASE(tcase_model, "model", setup, teardown, 300, test_model)
static SL_TEST_TCASE(tcase_stress, "processes", NULL, NULL, 300, test_store_refuses_oversell, test_eight_processes)
SL_TEST_SUITE(classes, tcase_seats, tcase_sessions, tcase_no_show, tcase_seat_ids, tcase_idem, tcase_bad,
              tcase_model, tcase_stress, tcase_edges)
