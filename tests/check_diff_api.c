/*
 * tests/check_diff_api.c - a differential walk over the public API: a
 * seeded random sequence of calls (bookings of every kind, the session
 * status calls, reschedules, soft delete, restore and purge, ledger posts,
 * holds, releases and captures, classes, team bookings, groups opened,
 * committed and rolled back around the other calls, outbox claims, acks,
 * failures and retries, on two tenants and one that does not exist, with
 * a small pool of idempotency keys so that keys collide) is applied to a
 * memory store and a SQLite store side by side, and with the backend
 * argument "postgres" (meson test diff_api_pg, under tests/pg_cluster.sh)
 * to a PostgreSQL store as a third. After every step they must agree on
 * the return code, the error message, every out value, and everything a
 * caller can read back (sessions, slots, balances, accounts, entries with
 * their hashes, holds, classes and seats, outbox counts and events).
 * Only what the library draws at random on every store is normalised:
 * outbox lease tokens and retry waits (diff_api_ops.c).
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
    da_outbox_policy(d, 2);
    put_tenants(d);
    return d;
}

/* SQLite in memory: the same statements as on a file, without waiting
 * for the disk at every step (the store suites cover files). */
static sl_db *open_sqlite(void)
{
    sl_db *d = NULL;
    ck_assert_int_eq(sl_open(&d, ":memory:", NULL), SL_OK);
    da_outbox_policy(d, 2);
    put_tenants(d);
    return d;
}

/* A PostgreSQL store in a fresh schema of $SL_TEST_PG. */
static sl_db *open_postgres(void)
{
    sl_db *d = NULL;
    int rc = sl_open(&d, sl_test_pg_conninfo(), NULL);
    ck_assert_msg(rc == SL_OK, "open postgres: %s: %s", sl_strerror(rc), sl_errmsg(NULL));
    da_outbox_policy(d, 2);
    put_tenants(d);
    return d;
}

/* The stores of one walk: memory (the reference), SQLite, and PostgreSQL
 * when the suite runs with the backend argument "postgres". */
enum { DA_MAX_STORES = 3 };
static const char *const store_names[DA_MAX_STORES] = {"memory", "sqlite", "postgres"};

static int n_stores(void)
{
    return sl_test_backend && strcmp(sl_test_backend, "postgres") == 0 ? 3 : 2;
}

/* The first line where a and b differ, for the report. */
static void first_difference(const char *a, const char *b, const char *name)
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
    fprintf(stderr, "# line %zu:\n#  memory: %.*s\n#  %s: %.*s\n", line, (int)strcspn(la, "\n"), la, name,
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

/* Every store's text equals the memory store's, else the report and a
 * failure naming the store and what differs. */
static void same(const char *what, const da_text *t, int n, const da_step *s, long i, uint64_t seed)
{
    const char *a = t[0].p ? t[0].p : "";
    for (int k = 1; k < n; k++) {
        const char *b = t[k].p ? t[k].p : "";
        if (strcmp(a, b) == 0)
            continue;
        describe(s, i, seed);
        first_difference(a, b, store_names[k]);
        ck_abort_msg("diff_api seed %llu step %ld (%s): the memory and %s stores' %s differ (see the log)",
                     (unsigned long long)seed, i, da_op_name(s->op), store_names[k], what);
    }
}

/* Counts of what the walk reached, so that a walk that stops exercising
 * the library (every call refused) fails instead of passing idly. */
typedef struct da_stats {
    long ok[DA_OPS], tried[DA_OPS];
} da_stats;

/* Every session's outbox events are read back every this many steps (and
 * at the last): a round trip per session is dear on PostgreSQL. */
#define DA_EVENTS_EVERY 8

static void walk(uint64_t seed, long steps, da_stats *st)
{
    int n = n_stores();
    sl_db *db[DA_MAX_STORES] = {open_memory(), open_sqlite(), n > 2 ? open_postgres() : NULL};
    uint64_t rng = seed;
    da_memo memo;
    da_leases leases[DA_MAX_STORES];
    sl_id holds = 8;
    memset(&memo, 0, sizeof(memo));
    memset(leases, 0, sizeof(leases));
    for (long i = 0; i < steps; i++) {
        da_step s;
        da_text t[DA_MAX_STORES];
        int rc[DA_MAX_STORES];
        memset(t, 0, sizeof(t));
        da_draw(&s, &rng, i, &memo);
        for (int k = 0; k < n; k++) {
            rc[k] = da_apply(db[k], &s, &t[k], k == 0 ? &memo : NULL, &leases[k]);
            da_put_message(&t[k], db[k], rc[k]);
        }
        same("return codes, messages or out values", t, n, &s, i, seed);
        st->tried[s.op]++;
        st->ok[s.op] += rc[0] == SL_OK;
        /* Holds up to a little past the highest id the walk has seen (a
         * withdrawal's promotion makes holds the memo does not see). */
        for (unsigned h = 0; h < 8 && h < memo.n_hold; h++)
            holds = memo.hold[h] + 8 > holds ? memo.hold[h] + 8 : holds;
        for (int k = 0; k < n; k++) {
            t[k].n = 0;
            da_dump(db[k], &t[k], s.now, i % DA_EVENTS_EVERY == 0 || i == steps - 1, holds);
        }
        same("readable state", t, n, &s, i, seed);
        for (int k = 0; k < n; k++)
            free(t[k].p);
    }
    for (int k = 0; k < n; k++)
        sl_close(db[k]);
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
    /* At least 200 steps: the quick form's 20 left the floor below to
     * chance (32 kinds of call; 3 successes in 20 failed it once). */
    long walks = getenv("SL_SEED") ? 1 : sl_test_scale(8), steps = sl_test_scale(400) < 200 ? 200 : sl_test_scale(400);
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
