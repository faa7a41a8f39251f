/* tests/slots/booking.c - the booking operations, the status machine, idempotency, queries. */
#include "slots_test.h"

START_TEST(test_book)
{
    sl_db *db = fixture();
    sl_session s, got;
    fund(db, 1, 7, 10);
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, at(0, 10, 0), HOUR, 3, NULL, NOW));
    ck_assert_int_gt(s.hold_id, 0); /* the credits are held with the booking */
    ck_assert_int_eq(held(db, 1, 7), 3);
    ck_assert_int_gt(s.id, 0);
    ck_assert_int_eq(s.tenant, 1);
    ck_assert_int_eq(s.student, 7);
    ck_assert_int_eq(s.start, at(0, 10, 0));
    ck_assert_int_eq(s.end, at(0, 11, 0));
    ck_assert_int_eq(s.status, SL_STATUS_PENDING);
    ck_assert_int_eq(s.kind, SL_KIND_REGULAR);
    ck_assert_int_eq(s.credits, 3);
    ck_assert_int_eq(s.replayed, 0);
    ck_assert_int_eq(s.created_at, NOW);
    ck_assert_int_eq(s.deleted_at, 0);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s.id, 0));
    ck_assert_int_eq(got.start, s.start);
    ck_assert_int_eq(got.credits, 3);
    /* The booked time leaves the slot list: 09:30..10:30 overlap it. */
    ck_assert(!listed(db, 1, at(0, 9, 30), HOUR, NOW));
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert(!listed(db, 1, at(0, 10, 30), HOUR, NOW));
    ck_assert(listed(db, 1, at(0, 9, 0), HOUR, NOW));
    ck_assert(listed(db, 1, at(0, 11, 0), HOUR, NOW));
    /* A second booking of an overlapping slot is a conflict naming it. */
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, s.id);
    ck_assert_sl(sl_book(db, NULL, 1, 8, at(0, 10, 30), HOUR, 0, NULL, NOW), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_msg_has(db, "2026-03-02T10:30Z");
    ck_assert_sl(sl_book(db, NULL, 1, 8, at(0, 10, 0), HOUR, 0, NULL, NOW), SL_ECONFLICT);
    /* Off the grid, outside availability: unavailable. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 12, 10), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 19, 30), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 6, 0), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    /* In the past (notice 0 still means not before now). */
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 12, 0), HOUR, 0, NULL, at(0, 12, 1)), SL_EUNAVAILABLE);
    /* Not enough credits: the booking and its hold are one; neither is
     * written and the slot stays free. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 14, 0), HOUR, 8, NULL, NOW), SL_EINSUFFICIENT);
    ck_assert_fails(db, sl_book(db, NULL, 1, 50, at(0, 14, 0), HOUR, 1, NULL, NOW), SL_EINSUFFICIENT);
    ck_assert(listed(db, 1, at(0, 14, 0), HOUR, NOW));
    ck_assert_int_eq(held(db, 1, 7), 3);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    sl_close(db);
}
END_TEST

START_TEST(test_book_many)
{
    sl_db *db = fixture();
    sl_session out[4];
    size_t failed = 99;
    /* Given out of time order on purpose. */
    sl_booking b[3] = {{7, at(1, 10, 0), HOUR, 1}, {8, at(0, 12, 0), HOUR, 2}, {7, at(0, 10, 0), HOUR, 0}};
    fund(db, 1, 7, 5);
    fund(db, 1, 8, 5);
    ck_assert_ok_db(db, sl_book_many(db, out, &failed, 1, b, 3, "batch-1", NOW));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].start, b[i].start);
        ck_assert_int_eq(out[i].student, b[i].student);
        ck_assert_int_eq(out[i].credits, b[i].credits);
        ck_assert_int_eq(out[i].series_id, out[0].id);
        ck_assert_int_eq(out[i].status, SL_STATUS_PENDING);
    }
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* A replay returns the same sessions, in the order of the request. */
    sl_session again[3];
    ck_assert_ok_db(db, sl_book_many(db, again, NULL, 1, b, 3, "batch-1", NOW));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(again[i].id, out[i].id);
        ck_assert_int_eq(again[i].replayed, 1);
    }
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    ck_assert_int_eq(held(db, 1, 7), 1); /* a replay holds nothing more */
    ck_assert_int_eq(held(db, 1, 8), 2);
    /* Credits short on the last booking: all or nothing, holds included. */
    sl_booking poor[2] = {{7, at(2, 8, 0), HOUR, 4}, {8, at(2, 10, 0), HOUR, 4}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, poor, 2, NULL, NOW), SL_EINSUFFICIENT);
    ck_assert_uint_eq(failed, 1);
    ck_assert_int_eq(held(db, 1, 7), 1);
    ck_assert(listed(db, 1, at(2, 8, 0), HOUR, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* All or nothing: the second conflicts with the existing 10:00. */
    sl_booking c[3] = {{9, at(2, 10, 0), HOUR, 0}, {9, at(0, 10, 30), HOUR, 0}, {9, at(2, 14, 0), HOUR, 0}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, c, 3, NULL, NOW), SL_ECONFLICT);
    ck_assert_uint_eq(failed, 1);
    ck_assert(listed(db, 1, at(2, 10, 0), HOUR, NOW)); /* the first was rolled back */
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* A batch conflicting with itself: 14:00-15:00 and 14:30-15:30. */
    sl_booking self[2] = {{9, at(3, 14, 0), HOUR, 0}, {10, at(3, 14, 30), HOUR, 0}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, self, 2, NULL, NOW), SL_ECONFLICT);
    ck_assert_uint_eq(failed, 1);
    ck_assert(listed(db, 1, at(3, 14, 0), HOUR, NOW));

    /* Invalid member, unavailable member. */
    sl_booking bad[3] = {{9, at(4, 10, 0), HOUR, 0}, {9, at(4, 12, 0), HOUR, 0}, {9, at(4, 14, 0), 59, 0}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, bad, 3, NULL, NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, 2);
    bad[2].duration = HOUR;
    bad[0].start = at(4, 3, 0);
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, bad, 3, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_uint_eq(failed, 0);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* Sizes: 0 and SL_MAX_BATCH + 1 are invalid and tied to no booking. */
    static sl_booking many[SL_MAX_BATCH + 1];
    static sl_session many_out[SL_MAX_BATCH + 1];
    for (int i = 0; i <= SL_MAX_BATCH; i++)
        many[i] = (sl_booking){9, at(10 + i / 12, 8 + i % 12, 0), HOUR, 0};
    ck_assert_fails(db, sl_book_many(db, many_out, &failed, 1, many, 0, NULL, NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, 0);
    ck_assert_fails(db, sl_book_many(db, many_out, &failed, 1, many, SL_MAX_BATCH + 1, NULL, NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, SL_MAX_BATCH + 1);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    /* SL_MAX_BATCH itself works. */
    ck_assert_ok_db(db, sl_book_many(db, many_out, &failed, 1, many, SL_MAX_BATCH, NULL, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3 + SL_MAX_BATCH);
    sl_close(db);
}
END_TEST

START_TEST(test_book_trial)
{
    sl_db *db = fixture();
    sl_session t1, t2, t3;
    ck_assert_ok_db(db, sl_book_trial(db, &t1, 1, 7, at(0, 10, 0), 30 * MINUTE, NULL, NOW));
    ck_assert_int_eq(t1.kind, SL_KIND_TRIAL);
    ck_assert_int_eq(t1.credits, 0);
    ck_assert_int_eq(t1.hold_id, 0); /* free: student 7 has no credits at all */
    ck_assert_int_eq(t1.status, SL_STATUS_PENDING);
    /* One live trial per student: a second is SL_ESTATE, nothing written. */
    ck_assert_fails(db, sl_book_trial(db, NULL, 1, 7, at(1, 10, 0), 30 * MINUTE, NULL, NOW), SL_ESTATE);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    /* ... also once confirmed or completed (those are not "freed"). */
    ck_assert_ok_db(db, sl_confirm(db, NULL, 1, t1.id, NOW));
    ck_assert_sl(sl_book_trial(db, NULL, 1, 7, at(1, 10, 0), 30 * MINUTE, NULL, NOW), SL_ESTATE);
    /* Another student may. */
    ck_assert_ok_db(db, sl_book_trial(db, &t2, 1, 8, at(1, 10, 0), 30 * MINUTE, NULL, NOW));
    /* Trials obey availability and conflicts like any booking. */
    ck_assert_sl(sl_book_trial(db, NULL, 1, 9, at(1, 10, 0), 30 * MINUTE, NULL, NOW), SL_ECONFLICT);
    ck_assert_sl(sl_book_trial(db, NULL, 1, 9, at(1, 10, 10), 30 * MINUTE, NULL, NOW), SL_EUNAVAILABLE);
    /* A cancelled trial frees the student's trial. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, t1.id, NOW));
    ck_assert_ok_db(db, sl_book_trial(db, &t3, 1, 7, at(2, 10, 0), 30 * MINUTE, NULL, NOW));
    /* So does a deleted one. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, t3.id, 10));
    ck_assert_ok_db(db, sl_book_trial(db, NULL, 1, 7, at(3, 10, 0), 30 * MINUTE, NULL, NOW));
    /* Restoring a deleted trial while the student has another live one
     * would make two: refused with SL_ESTATE, the row stays deleted. */
    sl_session t4;
    ck_assert_ok_db(db, sl_book_trial(db, &t4, 1, 40, at(4, 12, 0), 30 * MINUTE, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, t4.id, 11));
    ck_assert_ok_db(db, sl_book_trial(db, NULL, 1, 40, at(4, 14, 0), 30 * MINUTE, NULL, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_SESSION, t4.id, 12), SL_ESTATE);
    sl_session got;
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, t4.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 11);
    /* A regular booking is not a trial: student 8 can still book lessons. */
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 8, at(4, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_sl(sl_book_trial(db, NULL, 1, 8, at(5, 10, 0), 30 * MINUTE, NULL, NOW), SL_ESTATE);
    sl_close(db);
}
END_TEST

START_TEST(test_schedule_manual)
{
    sl_session a, m1, m2;
    sl_db *db = fixture_booked(&a);
    fund(db, 1, 8, 2);
    /* Outside availability, off the grid, in the past: all fine. */
    ck_assert_ok_db(db, sl_schedule_manual(db, &m1, 1, 8, at(0, 3, 17), 45 * MINUTE, 2, NULL, at(1, 0, 0)));
    ck_assert_int_eq(m1.kind, SL_KIND_MANUAL);
    ck_assert_int_eq(m1.status, SL_STATUS_CONFIRMED);
    ck_assert_int_eq(m1.credits, 2);
    /* Over an existing session: never a conflict. */
    ck_assert_ok_db(db, sl_schedule_manual(db, &m2, 1, 9, at(0, 10, 30), HOUR, 0, NULL, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    /* But it blocks others: 11:00 was free before, 10:30-11:30 takes it. */
    ck_assert(!listed(db, 1, at(0, 11, 0), HOUR, NOW));
    ck_assert_sl(sl_book(db, NULL, 1, 10, at(0, 11, 0), HOUR, 0, NULL, NOW), SL_ECONFLICT);
    ck_assert(listed(db, 1, at(0, 11, 30), HOUR, NOW));
    sl_close(db);
}
END_TEST

START_TEST(test_reschedule)
{
    sl_db *db = fixture();
    sl_session a, b, moved, got;
    fund(db, 1, 7, 3);
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 3, "resched", NOW));
    ck_assert_int_gt(a.hold_id, 0);
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 12, 0), HOUR, 0, NULL, NOW));
    /* Onto a time overlapping its own old time: no conflict with itself. */
    ck_assert_ok_db(db, sl_reschedule(db, &moved, 1, a.id, at(0, 10, 30), at(0, 1, 0)));
    ck_assert_int_eq(moved.id, a.id);
    ck_assert_int_eq(moved.start, at(0, 10, 30));
    ck_assert_int_eq(moved.end, at(0, 11, 30));
    ck_assert_int_eq(moved.credits, 3);
    ck_assert_int_eq(moved.hold_id, a.hold_id);
    ck_assert_int_eq(moved.status, SL_STATUS_PENDING);
    ck_assert_int_eq(moved.updated_at, at(0, 1, 0));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.start, at(0, 10, 30));
    ck_assert_int_eq(got.credits, 3);
    ck_assert_int_eq(got.hold_id, a.hold_id);
    ck_assert_int_eq(held(db, 1, 7), 3); /* the same hold, not a second one */
    /* The old time is free again, atomically. */
    ck_assert(listed(db, 1, at(0, 9, 30), HOUR, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 2);
    /* Onto another session: a conflict naming it, and it stays put. */
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, b.id);
    ck_assert_sl(sl_reschedule(db, NULL, 1, a.id, at(0, 11, 30), NOW), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.start, at(0, 10, 30));
    /* Off the grid / outside availability. */
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(0, 14, 10), NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(0, 21, 0), NOW), SL_EUNAVAILABLE);
    /* A confirmed session moves too. */
    ck_assert_ok_db(db, sl_confirm(db, NULL, 1, a.id, NOW));
    ck_assert_ok_db(db, sl_reschedule(db, &moved, 1, a.id, at(1, 9, 0), NOW));
    ck_assert_int_eq(moved.status, SL_STATUS_CONFIRMED);
    /* The idempotency key stays with the session: a replay finds it. */
    sl_session rep;
    ck_assert_ok_db(db, sl_book(db, &rep, 1, 7, at(0, 10, 0), HOUR, 3, "resched", NOW));
    ck_assert_int_eq(rep.id, a.id);
    ck_assert_int_eq(rep.replayed, 1);
    /* Cancelled, completed: SL_ESTATE. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, a.id, NOW));
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(2, 9, 0), NOW), SL_ESTATE);
    ck_assert_ok_db(db, sl_complete(db, NULL, 1, b.id, NOW));
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, b.id, at(2, 9, 0), NOW), SL_ESTATE);
    /* Manual sessions move anywhere. */
    sl_session m;
    ck_assert_ok_db(db, sl_schedule_manual(db, &m, 1, 9, at(3, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_reschedule(db, &moved, 1, m.id, at(3, 2, 7), NOW));
    ck_assert_int_eq(moved.start, at(3, 2, 7));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    sl_close(db);
}
END_TEST

/* The series tests' tenant 1: Europe/Berlin, Mondays 09:00-12:00. */
static sl_db *berlin_mondays(void)
{
    sl_db *db = open_tenant((settings){"Europe/Berlin", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 1, 540, 720);
    return db;
}

/*
 * Weekly at the same local wall time: Europe/Berlin Mondays 09:00-12:00.
 * 10:00 CET on 2026-03-23 is 09:00Z; Europe changes on 2026-03-29, so
 * 10:00 CEST on 03-30 and 04-06 is 08:00Z. In autumn (change 2026-10-25):
 * 10:00 CEST 10-19 = 08:00Z, 10:00 CET 10-26 = 09:00Z.
 */
START_TEST(test_recurring_across_dst)
{
    sl_db *db = berlin_mondays();
    sl_session out[SL_MAX_RECURRING];
    sl_time skipped[4];
    size_t nb = 0, ns = 9;
    fund(db, 1, 7, 3);
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, skipped, 4, &ns, 1, 7, T("2026-03-23T09:00:00Z"), HOUR, 1,
                                          3, SL_RECUR_ALL_OR_NOTHING, "series-1", NOW));
    ck_assert_uint_eq(nb, 3);
    ck_assert_uint_eq(ns, 0);
    ck_assert_int_eq(out[0].start, T("2026-03-23T09:00:00Z"));
    ck_assert_int_eq(out[1].start, T("2026-03-30T08:00:00Z"));
    ck_assert_int_eq(out[2].start, T("2026-04-06T08:00:00Z"));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].series_id, out[0].id);
        ck_assert_int_eq(out[i].end - out[i].start, HOUR);
        ck_assert_int_eq(out[i].student, 7);
        ck_assert_int_eq(out[i].credits, 1);
        sl_session got;
        ck_assert_ok_db(db, sl_session_get(db, &got, 1, out[i].id, 0));
        ck_assert_int_eq(got.series_id, out[0].id);
    }
    /* A replay of the series returns it. */
    sl_session again[3];
    ck_assert_ok_db(db, sl_book_recurring(db, again, &nb, NULL, 0, NULL, 1, 7, T("2026-03-23T09:00:00Z"), HOUR, 1, 3,
                                          SL_RECUR_ALL_OR_NOTHING, "series-1", NOW));
    ck_assert_uint_eq(nb, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(again[i].id, out[i].id);
        ck_assert_int_eq(again[i].replayed, 1);
    }
    ck_assert_uint_eq(n_sessions(db, 1, T("2026-04-01T00:00:00Z")), 3);

    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 8, T("2026-10-19T08:00:00Z"), HOUR, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW));
    ck_assert_uint_eq(nb, 2);
    ck_assert_int_eq(out[0].start, T("2026-10-19T08:00:00Z"));
    ck_assert_int_eq(out[1].start, T("2026-10-26T09:00:00Z"));
    sl_close(db);
}
END_TEST

