/*
 * lib/store/sqlite_schedule.c - the scheduling tables of the SQLite store:
 * rules, overrides, sessions, soft delete and purge. Shared declarations
 * are in sqlite_internal.h; see sqlite.c for how statements are prepared
 * and how scans may call back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

/* ---- rules -------------------------------------------------------------- */

static void read_rule(sqlite3_stmt *s, void *out)
{
    sl_rule *r = out;
    memset(r, 0, sizeof(*r));
    r->version = SL_RULE_VERSION;
    r->id = sqlite3_column_int64(s, 0);
    r->tenant = sqlite3_column_int64(s, 1);
    r->weekday = (int32_t)sqlite3_column_int64(s, 2);
    r->start_min = (int32_t)sqlite3_column_int64(s, 3);
    r->end_min = (int32_t)sqlite3_column_int64(s, 4);
    r->valid_from = (sl_date)sqlite3_column_int64(s, 5);
    r->valid_until = (sl_date)sqlite3_column_int64(s, 6);
    r->created_at = sqlite3_column_int64(s, 7);
    r->updated_at = sqlite3_column_int64(s, 8);
    r->deleted_at = sqlite3_column_int64(s, 9); /* NULL reads as 0 */
}

static int sq_rule_put(sl_store *st, sl_rule *r)
{
    int which = r->id == 0 ? Q_RULE_INSERT : Q_RULE_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, r->id);
    sqlite3_bind_int64(s, 2, r->tenant);
    sqlite3_bind_int64(s, 3, r->weekday);
    sqlite3_bind_int64(s, 4, r->start_min);
    sqlite3_bind_int64(s, 5, r->end_min);
    sqlite3_bind_int64(s, 6, r->valid_from);
    sqlite3_bind_int64(s, 7, r->valid_until);
    sqlite3_bind_int64(s, 8, r->created_at);
    sqlite3_bind_int64(s, 9, r->updated_at);
    bind_deleted(s, 10, r->deleted_at);
    int rc = sl__sq_write_q(st, which, "writing a rule");
    if (rc != SL_OK)
        return rc;
    return sl__sq_put_done(st, &r->id);
}

static int sq_rule_get(sl_store *st, sl_rule *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: rule_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_RULE_GET];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    return sl__sq_row_one(st, s, read_rule, out, "reading a rule");
}

static int sq_rules_scan(sl_store *st, sl_id tenant, uint32_t flags,
                         int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: rules_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[flags & SL_INCLUDE_DELETED ? Q_RULES_ALL : Q_RULES_LIVE];
    sl_rule r;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_rule(s, &r);
        int stop = cb(ctx, &r);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, "scanning rules");
}

/* ---- overrides ---------------------------------------------------------- */

/* Windows are stored as little-endian int32 pairs, whatever the host. */
static void put_i32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (unsigned char)u;
    p[1] = (unsigned char)(u >> 8);
    p[2] = (unsigned char)(u >> 16);
    p[3] = (unsigned char)(u >> 24);
}

static int32_t get_i32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)u; /* two's complement on every platform we build for */
}

static void read_override(sqlite3_stmt *s, void *out)
{
    sl_override *o = out;
    memset(o, 0, sizeof(*o));
    o->version = SL_OVERRIDE_VERSION;
    o->id = sqlite3_column_int64(s, 0);
    o->tenant = sqlite3_column_int64(s, 1);
    o->date = (sl_date)sqlite3_column_int64(s, 2);
    const unsigned char *w = sqlite3_column_blob(s, 3);
    int n = sqlite3_column_bytes(s, 3) / 8;
    if (n > SL_MAX_WINDOWS_PER_DAY) /* the CHECK constraint forbids it */
        n = SL_MAX_WINDOWS_PER_DAY;
    for (int i = 0; w && i < n; i++) {
        o->windows[i].start_min = get_i32(w + 8 * i);
        o->windows[i].end_min = get_i32(w + 8 * i + 4);
    }
    o->n_windows = n;
    o->created_at = sqlite3_column_int64(s, 4);
    o->updated_at = sqlite3_column_int64(s, 5);
    o->deleted_at = sqlite3_column_int64(s, 6);
}

