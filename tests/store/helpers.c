/* tests/store/helpers.c - the fixture, row builders and collectors: see store_test.h and readback.h. */
#include "store_test.h"
#include "readback.h"

sl_db *db;
sl_store *st;

sl_store *backend_new(const char *file)
{
    int rc;
    sl_store *s = NULL;
    const char *b = sl_test_backend;
    if (strcmp(b, "memory") == 0)
        rc = sl_store_memory_new(&s);
    else if (strcmp(b, "sqlite") == 0)
        rc = sl_store_sqlite_new(&s, ":memory:", NULL);
    else if (strcmp(b, "postgres") == 0)
        rc = sl_store_pg_new(&s, sl_test_pg_conninfo(), NULL);
    else
        rc = sl_store_sqlite_new(&s, sl_test_path(file), NULL);
    ck_assert_msg(rc == SL_OK, "%s: %s", b, sl_errmsg(NULL));
    return s;
}

void setup(void)
{
    st = backend_new("conf.db");
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
}

void teardown(void)
{
    sl_close(db);
    db = NULL;
    st = NULL;
}

sl_tenant tenant(sl_id id, int64_t step)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = id;
    t.step = step;
    t.created_at = 1;
    t.updated_at = 2;
    return t;
}

void wbegin(void)
{
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
}

void rbegin(void)
{
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
}

void commit(void)
{
    ck_assert_sl(st->commit(st), SL_OK);
}

/* Rules, overrides and accounts have no padding: an initializer sets every
 * byte. Sessions, entries and holds do, and rows are compared as bytes
 * (differential.c): their builders zero them with memset first. */
sl_rule rule(sl_id tenant, int32_t weekday, int32_t start_min, int32_t end_min)
{
    return (sl_rule){.version = SL_RULE_VERSION, .tenant = tenant, .weekday = weekday, .start_min = start_min,
                     .end_min = end_min, .valid_from = SL_DATE_MIN, .valid_until = SL_DATE_MAX, .created_at = 10,
                     .updated_at = 11};
}

sl_override override(sl_id tenant, sl_date date, int32_t n)
{
    sl_override o = {.version = SL_OVERRIDE_VERSION, .tenant = tenant, .date = date, .n_windows = n,
                     .created_at = 20, .updated_at = 21};
    for (int32_t i = 0; i < n; i++) {
        o.windows[i].start_min = 60 * i;
        o.windows[i].end_min = 60 * i + 30 + (int32_t)date % 7;
    }
    return o;
}

/* Fills a fingerprint with recognisable bytes: byte i is base + i * step. */
static void fill_bytes(uint8_t *b, size_t n, int64_t base, int64_t step)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(base + (int64_t)i * step);
}

sl_session session(sl_id tenant, sl_id student, sl_time start, int64_t duration, const char *key)
{
    sl_session x;
    memset(&x, 0, sizeof(x));
    x.version = SL_SESSION_VERSION;
    x.status = SL_STATUS_PENDING;
    x.tenant = tenant;
    x.student = student;
    x.start = start;
    x.end = start + duration;
    /* Manual: these tests put overlapping sessions on purpose, and a store
     * may refuse overlapping live blocking sessions of other kinds
     * (PostgreSQL's exclusion constraint; see test_overlap_refusal). */
    x.kind = SL_KIND_MANUAL;
    x.credits = 2;
    x.created_at = 30;
    x.updated_at = 31;
    snprintf(x.key, sizeof(x.key), "%s", key ? key : "");
    fill_bytes(x.request_hash, sizeof(x.request_hash), start, 7);
    return x;
}

/* An inserter puts the row with id 0 through the store method and returns
 * the id the store handed out. */
#define INSERTER(name, type, method)                                                    \
    sl_id name(type *x)                                                                 \
    {                                                                                   \
        x->id = 0;                                                                      \
        ck_assert_sl(st->method(st, x), SL_OK);                                         \
        ck_assert_int_gt(x->id, 0);                                                     \
        return x->id;                                                                   \
    }

INSERTER(put_session, sl_session, session_put)
INSERTER(append, sl_entry, entry_append)
INSERTER(put_hold, sl_credit_hold, hold_put)

/* A collector appends each row to its array and its id to ids[], and
 * returns stop_value at the stop_at-th row. */
#define COLLECTOR(name, type, coll, rows, cap, idfield)                                 \
    int name(void *ctx, const type *x)                                                  \
    {                                                                                   \
        coll *c = ctx;                                                                  \
        ck_assert_uint_lt(c->n, cap);                                                   \
        c->rows[c->n] = *x;                                                             \
        c->ids[c->n++] = x->idfield;                                                    \
        return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;              \
    }

COLLECTOR(collect_session, sl_session, collected, sessions, MAXROWS, id)
COLLECTOR(collect_rule, sl_rule, collected, rules, MAXROWS, id)
COLLECTOR(collect_override, sl_override, collected, overrides, 64, id)
COLLECTOR(collect_entry, sl_entry, lcollected, entries, MAXROWS, seq)
COLLECTOR(collect_account, sl_account, lcollected, accounts, MAXROWS, student)

