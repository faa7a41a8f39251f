/* tests/slots/properties.c - property tests against the independent reference of model.c. */
#include "slots_test.h"

/* The models of the tests below: over a range of any length, the same
 * range cut to SL_MAX_RANGE_DAYS, or a 1-2 day range. */
static void gen_wide(uint64_t *st, model *m)
{
    gen_model(st, m, 0);
}

static void gen_clamped(uint64_t *st, model *m)
{
    gen_model(st, m, 0);
    if (m->to - m->from > (sl_time)SL_MAX_RANGE_DAYS * DAY)
        m->to = m->from + (sl_time)SL_MAX_RANGE_DAYS * DAY;
}

static void gen_short(uint64_t *st, model *m)
{
    gen_model(st, m, 1);
}

/* (1) sl_slots equals the brute-force reference over random tenants,
 * zones, ranges around DST changes, rules, overrides and busy sessions. */
START_TEST(test_prop_reference)
{
    each_model("slots vs reference", 1000, gen_wide, check_reference_of, COUNTED("slots compared"));
}
END_TEST

/* (2) The grid does not depend on the query: slots of any [a, b) inside a
 * range equal the range's slots filtered to [a, b). counts[0]: sub-ranges. */
static void check_sub_ranges(prop_tenant *p, long *counts)
{
    const model *m = &p->m;
    size_t n = 0;
    sl_interval *all = query(p->db, &n, NULL, p->tenant, m->from, m->to, m->duration, m->now);
    for (int k = 0; k < 6; k++, counts[0]++) {
        sl_time a = m->from + (sl_time)rnd(p->st, (uint64_t)(m->to - m->from) + 1);
        sl_time b = a + (sl_time)rnd(p->st, (uint64_t)(m->to - a) + 1);
        if (k == 0) { /* a boundary on a slot start, when there is one */
            if (n) {
                a = all[rnd(p->st, n)].start;
                b = a + 1;
            }
        }
        size_t ns = 0;
        sl_interval *sub = query(p->db, &ns, NULL, p->tenant, a, b, m->duration, m->now);
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            if (all[i].start < a || all[i].start >= b)
                continue;
            if (j >= ns || sub[j].start != all[i].start) {
                dump_model(m, p->seed, p->it);
                ck_abort_msg("iteration %ld: [%s, %s) lacks %s (or differs at %zu)", p->it, fmt(a), fmt(b),
                             fmt(all[i].start), j);
            }
            j++;
        }
        if (j != ns) {
            dump_model(m, p->seed, p->it);
            ck_abort_msg("iteration %ld: [%s, %s) lists %zu slots, the wide query %zu there", p->it, fmt(a),
                         fmt(b), ns, j);
        }
        sl_free(sub);
    }
    sl_free(all);
}

START_TEST(test_prop_query_independent)
{
    each_model("query independence", 200, gen_clamped, check_sub_ranges, COUNTED("sub-ranges"));
}
END_TEST

/* (3) The invariant: every listed slot books with sl_book, and every other
 * start (every grid start of every day interval, plus random off-grid
 * ones) is refused with SL_ECONFLICT or SL_EUNAVAILABLE and writes
 * nothing. The reference also says which of the two when only one reason
 * applies. counts[0]: bookings, counts[1]: refusals. */
static void check_bookings(prop_tenant *p, long *counts)
{
    static ref r;
    static sl_time cand[8192];
    sl_db *db = p->db;
    sl_id tenant = p->tenant;
    const model *m = &p->m;
    ref_build(&r, m, m->from - DAY, m->to + DAY + m->duration);
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, tenant, m->from, m->to, m->duration, m->now);

    /* Candidates: grid starts of day intervals near the range, random
     * instants (mostly off the grid), and the listed slots. */
    size_t nc = 0;
    for (size_t i = 0; i < r.n_days; i++) {
        int64_t step = m->step ? m->step : m->duration;
        for (sl_time s = r.days[i].start; s < r.days[i].end && nc < 6000; s += step)
            if (s >= m->from - DAY && s < m->to + DAY)
                cand[nc++] = s;
    }
    for (int k = 0; k < 30; k++)
        cand[nc++] = m->from - DAY + (sl_time)rnd(p->st, (uint64_t)(m->to - m->from + 2 * DAY));
    for (size_t i = 0; i < n; i++)
        cand[nc++] = v[i].start;
    /* Keep the work bounded: a random subset of at most 300. */
    while (nc > 300) {
        size_t k = rnd(p->st, nc);
        cand[k] = cand[--nc];
    }
    size_t before = n_sessions(db, tenant, m->from);
    for (size_t i = 0; i < nc; i++) {
        sl_time s = cand[i];
        int why = ref_classify(&r, m, s);
        sl_session out;
        int rc = sl_book(db, &out, tenant, 9000, s, m->duration, 0, NULL, m->now);
        int in_range = s >= m->from && s < m->to;
        int was_listed = 0;
        for (size_t j = 0; j < n && !was_listed; j++)
            was_listed = v[j].start == s;
        if (in_range && was_listed != (why == 0)) {
            dump_model(m, p->seed, p->it);
            ck_abort_msg("iteration %ld: %s listed %d but the reference says %d", p->it, fmt(s), was_listed, why);
        }
        if (why == 0) {
            if (rc != SL_OK)
                dump_model(m, p->seed, p->it);
            ck_assert_msg(rc == SL_OK, "iteration %ld: %s is a slot but sl_book said %s: %s", p->it, fmt(s),
                          sl_strerror(rc), sl_errmsg(db));
            ck_assert_int_eq(out.start, s);
            ck_assert_int_eq(out.end, s + m->duration);
            ck_assert_int_eq(out.status, SL_STATUS_PENDING);
            /* Free the time again: a deleted session does not block. */
            ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_SESSION, out.id, 4));
            before++;
            counts[0]++;
        } else {
            int expect = (why == F_BUSY) ? SL_ECONFLICT : !(why & F_BUSY) ? SL_EUNAVAILABLE : 0;
            if (rc == SL_OK || (rc != SL_ECONFLICT && rc != SL_EUNAVAILABLE) || (expect && rc != expect))
                dump_model(m, p->seed, p->it);
            ck_assert_msg(rc == SL_ECONFLICT || rc == SL_EUNAVAILABLE,
                          "iteration %ld: %s (reasons %d) booked with %s", p->it, fmt(s), why, sl_strerror(rc));
            ck_assert_msg(!expect || rc == expect, "iteration %ld: %s (reasons %d) refused with %s: %s", p->it,
                          fmt(s), why, sl_strerror(rc), sl_errmsg(db));
            ck_assert_msg(sl_errmsg(db)[0] != '\0', "no message for a refusal");
            counts[1]++;
        }
    }
    ck_assert_uint_eq(n_sessions(db, tenant, m->from), before);
    sl_free(v);
}

START_TEST(test_prop_book_invariant)
{
    each_model("book invariant", 100, gen_short, check_bookings, COUNTED("bookings", "refusals"));
}
END_TEST

SL_TEST_TCASE(tcase_slots_properties, "properties", NULL, NULL, 600, test_prop_reference,
              test_prop_query_independent, test_prop_book_invariant)