START_TEST(test_recurring_policies)
{
    sl_db *db = berlin_mondays();
    sl_session out[SL_MAX_RECURRING], blocker;
    sl_time skipped[4] = {0};
    size_t nb = 9, ns = 9;
    sl_time base = T("2026-03-23T09:00:00Z");
    ck_assert_ok_db(db, sl_schedule_manual(db, &blocker, 1, 99, T("2026-03-30T08:30:00Z"), HOUR, 0, NULL, NOW));
    size_t before = n_sessions(db, 1, base);

    /* One conflict refuses everything. */
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, skipped, 4, &ns, 1, 7, base, HOUR, 0, 4,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_ECONFLICT);
    ck_assert_uint_eq(nb, 0);
    ck_assert_uint_eq(n_sessions(db, 1, base), before);
    ck_assert(listed(db, 1, base, HOUR, NOW));

    /* Skip-conflicts books the rest and reports what it skipped (a
     * conflict on 03-30 and a day off on 04-13). */
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-04-13"), NULL, 0, 1));
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, skipped, 4, &ns, 1, 7, base, HOUR, 0, 4,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW));
    ck_assert_uint_eq(nb, 2);
    ck_assert_uint_eq(ns, 2);
    ck_assert_int_eq(skipped[0], T("2026-03-30T08:00:00Z"));
    ck_assert_int_eq(skipped[1], T("2026-04-13T08:00:00Z"));
    ck_assert_int_eq(out[0].start, base);
    ck_assert_int_eq(out[1].start, T("2026-04-06T08:00:00Z"));
    ck_assert_int_eq(out[1].series_id, out[0].id);
    ck_assert_int_eq(out[0].series_id, out[0].id);
    ck_assert_uint_eq(n_sessions(db, 1, base), before + 2);
    /* skipped may be NULL with cap 0: the count is still reported. */
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, NULL, 0, &ns, 1, 8, T("2026-03-23T10:00:00Z"), HOUR, 0, 4,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW));
    ck_assert_uint_eq(nb, 2); /* 03-30 09:00Z overlaps the blocker too; 04-13 off */
    ck_assert_uint_eq(ns, 2);

    /* Count bounds. */
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, base, HOUR, 0, 0,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, base, HOUR, 0, SL_MAX_RECURRING + 1,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, base, HOUR, 0, UINT32_MAX,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW), SL_EINVAL);
    /* 52 weeks is allowed: a year of Mondays at 11:00 local. */
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 9, T("2026-05-04T09:00:00Z"), HOUR, 0,
                                          SL_MAX_RECURRING, SL_RECUR_ALL_OR_NOTHING, NULL, NOW));
    ck_assert_uint_eq(nb, SL_MAX_RECURRING);
    ck_assert_int_eq(out[SL_MAX_RECURRING - 1].start, T("2027-04-26T09:00:00Z")); /* 11:00 CEST */
    ck_assert_int_eq(out[30].start, T("2026-11-30T10:00:00Z"));                   /* 11:00 CET */
    sl_session *l = NULL;
    size_t nl = 0;
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &nl, 1, 9, 0));
    ck_assert_uint_eq(nl, SL_MAX_RECURRING);
    sl_free(l);
    sl_close(db);
}
END_TEST

