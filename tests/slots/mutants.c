/*
 * tests/slots/mutants.c - documented behaviours that the standard mutation
 * sample (./run mutate: 8 mutants per file, seed 17; issue 17) showed no
 * test pinned down: an empty sl_slots_alloc result, the tenant checks of
 * sl_override_set and sl_book_many, the timestamps of an override, the
 * skipped starts of a replayed series, the message of an unbookable start,
 * the outbox event of a booking, a soft delete whose transaction cannot
 * begin and the count of a failed sl_purge. Each test names the mutant it kills.
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
 * input". */
START_TEST(test_mutant_unbookable_start_message)
{
    sl_db *db = fixture();
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 3, 0), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "not a bookable start");
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

/* softdelete.c:235 (return rc -> return 0 when the transaction cannot
 * begin): a soft delete or restore whose store fails to begin reports the
 * failure (SL_ESTORE, with a message) and changes nothing; it must not
 * claim a success it did not have. The store is a memory store behind
 * tests/faulty_store.c, whose first call from the arm on (begin) fails. */
START_TEST(test_mutant_soft_delete_reports_failed_begin)
{
    sl_store *inner = NULL, *fs;
    sl_db *db = NULL;
    sl_rule got;
    ck_assert_int_eq(sl_store_memory_new(&inner), SL_OK);
    ck_assert_ptr_nonnull(fs = sl_test_faulty_new(inner));
    ck_assert_int_eq(sl_open_store(&db, fs, NULL), SL_OK);
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

SL_TEST_TCASE(tcase_slots_mutants, "mutants", NULL, NULL, 0, test_mutant_slots_alloc_empty_is_null,
              test_mutant_override_set_tenant_zero, test_mutant_override_set_timestamps,
              test_mutant_book_many_tenant_zero, test_mutant_recurring_replay_reports_skipped_starts,
              test_mutant_unbookable_start_message, test_mutant_booking_appends_outbox_event,
              test_mutant_soft_delete_reports_failed_begin, test_mutant_failed_purge_counts_zero)
