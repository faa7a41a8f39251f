/*
 * lib/store/postgres.c - the PostgreSQL store: the connection, statements,
 * transactions, tenants, errors and the constructor.
 *
 * Isolation: begin(tenant, 1) is "BEGIN ISOLATION LEVEL READ COMMITTED"
 * and "SELECT pg_advisory_xact_lock_shared(ALL, 0),
 * pg_advisory_xact_lock(TENANT, fold(tenant))", sent in one pipeline with
 * the transaction's first statement (so begin costs no round trip of its
 * own, and the lock is held before anything is read): every writer of a
 * tenant waits for the one before it, and read committed gives each later
 * statement a snapshot taken after the lock, so it sees every write
 * committed before it. begin(0, 1) (purge) takes ALL exclusively instead,
 * which waits for every writer. Tenant ids are folded to 32 bits for the
 * two-key lock: two tenants sharing a lock only wait for each other.
 * begin(tenant, 0) is REPEATABLE READ, READ ONLY: one snapshot. Lock
 * waits are bounded by lock_timeout (the busy timeout): SL_EBUSY.
 *
 * Writes never abort the transaction for an expected refusal: inserts and
 * replaces check their unique keys in the same statement (postgres_*.c),
 * so a duplicate is SL_EEXISTS and the transaction goes on, as in the
 * other stores. What the server refuses by itself -- an overlap caught by
 * the exclusion constraint, a key taken by a concurrent writer when the
 * advisory lock is off -- aborts the transaction; the core then rolls back.
 *
 * Errors (SQLSTATE): 23P01 SL_ECONFLICT; 23505 SL_EBUSY (a key written by
 * a concurrent transaction: a retry answers exactly, as a replay or
 * SL_EIDEMPOTENCY; duplicates already there are SL_EEXISTS from the
 * guards); 40001 / 40P01 / 55P03 / 57014 SL_EBUSY; 25006 SL_EMISUSE (a write in a read
 * transaction), a lost connection (or 08xxx, 57P0x) SL_ESTORE and the next
 * begin reconnects; anything else SL_ESTORE. Messages name the host,
 * database and user (PQhost, PQdb, PQuser), never the connection string:
 * a password never reaches a message.
 *
 * Groups (sl_group_*): one READ COMMITTED transaction whose BEGIN rides on
 * its first statement; each call is savepoint sl_call, whose SAVEPOINT
 * (after the RELEASE of the previous call's) and tenant lock ride on the
 * call's first statement too; undoing a call is one ROLLBACK TO. Every
 * lock a call takes, and the row lock on the id counter its insert
 * updates (sl_ids), is held until the group ends.
 *
 * Scans read the whole result, then call back: a callback may even write.
 *
 * Round trips (tests/check_pg.c counts them): one per statement, with
 * begin riding on the first; the core's three lookups of an idempotency
 * key (sessions, entries, holds) go out together in one pipeline and are
 * answered from that result until the next statement.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* Advisory lock classes (first key of the two-key form): "SlLd", +1. */
#define LOCK_ALL "1399606372"
#define LOCK_TENANT "1399606373"

#define RULE_COLS "id, tenant, weekday, start_min, end_min, valid_from, valid_until," \
                  " created_at, updated_at, deleted_at"
#define OVERRIDE_COLS "id, tenant, date, windows, created_at, updated_at, deleted_at"
#define SESSION_COLS "id, tenant, student, start_at, end_at, status, kind, credits, hold_id," \
                     " series_id, created_at, updated_at, deleted_at, idem_key, request_hash"
#define ACCOUNT_COLS "tenant, student, floor, posted, held, created_at, updated_at, deleted_at"
#define ENTRY_COLS "id, tenant, seq, account, kind, amount, balance_after, hold_id, created_at," \
                   " idem_key, reference, request_hash, hash"
#define HOLD_COLS "id, tenant, account, status, amount, captured, expires_at, created_at," \
                  " resolved_at, entry_id, idem_key, request_hash"
/* $2 = from - 86400 (sessions last at most a day), $3 = to, $4 = from. */
#define SESSION_RANGE "start_at > $2 AND start_at < $3 AND end_at > $4"
/* Takes the next id of table `e` when the guard holds; rolled back with
 * the transaction, so ids match the other stores'. */
#define NEXT_ID(e, guard) "WITH nid AS (UPDATE sl_ids SET last = last + 1 WHERE entity = " e \
                          " AND " guard " RETURNING last) "
/* A replace answers (rows changed, row existed): 0 changed of 1 existing
 * means a unique key of another row refused it. */
#define REPLACED(table) " RETURNING id) SELECT (SELECT count(*) FROM upd)," \
                        " (SELECT count(*) FROM " table " WHERE tenant = $2 AND id = $1)"

typedef struct query {
    const char *types;
    const char *sql;
} query;

