/*
 * tests/slots/mutants.c - documented behaviours that the standard mutation
 * sample (./run mutate: 8 mutants per file, seed 17; issue 17) showed no
 * test pinned down: an empty sl_slots_alloc result, the tenant checks of
 * sl_override_set and sl_book_many, the timestamps of an override, the
 * skipped starts of a replayed series, the message of an unbookable start,
 * the outbox event of a booking, a soft delete whose transaction cannot
 * begin, the count of a failed sl_purge, a batch key reused with another
 * duration, sl_free_at's verdict per tenant, failed store calls of
 * sl_override_set, sl_restore and sl_session_get, a seat's key reused for a
 * booking, a blocking scan with no status bit, a store's impossible
 * session row and a purge of rules beside a deleted class. Each test
 * names the mutant it kills.
 */
#include "slots_test.h"

#include "faulty_store.h"

/* slots.c:97 (n == 0 -> n == -1): "NULL when *count is 0" (slots.h). */
START_TEST(test_mutant_slots_alloc_empty_is_null)
{
    sl_db *db = fixture();
    sl_interval *v = (sl_interval *)&v; /* not NULL: the call must clear it */
    size_t n = 99;
    /* 02:00-06:00Z on a Monday: no availability, no slot. */
    ck_assert_ok_db(db, sl_slots_alloc(db, &v, &n, NULL, 1, at(0, 2, 0), at(0, 6, 0), HOUR, NOW));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(v);
    /* A range with slots still gets an array of exactly that many. */
    ck_assert_ok_db(db, sl_slots_alloc(db, &v, &n, NULL, 1, at(0, 8, 0), at(0, 9, 0), HOUR, NOW));
    ck_assert_uint_eq(n, 2);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v[0].start, at(0, 8, 0));
    ck_assert_int_eq(v[1].start, at(0, 8, 30));
    sl_free(v);
    sl_close(db);
}
END_TEST

/* rules.c:209 (tenant <= 0 -> tenant <= -1): tenant 0 is bad input
 * (SL_EINVAL with a message), not an unknown tenant, and writes nothing. */
START_TEST(test_mutant_override_set_tenant_zero)
{
    sl_db *db = fixture();
    const sl_window w[] = {{600, 660}};
    sl_id id = 5;
    ck_assert_fails(db, sl_override_set(db, &id, 0, D("2026-03-02"), w, 1, 1), SL_EINVAL);
    ck_assert_msg_has(db, "must be positive");
    ck_assert_int_eq(id, 0);
    ck_assert_fails(db, sl_override_set(db, NULL, -3, D("2026-03-02"), w, 1, 1), SL_EINVAL);
    ck_assert_uint_eq(n_overrides(db, 1), 0);
    sl_close(db);
}
END_TEST

/* rules.c:228 (the timestamps left unset): an override records when it was
 * made and last set (created_at, updated_at); setting the date again keeps
 * created_at and moves updated_at. */
START_TEST(test_mutant_override_set_timestamps)
{
    sl_db *db = fixture();
    sl_date monday = D("2026-03-02");
    const sl_window w[] = {{600, 660}};
    sl_override got;
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, monday, w, 1, 1000));
    ck_assert_ok_db(db, sl_override_get(db, &got, 1, monday, 0));
    ck_assert_int_eq(got.created_at, 1000);
    ck_assert_int_eq(got.updated_at, 1000);
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, monday, NULL, 0, 2000));
    ck_assert_ok_db(db, sl_override_get(db, &got, 1, monday, 0));
    ck_assert_int_eq(got.n_windows, 0);
    ck_assert_int_eq(got.created_at, 1000);
    ck_assert_int_eq(got.updated_at, 2000);
    sl_close(db);
}
END_TEST

/* book.c:278 (tenant <= 0 -> tenant <= -1): sl_book_many with tenant 0 is
 * SL_EINVAL ("ids <= 0"), books nothing, and failed_index is n (no
 * booking was at fault). */
START_TEST(test_mutant_book_many_tenant_zero)
{
    sl_db *db = fixture();
    const sl_booking b[] = {{7, at(0, 10, 0), HOUR, 0}, {7, at(1, 10, 0), HOUR, 0}};
    size_t failed = 99;
    ck_assert_fails(db, sl_book_many(db, NULL, &failed, 0, b, 2, NULL, NOW), SL_EINVAL);
    ck_assert_msg_has(db, "tenant id must be positive");
    ck_assert_uint_eq(failed, 2);
    ck_assert_fails(db, sl_book_many(db, NULL, &failed, -1, b, 2, "k", NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, 2);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 0);
    sl_close(db);
}
END_TEST

