/*
 * tests/slots/model.c - the property tests' random tenant model and an
 * independent brute-force reference of what sl_slots must list: see
 * slots_test.h.
 */
#include "slots_test.h"

const char *const zones[] = {
    "UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/St_Johns", "Australia/Sydney",
    "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Chatham",
    "Pacific/Tongatapu", "America/Santiago",
};
const size_t n_zones = sizeof(zones) / sizeof(zones[0]);

uint64_t rnd(uint64_t *st, uint64_t n)
{
    return sl_test_rand(st) % n;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* A time near an offset change of tz after base (base itself when the zone
 * has none within 400 days). */
sl_time near_change(const char *tz, sl_time base)
{
    int32_t o0 = 0, o = 0;
    ck_assert_int_eq(sl_tz_utc_offset(NULL, &o0, tz, base), SL_OK);
    for (int d = 1; d <= 400; d++) {
        ck_assert_int_eq(sl_tz_utc_offset(NULL, &o, tz, base + (sl_time)d * DAY), SL_OK);
        if (o != o0)
            return base + (sl_time)d * DAY;
    }
    return base;
}

sl_date local_date(const char *tz, sl_time t)
{
    int64_t local = 0;
    ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, tz, t), SL_OK);
    return (sl_date)floordiv(local, DAY);
}

void random_window(uint64_t *st, int32_t *s, int32_t *e)
{
    switch (rnd(st, 4)) {
    case 0: /* arbitrary minutes */
        *s = (int32_t)rnd(st, 1439);
        *e = *s + 1 + (int32_t)rnd(st, (uint64_t)(1440 - *s));
        break;
    default: /* quarter hours, a few hours long */
        *s = 15 * (int32_t)rnd(st, 95);
        *e = *s + 15 * (1 + (int32_t)rnd(st, 32));
        if (*e > 1440)
            *e = 1440;
        break;
    }
}

/* A random tenant around a random (often DST-changing) range. short_range:
 * a 1-2 day range (for the booking invariant, where every start costs a
 * transaction). */