static const query queries[PQ_COUNT] = {
    [PQ_TENANT_GET] = {"I",
        "SELECT tz::bytea, buffer_before, buffer_after, min_notice, step, max_advance_days,"
        " late_cancel, created_at, updated_at FROM tenants WHERE id = $1"},
    [PQ_TENANT_PUT] = {"ITIIIIIIII",
        "INSERT INTO tenants (id, tz, buffer_before, buffer_after, min_notice, step,"
        " max_advance_days, late_cancel, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (id) DO UPDATE SET tz = $2, buffer_before = $3, buffer_after = $4,"
        " min_notice = $5, step = $6, max_advance_days = $7, late_cancel = $8, updated_at = $10"},

    /* rules: $1 id, $2 tenant, $3 weekday, $4 start_min, $5 end_min,
     * $6 valid_from, $7 valid_until, $8 created_at, $9 updated_at,
     * $10 deleted_at */
    [PQ_RULE_INSERT] = {"IIIIIIIIII",
        NEXT_ID("1", "true")
        "INSERT INTO rules (tenant, id, weekday, start_min, end_min, valid_from, valid_until,"
        " created_at, updated_at, deleted_at) SELECT $2, last, $3, $4, $5, $6, $7, $8, $9, $10"
        " FROM nid RETURNING id"},
    [PQ_RULE_UPDATE] = {"IIIIIIIIII",
        "UPDATE rules SET weekday = $3, start_min = $4, end_min = $5, valid_from = $6,"
        " valid_until = $7, created_at = $8, updated_at = $9, deleted_at = $10"
        " WHERE tenant = $2 AND id = $1"},
    [PQ_RULE_GET] = {"II", "SELECT " RULE_COLS " FROM rules WHERE tenant = $2 AND id = $1"},
    [PQ_RULES_LIVE] = {"I",
        "SELECT " RULE_COLS " FROM rules WHERE tenant = $1 AND deleted_at IS NULL ORDER BY id"},
    [PQ_RULES_ALL] = {"I", "SELECT " RULE_COLS " FROM rules WHERE tenant = $1 ORDER BY id"},

    /* overrides: $1 id, $2 tenant, $3 date, $4 windows, $5 created_at,
     * $6 updated_at, $7 deleted_at */
    [PQ_OVERRIDE_INSERT] = {"IIIBIII",
        NEXT_ID("2", "NOT EXISTS (SELECT 1 FROM overrides WHERE tenant = $2 AND date = $3)")
        "INSERT INTO overrides (tenant, id, date, windows, created_at, updated_at, deleted_at)"
        " SELECT $2, last, $3, $4, $5, $6, $7 FROM nid RETURNING id"},
    [PQ_OVERRIDE_UPDATE] = {"IIIBIII",
        "WITH upd AS (UPDATE overrides SET date = $3, windows = $4, created_at = $5, updated_at = $6,"
        " deleted_at = $7 WHERE tenant = $2 AND id = $1 AND NOT EXISTS (SELECT 1 FROM overrides o"
        " WHERE o.tenant = $2 AND o.date = $3 AND o.id <> $1)" REPLACED("overrides")},
    [PQ_OVERRIDE_GET] = {"II", "SELECT " OVERRIDE_COLS " FROM overrides WHERE tenant = $1 AND date = $2"},
    [PQ_OVERRIDES_LIVE] = {"III",
        "SELECT " OVERRIDE_COLS " FROM overrides WHERE tenant = $1 AND date >= $2 AND date <= $3"
        " AND deleted_at IS NULL ORDER BY date"},
    [PQ_OVERRIDES_ALL] = {"III",
        "SELECT " OVERRIDE_COLS " FROM overrides WHERE tenant = $1 AND date >= $2 AND date <= $3"
        " ORDER BY date"},

    /* sessions: $1 id, $2 tenant, $3 student, $4 start_at, $5 end_at,
     * $6 status, $7 kind, $8 credits, $9 hold_id, $10 series_id,
     * $11 created_at, $12 updated_at, $13 deleted_at, $14 idem_key,
     * $15 request_hash */
    [PQ_SESSION_INSERT] = {"IIIIIIIIIIIIIBB",
        NEXT_ID("3", "NOT ($14 <> ''::bytea AND EXISTS (SELECT 1 FROM sessions"
                     " WHERE tenant = $2 AND idem_key = $14 AND idem_key <> ''::bytea))")
        "INSERT INTO sessions (tenant, id, student, start_at, end_at, status, kind, credits,"
        " hold_id, series_id, created_at, updated_at, deleted_at, idem_key, request_hash)"
        " SELECT $2, last, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 FROM nid RETURNING id"},
    [PQ_SESSION_UPDATE] = {"IIIIIIIIIIIIIBB",
        "WITH upd AS (UPDATE sessions SET student = $3, start_at = $4, end_at = $5, status = $6,"
        " kind = $7, credits = $8, hold_id = $9, series_id = $10, created_at = $11, updated_at = $12,"
        " deleted_at = $13, idem_key = $14, request_hash = $15 WHERE tenant = $2 AND id = $1"
        " AND NOT ($14 <> ''::bytea AND EXISTS (SELECT 1 FROM sessions s WHERE s.tenant = $2"
        " AND s.idem_key = $14 AND s.idem_key <> ''::bytea AND s.id <> $1))" REPLACED("sessions")},
    [PQ_SESSION_GET] = {"II", "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $2 AND id = $1"},
    [PQ_SESSION_BY_KEY] = {"IB",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND idem_key = $2 AND idem_key <> ''::bytea"},
    [PQ_SESSIONS_BLOCKING] = {"IIII",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND deleted_at IS NULL AND status <> 3"
        " AND " SESSION_RANGE " ORDER BY start_at, id"},
    [PQ_SESSIONS_BUSY] = {"IIII",
        "SELECT id, tenant, start_at, end_at FROM sessions WHERE tenant = $1 AND deleted_at IS NULL"
        " AND status <> 3 AND " SESSION_RANGE " ORDER BY start_at, id"},
    [PQ_SESSIONS_LIVE] = {"IIII",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND deleted_at IS NULL AND " SESSION_RANGE
        " ORDER BY start_at, id"},
    [PQ_SESSIONS_ALL] = {"IIII",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND " SESSION_RANGE " ORDER BY start_at, id"},
    [PQ_STUDENT_LIVE] = {"II",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND student = $2 AND deleted_at IS NULL"
        " ORDER BY start_at, id"},
    [PQ_STUDENT_ALL] = {"II",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND student = $2 ORDER BY start_at, id"},
    [PQ_SERIES] = {"II",
        "SELECT " SESSION_COLS " FROM sessions WHERE tenant = $1 AND series_id = $2 AND series_id <> 0"
        " ORDER BY start_at, id"},

    /* soft delete: $1 id (the student for accounts), $2 tenant,
     * $3 deleted_at (NULL restores) */
    [PQ_RULE_SOFT_DELETE] = {"III", "UPDATE rules SET deleted_at = $3 WHERE tenant = $2 AND id = $1"},
    [PQ_OVERRIDE_SOFT_DELETE] = {"III", "UPDATE overrides SET deleted_at = $3 WHERE tenant = $2 AND id = $1"},
    [PQ_SESSION_SOFT_DELETE] = {"III", "UPDATE sessions SET deleted_at = $3 WHERE tenant = $2 AND id = $1"},
    [PQ_ACCOUNT_SOFT_DELETE] = {"III",
        "UPDATE accounts SET deleted_at = $3 WHERE tenant = $2 AND student = $1"},

    /* purge: $1 before, every tenant (an administrative statement) */
    [PQ_RULE_PURGE] = {"I", "DELETE FROM rules WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < $1"},
    [PQ_OVERRIDE_PURGE] = {"I",
        "DELETE FROM overrides WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < $1"},
    [PQ_SESSION_PURGE] = {"I",
        "DELETE FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at > 0 AND deleted_at < $1"},

    /* accounts: $1 tenant, $2 student, $3 floor, $4 posted, $5 held,
     * $6 created_at, $7 updated_at, $8 deleted_at */
    [PQ_ACCOUNT_GET] = {"II", "SELECT " ACCOUNT_COLS " FROM accounts WHERE tenant = $1 AND student = $2"},
    [PQ_ACCOUNT_PUT] = {"IIIIIIII",
        "INSERT INTO accounts (" ACCOUNT_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (tenant, student) DO UPDATE SET floor = $3, posted = $4, held = $5,"
        " created_at = $6, updated_at = $7, deleted_at = $8"},
    [PQ_ACCOUNTS_TENANT] = {"I", "SELECT " ACCOUNT_COLS " FROM accounts WHERE tenant = $1 ORDER BY student"},

    /* entries: $1 tenant, $2 seq, $3 account, $4 kind, $5 amount,
     * $6 balance_after, $7 hold_id, $8 created_at, $9 idem_key,
     * $10 reference, $11 request_hash, $12 hash */
    [PQ_ENTRY_INSERT] = {"IIIIIIIIBBBB",
        NEXT_ID("4", "NOT EXISTS (SELECT 1 FROM entries WHERE tenant = $1 AND seq = $2)"
                     " AND NOT EXISTS (SELECT 1 FROM entries WHERE tenant = $1 AND idem_key = $9)")
        "INSERT INTO entries (tenant, id, seq, account, kind, amount, balance_after, hold_id,"
        " created_at, idem_key, reference, request_hash, hash)"
        " SELECT $1, last, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM nid RETURNING id"},
    [PQ_ENTRY_BY_KEY] = {"IB", "SELECT " ENTRY_COLS " FROM entries WHERE tenant = $1 AND idem_key = $2"},
    [PQ_ENTRY_LAST] = {"I", "SELECT " ENTRY_COLS " FROM entries WHERE tenant = $1 ORDER BY seq DESC LIMIT 1"},
    [PQ_ENTRIES_TENANT] = {"II",
        "SELECT " ENTRY_COLS " FROM entries WHERE tenant = $1 AND seq > $2 ORDER BY seq"},
    [PQ_ENTRIES_ACCOUNT] = {"III",
        "SELECT " ENTRY_COLS " FROM entries WHERE tenant = $1 AND account = $3 AND seq > $2 ORDER BY seq"},

    /* holds: $1 id, $2 tenant, $3 account, $4 status, $5 amount,
     * $6 captured, $7 expires_at, $8 created_at, $9 resolved_at,
     * $10 entry_id, $11 idem_key, $12 request_hash */
    [PQ_HOLD_INSERT] = {"IIIIIIIIIIBB",
        NEXT_ID("5", "NOT ($11 <> ''::bytea AND EXISTS (SELECT 1 FROM holds"
                     " WHERE tenant = $2 AND idem_key = $11 AND idem_key <> ''::bytea))")
        "INSERT INTO holds (tenant, id, account, status, amount, captured, expires_at, created_at,"
        " resolved_at, entry_id, idem_key, request_hash)"
        " SELECT $2, last, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM nid RETURNING id"},
    [PQ_HOLD_UPDATE] = {"IIIIIIIIIIBB",
        "WITH upd AS (UPDATE holds SET account = $3, status = $4, amount = $5, captured = $6,"
        " expires_at = $7, created_at = $8, resolved_at = $9, entry_id = $10, idem_key = $11,"
        " request_hash = $12 WHERE tenant = $2 AND id = $1 AND NOT ($11 <> ''::bytea AND EXISTS"
        " (SELECT 1 FROM holds h WHERE h.tenant = $2 AND h.idem_key = $11 AND h.idem_key <> ''::bytea"
        " AND h.id <> $1))" REPLACED("holds")},
    [PQ_HOLD_GET] = {"II", "SELECT " HOLD_COLS " FROM holds WHERE tenant = $2 AND id = $1"},
    [PQ_HOLD_BY_KEY] = {"IB",
        "SELECT " HOLD_COLS " FROM holds WHERE tenant = $1 AND idem_key = $2 AND idem_key <> ''::bytea"},
    [PQ_HOLDS_EXPIRED] = {"III",
        "SELECT " HOLD_COLS " FROM holds WHERE tenant = $1 AND account = $2 AND status = 1"
        " AND expires_at <= $3"},

    /* webhook events: $1 tenant, $2 source, $3 event_id, $4 claimed_at */
    [PQ_WEBHOOK_CLAIM] = {"IBBI",
        "INSERT INTO webhook_events (tenant, source, event_id, claimed_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING RETURNING tenant"},

    /* row MACs: $1 tenant, $2 student or hold id, $3 mac_seq, $4 mac */
    [PQ_ACCOUNT_MAC_PUT] = {"IIIB", "UPDATE accounts SET mac_seq = $3, mac = $4 WHERE tenant = $1 AND student = $2"},
    [PQ_ACCOUNT_MAC_GET] = {"II", "SELECT mac_seq, mac FROM accounts WHERE tenant = $1 AND student = $2"},
    [PQ_HOLD_MAC_PUT] = {"IIIB", "UPDATE holds SET mac_seq = $3, mac = $4 WHERE tenant = $1 AND id = $2"},
    [PQ_HOLD_MAC_GET] = {"II", "SELECT mac_seq, mac FROM holds WHERE tenant = $1 AND id = $2"},
    /* Verification reads every hold of a tenant, in id order (primary key). */
    [PQ_HOLDS_TENANT] = {"I", "SELECT " HOLD_COLS " FROM holds WHERE tenant = $1 ORDER BY id"},
};

const char *sl__pg_query(int i, const char **types)
{
    if (i < 0 || i >= PQ_COUNT)
        return NULL;
    if (types)
        *types = queries[i].types;
    return queries[i].sql;
}

unsigned long sl__pg_round_trips(const sl_store *st)
{
    return st ? ((const pg_store *)st)->round_trips : 0;
}

/* ---- parameters and results ---------------------------------------------- */

void sl__pg_p_i64(pg_params *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    unsigned char *b = p->i8[p->n];
    for (int i = 7; i >= 0; i--, u >>= 8)
        b[i] = (unsigned char)u;
    p->val[p->n] = (const char *)b;
    p->len[p->n] = 8;
    p->fmt[p->n++] = 1;
}

void sl__pg_p_deleted(pg_params *p, int64_t v)
{
    if (v != 0) {
        sl__pg_p_i64(p, v);
        return;
    }
    p->val[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 1;
}

void sl__pg_p_bytes(pg_params *p, const void *b, size_t n)
{
    static const char empty[1] = "";
    p->val[p->n] = n ? (const char *)b : empty;
    p->len[p->n] = (int)n;
    p->fmt[p->n++] = 1;
}

void sl__pg_p_str(pg_params *p, const char *s)
{
    sl__pg_p_bytes(p, s, strlen(s));
}

int64_t sl__pg_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return 0;
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | b[i];
    return (int64_t)u; /* two's complement on every platform we build for */
}

void sl__pg_text(const PGresult *r, int row, int col, char *dst, size_t cap)
{
    size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(dst, PQgetvalue(r, row, col), n);
    dst[n] = '\0';
}

void sl__pg_blob(const PGresult *r, int row, int col, uint8_t *dst, size_t n)
{
    if (!PQgetisnull(r, row, col) && (size_t)PQgetlength(r, row, col) == n)
        memcpy(dst, PQgetvalue(r, row, col), n);
}

/* ---- errors --------------------------------------------------------------- */

static int state_is(const char *state, const char *want)
{
    return state && strcmp(state, want) == 0;
}

/* Copies a libpq message into dst on one line (control characters become
 * spaces), without its trailing blanks. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < cap; src++)
        dst[n++] = (unsigned char)*src < 0x20 ? ' ' : *src; /* newlines, tabs */
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

int sl__pg_fail(sl_store *st, const PGresult *r, const char *what)
{
    pg_store *s = P(st);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char server[PG_MSG_SIZE / 2], msg[PG_MSG_SIZE];
    one_line(server, sizeof(server), primary ? primary : PQerrorMessage(s->conn));
    int code = SL_ESTORE;
    if (PQstatus(s->conn) != CONNECTION_OK || (state && (strncmp(state, "08", 2) == 0 ||
                                                         strncmp(state, "57P", 3) == 0))) {
        s->broken = 1;
        snprintf(msg, sizeof(msg),
                 "postgres: %s: the connection to %s/%s was lost (%s); the next call reconnects", what,
                 PQhost(s->conn) ? PQhost(s->conn) : "?", PQdb(s->conn) ? PQdb(s->conn) : "?", server);
        return sl_store_error(st, SL_ESTORE, msg);
    }
    if (state_is(state, "23P01")) {
        code = SL_ECONFLICT;
        snprintf(msg, sizeof(msg), "postgres: %s: the time overlaps another session (%s)", what, server);
    } else if (state_is(state, "23505")) {
        /* Every duplicate that was there when the statement began is
         * caught by the statement's own guard (SL_EEXISTS, no error); the
         * server raises this only for a row a concurrent transaction
         * wrote meanwhile (possible only without the advisory lock). A
         * retry then finds that row and answers exactly: busy. */
        code = SL_EBUSY;
        snprintf(msg, sizeof(msg), "postgres: %s: a concurrent transaction wrote the same key (%s); retry", what,
                 server);
    } else if (state_is(state, "40001") || state_is(state, "40P01") || state_is(state, "55P03") ||
               state_is(state, "57014")) {
        code = SL_EBUSY;
        snprintf(msg, sizeof(msg), "postgres: %s: busy (%s: %s); retry", what, state, server);
    } else if (state_is(state, "25006")) {
        code = SL_EMISUSE;
        snprintf(msg, sizeof(msg), "postgres: %s outside a write transaction (%s)", what, server);
    } else {
        snprintf(msg, sizeof(msg), "postgres: %s: %s%s%s", what, server, state ? " SQLSTATE " : "",
                 state ? state : "");
    }
    return sl_store_error(st, code, msg);
}

static int conn_ensure(pg_store *s);

/* One statement of a pipeline: its result (owned by the caller) or NULL. */
typedef struct pg_call {
    int which;
    const pg_params *p;
    PGresult *r;
} pg_call;

static int send_prepared(PGconn *c, const pg_call *call)
{
    char name[16];
    const pg_params *p = call->p;
    snprintf(name, sizeof(name), "sl%d", call->which);
    return PQsendQueryPrepared(c, name, p ? p->n : 0, p ? p->val : NULL, p ? p->len : NULL, p ? p->fmt : NULL, 1);
}

static void key_cache_clear(pg_store *s)
{
    for (int i = 0; i < 3; i++) {
        PQclear(s->kc_res[i]);
        s->kc_res[i] = NULL;
    }
    s->kc_valid = 0;
}

/* Reads the result of one pipelined statement and the NULL that ends it;
 * the first failure is reported (later ones are only "aborted"). */
static PGresult *pipeline_result(pg_store *s, int *rc, const char *what)
{
    PGresult *r = PQgetResult(s->conn);
    ExecStatusType t = PQresultStatus(r);
    if (r && (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK)) {
        PQclear(PQgetResult(s->conn)); /* the end of this statement's results */
        return r;
    }
    if (*rc == SL_OK)
        *rc = sl__pg_fail(&s->base, r, what);
    if (r)
        PQclear(PQgetResult(s->conn));
    PQclear(r);
    return NULL;
}

/* Sends the pending BEGIN and lock (if any) and calls[0..n) in one
 * pipeline: one round trip. */
static int run_pipeline(pg_store *s, pg_call *calls, int n, const char *what)
{
    PGconn *c = s->conn;
    int rc = SL_OK, pre = 0;
    const char *all[4] = {s->begin_sql, s->sp_release ? "RELEASE SAVEPOINT sl_call" : "",
                          s->sp_pending ? "SAVEPOINT sl_call" : "", s->lock_sql};
    const char *pre_sql[4];
    for (int i = 0; s->begin_pending && i < 4; i++)
        if (all[i][0])
            pre_sql[pre++] = all[i];
    if (s->begin_pending && s->group) { /* sent now, whatever the server says */
        s->group_sent = 1;
        s->sp_open = 1;
    }
    s->begin_pending = s->sp_release = s->sp_pending = 0;
    s->round_trips++;
    int ok = PQenterPipelineMode(c);
    for (int i = 0; ok && i < pre; i++)
        ok = PQsendQueryParams(c, pre_sql[i], 0, NULL, NULL, NULL, NULL, 1);
    for (int i = 0; ok && i < n; i++)
        ok = send_prepared(c, &calls[i]);
    if (!ok || !PQpipelineSync(c)) {
        rc = sl__pg_fail(&s->base, NULL, what);
        PQexitPipelineMode(c);
        return rc;
    }
    for (int i = 0; i < pre && PQstatus(c) == CONNECTION_OK; i++)
        PQclear(pipeline_result(s, &rc, "beginning a transaction (waiting for the tenant's lock)"));
    for (int i = 0; i < n && PQstatus(c) == CONNECTION_OK; i++)
        calls[i].r = pipeline_result(s, &rc, what);
    if (PQstatus(c) == CONNECTION_OK)
        PQclear(PQgetResult(c)); /* PGRES_PIPELINE_SYNC */
    PQexitPipelineMode(c);
    if (rc == SL_OK && PQstatus(c) != CONNECTION_OK)
        rc = sl__pg_fail(&s->base, NULL, what);
    return rc;
}

/* Runs calls[0..n): one round trip, whatever n. On failure every result
 * is NULL. A connection found dead by the transaction's first statements
 * (a server restart while the store was idle) is reset and the statements
 * sent once more: nothing had been done, so that is safe. */
static int run_calls(pg_store *s, pg_call *calls, int n, const char *what)
{
    key_cache_clear(s);
    for (int attempt = 0;; attempt++) {
        int first = s->begin_pending, rc;
        if (n == 1 && !first) {
            char name[16];
            const pg_params *p = calls[0].p;
            snprintf(name, sizeof(name), "sl%d", calls[0].which);
            s->round_trips++;
            PGresult *r = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->val : NULL, p ? p->len : NULL,
                                         p ? p->fmt : NULL, 1);
            ExecStatusType t = PQresultStatus(r);
            if (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK) {
                calls[0].r = r;
                return SL_OK;
            }
            rc = sl__pg_fail(&s->base, r, what);
            PQclear(r);
        } else {
            rc = run_pipeline(s, calls, n, what);
        }
        if (rc == SL_OK)
            return SL_OK;
        for (int i = 0; i < n; i++) {
            PQclear(calls[i].r);
            calls[i].r = NULL;
        }
        if (!first || !s->broken || attempt > 0 || s->group) /* a group's transaction is gone */
            return rc;
        if (conn_ensure(s) != SL_OK)
            return rc;
        s->begin_pending = 1;
    }
}

PGresult *sl__pg_run(sl_store *st, int which, const pg_params *p, const char *what, int *rc)
{
    pg_call call = {which, p, NULL};
    *rc = run_calls(P(st), &call, 1, what);
    return call.r;
}

int sl__pg_row_one(sl_store *st, int which, const pg_params *p, void (*read)(const PGresult *r, int row, void *out),
                   void *out, const char *what)
{
    int rc;
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) > 0)
        read(r, 0, out);
    else
        rc = SL_ENOTFOUND;
    PQclear(r);
    return rc;
}

