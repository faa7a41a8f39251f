/*
 * tests/check_store.c - the store conformance suite: written once against
 * slotledger/sys/store.h and run against every backend (runner argv[1]).
 * It drives the vtable directly, the way the core does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/* The core's status set of sessions that block time (lib/sessions/check.c). */
uint32_t sl__blocking_scan(void);
#define SCAN_BLOCKING sl__blocking_scan()

static sl_db *db;
static sl_store *st;

static void setup(void)
{
    int rc;
    const char *b = sl_test_backend;
    if (strcmp(b, "memory") == 0)
        rc = sl_store_memory_new(&st);
    else if (strcmp(b, "sqlite") == 0)
        rc = sl_store_sqlite_new(&st, ":memory:", NULL);
    else
        rc = sl_store_sqlite_new(&st, sl_test_path("conf.db"), NULL);
    ck_assert_msg(rc == SL_OK, "%s: %s", b, sl_errmsg(NULL));
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
}

static void teardown(void)
{
    sl_close(db);
    db = NULL;
    st = NULL;
}

static sl_tenant tenant(sl_id id, int64_t step)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = id;
    t.step = step;
    t.created_at = 1;
    t.updated_at = 2;
    return t;
}

START_TEST(test_absent_row_is_notfound)
{
    sl_tenant out;
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    ck_assert_sl(st->tenant_get(st, &out, 1), SL_ENOTFOUND);
    ck_assert_sl(st->commit(st), SL_OK);
}
END_TEST

START_TEST(test_commit_makes_writes_visible)
{
    sl_tenant t = tenant(3, 900), out;
    ck_assert_sl(st->begin(st, 3, 1), SL_OK);
    ck_assert_sl(st->tenant_put(st, &t), SL_OK);
    ck_assert_sl(st->commit(st), SL_OK);
    ck_assert_sl(st->begin(st, 3, 0), SL_OK);
    ck_assert_sl(st->tenant_get(st, &out, 3), SL_OK);
    ck_assert_sl(st->commit(st), SL_OK);
    ck_assert_int_eq(out.id, 3);
    ck_assert_int_eq(out.step, 900);
    ck_assert_int_eq(out.created_at, 1);
    ck_assert_int_eq(out.updated_at, 2);
    ck_assert_str_eq(out.tz, "UTC");
}
END_TEST

START_TEST(test_rollback_undoes_inserts_and_updates)
{
    sl_tenant a = tenant(1, 600), b = tenant(2, 1200), out;
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    ck_assert_sl(st->tenant_put(st, &a), SL_OK);
    ck_assert_sl(st->commit(st), SL_OK);

    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    a.step = 3600;
    ck_assert_sl(st->tenant_put(st, &a), SL_OK);
    ck_assert_sl(st->tenant_put(st, &b), SL_OK);
    a.step = 7200;
    ck_assert_sl(st->tenant_put(st, &a), SL_OK); /* twice in one transaction */
    ck_assert_sl(st->tenant_get(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.step, 7200); /* a transaction sees its own writes */
    ck_assert_sl(st->rollback(st), SL_OK);

    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    ck_assert_sl(st->tenant_get(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.step, 600);
    ck_assert_sl(st->tenant_get(st, &out, 2), SL_ENOTFOUND);
    ck_assert_sl(st->commit(st), SL_OK);
}
END_TEST

START_TEST(test_many_rows_keep_their_identity)
{
    for (sl_id id = 200; id >= 1; id--) {
        sl_tenant t = tenant(id, 60 * id);
        ck_assert_sl(st->begin(st, id, 1), SL_OK);
        ck_assert_sl(st->tenant_put(st, &t), SL_OK);
        ck_assert_sl(st->commit(st), SL_OK);
    }
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    for (sl_id id = 1; id <= 200; id++) {
        sl_tenant out;
        ck_assert_sl(st->tenant_get(st, &out, id), SL_OK);
        ck_assert_int_eq(out.step, 60 * id);
    }
    ck_assert_sl(st->commit(st), SL_OK);
}
END_TEST

START_TEST(test_store_error_reaches_the_handle)
{
    ck_assert_sl(sl_store_error(st, SL_ESTORE, "disk on fire"), SL_ESTORE);
    ck_assert_str_eq(sl_errmsg(db), "disk on fire");
    ck_assert_int_eq(sl_errcode(db), SL_ESTORE);
    ck_assert_sl(sl_store_error(st, SL_EBUSY, NULL), SL_EBUSY);
    ck_assert_str_eq(sl_errmsg(db), "SL_EBUSY");
}
END_TEST

/* ---- scheduling tables ------------------------------------------------- */

#define DAY 86400
#define MAXROWS 512

static void wbegin(void)
{
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
}

static void rbegin(void)
{
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
}

static void commit(void)
{
    ck_assert_sl(st->commit(st), SL_OK);
}

static sl_rule rule(sl_id tenant, int32_t weekday, int32_t start_min, int32_t end_min)
{
    sl_rule r;
    memset(&r, 0, sizeof(r));
    r.version = SL_RULE_VERSION;
    r.tenant = tenant;
    r.weekday = weekday;
    r.start_min = start_min;
    r.end_min = end_min;
    r.valid_from = SL_DATE_MIN;
    r.valid_until = SL_DATE_MAX;
    r.created_at = 10;
    r.updated_at = 11;
    return r;
}

static sl_override override(sl_id tenant, sl_date date, int32_t n)
{
    sl_override o;
    memset(&o, 0, sizeof(o));
    o.version = SL_OVERRIDE_VERSION;
    o.tenant = tenant;
    o.date = date;
    o.n_windows = n;
    for (int32_t i = 0; i < n; i++) {
        o.windows[i].start_min = 60 * i;
        o.windows[i].end_min = 60 * i + 30 + (int32_t)date % 7;
    }
    o.created_at = 20;
    o.updated_at = 21;
    return o;
}

static sl_session session(sl_id tenant, sl_id student, sl_time start, int64_t duration, const char *key)
{
    sl_session x;
    memset(&x, 0, sizeof(x));
    x.version = SL_SESSION_VERSION;
    x.status = SL_STATUS_PENDING;
    x.tenant = tenant;
    x.student = student;
    x.start = start;
    x.end = start + duration;
    x.kind = SL_KIND_REGULAR;
    x.credits = 2;
    x.created_at = 30;
    x.updated_at = 31;
    snprintf(x.key, sizeof(x.key), "%s", key ? key : "");
    for (size_t i = 0; i < sizeof(x.request_hash); i++)
        x.request_hash[i] = (uint8_t)(start + (int64_t)i * 7);
    return x;
}

static sl_id put_session(sl_session *x)
{
    x->id = 0;
    ck_assert_sl(st->session_put(st, x), SL_OK);
    ck_assert_int_gt(x->id, 0);
    return x->id;
}

/* What a scan delivered: ids in order, and the last rows themselves. */
typedef struct collected {
    size_t n;
    sl_id ids[MAXROWS];
    sl_session sessions[MAXROWS];
    sl_rule rules[MAXROWS];
    sl_override overrides[64];
    int stop_at;   /* return stop_value at the stop_at-th row (1-based), 0 = never */
    int stop_value;
} collected;

static int collect_session(void *ctx, const sl_session *x)
{
    collected *c = ctx;
    ck_assert_uint_lt(c->n, MAXROWS);
    c->sessions[c->n] = *x;
    c->ids[c->n++] = x->id;
    return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;
}

static int collect_rule(void *ctx, const sl_rule *r)
{
    collected *c = ctx;
    ck_assert_uint_lt(c->n, MAXROWS);
    c->rules[c->n] = *r;
    c->ids[c->n++] = r->id;
    return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;
}

static int collect_override(void *ctx, const sl_override *o)
{
    collected *c = ctx;
    ck_assert_uint_lt(c->n, 64);
    c->overrides[c->n] = *o;
    c->ids[c->n++] = o->id;
    return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;
}

static collected *scan_sessions(sl_id tenant, sl_time from, sl_time to, uint32_t flags)
{
    static collected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_scan(st, tenant, from, to, flags, collect_session, &c), SL_OK);
    return &c;
}

/* Asserts that c holds exactly the ids given (-1 terminated). */
static void expect_ids(const collected *c, const char *what, ...)
{
    va_list ap;
    char got[512] = "", want[512] = "";
    va_start(ap, what);
    for (sl_id id; (id = va_arg(ap, sl_id)) != -1;) {
        size_t len = strlen(want);
        snprintf(want + len, sizeof(want) - len, " %lld", (long long)id);
    }
    va_end(ap);
    for (size_t i = 0; i < c->n; i++) {
        size_t len = strlen(got);
        snprintf(got + len, sizeof(got) - len, " %lld", (long long)c->ids[i]);
    }
    ck_assert_msg(strcmp(got, want) == 0, "%s: got [%s ], expected [%s ]", what, got, want);
}
#define IDS(...) __VA_ARGS__, (sl_id)-1 /* arguments must be sl_id */
#define NO_IDS ((sl_id)-1)

START_TEST(test_rule_put_get_replace)
{
    sl_rule a = rule(1, 1, 540, 1020), b = rule(1, 2, 600, 660), c = rule(2, 1, 0, 1440), out;
    wbegin();
    ck_assert_sl(st->rule_put(st, &a), SL_OK);
    ck_assert_sl(st->rule_put(st, &b), SL_OK);
    ck_assert_sl(st->rule_put(st, &c), SL_OK);
    ck_assert_int_gt(a.id, 0);
    ck_assert_int_gt(b.id, a.id);
    ck_assert_int_gt(c.id, b.id);
    commit();

    rbegin();
    ck_assert_sl(st->rule_get(st, &out, 1, b.id), SL_OK);
    ck_assert_int_eq(out.version, SL_RULE_VERSION);
    ck_assert_int_eq(out.id, b.id);
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_int_eq(out.weekday, 2);
    ck_assert_int_eq(out.start_min, 600);
    ck_assert_int_eq(out.end_min, 660);
    ck_assert_int_eq(out.valid_from, SL_DATE_MIN);
    ck_assert_int_eq(out.valid_until, SL_DATE_MAX);
    ck_assert_int_eq(out.created_at, 10);
    ck_assert_int_eq(out.updated_at, 11);
    ck_assert_int_eq(out.deleted_at, 0);
    /* Another tenant's rule does not exist for this tenant. */
    ck_assert_sl(st->rule_get(st, &out, 2, b.id), SL_ENOTFOUND);
    ck_assert_sl(st->rule_get(st, &out, 1, c.id), SL_ENOTFOUND);
    ck_assert_sl(st->rule_get(st, &out, 1, 999999), SL_ENOTFOUND);
    commit();

    wbegin();
    b.start_min = 700;
    b.end_min = 760;
    b.valid_from = 19000;
    b.updated_at = 99;
    sl_id id = b.id;
    ck_assert_sl(st->rule_put(st, &b), SL_OK);
    ck_assert_int_eq(b.id, id); /* a replace keeps the id */
    /* Replacing an unknown id or another tenant's row finds nothing. */
    sl_rule ghost = rule(1, 3, 0, 60), moved = c;
    ghost.id = 999999;
    moved.tenant = 1;
    ck_assert_sl(st->rule_put(st, &ghost), SL_ENOTFOUND);
    ck_assert_sl(st->rule_put(st, &moved), SL_ENOTFOUND);
    commit();

    rbegin();
    ck_assert_sl(st->rule_get(st, &out, 1, id), SL_OK);
    ck_assert_int_eq(out.start_min, 700);
    ck_assert_int_eq(out.valid_from, 19000);
    ck_assert_int_eq(out.updated_at, 99);
    ck_assert_sl(st->rule_get(st, &out, 2, c.id), SL_OK);
    ck_assert_int_eq(out.tenant, 2);
    ck_assert_int_eq(out.start_min, 0);
    commit();
}
END_TEST

START_TEST(test_rules_scan_flags)
{
    sl_rule r[4] = {rule(1, 1, 0, 60), rule(1, 1, 60, 120), rule(2, 1, 0, 60), rule(1, 5, 0, 60)};
    wbegin();
    for (int i = 0; i < 4; i++)
        ck_assert_sl(st->rule_put(st, &r[i]), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 1, r[1].id, 500), SL_OK);
    commit();

    collected c;
    rbegin();
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->rules_scan(st, 1, 0, collect_rule, &c), SL_OK);
    expect_ids(&c, "live rules", IDS(r[0].id, r[3].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->rules_scan(st, 1, SL_INCLUDE_DELETED, collect_rule, &c), SL_OK);
    expect_ids(&c, "all rules", IDS(r[0].id, r[1].id, r[3].id));
    ck_assert_int_eq(c.rules[1].deleted_at, 500);
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->rules_scan(st, 3, SL_INCLUDE_DELETED, collect_rule, &c), SL_OK);
    ck_assert_uint_eq(c.n, 0);
    /* A deleted rule is still readable by id. */
    sl_rule out;
    ck_assert_sl(st->rule_get(st, &out, 1, r[1].id), SL_OK);
    ck_assert_int_eq(out.deleted_at, 500);
    commit();
}
END_TEST