void gen_model(uint64_t *st, model *m, int short_range)
{
    static const int64_t steps[] = {0, 0, 0, 5, 10, 15, 20, 25, 30, 45, 60, 90};
    static const int64_t durs[] = {15, 20, 30, 45, 60, 60, 90, 120, 150};
    static const int64_t bufs[] = {0, 0, 0, 5, 10, 15, 30};
    static const int64_t notices[] = {0, 0, 30, 120, 1440, 4320};
    static const int32_t advs[] = {0, 0, 0, 1, 2, 3, 7, 30};
    memset(m, 0, sizeof(*m));
    m->tz = zones[rnd(st, N_ZONES)];
    m->step = steps[rnd(st, sizeof(steps) / sizeof(steps[0]))] * MINUTE;
    m->duration = durs[rnd(st, sizeof(durs) / sizeof(durs[0]))] * MINUTE;
    m->bb = bufs[rnd(st, sizeof(bufs) / sizeof(bufs[0]))] * MINUTE;
    m->ba = bufs[rnd(st, sizeof(bufs) / sizeof(bufs[0]))] * MINUTE;
    m->notice = notices[rnd(st, sizeof(notices) / sizeof(notices[0]))] * MINUTE;
    m->adv = advs[rnd(st, sizeof(advs) / sizeof(advs[0]))];

    sl_time base = T("2016-01-01T00:00:00Z") + (sl_time)rnd(st, 14 * 365) * DAY;
    if (rnd(st, 10) < 7)
        base = near_change(m->tz, base) - (sl_time)rnd(st, 3 * DAY);
    base -= base % MINUTE;
    if (rnd(st, 8) == 0)
        base += (sl_time)rnd(st, MINUTE); /* a range start between minutes */
    sl_time len;
    uint64_t k = rnd(st, 10);
    if (short_range)
        len = DAY + (sl_time)rnd(st, DAY / MINUTE) * MINUTE;
    else if (k < 6)
        len = (sl_time)(1 + rnd(st, 4 * 24)) * HOUR;
    else if (k < 9)
        len = (sl_time)(4 + rnd(st, 10)) * DAY + (sl_time)rnd(st, DAY / MINUTE) * MINUTE;
    else
        len = (sl_time)(14 + rnd(st, 7)) * DAY; /* clamped */
    m->from = base;
    m->to = base + len;
    m->now = base - 2 * DAY + (sl_time)rnd(st, 3 * DAY) + (sl_time)rnd(st, MINUTE);

    sl_date ld = local_date(m->tz, m->from);
    sl_date span = (sl_date)(len / DAY) + 2;
    size_t nr = rnd(st, 9);
    for (size_t i = 0; i < nr && m->n_rules + 2 <= M_RULES; i++) {
        m_rule r = {(int32_t)(1 + rnd(st, 7)), 0, 0, SL_DATE_MIN, SL_DATE_MAX};
        if (rnd(st, 5) == 0)
            r.vf = ld + (sl_date)rnd(st, (uint64_t)span);
        if (rnd(st, 5) == 0)
            r.vu = (r.vf == SL_DATE_MIN ? ld : r.vf) + (sl_date)rnd(st, (uint64_t)span);
        switch (rnd(st, 6)) {
        case 0: { /* overnight: to midnight, continued after midnight */
            m_rule next = r;
            r.s = 15 * (int32_t)rnd(st, 95);
            r.e = 1440;
            next.wd = r.wd % 7 + 1;
            next.s = 0;
            next.e = 15 * (int32_t)(1 + rnd(st, 16));
            m->rules[m->n_rules++] = r;
            m->rules[m->n_rules++] = next;
            break;
        }
        case 1: { /* two windows touching at m */
            m_rule second = r;
            r.s = 15 * (int32_t)rnd(st, 80);
            int32_t mid = r.s + 15 * (int32_t)(1 + rnd(st, 8));
            r.e = mid;
            second.s = mid;
            second.e = mid + 15 * (int32_t)(1 + rnd(st, 8));
            if (second.e > 1440)
                second.e = 1440;
            m->rules[m->n_rules++] = r;
            m->rules[m->n_rules++] = second;
            break;
        }
        default:
            random_window(st, &r.s, &r.e);
            m->rules[m->n_rules++] = r;
            break;
        }
    }
    size_t no = rnd(st, 4);
    for (size_t i = 0; i < no; i++) {
        m_ovr o;
        o.date = ld - 1 + (sl_date)rnd(st, (uint64_t)span + 1);
        o.n = rnd(st, 4);
        for (size_t j = 0; j < o.n; j++)
            random_window(st, &o.w[j].start_min, &o.w[j].end_min);
        size_t j = 0;
        while (j < m->n_ovr && m->ovr[j].date != o.date)
            j++;
        m->ovr[j] = o; /* setting a date again replaces it */
        if (j == m->n_ovr)
            m->n_ovr++;
    }
    size_t ns = rnd(st, 10);
    for (size_t i = 0; i < ns; i++) {
        m_sess s;
        s.start = m->from - 6 * HOUR + (sl_time)rnd(st, (uint64_t)(len + 12 * HOUR) / MINUTE) * MINUTE;
        s.end = s.start + (sl_time)(1 + rnd(st, 12)) * 15 * MINUTE;
        s.blocking = 1;
        m->sess[m->n_sess++] = s;
    }
}

void dump_model(const model *m, uint64_t seed, long iter)
{
    fprintf(stderr, "# seed %" PRIu64 " iteration %ld: tz %s step %" PRId64 " dur %" PRId64 " bb %" PRId64
                    " ba %" PRId64 " notice %" PRId64 " adv %d now %s from %s to %s\n",
            seed, iter, m->tz, m->step, m->duration, m->bb, m->ba, m->notice, m->adv, fmt(m->now), fmt(m->from),
            fmt(m->to));
    for (size_t i = 0; i < m->n_rules; i++)
        fprintf(stderr, "#   rule wd %d %d-%d valid %d..%d\n", m->rules[i].wd, m->rules[i].s, m->rules[i].e,
                m->rules[i].vf, m->rules[i].vu);
    for (size_t i = 0; i < m->n_ovr; i++) {
        fprintf(stderr, "#   override %d:", m->ovr[i].date);
        for (size_t j = 0; j < m->ovr[i].n; j++)
            fprintf(stderr, " %d-%d", m->ovr[i].w[j].start_min, m->ovr[i].w[j].end_min);
        fprintf(stderr, "\n");
    }
    for (size_t i = 0; i < m->n_sess; i++)
        fprintf(stderr, "#   session %s..%s%s\n", fmt(m->sess[i].start), fmt(m->sess[i].end),
                m->sess[i].blocking ? "" : " (not blocking)");
}

/* Writes the model through the public API, adding rows that must not count
 * (deleted rules and overrides, cancelled and deleted sessions). */