/* book.c:349 (the store into skipped dropped): replaying a series with its
 * key reports the same skipped starts as the first call. */
START_TEST(test_mutant_recurring_replay_reports_skipped_starts)
{
    sl_db *db = fixture();
    sl_session out[4], again[4];
    sl_time skipped[4] = {0}, skipped2[4] = {0};
    size_t booked = 0, nskip = 0;
    /* The second week's 10:00 is taken by another student. */
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 8, at(7, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book_recurring(db, out, &booked, skipped, 4, &nskip, 1, 7, at(0, 10, 0), HOUR, 0, 4,
                                          SL_RECUR_SKIP_CONFLICTS, "series", NOW));
    ck_assert_uint_eq(booked, 3);
    ck_assert_uint_eq(nskip, 1);
    ck_assert_int_eq(skipped[0], at(7, 10, 0));
    /* The replay: the stored series, and the start it lacks. */
    booked = nskip = 0;
    ck_assert_ok_db(db, sl_book_recurring(db, again, &booked, skipped2, 4, &nskip, 1, 7, at(0, 10, 0), HOUR, 0, 4,
                                          SL_RECUR_SKIP_CONFLICTS, "series", NOW + 60));
    ck_assert_uint_eq(booked, 3);
    ck_assert_uint_eq(nskip, 1);
    ck_assert_msg(skipped2[0] == at(7, 10, 0), "replay reports skipped start %s, the first call %s",
                  fmt(skipped2[0]), fmt(at(7, 10, 0)));
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(again[i].id, out[i].id);
    sl_close(db);
}
END_TEST

/* check.c:101 (== SL_EUNAVAILABLE -> !=): a start outside availability is
 * SL_EUNAVAILABLE with a message saying so, not "the engine refused its
 * input". check.c:103 (the slot's text left out): the message names the
 * slot, "2026-03-02T03:00Z-04:00Z", also for a start inside the notice. */
START_TEST(test_mutant_unbookable_start_message)
{
    sl_db *db = fixture();
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 3, 0), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "slot 2026-03-02T03:00Z-04:00Z is not a bookable start");
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, at(0, 10, 30)), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "slot 2026-03-02T10:00Z-11:00Z");
    /* Off the 30-minute grid, inside availability: the same. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 10, 10), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "not a bookable start");
    ck_assert_uint_eq(n_sessions(db, 1, MON), 0);
    sl_close(db);
}
END_TEST

/* check.c:142 (rc != SL_OK -> rc == SL_OK): every session change appends
 * its event to the outbox (outbox.h): the booking, then its confirmation. */
START_TEST(test_mutant_booking_appends_outbox_event)
{
    sl_db *db = fixture();
    sl_session s;
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_outbox_session_events(db, &ev, &n, 1, s.id));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(ev[0].kind, SL_EVENT_BOOKED);
    ck_assert_int_eq(ev[0].seq, 1);
    ck_assert_int_eq(ev[0].start, at(0, 10, 0));
    sl_outbox_free(ev);
    ck_assert_ok_db(db, sl_confirm(db, NULL, 1, s.id, NOW + 1));
    ck_assert_ok_db(db, sl_outbox_session_events(db, &ev, &n, 1, s.id));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ev[1].kind, SL_EVENT_CONFIRMED);
    ck_assert_int_eq(ev[1].seq, 2);
    ck_assert_int_eq(ev[1].status, SL_STATUS_CONFIRMED);
    sl_outbox_free(ev);
    sl_close(db);
}
END_TEST

/* A handle on an empty memory store behind tests/faulty_store.c (*fs). */
static sl_db *faulty_db(sl_store **fs)
{
    sl_store *inner = NULL;
    sl_db *db = NULL;
    ck_assert_int_eq(sl_store_memory_new(&inner), SL_OK);
    ck_assert_ptr_nonnull(*fs = sl_test_faulty_new(inner));
    ck_assert_int_eq(sl_open_store(&db, *fs, NULL), SL_OK);
    return db;
}

/* softdelete.c:235 (return rc -> return 0 when the transaction cannot
 * begin): a soft delete or restore whose store fails to begin reports the
 * failure (SL_ESTORE, with a message) and changes nothing; it must not
 * claim a success it did not have. The store is a memory store behind
 * tests/faulty_store.c, whose first call from the arm on (begin) fails. */