int sl__pg_row_by_key(sl_store *st, int which, sl_id tenant, const char *key,
                      void (*read)(const PGresult *r, int row, void *out), void *out, const char *what)
{
    pg_store *s = P(st);
    static const int tables[3] = {PQ_SESSION_BY_KEY, PQ_ENTRY_BY_KEY, PQ_HOLD_BY_KEY};
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (n == 0 || n > SL_KEY_MAX)
        return SL_ENOTFOUND;
    if (!(s->kc_valid && s->kc_tenant == tenant && strcmp(s->kc_key, key) == 0)) {
        /* The core looks a key up in all three tables in a row (one key
         * space per tenant): read them together. */
        pg_params p = {0};
        sl__pg_p_i64(&p, tenant);
        sl__pg_p_bytes(&p, key, n);
        pg_call calls[3] = {{tables[0], &p, NULL}, {tables[1], &p, NULL}, {tables[2], &p, NULL}};
        int rc = run_calls(s, calls, 3, what);
        if (rc != SL_OK)
            return rc;
        for (int i = 0; i < 3; i++)
            s->kc_res[i] = calls[i].r;
        s->kc_valid = 1;
        s->kc_tenant = tenant;
        memcpy(s->kc_key, key, n + 1);
    }
    for (int i = 0; i < 3; i++) {
        if (tables[i] != which)
            continue;
        if (PQntuples(s->kc_res[i]) == 0)
            return SL_ENOTFOUND;
        read(s->kc_res[i], 0, out);
        return SL_OK;
    }
    return sl_store_error(st, SL_EINVAL, "postgres: a by-key lookup of an unknown table");
}

