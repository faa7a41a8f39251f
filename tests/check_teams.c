/*
 * tests/check_teams.c - many tenants in one call (slotledger/teams.h), per
 * backend (memory, sqlite, sqlite-file, postgres):
 *
 *  - the worked examples of docs/teams.md, as cases;
 *  - property tests (printed seed) on random teams across DST zones:
 *    sl_slots_many equals N single sl_slots calls; sl_team_slots any-of
 *    and all-of equal a brute-force combination of single sl_slots
 *    results; sl_free_at equals "would sl_book succeed" per tenant (tried
 *    inside a group that is rolled back);
 *  - sl_book_any's fairness policy, replays and refusals; sl_book_all all
 *    or nothing, one hold, series id, replays;
 *  - bad input (empty, NULL, duplicates, over-long lists, bad ids): clear
 *    errors, nothing written;
 *  - on shared targets (sqlite-file, postgres): 8 processes booking one
 *    team with sl_book_any (never two bookings of one tenant at one time,
 *    a replayed key answers with the first choice) and sl_book_all over
 *    overlapping teams (never a partial collective).
 *
 * Reuses the slots suite's helpers and zone list (tests/slots/).
 */
#include <unistd.h>

#include "slots/slots_test.h"

/* Monday 2026-01-05 (Europe/Berlin is UTC+1 then). */
#define TMON T("2026-01-05T00:00:00Z")
#define TNOW T("2026-01-01T00:00:00Z")

/* ---- helpers ---------------------------------------------------------------- */

static sl_team_avail *team(sl_db *db, const sl_id *ids, size_t n, sl_time from, sl_time to, int64_t dur,
                           int32_t mode, sl_time now)
{
    sl_team_avail *t = NULL;
    ck_assert_ok_db(db, sl_team_slots(db, &t, ids, n, from, to, dur, mode, now));
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->offsets[t->n_starts], t->n_who);
    return t;
}

/* Team start i is `iso`, free for exactly the ids of the 0-terminated
 * list `who` (in list order). */
static void expect_start(const sl_team_avail *t, size_t i, const char *iso, const sl_id *who)
{
    ck_assert_msg(i < t->n_starts, "start %zu (%s) missing: only %zu", i, iso, (size_t)t->n_starts);
    ck_assert_msg(t->starts[i] == T(iso), "start %zu is %s, expected %s", i, fmt(t->starts[i]), iso);
    size_t k = 0;
    for (uint64_t j = t->offsets[i]; j < t->offsets[i + 1]; j++, k++)
        ck_assert_msg(who[k] == t->who[j], "start %s: who[%zu] is %lld, expected %lld", iso, k,
                      (long long)t->who[j], (long long)who[k]);
    ck_assert_msg(who[k] == 0, "start %s lists %zu tenants, expected more", iso, k);
}

#define WHO(...) ((const sl_id[]){__VA_ARGS__, 0})

/* An expected team start: the instant and who is free then (WHO). */
typedef struct team_start {
    const char *iso;
    const sl_id *who;
} team_start;

#define STARTS(...) ((const team_start[]){__VA_ARGS__, {NULL, NULL}})
#define NO_STARTS ((const team_start[]){{NULL, NULL}})

/* sl_team_slots of the two tenants ids, one hour, over the day from
 * `from` at now, in mode: exactly the starts of the NULL-terminated
 * list want (none: a NULL array). */
static void expect_team(sl_db *db, const sl_id ids[2], int32_t mode, sl_time from, sl_time now,
                        const team_start *want)
{
    size_t n = 0;
    while (want[n].iso)
        n++;
    sl_team_avail *t = team(db, ids, 2, from, from + DAY, HOUR, mode, now);
    ck_assert_uint_eq(t->n_starts, n);
    for (size_t i = 0; i < n; i++)
        expect_start(t, i, want[i].iso, want[i].who);
    if (n == 0)
        ck_assert_ptr_null(t->starts);
    sl_free(t);
}

/* Sessions of tenant around `around` (deleted or not): the "nothing was
 * written" probe. */
static size_t count_all(sl_db *db, const sl_id *ids, size_t n, sl_time around)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += n_sessions(db, ids[i], around);
    return total;
}

/* ---- the worked examples of docs/teams.md ------------------------------------ */

/* Example 1: tenant 1 (UTC, Mon 09:00-12:00, step = duration) and tenant 2
 * (Europe/Berlin, Mon 10:30-13:00 local = 09:30Z-12:00Z), 60 minutes. */
