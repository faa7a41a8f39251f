/* tests/store/differential.c - the differential test: memory store vs SQLite store. */
#include "store_test.h"

typedef struct pair {
    sl_db *db[2];
    sl_store *st[2];
} pair;

static void pair_open(pair *p)
{
    ck_assert_int_eq(sl_store_memory_new(&p->st[0]), SL_OK);
    p->db[0] = NULL;
    ck_assert_int_eq(sl_open_store(&p->db[0], p->st[0], NULL), SL_OK);
    if (strcmp(sl_test_backend, "memory") == 0) {
        /* This run tests the memory store; its partner is SQLite. */
        ck_assert_msg(sl_store_sqlite_new(&p->st[1], ":memory:", NULL) == SL_OK, "%s", sl_errmsg(NULL));
        ck_assert_int_eq(sl_open_store(&p->db[1], p->st[1], NULL), SL_OK);
    } else {
        p->st[1] = st;
        p->db[1] = db;
    }
}

static void pair_close(pair *p)
{
    sl_close(p->db[0]);
    if (p->db[1] != db)
        sl_close(p->db[1]);
}

/* Both stores' answers to one call must agree. */
#define BOTH(p, rc, call)                                                                      \
    do {                                                                                       \
        int rc0_, rc1_;                                                                        \
        {                                                                                      \
            sl_store *S = (p)->st[0];                                                          \
            rc0_ = (call);                                                                     \
        }                                                                                      \
        {                                                                                      \
            sl_store *S = (p)->st[1];                                                          \
            rc1_ = (call);                                                                     \
        }                                                                                      \
        ck_assert_msg(rc0_ == rc1_, "step %ld: %s: memory %s, %s %s", step, #call,             \
                      sl_strerror(rc0_), sl_test_backend, sl_strerror(rc1_));                  \
        (rc) = rc0_;                                                                           \
    } while (0)

/* The largest hold id handed out so far by the differential test. */
static sl_id diff_max_hold;

/* The answers r0, r1 of one keyed lookup on both stores: where both found
 * a record (x, y: size bytes each), the records are the same; not found
 * counts as SL_OK. */
static void same_keyed(int *r0, int *r1, const void *x, const void *y, size_t size, long step, const char *what,
                       const char *key)
{
    if (*r0 == SL_OK && *r1 == SL_OK)
        ck_assert_msg(memcmp(x, y, size) == 0, "step %ld: %s %s differs", step, what, key);
    *r0 = *r0 == SL_ENOTFOUND ? SL_OK : *r0;
    *r1 = *r1 == SL_ENOTFOUND ? SL_OK : *r1;
}

/* The ledger side of compare_scans: keyed lookups, filtered and paged
 * entry scans, lapsed-hold scans (compared as sets: any order), and every
 * row of both stores byte for byte. */