int sl__pg_write(sl_store *st, int which, const pg_params *p, const char *what, int64_t *n)
{
    int rc;
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    if (n)
        *n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return SL_OK;
}

int sl__pg_put(sl_store *st, int which, const pg_params *p, sl_id *id, const char *what)
{
    int rc;
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    if (*id == 0) { /* insert: RETURNING id, no row when a key refused it */
        if (PQntuples(r) == 1)
            *id = sl__pg_i64(r, 0, 0);
        else
            rc = SL_EEXISTS;
    } else if (PQnfields(r) == 2 && PQntuples(r) == 1) { /* guarded replace */
        if (sl__pg_i64(r, 0, 0) == 0)
            rc = sl__pg_i64(r, 0, 1) == 0 ? SL_ENOTFOUND : SL_EEXISTS;
    } else if (strtoll(PQcmdTuples(r), NULL, 10) == 0) { /* plain replace */
        rc = SL_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

/* ---- the connection ------------------------------------------------------- */

/* Per connection: the session settings, then every statement prepared. */
static int conn_setup(pg_store *s)
{
    char sql[256], err[PG_MSG_SIZE];
    snprintf(sql, sizeof(sql),
             "SET search_path = \"%s\"; SET lock_timeout = %d; SET synchronous_commit = %s", s->schema,
             s->timeout_ms, s->fast ? "off" : "on");
    s->prepared = 0;
    s->round_trips++;
    PGresult *r = PQexec(s->conn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = sl__pg_fail(&s->base, r, "setting up the connection");
        PQclear(r);
        return rc;
    }
    PQclear(r);
    for (int i = 0; i < PQ_COUNT; i++) {
        Oid types[PG_MAX_PARAMS];
        int n = (int)strlen(queries[i].types);
        for (int k = 0; k < n; k++)
            types[k] = queries[i].types[k] == 'I' ? 20 : queries[i].types[k] == 'B' ? 17 : 25;
        char name[16];
        snprintf(name, sizeof(name), "sl%d", i);
        s->round_trips++;
        r = PQprepare(s->conn, name, queries[i].sql, n, types);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            snprintf(err, sizeof(err), "preparing statement %d", i);
            int rc = sl__pg_fail(&s->base, r, err);
            PQclear(r);
            return rc;
        }
        PQclear(r);
    }
    s->prepared = 1;
    return SL_OK;
}

/* Before a transaction: a connection that failed is reset (a new session:
 * settings and statements again). */
static int conn_ensure(pg_store *s)
{
    if (!s->broken && PQstatus(s->conn) == CONNECTION_OK && s->prepared)
        return SL_OK;
    if (s->broken || PQstatus(s->conn) != CONNECTION_OK) {
        s->round_trips++;
        PQreset(s->conn);
        if (PQstatus(s->conn) != CONNECTION_OK) {
            char why[PG_MSG_SIZE / 2], msg[PG_MSG_SIZE];
            one_line(why, sizeof(why), PQerrorMessage(s->conn));
            snprintf(msg, sizeof(msg), "postgres: cannot reconnect to %s/%s as %s: %s",
                     PQhost(s->conn) ? PQhost(s->conn) : "?", PQdb(s->conn) ? PQdb(s->conn) : "?",
                     PQuser(s->conn) ? PQuser(s->conn) : "?", why);
            return sl_store_error(&s->base, SL_ESTORE, msg);
        }
        s->broken = 0;
    }
    return conn_setup(s);
}

/* ---- transactions ----------------------------------------------------------- */

/* Ends the transaction with sql (COMMIT or ROLLBACK): one round trip. */
static PGresult *exec_end(pg_store *s, const char *sql)
{
    key_cache_clear(s);
    s->round_trips++;
    return PQexec(s->conn, sql);
}

/* The advisory locks a write of tenant takes (none for reads). */
static void set_lock(pg_store *s, sl_id tenant, int write)
{
    uint64_t u = (uint64_t)tenant;
    int32_t folded = (int32_t)(uint32_t)(u ^ (u >> 32));
    if (!write || s->no_advisory)
        s->lock_sql[0] = '\0';
    else if (tenant == 0)
        snprintf(s->lock_sql, sizeof(s->lock_sql), "SELECT pg_advisory_xact_lock(" LOCK_ALL ", 0)");
    else
        snprintf(s->lock_sql, sizeof(s->lock_sql),
                 "SELECT pg_advisory_xact_lock_shared(" LOCK_ALL ", 0), pg_advisory_xact_lock(" LOCK_TENANT ", %ld)",
                 (long)folded);
}

/* Records the transaction's first statements; they are sent with its
 * first real statement (run_pipeline), so begin costs no round trip of
 * its own. The connection is reset here if it failed before. */
static int pg_begin(sl_store *st, sl_id tenant, int write)
{
    pg_store *s = P(st);
    int rc = conn_ensure(s);
    if (rc != SL_OK)
        return rc;
    key_cache_clear(s);
    snprintf(s->begin_sql, sizeof(s->begin_sql), "%s",
             write ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    set_lock(s, tenant, write);
    s->begin_pending = 1;
    return SL_OK;
}

/* Sends COMMIT: one round trip. */
static int commit_now(sl_store *st)
{
    pg_store *s = P(st);
    PGresult *r = exec_end(s, "COMMIT");
    int rc = SL_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = sl__pg_fail(st, r, "commit");
    else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) /* "ROLLBACK": the transaction had failed */
        rc = sl_store_error(st, SL_ESTORE, "postgres: commit: an earlier statement of the transaction failed, "
                                           "so the server rolled it back");
    PQclear(r);
    return rc;
}

static int pg_commit(sl_store *st)
{
    pg_store *s = P(st);
    if (s->begin_pending) { /* nothing was read or written */
        s->begin_pending = 0;
        return SL_OK;
    }
    return commit_now(st);
}

static int pg_rollback(sl_store *st)
{
    pg_store *s = P(st);
    s->begin_pending = 0;
    key_cache_clear(s);
    if (s->broken || PQstatus(s->conn) != CONNECTION_OK || PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return SL_OK; /* nothing was sent, or the server discarded the transaction of a lost connection */
    PGresult *r = exec_end(s, "ROLLBACK");
    int rc = SL_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = sl__pg_fail(st, r, "rollback");
        if (s->broken)
            rc = SL_OK;
    }
    PQclear(r);
    return rc;
}

/* ---- groups: one transaction, a savepoint per call --------------------------- */

/* Records the group's BEGIN; nothing is sent until a call's first
 * statement (so an empty group costs no round trip). */
static int pg_group_begin(sl_store *st)
{
    pg_store *s = P(st);
    int rc = conn_ensure(s);
    if (rc != SL_OK)
        return rc;
    key_cache_clear(s);
    s->group = 1;
    s->group_sent = s->sp_open = s->sp_release = s->sp_pending = s->begin_pending = 0;
    return SL_OK;
}

static int pg_group_commit(sl_store *st)
{
    pg_store *s = P(st);
    s->begin_pending = s->sp_release = s->sp_pending = 0;
    s->group = 0;
    return s->group_sent ? commit_now(st) : SL_OK;
}

static int pg_group_rollback(sl_store *st)
{
    pg_store *s = P(st);
    s->sp_release = s->sp_pending = 0;
    s->group = 0;
    return pg_rollback(st);
}

/* The call's statements go out behind the group's BEGIN (first call),
 * the release of the previous call's savepoint, its own savepoint and
 * the tenant's lock, held until the group ends: one round trip. */
static int pg_savepoint_begin(sl_store *st, sl_id tenant, int write)
{
    pg_store *s = P(st);
    if (s->broken)
        return sl_store_error(st, SL_ESTORE, "postgres: the connection was lost inside the group");
    key_cache_clear(s);
    snprintf(s->begin_sql, sizeof(s->begin_sql), "%s", s->group_sent ? "" : "BEGIN ISOLATION LEVEL READ COMMITTED");
    s->sp_release = s->sp_open;
    s->sp_pending = 1;
    set_lock(s, tenant, write);
    s->begin_pending = 1;
    return SL_OK;
}

/* Keeping costs nothing (the next call releases the savepoint); undoing
 * is one round trip, unless the call sent nothing at all. */
static int pg_savepoint_end(sl_store *st, int keep)
{
    pg_store *s = P(st);
    if (s->begin_pending) {
        s->begin_pending = s->sp_release = s->sp_pending = 0;
        return SL_OK;
    }
    if (keep)
        return SL_OK;
    PGresult *r = exec_end(s, "ROLLBACK TO SAVEPOINT sl_call");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? SL_OK : sl__pg_fail(st, r, "rolling back to a savepoint");
    PQclear(r);
    return rc;
}

static void pg_free(sl_store *st)
{
    pg_store *s = P(st);
    key_cache_clear(s);
    PQfinish(s->conn);
    free(s);
}

/* ---- tenants ----------------------------------------------------------------- */

static void read_tenant(const PGresult *r, int row, void *out)
{
    sl_tenant *t = out;
    sl_id id = t->id;
    memset(t, 0, sizeof(*t));
    t->version = SL_TENANT_VERSION;
    t->id = id;
    sl__pg_text(r, row, 0, t->tz, sizeof(t->tz));
    t->buffer_before = sl__pg_i64(r, row, 1);
    t->buffer_after = sl__pg_i64(r, row, 2);
    t->min_notice = sl__pg_i64(r, row, 3);
    t->step = sl__pg_i64(r, row, 4);
    t->max_advance_days = (int32_t)sl__pg_i64(r, row, 5);
    t->late_cancel = sl__pg_i64(r, row, 6);
    t->created_at = sl__pg_i64(r, row, 7);
    t->updated_at = sl__pg_i64(r, row, 8);
}

static int pg_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: tenant_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, id);
    sl_tenant t;
    t.id = id;
    int rc = sl__pg_row_one(st, PQ_TENANT_GET, &p, read_tenant, &t, "reading a tenant");
    if (rc == SL_OK)
        *out = t;
    return rc;
}