START_TEST(test_mutant_soft_delete_reports_failed_begin)
{
    sl_store *fs;
    sl_db *db = faulty_db(&fs);
    sl_rule got;
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    sl_id r = add_rule(db, 1, 2, 600, 720);
    sl_test_faulty_arm(fs, 1);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r, 50), SL_ESTORE);
    ck_assert(sl_test_faulty_fired(fs));
    sl_test_faulty_arm(fs, 0);
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r, 60));
    sl_test_faulty_arm(fs, 1);
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_RULE, r, 70), SL_ESTORE);
    sl_test_faulty_arm(fs, 0);
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 60);
    sl_close(db);
}
END_TEST

/* softdelete.c:258 (*purged = 0 dropped): "counts ... are set to 0 on
 * every failure path" (common.h), so a failed sl_purge reports 0. */
START_TEST(test_mutant_failed_purge_counts_zero)
{
    sl_db *db = fixture();
    size_t purged = 99;
    ck_assert_fails(db, sl_purge(db, &purged, 999, SL_TIME_MAX), SL_EINVAL);
    ck_assert_uint_eq(purged, 0);
    purged = 99;
    ck_assert_fails(db, sl_purge(db, &purged, SL_ENTITY_ACCOUNT, SL_TIME_MAX), SL_EINVAL);
    ck_assert_uint_eq(purged, 0);
    purged = 99;
    ck_assert_fails(db, sl_purge(db, &purged, SL_ENTITY_RULE, SL_TIME_MAX + 1), SL_EINVAL);
    ck_assert_uint_eq(purged, 0);
    sl_close(db);
}
END_TEST

/* book.c:227 (the duration left out of a batch's fingerprint): the same
 * key with a batch whose one booking has another duration is another
 * request, SL_EIDEMPOTENCY naming it, not a replay; nothing is written. */
START_TEST(test_mutant_batch_key_with_other_duration)
{
    sl_db *db = fixture();
    sl_session out[2];
    size_t failed = 99;
    sl_booking b[2] = {{7, at(0, 10, 0), HOUR, 0}, {7, at(0, 12, 0), HOUR, 0}};
    ck_assert_ok_db(db, sl_book_many(db, out, &failed, 1, b, 2, "batch-1", NOW));
    ck_assert_int_eq(out[0].replayed, 0);
    b[1].duration = 2 * HOUR;
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, b, 2, "batch-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 2);
    /* The same batch again is a replay of the first. */
    b[1].duration = HOUR;
    ck_assert_ok_db(db, sl_book_many(db, out, &failed, 1, b, 2, "batch-1", NOW));
    ck_assert_int_eq(out[1].replayed, 1);
    ck_assert_int_eq(out[1].end, at(0, 13, 0));
    sl_close(db);
}
END_TEST

/* check.c:87 (the verdict kept only when the rows could not be built):
 * sl_free_at reports, per tenant, what sl_book would say: the tenant whose
 * time is taken is SL_ECONFLICT, one without the start SL_EUNAVAILABLE,
 * the free one SL_OK. */
START_TEST(test_mutant_free_at_reports_each_tenant)
{
    sl_db *db = fixture();
    put_fixture_tenant(db, 2);
    put_tenant(db, 3, (settings){"UTC", 30 * MINUTE, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 3, 720, 1200);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    const sl_id tenants[] = {1, 2, 3};
    sl_free_at_result *r = NULL;
    ck_assert_ok_db(db, sl_free_at(db, &r, tenants, 3, at(0, 10, 30), HOUR, NOW));
    ck_assert_uint_eq(r->n_tenants, 3);
    ck_assert_int_eq(r->status[0], SL_ECONFLICT);
    ck_assert_int_eq(r->status[1], SL_OK);
    ck_assert_int_eq(r->status[2], SL_EUNAVAILABLE);
    ck_assert_uint_eq(r->n_free, 1);
    sl_free(r);
    sl_close(db);
}
END_TEST

/* A memory store behind tests/faulty_store.c, tenant 1 as fixture(). */
static sl_db *faulty_fixture(sl_store **fs)
{
    sl_db *db = faulty_db(fs);
    put_fixture_tenant(db, 1);
    return db;
}

/* rules.c:231, check.c:120, check.c:143 (return rc -> return 0 after a
 * failed store call): whichever store call of sl_override_set, sl_restore
 * of a session or sl_session_get fails, the call reports the failure
 * (SL_ESTORE with a message) and claims no success; an override not set
 * stays unset, a session not restored stays deleted. */
START_TEST(test_mutant_every_failed_store_call_reported)
{
    sl_store *fs;
    sl_db *db = faulty_fixture(&fs);
    const sl_window w[] = {{600, 660}};
    sl_session s, got;
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, s.id, NOW + 1));
    int done[3] = {0, 0, 0};
    for (long n = 1; n < 200 && !(done[0] && done[1] && done[2]); n++) {
        for (int op = 0; op < 3; op++) {
            if (done[op])
                continue;
            int rc;
            sl_test_faulty_arm(fs, n);
            if (op == 0)
                rc = sl_override_set(db, NULL, 1, D("2026-03-03"), w, 1, NOW);
            else if (op == 1)
                rc = sl_restore(db, 1, SL_ENTITY_SESSION, s.id, NOW + 2);
            else
                rc = sl_session_get(db, &got, 1, s.id, SL_INCLUDE_DELETED);
            int fired = sl_test_faulty_fired(fs);
            sl_test_faulty_arm(fs, 0);
            if (!fired) {
                ck_assert_msg(rc == SL_OK, "op %d, no fault: %s", op, sl_errmsg(db));
                done[op] = 1;
                continue;
            }
            ck_assert_msg(rc != SL_OK, "op %d: store call %ld failed but the call returned SL_OK", op, n);
            ck_assert_msg(sl_errmsg(db)[0] != '\0', "op %d, call %ld: no message", op, n);
            if (op == 0)
                ck_assert_uint_eq(n_overrides(db, 1), 0);
            else if (op == 1) {
                ck_assert_ok_db(db, sl_session_get(db, &got, 1, s.id, SL_INCLUDE_DELETED));
                ck_assert_int_eq(got.deleted_at, NOW + 1);
            }
        }
    }
    ck_assert(done[0] && done[1] && done[2]);
    ck_assert_uint_eq(n_overrides(db, 1), 1);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s.id, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    sl_close(db);
}
END_TEST