static void compare_ledger(pair *p, uint64_t *rng, long step)
{
    static lcollected a, b;
    static lsnapshot la, lb;
    for (int q = 0; q < 12; q++) {
        sl_id tenant = 1 + (sl_id)(sl_test_rand(rng) % 3);
        sl_id acct = (sl_id)(sl_test_rand(rng) % 6);
        int64_t after = (int64_t)(sl_test_rand(rng) % 40);
        sl_time before = (sl_time)(sl_test_rand(rng) % 1100);
        char key[16];
        int k = (int)(sl_test_rand(rng) % 4), r0, r1;
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        switch (k) {
        case 0:
            r0 = p->st[0]->entries_scan(p->st[0], tenant, acct, after, collect_entry, &a);
            r1 = p->st[1]->entries_scan(p->st[1], tenant, acct, after, collect_entry, &b);
            break;
        case 1:
            r0 = p->st[0]->holds_expired_scan(p->st[0], tenant, acct, before, collect_hold, &a);
            r1 = p->st[1]->holds_expired_scan(p->st[1], tenant, acct, before, collect_hold, &b);
            sort_ids(&a);
            sort_ids(&b);
            break;
        case 2:
            snprintf(key, sizeof(key), "e%u", (unsigned)(sl_test_rand(rng) % 40));
            r0 = p->st[0]->entry_by_key(p->st[0], &a.entries[0], tenant, key);
            r1 = p->st[1]->entry_by_key(p->st[1], &b.entries[0], tenant, key);
            same_keyed(&r0, &r1, &a.entries[0], &b.entries[0], sizeof(sl_entry), step, "entry_by_key", key);
            break;
        default:
            snprintf(key, sizeof(key), "h%u", (unsigned)(sl_test_rand(rng) % 8));
            r0 = p->st[0]->hold_by_key(p->st[0], &a.holds[0], tenant, key);
            r1 = p->st[1]->hold_by_key(p->st[1], &b.holds[0], tenant, key);
            same_keyed(&r0, &r1, &a.holds[0], &b.holds[0], sizeof(sl_credit_hold), step, "hold_by_key", key);
            break;
        }
        ck_assert_int_eq(r0, SL_OK);
        ck_assert_int_eq(r1, SL_OK);
        ck_assert_msg(a.n == b.n, "step %ld: ledger query %d (tenant %lld, account %lld): %zu rows vs %zu", step,
                      k, (long long)tenant, (long long)acct, a.n, b.n);
        for (size_t i = 0; i < a.n; i++)
            ck_assert_msg(a.ids[i] == b.ids[i], "step %ld: ledger query %d row %zu: %lld vs %lld", step, k, i,
                          (long long)a.ids[i], (long long)b.ids[i]);
        if (k == 0)
            for (size_t i = 0; i < a.n; i++)
                ck_assert(memcmp(&a.entries[i], &b.entries[i], sizeof(sl_entry)) == 0);
        sl_entry l0, l1;
        r0 = p->st[0]->entry_last(p->st[0], &l0, tenant);
        r1 = p->st[1]->entry_last(p->st[1], &l1, tenant);
        ck_assert_int_eq(r0, r1);
        if (r0 == SL_OK)
            ck_assert_msg(memcmp(&l0, &l1, sizeof(l0)) == 0, "step %ld: entry_last differs", step);
    }
    char what[64];
    snprintf(what, sizeof(what), "step %ld", step);
    take_lsnapshot(p->st[0], &la, diff_max_hold);
    take_lsnapshot(p->st[1], &lb, diff_max_hold);
    assert_same_lsnapshot(&la, &lb, what);
}