typedef int (*transition_fn)(sl_db *, sl_session *, sl_id, sl_id, sl_time);

/* Every status x every transition: allowed ones land in the target status,
 * the rest are SL_ESTATE and change nothing. */
START_TEST(test_status_machine)
{
    static const struct {
        transition_fn fn;
        int32_t to;
        const char *name;
    } ops[] = {{sl_confirm, SL_STATUS_CONFIRMED, "confirm"},
               {sl_cancel, SL_STATUS_CANCELLED, "cancel"},
               {sl_complete, SL_STATUS_COMPLETED, "complete"},
               {sl_mark_no_show, SL_STATUS_NO_SHOW, "no_show"}};
    static const int32_t froms[] = {SL_STATUS_PENDING, SL_STATUS_CONFIRMED, SL_STATUS_CANCELLED,
                                    SL_STATUS_COMPLETED, SL_STATUS_NO_SHOW};
    /* allowed[from - 1][op] */
    static const int allowed[5][4] = {
        {1, 1, 1, 1}, /* pending */
        {0, 1, 1, 1}, /* confirmed */
        {0, 0, 0, 0}, /* cancelled */
        {0, 0, 0, 0}, /* completed */
        {0, 0, 0, 0}, /* no_show */
    };
    sl_db *db = fixture();
    int k = 0;
    for (size_t f = 0; f < 5; f++) {
        for (size_t o = 0; o < 4; o++, k++) {
            sl_session s, got;
            ck_assert_ok_db(db, sl_book(db, &s, 1, 100 + k, at(k / 12, 8 + k % 12, 0), HOUR, 0, NULL, NOW));
            if (froms[f] == SL_STATUS_CONFIRMED)
                ck_assert_ok_db(db, sl_confirm(db, NULL, 1, s.id, NOW));
            else if (froms[f] != SL_STATUS_PENDING)
                ck_assert_ok_db(db, ops[froms[f] - 2].fn(db, NULL, 1, s.id, NOW));
            int rc = ops[o].fn(db, &got, 1, s.id, NOW + 5);
            ck_assert_msg(rc == SL_OK || sl_errmsg(db)[0] != '\0', "no message");
            sl_session now;
            ck_assert_ok_db(db, sl_session_get(db, &now, 1, s.id, 0));
            if (allowed[froms[f] - 1][o]) {
                ck_assert_msg(rc == SL_OK, "status %d -> %s: %s", froms[f], ops[o].name, sl_strerror(rc));
                ck_assert_int_eq(got.status, ops[o].to);
                ck_assert_int_eq(now.status, ops[o].to);
                ck_assert_int_eq(now.updated_at, NOW + 5);
            } else {
                ck_assert_msg(rc == SL_ESTATE, "status %d -> %s: %s", froms[f], ops[o].name, sl_strerror(rc));
                ck_assert_int_eq(now.status, froms[f]);
            }
        }
    }
    /* Cancelled frees the time; completed and no-show keep blocking it. */
    sl_session c, d, e;
    ck_assert_ok_db(db, sl_book(db, &c, 1, 1, at(5, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &d, 1, 2, at(5, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &e, 1, 3, at(5, 14, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, c.id, NOW));
    ck_assert_ok_db(db, sl_complete(db, NULL, 1, d.id, NOW));
    ck_assert_ok_db(db, sl_mark_no_show(db, NULL, 1, e.id, NOW));
    ck_assert(listed(db, 1, at(5, 10, 0), HOUR, NOW));
    ck_assert(!listed(db, 1, at(5, 12, 0), HOUR, NOW));
    ck_assert(!listed(db, 1, at(5, 14, 0), HOUR, NOW));
    sl_close(db);
}
END_TEST

START_TEST(test_idempotency)
{
    sl_db *db = fixture();
    sl_session s, r;
    fund(db, 1, 7, 2);
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW));
    ck_assert_int_eq(s.replayed, 0);
    ck_assert_str_eq(s.key, "key-1");
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW));
    ck_assert_int_eq(r.id, s.id);
    ck_assert_int_eq(r.replayed, 1);
    ck_assert_int_eq(r.hold_id, s.hold_id);
    ck_assert_int_eq(held(db, 1, 7), 2); /* no second hold (it would not even fit) */
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    /* Same key, different request: refused, naming the key. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 12, 0), HOUR, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_msg_has(db, "key-1");
    ck_assert_sl(sl_book(db, NULL, 1, 8, at(0, 10, 0), HOUR, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 3, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_book(db, NULL, 1, 7, at(0, 10, 0), 30 * MINUTE, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    /* ... and across operations. */
    ck_assert_sl(sl_book_trial(db, NULL, 1, 7, at(0, 10, 0), HOUR, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_schedule_manual(db, NULL, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    sl_booking b = {7, at(0, 10, 0), HOUR, 2};
    ck_assert_sl(sl_book_many(db, NULL, NULL, 1, &b, 1, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);

    /* A replay answers even when its payload would be refused now: past
     * the start (notice), and after the session was cancelled and its
     * time booked by someone else. */
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", at(0, 10, 30)));
    ck_assert_int_eq(r.id, s.id);
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, s.id, NOW));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 9, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW));
    ck_assert_int_eq(r.id, s.id);
    ck_assert_int_eq(r.status, SL_STATUS_CANCELLED);
    ck_assert_int_eq(r.replayed, 1);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 2);

    /* Trials and manual sessions replay too. */
    sl_session t, t2, m, m2;
    ck_assert_ok_db(db, sl_book_trial(db, &t, 1, 20, at(1, 10, 0), HOUR, "trial-key", NOW));
    ck_assert_ok_db(db, sl_book_trial(db, &t2, 1, 20, at(1, 10, 0), HOUR, "trial-key", NOW));
    ck_assert_int_eq(t2.id, t.id);
    ck_assert_int_eq(t2.replayed, 1);
    ck_assert_ok_db(db, sl_schedule_manual(db, &m, 1, 21, at(1, 3, 0), HOUR, 0, "manual-key", NOW));
    ck_assert_ok_db(db, sl_schedule_manual(db, &m2, 1, 21, at(1, 3, 0), HOUR, 0, "manual-key", NOW));
    ck_assert_int_eq(m2.id, m.id);

    /* Key bounds: 128 bytes fine, 129 not; invalid UTF-8 or empty not. */
    size_t before = n_sessions(db, 1, MON);
    char k128[SL_KEY_MAX + 1], k129[SL_KEY_MAX + 2];
    memset(k128, 'k', SL_KEY_MAX);
    k128[SL_KEY_MAX] = '\0';
    memset(k129, 'k', SL_KEY_MAX + 1);
    k129[SL_KEY_MAX + 1] = '\0';
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, k129, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "", NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "bad\xff", NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "\xc0\xaf", NOW), SL_EINVAL);       /* overlong */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "\xed\xa0\x80", NOW), SL_EINVAL);   /* surrogate */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "cut\xe2\x82", NOW), SL_EINVAL);    /* truncated */
    ck_assert_fails(db, sl_book_trial(db, NULL, 1, 30, at(2, 10, 0), HOUR, k129, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "\xff", NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_many(db, NULL, NULL, 1, &b, 1, k129, NOW), SL_EINVAL);
    sl_session rec[2];
    size_t nb = 0;
    ck_assert_fails(db, sl_book_recurring(db, rec, &nb, NULL, 0, NULL, 1, 7, at(2, 10, 0), HOUR, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, "\xff", NOW), SL_EINVAL);
    ck_assert_uint_eq(n_sessions(db, 1, MON), before);
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(2, 10, 0), HOUR, 0, k128, NOW));
    ck_assert_str_eq(r.key, k128);
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(2, 12, 0), HOUR, 0, "ключ-🔑", NOW));
    ck_assert_ok_db(db, sl_session_get(db, &r, 1, r.id, 0));
    ck_assert_str_eq(r.key, "ключ-🔑");
    sl_close(db);
}
END_TEST

