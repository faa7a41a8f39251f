/*
 * lib/store/sqlite_outbox.c - the outbox of the SQLite store (schema
 * migrations 7 and 10, schema.c). Every method runs inside the core's
 * transaction: events are written under the same BEGIN IMMEDIATE as the
 * change they describe, and a claim (outbox_heads, then the core's
 * updates) holds the file's write lock, so concurrent claims of many
 * processes never return one event twice. Statements are prepared on
 * first use and kept.
 *
 * An event is appended unqueued (queued = 0): the change writes the row
 * and its outbox_session entry, nothing else. outbox_heads queues the
 * events appended since the last claim (ids above outbox_mark.mark, a
 * range of the table) into outbox_due before scanning it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sqlite_internal.h"

#define OUTBOX_COLS                                                                                            \
    "o.id, o.tenant, o.session, o.seq, o.kind, o.status, o.session_kind, o.student, o.start_at, o.end_at, "    \
    "o.credits, o.deleted_at, o.created_at, o.state, o.attempts, o.available_at, o.lease_until, o.token, "     \
    "o.acked_at, o.consumer, o.error"
#define STATES_IN "((1 << o.state) & ?3) <> 0"
/* The claim's head test: no earlier event of the session unacknowledged. */
#define HEAD_DUE                                                                                               \
    "o.state IN (1, 2) AND o.queued = 1 AND ((o.state = 1 AND o.available_at <= ?1) OR (o.state = 2 AND o.lease_until <= ?1))"  \
    " AND NOT EXISTS (SELECT 1 FROM outbox AS p INDEXED BY outbox_session WHERE p.tenant = o.tenant"              \
    " AND p.session = o.session AND p.seq < o.seq AND p.state <> 3)"

static const char *const outbox_sql[SL__SQ_OUTBOX_QUERIES] = {
    [OQ_INSERT] = "INSERT INTO outbox (tenant, session, seq, kind, status, session_kind, student, start_at,"
                  " end_at, credits, deleted_at, created_at, state, attempts, available_at, lease_until, token,"
                  " acked_at, consumer, error, queued) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
                  " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, 0)",
    /* The event every change appends: pending, never delivered (the
     * delivery columns' values spelled here, not bound). */
    [OQ_INSERT_NEW] = "INSERT INTO outbox (tenant, session, seq, kind, status, session_kind, student, start_at,"
                      " end_at, credits, deleted_at, created_at, available_at, state, attempts, lease_until, token,"
                      " acked_at, consumer, error, queued) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                      " ?12, ?13, 1, 0, 0, 0, 0, '', '', 0)",
    [OQ_GET] = "SELECT " OUTBOX_COLS " FROM outbox AS o WHERE o.id = ?1 AND o.tenant = ?2",
    [OQ_UPDATE] = "UPDATE outbox SET state = ?3, attempts = ?4, available_at = ?5, lease_until = ?6,"
                  " token = ?7, acked_at = ?8, consumer = ?9, error = ?10 WHERE id = ?1 AND tenant = ?2",
    [OQ_LAST] = "SELECT " OUTBOX_COLS " FROM outbox AS o WHERE o.tenant = ?1 AND o.session = ?2"
                " ORDER BY o.seq DESC LIMIT 1",
    [OQ_SCAN_SESSION] = "SELECT " OUTBOX_COLS " FROM outbox AS o WHERE o.tenant = ?1 AND o.session = ?2 AND "
                        STATES_IN " ORDER BY o.seq",
    [OQ_SCAN_TENANT] = "SELECT " OUTBOX_COLS " FROM outbox AS o WHERE o.tenant = ?1 AND ?2 = 0 AND " STATES_IN
                       " ORDER BY o.id",
    [OQ_SCAN_ALL] = "SELECT " OUTBOX_COLS " FROM outbox AS o WHERE ?1 = 0 AND ?2 = 0 AND " STATES_IN
                    " ORDER BY o.id",
    [OQ_HEADS_ALL] = "SELECT " OUTBOX_COLS " FROM outbox AS o INDEXED BY outbox_due WHERE ?3 = 0 AND " HEAD_DUE
                     " ORDER BY o.id LIMIT ?2",
    [OQ_HEADS_TENANT] = "SELECT " OUTBOX_COLS " FROM outbox AS o INDEXED BY outbox_due WHERE o.tenant = ?3"
                        " AND " HEAD_DUE " ORDER BY o.id LIMIT ?2",
    [OQ_PURGE] = "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox AS o INDEXED BY outbox_acked"
                 " WHERE o.state = 3 AND o.acked_at < ?1 AND EXISTS (SELECT 1 FROM outbox AS n"
                 " WHERE n.tenant = o.tenant AND n.session = o.session AND n.seq > o.seq))",
    /* The claim's first step: queue what was appended since the last. */
    [OQ_QUEUE] = "UPDATE outbox SET queued = 1 WHERE id > (SELECT mark FROM outbox_mark WHERE one = 1)"
                 " AND queued = 0",
    [OQ_MARK] = "UPDATE outbox_mark SET mark = (SELECT max(id) FROM outbox) WHERE one = 1"
                " AND mark < (SELECT max(id) FROM outbox)",
};