/* One random ledger write on both stores; the answers must agree. */
static void ledger_op(pair *p, uint64_t *rng, long step, sl_id tenant)
{
    int rc;
    sl_id acct = 1 + (sl_id)(sl_test_rand(rng) % 5);
    int kind = (int)(sl_test_rand(rng) % 100);
    if (kind < 35) { /* append: usually the next seq, sometimes a taken one or a reused key */
        sl_entry l0, l1;
        int r0 = p->st[0]->entry_last(p->st[0], &l0, tenant), r1 = p->st[1]->entry_last(p->st[1], &l1, tenant);
        ck_assert_int_eq(r0, r1);
        int64_t last = r0 == SL_OK ? l0.seq : 0;
        int64_t seq = sl_test_rand(rng) % 8 == 0 ? 1 + (int64_t)(sl_test_rand(rng) % (uint64_t)(last + 1)) : last + 1;
        char key[16];
        snprintf(key, sizeof(key), "e%u", (unsigned)(sl_test_rand(rng) % 40));
        sl_entry e = entry(tenant, acct, seq, key);
        e.kind = 1 + (int32_t)(sl_test_rand(rng) % 6);
        e.amount = (int64_t)(sl_test_rand(rng) % 201) - 100;
        e.hold_id = (sl_id)(sl_test_rand(rng) % 3);
        if (sl_test_rand(rng) % 3 == 0)
            e.reference[0] = '\0';
        sl_entry e0 = e, x1 = e;
        r0 = p->st[0]->entry_append(p->st[0], &e0);
        r1 = p->st[1]->entry_append(p->st[1], &x1);
        ck_assert_msg(r0 == r1, "step %ld: entry_append: %s vs %s", step, sl_strerror(r0), sl_strerror(r1));
        ck_assert_int_eq(e0.id, x1.id);
    } else if (kind < 60) { /* insert or replace an account */
        sl_account a = account(tenant, acct, (int64_t)(sl_test_rand(rng) % 1000) - 500);
        a.held = (int64_t)(sl_test_rand(rng) % 50);
        a.updated_at = (sl_time)(sl_test_rand(rng) % 1000);
        BOTH(p, rc, S->account_put(S, &a));
    } else if (kind < 85) { /* insert or replace a hold */
        char key[16] = "";
        if (sl_test_rand(rng) % 2)
            snprintf(key, sizeof(key), "h%u", (unsigned)(sl_test_rand(rng) % 8));
        sl_credit_hold h = hold(tenant, acct, 1 + (int32_t)(sl_test_rand(rng) % 4),
                                (sl_time)(sl_test_rand(rng) % 1000), key);
        if (diff_max_hold > 0 && sl_test_rand(rng) % 2)
            h.id = 1 + (sl_id)(sl_test_rand(rng) % (uint64_t)diff_max_hold);
        sl_credit_hold h0 = h, h1 = h;
        int r0 = p->st[0]->hold_put(p->st[0], &h0), r1 = p->st[1]->hold_put(p->st[1], &h1);
        ck_assert_msg(r0 == r1, "step %ld: hold_put: %s vs %s", step, sl_strerror(r0), sl_strerror(r1));
        ck_assert_int_eq(h0.id, h1.id);
        if (h0.id > diff_max_hold)
            diff_max_hold = h0.id;
    } else if (kind < 92) { /* soft delete or restore an account */
        sl_time when = sl_test_rand(rng) % 3 == 0 ? 0 : 1 + (sl_time)(sl_test_rand(rng) % 1000);
        BOTH(p, rc, S->soft_delete(S, SL_ENTITY_ACCOUNT, tenant, acct, when));
    } else { /* claim a webhook event */
        char source[8], event[8];
        snprintf(source, sizeof(source), "s%u", (unsigned)(sl_test_rand(rng) % 2));
        snprintf(event, sizeof(event), "v%u", (unsigned)(sl_test_rand(rng) % 6));
        BOTH(p, rc, S->webhook_claim(S, tenant, source, event, 7));
    }
    (void)rc;
}