START_TEST(test_override_put_get_scan)
{
    sl_override a = override(1, 20000, 3), b = override(1, 20002, 0), c = override(1, 20005, 48),
                other = override(2, 20000, 1), out;
    wbegin();
    ck_assert_sl(st->override_put(st, &a), SL_OK);
    ck_assert_sl(st->override_put(st, &b), SL_OK);
    ck_assert_sl(st->override_put(st, &c), SL_OK);
    ck_assert_sl(st->override_put(st, &other), SL_OK); /* same date, other tenant: fine */
    ck_assert_int_gt(a.id, 0);
    ck_assert_int_gt(b.id, a.id);
    /* (tenant, date) is unique: a second insert of a date fails, writes nothing. */
    sl_override dup = override(1, 20002, 2);
    ck_assert_sl(st->override_put(st, &dup), SL_EEXISTS);
    ck_assert_int_eq(dup.id, 0);
    commit();

    rbegin();
    ck_assert_sl(st->override_get(st, &out, 1, 20000), SL_OK);
    ck_assert_int_eq(out.version, SL_OVERRIDE_VERSION);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_int_eq(out.n_windows, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out.windows[i].start_min, a.windows[i].start_min);
        ck_assert_int_eq(out.windows[i].end_min, a.windows[i].end_min);
    }
    ck_assert_int_eq(out.windows[3].start_min, 0);
    ck_assert_int_eq(out.created_at, 20);
    ck_assert_sl(st->override_get(st, &out, 1, 20002), SL_OK);
    ck_assert_int_eq(out.n_windows, 0); /* a day off survives */
    ck_assert_sl(st->override_get(st, &out, 1, 20005), SL_OK);
    ck_assert_int_eq(out.n_windows, 48);
    ck_assert_int_eq(out.windows[47].end_min, c.windows[47].end_min);
    ck_assert_sl(st->override_get(st, &out, 1, 20001), SL_ENOTFOUND);
    ck_assert_sl(st->override_get(st, &out, 3, 20000), SL_ENOTFOUND);
    commit();

    /* Replace by id: new windows, and a move to a free date. */
    wbegin();
    a.n_windows = 1;
    a.windows[0] = (sl_window){100, 200};
    ck_assert_sl(st->override_put(st, &a), SL_OK);
    b.date = 20003;
    ck_assert_sl(st->override_put(st, &b), SL_OK);
    /* Moving onto a taken date is a duplicate. */
    sl_override clash = c;
    clash.date = 20000;
    ck_assert_sl(st->override_put(st, &clash), SL_EEXISTS);
    /* Another tenant's override cannot be replaced through this tenant. */
    sl_override steal = other;
    steal.tenant = 1;
    steal.date = 20010;
    ck_assert_sl(st->override_put(st, &steal), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 1, c.id, 77), SL_OK);
    commit();

    collected col;
    rbegin();
    ck_assert_sl(st->override_get(st, &out, 1, 20000), SL_OK);
    ck_assert_int_eq(out.n_windows, 1);
    ck_assert_int_eq(out.windows[0].start_min, 100);
    ck_assert_int_eq(out.windows[1].end_min, 0);
    ck_assert_sl(st->override_get(st, &out, 1, 20002), SL_ENOTFOUND);
    ck_assert_sl(st->override_get(st, &out, 1, 20003), SL_OK);
    ck_assert_int_eq(out.id, b.id);
    ck_assert_sl(st->override_get(st, &out, 1, 20005), SL_OK); /* deleted, still readable */
    ck_assert_int_eq(out.deleted_at, 77);
    memset(&col, 0, sizeof(col));
    ck_assert_sl(st->overrides_scan(st, 1, 20000, 20005, 0, collect_override, &col), SL_OK);
    expect_ids(&col, "live overrides", IDS(a.id, b.id));
    memset(&col, 0, sizeof(col));
    ck_assert_sl(st->overrides_scan(st, 1, 20000, 20005, SL_INCLUDE_DELETED, collect_override, &col), SL_OK);
    expect_ids(&col, "all overrides", IDS(a.id, b.id, c.id));
    memset(&col, 0, sizeof(col));
    /* [from, to] is inclusive at both ends. */
    ck_assert_sl(st->overrides_scan(st, 1, 20003, 20005, SL_INCLUDE_DELETED, collect_override, &col), SL_OK);
    expect_ids(&col, "inclusive range", IDS(b.id, c.id));
    memset(&col, 0, sizeof(col));
    ck_assert_sl(st->overrides_scan(st, 1, 20001, 20002, SL_INCLUDE_DELETED, collect_override, &col), SL_OK);
    ck_assert_uint_eq(col.n, 0);
    commit();
}
END_TEST

START_TEST(test_session_put_get_replace)
{
    sl_session a = session(1, 42, 100000, 3600, "req-1"), b = session(2, 42, 100000, 3600, "req-1"), out;
    a.kind = SL_KIND_TRIAL;
    a.hold_id = 9;
    a.series_id = 5;
    a.credits = -3;
    wbegin();
    put_session(&a);
    put_session(&b); /* the same key in another tenant is another key */
    ck_assert_int_gt(b.id, a.id);
    commit();

    rbegin();
    ck_assert_sl(st->session_get(st, &out, 1, a.id), SL_OK);
    ck_assert_int_eq(out.version, SL_SESSION_VERSION);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_int_eq(out.student, 42);
    ck_assert_int_eq(out.start, 100000);
    ck_assert_int_eq(out.end, 103600);
    ck_assert_int_eq(out.status, SL_STATUS_PENDING);
    ck_assert_int_eq(out.kind, SL_KIND_TRIAL);
    ck_assert_int_eq(out.replayed, 0);
    ck_assert_int_eq(out.credits, -3);
    ck_assert_int_eq(out.hold_id, 9);
    ck_assert_int_eq(out.series_id, 5);
    ck_assert_int_eq(out.created_at, 30);
    ck_assert_int_eq(out.updated_at, 31);
    ck_assert_int_eq(out.deleted_at, 0);
    ck_assert_str_eq(out.key, "req-1");
    ck_assert_mem_eq(out.request_hash, a.request_hash, sizeof(a.request_hash));
    ck_assert_sl(st->session_get(st, &out, 2, a.id), SL_ENOTFOUND);
    ck_assert_sl(st->session_get(st, &out, 1, b.id), SL_ENOTFOUND);
    commit();

    /* Replace: move it (the start is what the memory store sorts by),
     * change status and key. */
    wbegin();
    a.start = 50000;
    a.end = 50000 + DAY;
    a.status = SL_STATUS_CONFIRMED;
    snprintf(a.key, sizeof(a.key), "req-2");
    sl_id id = a.id;
    ck_assert_sl(st->session_put(st, &a), SL_OK);
    ck_assert_int_eq(a.id, id);
    sl_session ghost = session(1, 1, 0, 60, NULL), steal = b;
    ghost.id = 999999;
    steal.tenant = 1;
    ck_assert_sl(st->session_put(st, &ghost), SL_ENOTFOUND);
    ck_assert_sl(st->session_put(st, &steal), SL_ENOTFOUND);
    commit();

    rbegin();
    ck_assert_sl(st->session_get(st, &out, 1, id), SL_OK);
    ck_assert_int_eq(out.start, 50000);
    ck_assert_int_eq(out.end, 50000 + DAY);
    ck_assert_int_eq(out.status, SL_STATUS_CONFIRMED);
    ck_assert_str_eq(out.key, "req-2");
    ck_assert_sl(st->session_by_key(st, &out, 1, "req-1"), SL_ENOTFOUND);
    ck_assert_sl(st->session_by_key(st, &out, 1, "req-2"), SL_OK);
    ck_assert_int_eq(out.id, id);
    expect_ids(scan_sessions(1, 0, 200000, 0), "moved session", IDS(id));
    ck_assert_sl(st->session_get(st, &out, 2, b.id), SL_OK);
    ck_assert_int_eq(out.tenant, 2);
    commit();
}
END_TEST

