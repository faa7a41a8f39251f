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

static int sq_rule_put(sl_store *st, sl_rule *r)
{
    return sl__sq_put(st, r->id == 0 ? Q_RULE_INSERT : Q_RULE_UPDATE, &sl__ent_rule, r, &r->id, "writing a rule");
}

SL__GET_METHOD(sq, rule, sl_rule, Q_RULE_GET, sl__ent_rule, "reading a rule")

static int sq_rules_scan(sl_store *st, sl_id tenant, uint32_t flags,
                         int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    if (!(flags & SL_INCLUDE_DELETED))
        return sl__sq_kept_rules(st, tenant, cb, ctx); /* kept between transactions */
    return SQ_SCAN(st, Q_RULES_ALL, &sl__ent_rule, cb, ctx, "scanning rules", tenant);
}

/* ---- overrides ---------------------------------------------------------- */

static int sq_override_put(sl_store *st, sl_override *o)
{
    return sl__sq_put(st, o->id == 0 ? Q_OVERRIDE_INSERT : Q_OVERRIDE_UPDATE, &sl__ent_override, o, &o->id,
                      "writing an override");
}

static int sq_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    return sl__sq_get(st, Q_OVERRIDE_GET, tenant, date, &sl__ent_override, out, "reading an override");
}

static int sq_override_by_id(sl_store *st, sl_override *out, sl_id tenant, sl_id id)
{
    return sl__sq_get(st, Q_OVERRIDE_BY_ID, tenant, id, &sl__ent_override, out, "reading an override");
}

static int sq_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                             int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    if (!(flags & SL_INCLUDE_DELETED))
        return sl__sq_kept_overrides(st, tenant, from, to, cb, ctx); /* kept between transactions */
    return SQ_SCAN(st, Q_OVERRIDES_ALL, &sl__ent_override, cb, ctx, "scanning overrides", tenant, from, to);
}

/* ---- sessions ----------------------------------------------------------- */

static int sq_session_put(sl_store *st, sl_session *x)
{
    int which = x->id == 0 ? Q_SESSION_INSERT : Q_SESSION_UPDATE;
    int rc = sl__sq_put(st, which, &sl__ent_session, x, &x->id,
                        x->id == 0 ? "inserting a session" : "replacing a session");
    return rc == SL_EEXISTS ? sl__sq_key_taken(st, x->tenant, "a session", x->key) : rc;
}

SL__GET_METHOD(sq, session, sl_session, Q_SESSION_GET, sl__ent_session, "reading a session")
SL__BY_KEY_METHOD(sq, "sqlite", session, sl_session, Q_SESSION_BY_KEY, sl__ent_session, "looking a session up by key")

/* Statements of the time-range scans, by plan (sl__sessions_scan). */
static const int range_queries[] = {
    [SL__SCAN_BUSY] = Q_SESSIONS_BUSY,
    [SL__SCAN_BLOCKING] = Q_SESSIONS_BLOCKING,
    [SL__SCAN_ALL] = Q_SESSIONS_ALL,
    [SL__SCAN_LIVE] = Q_SESSIONS_LIVE,
};

/* The rows of one tenant (*arg) for a plan of sl__sessions_scan. */
static int range_run(sl_store *st, int plan, const int64_t args[3], const sl__entity *e, void (*cb)(void),
                     void *ctx, const void *arg)
{
    /* args: {from - 86400, to, from}; a range shorter than the look-back
     * has its own statement (sqlite_queries.sql, sessions_busy_narrow). */
    int narrow = plan == SL__SCAN_BUSY && args[2] <= INT64_MAX - 86400 && args[1] < args[2] + 86400;
    sqlite3_stmt *s = Q(st)->q[narrow ? Q_SESSIONS_BUSY_NARROW : range_queries[plan]];
    sqlite3_bind_int64(s, 1, *(const sl_id *)arg);
    for (int i = 0; i < 3; i++)
        sqlite3_bind_int64(s, i + 2, args[i]);
    return sl__sq_scan(st, s, e, cb, ctx, plan == SL__SCAN_BUSY ? "scanning busy times" : "scanning sessions by time");
}

/* The partial index serves the status set it was built for; any other set
 * is filtered from the live rows. */
SL__SESSION_SCAN_METHODS(sq, "sqlite", SL__SQ_INDEXED_STATUSES, Q_STUDENT_LIVE, Q_STUDENT_ALL, Q_SERIES)

/* ---- soft delete and purge ---------------------------------------------- */

/* Statements by entity (sl__soft_entity). */
static const int soft_queries[] = {Q_RULE_SOFT_DELETE, Q_OVERRIDE_SOFT_DELETE, Q_SESSION_SOFT_DELETE,
                                   Q_ACCOUNT_SOFT_DELETE};
static const int purge_queries[] = {Q_RULE_PURGE, Q_OVERRIDE_PURGE, Q_SESSION_PURGE, -1};

static int sq_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    int soft = sl__soft_entity(st, "sqlite", entity, soft_queries);
    if (soft < 0)
        return soft;
    sqlite3_stmt *s = Q(st)->q[soft];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    bind_deleted(s, 3, deleted_at);
    int rc = sl__sq_write_q(st, soft, deleted_at ? "soft-deleting a row" : "restoring a row");
    if (rc != SL_OK)
        return rc;
    return sqlite3_changes(Q(st)->h) == 0 ? SL_ENOTFOUND : SL_OK;
}

static int sq_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    int rc;
    if (!purged)
        return invalid(st, "sqlite: purge: purged is NULL");
    int purge = sl__soft_entity(st, "sqlite", entity, purge_queries);
    if (purge < 0)
        return purge;
    /* Sessions have no AUTOINCREMENT (schema migration 9): record their
     * largest id before it may go, so that a new session never takes it. */
    if (purge == Q_SESSION_PURGE && (rc = sl__sq_write_q(st, Q_SESSION_FLOOR, "recording the id floor")) != SL_OK)
        return rc;
    /* A class's row and seats go with its session (sys/store.h). */
    if (purge == Q_SESSION_PURGE && (rc = sl__sq_class_purge(st, before)) != SL_OK)
        return rc;
    sqlite3_bind_int64(Q(st)->q[purge], 1, before);
    if ((rc = sl__sq_write_q(st, purge, "purging deleted rows")) != SL_OK)
        return rc;
    *purged = (size_t)sqlite3_changes64(Q(st)->h);
    return SL_OK;
}

void sl__sqlite_schedule_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__SCHEDULE_METHODS, sq);
}