static int sq_override_put(sl_store *st, sl_override *o)
{
    unsigned char blob[8 * SL_MAX_WINDOWS_PER_DAY];
    for (int i = 0; i < o->n_windows; i++) {
        put_i32(blob + 8 * i, o->windows[i].start_min);
        put_i32(blob + 8 * i + 4, o->windows[i].end_min);
    }
    int which = o->id == 0 ? Q_OVERRIDE_INSERT : Q_OVERRIDE_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, o->id);
    sqlite3_bind_int64(s, 2, o->tenant);
    sqlite3_bind_int64(s, 3, o->date);
    /* A zero-length blob (a day off) must stay a BLOB, not NULL. */
    sqlite3_bind_blob(s, 4, blob, 8 * o->n_windows, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, o->created_at);
    sqlite3_bind_int64(s, 6, o->updated_at);
    bind_deleted(s, 7, o->deleted_at);
    int rc = sl__sq_write_q(st, which, "writing an override");
    if (rc != SL_OK)
        return rc;
    return sl__sq_put_done(st, &o->id);
}

static int sq_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    if (!out)
        return invalid(st, "sqlite: override_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_OVERRIDE_GET];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, date);
    return sl__sq_row_one(st, s, read_override, out, "reading an override");
}

static int sq_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                             int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: overrides_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[flags & SL_INCLUDE_DELETED ? Q_OVERRIDES_ALL : Q_OVERRIDES_LIVE];
    sl_override o;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_override(s, &o);
        int stop = cb(ctx, &o);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, "scanning overrides");
}

/* ---- sessions ----------------------------------------------------------- */

static void read_session(sqlite3_stmt *s, void *out)
{
    sl_session *x = out;
    memset(x, 0, sizeof(*x));
    x->version = SL_SESSION_VERSION;
    x->id = sqlite3_column_int64(s, 0);
    x->tenant = sqlite3_column_int64(s, 1);
    x->student = sqlite3_column_int64(s, 2);
    x->start = sqlite3_column_int64(s, 3);
    x->end = sqlite3_column_int64(s, 4);
    x->status = (int32_t)sqlite3_column_int64(s, 5);
    x->kind = (int32_t)sqlite3_column_int64(s, 6);
    x->credits = sqlite3_column_int64(s, 7);
    x->hold_id = sqlite3_column_int64(s, 8);
    x->series_id = sqlite3_column_int64(s, 9);
    x->created_at = sqlite3_column_int64(s, 10);
    x->updated_at = sqlite3_column_int64(s, 11);
    x->deleted_at = sqlite3_column_int64(s, 12);
    const unsigned char *key = sqlite3_column_text(s, 13);
    int n = sqlite3_column_bytes(s, 13);
    if (key && n > 0)
        memcpy(x->key, key, (size_t)(n < SL_KEY_MAX ? n : SL_KEY_MAX));
    const void *hash = sqlite3_column_blob(s, 14);
    if (hash && sqlite3_column_bytes(s, 14) == (int)sizeof(x->request_hash))
        memcpy(x->request_hash, hash, sizeof(x->request_hash));
}