collected *scan_sessions(sl_id tenant, sl_time from, sl_time to, uint32_t flags)
{
    static collected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_scan(st, tenant, from, to, flags, collect_session, &c), SL_OK);
    return &c;
}

/* Asserts that ids[0..n) are exactly the -1 terminated list in ap. */
static void expect_id_list(const sl_id *ids, size_t n, const char *what, va_list ap)
{
    char got[512] = "", want[512] = "";
    for (sl_id id; (id = va_arg(ap, sl_id)) != -1;) {
        size_t len = strlen(want);
        snprintf(want + len, sizeof(want) - len, " %lld", (long long)id);
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(got);
        snprintf(got + len, sizeof(got) - len, " %lld", (long long)ids[i]);
    }
    ck_assert_msg(strcmp(got, want) == 0, "%s: got [%s ], expected [%s ]", what, got, want);
}

void expect_ids(const collected *c, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    expect_id_list(c->ids, c->n, what, ap);
    va_end(ap);
}

sl_account account(sl_id tenant, sl_id student, int64_t posted)
{
    return (sl_account){.version = SL_ACCOUNT_VERSION, .tenant = tenant, .student = student, .floor = -5,
                        .posted = posted, .held = 3, .created_at = 40, .updated_at = 41};
}

sl_entry entry(sl_id tenant, sl_id acct, int64_t seq, const char *key)
{
    sl_entry e;
    memset(&e, 0, sizeof(e));
    e.version = SL_ENTRY_VERSION;
    e.kind = SL_ENTRY_PURCHASE;
    e.tenant = tenant;
    e.account = acct;
    e.seq = seq;
    e.amount = 10 * seq;
    e.balance_after = 100 + seq;
    e.created_at = 50 + seq;
    snprintf(e.key, sizeof(e.key), "%s", key);
    snprintf(e.reference, sizeof(e.reference), "ref-%lld", (long long)seq);
    fill_bytes(e.request_hash, sizeof(e.request_hash), seq * 3, 1);
    fill_bytes(e.hash, sizeof(e.hash), seq * 5, 11);
    return e;
}

sl_credit_hold hold(sl_id tenant, sl_id acct, int32_t status, sl_time expires_at, const char *key)
{
    sl_credit_hold h;
    memset(&h, 0, sizeof(h));
    h.version = SL_HOLD_VERSION;
    h.status = status;
    h.tenant = tenant;
    h.account = acct;
    h.amount = 4;
    h.expires_at = expires_at;
    h.created_at = 60;
    snprintf(h.key, sizeof(h.key), "%s", key ? key : "");
    fill_bytes(h.request_hash, sizeof(h.request_hash), expires_at, 1);
    return h;
}

int collect_hold(void *ctx, const sl_credit_hold *h)
{
    lcollected *c = ctx;
    ck_assert_uint_lt(c->n, MAXROWS);
    c->holds[c->n] = *h;
    c->ids[c->n++] = h->id;
    if (c->expire) {
        sl_credit_hold x = *h;
        x.status = SL_HOLD_EXPIRED;
        x.resolved_at = x.expires_at;
        ck_assert_sl(c->store->hold_put(c->store, &x), SL_OK);
    }
    return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;
}

const int scan_stops[N_STOPS] = {7, -42, 1};

lcollected *lstop_at_second(int stop)
{
    static lcollected s;
    memset(&s, 0, sizeof(s));
    s.stop_at = 2;
    s.stop_value = stop;
    return &s;
}

void sort_ids(lcollected *c)
{
    for (size_t i = 1; i < c->n; i++)
        for (size_t k = i; k > 0 && c->ids[k - 1] > c->ids[k]; k--) {
            sl_id t = c->ids[k];
            c->ids[k] = c->ids[k - 1];
            c->ids[k - 1] = t;
        }
}

lcollected *scan_entries(sl_id tenant, sl_id acct, int64_t after)
{
    static lcollected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->entries_scan(st, tenant, acct, after, collect_entry, &c), SL_OK);
    return &c;
}

lcollected *scan_accounts(sl_id tenant)
{
    static lcollected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->accounts_scan(st, tenant, collect_account, &c), SL_OK);
    return &c;
}

lcollected *scan_lapsed(sl_id tenant, sl_id acct, sl_time before)
{
    static lcollected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->holds_expired_scan(st, tenant, acct, before, collect_hold, &c), SL_OK);
    sort_ids(&c);
    return &c;
}

void expect_lids(const lcollected *c, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    expect_id_list(c->ids, c->n, what, ap);
    va_end(ap);
}

/* The fields of each record, in declaration order, each with how it is
 * compared: INT (integers), TEXT (strings), BYTES (arrays). */
