/*
 * tests/store/many.c - reads over many tenants (sys/store.h *_many): for
 * random rows of several tenants, each read over a list of tenants gives
 * exactly the rows of the one-tenant reads, tenant by tenant in ascending
 * order -- through the core's wrappers, so that a store with the methods
 * (SQLite, PostgreSQL) and one without (memory: the per-tenant fallback)
 * are held to the same answer.
 */
#include "store_test.h"

#define N_TENANTS 6 /* 1..5 exist; 6 has no tenant row */

/* Every row kind, collected in delivery order with its tenant. */
typedef struct rows {
    collected c;
    sl_id tenant[MAXROWS];
} rows;

/* Defines int fn(void *ctx, const T *x), the scan callback that appends x
 * and its tenant to the rows at ctx (r->c.field, within its capacity). */
#define TAKE_FN(fn, T, field)                                                                  \
    static int fn(void *ctx, const T *x)                                                       \
    {                                                                                          \
        rows *r = ctx;                                                                         \
        ck_assert_uint_lt(r->c.n, sizeof(r->c.field) / sizeof(r->c.field[0]));                 \
        r->tenant[r->c.n] = x->tenant;                                                         \
        r->c.field[r->c.n++] = *x;                                                             \
        return 0;                                                                              \
    }

TAKE_FN(take_s, sl_session, sessions)
TAKE_FN(take_r, sl_rule, rules)
TAKE_FN(take_o, sl_override, overrides)

static int take_t(void *ctx, const sl_tenant *x)
{
    rows *r = ctx;
    r->tenant[r->c.n++] = x->id;
    return 0;
}

/* Random rules, overrides and sessions (some deleted, every status). */
static void fill(uint64_t *seed)
{
    wbegin();
    for (sl_id t = 1; t <= N_TENANTS - 1; t++) {
        sl_tenant tn = tenant(t, 900);
        ck_assert_sl(st->tenant_put(st, &tn), SL_OK);
    }
    for (sl_id t = 1; t <= N_TENANTS; t++) {
        for (int i = 0; i < 4; i++) {
            sl_rule r = rule(t, 1 + (int32_t)(sl_test_rand(seed) % 7), 60 * i, 60 * i + 45);
            r.deleted_at = sl_test_rand(seed) % 3 == 0 ? 50 : 0;
            ck_assert_sl(st->rule_put(st, &r), SL_OK);
        }
        for (int i = 0; i < 3; i++) {
            sl_override o = override(t, (sl_date)(20000 + 3 * i + (int32_t)(sl_test_rand(seed) % 3)), 1 + i);
            o.deleted_at = sl_test_rand(seed) % 3 == 0 ? 60 : 0;
            ck_assert_sl(st->override_put(st, &o), SL_OK);
        }
        for (int i = 0; i < 12; i++) {
            sl_session x = session(t, 1, (sl_time)(sl_test_rand(seed) % (20 * DAY)), 3600, NULL);
            x.status = 1 + (int32_t)(sl_test_rand(seed) % 5);
            x.deleted_at = sl_test_rand(seed) % 4 == 0 ? 70 : 0;
            put_session(&x);
        }
    }
    commit();
}

static void same(const rows *a, const rows *b, size_t size, const void *pa, const void *pb, const char *what)
{
    ck_assert_msg(a->c.n == b->c.n, "%s: %zu rows over many tenants, %zu one tenant at a time", what, b->c.n, a->c.n);
    for (size_t i = 0; i < a->c.n; i++) {
        ck_assert_msg(a->tenant[i] == b->tenant[i], "%s: row %zu of tenant %lld, expected %lld", what, i,
                      (long long)b->tenant[i], (long long)a->tenant[i]);
        ck_assert_msg(memcmp((const char *)pa + i * size, (const char *)pb + i * size, size) == 0,
                      "%s: row %zu differs", what, i);
    }
}

