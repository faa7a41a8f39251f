/*
 * lib/store/sqlite_class.c - group classes in the SQLite store (tables
 * classes and seats, migration 8 in schema.c). Statements are prepared on
 * first use and kept until the store closes. The schema enforces what it
 * can by itself: the class's seat counter is CHECKed against the capacity
 * and a trigger refuses a seat beyond it (SL_EFULL either way), one live
 * place per student per class and unique keys (SL_EEXISTS).
 */
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "sqlite_internal.h"

enum {
    CQ_CLASS_PUT,
    CQ_CLASS_GET,
    CQ_SEAT_INSERT,
    CQ_SEAT_UPDATE,
    CQ_SEATS,
    CQ_SEAT_BY_KEY,
    CQ_SEAT_FLOOR,
    CQ_SEATS_PURGE,
    CQ_CLASSES_PURGE
};

/* The sessions a purge deletes (Q_SESSION_PURGE, sqlite_queries.sql), ?1 before. */
#define PURGED_SESSIONS                                                                                            \
    "SELECT tenant, id FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < ?1"

static const char *const class_sql[] = {
    [CQ_CLASS_PUT] = "INSERT OR REPLACE INTO classes (tenant, id, capacity, credits_per_seat, taken, waitlisted,"
                     " last_position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [CQ_CLASS_GET] = "SELECT tenant, id, capacity, credits_per_seat, taken, waitlisted, last_position FROM classes"
                     " WHERE tenant = ?1 AND id = ?2",
    /* A seat's id is one past the largest and past the floor a purge
     * recorded (as sessions', SL__SQ_NEXT_SESSION_ID): never reused. */
    [CQ_SEAT_INSERT] = "INSERT INTO seats (" SEAT_COLS ") VALUES (max(coalesce((SELECT max(id) FROM seats), 0),"
                       " coalesce((SELECT floor FROM id_floors WHERE name = 'seats'), 0)) + 1,"
                       " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [CQ_SEAT_UPDATE] = "UPDATE seats SET status = ?6, hold_id = ?7, updated_at = ?9, idem_key = ?10,"
                       " request_hash = ?11, withdraw_key = ?12, withdraw_hash = ?13"
                       " WHERE id = ?1 AND tenant = ?2 AND class_id = ?3 AND student = ?4 AND position = ?5",
    [CQ_SEATS] = "SELECT " SEAT_COLS " FROM seats WHERE tenant = ?1 AND class_id = ?2 ORDER BY position",
    [CQ_SEAT_BY_KEY] = "SELECT " SEAT_COLS " FROM seats WHERE tenant = ?1 AND idem_key = ?2 UNION ALL"
                       " SELECT " SEAT_COLS " FROM seats WHERE tenant = ?1 AND withdraw_key = ?2 LIMIT 1",
    /* sq_class_purge: the seats' id floor, then the rows of the sessions
     * being purged (by the primary key of classes, seats_position's prefix). */
    [CQ_SEAT_FLOOR] = "INSERT INTO id_floors (name, floor) SELECT 'seats', coalesce(max(id), 0) FROM seats WHERE 1"
                      " ON CONFLICT (name) DO UPDATE SET floor = max(floor, excluded.floor)",
    [CQ_SEATS_PURGE] = "DELETE FROM seats WHERE (tenant, class_id) IN (" PURGED_SESSIONS ")",
    [CQ_CLASSES_PURGE] = "DELETE FROM classes WHERE (tenant, id) IN (" PURGED_SESSIONS ")",
};
_Static_assert(sizeof class_sql / sizeof class_sql[0] <= SL__SQ_CLASS_QUERIES, "room for the class statements");

static int cq_fail(sl_store *st, int rc, const char *what)
{
    char msg[SL__SQ_MSG_SIZE];
    int code = sl__sqlite_code(rc) == SL_OK ? SL_ESTORE : sl__sqlite_code(rc);
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        code = SL_EEXISTS;
    else if (rc == SQLITE_CONSTRAINT_CHECK || rc == SQLITE_CONSTRAINT_TRIGGER)
        code = SL_EFULL;
    snprintf(msg, sizeof(msg), "sqlite: %s: %s", what, sqlite3_errmsg(Q(st)->h));
    return sl_store_error(st, code, msg);
}

/* The statement `which`, prepared on first use; NULL after a failure
 * (reported through *rc). */
static sqlite3_stmt *stmt(sl_store *st, int which, int *rc)
{
    sq_store *s = Q(st);
    if (!s->cq[which]) {
        int r = sqlite3_prepare_v3(s->h, class_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->cq[which], NULL);
        if (r != SQLITE_OK) {
            *rc = cq_fail(st, r, "preparing a class statement");
            return NULL;
        }
    }
    *rc = SL_OK;
    return s->cq[which];
}

/* Steps a statement that returns no row, then resets it. */
static int cq_write(sl_store *st, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    int code = rc == SQLITE_DONE ? SL_OK : cq_fail(st, rc, what);
    sqlite3_reset(q);
    return code;
}