START_TEST(test_sessions_scan_edges)
{
    const sl_time from = 10 * DAY, to = 10 * DAY + 7200;
    sl_session s1 = session(1, 1, from - 3600, 3600, NULL),   /* ends at from: out */
        s2 = session(1, 1, to, 3600, NULL),                   /* starts at to: out */
        s3 = session(1, 1, from - DAY + 1, DAY, NULL),        /* a day long, 1 s inside: in */
        s4 = session(1, 1, from - DAY, DAY, NULL),            /* a day long, ends at from: out */
        s5 = session(1, 1, from + 600, 600, NULL),            /* inside */
        s6 = session(1, 2, from + 600, 1200, NULL),           /* same start: after s5 by id */
        s7 = session(1, 1, to - 1, 60, NULL),                 /* last second: in */
        s8 = session(2, 1, from + 600, 600, NULL);            /* other tenant: out */
    wbegin();
    /* Insert out of order so that the order comes from the store. */
    put_session(&s7);
    put_session(&s6);
    put_session(&s5);
    put_session(&s1);
    put_session(&s2);
    put_session(&s3);
    put_session(&s4);
    put_session(&s8);
    commit();

    rbegin();
    expect_ids(scan_sessions(1, from, to, 0), "edges", IDS(s3.id, s6.id, s5.id, s7.id));
    /* Equal starts come out by id: s6 was inserted before s5. */
    ck_assert_int_lt(s6.id, s5.id);
    expect_ids(scan_sessions(1, from, from + 1, 0), "first second", IDS(s3.id));
    expect_ids(scan_sessions(1, to, to + 1, 0), "from == old to", IDS(s7.id, s2.id));
    expect_ids(scan_sessions(1, from - DAY - 10, from - DAY + 10, 0), "day-long start", IDS(s4.id, s3.id));
    expect_ids(scan_sessions(2, from, to, 0), "other tenant", IDS(s8.id));
    expect_ids(scan_sessions(3, from, to, 0), "no tenant", NO_IDS);
    commit();
}
END_TEST

START_TEST(test_sessions_scan_flags)
{
    const sl_time t0 = 20 * DAY;
    sl_session s[5], del = session(1, 9, t0 + 50, 60, NULL), delc = session(1, 9, t0 + 60, 60, NULL);
    wbegin();
    for (int i = 0; i < 5; i++) {
        s[i] = session(1, 1, t0 + 10 * i, 600, NULL);
        s[i].status = SL_STATUS_PENDING + i; /* 1..5: cancelled is 3 */
        put_session(&s[i]);
    }
    put_session(&del);
    delc.status = SL_STATUS_CANCELLED;
    put_session(&delc);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, del.id, 5), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, delc.id, 5), SL_OK);
    commit();

    rbegin();
    expect_ids(scan_sessions(1, t0, t0 + DAY, 0), "default: live, any status",
               IDS(s[0].id, s[1].id, s[2].id, s[3].id, s[4].id));
    expect_ids(scan_sessions(1, t0, t0 + DAY, SL_INCLUDE_DELETED), "with deleted",
               IDS(s[0].id, s[1].id, s[2].id, s[3].id, s[4].id, del.id, delc.id));
    expect_ids(scan_sessions(1, t0, t0 + DAY, SCAN_BLOCKING), "blocking",
               IDS(s[0].id, s[1].id, s[3].id, s[4].id));
    expect_ids(scan_sessions(1, t0, t0 + DAY, SCAN_BLOCKING | SL_INCLUDE_DELETED),
               "blocking wins over include-deleted", IDS(s[0].id, s[1].id, s[3].id, s[4].id));
    commit();

    /* Restoring (deleted_at 0) makes a row live again. */
    wbegin();
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, del.id, 0), SL_OK);
    commit();
    rbegin();
    expect_ids(scan_sessions(1, t0, t0 + DAY, SCAN_BLOCKING), "restored blocks",
               IDS(s[0].id, s[1].id, s[3].id, s[4].id, del.id));
    commit();
}
END_TEST

START_TEST(test_session_by_key)
{
    sl_session a = session(1, 1, 1000, 60, "alpha"), b = session(1, 1, 2000, 60, "beta"),
               n1 = session(1, 1, 3000, 60, ""), n2 = session(1, 1, 4000, 60, ""), out;
    char longkey[SL_KEY_MAX + 1];
    memset(longkey, 'k', SL_KEY_MAX);
    longkey[SL_KEY_MAX] = '\0';
    sl_session l = session(1, 1, 5000, 60, longkey);
    wbegin();
    put_session(&a);
    put_session(&b);
    put_session(&n1);
    put_session(&n2); /* "" is "no key": any number of them */
    put_session(&l);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, b.id, 9), SL_OK);
    commit();

    rbegin();
    ck_assert_sl(st->session_by_key(st, &out, 1, "alpha"), SL_OK);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_sl(st->session_by_key(st, &out, 1, "beta"), SL_OK); /* deleted: still found */
    ck_assert_int_eq(out.id, b.id);
    ck_assert_int_eq(out.deleted_at, 9);
    ck_assert_sl(st->session_by_key(st, &out, 1, longkey), SL_OK);
    ck_assert_int_eq(out.id, l.id);
    ck_assert_str_eq(out.key, longkey);
    ck_assert_sl(st->session_by_key(st, &out, 2, "alpha"), SL_ENOTFOUND);
    ck_assert_sl(st->session_by_key(st, &out, 1, "alph"), SL_ENOTFOUND);
    ck_assert_sl(st->session_by_key(st, &out, 1, ""), SL_ENOTFOUND);
    commit();
}
END_TEST

START_TEST(test_duplicate_key_writes_nothing)
{
    sl_session a = session(1, 1, 1000, 60, "k1"), b = session(1, 2, 2000, 60, "k2"), out;
    wbegin();
    put_session(&a);
    put_session(&b);
    commit();

    wbegin();
    sl_session dup = session(1, 3, 3000, 60, "k1");
    ck_assert_sl(st->session_put(st, &dup), SL_EEXISTS);
    ck_assert_int_eq(dup.id, 0); /* no id written back */
    ck_assert_msg(strstr(sl_errmsg(db), "k1") != NULL, "message names the key: %s", sl_errmsg(db));
    /* A replace that takes another session's key fails and changes nothing. */
    sl_session b2 = b;
    b2.start = 9000;
    b2.end = 9060;
    snprintf(b2.key, sizeof(b2.key), "k1");
    ck_assert_sl(st->session_put(st, &b2), SL_EEXISTS);
    /* The transaction is still usable, and the failures left no trace. */
    expect_ids(scan_sessions(1, 0, 100000, SL_INCLUDE_DELETED), "after duplicates", IDS(a.id, b.id));
    ck_assert_sl(st->session_get(st, &out, 1, b.id), SL_OK);
    ck_assert_int_eq(out.start, 2000);
    ck_assert_str_eq(out.key, "k2");
    /* Re-putting a session with its own key is a plain replace. */
    a.status = SL_STATUS_CONFIRMED;
    ck_assert_sl(st->session_put(st, &a), SL_OK);
    sl_session c = session(1, 3, 3000, 60, "k3");
    put_session(&c);
    ck_assert_int_gt(c.id, b.id);
    commit();

    rbegin();
    ck_assert_sl(st->session_by_key(st, &out, 1, "k1"), SL_OK);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_int_eq(out.status, SL_STATUS_CONFIRMED);
    expect_ids(scan_sessions(1, 0, 100000, SL_INCLUDE_DELETED), "committed", IDS(a.id, b.id, c.id));
    commit();
}
END_TEST

START_TEST(test_by_student_and_series)
{
    sl_session s[6];
    wbegin();
    for (int i = 0; i < 6; i++) {
        /* Students 7 and 8 alternate; starts descend so insertion order
         * differs from (start, id) order. */
        s[i] = session(1, 7 + i % 2, 100000 - 1000 * i, 60, NULL);
        s[i].series_id = i < 4 ? 77 : 0;
        put_session(&s[i]);
    }
    sl_session twin = session(1, 7, 100000 - 4000, 60, NULL); /* equal start to s[4] */
    twin.series_id = 77;
    put_session(&twin);
    sl_session other = session(2, 7, 100000, 60, NULL);
    other.series_id = 77;
    put_session(&other);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, s[2].id, 3), SL_OK);
    s[0].status = SL_STATUS_CANCELLED;
    ck_assert_sl(st->session_put(st, &s[0]), SL_OK);
    commit();

    collected c;
    rbegin();
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_student(st, 1, 7, 0, collect_session, &c), SL_OK);
    expect_ids(&c, "student 7 live", IDS(s[4].id, twin.id, s[0].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_student(st, 1, 7, SL_INCLUDE_DELETED, collect_session, &c), SL_OK);
    expect_ids(&c, "student 7 all", IDS(s[4].id, twin.id, s[2].id, s[0].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_student(st, 1, 9, SL_INCLUDE_DELETED, collect_session, &c), SL_OK);
    ck_assert_uint_eq(c.n, 0);
    /* A series is reported whole: deleted and cancelled members too. */
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_series(st, 1, 77, collect_session, &c), SL_OK);
    expect_ids(&c, "series", IDS(twin.id, s[3].id, s[2].id, s[1].id, s[0].id));
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->sessions_by_series(st, 1, 0, collect_session, &c), SL_OK);
    ck_assert_uint_eq(c.n, 0); /* 0 is "no series", not a series */
    commit();
}
END_TEST

START_TEST(test_soft_delete_contract)
{
    sl_rule r = rule(1, 1, 0, 60);
    sl_override o = override(1, 19000, 1);
    sl_session x = session(1, 1, 1000, 60, NULL);
    wbegin();
    ck_assert_sl(st->rule_put(st, &r), SL_OK);
    ck_assert_sl(st->override_put(st, &o), SL_OK);
    put_session(&x);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 2, r.id, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 2, o.id, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 2, x.id, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, 999999, 5), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, 99, 1, x.id, 5), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(db), "99") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 1, r.id, 5), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 1, o.id, 6), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, x.id, 7), SL_OK);
    commit();

    sl_rule ro;
    sl_override oo;
    sl_session so;
    rbegin();
    ck_assert_sl(st->rule_get(st, &ro, 1, r.id), SL_OK);
    ck_assert_sl(st->override_get(st, &oo, 1, 19000), SL_OK);
    ck_assert_sl(st->session_get(st, &so, 1, x.id), SL_OK);
    ck_assert_int_eq(ro.deleted_at, 5);
    ck_assert_int_eq(oo.deleted_at, 6);
    ck_assert_int_eq(so.deleted_at, 7);
    /* Only deleted_at changed. */
    ck_assert_int_eq(so.updated_at, 31);
    ck_assert_int_eq(oo.n_windows, 1);
    commit();
}
END_TEST

/* Everything the store holds for tenants 1..3, as comparable bytes. */
typedef struct snapshot {
    collected rules[3], overrides[3], sessions[3];
} snapshot;

static void take_snapshot(sl_store *s, snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    for (int t = 0; t < 3; t++) {
        ck_assert_sl(s->rules_scan(s, t + 1, SL_INCLUDE_DELETED, collect_rule, &snap->rules[t]), SL_OK);
        ck_assert_sl(s->overrides_scan(s, t + 1, INT32_MIN, INT32_MAX, SL_INCLUDE_DELETED, collect_override,
                                       &snap->overrides[t]), SL_OK);
        ck_assert_sl(s->sessions_scan(s, t + 1, INT64_MIN, INT64_MAX, SL_INCLUDE_DELETED, collect_session,
                                      &snap->sessions[t]), SL_OK);
    }
}