static int pg_tenant_put(sl_store *st, const sl_tenant *t)
{
    if (!t || memchr(t->tz, '\0', sizeof(t->tz)) == NULL)
        return pg_invalid(st, "postgres: tenant_put: NULL, or a time zone name not NUL-terminated");
    pg_params p = {0};
    sl__pg_p_i64(&p, t->id);
    sl__pg_p_str(&p, t->tz);
    sl__pg_p_i64(&p, t->buffer_before);
    sl__pg_p_i64(&p, t->buffer_after);
    sl__pg_p_i64(&p, t->min_notice);
    sl__pg_p_i64(&p, t->step);
    sl__pg_p_i64(&p, t->max_advance_days);
    sl__pg_p_i64(&p, t->late_cancel);
    sl__pg_p_i64(&p, t->created_at);
    sl__pg_p_i64(&p, t->updated_at);
    return sl__pg_write(st, PQ_TENANT_PUT, &p, "writing a tenant", NULL);
}

/* ---- the connection string ------------------------------------------------ */

/* A schema name we put into SQL between double quotes: letters, digits and
 * '_', not starting with a digit, at most 63 bytes, not "pg_..." (reserved
 * by PostgreSQL). */
static int schema_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PG_SCHEMA_MAX || isdigit((unsigned char)s[0]) || strncmp(s, "pg_", 3) == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Appends byte c to schema (cap PG_SCHEMA_MAX + 1); *over when too long. */
static void schema_add(char *schema, size_t *n, int c, int *over)
{
    if (*n >= PG_SCHEMA_MAX) {
        *over = 1;
        return;
    }
    schema[(*n)++] = (char)c;
    schema[*n] = '\0';
}