static sl_db *example_db(void)
{
    sl_db *db = open_tenant((settings){"UTC", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 1, 9 * 60, 12 * 60);
    put_tenant(db, 2, (settings){"Europe/Berlin", 0, 0, 0, 0, 0, 0});
    add_rule(db, 2, 1, 10 * 60 + 30, 13 * 60);
    put_tenant(db, 3, (settings){"UTC", 30 * MINUTE, 0, 0, 0, 0, 0});
    add_rule(db, 3, 1, 10 * 60, 12 * 60);
    return db;
}

START_TEST(test_example_grids_stay_their_own)
{
    sl_db *db = example_db();
    const sl_id ids[] = {1, 2};
    expect_team(db, ids, SL_TEAM_ANY, TMON, TNOW,
                STARTS({"2026-01-05T09:00:00Z", WHO(1)}, {"2026-01-05T09:30:00Z", WHO(2)},
                       {"2026-01-05T10:00:00Z", WHO(1)}, {"2026-01-05T10:30:00Z", WHO(2)},
                       {"2026-01-05T11:00:00Z", WHO(1)}));
    /* Their grids never meet: no collective start, though both are
     * available 09:30Z-12:00Z. */
    expect_team(db, ids, SL_TEAM_ALL, TMON, TNOW, NO_STARTS);
    sl_close(db);
}
END_TEST

/* Example 2: tenant 1 and tenant 3 (UTC, Mon 10:00-12:00, step 30 min). */
START_TEST(test_example_any_and_all)
{
    sl_db *db = example_db();
    const sl_id ids[] = {3, 1};
    expect_team(db, ids, SL_TEAM_ANY, TMON, TNOW,
                STARTS({"2026-01-05T09:00:00Z", WHO(1)}, {"2026-01-05T10:00:00Z", WHO(3, 1)}, /* list order */
                       {"2026-01-05T10:30:00Z", WHO(3)}, {"2026-01-05T11:00:00Z", WHO(3, 1)}));
    expect_team(db, ids, SL_TEAM_ALL, TMON, TNOW,
                STARTS({"2026-01-05T10:00:00Z", WHO(3, 1)}, {"2026-01-05T11:00:00Z", WHO(3, 1)}));

    /* Example 3: a session of tenant 3 at 10:00-11:00 takes 10:00 and
     * 10:30 from it (and from the collective). */
    ck_assert_ok_db(db, sl_book(db, NULL, 3, 77, T("2026-01-05T10:00:00Z"), HOUR, 0, NULL, TNOW));
    expect_team(db, ids, SL_TEAM_ANY, TMON, TNOW,
                STARTS({"2026-01-05T09:00:00Z", WHO(1)}, {"2026-01-05T10:00:00Z", WHO(1)},
                       {"2026-01-05T11:00:00Z", WHO(3, 1)}));
    expect_team(db, ids, SL_TEAM_ALL, TMON, TNOW, STARTS({"2026-01-05T11:00:00Z", WHO(3, 1)}));
    /* Example 4: who can teach Monday 10:00Z for an hour? Tenant 1; tenant
     * 3 is taken; tenant 2's grid has no 10:00Z; tenant 9 does not exist. */
    const sl_id all[] = {1, 2, 3, 9};
    sl_free_at_result *f = NULL;
    ck_assert_ok_db(db, sl_free_at(db, &f, all, 4, T("2026-01-05T10:00:00Z"), HOUR, TNOW));
    ck_assert_uint_eq(f->n_tenants, 4);
    ck_assert_int_eq(f->status[0], SL_OK);
    ck_assert_int_eq(f->status[1], SL_EUNAVAILABLE);
    ck_assert_int_eq(f->status[2], SL_ECONFLICT);
    ck_assert_int_eq(f->status[3], SL_ENOTFOUND);
    ck_assert_uint_eq(f->n_free, 1);
    ck_assert_int_eq(f->free[0], 1);
    sl_free(f);
    sl_close(db);
}
END_TEST

/* Example 5: DST. Europe/London 09:00-11:00 local on Sunday 2024-03-31
 * (BST starts at 01:00Z) is 08:00Z-10:00Z, the same as a UTC tenant's
 * 08:00-10:00: the collective gets 08:00Z and 09:00Z. A week earlier
 * (GMT), London's 09:00 is 09:00Z: only 09:00Z is shared. */
START_TEST(test_example_dst)
{
    sl_db *db = open_tenant((settings){"Europe/London", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 7, 9 * 60, 11 * 60);
    put_tenant(db, 2, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    add_rule(db, 2, 7, 8 * 60, 10 * 60);
    const sl_id ids[] = {1, 2};
    sl_time now = T("2024-03-01T00:00:00Z");
    expect_team(db, ids, SL_TEAM_ALL, T("2024-03-31T00:00:00Z"), now,
                STARTS({"2024-03-31T08:00:00Z", WHO(1, 2)}, {"2024-03-31T09:00:00Z", WHO(1, 2)}));
    expect_team(db, ids, SL_TEAM_ALL, T("2024-03-24T00:00:00Z"), now, STARTS({"2024-03-24T09:00:00Z", WHO(1, 2)}));
    expect_team(db, ids, SL_TEAM_ANY, T("2024-03-24T00:00:00Z"), now,
                STARTS({"2024-03-24T08:00:00Z", WHO(2)}, {"2024-03-24T09:00:00Z", WHO(1, 2)},
                       {"2024-03-24T10:00:00Z", WHO(1)}));
    sl_close(db);
}
END_TEST

/* ---- property tests ---------------------------------------------------------- */

/* A random tenant `id`: zone, step, buffers, notice, horizon, 1-4 rules
 * on random weekdays, maybe an override, and a few sessions in [lo, hi). */
static void random_tenant(sl_db *db, uint64_t *st, sl_id id, sl_time lo, sl_time hi)
{
    static const int64_t steps[] = {0, 0, 15, 20, 30, 45, 60};
    static const int64_t bufs[] = {0, 0, 5, 15};
    static const int64_t notices[] = {0, 0, 60, 1440};
    static const int32_t advs[] = {0, 0, 0, 3, 30};
    const char *tz = zones[rnd(st, N_ZONES)];
    put_tenant(db, id, (settings){tz, steps[rnd(st, 7)] * MINUTE, bufs[rnd(st, 4)] * MINUTE,
                                  bufs[rnd(st, 4)] * MINUTE, notices[rnd(st, 4)] * MINUTE, 0, advs[rnd(st, 5)]});
    size_t nr = 1 + rnd(st, 4);
    for (size_t i = 0; i < nr; i++) {
        int32_t s, e;
        random_window(st, &s, &e);
        for (int32_t wd = 1; wd <= 7; wd++)
            if (rnd(st, 3) != 0)
                ck_assert_ok_db(db, sl_rule_add(db, NULL, id, wd, s, e, SL_DATE_MIN, SL_DATE_MAX, 1));
    }
    if (rnd(st, 3) == 0) {
        sl_window w = {9 * 60, 10 * 60};
        ck_assert_ok_db(db, sl_override_set(db, NULL, id, local_date(tz, lo) + (sl_date)rnd(st, 3), &w,
                                            rnd(st, 2), 1));
    }
    size_t ns = rnd(st, 6);
    for (size_t i = 0; i < ns; i++) {
        sl_time s = lo + (sl_time)rnd(st, (uint64_t)(hi - lo) / (15 * MINUTE)) * 15 * MINUTE;
        ck_assert_ok_db(db, sl_schedule_manual(db, NULL, id, 900 + (sl_id)i, s, (sl_time)(1 + rnd(st, 8)) * 15 * MINUTE,
                                               0, NULL, 1));
    }
}

/* A random team query around a DST change of a random zone. */
typedef struct team_query {
    sl_id ids[12];
    size_t n;
    sl_time from, to, now;
    int64_t dur;
} team_query;

static void random_team(sl_db *db, uint64_t *st, team_query *q, sl_id *next_id, int with_unknown)
{
    static const int64_t durs[] = {20, 30, 45, 60, 90};
    sl_time base = near_change(zones[rnd(st, N_ZONES)], T("2025-01-01T00:00:00Z") + (sl_time)rnd(st, 700) * DAY);
    base -= base % HOUR + (sl_time)rnd(st, 2) * DAY;
    q->from = base;
    q->to = base + (rnd(st, 6) == 0 ? 16 * DAY : (sl_time)(1 + rnd(st, 4)) * DAY);
    q->now = base - DAY + (sl_time)rnd(st, 36) * HOUR;
    q->dur = durs[rnd(st, 5)] * MINUTE;
    q->n = 1 + rnd(st, 6);
    for (size_t i = 0; i < q->n; i++) {
        q->ids[i] = (*next_id)++;
        random_tenant(db, st, q->ids[i], base - DAY, q->to + DAY);
    }
    if (with_unknown && rnd(st, 4) == 0)
        q->ids[q->n++] = 100000 + (sl_id)rnd(st, 1000); /* no such tenant */
}

/* The single-tenant answer: sl_slots, or NULL with *rc = SL_ENOTFOUND. */
static sl_interval *single(sl_db *db, size_t *n, int *rc, sl_id id, const team_query *q)
{
    sl_interval *v = NULL;
    *n = 0;
    *rc = sl_slots_alloc(db, &v, n, NULL, id, q->from, q->to, q->dur, q->now);
    ck_assert_msg(*rc == SL_OK || *rc == SL_ENOTFOUND, "sl_slots_alloc: %s", sl_errmsg(db));
    return v;
}

/* The loop of the property tests: iters (scaled) random teams, their
 * tenants numbered on from 1 in one store, each handed to check with the
 * PRNG; prints "# what: N teams, T counted", T the sum of check's answers. */
typedef long (*team_check)(sl_db *db, const team_query *q, uint64_t *st, uint64_t seed, long it);

static void each_team(const char *what, long iters, team_check check, const char *counted)
{
    uint64_t seed = sl_test_seed(what), st = seed;
    long total = 0;
    iters = sl_test_scale(iters);
    sl_db *db = sl_test_open();
    sl_id next = 1;
    for (long it = 0; it < iters; it++) {
        team_query q;
        random_team(db, &st, &q, &next, 1);
        total += check(db, &q, &st, seed, it);
    }
    fprintf(stderr, "# %s: %ld teams, %ld %s\n", what, iters, total, counted);
    sl_close(db);
}

/* sl_slots_many equals one sl_slots call per tenant; answers the slots compared. */
static long many_vs_single(sl_db *db, const team_query *q, uint64_t *st, uint64_t seed, long it)
{
    (void)st;
    long total = 0;
    sl_many_slots *m = NULL;
    ck_assert_ok_db(db, sl_slots_many(db, &m, q->ids, q->n, q->from, q->to, q->dur, q->now));
    ck_assert_uint_eq(m->n_tenants, q->n);
    ck_assert_uint_eq(m->flags, q->to - q->from > SL_MAX_RANGE_DAYS * DAY ? SL_SLOTS_CLAMPED : 0);
    ck_assert_uint_eq(m->offsets[0], 0);
    ck_assert_uint_eq(m->offsets[q->n], m->n_slots);
    for (size_t i = 0; i < q->n; i++) {
        size_t n;
        int rc;
        sl_interval *v = single(db, &n, &rc, q->ids[i], q);
        ck_assert_int_eq(m->tenants[i], q->ids[i]);
        ck_assert_msg(m->status[i] == rc, "seed %llu it %ld: tenant %lld status %d, single %d",
                      (unsigned long long)seed, it, (long long)q->ids[i], m->status[i], rc);
        ck_assert_msg(m->offsets[i + 1] - m->offsets[i] == n, "seed %llu it %ld: tenant %lld: %zu slots, single %zu",
                      (unsigned long long)seed, it, (long long)q->ids[i],
                      (size_t)(m->offsets[i + 1] - m->offsets[i]), n);
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(m->slots[m->offsets[i] + k].start == v[k].start &&
                              m->slots[m->offsets[i] + k].end == v[k].end,
                          "seed %llu it %ld: tenant %lld slot %zu differs", (unsigned long long)seed, it,
                          (long long)q->ids[i], k);
        total += (long)n;
        sl_free(v);
    }
    sl_free(m);
    return total;
}

START_TEST(test_prop_many_equals_single)
{
    each_team("slots_many vs single", 40, many_vs_single, "slots compared");
}
END_TEST

/* Brute force: does start s appear in tenant i's single answer? */
static int has_start(const sl_interval *v, size_t n, sl_time s)
{
    for (size_t k = 0; k < n; k++)
        if (v[k].start == s)
            return 1;
    return 0;
}

/* Team answers against the brute-force combination of single answers:
 * every start of any tenant, in order; who = the tenants listing it.
 * Answers the starts compared. */
static long check_team(sl_db *db, const team_query *q, int32_t mode, uint64_t seed, long it)
{
    sl_interval *v[12];
    size_t nv[12];
    int rc[12];
    sl_time cand[12 * 2100];
    size_t nc = 0;
    for (size_t i = 0; i < q->n; i++) {
        v[i] = single(db, &nv[i], &rc[i], q->ids[i], q);
        for (size_t k = 0; k < nv[i]; k++)
            if (nc < sizeof(cand) / sizeof(cand[0]))
                cand[nc++] = v[i][k].start;
    }
    /* Sort and dedupe the candidates (insertion sort: small). */
    for (size_t a = 1; a < nc; a++)
        for (size_t b = a; b > 0 && cand[b - 1] > cand[b]; b--) {
            sl_time x = cand[b];
            cand[b] = cand[b - 1];
            cand[b - 1] = x;
        }
    size_t nd = 0;
    for (size_t a = 0; a < nc; a++)
        if (nd == 0 || cand[nd - 1] != cand[a])
            cand[nd++] = cand[a];
    sl_team_avail *t = team(db, q->ids, q->n, q->from, q->to, q->dur, mode, q->now);
    size_t at = 0;
    for (size_t c = 0; c < nd; c++) {
        sl_id who[12];
        size_t nw = 0;
        for (size_t i = 0; i < q->n; i++)
            if (has_start(v[i], nv[i], cand[c]))
                who[nw++] = q->ids[i];
        if (nw == 0 || (mode == SL_TEAM_ALL && nw != q->n))
            continue;
        ck_assert_msg(at < t->n_starts && t->starts[at] == cand[c], "seed %llu it %ld mode %d: start %s missing",
                      (unsigned long long)seed, it, mode, fmt(cand[c]));
        ck_assert_uint_eq(t->offsets[at + 1] - t->offsets[at], nw);
        for (size_t k = 0; k < nw; k++)
            ck_assert_int_eq(t->who[t->offsets[at] + k], who[k]);
        at++;
    }
    ck_assert_msg(at == t->n_starts, "seed %llu it %ld mode %d: %zu starts, brute force %zu",
                  (unsigned long long)seed, it, mode, (size_t)t->n_starts, at);
    sl_free(t);
    for (size_t i = 0; i < q->n; i++)
        sl_free(v[i]);
    return (long)at;
}

static long team_vs_brute_force(sl_db *db, const team_query *q, uint64_t *st, uint64_t seed, long it)
{
    (void)st;
    /* Short ranges so that grids meet often enough for all-of. A team of
     * one tenant listed twice over is refused elsewhere; here, the same
     * tenants with equal grids: all-of = each. */
    long starts = check_team(db, q, SL_TEAM_ANY, seed, it);
    return starts + check_team(db, q, SL_TEAM_ALL, seed, it);
}

START_TEST(test_prop_team_equals_brute_force)
{
    each_team("team any/all vs brute force", 40, team_vs_brute_force, "starts compared");
}
END_TEST

/* free_at against sl_book itself, tried inside a group and undone. */
static int would_book(sl_db *db, sl_id tenant, sl_time start, int64_t dur, sl_time now)
{
    ck_assert_ok_db(db, sl_group_begin(db));
    int rc = sl_book(db, NULL, tenant, 4242, start, dur, 0, NULL, now);
    ck_assert_ok_db(db, sl_group_rollback(db));
    return rc;
}

/* Six probes of sl_free_at against would_book; answers the probes. */
static long free_at_vs_book(sl_db *db, const team_query *q, uint64_t *st, uint64_t seed, long it)
{
    long probes = 0;
    for (int k = 0; k < 6; k++, probes++) {
        /* A listed start of one tenant (when there is one), else any minute. */
        sl_time s = q->from + (sl_time)rnd(st, (uint64_t)(q->to - q->from) / MINUTE) * MINUTE;
        size_t n;
        int rc;
        sl_interval *v = single(db, &n, &rc, q->ids[rnd(st, q->n)], q);
        if (n && k % 2 == 0)
            s = v[rnd(st, n)].start;
        sl_free(v);
        sl_free_at_result *f = NULL;
        ck_assert_ok_db(db, sl_free_at(db, &f, q->ids, q->n, s, q->dur, q->now));
        size_t nfree = 0;
        for (size_t i = 0; i < q->n; i++) {
            int want = would_book(db, q->ids[i], s, q->dur, q->now);
            ck_assert_msg(f->status[i] == want, "seed %llu it %ld: tenant %lld at %s: free_at %s, sl_book %s",
                          (unsigned long long)seed, it, (long long)q->ids[i], fmt(s), sl_strerror(f->status[i]),
                          sl_strerror(want));
            if (want == SL_OK)
                ck_assert_int_eq(f->free[nfree++], q->ids[i]);
        }
        ck_assert_uint_eq(f->n_free, nfree);
        sl_free(f);
    }
    return probes;
}

START_TEST(test_prop_free_at_equals_book)
{
    each_team("free_at vs sl_book", 25, free_at_vs_book, "probes");
}
END_TEST

/* ---- sl_book_any --------------------------------------------------------------- */

/* Tenants 1..4, UTC, every day 08:00-20:00, hourly grid. */
static void put_team(sl_db *db)
{
    for (sl_id t = 1; t <= 4; t++) {
        put_tenant(db, t, (settings){"UTC", 0, 0, 0, 0, 0, 0});
        add_rule_every_day(db, t, 8 * 60, 20 * 60);
    }
}

/* The booking tests' store (a checked fixture): a fresh store with
 * put_team's tenants. */
static sl_db *tdb;

static void book_db_open(void)
{
    tdb = sl_test_open();
    put_team(tdb);
}

static void book_db_close(void)
{
    sl_close(tdb);
}

START_TEST(test_book_any_fairness)
{
    sl_time s = TMON + 7 * DAY + 12 * HOUR;
    /* Blocking sessions within 7 days of s: tenant 1 two, tenant 2 one,
     * tenant 3 one (and one cancelled, which does not count), tenant 4
     * three (one 8 days away, which does not count). */
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 1, 50, s - 2 * DAY, HOUR, 0, NULL, TNOW));
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 1, 50, s + 3 * DAY, HOUR, 0, NULL, TNOW));
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 2, 50, s + 6 * DAY, HOUR, 0, NULL, TNOW));
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 3, 50, s - 6 * DAY, HOUR, 0, NULL, TNOW));
    sl_session c;
    ck_assert_ok_db(tdb, sl_book(tdb, &c, 3, 50, s + DAY, HOUR, 0, NULL, TNOW));
    ck_assert_ok_db(tdb, sl_cancel(tdb, NULL, 3, c.id, TNOW));
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 4, 50, s + 8 * DAY, HOUR, 0, NULL, TNOW));
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 4, 50, s - HOUR, HOUR, 0, NULL, TNOW));
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 4, 50, s + HOUR, HOUR, 0, NULL, TNOW));

    const sl_id ids[] = {4, 3, 1, 2};
    sl_session out;
    /* Tenants 2 and 3 tie at one session: the lower id, 2. */
    ck_assert_ok_db(tdb, sl_book_any(tdb, &out, ids, 4, 7, s, HOUR, 0, "any-1", TNOW));
    ck_assert_int_eq(out.tenant, 2);
    ck_assert_int_eq(out.start, s);
    ck_assert_int_eq(out.replayed, 0);
    /* Now 2 has two sessions and is busy at s: 3 (one session). */
    ck_assert_ok_db(tdb, sl_book_any(tdb, &out, ids, 4, 8, s, HOUR, 0, NULL, TNOW));
    ck_assert_int_eq(out.tenant, 3);
    /* Then 1 (two sessions against 4's two: the lower id), then 4. */
    ck_assert_ok_db(tdb, sl_book_any(tdb, &out, ids, 4, 9, s, HOUR, 0, NULL, TNOW));
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_ok_db(tdb, sl_book_any(tdb, &out, ids, 4, 10, s, HOUR, 0, NULL, TNOW));
    ck_assert_int_eq(out.tenant, 4);
    /* Everyone is taken: SL_ECONFLICT, nothing written. */
    size_t before = count_all(tdb, ids, 4, s);
    ck_assert_fails(tdb, sl_book_any(tdb, &out, ids, 4, 11, s, HOUR, 0, NULL, TNOW), SL_ECONFLICT);
    /* Off every grid: SL_EUNAVAILABLE. */
    ck_assert_fails(tdb, sl_book_any(tdb, &out, ids, 4, 11, s + 30 * MINUTE, HOUR, 0, NULL, TNOW), SL_EUNAVAILABLE);
    ck_assert_uint_eq(count_all(tdb, ids, 4, s), before);

    /* The key replays to the tenant chosen first, though it is busy now. */
    ck_assert_ok_db(tdb, sl_book_any(tdb, &out, ids, 4, 7, s, HOUR, 0, "any-1", TNOW));
    ck_assert_int_eq(out.tenant, 2);
    ck_assert_int_eq(out.replayed, 1);
    /* The same key for another request: SL_EIDEMPOTENCY. */
    ck_assert_fails(tdb, sl_book_any(tdb, &out, ids, 4, 7, s + HOUR, HOUR, 0, "any-1", TNOW), SL_EIDEMPOTENCY);
    const sl_id other[] = {4, 3, 2};
    ck_assert_fails(tdb, sl_book_any(tdb, &out, other, 3, 7, s, HOUR, 0, "any-1", TNOW), SL_EIDEMPOTENCY);
    ck_assert_uint_eq(count_all(tdb, ids, 4, s), before);
}
END_TEST