static void assert_same_snapshot(const snapshot *a, const snapshot *b, const char *what)
{
    for (int t = 0; t < 3; t++) {
        ck_assert_msg(a->rules[t].n == b->rules[t].n, "%s: tenant %d: %zu rules vs %zu", what, t + 1,
                      a->rules[t].n, b->rules[t].n);
        ck_assert_msg(memcmp(a->rules[t].rules, b->rules[t].rules, a->rules[t].n * sizeof(sl_rule)) == 0,
                      "%s: tenant %d: rules differ", what, t + 1);
        ck_assert_msg(a->overrides[t].n == b->overrides[t].n, "%s: tenant %d: %zu overrides vs %zu", what,
                      t + 1, a->overrides[t].n, b->overrides[t].n);
        ck_assert_msg(memcmp(a->overrides[t].overrides, b->overrides[t].overrides,
                             a->overrides[t].n * sizeof(sl_override)) == 0,
                      "%s: tenant %d: overrides differ", what, t + 1);
        ck_assert_msg(a->sessions[t].n == b->sessions[t].n, "%s: tenant %d: %zu sessions vs %zu", what,
                      t + 1, a->sessions[t].n, b->sessions[t].n);
        for (size_t i = 0; i < a->sessions[t].n; i++) {
            const sl_session *x = &a->sessions[t].sessions[i], *y = &b->sessions[t].sessions[i];
            ck_assert_msg(x->id == y->id && x->tenant == y->tenant && x->student == y->student &&
                              x->start == y->start && x->end == y->end && x->status == y->status &&
                              x->kind == y->kind && x->replayed == y->replayed && x->credits == y->credits &&
                              x->hold_id == y->hold_id && x->series_id == y->series_id &&
                              x->created_at == y->created_at && x->updated_at == y->updated_at &&
                              x->deleted_at == y->deleted_at && strcmp(x->key, y->key) == 0 &&
                              memcmp(x->request_hash, y->request_hash, sizeof(x->request_hash)) == 0,
                          "%s: tenant %d: session #%zu differs (id %lld vs %lld)", what, t + 1, i,
                          (long long)x->id, (long long)y->id);
        }
    }
}

START_TEST(test_rollback_undoes_every_write)
{
    static snapshot before, after;
    sl_rule r1 = rule(1, 1, 0, 60), r2 = rule(2, 3, 0, 60);
    sl_override o1 = override(1, 19000, 2), o2 = override(1, 19001, 1);
    sl_session s1 = session(1, 1, 1000, 60, "a"), s2 = session(1, 1, 2000, 60, "b"),
               s3 = session(2, 1, 2000, 60, "c");
    wbegin();
    ck_assert_sl(st->rule_put(st, &r1), SL_OK);
    ck_assert_sl(st->rule_put(st, &r2), SL_OK);
    ck_assert_sl(st->override_put(st, &o1), SL_OK);
    ck_assert_sl(st->override_put(st, &o2), SL_OK);
    put_session(&s1);
    put_session(&s2);
    put_session(&s3);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, s2.id, 100), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 2, r2.id, 100), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, 1, o2.id, 100), SL_OK);
    commit();
    rbegin();
    take_snapshot(st, &before);
    commit();

    /* One transaction doing every kind of write, then rolled back. */
    ck_assert_sl(st->begin(st, 0, 1), SL_OK);
    sl_rule r3 = rule(1, 4, 0, 60);
    ck_assert_sl(st->rule_put(st, &r3), SL_OK);                       /* insert */
    r1.end_min = 120;
    ck_assert_sl(st->rule_put(st, &r1), SL_OK);                       /* replace */
    sl_override o3 = override(3, 19000, 4);
    ck_assert_sl(st->override_put(st, &o3), SL_OK);                   /* insert */
    o1.date = 19005;
    o1.n_windows = 0;
    ck_assert_sl(st->override_put(st, &o1), SL_OK);                   /* replace + move */
    sl_session s4 = session(1, 2, 500, 60, "d");
    put_session(&s4);                                                 /* insert */
    s1.start = 50000;
    s1.end = 50060;
    snprintf(s1.key, sizeof(s1.key), "a2");
    ck_assert_sl(st->session_put(st, &s1), SL_OK);                    /* replace + move */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 2, s3.id, 200), SL_OK); /* delete */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, 1, r1.id, 200), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, 1, s2.id, 0), SL_OK);   /* restore */
    size_t n = 0;
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 1000, &n), SL_OK);  /* purge */
    ck_assert_uint_eq(n, 1); /* s3 (deleted at 200); s2 was just restored */
    ck_assert_sl(st->purge(st, SL_ENTITY_RULE, 1000, &n), SL_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_sl(st->purge(st, SL_ENTITY_OVERRIDE, 1000, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    take_snapshot(st, &after);
    ck_assert_int_eq(after.sessions[1].n, 0);
    ck_assert_sl(st->rollback(st), SL_OK);

    rbegin();
    take_snapshot(st, &after);
    commit();
    assert_same_snapshot(&before, &after, "after rollback");

    /* Keys freed by the rolled-back move are still taken; the store works. */
    wbegin();
    sl_session again = session(1, 5, 7000, 60, "a");
    ck_assert_sl(st->session_put(st, &again), SL_EEXISTS);
    snprintf(again.key, sizeof(again.key), "a2");
    put_session(&again);
    commit();
}
END_TEST

START_TEST(test_purge_counts_across_tenants)
{
    sl_session x[8];
    sl_rule r[4];
    sl_override o[4];
    /* deleted_at per row: 0 (live), 100, 249, 250 (not before the cutoff), 400 */
    const sl_time del[4] = {0, 100, 250, 400};
    wbegin();
    for (int i = 0; i < 8; i++) {
        x[i] = session(1 + i % 2, 1, 1000 * i, 60, NULL);
        put_session(&x[i]);
        if (i < 4) {
            r[i] = rule(1 + i % 2, 1, 0, 60);
            ck_assert_sl(st->rule_put(st, &r[i]), SL_OK);
            o[i] = override(1 + i % 2, 19000 + i, 1);
            ck_assert_sl(st->override_put(st, &o[i]), SL_OK);
        }
    }
    for (int i = 0; i < 8; i++) {
        sl_time d = i < 4 ? del[i] : del[i - 4] == 250 ? 249 : del[i - 4];
        if (d)
            ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, x[i].tenant, x[i].id, d), SL_OK);
        if (i < 4 && del[i]) {
            ck_assert_sl(st->soft_delete(st, SL_ENTITY_RULE, r[i].tenant, r[i].id, del[i]), SL_OK);
            ck_assert_sl(st->soft_delete(st, SL_ENTITY_OVERRIDE, o[i].tenant, o[i].id, del[i]), SL_OK);
        }
    }
    commit();

    size_t n = 99;
    ck_assert_sl(st->begin(st, 0, 1), SL_OK);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 250, &n), SL_OK);
    /* sessions deleted at 100 (x1, x5) and 249 (x6): three, in both tenants */
    ck_assert_uint_eq(n, 3);
    ck_assert_sl(st->purge(st, SL_ENTITY_RULE, 250, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_sl(st->purge(st, SL_ENTITY_OVERRIDE, 250, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 250, &n), SL_OK);
    ck_assert_uint_eq(n, 0); /* nothing left to purge */
    ck_assert_sl(st->purge(st, 99, 250, &n), SL_EINVAL);
    commit();

    sl_session so;
    sl_rule ro;
    sl_override oo;
    rbegin();
    for (int i = 0; i < 8; i++) {
        int gone = i == 1 || i == 5 || i == 6;
        ck_assert_sl(st->session_get(st, &so, x[i].tenant, x[i].id), gone ? SL_ENOTFOUND : SL_OK);
    }
    ck_assert_sl(st->rule_get(st, &ro, r[1].tenant, r[1].id), SL_ENOTFOUND);
    ck_assert_sl(st->rule_get(st, &ro, r[2].tenant, r[2].id), SL_OK);
    ck_assert_sl(st->rule_get(st, &ro, r[3].tenant, r[3].id), SL_OK);
    ck_assert_sl(st->override_get(st, &oo, o[1].tenant, o[1].date), SL_ENOTFOUND);
    ck_assert_sl(st->override_get(st, &oo, o[2].tenant, o[2].date), SL_OK);
    commit();

    /* Ids are never reused, even after the largest row was purged. */
    wbegin();
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_SESSION, x[7].tenant, x[7].id, 1), SL_OK);
    commit();
    ck_assert_sl(st->begin(st, 0, 1), SL_OK);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 2, &n), SL_OK);
    ck_assert_uint_eq(n, 1);
    commit();
    wbegin();
    sl_session fresh = session(1, 1, 1, 60, NULL);
    put_session(&fresh);
    ck_assert_int_gt(fresh.id, x[7].id);
    commit();
}
END_TEST

START_TEST(test_callback_stop_passes_through)
{
    sl_session x[3];
    sl_rule r[3];
    sl_override o[3];
    wbegin();
    for (int i = 0; i < 3; i++) {
        x[i] = session(1, 4, 1000 + 100 * i, 60, NULL);
        x[i].series_id = 3;
        put_session(&x[i]);
        r[i] = rule(1, 1 + i, 0, 60);
        ck_assert_sl(st->rule_put(st, &r[i]), SL_OK);
        o[i] = override(1, 19000 + i, 1);
        ck_assert_sl(st->override_put(st, &o[i]), SL_OK);
    }
    commit();

    static const int stops[] = {7, -42, 1};
    rbegin();
    for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
        collected c;
        memset(&c, 0, sizeof(c));
        c.stop_at = 2;
        c.stop_value = stops[k];
        ck_assert_int_eq(st->sessions_scan(st, 1, 0, 10000, 0, collect_session, &c), stops[k]);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->sessions_by_student(st, 1, 4, 0, collect_session, &c), stops[k]);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->sessions_by_series(st, 1, 3, collect_session, &c), stops[k]);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->rules_scan(st, 1, 0, collect_rule, &c), stops[k]);
        ck_assert_uint_eq(c.n, 2);
        c.n = 0;
        ck_assert_int_eq(st->overrides_scan(st, 1, 0, 30000, 0, collect_override, &c), stops[k]);
        ck_assert_uint_eq(c.n, 2);
    }
    /* A stopped scan leaves the store usable (the statement was reset). */
    expect_ids(scan_sessions(1, 0, 10000, 0), "after stops", IDS(x[0].id, x[1].id, x[2].id));
    commit();
}
END_TEST