static void compare_scans(pair *p, uint64_t *rng, long step)
{
    static collected a, b;
    const uint32_t flag_sets[] = {0, SL_INCLUDE_DELETED, SCAN_BLOCKING, SCAN_BLOCKING | SL_INCLUDE_DELETED};
    int rc;
    BOTH(p, rc, S->begin(S, 1, 0));
    ck_assert_int_eq(rc, SL_OK);
    for (int q = 0; q < 12; q++) {
        sl_id tenant = 1 + (sl_id)(sl_test_rand(rng) % 3);
        /* On the sessions' 15-minute grid, so that the edges (end == from,
         * start == to) are hit often. */
        sl_time from = (sl_time)(sl_test_rand(rng) % (12 * 96)) * 900 - DAY;
        sl_time to = from + (sl_time)(sl_test_rand(rng) % (3 * 96)) * 900;
        uint32_t flags = flag_sets[sl_test_rand(rng) % 4];
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        int k = (int)(sl_test_rand(rng) % 4);
        sl_id arg = 1 + (sl_id)(sl_test_rand(rng) % 5);
        int r0, r1;
        switch (k) {
        case 0:
            r0 = p->st[0]->sessions_scan(p->st[0], tenant, from, to, flags, collect_session, &a);
            r1 = p->st[1]->sessions_scan(p->st[1], tenant, from, to, flags, collect_session, &b);
            break;
        case 1:
            r0 = p->st[0]->sessions_by_student(p->st[0], tenant, arg, flags, collect_session, &a);
            r1 = p->st[1]->sessions_by_student(p->st[1], tenant, arg, flags, collect_session, &b);
            break;
        case 2:
            r0 = p->st[0]->sessions_by_series(p->st[0], tenant, arg, collect_session, &a);
            r1 = p->st[1]->sessions_by_series(p->st[1], tenant, arg, collect_session, &b);
            break;
        default:
            r0 = p->st[0]->overrides_scan(p->st[0], tenant, (sl_date)(from / DAY), (sl_date)(to / DAY),
                                          flags & SL_INCLUDE_DELETED, collect_override, &a);
            r1 = p->st[1]->overrides_scan(p->st[1], tenant, (sl_date)(from / DAY), (sl_date)(to / DAY),
                                          flags & SL_INCLUDE_DELETED, collect_override, &b);
            break;
        }
        ck_assert_int_eq(r0, SL_OK);
        ck_assert_int_eq(r1, SL_OK);
        ck_assert_msg(a.n == b.n, "step %ld: query %d (tenant %lld, [%lld, %lld), flags %u): %zu rows vs %zu",
                      step, k, (long long)tenant, (long long)from, (long long)to, flags, a.n, b.n);
        for (size_t i = 0; i < a.n; i++)
            ck_assert_msg(a.ids[i] == b.ids[i], "step %ld: query %d row %zu: id %lld vs %lld", step, k, i,
                          (long long)a.ids[i], (long long)b.ids[i]);
    }
    static snapshot sa, sb;
    take_snapshot(p->st[0], &sa);
    take_snapshot(p->st[1], &sb);
    char what[64];
    snprintf(what, sizeof(what), "step %ld", step);
    assert_same_snapshot(&sa, &sb, what);
    compare_ledger(p, rng, step);
    BOTH(p, rc, S->commit(S));
    ck_assert_int_eq(rc, SL_OK);
}

