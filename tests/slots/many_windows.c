/* tests/slots/many_windows.c - many windows per day (issue 9, defect 3). */
#include "slots_test.h"

/* Issue 9, defect 3: 48 separate windows on every weekday, and a 14-day
 * query from 23:59 local with a duration reaching into the next date. The
 * window builder looks at 18 local dates, 864 day intervals; they used to
 * go into an array of 816, the rest over the busy intervals, which then
 * overwrote them. Every slot must come out exactly as the brute-force
 * reference says, with busy sessions in the range, and the slots book. */
START_TEST(test_many_windows_long_query)
{
    static const char *const tzs[] = {"UTC", "Europe/Berlin", "Pacific/Kiritimati"};
    uint64_t st = 9;
    sl_db *db = sl_test_open();
    for (size_t z = 0; z < sizeof(tzs) / sizeof(tzs[0]); z++) {
        model m;
        sl_id tenant = 1 + (sl_id)z;
        memset(&m, 0, sizeof(m));
        m.tz = tzs[z];
        m.step = 10 * MINUTE;
        m.duration = 20 * MINUTE;
        for (int32_t wd = 1; wd <= 7; wd++)
            for (int32_t k = 0; k < SL_MAX_WINDOWS_PER_DAY; k++) /* 00:00-00:20, 00:30-00:50, ... */
                m.rules[m.n_rules++] = (m_rule){wd, 30 * k, 30 * k + 20, SL_DATE_MIN, SL_DATE_MAX};
        /* 23:59 local on 2026-03-20: Berlin's clocks change inside the range. */
        ck_assert_int_eq(sl_tz_local_to_utc(NULL, &m.from, NULL, m.tz, (int64_t)D("2026-03-20") * DAY + 1439 * MINUTE),
                         SL_OK);
        m.to = m.from + (sl_time)SL_MAX_RANGE_DAYS * DAY;
        m.now = m.from - DAY;
        for (int k = 0; k < 6; k++) /* spread over the range, the last near its end */
            m.sess[m.n_sess++] = (m_sess){m.from + (sl_time)(1 + 5 * k) * DAY / 2 + k * HOUR,
                                          m.from + (sl_time)(1 + 5 * k) * DAY / 2 + k * HOUR + HOUR, 1};
        apply_model(db, tenant, &m, &st);
        size_t n = check_reference(db, tenant, &m, 0, (long)z, tzs[z]);
        /* 14 whole local dates of 48 slots, less the few the sessions take. */
        ck_assert_uint_ge(n, (size_t)(SL_MAX_RANGE_DAYS - 1) * SL_MAX_WINDOWS_PER_DAY);

        /* The caller-buffer entry point agrees, and the first and last slots book. */
        static sl_interval buf[SL_MAX_SLOTS];
        size_t nb = 0;
        ck_assert_ok_db(db, sl_slots(db, buf, SL_MAX_SLOTS, &nb, NULL, tenant, m.from, m.to, m.duration, m.now));
        ck_assert_uint_eq(nb, n);
        ck_assert_ok_db(db, sl_book(db, NULL, tenant, 77, buf[0].start, m.duration, 0, NULL, m.now));
        ck_assert_ok_db(db, sl_book(db, NULL, tenant, 77, buf[nb - 1].start, m.duration, 0, NULL, m.now));
        ck_assert_ok_db(db, sl_slots(db, buf, SL_MAX_SLOTS, &nb, NULL, tenant, m.from, m.to, m.duration, m.now));
        ck_assert_uint_eq(nb, n - 2);
    }
    sl_close(db);
}
END_TEST

/* k windows of one day in distinct half hours, each its own day interval
 * when `separate`; otherwise some touch the next half hour and some lie
 * anywhere. */
static void dense_windows(uint64_t *st, size_t k, sl_window *w, int separate)
{
    int32_t half[48];
    for (int32_t i = 0; i < 48; i++)
        half[i] = i;
    for (size_t i = 0; i < k; i++) {
        if (!separate && rnd(st, 8) == 0) {
            random_window(st, &w[i].start_min, &w[i].end_min);
            continue;
        }
        size_t j = i + rnd(st, 48 - i); /* a half hour not used yet */
        int32_t h = half[j];
        half[j] = half[i];
        half[i] = h;
        w[i].start_min = 30 * h + (int32_t)rnd(st, 15);
        w[i].end_min = w[i].start_min + 1 + (int32_t)rnd(st, (uint64_t)(30 * h + 30 - separate - w[i].start_min));
    }
}