/* URI form: drops the query parameter "schema" (percent-decoded into
 * schema) and copies the rest to out. */
static void split_uri(const char *in, char *out, char *schema, int *found, int *over)
{
    const char *q = strchr(in, '?');
    size_t n = q ? (size_t)(q - in) : strlen(in), sn = 0;
    memcpy(out, in, n);
    out[n] = '\0';
    if (!q)
        return;
    int first = 1;
    for (const char *p = q + 1; *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 7 && strncmp(p, "schema=", 7) == 0) {
            *found = 1;
            sn = 0;
            schema[0] = '\0';
            for (size_t i = 7; i < len; i++) {
                int c = (unsigned char)p[i];
                if (c == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
                    c = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
                    i += 2;
                }
                schema_add(schema, &sn, c, over);
            }
        } else if (len > 0) {
            strcat(out, first ? "?" : "&");
            strncat(out, p, len);
            first = 0;
        }
        p += len;
        if (*p == '&')
            p++;
    }
}

/* Keyword form ("host=... dbname=... schema=x"), tokenised as libpq does:
 * keyword = value, the value bare or in single quotes, backslash escapes.
 * Drops the keyword "schema"; anything malformed is left for libpq. */
static void split_keywords(const char *in, char *out, char *schema, int *found, int *over)
{
    const char *p = in;
    out[0] = '\0';
    while (*p) {
        const char *start = p;
        while (isspace((unsigned char)*p))
            p++;
        const char *kw = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        size_t kwlen = (size_t)(p - kw);
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '=') {
            strcat(out, start);
            return;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        int is_schema = kwlen == 6 && strncmp(kw, "schema", 6) == 0;
        size_t sn = 0;
        if (is_schema) {
            *found = 1;
            schema[0] = '\0';
        }
        int quoted = *p == '\'';
        if (quoted)
            p++;
        while (*p && (quoted ? *p != '\'' : !isspace((unsigned char)*p))) {
            if (*p == '\\' && p[1])
                p++;
            if (is_schema)
                schema_add(schema, &sn, (unsigned char)*p, over);
            p++;
        }
        if (quoted && *p == '\'')
            p++;
        if (!is_schema)
            strncat(out, start, (size_t)(p - start));
    }
}

