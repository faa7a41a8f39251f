/* tests/slots/upper_bound.c - scheduling next to SL_TIME_MAX (9999-12-31T23:59:59Z): no slot, booking or
 * series ends past it. */
#include "slots_test.h"

/* Tenant 1 in UTC, open all day every day, slots every 30 minutes. */
static sl_db *open_all_day(void)
{
    sl_db *db = open_tenant((settings){.step = 30 * MINUTE});
    add_rule_every_day(db, 1, 0, 1440);
    return db;
}

/* Sessions of tenant 1 in the last half year before SL_TIME_MAX. */
static size_t n_late_sessions(sl_db *db)
{
    sl_session *list = NULL;
    size_t n = 99;
    ck_assert_ok_db(db, sl_sessions_list(db, &list, &n, 1, T("9999-07-01T00:00:00Z"), SL_TIME_MAX,
                                         SL_INCLUDE_DELETED));
    sl_free(list);
    return n;
}

/* A weekly series whose last occurrence would end in year 10000 is
 * SL_ERANGE under either policy and books nothing; one that ends inside
 * 9999 is booked. */
START_TEST(test_recurring_past_time_max)
{
    sl_db *db = open_all_day();
    sl_session out[SL_MAX_RECURRING];
    sl_time skipped[8];
    size_t nb = 9, ns = 9;
    const int32_t policies[] = {SL_RECUR_ALL_OR_NOTHING, SL_RECUR_SKIP_CONFLICTS};
    for (int p = 0; p < 2; p++) {
        /* 12-10, 12-17, 12-24, 12-31, then 10000-01-07. */
        ck_assert_fails(db, sl_book_recurring(db, out, &nb, skipped, 8, &ns, 1, 7, T("9999-12-10T10:00:00Z"), HOUR,
                                              0, 5, policies[p], "k", NOW), SL_ERANGE);
        ck_assert_msg_has(db, "occurrence 5 of 5");
        ck_assert_uint_eq(nb, 0);
        ck_assert_uint_eq(ns, 0);
        /* The last start is on 9999-12-31, its end in year 10000. */
        ck_assert_fails(db, sl_book_recurring(db, out, &nb, skipped, 8, &ns, 1, 7, T("9999-12-03T23:30:00Z"), HOUR,
                                              0, 5, policies[p], "k", NOW), SL_ERANGE);
        ck_assert_msg_has(db, "occurrence 5 of 5");
        ck_assert_uint_eq(n_late_sessions(db), 0);
    }
    /* The key was not spent: the series that fits is booked under it. */
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, skipped, 8, &ns, 1, 7, T("9999-12-10T10:00:00Z"), HOUR, 0, 4,
                                          SL_RECUR_ALL_OR_NOTHING, "k", NOW));
    ck_assert_uint_eq(nb, 4);
    ck_assert_int_eq(out[3].start, T("9999-12-31T10:00:00Z"));
    ck_assert_uint_eq(n_late_sessions(db), 4);
    sl_close(db);
}
END_TEST

/* The slots of the last day end by SL_TIME_MAX: a slot starting at
 * 23:00 would end at 10000-01-01T00:00Z and is not listed, in any of the
 * listing calls; booking it is refused and writes nothing. */
START_TEST(test_slots_end_by_time_max)
{
    sl_db *db = open_all_day();
    expect_slots(db, 1, "9999-12-31T21:00:00Z", "9999-12-31T23:59:59Z", HOUR, NOW,
                 SLOTS("9999-12-31T21:00:00Z", "9999-12-31T21:30:00Z", "9999-12-31T22:00:00Z",
                       "9999-12-31T22:30:00Z"));
    expect_slots(db, 1, "9999-12-31T22:00:00Z", "9999-12-31T23:59:59Z", 30 * MINUTE, NOW,
                 SLOTS("9999-12-31T22:00:00Z", "9999-12-31T22:30:00Z", "9999-12-31T23:00:00Z"));
    expect_slots(db, 1, "9999-12-31T23:30:00Z", "9999-12-31T23:59:59Z", 30 * MINUTE, NOW, NO_SLOTS);
    /* The team calls list what sl_slots lists. */
    const sl_id team[] = {1};
    sl_many_slots *many = NULL;
    ck_assert_ok_db(db, sl_slots_many(db, &many, team, 1, T("9999-12-31T21:00:00Z"), SL_TIME_MAX, HOUR, NOW));
    ck_assert_uint_eq(many->n_slots, 4);
    ck_assert_int_eq(many->slots[3].start, T("9999-12-31T22:30:00Z"));
    sl_free(many);
    sl_team_avail *ta = NULL;
    ck_assert_ok_db(db, sl_team_slots(db, &ta, team, 1, T("9999-12-31T21:00:00Z"), SL_TIME_MAX, HOUR, SL_TEAM_ANY,
                                      NOW));
    ck_assert_uint_eq(ta->n_starts, 4);
    ck_assert_int_eq(ta->starts[3], T("9999-12-31T22:30:00Z"));
    sl_free(ta);
    /* A listed slot books; the first start not listed does not, by any call
     * that writes a session (nothing is written, not even a batch's first). */
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, T("9999-12-31T21:00:00Z"), HOUR, 0, NULL, NOW));
    ck_assert_int_eq(s.end, T("9999-12-31T22:00:00Z"));
    const sl_time first_out = T("9999-12-31T23:00:00Z");
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, first_out, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_any(db, NULL, team, 1, 8, first_out, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_all(db, NULL, NULL, team, 1, 8, first_out, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, s.id, first_out, NOW), SL_EINVAL);
    const sl_booking b[] = {{9, T("9999-12-31T20:00:00Z"), HOUR, 0}, {8, first_out, HOUR, 0}};
    ck_assert_fails(db, sl_book_many(db, NULL, NULL, 1, b, 2, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_trial(db, NULL, 1, 8, first_out, HOUR, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 8, first_out, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_class_create(db, NULL, 1, first_out, HOUR, 3, 0, NULL, NOW), SL_EINVAL);
    ck_assert_msg_has(db, "end");
    ck_assert_uint_eq(n_late_sessions(db), 1);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_upper_bound, "upper_bound", NULL, NULL, 0, test_recurring_past_time_max,
              test_slots_end_by_time_max)