/* A tenant with up to SL_MAX_WINDOWS_PER_DAY windows on each weekday and
 * on some overridden dates, and a range that often starts late in a local
 * day, often 14 days or longer (clamped). */
static void gen_dense_model(uint64_t *st, model *m)
{
    static const int64_t steps[] = {0, 0, 5, 10, 15, 30};
    static const int64_t durs[] = {5, 10, 15, 20, 30, 45, 60, 90};
    sl_window w[SL_MAX_WINDOWS_PER_DAY];
    memset(m, 0, sizeof(*m));
    m->tz = zones[rnd(st, N_ZONES)];
    m->step = steps[rnd(st, sizeof(steps) / sizeof(steps[0]))] * MINUTE;
    m->duration = durs[rnd(st, sizeof(durs) / sizeof(durs[0]))] * MINUTE;
    m->bb = (sl_time)rnd(st, 2) * 5 * MINUTE;
    m->ba = (sl_time)rnd(st, 2) * 10 * MINUTE;

    sl_time base = T("2016-01-01T00:00:00Z") + (sl_time)rnd(st, 14 * 365) * DAY;
    if (rnd(st, 10) < 7)
        base = near_change(m->tz, base) - (sl_time)rnd(st, 3 * DAY);
    sl_date ld = local_date(m->tz, base);
    int64_t minute = rnd(st, 2) ? 23 * 60 + (int64_t)rnd(st, 60) : (int64_t)rnd(st, 1440);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &m->from, NULL, m->tz, (int64_t)ld * DAY + minute * MINUTE), SL_OK);
    sl_time len = rnd(st, 10) < 4 ? (sl_time)(SL_MAX_RANGE_DAYS * DAY) + (sl_time)rnd(st, 2 * DAY / MINUTE) * MINUTE
                                  : (sl_time)(1 + rnd(st, 4 * 24)) * HOUR;
    m->to = m->from + len;
    m->now = m->from - DAY + (sl_time)rnd(st, 2 * DAY);

    int full = rnd(st, 2) == 0; /* the limit of separate windows on every weekday */
    for (int32_t wd = 1; wd <= 7; wd++) {
        size_t k = full || rnd(st, 3) == 0 ? SL_MAX_WINDOWS_PER_DAY : rnd(st, SL_MAX_WINDOWS_PER_DAY + 1);
        dense_windows(st, k, w, full);
        for (size_t i = 0; i < k; i++) {
            m_rule r = {wd, w[i].start_min, w[i].end_min, SL_DATE_MIN, SL_DATE_MAX};
            if (!full && rnd(st, 10) == 0)
                r.vf = ld + (sl_date)rnd(st, 16);
            m->rules[m->n_rules++] = r;
        }
    }
    size_t no = rnd(st, 4);
    for (size_t i = 0; i < no; i++) {
        m_ovr *o = &m->ovr[m->n_ovr];
        o->date = ld + (sl_date)(m->n_ovr * 5 + rnd(st, 5)); /* distinct dates */
        o->n = rnd(st, 2) ? SL_MAX_WINDOWS_PER_DAY : rnd(st, SL_MAX_WINDOWS_PER_DAY + 1);
        dense_windows(st, o->n, o->w, full);
        m->n_ovr++;
    }
    size_t ns = rnd(st, 8);
    for (size_t i = 0; i < ns; i++) {
        sl_time s = m->from - 2 * HOUR + (sl_time)rnd(st, (uint64_t)(len + 4 * HOUR) / MINUTE) * MINUTE;
        m->sess[m->n_sess++] = (m_sess){s, s + (sl_time)(1 + rnd(st, 8)) * 10 * MINUTE, 1};
    }
}

/* (4) As (1), with window sets up to the limit on every weekday and
 * override, ranges starting late in a local day and durations reaching
 * into the next date: the window builder's worst cases. */