/* Statement `which`, prepared on first use (NULL after a failure, which is
 * recorded on the store). */
static sqlite3_stmt *stmt(sl_store *st, int which)
{
    sq_store *s = Q(st);
    if (!s->outbox_q[which] &&
        sqlite3_prepare_v3(s->h, outbox_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->outbox_q[which], NULL) !=
            SQLITE_OK) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: preparing an outbox statement: %s", sqlite3_errmsg(s->h));
        sl_store_error(st, SL_ESTORE, msg);
        return NULL;
    }
    return s->outbox_q[which];
}

void sl__sqlite_outbox_free(sl_store *st)
{
    for (int i = 0; i < SL__SQ_OUTBOX_QUERIES; i++) {
        sqlite3_finalize(Q(st)->outbox_q[i]);
        Q(st)->outbox_q[i] = NULL;
    }
}

/* Steps s (bound) that returns no row, then resets it; SL_EEXISTS for a
 * duplicate (tenant, session, seq). */
static int run(sl_store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s), code = SL_OK;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: %s: the event already exists (%s)", what, sqlite3_errmsg(Q(st)->h));
        code = sl_store_error(st, SL_EEXISTS, msg);
        sqlite3_reset(s);
        return code;
    }
    return sl__sq_finish_q(st, s, rc, what);
}

/* Is e what a change appends (OQ_INSERT_NEW's spelled-out columns)? */
static int fresh(const sl_outbox_event *e)
{
    return e->state == SL_OUTBOX_PENDING && e->attempts == 0 && e->lease_until == 0 && e->token == 0 &&
           e->acked_at == 0 && e->consumer[0] == '\0' && e->error[0] == '\0';
}

/* Binds the change columns of e, ?1..?13, to OQ_INSERT_NEW. */
static void bind_fresh(sqlite3_stmt *s, const sl_outbox_event *e)
{
    const int64_t v[13] = {e->tenant,  e->session, e->seq,        e->kind,       e->status,
                           e->session_kind, e->student, e->start, e->end,        e->credits,
                           e->deleted_at,   e->created_at, e->available_at};
    for (int i = 0; i < 13; i++)
        sqlite3_bind_int64(s, i + 1, v[i]);
}

static int sq_outbox_append(sl_store *st, sl_outbox_event *e)
{
    int is_fresh = fresh(e);
    sqlite3_stmt *s = stmt(st, is_fresh ? OQ_INSERT_NEW : OQ_INSERT);
    if (!s)
        return SL_ESTORE;
    if (is_fresh)
        bind_fresh(s, e);
    else
        sl__sq_bind(s, &sl__ent_outbox, e, 1); /* every column but the id */
    int rc = run(st, s, "appending an outbox event");
    if (rc == SL_OK)
        e->id = sqlite3_last_insert_rowid(Q(st)->h);
    return rc;
}

/* At most one row of bound statement s into out; SL_ENOTFOUND. */
static int one(sl_store *st, sqlite3_stmt *s, sl_outbox_event *out, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        sl__sq_read(s, &sl__ent_outbox, out);
        sqlite3_reset(s);
        return SL_OK;
    }
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return SL_ENOTFOUND;
    }
    return sl__sq_finish_q(st, s, rc, what);
}