void apply_model(sl_db *db, sl_id tenant, model *m, uint64_t *st)
{
    put_tenant(db, tenant, (settings){m->tz, m->step, m->bb, m->ba, m->notice, 0, m->adv});
    for (size_t i = 0; i < m->n_rules; i++)
        ck_assert_ok_db(db, sl_rule_add(db, NULL, tenant, m->rules[i].wd, m->rules[i].s, m->rules[i].e,
                                        m->rules[i].vf, m->rules[i].vu, 1));
    int32_t wd = (int32_t)(1 + rnd(st, 7));
    size_t on_wd = 0;
    for (size_t i = 0; i < m->n_rules; i++)
        on_wd += m->rules[i].wd == wd;
    if (rnd(st, 4) == 0 && on_wd < SL_MAX_WINDOWS_PER_DAY) { /* a deleted all-day rule must not count */
        sl_id r = 0;
        ck_assert_ok_db(db, sl_rule_add(db, &r, tenant, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, 1));
        ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_RULE, r, 2));
    }
    for (size_t i = 0; i < m->n_ovr; i++)
        ck_assert_ok_db(db, sl_override_set(db, NULL, tenant, m->ovr[i].date, m->ovr[i].w, m->ovr[i].n, 1));
    if (rnd(st, 4) == 0) { /* a deleted day-off override on a date without one */
        sl_date d = local_date(m->tz, m->from) + (sl_date)rnd(st, 3);
        int taken = 0;
        for (size_t i = 0; i < m->n_ovr; i++)
            taken |= m->ovr[i].date == d;
        if (!taken) {
            sl_id o = 0;
            ck_assert_ok_db(db, sl_override_set(db, &o, tenant, d, NULL, 0, 1));
            ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_OVERRIDE, o, 2));
        }
    }
    for (size_t i = 0; i < m->n_sess; i++) {
        sl_session s;
        ck_assert_ok_db(db, sl_schedule_manual(db, &s, tenant, 500 + (sl_id)i, m->sess[i].start,
                                               m->sess[i].end - m->sess[i].start, 0, NULL, m->now));
        switch (rnd(st, 10)) {
        case 0:
        case 1:
            ck_assert_ok_db(db, sl_cancel(db, NULL, tenant, s.id, m->now));
            m->sess[i].blocking = 0;
            break;
        case 2:
            ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_SESSION, s.id, 3));
            m->sess[i].blocking = 0;
            break;
        case 3:
            ck_assert_ok_db(db, sl_complete(db, NULL, tenant, s.id, m->now));
            break;
        case 4:
            ck_assert_ok_db(db, sl_mark_no_show(db, NULL, tenant, s.id, m->now));
            break;
        default:
            break; /* confirmed */
        }
    }
}

static void sort_iv(sl_interval *v, size_t n)
{
    for (size_t i = 1; i < n; i++) /* insertion sort: small inputs */
        for (size_t j = i; j > 0 && (v[j].start < v[j - 1].start ||
                                     (v[j].start == v[j - 1].start && v[j].end < v[j - 1].end));
             j--) {
            sl_interval t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static size_t merge_iv(sl_interval *v, size_t n)
{
    size_t k = 0;
    sort_iv(v, n);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && v[i].start <= v[k - 1].end) {
            if (v[i].end > v[k - 1].end)
                v[k - 1].end = v[i].end;
        } else {
            v[k++] = v[i];
        }
    }
    return k;
}

void ref_build(ref *r, const model *m, sl_time lo, sl_time hi)
{
    r->n_days = 0;
    sl_date d0 = (sl_date)floordiv(lo, DAY) - 2, d1 = (sl_date)floordiv(hi, DAY) + 2;
    for (sl_date d = d0; d <= d1; d++) {
        sl_window w[M_RULES];
        size_t nw = 0;
        const m_ovr *o = NULL;
        for (size_t i = 0; i < m->n_ovr; i++)
            if (m->ovr[i].date == d)
                o = &m->ovr[i];
        if (o) {
            for (size_t i = 0; i < o->n; i++)
                w[nw++] = o->w[i];
        } else {
            for (size_t i = 0; i < m->n_rules; i++)
                if (m->rules[i].wd == sl_date_weekday(d) && d >= m->rules[i].vf && d <= m->rules[i].vu)
                    w[nw++] = (sl_window){m->rules[i].s, m->rules[i].e};
        }
        sl_interval one[M_RULES];
        size_t k = 0;
        for (size_t i = 0; i < nw; i++) {
            sl_time a = 0, b = 0;
            ck_assert_int_eq(sl_tz_local_to_utc(NULL, &a, NULL, m->tz, (int64_t)d * DAY + w[i].start_min * 60), SL_OK);
            ck_assert_int_eq(sl_tz_local_to_utc(NULL, &b, NULL, m->tz, (int64_t)d * DAY + w[i].end_min * 60), SL_OK);
            if (b > a)
                one[k++] = (sl_interval){a, b};
        }
        k = merge_iv(one, k);
        ck_assert_uint_le(r->n_days + k, sizeof(r->days) / sizeof(r->days[0]));
        memcpy(r->days + r->n_days, one, k * sizeof(one[0]));
        r->n_days += k;
    }
    memcpy(r->runs, r->days, r->n_days * sizeof(r->days[0]));
    r->n_runs = merge_iv(r->runs, r->n_days);
}