START_TEST(test_bad_records_are_einval)
{
    sl_session x = session(1, 1, 1000, 60, NULL), out;
    wbegin();
    x.end = x.start; /* empty */
    ck_assert_sl(st->session_put(st, &x), SL_EINVAL);
    x.end = x.start + DAY + 1; /* longer than a day: scans rely on the bound */
    ck_assert_sl(st->session_put(st, &x), SL_EINVAL);
    x = session(1, 1, 1000, 60, NULL);
    memset(x.key, 'z', sizeof(x.key)); /* unterminated */
    ck_assert_sl(st->session_put(st, &x), SL_EINVAL);
    x = session(1, 1, 1000, 60, NULL);
    x.status = 9;
    ck_assert_sl(st->session_put(st, &x), SL_EINVAL);
    x = session(0, 1, 1000, 60, NULL);
    ck_assert_sl(st->session_put(st, &x), SL_EINVAL);
    sl_override o = override(1, 1, 0);
    o.n_windows = SL_MAX_WINDOWS_PER_DAY + 1;
    ck_assert_sl(st->override_put(st, &o), SL_EINVAL);
    o.n_windows = -1;
    ck_assert_sl(st->override_put(st, &o), SL_EINVAL);
    sl_rule r = rule(1, 8, 0, 60);
    ck_assert_sl(st->rule_put(st, &r), SL_EINVAL);
    ck_assert_sl(st->session_by_key(st, &out, 1, NULL), SL_EINVAL);
    size_t n;
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 10, NULL), SL_EINVAL);
    ck_assert_sl(st->purge(st, SL_ENTITY_SESSION, 10, &n), SL_OK);
    commit();
    rbegin();
    expect_ids(scan_sessions(1, INT64_MIN, INT64_MAX, SL_INCLUDE_DELETED), "nothing written", NO_IDS);
    commit();
}
END_TEST

/* ---- ledger tables ------------------------------------------------------ */

static sl_account account(sl_id tenant, sl_id student, int64_t posted)
{
    sl_account a;
    memset(&a, 0, sizeof(a));
    a.version = SL_ACCOUNT_VERSION;
    a.tenant = tenant;
    a.student = student;
    a.floor = -5;
    a.posted = posted;
    a.held = 3;
    a.created_at = 40;
    a.updated_at = 41;
    return a;
}

static sl_entry entry(sl_id tenant, sl_id acct, int64_t seq, const char *key)
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
    for (size_t i = 0; i < sizeof(e.request_hash); i++)
        e.request_hash[i] = (uint8_t)(seq * 3 + (int64_t)i);
    for (size_t i = 0; i < sizeof(e.hash); i++)
        e.hash[i] = (uint8_t)(seq * 5 + (int64_t)i * 11);
    return e;
}

static sl_credit_hold hold(sl_id tenant, sl_id acct, int32_t status, sl_time expires_at, const char *key)
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
    for (size_t i = 0; i < sizeof(h.request_hash); i++)
        h.request_hash[i] = (uint8_t)(expires_at + (int64_t)i);
    return h;
}

static sl_id append(sl_entry *e)
{
    e->id = 0;
    ck_assert_sl(st->entry_append(st, e), SL_OK);
    ck_assert_int_gt(e->id, 0);
    return e->id;
}

static sl_id put_hold(sl_credit_hold *h)
{
    h->id = 0;
    ck_assert_sl(st->hold_put(st, h), SL_OK);
    ck_assert_int_gt(h->id, 0);
    return h->id;
}

/* What a ledger scan delivered; ids[] holds entry seqs or hold ids. */
typedef struct lcollected {
    size_t n;
    sl_id ids[MAXROWS];
    sl_entry entries[MAXROWS];
    sl_credit_hold holds[MAXROWS];
    sl_account accounts[MAXROWS];
    int stop_at;
    int stop_value;
    int expire; /* holds: write each one back expired, as the core does */
    sl_store *store;
} lcollected;

static int collect_entry(void *ctx, const sl_entry *e)
{
    lcollected *c = ctx;
    ck_assert_uint_lt(c->n, MAXROWS);
    c->entries[c->n] = *e;
    c->ids[c->n++] = e->seq;
    return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;
}

static int collect_hold(void *ctx, const sl_credit_hold *h)
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

static int collect_account(void *ctx, const sl_account *a)
{
    lcollected *c = ctx;
    ck_assert_uint_lt(c->n, MAXROWS);
    c->accounts[c->n] = *a;
    c->ids[c->n++] = a->student;
    return c->stop_at && (int)c->n == c->stop_at ? c->stop_value : 0;
}

static void sort_ids(lcollected *c)
{
    for (size_t i = 1; i < c->n; i++)
        for (size_t k = i; k > 0 && c->ids[k - 1] > c->ids[k]; k--) {
            sl_id t = c->ids[k];
            c->ids[k] = c->ids[k - 1];
            c->ids[k - 1] = t;
        }
}

static lcollected *scan_entries(sl_id tenant, sl_id acct, int64_t after)
{
    static lcollected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->entries_scan(st, tenant, acct, after, collect_entry, &c), SL_OK);
    return &c;
}

/* accounts_scan promises student order: the ids are as delivered. */
static lcollected *scan_accounts(sl_id tenant)
{
    static lcollected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->accounts_scan(st, tenant, collect_account, &c), SL_OK);
    return &c;
}

/* holds_expired_scan promises no order: the ids come back sorted. */
static lcollected *scan_lapsed(sl_id tenant, sl_id acct, sl_time before)
{
    static lcollected c;
    memset(&c, 0, sizeof(c));
    ck_assert_sl(st->holds_expired_scan(st, tenant, acct, before, collect_hold, &c), SL_OK);
    sort_ids(&c);
    return &c;
}

/* expect_ids for the ledger's collections. */
static void expect_lids(const lcollected *c, const char *what, ...)
{
    va_list ap;
    char got[512] = "", want[512] = "";
    va_start(ap, what);
    for (sl_id id; (id = va_arg(ap, sl_id)) != -1;) {
        size_t len = strlen(want);
        snprintf(want + len, sizeof(want) - len, " %lld", (long long)id);
    }
    va_end(ap);
    for (size_t i = 0; i < c->n; i++) {
        size_t len = strlen(got);
        snprintf(got + len, sizeof(got) - len, " %lld", (long long)c->ids[i]);
    }
    ck_assert_msg(strcmp(got, want) == 0, "%s: got [%s ], expected [%s ]", what, got, want);
}

START_TEST(test_account_put_get_soft_delete)
{
    sl_account a = account(1, 7, 100), b = account(1, 8, 0), c = account(2, 7, 55), out;
    wbegin();
    ck_assert_sl(st->account_put(st, &a), SL_OK);
    ck_assert_sl(st->account_put(st, &b), SL_OK);
    ck_assert_sl(st->account_put(st, &c), SL_OK); /* same student, other tenant: another account */
    commit();

    rbegin();
    ck_assert_sl(st->account_get(st, &out, 1, 7), SL_OK);
    ck_assert_int_eq(out.version, SL_ACCOUNT_VERSION);
    ck_assert_int_eq(out.reserved, 0);
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_int_eq(out.student, 7);
    ck_assert_int_eq(out.floor, -5);
    ck_assert_int_eq(out.posted, 100);
    ck_assert_int_eq(out.held, 3);
    ck_assert_int_eq(out.created_at, 40);
    ck_assert_int_eq(out.updated_at, 41);
    ck_assert_int_eq(out.deleted_at, 0);
    ck_assert_sl(st->account_get(st, &out, 2, 7), SL_OK);
    ck_assert_int_eq(out.posted, 55);
    ck_assert_sl(st->account_get(st, &out, 2, 8), SL_ENOTFOUND);
    ck_assert_sl(st->account_get(st, &out, 3, 7), SL_ENOTFOUND);
    commit();

    /* Replace: every field as given. */
    wbegin();
    a.posted = INT64_MAX;
    a.held = INT64_MIN;
    a.floor = 0;
    a.created_at = 1;
    a.updated_at = 99;
    ck_assert_sl(st->account_put(st, &a), SL_OK);
    /* Soft delete takes the student as the id. */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 8, 500), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 9, 500), SL_ENOTFOUND);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 3, 7, 500), SL_ENOTFOUND);
    size_t n = 7;
    ck_assert_sl(st->purge(st, SL_ENTITY_ACCOUNT, 1000, &n), SL_EINVAL);
    sl_account bad = account(0, 7, 0);
    ck_assert_sl(st->account_put(st, &bad), SL_EINVAL);
    bad = account(1, 0, 0);
    ck_assert_sl(st->account_put(st, &bad), SL_EINVAL);
    commit();

    rbegin();
    ck_assert_sl(st->account_get(st, &out, 1, 7), SL_OK);
    ck_assert_int_eq(out.posted, INT64_MAX);
    ck_assert_int_eq(out.held, INT64_MIN);
    ck_assert_int_eq(out.floor, 0);
    ck_assert_int_eq(out.created_at, 1);
    ck_assert_int_eq(out.updated_at, 99);
    ck_assert_sl(st->account_get(st, &out, 1, 8), SL_OK); /* deleted: still readable */
    ck_assert_int_eq(out.deleted_at, 500);
    ck_assert_int_eq(out.updated_at, 41); /* only deleted_at changed */
    commit();

    wbegin();
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 8, 0), SL_OK); /* restore */
    commit();
    rbegin();
    ck_assert_sl(st->account_get(st, &out, 1, 8), SL_OK);
    ck_assert_int_eq(out.deleted_at, 0);
    commit();
}
END_TEST

START_TEST(test_accounts_scan_order_and_filters)
{
    /* Inserted out of student order: the order must come from the student. */
    static const sl_id students[] = {9, 3, 7, 1, 5};
    wbegin();
    for (size_t i = 0; i < sizeof(students) / sizeof(students[0]); i++) {
        sl_account a = account(1, students[i], 10 * students[i]);
        ck_assert_sl(st->account_put(st, &a), SL_OK);
    }
    sl_account other = account(2, 4, 44);
    ck_assert_sl(st->account_put(st, &other), SL_OK);
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 7, 500), SL_OK);
    commit();

    rbegin();
    lcollected *c = scan_accounts(1);
    expect_lids(c, "tenant 1", IDS((sl_id)1, (sl_id)3, (sl_id)5, (sl_id)7, (sl_id)9));
    /* Full rows, exactly as account_get reads them; deleted ones included. */
    for (size_t i = 0; i < c->n; i++) {
        sl_account got;
        ck_assert_sl(st->account_get(st, &got, 1, c->ids[i]), SL_OK);
        ck_assert_msg(memcmp(&got, &c->accounts[i], sizeof(got)) == 0, "account %lld differs from account_get",
                      (long long)c->ids[i]);
        ck_assert_int_eq(c->accounts[i].tenant, 1);
        ck_assert_int_eq(c->accounts[i].posted, 10 * c->ids[i]);
        ck_assert_int_eq(c->accounts[i].held, 3);
        ck_assert_int_eq(c->accounts[i].floor, -5);
        ck_assert_int_eq(c->accounts[i].deleted_at, c->ids[i] == 7 ? 500 : 0);
    }
    /* Tenants are isolated. */
    c = scan_accounts(2);
    expect_lids(c, "tenant 2", IDS((sl_id)4));
    ck_assert_int_eq(c->accounts[0].tenant, 2);
    ck_assert_int_eq(c->accounts[0].posted, 44);
    expect_lids(scan_accounts(3), "no accounts", NO_IDS);
    expect_lids(scan_accounts(INT64_MAX), "tenant INT64_MAX", NO_IDS);

    /* A callback's non-zero value stops the scan and is returned. */
    static const int stops[] = {7, -42, 1};
    for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
        static lcollected s;
        memset(&s, 0, sizeof(s));
        s.stop_at = 2;
        s.stop_value = stops[k];
        ck_assert_int_eq(st->accounts_scan(st, 1, collect_account, &s), stops[k]);
        expect_lids(&s, "stopped account scan", IDS((sl_id)1, (sl_id)3));
    }
    expect_lids(scan_accounts(1), "after stops", IDS((sl_id)1, (sl_id)3, (sl_id)5, (sl_id)7, (sl_id)9));
    ck_assert_sl(st->accounts_scan(st, 1, NULL, NULL), SL_EINVAL);
    commit();

    /* A write transaction sees its own writes; rollback undoes them all. */
    wbegin();
    sl_account a = account(1, 4, 4000);
    ck_assert_sl(st->account_put(st, &a), SL_OK);                          /* insert */
    a = account(1, 3, 3000);
    ck_assert_sl(st->account_put(st, &a), SL_OK);                          /* replace */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 7, 0), SL_OK);  /* restore */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 1, 600), SL_OK); /* delete */
    a = account(3, 1, 1);
    ck_assert_sl(st->account_put(st, &a), SL_OK);                          /* another tenant */
    c = scan_accounts(1);
    expect_lids(c, "inside the transaction", IDS((sl_id)1, (sl_id)3, (sl_id)4, (sl_id)5, (sl_id)7, (sl_id)9));
    ck_assert_int_eq(c->accounts[0].deleted_at, 600);
    ck_assert_int_eq(c->accounts[1].posted, 3000);
    ck_assert_int_eq(c->accounts[4].deleted_at, 0);
    expect_lids(scan_accounts(3), "tenant 3 inside", IDS((sl_id)1));
    ck_assert_sl(st->rollback(st), SL_OK);

    rbegin();
    c = scan_accounts(1);
    expect_lids(c, "after rollback", IDS((sl_id)1, (sl_id)3, (sl_id)5, (sl_id)7, (sl_id)9));
    ck_assert_int_eq(c->accounts[0].deleted_at, 0);
    ck_assert_int_eq(c->accounts[1].posted, 30);
    ck_assert_int_eq(c->accounts[3].deleted_at, 500);
    expect_lids(scan_accounts(3), "tenant 3 after rollback", NO_IDS);
    commit();
}
END_TEST