static int sq_session_put(sl_store *st, sl_session *x)
{
    int rc, which = x->id == 0 ? Q_SESSION_INSERT : Q_SESSION_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, x->id);
    sqlite3_bind_int64(s, 2, x->tenant);
    sqlite3_bind_int64(s, 3, x->student);
    sqlite3_bind_int64(s, 4, x->start);
    sqlite3_bind_int64(s, 5, x->end);
    sqlite3_bind_int64(s, 6, x->status);
    sqlite3_bind_int64(s, 7, x->kind);
    sqlite3_bind_int64(s, 8, x->credits);
    sqlite3_bind_int64(s, 9, x->hold_id);
    sqlite3_bind_int64(s, 10, x->series_id);
    sqlite3_bind_int64(s, 11, x->created_at);
    sqlite3_bind_int64(s, 12, x->updated_at);
    bind_deleted(s, 13, x->deleted_at);
    sqlite3_bind_text(s, 14, x->key, (int)strlen(x->key), SQLITE_STATIC);
    sqlite3_bind_blob(s, 15, x->request_hash, (int)sizeof(x->request_hash), SQLITE_STATIC);
    rc = sl__sq_write_q(st, which, x->id == 0 ? "inserting a session" : "replacing a session");
    if (rc == SL_EEXISTS) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has a session with key \"%s\"",
                 (long long)x->tenant, x->key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    return sl__sq_put_done(st, &x->id);
}

static int sq_session_get(sl_store *st, sl_session *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: session_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_SESSION_GET];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    return sl__sq_row_one(st, s, read_session, out, "reading a session");
}

static int sq_session_by_key(sl_store *st, sl_session *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return invalid(st, "sqlite: session_by_key: out or key is NULL");
    return sl__sq_row_by_key(st, Q_SESSION_BY_KEY, tenant, key, read_session, out, "looking a session up by key");
}

/* Steps a bound session statement, calling cb per row whose status is in
 * statuses (SL_SCAN_STATUS bits; 0: every row). */
static int session_rows(sl_store *st, sqlite3_stmt *s, uint32_t statuses, int (*cb)(void *ctx, const sl_session *x),
                        void *ctx, const char *what)
{
    sl_session x;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_session(s, &x);
        if (statuses && !(x.status >= 1 && x.status <= 15 && (statuses & SL_SCAN_STATUS(x.status))))
            continue;
        int stop = cb(ctx, &x);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, what);
}

/* Rows of Q_SESSIONS_BUSY: only id, tenant, start and end (see
 * SL_SCAN_TIMES_ONLY); the rest of each record stays zero. */
static int busy_rows(sl_store *st, sqlite3_stmt *s, int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    sl_session x;
    int rc;
    memset(&x, 0, sizeof(x));
    x.version = SL_SESSION_VERSION;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        x.id = sqlite3_column_int64(s, 0);
        x.tenant = sqlite3_column_int64(s, 1);
        x.start = sqlite3_column_int64(s, 2);
        x.end = sqlite3_column_int64(s, 3);
        int stop = cb(ctx, &x);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, "scanning busy times");
}

static int sq_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                            int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: sessions_scan: callback is NULL");
    /* The partial index serves the status set it was built for; any
     * other set is filtered here from the live rows. */
    uint32_t statuses = flags & SL_SCAN_STATUS_MASK;
    int blocking = (flags & SL_SCAN_BLOCKING) != 0;
    int indexed = blocking && statuses == SL__SQ_INDEXED_STATUSES;
    int busy = indexed && (flags & SL_SCAN_TIMES_ONLY);
    int which = busy                                      ? Q_SESSIONS_BUSY
                : indexed                                 ? Q_SESSIONS_BLOCKING
                : !blocking && flags & SL_INCLUDE_DELETED ? Q_SESSIONS_ALL
                                                          : Q_SESSIONS_LIVE;
    sqlite3_stmt *s = Q(st)->q[which];
    /* Saturating from - 86400: a session overlapping [from, to) starts
     * after it, since no session lasts longer than a day. */
    sl_time lo = from > INT64_MIN + SL_MAX_DURATION_SECONDS ? from - SL_MAX_DURATION_SECONDS : INT64_MIN;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, lo);
    sqlite3_bind_int64(s, 3, to);
    sqlite3_bind_int64(s, 4, from);
    if (busy)
        return busy_rows(st, s, cb, ctx);
    if (blocking && !indexed && !statuses)
        return sl__sq_finish_q(st, s, SQLITE_DONE, "scanning sessions by time"); /* empty set */
    return session_rows(st, s, blocking && !indexed ? statuses : 0, cb, ctx, "scanning sessions by time");
}

