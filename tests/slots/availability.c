/* tests/slots/availability.c - overrides, rule validity and updates, notice and horizon, step, buffers. */
#include "slots_test.h"

/*
 * Overrides (Europe/London, weekly Mon-Sun 09:00-17:00, 60 min):
 *  - a day off (no windows) on Tue 2026-06-02: nothing that day;
 *  - replaced hours, given unsorted and overlapping, on Wed 2026-06-03:
 *    14:00-15:30 and 13:00-14:30 merge to 13:00-15:30 BST = 12:00-14:30Z:
 *    12:00Z, 13:00Z (14:00Z would end after 14:30Z);
 *  - an override on a DST day, Sun 2026-03-29: 00:30-03:00 replaces
 *    09:00-17:00: 00:30 GMT = 00:30Z, 03:00 BST = 02:00Z, 30-min slots
 *    00:30, 01:00, 01:30Z and nothing at 08:00Z (the weekly 09:00 BST);
 *  - setting a date again replaces its windows.
 */
START_TEST(test_overrides)
{
    sl_db *db = open_tenant((settings){"Europe/London", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 540, 1020);
    sl_id off = 0, hours = 0, again = 0;
    ck_assert_ok_db(db, sl_override_set(db, &off, 1, D("2026-06-02"), NULL, 0, 1));
    const sl_window w[] = {{840, 930}, {780, 870}};
    ck_assert_ok_db(db, sl_override_set(db, &hours, 1, D("2026-06-03"), w, 2, 1));
    const sl_window night[] = {{30, 180}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-29"), night, 1, 1));
    ck_assert_int_gt(off, 0);
    ck_assert_int_ne(off, hours);

    expect_slots(db, 1, "2026-06-02T00:00:00Z", "2026-06-03T00:00:00Z", HOUR, 0, NO_SLOTS);
    expect_slots(db, 1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", HOUR, 0,
                 SLOTS("2026-06-03T12:00:00Z", "2026-06-03T13:00:00Z"));
    /* The neighbours keep their weekly hours (BST: 08:00Z .. 15:00Z). */
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, T("2026-06-01T00:00:00Z"), T("2026-06-02T00:00:00Z"), HOUR, 0);
    ck_assert_uint_eq(n, 8);
    ck_assert_int_eq(v[0].start, T("2026-06-01T08:00:00Z"));
    sl_free(v);
    expect_slots(db, 1, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"));

    /* The stored override is sorted and reads back. */
    sl_override o;
    ck_assert_ok_db(db, sl_override_get(db, &o, 1, D("2026-06-03"), 0));
    ck_assert_int_eq(o.id, hours);
    ck_assert_int_eq(o.n_windows, 2);
    ck_assert_int_eq(o.windows[0].start_min, 780);
    ck_assert_int_eq(o.windows[1].start_min, 840);

    /* Again on the same date: same row, new windows (10:00-11:00 BST). */
    const sl_window w2[] = {{600, 660}};
    ck_assert_ok_db(db, sl_override_set(db, &again, 1, D("2026-06-03"), w2, 1, 2));
    ck_assert_int_eq(again, hours);
    expect_slots(db, 1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", HOUR, 0, SLOTS("2026-06-03T09:00:00Z"));
    ck_assert_uint_eq(n_overrides(db, 1), 3);

    sl_override *l = NULL;
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, 1, D("2026-06-01"), D("2026-06-30"), 0));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(l[0].date, D("2026-06-02"));
    ck_assert_int_eq(l[0].n_windows, 0);
    ck_assert_int_eq(l[1].date, D("2026-06-03"));
    sl_free(l);
    sl_close(db);
}
END_TEST

/* Rules apply only between valid_from and valid_until (inclusive local
 * dates); sl_rule_update changes the hours. */
START_TEST(test_rule_validity_and_update)
{
    sl_db *db = open_tenant((settings){"UTC", 0, 0, 0, 0, 0, 0});
    sl_id r = 0;
    /* Mondays 10:00-11:00 from Mon Jun 8 to Mon Jun 15 2026 only. */
    ck_assert_ok_db(db, sl_rule_add(db, &r, 1, 1, 600, 660, D("2026-06-08"), D("2026-06-15"), 1));
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, T("2026-06-01T00:00:00Z"), T("2026-06-15T00:00:00Z"), HOUR, 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].start, T("2026-06-08T10:00:00Z"));
    sl_free(v);
    v = query(db, &n, NULL, 1, T("2026-06-15T00:00:00Z"), T("2026-06-29T00:00:00Z"), HOUR, 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].start, T("2026-06-15T10:00:00Z"));
    sl_free(v);

    ck_assert_ok_db(db, sl_rule_update(db, 1, r, 1, 720, 840, SL_DATE_MIN, SL_DATE_MAX, 2));
    sl_rule got;
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, 0));
    ck_assert_int_eq(got.start_min, 720);
    ck_assert_int_eq(got.end_min, 840);
    ck_assert_int_eq(got.valid_until, SL_DATE_MAX);
    ck_assert_int_eq(got.created_at, 1);
    ck_assert_int_eq(got.updated_at, 2);
    expect_slots(db, 1, "2026-06-22T00:00:00Z", "2026-06-23T00:00:00Z", HOUR, 0,
                 SLOTS("2026-06-22T12:00:00Z", "2026-06-22T13:00:00Z"));
    sl_close(db);
}
END_TEST

