/*
 * tests/group_classes.c - classes and the outbox inside groups (the group
 * suite, per backend): a rolled-back group leaves no class, seat, hold,
 * outbox event or key behind; keys replay inside a group and are free
 * again after a rollback.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

#define GC_BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define GC_NOW (GC_BASE - 86400)
#define GC_PRICE 3

static sl_db *gdb;

static void gc_open(void)
{
    gdb = sl_test_open();
    sl_test_put_tenant(gdb, 1, 0, GC_NOW - 86400, 0);
    for (sl_id s = 5; s <= 7; s++) {
        char key[16];
        snprintf(key, sizeof key, "buy%lld", (long long)s);
        ck_assert_ok_db(gdb, sl_ledger_post(gdb, NULL, 1, s, SL_ENTRY_PURCHASE, 10, key, NULL, GC_NOW));
    }
}

static void gc_close(void)
{
    sl_close(gdb);
}

static int64_t gc_events(sl_db *d)
{
    sl_outbox_counts c;
    ck_assert_ok_db(d, sl_outbox_stats(d, &c, 0, GC_NOW + 86400));
    return c.due + c.waiting + c.leased + c.dead + c.acked;
}

START_TEST(test_rollback_leaves_no_class)
{
    int64_t before = gc_events(gdb);
    sl_session cls;
    sl_seat seat;
    ck_assert_ok_db(gdb, sl_group_begin(gdb));
    ck_assert_ok_db(gdb, sl_class_create(gdb, &cls, 1, GC_BASE + 36000, 3600, 1, GC_PRICE, "c1", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, &seat, 1, cls.id, 5, 0, "e5", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, &seat, 1, cls.id, 6, SL_WAITLIST, "e6", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, &seat, 1, cls.id, 5, 0, "e5", GC_NOW));
    ck_assert_int_eq(seat.replayed, 1);
    ck_assert_sl(sl_class_enroll(gdb, &seat, 1, cls.id, 7, 0, "e5", GC_NOW), SL_EIDEMPOTENCY);
    ck_assert_ok_db(gdb, sl_class_withdraw(gdb, 1, cls.id, 5, "w5", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_no_show(gdb, &seat, 1, cls.id, 6, GC_NOW));
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(gdb, sl_outbox_claim(gdb, &ev, &n, "w", 0, 10, 60, GC_NOW));
    ck_assert_uint_gt(n, 0);
    ck_assert_ok_db(gdb, sl_outbox_ack(gdb, ev[0].tenant, ev[0].id, ev[0].token, GC_NOW));
    sl_outbox_free(ev);
    ck_assert_ok_db(gdb, sl_group_rollback(gdb));
    sl_class c;
    ck_assert_sl(sl_class_get(gdb, &c, 1, cls.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_int_eq(gc_events(gdb), before);
    sl_balance b;
    ck_assert_ok_db(gdb, sl_ledger_balance(gdb, &b, 1, 6, GC_NOW));
    ck_assert_int_eq(b.posted, 10);
    ck_assert_int_eq(b.held, 0);
    /* Every key is free again, for other arguments too. */
    sl_session c2;
    ck_assert_ok_db(gdb, sl_class_create(gdb, &c2, 1, GC_BASE + 7200, 3600, 2, 0, "c1", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, &seat, 1, c2.id, 7, 0, "e5", GC_NOW));
    ck_assert_int_eq(seat.replayed, 0);
    ck_assert_ok_db(gdb, sl_class_withdraw(gdb, 1, c2.id, 7, "w5", GC_NOW));
}
END_TEST

START_TEST(test_commit_keeps_class_calls)
{
    sl_session cls;
    ck_assert_ok_db(gdb, sl_group_begin(gdb));
    ck_assert_ok_db(gdb, sl_class_create(gdb, &cls, 1, GC_BASE + 36000, 3600, 1, GC_PRICE, "c1", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, NULL, 1, cls.id, 5, 0, "e5", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, NULL, 1, cls.id, 6, SL_WAITLIST, "e6", GC_NOW));
    ck_assert_sl(sl_class_enroll(gdb, NULL, 1, cls.id, 7, 0, NULL, GC_NOW), SL_EFULL);
    ck_assert_ok_db(gdb, sl_cancel(gdb, NULL, 1, cls.id, GC_NOW));
    ck_assert_ok_db(gdb, sl_group_commit(gdb));
    sl_class c;
    ck_assert_ok_db(gdb, sl_class_get(gdb, &c, 1, cls.id, 0));
    ck_assert_int_eq(c.taken, 0);
    ck_assert_int_eq(c.waitlisted, 0);
    sl_balance b;
    ck_assert_ok_db(gdb, sl_ledger_balance(gdb, &b, 1, 5, GC_NOW));
    ck_assert_int_eq(b.held, 0);
    ck_assert_int_eq(b.posted, 10);
}
END_TEST


/* Claims, acks and a purge of the outbox inside a group: a rollback
 * undoes them all (the events are pending again, none purged). */
