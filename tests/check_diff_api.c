/*
 * tests/check_diff_api.c - a differential walk over the public API: a
 * seeded random sequence of calls (bookings of every kind, the session
 * status calls, reschedules, soft delete and restore, ledger posts, holds,
 * releases and captures, classes, team bookings, on two tenants and one
 * that does not exist, with a small pool of idempotency keys so that keys
 * collide) is applied to a memory store and a SQLite store side by side.
 * After every step the two must agree on the return code, the error
 * message, every out value, and everything a caller can read back
 * (sessions, slots, balances, accounts, entries with their hashes, holds,
 * classes and seats).
 *
 * The seed is printed; SL_SEED=<n> (or SL_TEST_SEED) replays one walk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_api.h"

/* The two tenants: 1 in UTC open all day on a 30-minute grid; 2 in
 * Europe/Berlin, 09:00-17:00 on weekdays, a 10-minute buffer after each
 * session and a one-hour late-cancel window; each with a floor of -2 for
 * student 1 and 12 credits bought by each other student. Rules 1..12
 * exist, so that soft delete and restore of rules change the slots. */
static void put_tenants(sl_db *d)
{
    sl_tenant t;
    ck_assert_int_eq(sl_tenant_init(&t, SL_TENANT_VERSION), SL_OK);
    t.id = 1;
    t.step = 1800;
    ck_assert_ok_db(d, sl_tenant_put(d, &t, DA_NOW0 - 10));
    ck_assert_int_eq(sl_tenant_init(&t, SL_TENANT_VERSION), SL_OK);
    t.id = 2;
    snprintf(t.tz, sizeof(t.tz), "%s", "Europe/Berlin");
    t.buffer_after = 600;
    t.late_cancel = 3600;
    ck_assert_ok_db(d, sl_tenant_put(d, &t, DA_NOW0 - 10));
    for (int32_t wd = 1; wd <= 7; wd++)
        ck_assert_ok_db(d, sl_rule_add(d, NULL, 1, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, DA_NOW0 - 9));
    for (int32_t wd = 1; wd <= 5; wd++)
        ck_assert_ok_db(d, sl_rule_add(d, NULL, 2, wd, 9 * 60, 17 * 60, SL_DATE_MIN, SL_DATE_MAX, DA_NOW0 - 9));
    for (sl_id tenant = 1; tenant <= DA_TENANTS; tenant++) {
        ck_assert_ok_db(d, sl_account_set_floor(d, tenant, 1, -2, DA_NOW0 - 8));
        for (sl_id st = 2; st <= DA_STUDENTS; st++) {
            char key[16];
            snprintf(key, sizeof(key), "fund-%lld", (long long)st);
            ck_assert_ok_db(d, sl_ledger_post(d, NULL, tenant, st, SL_ENTRY_PURCHASE, 12, key, NULL, DA_NOW0 - 8));
        }
    }
}

static sl_db *open_memory(void)
{
    sl_db *d = sl_test_open_on(sl_test_memory_store());
    put_tenants(d);
    return d;
}

/* SQLite in memory: the same statements as on a file, without waiting
 * for the disk at every step (the store suites cover files). */
static sl_db *open_sqlite(void)
{
    sl_db *d = NULL;
    ck_assert_int_eq(sl_open(&d, ":memory:", NULL), SL_OK);
    put_tenants(d);
    return d;
}

/* The first line where a and b differ, for the report. */
static void first_difference(const char *a, const char *b)
{
    size_t line = 1;
    const char *la = a, *lb = b;
    while (*a && *a == *b) {
        if (*a == '\n') {
            line++;
            la = a + 1;
            lb = b + 1;
        }
        a++, b++;
    }
    fprintf(stderr, "# line %zu:\n#  memory: %.*s\n#  sqlite: %.*s\n", line, (int)strcspn(la, "\n"), la,
            (int)strcspn(lb, "\n"), lb);
}