START_TEST(test_entry_append_and_read)
{
    sl_entry e1 = entry(1, 7, 1, "k1"), e2 = entry(1, 8, 2, "k2"), f1 = entry(2, 7, 1, "k1"), out;
    e2.kind = SL_ENTRY_ADJUST;
    e2.amount = -3;
    e2.hold_id = 12;
    e2.reference[0] = '\0';
    char longkey[SL_KEY_MAX + 1], longref[SL_REF_MAX + 1];
    memset(longkey, 'k', SL_KEY_MAX);
    longkey[SL_KEY_MAX] = '\0';
    memset(longref, 'r', SL_REF_MAX);
    longref[SL_REF_MAX] = '\0';
    sl_entry e3 = entry(1, 7, 3, longkey);
    memcpy(e3.reference, longref, sizeof(longref));

    rbegin();
    ck_assert_sl(st->entry_last(st, &out, 1), SL_ENOTFOUND);
    commit();

    wbegin();
    append(&e1);
    append(&f1); /* the same key and seq in another tenant */
    append(&e2);
    append(&e3);
    ck_assert_int_gt(f1.id, e1.id);
    ck_assert_int_gt(e2.id, f1.id);
    ck_assert_int_gt(e3.id, e2.id);
    ck_assert_sl(st->entry_last(st, &out, 1), SL_OK); /* a transaction sees its own appends */
    ck_assert_int_eq(out.id, e3.id);
    commit();

    rbegin();
    ck_assert_sl(st->entry_by_key(st, &out, 1, "k2"), SL_OK);
    ck_assert_int_eq(out.version, SL_ENTRY_VERSION);
    ck_assert_int_eq(out.kind, SL_ENTRY_ADJUST);
    ck_assert_int_eq(out.id, e2.id);
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_int_eq(out.account, 8);
    ck_assert_int_eq(out.seq, 2);
    ck_assert_int_eq(out.amount, -3);
    ck_assert_int_eq(out.balance_after, 102);
    ck_assert_int_eq(out.hold_id, 12);
    ck_assert_int_eq(out.created_at, 52);
    ck_assert_int_eq(out.replayed, 0);
    ck_assert_int_eq(out.reserved, 0);
    ck_assert_str_eq(out.key, "k2");
    ck_assert_str_eq(out.reference, "");
    ck_assert_mem_eq(out.request_hash, e2.request_hash, sizeof(e2.request_hash));
    ck_assert_mem_eq(out.hash, e2.hash, sizeof(e2.hash));
    ck_assert_sl(st->entry_by_key(st, &out, 1, longkey), SL_OK);
    ck_assert_int_eq(out.id, e3.id);
    ck_assert_str_eq(out.key, longkey);
    ck_assert_str_eq(out.reference, longref);
    ck_assert_sl(st->entry_by_key(st, &out, 2, "k1"), SL_OK);
    ck_assert_int_eq(out.id, f1.id);
    ck_assert_sl(st->entry_by_key(st, &out, 2, "k2"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_by_key(st, &out, 1, "k"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_by_key(st, &out, 1, ""), SL_ENOTFOUND);
    ck_assert_sl(st->entry_by_key(st, &out, 1, NULL), SL_EINVAL);
    ck_assert_sl(st->entry_last(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.seq, 3);
    ck_assert_int_eq(out.id, e3.id);
    ck_assert_sl(st->entry_last(st, &out, 2), SL_OK);
    ck_assert_int_eq(out.id, f1.id);
    ck_assert_sl(st->entry_last(st, &out, 3), SL_ENOTFOUND);
    commit();
}
END_TEST

START_TEST(test_entry_duplicates_write_nothing)
{
    sl_entry e1 = entry(1, 7, 1, "k1"), e2 = entry(1, 7, 2, "k2"), out;
    wbegin();
    append(&e1);
    append(&e2);
    commit();

    wbegin();
    sl_entry dup_seq = entry(1, 8, 2, "fresh"), dup_key = entry(1, 8, 3, "k1");
    ck_assert_sl(st->entry_append(st, &dup_seq), SL_EEXISTS);
    ck_assert_int_eq(dup_seq.id, 0); /* no id written back */
    ck_assert_sl(st->entry_append(st, &dup_key), SL_EEXISTS);
    ck_assert_int_eq(dup_key.id, 0);
    ck_assert_msg(strstr(sl_errmsg(db), "k1") != NULL, "message names the key: %s", sl_errmsg(db));
    /* Malformed entries are refused before anything is written. */
    sl_entry bad = entry(1, 7, 3, "b");
    bad.id = 99;
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    bad = entry(1, 7, 3, "");
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    bad = entry(1, 7, 0, "b");
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    bad = entry(0, 7, 3, "b");
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    bad = entry(1, 7, 3, "b");
    bad.kind = 7;
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    bad = entry(1, 7, 3, "b");
    memset(bad.key, 'z', sizeof(bad.key)); /* unterminated */
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    bad = entry(1, 7, 3, "b");
    memset(bad.reference, 'z', sizeof(bad.reference));
    ck_assert_sl(st->entry_append(st, &bad), SL_EINVAL);
    /* The transaction is still usable and the failures left no trace:
     * not even an id was consumed. */
    expect_lids(scan_entries(1, 0, 0), "after duplicates", IDS(1, 2));
    ck_assert_sl(st->entry_by_key(st, &out, 1, "fresh"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_last(st, &out, 1), SL_OK);
    ck_assert_int_eq(out.id, e2.id);
    ck_assert_int_eq(out.account, 7);
    sl_entry e3 = entry(1, 8, 3, "fresh");
    append(&e3);
    ck_assert_int_eq(e3.id, e2.id + 1);
    commit();

    rbegin();
    expect_lids(scan_entries(1, 0, 0), "committed", IDS(1, 2, 3));
    ck_assert_sl(st->entry_by_key(st, &out, 1, "k1"), SL_OK);
    ck_assert_int_eq(out.id, e1.id);
    ck_assert_int_eq(out.account, 7);
    commit();
}
END_TEST

START_TEST(test_entries_scan_order_and_filters)
{
    /* Appended out of seq order (the core never does, but the order must
     * come from seq, not from the id or the insertion). */
    static const int64_t seqs[] = {4, 1, 6, 2, 5, 3};
    sl_entry e[6];
    wbegin();
    for (int i = 0; i < 6; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%lld", (long long)seqs[i]);
        e[i] = entry(1, seqs[i] % 2 ? 7 : 8, seqs[i], key); /* odd seqs: account 7 */
        append(&e[i]);
    }
    sl_entry other = entry(2, 7, 1, "k1");
    append(&other);
    commit();

    rbegin();
    lcollected *c = scan_entries(1, 0, 0);
    expect_lids(c, "all", IDS(1, 2, 3, 4, 5, 6));
    ck_assert_int_eq(c->entries[0].id, e[1].id); /* full rows, not just seqs */
    ck_assert_int_eq(c->entries[0].account, 7);
    expect_lids(scan_entries(1, 0, 3), "after 3", IDS(4, 5, 6));
    expect_lids(scan_entries(1, 0, 6), "after the last", NO_IDS);
    expect_lids(scan_entries(1, 0, INT64_MAX), "after INT64_MAX", NO_IDS);
    expect_lids(scan_entries(1, 0, -5), "after a negative seq", IDS(1, 2, 3, 4, 5, 6));
    expect_lids(scan_entries(1, 7, 0), "account 7", IDS(1, 3, 5));
    expect_lids(scan_entries(1, 8, 0), "account 8", IDS(2, 4, 6));
    expect_lids(scan_entries(1, 7, 3), "account 7 after 3", IDS(5));
    expect_lids(scan_entries(1, 8, 2), "account 8 after 2", IDS(4, 6));
    expect_lids(scan_entries(1, 9, 0), "no such account", NO_IDS);
    expect_lids(scan_entries(2, 0, 0), "other tenant", IDS(1));
    expect_lids(scan_entries(3, 0, 0), "no tenant", NO_IDS);

    /* A callback's non-zero value stops the scan and is returned. */
    static const int stops[] = {7, -42, 1};
    for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
        static lcollected s;
        memset(&s, 0, sizeof(s));
        s.stop_at = 2;
        s.stop_value = stops[k];
        ck_assert_int_eq(st->entries_scan(st, 1, 0, 0, collect_entry, &s), stops[k]);
        ck_assert_uint_eq(s.n, 2);
        s.n = 0;
        ck_assert_int_eq(st->entries_scan(st, 1, 8, 0, collect_entry, &s), stops[k]);
        expect_lids(&s, "stopped account scan", IDS(2, 4));
    }
    expect_lids(scan_entries(1, 0, 0), "after stops", IDS(1, 2, 3, 4, 5, 6));
    ck_assert_sl(st->entries_scan(st, 1, 0, 0, NULL, NULL), SL_EINVAL);
    commit();
}
END_TEST

START_TEST(test_hold_put_get_by_key)
{
    sl_credit_hold a = hold(1, 7, SL_HOLD_ACTIVE, 1000, "h1"), b = hold(1, 7, SL_HOLD_ACTIVE, 2000, NULL),
                   c = hold(1, 8, SL_HOLD_ACTIVE, 3000, NULL), d = hold(2, 7, SL_HOLD_ACTIVE, 1000, "h1"), out;
    wbegin();
    put_hold(&a);
    put_hold(&b);
    put_hold(&c); /* "" is "no key": any number of them */
    put_hold(&d); /* the same key in another tenant */
    ck_assert_int_gt(b.id, a.id);
    ck_assert_int_gt(d.id, c.id);
    sl_credit_hold dup = hold(1, 9, SL_HOLD_ACTIVE, 5, "h1");
    ck_assert_sl(st->hold_put(st, &dup), SL_EEXISTS);
    ck_assert_int_eq(dup.id, 0);
    commit();

    rbegin();
    ck_assert_sl(st->hold_get(st, &out, 1, a.id), SL_OK);
    ck_assert_int_eq(out.version, SL_HOLD_VERSION);
    ck_assert_int_eq(out.status, SL_HOLD_ACTIVE);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_int_eq(out.tenant, 1);
    ck_assert_int_eq(out.account, 7);
    ck_assert_int_eq(out.amount, 4);
    ck_assert_int_eq(out.captured, 0);
    ck_assert_int_eq(out.expires_at, 1000);
    ck_assert_int_eq(out.created_at, 60);
    ck_assert_int_eq(out.resolved_at, 0);
    ck_assert_int_eq(out.entry_id, 0);
    ck_assert_int_eq(out.replayed, 0);
    ck_assert_int_eq(out.reserved, 0);
    ck_assert_str_eq(out.key, "h1");
    ck_assert_mem_eq(out.request_hash, a.request_hash, sizeof(a.request_hash));
    ck_assert_sl(st->hold_get(st, &out, 2, a.id), SL_ENOTFOUND);
    ck_assert_sl(st->hold_get(st, &out, 1, d.id), SL_ENOTFOUND);
    ck_assert_sl(st->hold_get(st, &out, 1, 999999), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1"), SL_OK);
    ck_assert_int_eq(out.id, a.id);
    ck_assert_sl(st->hold_by_key(st, &out, 2, "h1"), SL_OK);
    ck_assert_int_eq(out.id, d.id);
    ck_assert_sl(st->hold_by_key(st, &out, 1, ""), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h"), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, NULL), SL_EINVAL);
    commit();

    /* Replace: resolve it, change its key; ghosts and other tenants' holds
     * are not found; taking another hold's key is a duplicate. */
    wbegin();
    sl_id id = a.id;
    a.status = SL_HOLD_CAPTURED;
    a.captured = 3;
    a.resolved_at = 900;
    a.entry_id = 77;
    snprintf(a.key, sizeof(a.key), "h2");
    ck_assert_sl(st->hold_put(st, &a), SL_OK);
    ck_assert_int_eq(a.id, id);
    sl_credit_hold ghost = hold(1, 7, SL_HOLD_ACTIVE, 5, NULL), steal = d;
    ghost.id = 999999;
    steal.tenant = 1;
    ck_assert_sl(st->hold_put(st, &ghost), SL_ENOTFOUND);
    ck_assert_sl(st->hold_put(st, &steal), SL_ENOTFOUND);
    sl_credit_hold b2 = b;
    snprintf(b2.key, sizeof(b2.key), "h2");
    ck_assert_sl(st->hold_put(st, &b2), SL_EEXISTS);
    ck_assert_sl(st->hold_put(st, &a), SL_OK); /* its own key: a plain replace */
    sl_credit_hold bad = hold(1, 7, 9, 5, NULL);
    ck_assert_sl(st->hold_put(st, &bad), SL_EINVAL);
    bad = hold(1, 0, SL_HOLD_ACTIVE, 5, NULL);
    ck_assert_sl(st->hold_put(st, &bad), SL_EINVAL);
    bad = hold(1, 7, SL_HOLD_ACTIVE, 5, NULL);
    memset(bad.key, 'z', sizeof(bad.key));
    ck_assert_sl(st->hold_put(st, &bad), SL_EINVAL);
    /* The old key is free again. */
    sl_credit_hold e = hold(1, 9, SL_HOLD_ACTIVE, 5, "h1");
    put_hold(&e);
    commit();

    rbegin();
    ck_assert_sl(st->hold_get(st, &out, 1, id), SL_OK);
    ck_assert_int_eq(out.status, SL_HOLD_CAPTURED);
    ck_assert_int_eq(out.captured, 3);
    ck_assert_int_eq(out.resolved_at, 900);
    ck_assert_int_eq(out.entry_id, 77);
    ck_assert_str_eq(out.key, "h2");
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h2"), SL_OK);
    ck_assert_int_eq(out.id, id);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1"), SL_OK);
    ck_assert_int_eq(out.id, e.id);
    ck_assert_sl(st->hold_get(st, &out, 1, b.id), SL_OK);
    ck_assert_str_eq(out.key, "");
    commit();
}
END_TEST

START_TEST(test_holds_expired_scan_boundaries)
{
    sl_credit_hold h[9] = {
        hold(1, 5, SL_HOLD_ACTIVE, 100, NULL),   /* 0: lapsed before 200 */
        hold(1, 5, SL_HOLD_ACTIVE, 200, NULL),   /* 1: expires_at == before: included */
        hold(1, 5, SL_HOLD_ACTIVE, 201, NULL),   /* 2: one second later: not */
        hold(1, 5, SL_HOLD_CAPTURED, 50, NULL),  /* 3..5: resolved: never */
        hold(1, 5, SL_HOLD_RELEASED, 50, NULL),
        hold(1, 5, SL_HOLD_EXPIRED, 50, NULL),
        hold(1, 6, SL_HOLD_ACTIVE, 100, NULL),   /* 6: other account */
        hold(2, 5, SL_HOLD_ACTIVE, 100, NULL),   /* 7: other tenant */
        hold(1, 5, SL_HOLD_ACTIVE, INT64_MIN, "min"), /* 8: extreme expiry */
    };
    wbegin();
    for (int i = 0; i < 9; i++)
        put_hold(&h[i]);
    commit();

    rbegin();
    expect_lids(scan_lapsed(1, 5, 200), "before 200", IDS(h[0].id, h[1].id, h[8].id));
    expect_lids(scan_lapsed(1, 5, 199), "before 199", IDS(h[0].id, h[8].id));
    expect_lids(scan_lapsed(1, 5, 99), "before 99", IDS(h[8].id));
    expect_lids(scan_lapsed(1, 5, INT64_MAX), "everything", IDS(h[0].id, h[1].id, h[2].id, h[8].id));
    expect_lids(scan_lapsed(1, 6, 200), "other account", IDS(h[6].id));
    expect_lids(scan_lapsed(2, 5, 200), "other tenant", IDS(h[7].id));
    expect_lids(scan_lapsed(3, 5, 200), "no tenant", NO_IDS);
    lcollected *c = scan_lapsed(1, 6, 200);
    ck_assert_int_eq(c->holds[0].expires_at, 100); /* full rows */
    ck_assert_int_eq(c->holds[0].status, SL_HOLD_ACTIVE);
    static const int stops[] = {7, -42, 1};
    for (size_t k = 0; k < sizeof(stops) / sizeof(stops[0]); k++) {
        static lcollected s;
        memset(&s, 0, sizeof(s));
        s.stop_at = 2;
        s.stop_value = stops[k];
        ck_assert_int_eq(st->holds_expired_scan(st, 1, 5, 1000, collect_hold, &s), stops[k]);
        ck_assert_uint_eq(s.n, 2);
    }
    commit();

    /* Resolving a hold takes it out of the scan; re-activating puts it back. */
    wbegin();
    h[0].status = SL_HOLD_RELEASED;
    ck_assert_sl(st->hold_put(st, &h[0]), SL_OK);
    h[4].status = SL_HOLD_ACTIVE;
    h[4].expires_at = 150;
    ck_assert_sl(st->hold_put(st, &h[4]), SL_OK);
    h[2].expires_at = 120; /* moved earlier */
    ck_assert_sl(st->hold_put(st, &h[2]), SL_OK);
    expect_lids(scan_lapsed(1, 5, 200), "after replaces", IDS(h[1].id, h[2].id, h[4].id, h[8].id));

    /* The core's use: the callback writes each lapsed hold back expired.
     * Every lapsed hold is reported exactly once, and then none is left. */
    static lcollected w;
    memset(&w, 0, sizeof(w));
    w.expire = 1;
    w.store = st;
    ck_assert_sl(st->holds_expired_scan(st, 1, 5, 200, collect_hold, &w), SL_OK);
    sort_ids(&w);
    expect_lids(&w, "expired by the callback", IDS(h[1].id, h[2].id, h[4].id, h[8].id));
    expect_lids(scan_lapsed(1, 5, INT64_MAX), "left active", NO_IDS);
    commit();

    rbegin();
    sl_credit_hold out;
    ck_assert_sl(st->hold_get(st, &out, 1, h[2].id), SL_OK);
    ck_assert_int_eq(out.status, SL_HOLD_EXPIRED);
    ck_assert_int_eq(out.resolved_at, 120);
    expect_lids(scan_lapsed(1, 6, 200), "other account untouched", IDS(h[6].id));
    commit();
}
END_TEST

START_TEST(test_webhook_claim_once)
{
    wbegin();
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_1", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_1", 11), SL_EEXISTS);
    ck_assert_msg(strstr(sl_errmsg(db), "evt_1") != NULL, "message names the event: %s", sl_errmsg(db));
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_2", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "paypal", "evt_1", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 2, "stripe", "evt_1", 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "", "evt_3", 10), SL_EINVAL);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "", 10), SL_EINVAL);
    ck_assert_sl(st->webhook_claim(st, 1, NULL, "evt_3", 10), SL_EINVAL);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", NULL, 10), SL_EINVAL);
    ck_assert_sl(st->webhook_claim(st, 0, "stripe", "evt_3", 10), SL_EINVAL);
    char longid[SL_KEY_MAX + 2];
    memset(longid, 'e', SL_KEY_MAX + 1);
    longid[SL_KEY_MAX + 1] = '\0';
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", longid, 10), SL_EINVAL);
    longid[SL_KEY_MAX] = '\0';
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", longid, 10), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", longid, 10), SL_EEXISTS);
    commit();

    /* Claims persist across transactions; a rolled-back claim does not. */
    wbegin();
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_1", 20), SL_EEXISTS);
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_9", 20), SL_OK);
    ck_assert_sl(st->rollback(st), SL_OK);
    wbegin();
    ck_assert_sl(st->webhook_claim(st, 1, "stripe", "evt_9", 30), SL_OK);
    commit();
}
END_TEST

/* Everything the ledger holds for tenants 1..3, accounts 1..5 and holds
 * 1..max_hold, as comparable bytes. */
typedef struct lsnapshot {
    lcollected entries[3];
    size_t n_accounts;
    sl_account accounts[15];
    size_t n_holds;
    sl_credit_hold holds[MAXROWS];
} lsnapshot;

static void take_lsnapshot(sl_store *s, lsnapshot *snap, sl_id max_hold)
{
    memset(snap, 0, sizeof(*snap));
    for (int t = 0; t < 3; t++) {
        ck_assert_sl(s->entries_scan(s, t + 1, 0, 0, collect_entry, &snap->entries[t]), SL_OK);
        size_t first = snap->n_accounts;
        for (sl_id a = 1; a <= 5; a++) {
            int rc = s->account_get(s, &snap->accounts[snap->n_accounts], t + 1, a);
            ck_assert_msg(rc == SL_OK || rc == SL_ENOTFOUND, "account_get: %s", sl_strerror(rc));
            if (rc == SL_OK)
                snap->n_accounts++;
        }
        /* accounts_scan delivers the same rows (students 1..5 here), in order. */
        static lcollected scanned;
        memset(&scanned, 0, sizeof(scanned));
        ck_assert_sl(s->accounts_scan(s, t + 1, collect_account, &scanned), SL_OK);
        ck_assert_msg(scanned.n == snap->n_accounts - first, "tenant %d: accounts_scan gave %zu accounts, account_get %zu",
                      t + 1, scanned.n, snap->n_accounts - first);
        for (size_t i = 0; i < scanned.n; i++)
            ck_assert_msg(memcmp(&scanned.accounts[i], &snap->accounts[first + i], sizeof(sl_account)) == 0,
                          "tenant %d: accounts_scan row %zu (student %lld) differs from account_get", t + 1, i,
                          (long long)scanned.ids[i]);
    }
    for (sl_id id = 1; id <= max_hold; id++)
        for (sl_id t = 1; t <= 3; t++) {
            int rc = s->hold_get(s, &snap->holds[snap->n_holds], t, id);
            ck_assert_msg(rc == SL_OK || rc == SL_ENOTFOUND, "hold_get: %s", sl_strerror(rc));
            if (rc == SL_OK) {
                ck_assert_uint_lt(snap->n_holds, MAXROWS - 1);
                snap->n_holds++;
            }
        }
}

static void assert_same_lsnapshot(const lsnapshot *a, const lsnapshot *b, const char *what)
{
    for (int t = 0; t < 3; t++) {
        ck_assert_msg(a->entries[t].n == b->entries[t].n, "%s: tenant %d: %zu entries vs %zu", what, t + 1,
                      a->entries[t].n, b->entries[t].n);
        for (size_t i = 0; i < a->entries[t].n; i++)
            ck_assert_msg(memcmp(&a->entries[t].entries[i], &b->entries[t].entries[i], sizeof(sl_entry)) == 0,
                          "%s: tenant %d: entry seq %lld differs", what, t + 1,
                          (long long)a->entries[t].entries[i].seq);
    }
    ck_assert_msg(a->n_accounts == b->n_accounts, "%s: %zu accounts vs %zu", what, a->n_accounts, b->n_accounts);
    for (size_t i = 0; i < a->n_accounts; i++)
        ck_assert_msg(memcmp(&a->accounts[i], &b->accounts[i], sizeof(sl_account)) == 0,
                      "%s: account (%lld, %lld) differs", what, (long long)a->accounts[i].tenant,
                      (long long)a->accounts[i].student);
    ck_assert_msg(a->n_holds == b->n_holds, "%s: %zu holds vs %zu", what, a->n_holds, b->n_holds);
    for (size_t i = 0; i < a->n_holds; i++)
        ck_assert_msg(memcmp(&a->holds[i], &b->holds[i], sizeof(sl_credit_hold)) == 0, "%s: hold %lld differs",
                      what, (long long)a->holds[i].id);
}

START_TEST(test_ledger_rollback_undoes_every_write)
{
    static lsnapshot before, after;
    sl_account a1 = account(1, 1, 10), a2 = account(1, 2, 20);
    sl_entry e1 = entry(1, 1, 1, "e1"), e2 = entry(1, 2, 2, "e2");
    sl_credit_hold h1 = hold(1, 1, SL_HOLD_ACTIVE, 100, "h1"), h2 = hold(1, 2, SL_HOLD_ACTIVE, 200, NULL);
    wbegin();
    ck_assert_sl(st->account_put(st, &a1), SL_OK);
    ck_assert_sl(st->account_put(st, &a2), SL_OK);
    append(&e1);
    append(&e2);
    put_hold(&h1);
    put_hold(&h2);
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v1", 5), SL_OK);
    commit();
    rbegin();
    take_lsnapshot(st, &before, 10);
    commit();

    /* One transaction doing every kind of ledger write, then rolled back. */
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    sl_account a3 = account(2, 3, 30);
    ck_assert_sl(st->account_put(st, &a3), SL_OK);                          /* insert */
    a1.posted = 999;
    ck_assert_sl(st->account_put(st, &a1), SL_OK);                          /* replace */
    ck_assert_sl(st->soft_delete(st, SL_ENTITY_ACCOUNT, 1, 2, 300), SL_OK); /* delete */
    sl_entry e3 = entry(1, 1, 3, "e3"), f1 = entry(2, 3, 1, "f1");
    append(&e3);                                                            /* append */
    append(&f1);
    sl_credit_hold h3 = hold(1, 1, SL_HOLD_ACTIVE, 300, "h3");
    put_hold(&h3);                                                          /* insert */
    h1.status = SL_HOLD_CAPTURED;
    snprintf(h1.key, sizeof(h1.key), "h1b");
    ck_assert_sl(st->hold_put(st, &h1), SL_OK);                             /* resolve + rekey */
    h2.expires_at = 50;
    ck_assert_sl(st->hold_put(st, &h2), SL_OK);                             /* move in the index */
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v2", 6), SL_OK);            /* claim */
    take_lsnapshot(st, &after, 10);
    ck_assert_uint_eq(after.entries[0].n, 3);
    ck_assert_sl(st->rollback(st), SL_OK);

    rbegin();
    take_lsnapshot(st, &after, 10);
    expect_lids(scan_lapsed(1, 1, 1000), "account 1 active holds", IDS(h1.id));
    expect_lids(scan_lapsed(1, 2, 100), "h2 back at 200", NO_IDS);
    sl_credit_hold out;
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1"), SL_OK);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h1b"), SL_ENOTFOUND);
    ck_assert_sl(st->hold_by_key(st, &out, 1, "h3"), SL_ENOTFOUND);
    sl_entry eo;
    ck_assert_sl(st->entry_by_key(st, &eo, 1, "e3"), SL_ENOTFOUND);
    ck_assert_sl(st->entry_last(st, &eo, 1), SL_OK);
    ck_assert_int_eq(eo.seq, 2);
    ck_assert_sl(st->entry_last(st, &eo, 2), SL_ENOTFOUND);
    commit();
    assert_same_lsnapshot(&before, &after, "after rollback");

    /* Ids, keys, seqs and claims given back by the rollback are usable. */
    wbegin();
    sl_entry again = entry(1, 1, 3, "e3");
    append(&again);
    ck_assert_int_eq(again.id, e3.id); /* the id counter was rolled back too */
    sl_credit_hold h4 = hold(1, 1, SL_HOLD_ACTIVE, 300, "h3");
    put_hold(&h4);
    ck_assert_int_eq(h4.id, h3.id);
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v2", 7), SL_OK);
    ck_assert_sl(st->webhook_claim(st, 1, "s", "v1", 7), SL_EEXISTS);
    commit();
}
END_TEST