static int sq_class_put(sl_store *st, const sl_class *c)
{
    int rc;
    sqlite3_stmt *q = stmt(st, CQ_CLASS_PUT, &rc);
    if (!q)
        return rc;
    const int64_t v[] = {c->tenant, c->id, c->capacity, c->credits_per_seat, c->taken, c->waitlisted,
                         c->last_position};
    for (int i = 0; i < 7; i++)
        sqlite3_bind_int64(q, i + 1, v[i]);
    return cq_write(st, q, "writing a class");
}

static int sq_class_get(sl_store *st, sl_class *out, sl_id tenant, sl_id id)
{
    int rc;
    sqlite3_stmt *q = stmt(st, CQ_CLASS_GET, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, tenant);
    sqlite3_bind_int64(q, 2, id);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->version = SL_CLASS_VERSION;
        out->tenant = sqlite3_column_int64(q, 0);
        out->id = sqlite3_column_int64(q, 1);
        out->capacity = (int32_t)sqlite3_column_int64(q, 2);
        out->credits_per_seat = sqlite3_column_int64(q, 3);
        out->taken = (int32_t)sqlite3_column_int64(q, 4);
        out->waitlisted = (int32_t)sqlite3_column_int64(q, 5);
        out->last_position = sqlite3_column_int64(q, 6);
    }
    int code = rc == SQLITE_ROW ? SL_OK : rc == SQLITE_DONE ? SL_ENOTFOUND : cq_fail(st, rc, "reading a class");
    sqlite3_reset(q);
    return code;
}

static void read_seat(sqlite3_stmt *q, sl_seat *s)
{
    sl__sq_read(q, &sl__ent_seat, s);
}

static int sq_seat_put(sl_store *st, sl_seat *s)
{
    int rc;
    sqlite3_stmt *q = stmt(st, s->id ? CQ_SEAT_UPDATE : CQ_SEAT_INSERT, &rc);
    if (!q)
        return rc;
    const int64_t v[] = {s->id, s->tenant, s->class_id, s->student, s->position, s->status, s->hold_id,
                         s->created_at, s->updated_at};
    for (int i = s->id ? 0 : 1; i < 9; i++)
        sqlite3_bind_int64(q, i + 1, v[i]);
    sqlite3_bind_text(q, 10, s->key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 11, s->request_hash, sizeof(s->request_hash), SQLITE_STATIC);
    sqlite3_bind_text(q, 12, s->withdraw_key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 13, s->withdraw_hash, sizeof(s->withdraw_hash), SQLITE_STATIC);
    if ((rc = cq_write(st, q, "writing a seat")) != SL_OK)
        return rc;
    if (s->id == 0)
        s->id = sqlite3_last_insert_rowid(Q(st)->h);
    else if (sqlite3_changes(Q(st)->h) == 0)
        return SL_ENOTFOUND;
    return SL_OK;
}

static int sq_seats_scan(sl_store *st, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s), void *ctx)
{
    int rc;
    sl_seat row;
    if (!cb)
        return sl_store_error(st, SL_EINVAL, "sqlite: seats_scan: callback is NULL");
    sqlite3_stmt *q = stmt(st, CQ_SEATS, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, tenant);
    sqlite3_bind_int64(q, 2, class_id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        read_seat(q, &row);
        int stop = cb(ctx, &row);
        if (stop != 0) {
            sqlite3_reset(q);
            return stop;
        }
    }
    int code = rc == SQLITE_DONE ? SL_OK : cq_fail(st, rc, "reading seats");
    sqlite3_reset(q);
    return code;
}

static int sq_seat_by_key(sl_store *st, sl_seat *out, sl_id tenant, const char *key)
{
    int rc, maybe = key ? sl__sq_key_maybe(st, SL__SQ_KEY_SEAT, tenant, key) : 1;
    if (maybe <= 0)
        return maybe < 0 ? maybe : SL_ENOTFOUND;
    sqlite3_stmt *q = stmt(st, CQ_SEAT_BY_KEY, &rc);
    if (!q)
        return rc;
    sqlite3_bind_int64(q, 1, tenant);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_seat(q, out);
    int code = rc == SQLITE_ROW ? SL_OK : rc == SQLITE_DONE ? SL_ENOTFOUND : cq_fail(st, rc, "looking up a seat key");
    sqlite3_reset(q);
    return code;
}

int sl__sq_class_purge(sl_store *st, sl_time before)
{
    static const int steps[] = {CQ_SEAT_FLOOR, CQ_SEATS_PURGE, CQ_CLASSES_PURGE};
    int rc = SL_OK;
    for (size_t i = 0; rc == SL_OK && i < sizeof(steps) / sizeof(steps[0]); i++) {
        sqlite3_stmt *q = stmt(st, steps[i], &rc);
        if (!q)
            break;
        if (steps[i] != CQ_SEAT_FLOOR)
            sqlite3_bind_int64(q, 1, before);
        rc = cq_write(st, q, "purging the classes of deleted sessions");
    }
    return rc;
}

void sl__sqlite_class_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__CLASS_METHODS, sq);
}
