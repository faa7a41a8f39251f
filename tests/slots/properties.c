/* tests/slots/properties.c - property tests against the independent reference of model.c. */
#include "slots_test.h"

/* (1) sl_slots equals the brute-force reference over random tenants,
 * zones, ranges around DST changes, rules, overrides and busy sessions. */
START_TEST(test_prop_reference)
{
    uint64_t seed = sl_test_seed("slots vs reference"), st = seed;
    long iters = sl_test_scale(1000), total = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_model(&st, &m, 0);
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        total += (long)check_reference(db, tenant, &m, seed, it, "slots vs reference");
    }
    fprintf(stderr, "# slots vs reference: %ld tenants, %ld slots compared\n", iters, total);
    sl_close(db);
}
END_TEST

/* (2) The grid does not depend on the query: slots of any [a, b) inside a
 * range equal the range's slots filtered to [a, b). */
START_TEST(test_prop_query_independent)
{
    uint64_t seed = sl_test_seed("query independence"), st = seed;
    long iters = sl_test_scale(200), subs = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_model(&st, &m, 0);
        if (m.to - m.from > (sl_time)SL_MAX_RANGE_DAYS * DAY)
            m.to = m.from + (sl_time)SL_MAX_RANGE_DAYS * DAY;
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        size_t n = 0;
        sl_interval *all = query(db, &n, NULL, tenant, m.from, m.to, m.duration, m.now);
        for (int k = 0; k < 6; k++, subs++) {
            sl_time a = m.from + (sl_time)rnd(&st, (uint64_t)(m.to - m.from) + 1);
            sl_time b = a + (sl_time)rnd(&st, (uint64_t)(m.to - a) + 1);
            if (k == 0) { /* a boundary on a slot start, when there is one */
                if (n) {
                    a = all[rnd(&st, n)].start;
                    b = a + 1;
                }
            }
            size_t ns = 0;
            sl_interval *sub = query(db, &ns, NULL, tenant, a, b, m.duration, m.now);
            size_t j = 0;
            for (size_t i = 0; i < n; i++) {
                if (all[i].start < a || all[i].start >= b)
                    continue;
                if (j >= ns || sub[j].start != all[i].start) {
                    dump_model(&m, seed, it);
                    ck_abort_msg("iteration %ld: [%s, %s) lacks %s (or differs at %zu)", it, fmt(a), fmt(b),
                                 fmt(all[i].start), j);
                }
                j++;
            }
            if (j != ns) {
                dump_model(&m, seed, it);
                ck_abort_msg("iteration %ld: [%s, %s) lists %zu slots, the wide query %zu there", it, fmt(a),
                             fmt(b), ns, j);
            }
            sl_free(sub);
        }
        sl_free(all);
    }
    fprintf(stderr, "# query independence: %ld tenants, %ld sub-ranges\n", iters, subs);
    sl_close(db);
}
END_TEST

/* (3) The invariant: every listed slot books with sl_book, and every other
 * start (every grid start of every day interval, plus random off-grid
 * ones) is refused with SL_ECONFLICT or SL_EUNAVAILABLE and writes
 * nothing. The reference also says which of the two when only one reason
 * applies. */
START_TEST(test_prop_book_invariant)
{
    uint64_t seed = sl_test_seed("book invariant"), st = seed;
    static ref r;
    static sl_time cand[8192];
    long iters = sl_test_scale(100), booked = 0, refused = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_model(&st, &m, 1);
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        ref_build(&r, &m, m.from - DAY, m.to + DAY + m.duration);
        size_t n = 0;
        sl_interval *v = query(db, &n, NULL, tenant, m.from, m.to, m.duration, m.now);

        /* Candidates: grid starts of day intervals near the range, random
         * instants (mostly off the grid), and the listed slots. */
        size_t nc = 0;
        for (size_t i = 0; i < r.n_days; i++) {
            int64_t step = m.step ? m.step : m.duration;
            for (sl_time s = r.days[i].start; s < r.days[i].end && nc < 6000; s += step)
                if (s >= m.from - DAY && s < m.to + DAY)
                    cand[nc++] = s;
        }
        for (int k = 0; k < 30; k++)
            cand[nc++] = m.from - DAY + (sl_time)rnd(&st, (uint64_t)(m.to - m.from + 2 * DAY));
        for (size_t i = 0; i < n; i++)
            cand[nc++] = v[i].start;
        /* Keep the work bounded: a random subset of at most 300. */
        while (nc > 300) {
            size_t k = rnd(&st, nc);
            cand[k] = cand[--nc];
        }
        size_t before = n_sessions(db, tenant, m.from);
        for (size_t i = 0; i < nc; i++) {
            sl_time s = cand[i];
            int why = ref_classify(&r, &m, s);
            sl_session out;
            int rc = sl_book(db, &out, tenant, 9000, s, m.duration, 0, NULL, m.now);
            int in_range = s >= m.from && s < m.to;
            int was_listed = 0;
            for (size_t j = 0; j < n && !was_listed; j++)
                was_listed = v[j].start == s;
            if (in_range && was_listed != (why == 0)) {
                dump_model(&m, seed, it);
                ck_abort_msg("iteration %ld: %s listed %d but the reference says %d", it, fmt(s), was_listed, why);
            }
            if (why == 0) {
                if (rc != SL_OK)
                    dump_model(&m, seed, it);
                ck_assert_msg(rc == SL_OK, "iteration %ld: %s is a slot but sl_book said %s: %s", it, fmt(s),
                              sl_strerror(rc), sl_errmsg(db));
                ck_assert_int_eq(out.start, s);
                ck_assert_int_eq(out.end, s + m.duration);
                ck_assert_int_eq(out.status, SL_STATUS_PENDING);
                /* Free the time again: a deleted session does not block. */
                ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_SESSION, out.id, 4));
                before++;
                booked++;
            } else {
                int expect = (why == F_BUSY) ? SL_ECONFLICT : !(why & F_BUSY) ? SL_EUNAVAILABLE : 0;
                if (rc == SL_OK || (rc != SL_ECONFLICT && rc != SL_EUNAVAILABLE) || (expect && rc != expect))
                    dump_model(&m, seed, it);
                ck_assert_msg(rc == SL_ECONFLICT || rc == SL_EUNAVAILABLE,
                              "iteration %ld: %s (reasons %d) booked with %s", it, fmt(s), why, sl_strerror(rc));
                ck_assert_msg(!expect || rc == expect, "iteration %ld: %s (reasons %d) refused with %s: %s", it,
                              fmt(s), why, sl_strerror(rc), sl_errmsg(db));
                ck_assert_msg(sl_errmsg(db)[0] != '\0', "no message for a refusal");
                refused++;
            }
        }
        ck_assert_uint_eq(n_sessions(db, tenant, m.from), before);
        sl_free(v);
    }
    fprintf(stderr, "# book invariant: %ld tenants, %ld bookings, %ld refusals\n", iters, booked, refused);
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(tcase_slots_properties, "properties", NULL, NULL, 600, test_prop_reference,
              test_prop_query_independent, test_prop_book_invariant)
