/* tests/slots/cases.c - the data cases (tests/cases_slots.json) and range clamping. */
#include "slots_test.h"
#include "cases_slots.h"

/* Each case, through the public API: tenant settings, weekly rules,
 * overrides, busy sessions made with sl_schedule_manual (they skip
 * availability), then sl_slots and sl_slots_alloc equal the expected starts
 * exactly, and the clamping flag is set exactly for ranges over 14 days. */
START_TEST(test_data_case)
{
    const slot_case *c = &slot_cases[_i];
    sl_db *db = sl_test_open();
    const sl_id tenant = 1 + _i;
    put_tenant(db, tenant, (settings){c->tz, c->step, c->buffer_before, c->buffer_after, c->min_notice, 0,
                                      c->max_advance_days});
    for (size_t i = 0; i < c->n_rules; i++)
        add_rule(db, tenant, c->rules[i].weekday, c->rules[i].start_min, c->rules[i].end_min);
    for (size_t i = 0; i < c->n_overrides; i++)
        ck_assert_ok_db(db, sl_override_set(db, NULL, tenant, c->overrides[i].date, c->overrides[i].windows,
                                            c->overrides[i].n_windows, 1));
    for (size_t i = 0; i < c->n_busy; i++)
        ck_assert_ok_db(db, sl_schedule_manual(db, NULL, tenant, 100 + (sl_id)i, c->busy[i].start,
                                               c->busy[i].end - c->busy[i].start, 0, NULL, c->now));

    static sl_interval buf[SL_MAX_SLOTS];
    size_t n = 0;
    uint32_t flags = 0xdead;
    ck_assert_ok_db(db, sl_slots(db, buf, SL_MAX_SLOTS, &n, &flags, tenant, c->frm, c->to, c->duration, c->now));
    char got[4096] = "", *p = got;
    for (size_t i = 0; i < n && p < got + sizeof(got) - 32; i++)
        p += snprintf(p, (size_t)(got + sizeof(got) - p), " %s", fmt(buf[i].start));
    ck_assert_msg(n == c->n_expect, "case %s: %zu slots, expected %zu; got:%s", c->name, n, c->n_expect, got);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(buf[i].start == c->expect[i], "case %s: slot %zu is %s, expected %s; got:%s", c->name, i,
                      fmt(buf[i].start), fmt(c->expect[i]), got);
        ck_assert_int_eq(buf[i].end, buf[i].start + c->duration);
    }
    int clamp = c->to - c->frm > (sl_time)SL_MAX_RANGE_DAYS * DAY;
    ck_assert_msg(flags == (clamp ? SL_SLOTS_CLAMPED : 0u), "case %s: flags %u", c->name, flags);

    /* The allocating variant answers the same. */
    size_t n2 = 0;
    uint32_t f2 = 0;
    sl_interval *v = query(db, &n2, &f2, tenant, c->frm, c->to, c->duration, c->now);
    ck_assert_uint_eq(n2, n);
    ck_assert_uint_eq(f2, flags);
    if (n)
        ck_assert_int_eq(memcmp(v, buf, n * sizeof(*v)), 0);
    sl_free(v);
    sl_close(db);
}
END_TEST

/* The data must keep a clamped case (otherwise the flag check above proves
 * nothing about clamping), and clamping itself: a 20-day query covers only
 * the first 14 days; exactly 14 days is not clamped. */
START_TEST(test_clamp)
{
    int clamped_cases = 0;
    for (size_t i = 0; i < SLOT_CASES_COUNT; i++)
        clamped_cases += slot_cases[i].to - slot_cases[i].frm > (sl_time)SL_MAX_RANGE_DAYS * DAY;
    ck_assert_int_ge(clamped_cases, 1);

    sl_db *db = open_tenant((settings){"UTC", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 600, 660); /* one 60-min slot a day at 10:00Z */
    size_t n = 0;
    uint32_t flags = 0;
    sl_time from = T("2026-01-01T00:00:00Z");
    sl_interval *v = query(db, &n, &flags, 1, from, from + 20 * DAY, HOUR, 0);
    ck_assert_uint_eq(flags, SL_SLOTS_CLAMPED);
    ck_assert_uint_eq(n, 14);
    ck_assert_int_eq(v[13].start, from + 13 * DAY + 10 * HOUR);
    sl_free(v);
    v = query(db, &n, &flags, 1, from, from + 14 * DAY, HOUR, 0);
    ck_assert_uint_eq(flags, 0);
    ck_assert_uint_eq(n, 14);
    sl_free(v);
    /* Shifting the range start shifts the 14 days: Jan 2 10:00 .. Jan 15. */
    v = query(db, &n, &flags, 1, from + 11 * HOUR, from + 30 * DAY, HOUR, 0);
    ck_assert_uint_eq(flags, SL_SLOTS_CLAMPED);
    ck_assert_uint_eq(n, 14);
    ck_assert_int_eq(v[0].start, from + DAY + 10 * HOUR);
    ck_assert_int_eq(v[13].start, from + 14 * DAY + 10 * HOUR);
    sl_free(v);
    /* A caller buffer too small: SL_ERANGE, the total, the first cap slots. */
    sl_interval buf[3];
    ck_assert_sl(sl_slots(db, buf, 3, &n, NULL, 1, from, from + 7 * DAY, HOUR, 0), SL_ERANGE);
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(buf[2].start, from + 2 * DAY + 10 * HOUR);
    /* cap 0 with a NULL buffer counts. */
    ck_assert_sl(sl_slots(db, NULL, 0, &n, NULL, 1, from, from + 7 * DAY, HOUR, 0), SL_ERANGE);
    ck_assert_uint_eq(n, 7);
    sl_close(db);
}
END_TEST

TCase *tcase_slots_cases(void)
{
    TCase *tc = tcase_create("cases");
    tcase_add_loop_test(tc, test_data_case, 0, (int)SLOT_CASES_COUNT);
    tcase_add_test(tc, test_clamp);
    return tc;
}