static int sq_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                                  int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: sessions_by_student: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[flags & SL_INCLUDE_DELETED ? Q_STUDENT_ALL : Q_STUDENT_LIVE];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, student);
    return session_rows(st, s, 0, cb, ctx, "scanning a student's sessions");
}

static int sq_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,
                                 int (*cb)(void *ctx, const sl_session *x), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: sessions_by_series: callback is NULL");
    /* A series is reported whole, deleted and cancelled members included
     * (the method takes no flags); series 0 ("none") matches nothing. */
    sqlite3_stmt *s = Q(st)->q[Q_SERIES];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, series);
    return session_rows(st, s, 0, cb, ctx, "scanning a series");
}

/* ---- soft delete and purge ---------------------------------------------- */

static int entity_queries(sl_store *st, int32_t entity, int *soft, int *purge)
{
    switch (entity) {
    case SL_ENTITY_RULE:
        *soft = Q_RULE_SOFT_DELETE;
        *purge = Q_RULE_PURGE;
        return SL_OK;
    case SL_ENTITY_OVERRIDE:
        *soft = Q_OVERRIDE_SOFT_DELETE;
        *purge = Q_OVERRIDE_PURGE;
        return SL_OK;
    case SL_ENTITY_SESSION:
        *soft = Q_SESSION_SOFT_DELETE;
        *purge = Q_SESSION_PURGE;
        return SL_OK;
    case SL_ENTITY_ACCOUNT: /* soft delete by student; never purged */
        *soft = Q_ACCOUNT_SOFT_DELETE;
        *purge = -1;
        return SL_OK;
    default: {
        char msg[128];
        snprintf(msg, sizeof(msg), "sqlite: entity %d is not a soft-deletable entity of this store",
                 (int)entity);
        return invalid(st, msg);
    }
    }
}

static int sq_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    int soft = 0, purge = 0;
    int rc = entity_queries(st, entity, &soft, &purge);
    if (rc != SL_OK)
        return rc;
    sqlite3_stmt *s = Q(st)->q[soft];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    bind_deleted(s, 3, deleted_at);
    if ((rc = sl__sq_write_q(st, soft, deleted_at ? "soft-deleting a row" : "restoring a row")) != SL_OK)
        return rc;
    return sqlite3_changes(Q(st)->h) == 0 ? SL_ENOTFOUND : SL_OK;
}

static int sq_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    int soft = 0, purge = 0;
    if (!purged)
        return invalid(st, "sqlite: purge: purged is NULL");
    int rc = entity_queries(st, entity, &soft, &purge);
    if (rc != SL_OK)
        return rc;
    if (purge < 0)
        return invalid(st, "sqlite: this entity has no purge");
    sqlite3_bind_int64(Q(st)->q[purge], 1, before);
    if ((rc = sl__sq_write_q(st, purge, "purging deleted rows")) != SL_OK)
        return rc;
    *purged = (size_t)sqlite3_changes64(Q(st)->h);
    return SL_OK;
}

void sl__sqlite_schedule_methods(sl_store *st)
{
    st->rule_put = sq_rule_put;
    st->rule_get = sq_rule_get;
    st->rules_scan = sq_rules_scan;
    st->override_put = sq_override_put;
    st->override_get = sq_override_get;
    st->overrides_scan = sq_overrides_scan;
    st->session_put = sq_session_put;
    st->session_get = sq_session_get;
    st->session_by_key = sq_session_by_key;
    st->sessions_scan = sq_sessions_scan;
    st->sessions_by_student = sq_sessions_by_student;
    st->sessions_by_series = sq_sessions_by_series;
    st->soft_delete = sq_soft_delete;
    st->purge = sq_purge;
}