/* Splits the option "schema" out of conninfo: *rest (malloc'd) is what
 * libpq gets. SL_EINVAL with a message for a bad schema name. */
static int take_schema(const char *conninfo, char **rest, char *schema, char *err, size_t errlen)
{
    int found = 0, over = 0;
    char *out = malloc(strlen(conninfo) + 2);
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return SL_ENOMEM;
    }
    if (strncmp(conninfo, "postgresql://", 13) == 0 || strncmp(conninfo, "postgres://", 11) == 0)
        split_uri(conninfo, out, schema, &found, &over);
    else
        split_keywords(conninfo, out, schema, &found, &over);
    if (!found)
        snprintf(schema, PG_SCHEMA_MAX + 1, "slotledger");
    if (over || !schema_ok(schema)) {
        snprintf(err, errlen,
                 "the schema option must be 1..63 letters, digits or '_', not starting with a digit or \"pg_\"%s",
                 over ? " (it is too long)" : "");
        free(out);
        return SL_EINVAL;
    }
    *rest = out;
    return SL_OK;
}

/* ---- the constructor ----------------------------------------------------------- */

static int open_fail(pg_store *s, int code, const char *why)
{
    char msg[PG_MSG_SIZE];
    const char *host = s->conn ? PQhost(s->conn) : NULL, *db = s->conn ? PQdb(s->conn) : NULL;
    const char *user = s->conn ? PQuser(s->conn) : NULL;
    if (host || db)
        snprintf(msg, sizeof(msg), "postgres: cannot open %s/%s as %s: %s", host && *host ? host : "(default host)",
                 db ? db : "?", user ? user : "?", why);
    else
        snprintf(msg, sizeof(msg), "postgres: cannot open the database: %s", why);
    return sl_store_error(&s->base, code, msg);
}