/* Minimum notice and the booking horizon at their exact boundaries:
 * s >= now + min_notice and s < now + max_advance_days. */
START_TEST(test_notice_and_horizon_boundaries)
{
    sl_db *db = open_tenant((settings){"UTC", 0, 0, 0, 2 * HOUR, 0, 2});
    add_rule_every_day(db, 1, 0, 1440);
    sl_time day = T("2026-05-04T00:00:00Z");
    sl_time now = day + 8 * HOUR; /* earliest = 10:00Z, horizon = May 6 08:00Z */
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, day, day + 4 * DAY, HOUR, now);
    ck_assert_int_eq(v[0].start, day + 10 * HOUR);
    ck_assert_int_eq(v[n - 1].start, day + 2 * DAY + 7 * HOUR);
    ck_assert_uint_eq(n, 14 + 24 + 8);
    sl_free(v);
    /* One second later, 10:00Z is inside the notice and 08:00Z+2d would be
     * the horizon's own second: the first slot moves, the last stays. */
    v = query(db, &n, NULL, 1, day, day + 4 * DAY, HOUR, now + 1);
    ck_assert_int_eq(v[0].start, day + 11 * HOUR);
    ck_assert_int_eq(v[n - 1].start, day + 2 * DAY + 8 * HOUR);
    sl_free(v);
    /* sl_book agrees on both sides of both boundaries. */
    ck_assert_sl(sl_book(db, NULL, 1, 5, day + 9 * HOUR, HOUR, 0, NULL, now), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "notice");
    ck_assert_sl(sl_book(db, NULL, 1, 5, day + 2 * DAY + 8 * HOUR, HOUR, 0, NULL, now), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "horizon");
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 5, day + 10 * HOUR, HOUR, 0, NULL, now));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 5, day + 2 * DAY + 7 * HOUR, HOUR, 0, NULL, now));
    sl_close(db);
}
END_TEST

/* A step different from the duration: 60-min sessions every 15 min in
 * 09:00-11:00Z: 09:00, 09:15, 09:30, 09:45, 10:00 (10:15 would end past
 * 11:00). */
START_TEST(test_step_differs_from_duration)
{
    sl_db *db = open_tenant((settings){"UTC", 15 * MINUTE, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 540, 660);
    expect_slots(db, 1, "2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z", HOUR, 0,
                 SLOTS("2026-05-04T09:00:00Z", "2026-05-04T09:15:00Z", "2026-05-04T09:30:00Z",
                       "2026-05-04T09:45:00Z", "2026-05-04T10:00:00Z"));
    /* Off-grid (09:10) and on-grid-but-too-long (10:15) are refused. */
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T09:10:00Z"), HOUR, 0, NULL, 0), SL_EUNAVAILABLE);
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T10:15:00Z"), HOUR, 0, NULL, 0), SL_EUNAVAILABLE);
    ck_assert_uint_eq(n_sessions(db, 1, T("2026-05-04T00:00:00Z")), 0);
    sl_close(db);
}
END_TEST

/*
 * Buffers on both sides: busy 12:00-13:00Z, buffer_before 10 min,
 * buffer_after 20 min, 30-min sessions every 5 min in 10:00-15:00Z.
 * Footprints [s-10, s+50) and [11:50, 13:20) overlap iff 11:00 < s < 13:30,
 * so the slots are 10:00..11:00 and 13:30..14:30 (13 each), touching
 * footprints allowed; buffers may leave availability (10:00, 14:30).
 */
START_TEST(test_buffers_both_sides)
{
    sl_db *db = open_tenant((settings){"UTC", 5 * MINUTE, 10 * MINUTE, 20 * MINUTE, 0, 0, 0});
    add_rule_every_day(db, 1, 600, 900);
    sl_session busy;
    ck_assert_ok_db(db, sl_schedule_manual(db, &busy, 1, 9, T("2026-05-04T12:00:00Z"), HOUR, 0, NULL, 0));
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, T("2026-05-04T00:00:00Z"), T("2026-05-05T00:00:00Z"), 30 * MINUTE, 0);
    ck_assert_uint_eq(n, 26);
    for (size_t i = 0; i < 13; i++) {
        ck_assert_int_eq(v[i].start, T("2026-05-04T10:00:00Z") + (sl_time)i * 5 * MINUTE);
        ck_assert_int_eq(v[13 + i].start, T("2026-05-04T13:30:00Z") + (sl_time)i * 5 * MINUTE);
    }
    sl_free(v);
    /* The first refused start on each side is a conflict naming the session. */
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, busy.id);
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T11:05:00Z"), 30 * MINUTE, 0, NULL, 0), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T13:25:00Z"), 30 * MINUTE, 0, NULL, 0), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 5, T("2026-05-04T11:00:00Z"), 30 * MINUTE, 0, NULL, 0));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 6, T("2026-05-04T13:30:00Z"), 30 * MINUTE, 0, NULL, 0));
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_availability, "availability", NULL, NULL, 0, test_overrides,
              test_rule_validity_and_update, test_notice_and_horizon_boundaries,
              test_step_differs_from_duration, test_buffers_both_sides)