START_TEST(test_book_any_credits_and_refusals)
{
    sl_time s = TMON + 10 * HOUR;
    const sl_id ids[] = {2, 1};
    sl_session out;
    /* No credits on the chosen tenant's account (1: fewest, lowest):
     * SL_EINSUFFICIENT, nothing written; funded, the hold is on tenant 1. */
    ck_assert_fails(tdb, sl_book_any(tdb, &out, ids, 2, 5, s, HOUR, 2, NULL, TNOW), SL_EINSUFFICIENT);
    ck_assert_uint_eq(count_all(tdb, ids, 2, s), 0);
    fund(tdb, 1, 5, 3);
    ck_assert_ok_db(tdb, sl_book_any(tdb, &out, ids, 2, 5, s, HOUR, 2, NULL, TNOW));
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_int_eq(held(tdb, 1, 5), 2);
    ck_assert_int_gt(out.hold_id, 0);
    /* An unknown tenant anywhere in the list: SL_ENOTFOUND, nothing written. */
    const sl_id with_unknown[] = {2, 99, 1};
    ck_assert_fails(tdb, sl_book_any(tdb, &out, with_unknown, 3, 6, s + HOUR, HOUR, 0, NULL, TNOW), SL_ENOTFOUND);
    ck_assert_msg_has(tdb, "99");
    ck_assert_uint_eq(count_all(tdb, ids, 2, s), 1);
}
END_TEST