/* idem.c:142 (the seat table left out of the key lookup): a key a class
 * enrolment used belongs to that seat; a booking under it is
 * SL_EIDEMPOTENCY naming the seat, and books nothing. */
START_TEST(test_mutant_seat_key_refused_for_booking)
{
    sl_db *db = fixture();
    sl_session cls;
    sl_seat seat;
    ck_assert_ok_db(db, sl_class_create(db, &cls, 1, at(1, 10, 0), HOUR, 5, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_class_enroll(db, &seat, 1, cls.id, 7, 0, "seat-key", NOW));
    size_t before = n_sessions(db, 1, MON);
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 10, 0), HOUR, 0, "seat-key", NOW), SL_EIDEMPOTENCY);
    ck_assert_msg_has(db, "seat");
    ck_assert_uint_eq(n_sessions(db, 1, MON), before);
    sl_close(db);
}
END_TEST

static int count_session(void *ctx, const sl_session *x)
{
    (void)x;
    ++*(size_t *)ctx;
    return 0;
}

/* sqlite_schedule.c:83 (`rc != SL_OK || plan == NOTHING` -> `&&`):
 * sys/store.h's sessions_scan with SL_SCAN_BLOCKING yields only live
 * sessions whose status bit is set, so with no status bit it yields none
 * (and succeeds), on the memory and the SQLite store alike; with the bits
 * of pending and confirmed it yields the two booked ones. */
START_TEST(test_mutant_blocking_scan_with_no_status)
{
    for (int backend = 0; backend < 2; backend++) {
        sl_store *st = NULL;
        sl_db *db = NULL;
        if (backend == 0)
            ck_assert_int_eq(sl_store_memory_new(&st), SL_OK);
        else
            ck_assert_int_eq(sl_store_sqlite_new(&st, ":memory:", NULL), SL_OK);
        ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
        put_fixture_tenant(db, 1);
        sl_session s;
        ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
        ck_assert_ok_db(db, sl_book(db, &s, 1, 8, at(0, 12, 0), HOUR, 0, NULL, NOW));
        ck_assert_ok_db(db, sl_confirm(db, NULL, 1, s.id, NOW));
        size_t n = 0;
        ck_assert_int_eq(st->sessions_scan(st, 1, at(0, 0, 0), at(1, 0, 0), SL_SCAN_BLOCKING, count_session, &n),
                         SL_OK);
        ck_assert_uint_eq(n, 0);
        n = 0;
        ck_assert_int_eq(st->sessions_scan(st, 1, at(0, 0, 0), at(1, 0, 0),
                                           SL_SCAN_BLOCKING | SL_SCAN_STATUS(SL_STATUS_PENDING) |
                                               SL_SCAN_STATUS(SL_STATUS_CONFIRMED),
                                           count_session, &n),
                         SL_OK);
        ck_assert_uint_eq(n, 2);
        sl_close(db);
    }
}
END_TEST

/* The memory store's sessions_scan, with an impossible row (ending where
 * it starts, at 09:00 of MON) handed first. */
