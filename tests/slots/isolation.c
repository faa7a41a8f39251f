/* tests/slots/isolation.c - tenant isolation and bad input. */
#include "slots_test.h"

/* The slot query of MON and every way to write a session (book, trial,
 * manual, batch, series) of `duration` at `start` for tenant fail with
 * code and a message. */
static void every_write_fails(sl_db *db, sl_id tenant, sl_time start, int64_t duration, int code)
{
    sl_interval buf[8];
    size_t n = 0, nb = 0;
    sl_session out[4];
    sl_booking bk = {7, start, duration, 0};
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, tenant, MON, MON + DAY, duration, NOW), code);
    ck_assert_fails(db, sl_book(db, NULL, tenant, 7, start, duration, 0, NULL, NOW), code);
    ck_assert_fails(db, sl_book_trial(db, NULL, tenant, 7, start, duration, NULL, NOW), code);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, tenant, 7, start, duration, 0, NULL, NOW), code);
    ck_assert_fails(db, sl_book_many(db, NULL, NULL, tenant, &bk, 1, NULL, NOW), code);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, tenant, 7, start, duration, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), code);
}

START_TEST(test_tenant_isolation)
{
    sl_db *db = fixture(); /* tenant 1 = A */
    put_fixture_tenant(db, 2);
    sl_session sa, gone, got;
    sl_id ra = 0, oa = 0;
    sl_date odate = D("2026-03-04");
    fund(db, 1, 7, 1);
    ck_assert_ok_db(db, sl_book(db, &sa, 1, 7, at(0, 10, 0), HOUR, 1, "ka", NOW));
    ck_assert_ok_db(db, sl_book(db, &gone, 1, 7, at(0, 14, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, gone.id, 5));
    ck_assert_ok_db(db, sl_rule_add(db, &ra, 1, 3, 0, 60, SL_DATE_MIN, SL_DATE_MAX, 1));
    const sl_window w[] = {{600, 700}};
    ck_assert_ok_db(db, sl_override_set(db, &oa, 1, odate, w, 1, 1));
    size_t sessions_a = n_sessions(db, 1, MON), rules_a = n_rules(db, 1), ovr_a = n_overrides(db, 1);

    const sl_id others[] = {2, 99};
    for (size_t i = 0; i < 2; i++) {
        sl_id x = others[i];
        ck_assert_fails(db, sl_session_get(db, &got, x, sa.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
        ck_assert_fails(db, sl_confirm(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_cancel(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_complete(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_mark_no_show(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_reschedule(db, NULL, x, sa.id, at(0, 12, 0), NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_soft_delete(db, x, SL_ENTITY_SESSION, sa.id, 9), SL_ENOTFOUND);
        ck_assert_fails(db, sl_restore(db, x, SL_ENTITY_SESSION, gone.id, 9), SL_ENOTFOUND);
        ck_assert_fails(db, sl_soft_delete(db, x, SL_ENTITY_RULE, ra, 9), SL_ENOTFOUND);
        ck_assert_fails(db, sl_soft_delete(db, x, SL_ENTITY_OVERRIDE, oa, 9), SL_ENOTFOUND);
        sl_rule rule;
        ck_assert_fails(db, sl_rule_get(db, &rule, x, ra, SL_INCLUDE_DELETED), SL_ENOTFOUND);
        ck_assert_fails(db, sl_rule_update(db, x, ra, 1, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, 9), SL_ENOTFOUND);
        sl_override ov;
        ck_assert_fails(db, sl_override_get(db, &ov, x, odate, SL_INCLUDE_DELETED), SL_ENOTFOUND);
        /* Lists under another tenant show nothing of A. */
        sl_session *l = NULL;
        size_t n = 0;
        int rc = sl_sessions_list(db, &l, &n, x, MON - DAY, MON + 7 * DAY, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        ck_assert_uint_eq(rc == SL_OK ? n : 0, 0);
        sl_free(l);
        rc = sl_sessions_by_student(db, &l, &n, x, 7, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        ck_assert_uint_eq(rc == SL_OK ? n : 0, 0);
        sl_free(l);
        sl_rule *rl = NULL;
        rc = sl_rules_list(db, &rl, &n, x, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        for (size_t k = 0; rc == SL_OK && k < n; k++)
            ck_assert_int_eq(rl[k].tenant, x);
        sl_free(rl);
        sl_override *ol = NULL;
        rc = sl_overrides_list(db, &ol, &n, x, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        ck_assert_uint_eq(rc == SL_OK ? n : 0, 0);
        sl_free(ol);
    }
    /* A tenant that does not exist: every write and the slot query. */
    every_write_fails(db, 99, at(0, 16, 0), HOUR, SL_ENOTFOUND);
    ck_assert_fails(db, sl_rule_add(db, NULL, 99, 1, 0, 60, SL_DATE_MIN, SL_DATE_MAX, 1), SL_ENOTFOUND);
    ck_assert_fails(db, sl_override_set(db, NULL, 99, odate, w, 1, 1), SL_ENOTFOUND);

    /* Keys are per tenant: B may use A's key for another request. */
    sl_session sb;
    ck_assert_ok_db(db, sl_book(db, &sb, 2, 8, at(0, 12, 0), HOUR, 0, "ka", NOW));
    ck_assert_int_eq(sb.replayed, 0);
    ck_assert_int_ne(sb.id, sa.id);
    ck_assert_int_eq(sb.tenant, 2);
    /* B's bookings do not block A, nor A's B: the same time books in both. */
    ck_assert_ok_db(db, sl_book(db, NULL, 2, 8, at(0, 10, 0), HOUR, 0, NULL, NOW));

    /* A is untouched. */
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, sa.id, 0));
    ck_assert_int_eq(got.status, SL_STATUS_PENDING);
    ck_assert_int_eq(got.start, at(0, 10, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_int_eq(got.updated_at, NOW);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, gone.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 5);
    sl_rule rule;
    ck_assert_ok_db(db, sl_rule_get(db, &rule, 1, ra, 0));
    ck_assert_int_eq(rule.weekday, 3);
    ck_assert_int_eq(rule.end_min, 60);
    sl_override ov;
    ck_assert_ok_db(db, sl_override_get(db, &ov, 1, odate, 0));
    ck_assert_int_eq(ov.n_windows, 1);
    ck_assert_int_eq(ov.windows[0].end_min, 700);
    ck_assert_uint_eq(n_sessions(db, 1, MON), sessions_a);
    ck_assert_uint_eq(n_rules(db, 1), rules_a);
    ck_assert_uint_eq(n_overrides(db, 1), ovr_a);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert(listed(db, 1, at(0, 12, 0), HOUR, NOW));
    sl_close(db);
}
END_TEST

/* ---- bad input ------------------------------------------------------------- */

START_TEST(test_bad_input)
{
    sl_session a;
    sl_db *db = fixture_booked(&a);
    size_t s0 = n_sessions(db, 1, MON), r0 = n_rules(db, 1), o0 = n_overrides(db, 1);
    sl_interval buf[8];
    size_t n = 0, nb = 0;
    sl_session out[4];
    sl_time skipped[2];

    /* Durations. */
    static const int64_t bad_durations[] = {0, -60, 59, SL_MAX_DURATION_SECONDS + 1, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++)
        every_write_fails(db, 1, at(1, 10, 0), bad_durations[i], SL_EINVAL);
    /* The bounds themselves are valid. */
    /* 1-min sessions on the 30-min grid 08:00..19:30, less 10:00 and 10:30
     * (session a): 22. */
    sl_interval *v = query(db, &n, NULL, 1, MON, MON + DAY, SL_MIN_DURATION_SECONDS, NOW);
    ck_assert_uint_eq(n, 22);
    sl_free(v);
    ck_assert_ok_db(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON + DAY, SL_MAX_DURATION_SECONDS, NOW));
    ck_assert_uint_eq(n, 0); /* 24 h never fits in 08:00-20:00 */

    /* Ranges, times outside years 0000..9999. */
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON + 1, MON, HOUR, NOW), SL_EINVAL);
    ck_assert_ok_db(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON, HOUR, NOW));
    ck_assert_uint_eq(n, 0);
    const sl_time too_late = 253402300800LL;    /* 10000-01-01T00:00:00Z */
    const sl_time too_early = -62167219201LL;   /* one second before 0000-01-01 */
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, too_early, MON, HOUR, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, too_late, HOUR, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON + DAY, HOUR, too_late), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, too_late, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, too_early, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 0), HOUR, 0, NULL, too_early), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, too_late, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, INT64_MAX - 10, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, too_late, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, INT64_MIN, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, skipped, 2, NULL, 1, 7, too_late, HOUR, 0, 2,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_sessions_list(db, NULL, &n, 1, MON, MON + DAY, 0), SL_EINVAL);

    /* Off the grid, unknown ids, ids that cannot exist. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 1), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_book(db, NULL, 1, 0, at(1, 10, 0), HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, -1, 7, at(1, 10, 0), HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 0), HOUR, -1, NULL, NOW), SL_EINVAL);
    const sl_id unknown = a.id + 1000;
    sl_session got;
    ck_assert_fails(db, sl_session_get(db, &got, 1, unknown, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_fails(db, sl_confirm(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_cancel(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_complete(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_mark_no_show(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, unknown, at(1, 10, 0), NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, unknown, 5), SL_ENOTFOUND);
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_SESSION, unknown, 5), SL_ENOTFOUND);
    ck_assert_fails(db, sl_session_get(db, &got, 1, 0, 0), SL_EINVAL);
    ck_assert_fails(db, sl_session_get(db, &got, 1, -4, 0), SL_EINVAL);

    /* Rules: weekdays, windows, validity. */
    static const int32_t bad_rules[][3] = {
        {0, 600, 660}, {8, 600, 660}, {-1, 600, 660}, {1, 600, 600}, {1, 700, 600},
        {1, -1, 60},   {1, 0, 1441},  {1, 1440, 1441}, {1, INT32_MIN, INT32_MAX},
    };
    for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
        sl_id id = 12345;
        ck_assert_fails(db, sl_rule_add(db, &id, 1, bad_rules[i][0], bad_rules[i][1], bad_rules[i][2], SL_DATE_MIN,
                                        SL_DATE_MAX, 1), SL_EINVAL);
        ck_assert_int_eq(id, 0); /* a failed call hands out no id */
    }
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 1, 600, 660, D("2026-03-03"), D("2026-03-02"), 1), SL_EINVAL);
    sl_rule *rl = NULL;
    ck_assert_ok_db(db, sl_rules_list(db, &rl, &n, 1, 0));
    ck_assert_uint_gt(n, 0);
    sl_id some_rule = rl[0].id;
    sl_free(rl);
    ck_assert_fails(db, sl_rule_update(db, 1, some_rule, 9, 600, 660, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    ck_assert_fails(db, sl_rule_update(db, 1, some_rule, 1, 660, 600, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    ck_assert_uint_eq(n_rules(db, 1), r0);

    /* Overrides: bad windows, too many windows, NULL with n > 0. */
    sl_window w49[SL_MAX_WINDOWS_PER_DAY + 1];
    for (int i = 0; i <= SL_MAX_WINDOWS_PER_DAY; i++)
        w49[i] = (sl_window){i * 20, i * 20 + 10};
    ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-05"), w49, SL_MAX_WINDOWS_PER_DAY + 1, 1), SL_EINVAL);
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-06"), w49, SL_MAX_WINDOWS_PER_DAY, 1));
    o0++;
    static const sl_window bad_windows[][2] = {
        {{600, 660}, {600, 600}}, {{600, 660}, {700, 600}}, {{-5, 60}, {600, 660}}, {{0, 1441}, {600, 660}},
    };
    for (size_t i = 0; i < sizeof(bad_windows) / sizeof(bad_windows[0]); i++)
        ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-05"), bad_windows[i], 2, 1), SL_EINVAL);
    ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-05"), NULL, 3, 1), SL_EINVAL);
    ck_assert_uint_eq(n_overrides(db, 1), o0);

    /* The 49th live rule of a weekday (48 allowed). */
    for (int i = 1; i < SL_MAX_WINDOWS_PER_DAY; i++) /* Monday already has one */
        add_rule(db, 1, 1, i * 20, i * 20 + 10);
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 1, 1000, 1010, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    ck_assert_uint_eq(n_rules(db, 1), r0 + SL_MAX_WINDOWS_PER_DAY - 1);
    /* Another weekday is unaffected. */
    add_rule(db, 1, 2, 1000, 1010);

    /* Recurring counts. */
    static const uint32_t bad_counts[] = {0, SL_MAX_RECURRING + 1, 1000, UINT32_MAX};
    for (size_t i = 0; i < sizeof(bad_counts) / sizeof(bad_counts[0]); i++)
        ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, at(1, 10, 0), HOUR, 0, bad_counts[i],
                                              SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);

    ck_assert_uint_eq(n_sessions(db, 1, MON), s0);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_isolation, "isolation-and-input", NULL, NULL, 0, test_tenant_isolation,
              test_bad_input)