/* ---- sl_book_all --------------------------------------------------------------- */

START_TEST(test_book_all)
{
    sl_time s = TMON + 14 * HOUR;
    const sl_id ids[] = {3, 1, 2};
    sl_session out[3];
    size_t failed = 0;
    fund(tdb, 3, 5, 10);
    ck_assert_ok_db(tdb, sl_book_all(tdb, out, &failed, ids, 3, 5, s, HOUR, 4, "all-1", TNOW));
    ck_assert_uint_eq(failed, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].tenant, ids[i]);
        ck_assert_int_eq(out[i].start, s);
        ck_assert_int_eq(out[i].series_id, out[0].id);
        ck_assert_int_eq(out[i].credits, i == 0 ? 4 : 0);
        ck_assert_int_eq(out[i].hold_id != 0, i == 0);
    }
    /* One hold, on the first tenant's account. */
    ck_assert_int_eq(held(tdb, 3, 5), 4);
    ck_assert_int_eq(held(tdb, 1, 5), 0);
    /* Replay: the same sessions. */
    sl_session again[3];
    ck_assert_ok_db(tdb, sl_book_all(tdb, again, NULL, ids, 3, 5, s, HOUR, 4, "all-1", TNOW));
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(again[i].id, out[i].id);
        ck_assert_int_eq(again[i].replayed, 1);
    }
    ck_assert_int_eq(held(tdb, 3, 5), 4);
    ck_assert_fails(tdb, sl_book_all(tdb, again, NULL, ids, 3, 5, s + HOUR, HOUR, 4, "all-1", TNOW), SL_EIDEMPOTENCY);

    /* Tenant 2 taken at s + 2h: nothing is written for 4 and 1 either. */
    const sl_id team2[] = {4, 1, 2};
    ck_assert_ok_db(tdb, sl_book(tdb, NULL, 2, 60, s + 2 * HOUR, HOUR, 0, NULL, TNOW));
    size_t before = count_all(tdb, team2, 3, s);
    ck_assert_fails(tdb, sl_book_all(tdb, out, &failed, team2, 3, 6, s + 2 * HOUR, HOUR, 0, NULL, TNOW), SL_ECONFLICT);
    ck_assert_uint_eq(failed, 2);
    ck_assert_uint_eq(count_all(tdb, team2, 3, s), before);
    /* Off the grid for all: SL_EUNAVAILABLE at index 0. */
    ck_assert_fails(tdb, sl_book_all(tdb, out, &failed, team2, 3, 6, s + 90 * MINUTE, HOUR, 0, NULL, TNOW),
                    SL_EUNAVAILABLE);
    ck_assert_uint_eq(failed, 0);
    /* The hold cannot be placed: nothing written. It is index 0 that
     * refuses, even with the other tenants' accounts funded: the one hold is
     * on (tenants[0], student). */
    fund(tdb, 1, 6, 10);
    fund(tdb, 2, 6, 10);
    ck_assert_fails(tdb, sl_book_all(tdb, out, &failed, team2, 3, 6, s + 3 * HOUR, HOUR, 5, NULL, TNOW),
                    SL_EINSUFFICIENT);
    ck_assert_uint_eq(failed, 0);
    ck_assert_uint_eq(count_all(tdb, team2, 3, s), before);
    /* Unknown tenant: SL_ENOTFOUND at its index. */
    const sl_id unknown[] = {1, 77};
    ck_assert_fails(tdb, sl_book_all(tdb, out, &failed, unknown, 2, 6, s + 3 * HOUR, HOUR, 0, NULL, TNOW),
                    SL_ENOTFOUND);
    ck_assert_uint_eq(failed, 1);
    ck_assert_uint_eq(count_all(tdb, team2, 3, s), before);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------- */