static int (*mem_sessions_scan)(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                                int (*cb)(void *ctx, const sl_session *x), void *ctx);

static int degenerate_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                                    int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    sl_session x;
    memset(&x, 0, sizeof(x));
    x.version = SL_SESSION_VERSION;
    x.tenant = tenant;
    x.id = 999;
    x.student = 9;
    x.start = x.end = at(0, 9, 0);
    x.status = SL_STATUS_PENDING;
    int rc = cb(ctx, &x);
    return rc != 0 ? rc : mem_sessions_scan(st, tenant, from, to, flags, cb, ctx);
}

/* check.c:112 (return sl__err(...) -> return 0 when the engine refuses its
 * input): a store that hands the core an impossible session (sys/store.h:
 * a session is a non-empty interval) makes the slot check fail, a booking
 * refused with SL_EINVAL saying the engine refused its input, not booked
 * past it. */
START_TEST(test_mutant_impossible_busy_row_refuses_booking)
{
    sl_store *st = NULL;
    sl_db *db = NULL;
    ck_assert_int_eq(sl_store_memory_new(&st), SL_OK);
    mem_sessions_scan = st->sessions_scan;
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
    put_fixture_tenant(db, 1);
    st->sessions_scan = degenerate_sessions_scan;
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_msg_has(db, "slot engine refused its input");
    st->sessions_scan = mem_sessions_scan;
    ck_assert_uint_eq(n_sessions(db, 1, MON), 0);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    sl_close(db);
}
END_TEST

/* sqlite_schedule.c:150 (`purge == Q_SESSION_PURGE` -> `!=` before the
 * class purge): a class's row and seats go with its session when sessions
 * are purged (sys/store.h), and only then: purging deleted rules leaves a
 * deleted class whole (readable with SL_INCLUDE_DELETED, its seat kept,
 * restorable); purging sessions removes it. */
START_TEST(test_mutant_purge_of_rules_keeps_deleted_class)
{
    sl_db *db = fixture();
    sl_session cls;
    sl_class c;
    sl_seat *seats = NULL;
    size_t n = 0, purged = 99;
    ck_assert_ok_db(db, sl_class_create(db, &cls, 1, at(1, 10, 0), HOUR, 5, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_class_enroll(db, NULL, 1, cls.id, 7, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, cls.id, NOW + 1));
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_RULE, SL_TIME_MAX));
    ck_assert_uint_eq(purged, 0);
    ck_assert_ok_db(db, sl_class_get(db, &c, 1, cls.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(c.capacity, 5);
    ck_assert_ok_db(db, sl_class_seats(db, &seats, &n, 1, cls.id));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(seats[0].student, 7);
    sl_free(seats);
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, cls.id, NOW + 2));
    ck_assert_ok_db(db, sl_class_get(db, &c, 1, cls.id, 0));
    /* Deleted again and purged with the sessions: gone. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, cls.id, NOW + 3));
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, SL_TIME_MAX));
    ck_assert_uint_eq(purged, 1);
    ck_assert_fails(db, sl_class_get(db, &c, 1, cls.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    sl_close(db);
}
END_TEST

/* lifecycle.c:212 (sl__check_time's arguments swapped): rescheduling to a
 * start whose end would pass SL_TIME_MAX is SL_EINVAL naming the new end,
 * and the session stays where it was. */
START_TEST(test_mutant_reschedule_end_past_time_max)
{
    sl_session s, got;
    sl_db *db = fixture_booked(&s);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, s.id, SL_TIME_MAX - 60, NOW), SL_EINVAL);
    ck_assert_msg_has(db, "the new end");
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s.id, 0));
    ck_assert_int_eq(got.start, s.start);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_mutants, "mutants", NULL, NULL, 0, test_mutant_slots_alloc_empty_is_null,
              test_mutant_override_set_tenant_zero, test_mutant_override_set_timestamps,
              test_mutant_book_many_tenant_zero, test_mutant_recurring_replay_reports_skipped_starts,
              test_mutant_unbookable_start_message, test_mutant_booking_appends_outbox_event,
              test_mutant_soft_delete_reports_failed_begin, test_mutant_failed_purge_counts_zero,
              test_mutant_batch_key_with_other_duration,
              test_mutant_free_at_reports_each_tenant, test_mutant_every_failed_store_call_reported,
              test_mutant_seat_key_refused_for_booking, test_mutant_blocking_scan_with_no_status,
              test_mutant_impossible_busy_row_refuses_booking, test_mutant_purge_of_rules_keeps_deleted_class,
              test_mutant_reschedule_end_past_time_max)