START_TEST(test_prop_many_windows)
{
    /* Hundreds of rule writes per tenant: fewer tenants where each is a
     * synced commit (the file store reads rules as the in-memory one does). */
    long iters = strcmp(sl_test_backend, "sqlite-file") == 0 ? 8 : 40;
    each_model("many windows vs reference", iters, gen_dense_model, check_reference_of, COUNTED("slots compared"));
}
END_TEST

/* The limit of SL_MAX_WINDOWS_PER_DAY windows per weekday holds on every
 * path that makes a rule live (add, update onto a full weekday, restore),
 * and on overrides; exactly the limit works. A refusal writes nothing. */
START_TEST(test_windows_per_day_limit)
{
    sl_db *db = sl_test_open();
    sl_rule *l = NULL, got;
    size_t n = 0;
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    for (int32_t k = 0; k < SL_MAX_WINDOWS_PER_DAY; k++)
        add_rule(db, 1, 3, 30 * k, 30 * k + 20);
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 3, 1430, 1440, SL_DATE_MIN, SL_DATE_MAX, 2), SL_EINVAL);
    ck_assert_msg_has(db, "48");
    /* A rule valid only on later dates counts too: the bound is on the live
     * rules of a weekday, whatever their validity. */
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 3, 1430, 1440, D("2030-01-01"), D("2030-01-31"), 2), SL_EINVAL);
    ck_assert_uint_eq(n_rules(db, 1), SL_MAX_WINDOWS_PER_DAY);
    /* Moving a Thursday rule onto the full Wednesday is refused and changes nothing. */
    sl_id thu = add_rule(db, 1, 4, 600, 660);
    ck_assert_fails(db, sl_rule_update(db, 1, thu, 3, 600, 660, SL_DATE_MIN, SL_DATE_MAX, 3), SL_EINVAL);
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, thu, 0));
    ck_assert_int_eq(got.weekday, 4);
    /* Updating a rule of the full weekday in place is fine. */
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, 1, 0));
    ck_assert_uint_eq(n, SL_MAX_WINDOWS_PER_DAY + 1);
    ck_assert_int_eq(l[0].weekday, 3);
    ck_assert_ok_db(db, sl_rule_update(db, 1, l[0].id, 3, 0, 25, SL_DATE_MIN, SL_DATE_MAX, 3));
    /* A deleted Wednesday rule cannot come back while another took its place. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, l[0].id, 4));
    add_rule(db, 1, 3, 0, 20);
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_RULE, l[0].id, 5), SL_EINVAL);
    ck_assert_fails(db, sl_rule_get(db, &got, 1, l[0].id, 0), SL_ENOTFOUND);
    sl_free(l);
    ck_assert_uint_eq(n_rules(db, 1), SL_MAX_WINDOWS_PER_DAY + 2); /* with the deleted one */

    /* Overrides: one window more than the limit is refused, the limit works. */
    sl_window w[SL_MAX_WINDOWS_PER_DAY + 1];
    for (int32_t k = 0; k <= SL_MAX_WINDOWS_PER_DAY; k++)
        w[k] = (sl_window){29 * k, 29 * k + 20};
    ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-04"), w, SL_MAX_WINDOWS_PER_DAY + 1, 6), SL_EINVAL);
    ck_assert_msg_has(db, "48");
    ck_assert_uint_eq(n_overrides(db, 1), 0);
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-04"), w, SL_MAX_WINDOWS_PER_DAY, 6));
    /* A date at the limit lists all its slots, from the override and from the rules. */
    size_t ns = 0;
    sl_interval *v = query(db, &ns, NULL, 1, T("2026-03-04T00:00:00Z"), T("2026-03-05T00:00:00Z"), 20 * MINUTE, 0);
    ck_assert_uint_eq(ns, SL_MAX_WINDOWS_PER_DAY);
    sl_free(v);
    v = query(db, &ns, NULL, 1, T("2026-03-11T00:00:00Z"), T("2026-03-12T00:00:00Z"), 20 * MINUTE, 0);
    ck_assert_uint_eq(ns, SL_MAX_WINDOWS_PER_DAY);
    sl_free(v);
    sl_close(db);
}
END_TEST

TCase *tcase_slots_many_windows(void)
{
    const TTest *tests[] = {test_many_windows_long_query, test_windows_per_day_limit, test_prop_many_windows,
                            NULL};
    return sl_test_tcase("many-windows", NULL, NULL, 300, tests);
}