/* ---- the differential test: memory store vs SQLite store --------------- */

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
            if (r0 == SL_OK && r1 == SL_OK)
                ck_assert_msg(memcmp(&a.entries[0], &b.entries[0], sizeof(sl_entry)) == 0,
                              "step %ld: entry_by_key %s differs", step, key);
            r0 = r0 == SL_ENOTFOUND ? SL_OK : r0;
            r1 = r1 == SL_ENOTFOUND ? SL_OK : r1;
            break;
        default:
            snprintf(key, sizeof(key), "h%u", (unsigned)(sl_test_rand(rng) % 8));
            r0 = p->st[0]->hold_by_key(p->st[0], &a.holds[0], tenant, key);
            r1 = p->st[1]->hold_by_key(p->st[1], &b.holds[0], tenant, key);
            if (r0 == SL_OK && r1 == SL_OK)
                ck_assert_msg(memcmp(&a.holds[0], &b.holds[0], sizeof(sl_credit_hold)) == 0,
                              "step %ld: hold_by_key %s differs", step, key);
            r0 = r0 == SL_ENOTFOUND ? SL_OK : r0;
            r1 = r1 == SL_ENOTFOUND ? SL_OK : r1;
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
    const uint32_t flag_sets[] = {0, SL_INCLUDE_DELETED, SCAN_BLOCKING,
                                  SCAN_BLOCKING | SL_INCLUDE_DELETED};
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