START_TEST(test_outbox_calls_in_a_rolled_back_group)
{
    sl_session cls;
    ck_assert_ok_db(gdb, sl_class_create(gdb, &cls, 1, GC_BASE + 36000, 3600, 2, GC_PRICE, NULL, GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, NULL, 1, cls.id, 5, 0, NULL, GC_NOW));
    int64_t total = gc_events(gdb);
    ck_assert_int_eq(total, 2);
    ck_assert_ok_db(gdb, sl_group_begin(gdb));
    for (int round = 0; round < 2; round++) {
        sl_outbox_event *ev = NULL;
        size_t n = 0;
        ck_assert_ok_db(gdb, sl_outbox_claim(gdb, &ev, &n, "w", 0, 10, 60, GC_NOW));
        ck_assert_uint_eq(n, 1);
        ck_assert_ok_db(gdb, sl_outbox_ack(gdb, ev[0].tenant, ev[0].id, ev[0].token, GC_NOW));
        sl_outbox_free(ev);
    }
    size_t purged = 0;
    ck_assert_ok_db(gdb, sl_outbox_purge(gdb, &purged, GC_NOW + 1));
    ck_assert_uint_eq(purged, 1);
    ck_assert_ok_db(gdb, sl_soft_delete(gdb, 1, SL_ENTITY_SESSION, cls.id, GC_NOW));
    ck_assert_ok_db(gdb, sl_purge(gdb, &purged, SL_ENTITY_SESSION, GC_NOW + 1));
    ck_assert_uint_eq(purged, 1);
    ck_assert_ok_db(gdb, sl_group_rollback(gdb));
    sl_outbox_counts c;
    ck_assert_ok_db(gdb, sl_outbox_stats(gdb, &c, 0, GC_NOW));
    ck_assert_int_eq(c.due, 2);
    ck_assert_int_eq(c.acked + c.leased + c.dead + c.waiting, 0);
    sl_class k;
    ck_assert_ok_db(gdb, sl_class_get(gdb, &k, 1, cls.id, 0));
    ck_assert_int_eq(k.taken, 1);
    sl_seat *seats = NULL;
    size_t n = 0;
    ck_assert_ok_db(gdb, sl_class_seats(gdb, &seats, &n, 1, cls.id));
    ck_assert_uint_eq(n, 1);
    sl_free(seats);
    sl_balance b;
    ck_assert_ok_db(gdb, sl_ledger_balance(gdb, &b, 1, 5, GC_NOW));
    ck_assert_int_eq(b.held, GC_PRICE);
}
END_TEST

/* Inside a group a refused class call leaves its key free and the seats
 * as they were; the group goes on and commits the rest. */
START_TEST(test_refused_class_calls_inside_a_group)
{
    sl_session cls;
    sl_seat seat;
    ck_assert_ok_db(gdb, sl_class_create(gdb, &cls, 1, GC_BASE + 36000, 3600, 1, GC_PRICE, NULL, GC_NOW));
    ck_assert_ok_db(gdb, sl_group_begin(gdb));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, NULL, 1, cls.id, 5, 0, "a", GC_NOW));
    ck_assert_sl(sl_class_enroll(gdb, NULL, 1, cls.id, 5, SL_WAITLIST, "b", GC_NOW), SL_EEXISTS);
    ck_assert_sl(sl_class_enroll(gdb, NULL, 1, cls.id, 6, 0, "c", GC_NOW), SL_EFULL);
    ck_assert_sl(sl_class_no_show(gdb, NULL, 1, cls.id, 6, GC_NOW), SL_ENOTFOUND);
    ck_assert_sl(sl_class_withdraw(gdb, 1, cls.id, 7, "d", GC_NOW), SL_ENOTFOUND);
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, &seat, 1, cls.id, 6, SL_WAITLIST, "b", GC_NOW));
    ck_assert_int_eq(seat.status, SL_SEAT_WAITLISTED);
    ck_assert_ok_db(gdb, sl_class_withdraw(gdb, 1, cls.id, 5, "c", GC_NOW));
    ck_assert_ok_db(gdb, sl_class_enroll(gdb, &seat, 1, cls.id, 7, SL_WAITLIST, "d", GC_NOW));
    ck_assert_ok_db(gdb, sl_group_commit(gdb));
    sl_class k;
    ck_assert_ok_db(gdb, sl_class_get(gdb, &k, 1, cls.id, 0));
    ck_assert_int_eq(k.taken, 1);
    ck_assert_int_eq(k.waitlisted, 1);
    ck_assert_int_eq(k.last_position, 3);
    sl_balance b;
    ck_assert_ok_db(gdb, sl_ledger_balance(gdb, &b, 1, 6, GC_NOW));
    ck_assert_int_eq(b.held, GC_PRICE);
    ck_assert_ok_db(gdb, sl_ledger_balance(gdb, &b, 1, 5, GC_NOW));
    ck_assert_int_eq(b.held, 0);
}
END_TEST

TCase *tcase_group_classes(void);
SL_TEST_TCASE(tcase_group_classes, "classes", gc_open, gc_close, 60, test_rollback_leaves_no_class,
              test_commit_keeps_class_calls, test_outbox_calls_in_a_rolled_back_group,
              test_refused_class_calls_inside_a_group)