/* One row of statement `which` with ?1 = p1, ?2 = p2. */
static int get_by(sl_store *st, int which, int64_t p1, int64_t p2, sl_outbox_event *out, const char *what)
{
    sqlite3_stmt *s = stmt(st, which);
    if (!s)
        return SL_ESTORE;
    sqlite3_bind_int64(s, 1, p1);
    sqlite3_bind_int64(s, 2, p2);
    return one(st, s, out, what);
}

static int sq_outbox_get(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id id)
{
    return get_by(st, OQ_GET, id, tenant, out, "reading an outbox event");
}

static int sq_outbox_update(sl_store *st, const sl_outbox_event *e)
{
    sqlite3_stmt *s = stmt(st, OQ_UPDATE);
    if (!s)
        return SL_ESTORE;
    sqlite3_bind_int64(s, 1, e->id);
    sqlite3_bind_int64(s, 2, e->tenant);
    sqlite3_bind_int64(s, 3, e->state);
    sqlite3_bind_int64(s, 4, e->attempts);
    sqlite3_bind_int64(s, 5, e->available_at);
    sqlite3_bind_int64(s, 6, e->lease_until);
    sqlite3_bind_int64(s, 7, e->token);
    sqlite3_bind_int64(s, 8, e->acked_at);
    sqlite3_bind_text(s, 9, e->consumer, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, e->error, -1, SQLITE_STATIC);
    int rc = run(st, s, "updating an outbox event");
    if (rc == SL_OK && sqlite3_changes(Q(st)->h) == 0)
        return SL_ENOTFOUND;
    return rc;
}

static int sq_outbox_last(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id session)
{
    return get_by(st, OQ_LAST, tenant, session, out, "reading a session's last outbox event");
}

/* The one scan loop of the outbox: steps bound s, calling cb per row. */
static int scan(sl_store *st, sqlite3_stmt *s, int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx,
                const char *what)
{
    sl_outbox_event row;
    int rc;
    if (!cb) {
        sqlite3_reset(s);
        return sl_store_error(st, SL_EINVAL, "sqlite: an outbox scan's callback is NULL");
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        sl__sq_read(s, &sl__ent_outbox, &row);
        int stop = cb(ctx, &row);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, what);
}

static int sq_outbox_scan(sl_store *st, sl_id tenant, sl_id session, uint32_t states,
                          int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    sqlite3_stmt *s = stmt(st, session ? OQ_SCAN_SESSION : tenant ? OQ_SCAN_TENANT : OQ_SCAN_ALL);
    if (!s)
        return SL_ESTORE;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, session);
    sqlite3_bind_int64(s, 3, (int64_t)states);
    return scan(st, s, cb, ctx, "reading outbox events");
}

static int sq_outbox_heads(sl_store *st, sl_id tenant, sl_time now, size_t limit,
                           int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    sqlite3_stmt *queue = stmt(st, OQ_QUEUE), *mark = stmt(st, OQ_MARK);
    sqlite3_stmt *s = stmt(st, tenant ? OQ_HEADS_TENANT : OQ_HEADS_ALL);
    if (!queue || !mark || !s)
        return SL_ESTORE;
    int rc = run(st, queue, "queueing new outbox events");
    if (rc == SL_OK)
        rc = run(st, mark, "moving the outbox mark");
    if (rc != SL_OK)
        return rc;
    sqlite3_bind_int64(s, 1, now);
    sqlite3_bind_int64(s, 2, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    sqlite3_bind_int64(s, 3, tenant);
    return scan(st, s, cb, ctx, "finding due outbox events");
}

static int sq_outbox_purge(sl_store *st, sl_time before, size_t *purged)
{
    sqlite3_stmt *s = stmt(st, OQ_PURGE);
    *purged = 0;
    if (!s)
        return SL_ESTORE;
    sqlite3_bind_int64(s, 1, before);
    int rc = run(st, s, "purging outbox events");
    if (rc == SL_OK)
        *purged = (size_t)sqlite3_changes(Q(st)->h);
    return rc;
}

void sl__sqlite_outbox_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__OUTBOX_METHODS, sq);
}