#define RULE_FIELDS(X) X(INT, version) X(INT, weekday) X(INT, id) X(INT, tenant) X(INT, start_min) \
    X(INT, end_min) X(INT, valid_from) X(INT, valid_until) X(INT, created_at) X(INT, updated_at) X(INT, deleted_at)
#define SESSION_FIELDS(X) X(INT, version) X(INT, status) X(INT, id) X(INT, tenant) X(INT, student) X(INT, start) \
    X(INT, end) X(INT, kind) X(INT, replayed) X(INT, credits) X(INT, hold_id) X(INT, series_id) X(INT, created_at) \
    X(INT, updated_at) X(INT, deleted_at) X(TEXT, key) X(BYTES, request_hash)
#define ACCOUNT_FIELDS(X) X(INT, version) X(INT, reserved) X(INT, tenant) X(INT, student) X(INT, floor) \
    X(INT, posted) X(INT, held) X(INT, created_at) X(INT, updated_at) X(INT, deleted_at)
#define ENTRY_FIELDS(X) X(INT, version) X(INT, kind) X(INT, id) X(INT, tenant) X(INT, account) X(INT, seq) \
    X(INT, amount) X(INT, balance_after) X(INT, hold_id) X(INT, created_at) X(INT, replayed) X(INT, reserved) \
    X(TEXT, key) X(TEXT, reference) X(BYTES, request_hash) X(BYTES, hash)
#define HOLD_FIELDS(X) X(INT, version) X(INT, status) X(INT, id) X(INT, tenant) X(INT, account) X(INT, amount) \
    X(INT, captured) X(INT, expires_at) X(INT, created_at) X(INT, resolved_at) X(INT, entry_id) X(INT, replayed) \
    X(INT, reserved) X(TEXT, key) X(BYTES, request_hash)

#define SAME_INT(f)                                                                                    \
    ck_assert_msg(got->f == want->f, "%s: " #f " is %lld, wrote %lld", what, (long long)got->f,       \
                  (long long)want->f);
#define SAME_TEXT(f) ck_assert_msg(strcmp(got->f, want->f) == 0, "%s: " #f " is \"%s\", wrote \"%s\"", what, \
                                   got->f, want->f);
#define SAME_BYTES(f) ck_assert_msg(memcmp(got->f, want->f, sizeof(got->f)) == 0, "%s: " #f " differs", what);
#define SAME(how, f) SAME_##how(f)
#define EXPECT_SAME(name, type, FIELDS)                                                                \
    void expect_same_##name(const type *got, const type *want, const char *what)                       \
    {                                                                                                  \
        FIELDS(SAME)                                                                                   \
    }

EXPECT_SAME(rule, sl_rule, RULE_FIELDS)
EXPECT_SAME(session, sl_session, SESSION_FIELDS)
EXPECT_SAME(account, sl_account, ACCOUNT_FIELDS)
EXPECT_SAME(entry, sl_entry, ENTRY_FIELDS)
EXPECT_SAME(hold, sl_credit_hold, HOLD_FIELDS)

/* Reads and replaces by id (readback.h). */
#define EXPECT_READBACK(name, type, getter)                                                            \
    void expect_readback_##name(const type *want, sl_id foreign, const char *what)                   \
    {                                                                                                  \
        type got;                                                                                      \
        rbegin();                                                                                      \
        ck_assert_sl(st->getter(st, &got, want->tenant, want->id), SL_OK);                             \
        expect_same_##name(&got, want, what);                                                          \
        ck_assert_sl(st->getter(st, &got, want->tenant + 1, want->id), SL_ENOTFOUND);                  \
        ck_assert_sl(st->getter(st, &got, want->tenant, foreign), SL_ENOTFOUND);                       \
        ck_assert_sl(st->getter(st, &got, want->tenant, 999999), SL_ENOTFOUND);                        \
        commit();                                                                                      \
    }

EXPECT_READBACK(rule, sl_rule, rule_get)
EXPECT_READBACK(session, sl_session, session_get)
EXPECT_READBACK(hold, sl_credit_hold, hold_get)

#define EXPECT_REPLACE(name, type, putter)                                                             \
    void expect_replace_##name(type *x, type ghost, type steal)                                        \
    {                                                                                                  \
        sl_id id = x->id;                                                                              \
        ck_assert_sl(st->putter(st, x), SL_OK);                                                        \
        ck_assert_int_eq(x->id, id);                                                                   \
        ghost.id = 999999;                                                                             \
        steal.tenant = x->tenant;                                                                      \
        ck_assert_sl(st->putter(st, &ghost), SL_ENOTFOUND);                                            \
        ck_assert_sl(st->putter(st, &steal), SL_ENOTFOUND);                                            \
    }

EXPECT_REPLACE(rule, sl_rule, rule_put)
EXPECT_REPLACE(session, sl_session, session_put)
EXPECT_REPLACE(hold, sl_credit_hold, hold_put)