static void describe(const da_step *s, long i, uint64_t seed)
{
    fprintf(stderr, "# diff_api seed %llu, step %ld: %s tenant %lld student %lld id %lld start %lld dur %lld "
                    "amount %lld n %lld key %s now %lld\n",
            (unsigned long long)seed, i, da_op_name(s->op), (long long)s->tenant, (long long)s->student,
            (long long)s->id, (long long)s->start, (long long)s->duration, (long long)s->amount, (long long)s->n,
            s->key ? s->key : "(none)", (long long)s->now);
}

/* Both texts equal, else the report and a failure naming what differs. */
static void same(const char *what, const da_text *m, const da_text *q, const da_step *s, long i, uint64_t seed)
{
    const char *a = m->p ? m->p : "", *b = q->p ? q->p : "";
    if (strcmp(a, b) == 0)
        return;
    describe(s, i, seed);
    first_difference(a, b);
    ck_abort_msg("diff_api seed %llu step %ld (%s): the stores' %s differ (see the log)", (unsigned long long)seed,
                 i, da_op_name(s->op), what);
}

/* Counts of what the walk reached, so that a walk that stops exercising
 * the library (every call refused) fails instead of passing idly. */
typedef struct da_stats {
    long ok[DA_OPS], tried[DA_OPS];
} da_stats;

static void walk(uint64_t seed, long steps, da_stats *st)
{
    sl_db *mem = open_memory(), *sql = open_sqlite();
    uint64_t rng = seed;
    da_memo memo;
    memset(&memo, 0, sizeof(memo));
    for (long i = 0; i < steps; i++) {
        da_step s;
        da_text om = {NULL, 0, 0}, oq = {NULL, 0, 0};
        da_draw(&s, &rng, i, &memo);
        int rm = da_apply(mem, &s, &om, &memo), rq = da_apply(sql, &s, &oq, NULL);
        da_printf(&om, "rc %s: %s\n", sl_strerror(rm), rm == SL_OK ? "" : sl_errmsg(mem));
        da_printf(&oq, "rc %s: %s\n", sl_strerror(rq), rq == SL_OK ? "" : sl_errmsg(sql));
        same("return codes, messages or out values", &om, &oq, &s, i, seed);
        st->tried[s.op]++;
        st->ok[s.op] += rm == SL_OK;
        om.n = oq.n = 0;
        da_dump(mem, &om, s.now);
        da_dump(sql, &oq, s.now);
        same("readable state", &om, &oq, &s, i, seed);
        free(om.p);
        free(oq.p);
    }
    sl_close(mem);
    sl_close(sql);
}

static uint64_t walk_seed(void)
{
    const char *env = getenv("SL_SEED");
    if (!env || !*env)
        return sl_test_seed("diff_api");
    uint64_t seed = strtoull(env, NULL, 0);
    fprintf(stderr, "# diff_api: seed %llu (from SL_SEED)\n", (unsigned long long)seed);
    return seed;
}

START_TEST(test_memory_and_sqlite_agree)
{
    uint64_t seed = walk_seed(), rng = seed;
    long walks = getenv("SL_SEED") ? 1 : sl_test_scale(8), steps = sl_test_scale(400);
    da_stats st;
    memset(&st, 0, sizeof(st));
    for (long w = 0; w < walks; w++) {
        uint64_t one = w == 0 ? seed : sl_test_rand(&rng);
        fprintf(stderr, "# diff_api walk %ld: seed %llu (replay with SL_SEED=%llu)\n", w, (unsigned long long)one,
                (unsigned long long)one);
        walk(one, steps, &st);
    }
    long ok = 0;
    for (int op = 0; op < DA_OPS; op++) {
        fprintf(stderr, "# %-20s %ld of %ld succeeded\n", da_op_name(op), st.ok[op], st.tried[op]);
        ok += st.ok[op];
    }
    /* The walk must do things, not only be refused. */
    ck_assert_int_ge(ok, walks * steps / 5);
}
END_TEST

static SL_TEST_TCASE(tcase_walk, "walk", NULL, NULL, 600, test_memory_and_sqlite_agree)

SL_TEST_SUITE(diff_api, tcase_walk)