START_TEST(test_bad_lists)
{
    sl_time s = TMON + 10 * HOUR;
    sl_many_slots *m = (sl_many_slots *)(void *)&m;
    sl_team_avail *t = (sl_team_avail *)(void *)&t;
    sl_free_at_result *f = (sl_free_at_result *)(void *)&f;
    sl_session out[2];
    static sl_id big[SL_MAX_TEAM + 1];
    for (size_t i = 0; i <= SL_MAX_TEAM; i++)
        big[i] = (sl_id)i + 1;
    const sl_id dup[] = {1, 2, 3, 2};
    const sl_id neg[] = {1, -2};
    struct {
        const sl_id *ids;
        size_t n;
        const char *needle;
    } bad[] = {{dup, 0, "1..10000"}, {NULL, 3, "NULL"}, {dup, 4, "listed twice (indices 1 and 3)"},
               {neg, 2, "index 1"}, {big, SL_MAX_TEAM + 1, "1..10000"}};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        ck_assert_fails(tdb, sl_slots_many(tdb, &m, bad[k].ids, bad[k].n, s, s + DAY, HOUR, TNOW), SL_EINVAL);
        ck_assert_msg_has(tdb, bad[k].needle);
        ck_assert_ptr_null(m);
        ck_assert_fails(tdb, sl_team_slots(tdb, &t, bad[k].ids, bad[k].n, s, s + DAY, HOUR, SL_TEAM_ANY, TNOW),
                        SL_EINVAL);
        ck_assert_ptr_null(t);
        ck_assert_fails(tdb, sl_free_at(tdb, &f, bad[k].ids, bad[k].n, s, HOUR, TNOW), SL_EINVAL);
        ck_assert_msg_has(tdb, bad[k].needle);
        ck_assert_ptr_null(f);
        ck_assert_fails(tdb, sl_book_any(tdb, out, bad[k].ids, bad[k].n, 5, s, HOUR, 0, NULL, TNOW), SL_EINVAL);
        ck_assert_fails(tdb, sl_book_all(tdb, out, NULL, bad[k].ids, bad[k].n, 5, s, HOUR, 0, NULL, TNOW), SL_EINVAL);
    }
    /* sl_book_all takes at most SL_MAX_TEAM_BOOK tenants. */
    ck_assert_fails(tdb, sl_book_all(tdb, out, NULL, big, SL_MAX_TEAM_BOOK + 1, 5, s, HOUR, 0, NULL, TNOW), SL_EINVAL);
    /* Other arguments. */
    const sl_id ok[] = {1, 2};
    ck_assert_sl(sl_slots_many(NULL, &m, ok, 2, s, s + DAY, HOUR, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_slots_many(tdb, NULL, ok, 2, s, s + DAY, HOUR, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_slots_many(tdb, &m, ok, 2, s + DAY, s, HOUR, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_slots_many(tdb, &m, ok, 2, s, s + DAY, 10, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_team_slots(tdb, &t, ok, 2, s, s + DAY, HOUR, 3, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_free_at(tdb, &f, ok, 2, s, -HOUR, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_book_any(tdb, out, ok, 2, 0, s, HOUR, 0, NULL, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_book_any(tdb, out, ok, 2, 5, s, HOUR, -1, NULL, TNOW), SL_EINVAL);
    ck_assert_fails(tdb, sl_book_all(tdb, out, NULL, ok, 2, 5, s, HOUR, 0, "", TNOW), SL_EINVAL);
    ck_assert_uint_eq(count_all(tdb, ok, 2, s), 0);
    /* Unknown tenants in the read calls: their status, nothing about them. */
    const sl_id some[] = {2, 404};
    ck_assert_ok_db(tdb, sl_slots_many(tdb, &m, some, 2, s, s + DAY, HOUR, TNOW));
    ck_assert_int_eq(m->status[0], SL_OK);
    ck_assert_int_eq(m->status[1], SL_ENOTFOUND);
    ck_assert_uint_eq(m->offsets[2] - m->offsets[1], 0);
    ck_assert_uint_gt(m->n_slots, 0);
    sl_free(m);
    ck_assert_ok_db(tdb, sl_team_slots(tdb, &t, some, 2, s, s + DAY, HOUR, SL_TEAM_ALL, TNOW));
    ck_assert_uint_eq(t->n_starts, 0);
    sl_free(t);
}
END_TEST

/* ---- many processes (sqlite-file, postgres) ------------------------------------ */

#define PROCS 8
#define TEAM 4

/* A handle on target that waits up to 30 s for a lock; NULL when it
 * cannot open (a child reports that by its exit status). */
static sl_db *try_open(const char *target)
{
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 30000;
    sl_db *db = NULL;
    return sl_open(&db, target, &o) == SL_OK ? db : NULL;
}

static sl_db *open_target(const char *target)
{
    sl_db *db = try_open(target);
    ck_assert_msg(db != NULL, "sl_open %s: %s", target, sl_errmsg(NULL));
    return db;
}

/* The store every process of a test opens (sl_test_shared_target: NULL
 * for the private backends), holding put_team's tenants; *db is a handle
 * on it. */
static char *shared_team(sl_db **db)
{
    char *target = sl_test_shared_target("teams.db");
    if (!target)
        return NULL;
    *db = open_target(target);
    put_team(*db);
    return target;
}

typedef struct proc_report {
    int32_t rc[6];
    sl_id tenant[6];
    sl_id session[6];
    char msg[200];
} proc_report;

#define ROUNDS 3 /* starts s, s + 1h, s + 2h */

/* Keeps the first message of a call that neither succeeded nor conflicted. */
static void note_unexpected(proc_report *r, int k, sl_db *db)
{
    if (r->rc[k] != SL_OK && r->rc[k] != SL_ECONFLICT && !r->msg[0])
        snprintf(r->msg, sizeof(r->msg), "%s: %s", sl_strerror(r->rc[k]), sl_errmsg(db));
}

/* Child idx books the team at three starts (student 100 + idx); the last
 * call uses the key "shared", the same in every child. */
static int any_child(int idx, int go, void *ctx, void *report)
{
    proc_report *r = report;
    sl_db *db = try_open(ctx);
    if (!db)
        return 1;
    const sl_id ids[TEAM] = {4, 2, 3, 1};
    sl_test_wait_go(go);
    for (int k = 0; k < ROUNDS + 1; k++) {
        sl_session s;
        memset(&s, 0, sizeof(s));
        sl_time start = TMON + (10 + (k < ROUNDS ? k : ROUNDS + 1)) * HOUR;
        r->rc[k] = sl_book_any(db, &s, ids, TEAM, 100 + idx, start, HOUR, 0, k == ROUNDS ? "shared" : NULL, TNOW);
        r->tenant[k] = s.tenant;
        r->session[k] = s.id;
        note_unexpected(r, k, db);
    }
    sl_close(db);
    return 0;
}

START_TEST(test_processes_book_any)
{
    sl_db *db = NULL;
    char *path = shared_team(&db);
    if (!path)
        return;
    /* Fairness: tenant 3 has one session already, the others none. */
    ck_assert_ok_db(db, sl_book(db, NULL, 3, 1, TMON + 8 * HOUR, HOUR, 0, NULL, TNOW));
    sl_close(db);

    proc_report reps[PROCS];
    memset(reps, 0, sizeof(reps));
    sl_test_fork_children(PROCS, any_child, path, reps, sizeof(reps[0]));

    /* Round k: exactly TEAM bookings, one per tenant; the rest conflict. */
    for (int k = 0; k < ROUNDS; k++) {
        int per[TEAM + 1] = {0}, ok = 0;
        for (int p = 0; p < PROCS; p++) {
            ck_assert_msg(reps[p].rc[k] == SL_OK || reps[p].rc[k] == SL_ECONFLICT, "child %d: %s", p, reps[p].msg);
            if (reps[p].rc[k] == SL_OK) {
                ck_assert(reps[p].tenant[k] >= 1 && reps[p].tenant[k] <= TEAM);
                per[reps[p].tenant[k]]++;
                ok++;
            }
        }
        ck_assert_int_eq(ok, TEAM);
        for (int t = 1; t <= TEAM; t++)
            ck_assert_msg(per[t] == 1, "round %d: tenant %d booked %d times", k, t, per[t]);
    }
    /* The shared key: every child got the same session (the first choice). */
    for (int p = 0; p < PROCS; p++) {
        ck_assert_msg(reps[p].rc[ROUNDS] == SL_OK || reps[p].rc[ROUNDS] == SL_EIDEMPOTENCY, "child %d: %s", p,
                      reps[p].msg);
    }
    sl_id first = 0, tenant = 0;
    for (int p = 0; p < PROCS; p++) {
        if (reps[p].rc[ROUNDS] != SL_OK)
            continue;
        if (!first) {
            first = reps[p].session[ROUNDS];
            tenant = reps[p].tenant[ROUNDS];
        }
        ck_assert_int_eq(reps[p].session[ROUNDS], first);
        ck_assert_int_eq(reps[p].tenant[ROUNDS], tenant);
    }
    /* With no booking around it yet, the one fresh booking under a key
     * went to the fairest tenant the first time: checked in-process. */
    db = open_target(path);
    const sl_id ids[TEAM] = {1, 2, 3, 4};
    ck_assert_uint_eq(count_all(db, ids, TEAM, TMON), 1 + ROUNDS * TEAM + (first ? 1 : 0));
    sl_close(db);
}
END_TEST

/* Child idx books a collective lesson with team idx % 4 of overlapping
 * teams, at one start, all children at once. */
static int all_child(int idx, int go, void *ctx, void *report)
{
    static const sl_id teams[4][3] = {{1, 2, 3}, {3, 4, 0}, {2, 4, 0}, {4, 3, 1}};
    static const size_t sizes[4] = {3, 2, 2, 3};
    proc_report *r = report;
    sl_db *db = try_open(ctx);
    if (!db)
        return 1;
    sl_test_wait_go(go);
    sl_session out[3];
    for (int k = 0; k < 2; k++) {
        int which = (idx + k) % 4;
        r->rc[k] = sl_book_all(db, out, NULL, teams[which], sizes[which], 200 + idx, TMON + (12 + k) * HOUR, HOUR, 0,
                               NULL, TNOW);
        r->tenant[k] = which;
        r->session[k] = r->rc[k] == SL_OK ? out[0].series_id : 0;
        note_unexpected(r, k, db);
    }
    sl_close(db);
    return 0;
}

/* The live sessions of one start, counted per series. */
typedef struct series_count {
    sl_id series[64];
    int n[64];
    size_t k;
} series_count;

static void count_series(series_count *c, const sl_session *s)
{
    if (s->status == SL_STATUS_CANCELLED || s->deleted_at)
        return;
    size_t i = 0;
    while (i < c->k && c->series[i] != s->series_id)
        i++;
    if (i == c->k && c->k < 64)
        c->series[c->k++] = s->series_id;
    if (i < 64)
        c->n[i]++;
}

START_TEST(test_processes_book_all)
{
    sl_db *db = NULL;
    char *path = shared_team(&db);
    if (!path)
        return;
    sl_close(db);

    proc_report reps[PROCS];
    memset(reps, 0, sizeof(reps));
    sl_test_fork_children(PROCS, all_child, path, reps, sizeof(reps[0]));

    db = open_target(path);
    static const size_t sizes[4] = {3, 2, 2, 3};
    for (int k = 0; k < 2; k++) {
        /* Per tenant: at most one session at the start; per series: all
         * of its team's sessions (never part of a lesson). */
        series_count c;
        memset(&c, 0, sizeof(c));
        sl_time st = TMON + (12 + k) * HOUR;
        for (sl_id t = 1; t <= 4; t++) {
            sl_session *v = NULL;
            size_t n = 0;
            ck_assert_ok_db(db, sl_sessions_list(db, &v, &n, t, st, st + HOUR, 0));
            ck_assert_msg(n <= 1, "start %d: tenant %lld has %zu sessions", k, (long long)t, n);
            for (size_t i = 0; i < n; i++)
                count_series(&c, &v[i]);
            sl_free(v);
        }
        int won = 0;
        for (int p = 0; p < PROCS; p++) {
            ck_assert_msg(reps[p].rc[k] == SL_OK || reps[p].rc[k] == SL_ECONFLICT, "child %d: %s", p, reps[p].msg);
            if (reps[p].rc[k] != SL_OK)
                continue;
            won++;
            size_t i = 0;
            while (i < c.k && c.series[i] != reps[p].session[k])
                i++;
            ck_assert_msg(i < c.k && (size_t)c.n[i] == sizes[reps[p].tenant[k]],
                          "start %d: child %d's lesson is partial", k, p);
        }
        ck_assert_int_ge(won, 1);
        ck_assert_uint_eq(c.k, (size_t)won); /* no session outside a winner's lesson */
    }
    sl_close(db);
}
END_TEST

static SL_TEST_TCASE(tcase_examples, "examples", NULL, NULL, 60, test_example_grids_stay_their_own,
                     test_example_any_and_all, test_example_dst)
static SL_TEST_TCASE(tcase_properties, "properties", NULL, NULL, 600, test_prop_many_equals_single,
                     test_prop_team_equals_brute_force, test_prop_free_at_equals_book)
static SL_TEST_TCASE(tcase_booking, "booking", book_db_open, book_db_close, 60, test_book_any_fairness,
                     test_book_any_credits_and_refusals, test_book_all, test_bad_lists)
static SL_TEST_TCASE(tcase_processes, "processes", NULL, NULL, 300, test_processes_book_any,
                     test_processes_book_all)

TCase *tcase_teams_idem(void); /* teams_idem.c: the idempotency messages */
TCase *tcase_teams_refusals(void); /* teams_refusals.c: tenants that cannot answer */
Suite *suite_teams(void);
Suite *suite_teams(void)
{
    static TCase *(*const cases[])(void) = {tcase_examples, tcase_properties, tcase_booking, tcase_teams_idem,
                                            tcase_teams_refusals, tcase_processes, NULL};
    return sl_test_suite("teams", cases);
}