int ref_classify(const ref *r, const model *m, sl_time t)
{
    int why = 0, grid = 0, cover = 0;
    int64_t step = m->step ? m->step : m->duration;
    for (size_t i = 0; i < r->n_days && !grid; i++)
        grid = r->days[i].start <= t && t < r->days[i].end && (t - r->days[i].start) % step == 0;
    for (size_t i = 0; i < r->n_runs && !cover; i++)
        cover = r->runs[i].start <= t && t + m->duration <= r->runs[i].end;
    if (!grid)
        why |= F_GRID;
    if (!cover)
        why |= F_COVER;
    if (t < m->now + m->notice)
        why |= F_NOTICE;
    if (m->adv && t >= m->now + (sl_time)m->adv * DAY)
        why |= F_HORIZON;
    for (size_t i = 0; i < m->n_sess; i++) {
        const m_sess *s = &m->sess[i];
        if (s->blocking && s->start - m->bb < t + m->duration + m->ba && t - m->bb < s->end + m->ba)
            why |= F_BUSY;
    }
    return why;
}

/* The reference listing of [from, to) (to already clamped): a minute-by-
 * minute scan (every input is whole minutes, so every grid start is). */
static size_t ref_slots(const ref *r, const model *m, sl_time from, sl_time to, sl_time *out, size_t cap)
{
    size_t n = 0;
    for (sl_time t = floordiv(from + MINUTE - 1, MINUTE) * MINUTE; t < to; t += MINUTE)
        if (ref_classify(r, m, t) == 0) {
            ck_assert_uint_lt(n, cap);
            out[n++] = t;
        }
    return n;
}

static void compare(const sl_interval *got, size_t n, const sl_time *want, size_t nw, const model *m,
                    uint64_t seed, long iter, const char *what)
{
    size_t i = 0;
    while (i < n && i < nw && got[i].start == want[i])
        i++;
    if (i == n && i == nw)
        return;
    dump_model(m, seed, iter);
    ck_abort_msg("%s: iteration %ld (seed %" PRIu64 "): %zu slots vs %zu expected; first difference at %zu: "
                 "got %s, expected %s",
                 what, iter, seed, n, nw, i, i < n ? fmt(got[i].start) : "(none)",
                 i < nw ? fmt(want[i]) : "(none)");
}

/* sl_slots of the model's tenant equals the brute-force reference
 * (returns the number of slots compared). */
size_t check_reference(sl_db *db, sl_id tenant, const model *m, uint64_t seed, long iter, const char *what)
{
    static ref r;
    static sl_time want[SL_MAX_SLOTS];
    sl_time to = m->to - m->from > (sl_time)SL_MAX_RANGE_DAYS * DAY ? m->from + (sl_time)SL_MAX_RANGE_DAYS * DAY
                                                                    : m->to;
    ref_build(&r, m, m->from, to + m->duration);
    size_t nw = ref_slots(&r, m, m->from, to, want, SL_MAX_SLOTS);
    size_t n = 0;
    uint32_t flags = 0;
    sl_interval *v = query(db, &n, &flags, tenant, m->from, m->to, m->duration, m->now);
    ck_assert_uint_eq(flags, to != m->to ? SL_SLOTS_CLAMPED : 0u);
    compare(v, n, want, nw, m, seed, iter, what);
    sl_free(v);
    return n;
}

void check_reference_of(prop_tenant *p, long *counts)
{
    counts[0] += (long)check_reference(p->db, p->tenant, &p->m, p->seed, p->it, p->what);
}

void each_model(const char *what, long iters, void (*gen)(uint64_t *st, model *m),
                void (*check)(prop_tenant *p, long *counts), const char *const *counted)
{
    uint64_t seed = sl_test_seed(what), st = seed;
    long counts[4] = {0, 0, 0, 0};
    iters = sl_test_scale(iters);
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        prop_tenant p = {db, 1 + it, {0}, &st, seed, it, what};
        gen(&st, &p.m);
        apply_model(db, p.tenant, &p.m, &st);
        check(&p, counts);
    }
    fprintf(stderr, "# %s: %ld tenants", what, iters);
    for (size_t i = 0; i < 4 && counted[i]; i++)
        fprintf(stderr, ", %ld %s", counts[i], counted[i]);
    fprintf(stderr, "\n");
    sl_close(db);
}