START_TEST(test_differential_random_operations)
{
    uint64_t seed = sl_test_seed("store differential"), rng = seed;
    pair p;
    pair_open(&p);
    long steps = sl_test_scale(400);
    sl_id max_session = 0, max_rule = 0, max_override = 0;
    diff_max_hold = 0;
    for (long step = 0; step < steps; step++) {
        int rc, purge_tx = sl_test_rand(&rng) % 10 == 0;
        BOTH(&p, rc, S->begin(S, purge_tx ? 0 : 1 + (sl_id)(step % 3), 1));
        ck_assert_int_eq(rc, SL_OK);
        int n_ops = 1 + (int)(sl_test_rand(&rng) % 6);
        for (int op = 0; op < n_ops; op++) {
            uint64_t r = sl_test_rand(&rng);
            sl_id tenant = 1 + (sl_id)(r % 3);
            int kind = (int)((r >> 8) % 100);
            if ((r >> 20) % 2) { /* half the operations write the ledger */
                ledger_op(&p, &rng, step, tenant);
                continue;
            }
            if (kind < 40) { /* insert or replace a session */
                char key[16] = "";
                uint64_t kr = sl_test_rand(&rng);
                if (kr % 3 == 0)
                    snprintf(key, sizeof(key), "key%u", (unsigned)(kr >> 8) % 12);
                sl_time start = (sl_time)(sl_test_rand(&rng) % (10 * 96)) * 900;
                int64_t dur = (sl_test_rand(&rng) % 8 == 0) ? DAY : 900 * (1 + (int64_t)(sl_test_rand(&rng) % 16));
                sl_session x = session(tenant, 1 + (sl_id)(sl_test_rand(&rng) % 5), start, dur, key);
                x.status = 1 + (int32_t)(sl_test_rand(&rng) % 5);
                x.series_id = (sl_id)(sl_test_rand(&rng) % 6);
                sl_session x0 = x, x1 = x;
                if (max_session > 0 && kind < 15)
                    x0.id = x1.id = 1 + (sl_id)(sl_test_rand(&rng) % (uint64_t)max_session);
                int r0 = p.st[0]->session_put(p.st[0], &x0), r1 = p.st[1]->session_put(p.st[1], &x1);
                ck_assert_msg(r0 == r1, "step %ld: session_put: %s vs %s (%s)", step, sl_strerror(r0),
                              sl_strerror(r1), sl_errmsg(p.db[1]));
                ck_assert_int_eq(x0.id, x1.id);
                if (x0.id > max_session)
                    max_session = x0.id;
            } else if (kind < 55) { /* soft delete or restore */
                int32_t entity = 1 + (int32_t)(sl_test_rand(&rng) % 3);
                sl_id top = entity == SL_ENTITY_RULE ? max_rule : entity == SL_ENTITY_OVERRIDE ? max_override : max_session;
                sl_id id = 1 + (sl_id)(sl_test_rand(&rng) % (uint64_t)(top + 1));
                sl_time when = sl_test_rand(&rng) % 4 == 0 ? 0 : 1 + (sl_time)(sl_test_rand(&rng) % 1000);
                BOTH(&p, rc, S->soft_delete(S, entity, tenant, id, when));
            } else if (kind < 70) { /* insert or replace a rule */
                sl_rule x = rule(tenant, 1 + (int32_t)(sl_test_rand(&rng) % 7), 0, 60);
                sl_rule x0 = x, x1 = x;
                if (max_rule > 0 && kind < 62)
                    x0.id = x1.id = 1 + (sl_id)(sl_test_rand(&rng) % (uint64_t)max_rule);
                int r0 = p.st[0]->rule_put(p.st[0], &x0), r1 = p.st[1]->rule_put(p.st[1], &x1);
                ck_assert_msg(r0 == r1, "step %ld: rule_put: %s vs %s", step, sl_strerror(r0), sl_strerror(r1));
                ck_assert_int_eq(x0.id, x1.id);
                if (x0.id > max_rule)
                    max_rule = x0.id;
            } else if (kind < 85) { /* insert or replace an override */
                sl_override x = override(tenant, (sl_date)(sl_test_rand(&rng) % 12),
                                         (int32_t)(sl_test_rand(&rng) % 5));
                sl_override x0 = x, x1 = x;
                if (max_override > 0 && kind < 77)
                    x0.id = x1.id = 1 + (sl_id)(sl_test_rand(&rng) % (uint64_t)max_override);
                int r0 = p.st[0]->override_put(p.st[0], &x0), r1 = p.st[1]->override_put(p.st[1], &x1);
                ck_assert_msg(r0 == r1, "step %ld: override_put: %s vs %s", step, sl_strerror(r0),
                              sl_strerror(r1));
                ck_assert_int_eq(x0.id, x1.id);
                if (x0.id > max_override)
                    max_override = x0.id;
            } else { /* purge (any transaction may call it in this test) */
                int32_t entity = 1 + (int32_t)(sl_test_rand(&rng) % 3);
                sl_time before = (sl_time)(sl_test_rand(&rng) % 1200);
                size_t n0 = 0, n1 = 0;
                int r0 = p.st[0]->purge(p.st[0], entity, before, &n0);
                int r1 = p.st[1]->purge(p.st[1], entity, before, &n1);
                ck_assert_int_eq(r0, SL_OK);
                ck_assert_int_eq(r1, SL_OK);
                ck_assert_msg(n0 == n1, "step %ld: purge: %zu vs %zu", step, n0, n1);
            }
        }
        if (sl_test_rand(&rng) % 4 == 0)
            BOTH(&p, rc, S->rollback(S));
        else
            BOTH(&p, rc, S->commit(S));
        ck_assert_int_eq(rc, SL_OK);
        compare_scans(&p, &rng, step);
    }
    pair_close(&p);
}
END_TEST

SL_TEST_TCASE(tcase_store_differential, "differential", setup, teardown, 120,
              test_differential_random_operations)