Suite *suite_store(void);
Suite *suite_store(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create(sl_test_backend);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_absent_row_is_notfound);
    tcase_add_test(tc, test_commit_makes_writes_visible);
    tcase_add_test(tc, test_rollback_undoes_inserts_and_updates);
    tcase_add_test(tc, test_many_rows_keep_their_identity);
    tcase_add_test(tc, test_store_error_reaches_the_handle);
    tcase_add_test(tc, test_rule_put_get_replace);
    tcase_add_test(tc, test_rules_scan_flags);
    tcase_add_test(tc, test_override_put_get_scan);
    tcase_add_test(tc, test_session_put_get_replace);
    tcase_add_test(tc, test_sessions_scan_edges);
    tcase_add_test(tc, test_sessions_scan_flags);
    tcase_add_test(tc, test_session_by_key);
    tcase_add_test(tc, test_duplicate_key_writes_nothing);
    tcase_add_test(tc, test_by_student_and_series);
    tcase_add_test(tc, test_soft_delete_contract);
    tcase_add_test(tc, test_rollback_undoes_every_write);
    tcase_add_test(tc, test_purge_counts_across_tenants);
    tcase_add_test(tc, test_callback_stop_passes_through);
    tcase_add_test(tc, test_bad_records_are_einval);
    tcase_add_test(tc, test_account_put_get_soft_delete);
    tcase_add_test(tc, test_accounts_scan_order_and_filters);
    tcase_add_test(tc, test_entry_append_and_read);
    tcase_add_test(tc, test_entry_duplicates_write_nothing);
    tcase_add_test(tc, test_entries_scan_order_and_filters);
    tcase_add_test(tc, test_hold_put_get_by_key);
    tcase_add_test(tc, test_holds_expired_scan_boundaries);
    tcase_add_test(tc, test_webhook_claim_once);
    tcase_add_test(tc, test_ledger_rollback_undoes_every_write);
    tcase_add_test(tc, test_differential_random_operations);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}