START_TEST(test_many_reads_equal_single_reads)
{
    uint64_t seed = sl_test_seed("store many reads");
    fill(&seed);
    const sl_id ids[] = {1, 2, 3, 5, 6, 9}; /* 4 left out, 6 without its tenant row, 9 unknown */
    const size_t n = sizeof(ids) / sizeof(ids[0]);
    const uint32_t session_flags[] = {SCAN_BLOCKING | SL_SCAN_TIMES_ONLY, SCAN_BLOCKING, 0, SL_INCLUDE_DELETED,
                                      SL_SCAN_BLOCKING | SL_SCAN_STATUS(SL_STATUS_CANCELLED),
                                      SL_SCAN_BLOCKING | SL_SCAN_STATUS(SL_STATUS_PENDING)};
    static rows one, many;
    rbegin();
    memset(&one, 0, sizeof(one));
    memset(&many, 0, sizeof(many));
    for (size_t i = 0; i < n; i++) {
        sl_tenant t;
        if (sl__st_tenant_get(db, &t, ids[i]) == SL_OK)
            take_t(&one, &t);
    }
    ck_assert_sl(sl__st_tenants_get_many(db, ids, n, take_t, &many), SL_OK);
    ck_assert_uint_eq(many.c.n, 4);
    same(&one, &many, 0, "", "", "tenants");
    for (uint32_t f = 0; f <= SL_INCLUDE_DELETED; f += SL_INCLUDE_DELETED) {
        memset(&one, 0, sizeof(one));
        memset(&many, 0, sizeof(many));
        for (size_t i = 0; i < n; i++)
            ck_assert_sl(sl__st_rules_scan(db, ids[i], f, take_r, &one), SL_OK);
        ck_assert_sl(sl__st_rules_scan_many(db, ids, n, f, take_r, &many), SL_OK);
        same(&one, &many, sizeof(sl_rule), one.c.rules, many.c.rules, "rules");
        memset(&one, 0, sizeof(one));
        memset(&many, 0, sizeof(many));
        for (size_t i = 0; i < n; i++)
            ck_assert_sl(sl__st_overrides_scan(db, ids[i], 20001, 20007, f, take_o, &one), SL_OK);
        ck_assert_sl(sl__st_overrides_scan_many(db, ids, n, 20001, 20007, f, take_o, &many), SL_OK);
        same(&one, &many, sizeof(sl_override), one.c.overrides, many.c.overrides, "overrides");
    }
    for (size_t k = 0; k < sizeof(session_flags) / sizeof(session_flags[0]); k++) {
        sl_time from = 3 * DAY, to = 12 * DAY;
        memset(&one, 0, sizeof(one));
        memset(&many, 0, sizeof(many));
        for (size_t i = 0; i < n; i++)
            ck_assert_sl(sl__st_sessions_scan(db, ids[i], from, to, session_flags[k], take_s, &one), SL_OK);
        ck_assert_sl(sl__st_sessions_scan_many(db, ids, n, from, to, session_flags[k], take_s, &many), SL_OK);
        ck_assert_msg(one.c.n > 0 || k >= 4, "flags %u: the data set has rows to compare", session_flags[k]);
        same(&one, &many, sizeof(sl_session), one.c.sessions, many.c.sessions, "sessions");
    }
    commit();
}
END_TEST

/* A store that has the methods refuses lists outside 1..SL_STORE_MANY_MAX. */
START_TEST(test_many_reads_refuse_bad_lists)
{
    static sl_id ids[SL_STORE_MANY_MAX + 1];
    rows r;
    if (!st->tenants_get_many) { /* the four come together, or the core falls back for all */
        ck_assert(!st->rules_scan_many && !st->overrides_scan_many && !st->sessions_scan_many);
        return;
    }
    for (size_t i = 0; i <= SL_STORE_MANY_MAX; i++)
        ids[i] = (sl_id)i + 1;
    rbegin();
    memset(&r, 0, sizeof(r));
    ck_assert_sl(st->tenants_get_many(st, ids, 0, take_t, &r), SL_EINVAL);
    ck_assert_sl(st->rules_scan_many(st, ids, SL_STORE_MANY_MAX + 1, 0, take_r, &r), SL_EINVAL);
    ck_assert_sl(st->sessions_scan_many(st, NULL, 3, 0, DAY, 0, take_s, &r), SL_EINVAL);
    ck_assert_sl(st->tenants_get_many(st, ids, SL_STORE_MANY_MAX, take_t, &r), SL_OK);
    ck_assert_uint_eq(r.c.n, 0);
    commit();
}
END_TEST

SL_TEST_TCASE(tcase_store_many, "many", setup, teardown, 0, test_many_reads_equal_single_reads,
              test_many_reads_refuse_bad_lists)