/* Server notices ("extension already exists") are not errors: libpq
 * would print them on stderr. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connects (the store's conninfo without "schema"); SL_OK or a code with
 * the reason recorded. */
static int connect_store(pg_store *s, const char *conninfo)
{
    char why[PG_MSG_SIZE];
    char *err = NULL;
    /* Parse first: a malformed string is SL_EINVAL, and libpq's message
     * quotes only keywords, never values; we also drop quoted text. */
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        char clean[PG_MSG_SIZE];
        size_t n = 0;
        int inq = 0;
        for (const char *c = err ? err : "out of memory"; *c && n + 1 < sizeof(clean); c++) {
            if (*c == '"') {
                inq = !inq;
                clean[n++] = '"';
                if (inq && n + 4 < sizeof(clean)) {
                    memcpy(clean + n, "...", 3);
                    n += 3;
                }
            } else if (!inq) {
                clean[n++] = *c == '\n' ? ' ' : *c;
            }
        }
        clean[n] = '\0';
        one_line(why, sizeof(why), clean);
        PQfreemem(err);
        return open_fail(s, err ? SL_EINVAL : SL_ENOMEM, why);
    }
    PQconninfoFree(opts);
    const char *const keys[] = {"dbname", "fallback_application_name", NULL};
    const char *const vals[] = {conninfo, "slotledger", NULL};
    s->round_trips++;
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn)
        return open_fail(s, SL_ENOMEM, "out of memory");
    if (PQstatus(s->conn) != CONNECTION_OK) {
        one_line(why, sizeof(why), PQerrorMessage(s->conn));
        return open_fail(s, SL_ESTORE, why);
    }
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    return SL_OK;
}

int sl_store_pg_new(sl_store **out, const char *conninfo, const sl_options *opts)
{
    pg_store *s = NULL;
    char *rest = NULL, err[PG_MSG_SIZE];
    int rc;

    if (!out || !conninfo)
        return sl_store_error(NULL, SL_EINVAL, out ? "sl_store_pg_new: conninfo is NULL" : "sl_store_pg_new: out is NULL");
    *out = NULL;
    if (opts && (opts->version == 0 || opts->version > SL_OPTIONS_VERSION || opts->busy_timeout_ms < 0 ||
                 (opts->durability != SL_DURABLE && opts->durability != SL_FAST)))
        return sl_store_error(NULL, SL_EINVAL, "sl_store_pg_new: bad options (version, durability or busy timeout)");
    if (!(s = calloc(1, sizeof(*s))))
        return sl_store_error(NULL, SL_ENOMEM, "out of memory");
    sl_store_init(&s->base, SL_STORE_VERSION);
    s->fast = opts && opts->durability == SL_FAST;
    s->timeout_ms = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    /* Test-only switch (tests/check_pg.c): no advisory lock, so that the
     * server's constraints alone are shown to hold. Never set it in
     * production: the core's checks then race. */
    const char *env = getenv("SL_PG_TEST_NO_ADVISORY_LOCK");
    s->no_advisory = env && strcmp(env, "1") == 0;

    if ((rc = take_schema(conninfo, &rest, s->schema, err, sizeof(err))) != SL_OK) {
        open_fail(s, rc, err);
        goto out_free;
    }
    if ((rc = connect_store(s, rest)) != SL_OK)
        goto out_finish;
    if ((rc = sl__pg_migrate(s->conn, s->schema, err, sizeof(err))) != SL_OK) {
        open_fail(s, rc, err);
        goto out_finish;
    }
    if ((rc = conn_setup(s)) != SL_OK)
        goto out_finish;
    free(rest);
    s->base.begin = pg_begin;
    s->base.commit = pg_commit;
    s->base.rollback = pg_rollback;
    s->base.group_begin = pg_group_begin;
    s->base.group_commit = pg_group_commit;
    s->base.group_rollback = pg_group_rollback;
    s->base.savepoint_begin = pg_savepoint_begin;
    s->base.savepoint_end = pg_savepoint_end;
    s->base.free = pg_free;
    s->base.tenant_get = pg_tenant_get;
    s->base.tenant_put = pg_tenant_put;
    sl__pg_schedule_methods(&s->base);
    sl__pg_ledger_methods(&s->base);
    *out = &s->base;
    return SL_OK;

out_finish:
    PQfinish(s->conn);
out_free:
    free(rest);
    free(s);
    return rc;
}