START_TEST(test_queries)
{
    sl_session a, b, c, d;
    sl_db *db = fixture_booked(&a);
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_schedule_manual(db, &c, 1, 7, at(0, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &d, 1, 7, at(2, 9, 0), HOUR, 0, NULL, NOW));

    sl_session *l = NULL;
    size_t n = 0;
    /* Half-open overlap: [11:00, 12:00) touches a's end and b's start. */
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, at(0, 11, 0), at(0, 12, 0), 0));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(l);
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, at(0, 11, 0) - 1, at(0, 12, 0) + 1, 0));
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(l[0].id, a.id);
    ck_assert_int_eq(l[1].id, b.id < c.id ? b.id : c.id); /* (start, id) order */
    ck_assert_int_eq(l[2].id, b.id < c.id ? c.id : b.id);
    sl_free(l);
    /* A deleted session is hidden unless asked for. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, b.id, 77));
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 7 * DAY, 0));
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ne(l[i].id, b.id);
    sl_free(l);
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 7 * DAY, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 4);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i].id == b.id) {
            seen = 1;
            ck_assert_int_eq(l[i].deleted_at, 77);
        }
    ck_assert(seen);
    sl_free(l);
    /* By student, sorted by start. */
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &n, 1, 7, 0));
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(l[0].id, a.id);
    ck_assert_int_eq(l[1].id, c.id);
    ck_assert_int_eq(l[2].id, d.id);
    sl_free(l);
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &n, 1, 8, 0));
    ck_assert_uint_eq(n, 0);
    sl_free(l);
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &n, 1, 8, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(l);
    /* Range limits. */
    ck_assert_fails(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 367 * (sl_time)DAY, 0), SL_ERANGE);
    ck_assert_fails(db, sl_sessions_list(db, &l, &n, 1, MON, MON - 1, 0), SL_EINVAL);
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 366 * (sl_time)DAY, 0));
    sl_free(l);
    /* get of a deleted one. */
    sl_session got;
    ck_assert_fails(db, sl_session_get(db, &got, 1, b.id, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, b.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 77);
    ck_assert_fails(db, sl_session_get(db, &got, 1, 99999, 0), SL_ENOTFOUND);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_booking, "booking", NULL, NULL, 0, test_book, test_book_many, test_book_trial,
              test_schedule_manual, test_reschedule, test_recurring_across_dst, test_recurring_policies,
              test_status_machine, test_idempotency, test_queries)
