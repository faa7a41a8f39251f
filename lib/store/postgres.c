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
 * guards); 40001 / 40P01 / 55P03 / 57014 SL_EBUSY; 25006 SL_EMISUSE (a
 * write in a read transaction) or SL_ESTORE (a write transaction on a
 * server that accepts no writes: a standby, default_transaction_read_only
 * on); a lost connection SL_ESTORE and the next begin reconnects (lost:
 * libpq finds the connection bad, the server ended the session -- 08xxx,
 * 57P0x -- or the failure is libpq's own, with no SQLSTATE: nothing came
 * from the server, so the connection's state is unknown); anything else
 * SL_ESTORE. Every lost connection says so in one message (lost_error):
 * "postgres: <what>: the connection to <host>/<db> was lost (<reason>);
 * the next call reconnects". Messages name the host, database and user
 * (PQhost, PQdb, PQuser), never the connection string: a password never
 * reaches a message.
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
 * Round trips (tests/check_pg.c counts them and the README states them):
 * one per pipeline of statements, with begin riding on the first; inside
 * a write transaction that holds the tenant's lock the store also
 *  - sends what the core says a call will read (read_hint,
 *    postgres_hint.c) with BEGIN and the lock: a booking, a post and a
 *    slot query (in its read snapshot too) then read nothing else;
 *  - looks an idempotency key up in sessions, entries and holds at once,
 *    and reads the tenant and its rules ahead with them (a booking asks
 *    for them next);
 *  - reads the blocking sessions around a slot query's dates ahead with
 *    its overrides, and an account's active holds and the ledger head
 *    ahead with the account (a post and a booking with credits);
 *  - holds back the inserts whose outcome it knows (the key was looked up
 *    in this transaction and not written since; an entry's seq follows
 *    the head it read; ids come from its pool) and account upserts, and
 *    sends them with the next statement or in one pipeline with COMMIT.
 * A write drops what was read ahead of its own table. ROLLBACK is sent
 * without waiting (rollback_send); its answer is read at the next begin
 * (conn_drain). The lock keeps every other writer of the tenant out, so
 * a held-back write fails only if the server finds something the core's
 * checks could not see (a fault): the
 * next statement or the commit then fails with the mapped code, and the
 * core rolls back -- a failed call still writes nothing. Without the lock
 * (the test-only switch) nothing is held back or read ahead.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* Advisory lock classes (first key of the two-key form): "SlLd", +1. */
#define LOCK_ALL "1399606372"
#define LOCK_TENANT "1399606373"

typedef struct query {
    const char *types;
    const char *sql;
} query;

/* The statements: lib/store/postgres_queries.sql, made into SL__PG_QUERIES
 * by gen_queries.py at build time (postgres_queries_gen.h). */
#define QUERY_ROW(id, name, types, sql) [id] = {types, sql},
static const query queries[PQ_COUNT] = {SL__PG_QUERIES(QUERY_ROW)};

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

void sl__pg_p_i64s(pg_params *p, int n, const int64_t *v)
{
    for (int i = 0; i < n; i++)
        sl__pg_p_i64(p, v[i]);
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

/* Why a statement failed, on one line: the server's primary message when
 * it sent one; else the first line of libpq's message (the most specific:
 * the server's last words or what libpq saw; the lines after it only
 * guess), without its severity ("FATAL:  "). */
static void failure_reason(char *dst, size_t cap, const PGresult *r, PGconn *c)
{
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (primary) {
        one_line(dst, cap, primary);
        return;
    }
    const char *m = PQerrorMessage(c), *colon = strstr(m, ":  ");
    size_t sev = strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (colon && sev > 0 && m + sev == colon)
        m = colon + 3;
    size_t n = strcspn(m, "\n");
    one_line(dst, n < cap ? n + 1 : cap, m);
}

/* The one rule for a lost connection (see the top of this file). */
static int connection_lost(PGconn *c, const char *state)
{
    return PQstatus(c) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0;
}

/* The one message for a lost connection; marks it broken, so that the next
 * begin resets it. */
static int lost_error(pg_store *s, const char *what, const char *why)
{
    char msg[PG_MSG_SIZE];
    s->broken = 1;
    const char *host = PQhost(s->conn), *db = PQdb(s->conn);
    snprintf(msg, sizeof(msg), "postgres: %s: the connection to %s/%s was lost (%s); the next call reconnects", what,
             host ? host : "?", db ? db : "?", why[0] ? why : "no reason given");
    return sl_store_error(&s->base, SL_ESTORE, msg);
}

int sl__pg_fail(sl_store *st, const PGresult *r, const char *what)
{
    pg_store *s = P(st);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    char server[PG_MSG_SIZE / 2], msg[PG_MSG_SIZE];
    failure_reason(server, sizeof(server), r, s->conn);
    int code = SL_ESTORE;
    if (connection_lost(s->conn, state))
        return lost_error(s, what, server);
    if (state_is(state, "23514") && strstr(server, "classes_taken")) {
        /* the seat counter's CHECK or the seats trigger (postgres_schema.c) */
        code = SL_EFULL;
        snprintf(msg, sizeof(msg), "postgres: %s: the class has no free seat (%s)", what, server);
    } else if (state_is(state, "23P01")) {
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
    } else if (state_is(state, "25006") && s->read_only) {
        code = SL_EMISUSE;
        snprintf(msg, sizeof(msg), "postgres: %s outside a write transaction (%s)", what, server);
    } else if (state_is(state, "25006")) { /* a write transaction the server made read-only */
        snprintf(msg, sizeof(msg),
                 "postgres: %s: the server accepts no writes (%s); a standby, or default_transaction_read_only "
                 "set for the database, the role or the connection",
                 what, server);
    } else {
        snprintf(msg, sizeof(msg), "postgres: %s: %s%s%s", what, server, state ? " SQLSTATE " : "",
                 state ? state : "");
    }
    return sl_store_error(st, code, msg);
}

static int conn_ensure(pg_store *s);

static int send_prepared(PGconn *c, const pg_call *call)
{
    char name[16];
    const pg_params *p = call->p;
    if (call->which == PG_COMMIT)
        return PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 1);
    snprintf(name, sizeof(name), "sl%d", call->which);
    return PQsendQueryPrepared(c, name, p ? p->n : 0, p ? p->val : NULL, p ? p->len : NULL, p ? p->fmt : NULL, 1);
}

static void key_cache_clear(pg_store *s)
{
    for (int i = 0; i < 4; i++) {
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

/* ---- held-back writes, what the transaction knows, read-ahead ------------ */

static int is_write(int which)
{
    return which >= 0 && strncmp(queries[which].sql, "SELECT", 6) != 0;
}

static void ahead_clear(pg_store *s)
{
    for (int i = 0; i < PG_READ_AHEAD; i++) {
        PQclear(s->ahead[i].r);
        s->ahead[i].r = NULL;
    }
}

/* The table statement `which` reads or writes (its first FROM, INTO or
 * UPDATE), in buf; "" when it has none of them. */
static const char *table_of(int which, char *buf, size_t cap)
{
    static const char *const verbs[] = {" FROM ", "INTO ", "UPDATE "};
    const char *sql = which >= 0 && which < PQ_COUNT ? queries[which].sql : "", *t = NULL;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        const char *at = strstr(sql, verbs[i]);
        if (at && (!t || at < t))
            t = at + strlen(verbs[i]);
    }
    size_t n = 0;
    while (t && n + 1 < cap && (t[n] == '_' || (t[n] >= 'a' && t[n] <= 'z')))
        n++;
    memcpy(buf, t ? t : "", n);
    buf[n] = '\0';
    return buf;
}

/* Drops what was read ahead from the table that write `which` changes
 * (everything when that table is not known): the rest stays true. */
static void ahead_clear_for(pg_store *s, int which)
{
    char w[32], r[32];
    table_of(which, w, sizeof(w));
    for (int i = 0; i < PG_READ_AHEAD; i++)
        if (s->ahead[i].r && (w[0] == '\0' || strcmp(w, table_of(s->ahead[i].which, r, sizeof(r))) == 0)) {
            PQclear(s->ahead[i].r);
            s->ahead[i].r = NULL;
        }
}

static void dq_clear(pg_store *s)
{
    for (int i = 0; i < s->ndq; i++)
        free(s->dq[i].data);
    s->ndq = 0;
}

/* Forgets everything a transaction learnt or held back. */
static void tx_forget(pg_store *s)
{
    ahead_clear(s);
    dq_clear(s);
    s->kn_valid = 0;
    s->el_valid = 0;
}

/* The int8 arguments of p (at most 4); -1 when p has others. */
static int int_args(const pg_params *p, int64_t *arg)
{
    if (!p || p->n > 4)
        return -1;
    for (int i = 0; i < p->n; i++) {
        if (!p->val[i] || p->len[i] != 8)
            return -1;
        uint64_t u = 0;
        for (int k = 0; k < 8; k++)
            u = u << 8 | (unsigned char)p->val[i][k];
        arg[i] = (int64_t)u;
    }
    return p->n;
}

void sl__pg_ahead_put(sl_store *st, int which, const pg_params *p, PGresult *r)
{
    pg_store *s = P(st);
    for (int i = 0; i < PG_READ_AHEAD; i++)
        if (!s->ahead[i].r) {
            pg_ahead *a = &s->ahead[i];
            a->which = which;
            a->n = int_args(p, a->arg);
            a->r = r;
            return;
        }
    PQclear(r);
}

PGresult *sl__pg_ahead_take(sl_store *st, int which, sl_id x, sl_id y)
{
    pg_store *s = P(st);
    for (int i = 0; i < PG_READ_AHEAD; i++) {
        pg_ahead *a = &s->ahead[i];
        if (a->r && a->which == which && a->n >= 1 && a->arg[0] == x && (a->n == 1 || a->arg[1] == y)) {
            PGresult *r = a->r;
            a->r = NULL;
            return r;
        }
    }
    return NULL;
}

PGresult *sl__pg_ahead_range(sl_store *st, int which, sl_id tenant, int64_t from, int64_t to)
{
    pg_store *s = P(st);
    /* arguments: busy sessions (tenant, lo - 86400, hi, lo), overrides
     * (tenant, first, last) */
    int lo = which == PQ_SESSIONS_BUSY ? 3 : 1, hi = 2, n = which == PQ_SESSIONS_BUSY ? 4 : 3;
    for (int i = 0; i < PG_READ_AHEAD; i++) {
        pg_ahead *a = &s->ahead[i];
        if (a->r && a->which == which && a->n == n && a->arg[0] == tenant && a->arg[lo] <= from && to <= a->arg[hi]) {
            PGresult *r = a->r;
            a->r = NULL;
            return r;
        }
    }
    return NULL;
}

int sl__pg_may_defer(sl_store *st, sl_id tenant)
{
    pg_store *s = P(st);
    return s->lock_tenant == -1 || (s->lock_tenant != 0 && s->lock_tenant == tenant);
}

int sl__pg_key_absent(sl_store *st, int kt, sl_id tenant, const char *key)
{
    pg_store *s = P(st);
    if (key[0] == '\0')
        return 1;
    return s->kn_valid && s->kn_tenant == tenant && strcmp(s->kn_key, key) == 0 && s->kn_absent[kt];
}

int sl__pg_seq_free(sl_store *st, sl_id tenant, int64_t seq)
{
    pg_store *s = P(st);
    return s->el_valid && s->el_tenant == tenant && seq > s->el_seq;
}

void sl__pg_note_head(sl_store *st, sl_id tenant, int64_t seq)
{
    pg_store *s = P(st);
    s->el_valid = 1;
    s->el_tenant = tenant;
    s->el_seq = seq;
}

static int ids_take(pg_store *s, int t, sl_id *out);

/* The form of write `which` that is held back: an insert without the
 * guard of the direct form (which answers a taken key with no row, and
 * the COMMIT sent behind it would then commit the call's other writes),
 * an update that fails when it matches no row; so that a key or seq taken
 * meanwhile fails the pipeline and the COMMIT in it never runs. */
static int held_form(int which)
{
    switch (which) {
    case PQ_SESSION_INSERT:
        return PQ_SESSION_INSERT_HELD;
    case PQ_HOLD_INSERT:
        return PQ_HOLD_INSERT_HELD;
    case PQ_ENTRY_INSERT:
        return PQ_ENTRY_INSERT_HELD;
    case PQ_OUTBOX_INSERT:
        return PQ_OUTBOX_INSERT_HELD;
    case PQ_OUTBOX_UPDATE:
        return PQ_OUTBOX_UPDATE_HELD;
    default:
        return which;
    }
}

int sl__pg_defer(sl_store *st, int which, pg_params *p, int table, int id_param, sl_id *id, int kt,
                 const char *key)
{
    pg_store *s = P(st);
    int rc;
    sl_id nid = 0;
    if (s->ndq == s->capdq) {
        int cap = s->capdq ? s->capdq * 2 : 8;
        pg_deferred *q = realloc(s->dq, (size_t)cap * sizeof(*q));
        if (!q)
            return sl_store_error(st, SL_ENOMEM, "out of memory");
        s->dq = q;
        s->capdq = cap;
        /* The int8 parameters of the entries held so far live inside the
         * entries: point them at the moved copies. */
        for (int k = 0; k < s->ndq; k++)
            for (int i = 0; i < q[k].p.n; i++)
                if (q[k].i8s >> i & 1u)
                    q[k].p.val[i] = (const char *)q[k].p.i8[i];
    }
    if (table != 0) {
        if ((rc = ids_take(s, table, &nid)) != SL_OK)
            return rc;
        int n = p->n; /* rewrite parameter id_param in place */
        p->n = id_param;
        sl__pg_p_i64(p, nid);
        p->n = n;
    }
    size_t total = 1, off = 0;
    for (int i = 0; i < p->n; i++)
        if (p->val[i] && p->val[i] != (const char *)p->i8[i])
            total += (size_t)p->len[i];
    pg_deferred *d = &s->dq[s->ndq];
    if (!(d->data = malloc(total)))
        return sl_store_error(st, SL_ENOMEM, "out of memory"); /* the id stays taken: a rollback returns it */
    d->which = held_form(which);
    d->p = *p;
    d->i8s = 0;
    for (int i = 0; i < p->n; i++) {
        if (!p->val[i])
            continue;
        if (p->val[i] == (const char *)p->i8[i]) {
            d->p.val[i] = (const char *)d->p.i8[i];
            d->i8s |= 1u << i;
        } else {
            memcpy(d->data + off, p->val[i], (size_t)p->len[i]);
            d->p.val[i] = d->data + off;
            off += (size_t)p->len[i];
        }
    }
    s->ndq++;
    ahead_clear_for(s, which); /* what was read ahead of its table may be what it changes */
    if (key && key[0] && s->kn_valid && strcmp(s->kn_key, key) == 0)
        s->kn_absent[kt] = 0; /* written now */
    if (id)
        *id = nid;
    return SL_OK;
}

static int run_now(pg_store *s, pg_call *calls, int n, const char *what);

/* Runs calls[0..n) after the held-back writes (their held forms), in one
 * pipeline. A held insert whose key or seq was taken meanwhile (by a
 * writer that does not take the tenant's lock) fails with 23505
 * (SL_EBUSY), a held update that matches no row fails too: the server
 * skips the rest of the pipeline, COMMIT included, and the core rolls
 * back. */
static int run_with_held(pg_store *s, pg_call *calls, int n, const char *what)
{
    int nd = s->ndq, rc;
    pg_call stack[16], *all = nd + n <= 16 ? stack : malloc((size_t)(nd + n) * sizeof(*all));
    if (!all)
        return sl_store_error(&s->base, SL_ENOMEM, "out of memory");
    for (int i = 0; i < nd; i++)
        all[i] = (pg_call){s->dq[i].which, &s->dq[i].p, NULL};
    memcpy(all + nd, calls, (size_t)n * sizeof(*all));
    rc = run_now(s, all, nd + n, what);
    for (int i = 0; i < nd; i++)
        PQclear(all[i].r);
    for (int i = 0; i < n; i++) {
        calls[i].r = all[nd + i].r;
        if (rc != SL_OK) {
            PQclear(calls[i].r);
            calls[i].r = NULL;
        }
    }
    if (all != stack)
        free(all);
    dq_clear(s);
    return rc;
}

/* Runs calls[0..n) (with the writes held back before them): one round
 * trip. A write among them ends what the transaction knows and read. */
static int run_calls(pg_store *s, pg_call *calls, int n, const char *what)
{
    key_cache_clear(s);
    for (int i = 0; i < n; i++)
        if (is_write(calls[i].which)) {
            ahead_clear_for(s, calls[i].which);
            s->kn_valid = 0;
            s->el_valid = 0;
        }
    if (s->ndq > 0)
        return run_with_held(s, calls, n, what);
    return run_now(s, calls, n, what);
}

int sl__pg_run_calls(sl_store *st, pg_call *calls, int n, const char *what)
{
    return run_calls(P(st), calls, n, what);
}

/* Runs calls[0..n): one round trip, whatever n. On failure every result
 * is NULL. A connection found dead by the transaction's first statements
 * (a server restart while the store was idle; a group's first call too)
 * is reset and the statements
 * sent once more when they only read: nothing had been done, so that is
 * safe. Writes and COMMIT are never sent twice (the first sending may have
 * committed before the connection dropped). */
static int run_now(pg_store *s, pg_call *calls, int n, const char *what)
{
    int writes = 0;
    for (int i = 0; i < n; i++)
        writes |= calls[i].which == PG_COMMIT || is_write(calls[i].which);
    for (int attempt = 0;; attempt++) {
        int first = s->begin_pending, rc;
        int opens_group = first && s->group && !s->group_sent; /* carries the group's BEGIN */
        if (n == 1 && !first && calls[0].which != PG_COMMIT) {
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
        /* A group's transaction is gone, unless this was its first sending */
        if (!first || writes || !s->broken || attempt > 0 || (s->group && !opens_group))
            return rc;
        if (conn_ensure(s) != SL_OK)
            return rc;
        s->begin_pending = 1;
        if (opens_group) { /* the group's BEGIN and the call's savepoint again */
            s->group_sent = s->sp_open = s->sp_release = 0;
            s->sp_pending = 1;
        }
    }
}

PGresult *sl__pg_run(sl_store *st, int which, const pg_params *p, const char *what, int *rc)
{
    pg_store *s = P(st);
    int64_t arg[4] = {0, 0, 0, 0};
    int na = int_args(p, arg);
    PGresult *hit = na >= 1 && na <= 2 ? sl__pg_ahead_take(st, which, arg[0], na > 1 ? arg[1] : 0) : NULL;
    if (hit) {
        *rc = SL_OK;
        return hit;
    }
    pg_call calls[3] = {{which, p, NULL}, {0, NULL, NULL}, {0, NULL, NULL}};
    int n = 1;
    pg_params one = {0}, busy = {0};
    /* A writer's slot query (a booking) reads the overrides of local dates
     * [first, last], then the blocking sessions around the same times:
     * read those of [first - 2 days, last + 2 days) ahead (UTC offsets,
     * buffers and the duration fit in the margin; a scan outside it is
     * read then). */
    if (which == PQ_OVERRIDES_LIVE && na == 3 && sl__pg_may_defer(st, arg[0]) && arg[1] >= SL_DATE_MIN &&
        arg[2] <= SL_DATE_MAX) {
        int64_t lo = (arg[1] - 2) * 86400, hi = (arg[2] + 2) * 86400;
        sl__pg_p_i64(&busy, arg[0]);
        sl__pg_p_i64(&busy, lo - SL_MAX_DURATION_SECONDS);
        sl__pg_p_i64(&busy, hi);
        sl__pg_p_i64(&busy, lo);
        calls[n++] = (pg_call){PQ_SESSIONS_BUSY, &busy, NULL};
    }
    /* An account read by a writer of its tenant: a post or a booking with
     * credits reads its active holds and the ledger head next. */
    if (which == PQ_ACCOUNT_GET && na == 2 && sl__pg_may_defer(st, arg[0])) {
        sl__pg_p_i64(&one, arg[0]);
        calls[n++] = (pg_call){PQ_HOLDS_AHEAD, p, NULL};
        calls[n++] = (pg_call){PQ_ENTRY_LAST, &one, NULL};
    }
    *rc = run_calls(s, calls, n, what);
    for (int i = 1; i < n; i++)
        if (calls[i].r)
            sl__pg_ahead_put(st, calls[i].which, calls[i].p, calls[i].r);
    return calls[0].r;
}

int sl__pg_row_one(sl_store *st, int which, const pg_params *p, const sl__entity *e, void *out, const char *what)
{
    int rc;
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) > 0)
        sl__pg_read(r, 0, e, out);
    else
        rc = SL_ENOTFOUND;
    PQclear(r);
    return rc;
}

void sl__pg_key_cache_put(sl_store *st, sl_id tenant, const char *key, size_t n, PGresult *res[SL__PG_KEY_TABLES])
{
    pg_store *s = P(st);
    key_cache_clear(s);
    for (int i = 0; i < SL__PG_KEY_TABLES; i++)
        s->kc_res[i] = res[i];
    s->kc_valid = 1;
    s->kc_tenant = tenant;
    memcpy(s->kc_key, key, n);
    s->kc_key[n] = '\0';
    s->kn_valid = 1;
    s->kn_tenant = tenant;
    memcpy(s->kn_key, key, n);
    s->kn_key[n] = '\0';
    for (int i = 0; i < SL__PG_KEY_TABLES; i++)
        s->kn_absent[i] = PQntuples(res[i]) == 0;
}

/* Every table holding idempotency keys, in kc_res / kn_absent order. */
static const int key_tables[SL__PG_KEY_TABLES] = {PQ_SESSION_BY_KEY, PQ_ENTRY_BY_KEY, PQ_HOLD_BY_KEY, PQ_SEAT_BY_KEY};

const PGresult *sl__pg_key_result(sl_store *st, int which, sl_id tenant, const char *key, const char *what, int *rc)
{
    pg_store *s = P(st);
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    *rc = SL_OK;
    if (!(s->kc_valid && s->kc_tenant == tenant && strcmp(s->kc_key, key) == 0)) {
        /* The core looks a key up in every table in a row (one key space
         * per tenant): read them together. */
        pg_params p = {0};
        sl__pg_p_i64(&p, tenant);
        sl__pg_p_bytes(&p, key, n);
        pg_params t = {0};
        sl__pg_p_i64(&t, tenant);
        pg_call calls[6] = {{key_tables[0], &p, NULL}, {key_tables[1], &p, NULL}, {key_tables[2], &p, NULL},
                            {key_tables[3], &p, NULL}, {PQ_TENANT_GET, &t, NULL}, {PQ_RULES_LIVE, &t, NULL}};
        /* A writer's keyed request (a booking, a post) reads its tenant and,
         * for a booking, the rules next: read them ahead. */
        int more = sl__pg_may_defer(st, tenant) && s->ndq == 0 ? 2 : 0;
        if ((*rc = run_calls(s, calls, SL__PG_KEY_TABLES + more, what)) != SL_OK)
            return NULL;
        PGresult *res[SL__PG_KEY_TABLES] = {calls[0].r, calls[1].r, calls[2].r, calls[3].r};
        sl__pg_key_cache_put(st, tenant, key, n, res);
        for (int i = SL__PG_KEY_TABLES; i < SL__PG_KEY_TABLES + more; i++)
            sl__pg_ahead_put(st, calls[i].which, calls[i].p, calls[i].r);
    }
    for (int i = 0; i < 4; i++)
        if (key_tables[i] == which)
            return s->kc_res[i];
    *rc = sl_store_error(st, SL_EINVAL, "postgres: a by-key lookup of an unknown table");
    return NULL;
}

int sl__pg_row_by_key(sl_store *st, int which, sl_id tenant, const char *key, const sl__entity *e, void *out,
                      const char *what)
{
    int rc;
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (n == 0 || n > SL_KEY_MAX)
        return SL_ENOTFOUND;
    const PGresult *r = sl__pg_key_result(st, which, tenant, key, what, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 0)
        return SL_ENOTFOUND;
    sl__pg_read(r, 0, e, out);
    return SL_OK;
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

/* ---- ids ------------------------------------------------------------------ */

static int grow_ids(sl_id **v, size_t *cap, size_t need)
{
    if (need <= *cap)
        return SL_OK;
    size_t n = *cap ? *cap * 2 : PG_ID_BLOCK * 2;
    while (n < need)
        n *= 2;
    sl_id *p = realloc(*v, n * sizeof(**v));
    if (!p)
        return SL_ENOMEM;
    *v = p;
    *cap = n;
    return SL_OK;
}

static int desc(const void *a, const void *b)
{
    sl_id x = *(const sl_id *)a, y = *(const sl_id *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Fetches PG_ID_BLOCK ids of table t from its sequence (one round trip,
 * inside the open transaction; a sequence never gives a value twice). */
static int ids_refill(pg_store *s, int t)
{
    pg_idpool *ip = &s->ids[t];
    pg_params p = {0};
    int rc;
    sl__pg_p_i64(&p, t);
    sl__pg_p_i64(&p, PG_ID_BLOCK);
    PGresult *r = sl__pg_run(&s->base, PQ_IDS, &p, "taking ids", &rc);
    if (!r)
        return rc;
    if ((rc = sl__pg_ids_add(&s->base, t, r)) != SL_OK)
        return rc;
    return ip->nfree ? SL_OK : sl_store_error(&s->base, SL_ESTORE, "postgres: taking ids: none came back");
}

int sl__pg_ids_empty(sl_store *st, int t)
{
    return P(st)->ids[t].nfree == 0;
}

int sl__pg_ids_add(sl_store *st, int t, PGresult *r)
{
    pg_idpool *ip = &P(st)->ids[t];
    int n = PQntuples(r);
    if (grow_ids(&ip->free, &ip->capfree, ip->nfree + (size_t)n) != SL_OK) {
        PQclear(r);
        return sl_store_error(st, SL_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++)
        ip->free[ip->nfree++] = sl__pg_i64(r, i, 0);
    PQclear(r);
    qsort(ip->free, ip->nfree, sizeof(sl_id), desc);
    return SL_OK;
}

/* The next id of table t for an insert of the open transaction. */
static int ids_take(pg_store *s, int t, sl_id *out)
{
    pg_idpool *ip = &s->ids[t];
    int rc;
    if (ip->nfree == 0 && (rc = ids_refill(s, t)) != SL_OK)
        return rc;
    if (grow_ids(&ip->taken, &ip->captaken, ip->ntaken + 1) != SL_OK)
        return sl_store_error(&s->base, SL_ENOMEM, "out of memory");
    *out = ip->free[--ip->nfree];
    ip->taken[ip->ntaken++] = *out;
    return SL_OK;
}

/* An insert refused by a key: its id was not used. */
static void ids_give_back(pg_store *s, int t, sl_id id)
{
    pg_idpool *ip = &s->ids[t];
    for (size_t i = ip->ntaken; i-- > 0;)
        if (ip->taken[i] == id) {
            ip->taken[i] = ip->taken[--ip->ntaken];
            ip->free[ip->nfree++] = id; /* capfree > nfree: it came from there */
            qsort(ip->free, ip->nfree, sizeof(sl_id), desc);
            return;
        }
}

/* Gives taken[from..ntaken) of every table back to its free ids (when
 * there is no memory for them, they are only forgotten: an id skipped). */
static void ids_untake(pg_store *s, int all)
{
    for (int t = 1; t <= PG_ID_TABLES; t++) {
        pg_idpool *ip = &s->ids[t];
        size_t from = all ? 0 : ip->call < ip->ntaken ? ip->call : ip->ntaken, n = ip->ntaken - from;
        if (n > 0 && grow_ids(&ip->free, &ip->capfree, ip->nfree + n) == SL_OK) {
            memcpy(ip->free + ip->nfree, ip->taken + from, n * sizeof(sl_id));
            ip->nfree += n;
            qsort(ip->free, ip->nfree, sizeof(sl_id), desc);
        }
        ip->ntaken = from;
    }
}

/* At the end of a transaction: committed (keep), rolled back cleanly
 * (reuse), or unknown after a lost connection (forget). */
enum { IDS_COMMITTED, IDS_ROLLED_BACK, IDS_UNKNOWN };
static void ids_end(pg_store *s, int how)
{
    if (how == IDS_ROLLED_BACK)
        ids_untake(s, 1);
    for (int t = 1; t <= PG_ID_TABLES; t++)
        s->ids[t].ntaken = s->ids[t].call = 0;
}

static void ids_free(pg_store *s)
{
    for (int t = 1; t <= PG_ID_TABLES; t++) {
        free(s->ids[t].free);
        free(s->ids[t].taken);
    }
}

int sl__pg_put(sl_store *st, int which, pg_params *p, int table, int id_param, sl_id *id, const char *what)
{
    int rc;
    sl_id nid = 0;
    if (*id == 0) {
        if ((rc = ids_take(P(st), table, &nid)) != SL_OK)
            return rc;
        int n = p->n; /* rewrite parameter id_param in place */
        p->n = id_param;
        sl__pg_p_i64(p, nid);
        p->n = n;
    }
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    if (*id == 0) { /* insert: RETURNING id, no row when a key refused it */
        if (PQntuples(r) == 1) {
            *id = nid;
        } else {
            ids_give_back(P(st), table, nid);
            rc = SL_EEXISTS;
        }
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
    /* Every statement prepared in one pipeline: one round trip. */
    PGconn *c = s->conn;
    int ok = PQenterPipelineMode(c), rc = SL_OK;
    s->round_trips++;
    for (int i = 0; ok && i < PQ_COUNT; i++) {
        Oid types[PG_MAX_PARAMS];
        int n = (int)strlen(queries[i].types);
        for (int k = 0; k < n; k++)
            types[k] = queries[i].types[k] == 'I' ? 20 : queries[i].types[k] == 'B' ? 17 : 25;
        char name[16];
        snprintf(name, sizeof(name), "sl%d", i);
        ok = PQsendPrepare(c, name, queries[i].sql, n, types);
    }
    if (!ok || !PQpipelineSync(c)) {
        rc = sl__pg_fail(&s->base, NULL, "preparing the statements");
        PQexitPipelineMode(c);
        return rc;
    }
    for (int i = 0; i < PQ_COUNT && PQstatus(c) == CONNECTION_OK; i++) {
        snprintf(err, sizeof(err), "preparing statement %d", i);
        PQclear(pipeline_result(s, &rc, err));
    }
    if (PQstatus(c) == CONNECTION_OK)
        PQclear(PQgetResult(c)); /* PGRES_PIPELINE_SYNC */
    PQexitPipelineMode(c);
    if (rc == SL_OK && PQstatus(c) != CONNECTION_OK)
        rc = sl__pg_fail(&s->base, NULL, "preparing the statements");
    s->prepared = rc == SL_OK;
    return rc;
}

/* Reads (and ignores) the answer to a ROLLBACK sent without waiting
 * (rollback_send); a connection left in a state we cannot tell is marked
 * broken, so that it is reset. */
static void conn_drain(pg_store *s)
{
    PGconn *c = s->conn;
    if (!s->rollback_unread)
        return;
    s->rollback_unread = 0;
    /* ROLLBACK's result, the NULL that ends it, PGRES_PIPELINE_SYNC */
    for (int i = 0; i < 4 && PQstatus(c) == CONNECTION_OK; i++) {
        PGresult *r = PQgetResult(c);
        ExecStatusType t = PQresultStatus(r);
        PQclear(r);
        if (r && t == PGRES_PIPELINE_SYNC)
            break;
    }
    if (!PQexitPipelineMode(c) || PQstatus(c) != CONNECTION_OK)
        s->broken = 1;
}

/* Ends the transaction with ROLLBACK without waiting for the answer: the
 * server undoes it (and drops its locks) as soon as it reads it, before
 * anything this connection sends next; conn_drain reads the answer at the
 * next begin. A ROLLBACK cannot fail in a way the caller could act on:
 * were the connection lost, the server rolls back by itself. */
static void rollback_send(pg_store *s)
{
    PGconn *c = s->conn;
    key_cache_clear(s);
    if (PQenterPipelineMode(c) && PQsendQueryParams(c, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 1) &&
        PQpipelineSync(c)) {
        s->rollback_unread = 1;
        return;
    }
    PQexitPipelineMode(c);
    s->broken = 1; /* reset at the next begin: the server drops the transaction with the connection */
}

/* Before a transaction: a connection that failed is reset (a new session:
 * settings and statements again). */
static int conn_ensure(pg_store *s)
{
    conn_drain(s);
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

/* A tenant id folded to the 32 bits of its advisory lock key. */
static int32_t fold_tenant(sl_id tenant)
{
    uint64_t u = (uint64_t)tenant;
    return (int32_t)(uint32_t)(u ^ (u >> 32));
}

/* The advisory locks a write of tenant takes (none for reads). */
static void set_lock(pg_store *s, sl_id tenant, int write)
{
    int32_t folded = fold_tenant(tenant);
    if (!write || s->no_advisory)
        s->lock_sql[0] = '\0';
    else if (tenant == 0)
        snprintf(s->lock_sql, sizeof(s->lock_sql), "SELECT pg_advisory_xact_lock(" LOCK_ALL ", 0)");
    else
        snprintf(s->lock_sql, sizeof(s->lock_sql),
                 "SELECT pg_advisory_xact_lock_shared(" LOCK_ALL ", 0), pg_advisory_xact_lock(" LOCK_TENANT ", %ld)",
                 (long)folded);
}

void sl__pg_claim_lock(sl_store *st)
{
    pg_store *s = P(st);
    if (!s->begin_pending || s->group || s->lock_sql[0] == '\0')
        return; /* a group's lock serves its later calls too: kept */
    /* No bitmap scan in this transaction: with the outbox's statistics
     * stale (a queue's due rows come and go faster than ANALYZE), the
     * planner read every due event and sorted them for each claim of 50;
     * the scan of outbox_due in id order stops after the first 50. */
    snprintf(s->lock_sql, sizeof(s->lock_sql),
             "SELECT pg_advisory_xact_lock_shared(" LOCK_ALL ", 0), set_config('enable_bitmapscan', 'off', true)");
    s->lock_tenant = 0; /* other writers of the tenant may run: hold nothing back */
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
    tx_forget(s);
    /* Writes of the locked tenant may be held back and reads done ahead
     * (sl__pg_may_defer); never inside a group (pg_savepoint_begin). */
    s->lock_tenant = !write || s->no_advisory ? 0 : tenant == 0 ? -1 : tenant;
    s->read_only = !write;
    snprintf(s->begin_sql, sizeof(s->begin_sql), "%s",
             write ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    set_lock(s, tenant, write);
    s->begin_pending = 1;
    return SL_OK;
}

/* lock_tenants (sys/store.h): the writer locks of more tenants, in the
 * order given, after the transaction's own (the pending BEGIN and its lock
 * go first in the same pipeline): one round trip. Ids above 2^31 fold, so
 * two team calls could then meet in another order: the server reports
 * that deadlock (40P01, SL_EBUSY) and one retries. */
static int pg_lock_tenants(sl_store *st, const sl_id *tenants, size_t n)
{
    pg_store *s = P(st);
    if (s->no_advisory || n == 0)
        return SL_OK;
    if (n > INT_MAX)
        return sl_store_error(st, SL_EINVAL, "postgres: lock_tenants: too many tenants");
    pg_call *calls = calloc(n, sizeof(*calls));
    pg_params *p = calloc(n, sizeof(*p));
    int rc;
    if (!calls || !p) {
        rc = sl_store_error(st, SL_ENOMEM, "postgres: out of memory locking tenants");
        goto out_free;
    }
    for (size_t i = 0; i < n; i++) {
        sl__pg_p_i64(&p[i], fold_tenant(tenants[i]));
        calls[i] = (pg_call){PQ_LOCK_TENANT, &p[i], NULL};
    }
    rc = run_calls(s, calls, (int)n, "taking the locks of a team's tenants");
    for (size_t i = 0; i < n; i++)
        PQclear(calls[i].r);
out_free:
    free(calls);
    free(p);
    return rc;
}

/* Sends COMMIT: one round trip. */
static int commit_now(sl_store *st)
{
    pg_store *s = P(st);
    PGresult *r = NULL;
    int rc = SL_OK;
    if (s->ndq > 0) { /* the held-back writes and the COMMIT: one round trip */
        pg_call c = {PG_COMMIT, NULL, NULL};
        rc = run_calls(s, &c, 1, "commit");
        r = c.r;
    } else {
        r = exec_end(s, "COMMIT");
    }
    s->lock_tenant = 0;
    tx_forget(s);
    if (rc == SL_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = sl__pg_fail(st, r, "commit");
    else if (rc == SL_OK && strcmp(PQcmdStatus(r), "COMMIT") != 0) /* "ROLLBACK": the transaction had failed */
        rc = sl_store_error(st, SL_ESTORE, "postgres: commit: an earlier statement of the transaction failed, "
                                           "so the server rolled it back");
    PQclear(r);
    if (rc == SL_OK)
        ids_end(s, IDS_COMMITTED);
    else if (s->broken)
        ids_end(s, IDS_UNKNOWN); /* the commit may have reached the server */
    return rc;
}

static int pg_commit(sl_store *st)
{
    pg_store *s = P(st);
    if (s->begin_pending && s->ndq == 0) { /* nothing was read or written */
        s->begin_pending = 0;
        tx_forget(s);
        return SL_OK;
    }
    return commit_now(st);
}

static int pg_rollback(sl_store *st)
{
    pg_store *s = P(st);
    s->begin_pending = 0;
    s->lock_tenant = 0;
    key_cache_clear(s);
    tx_forget(s);
    /* After a failed commit on a lost connection, ids_end already forgot
     * the ids (no-op here); otherwise nothing of the transaction stays. */
    ids_end(s, s->broken ? IDS_UNKNOWN : IDS_ROLLED_BACK);
    if (s->broken || PQstatus(s->conn) != CONNECTION_OK || PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return SL_OK; /* nothing was sent, or the server discarded the transaction of a lost connection */
    rollback_send(s);
    return SL_OK;
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
    s->read_only = 0; /* the group's transaction is a write transaction */
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
        return lost_error(s, "a call of a group", "earlier in the group");
    key_cache_clear(s);
    tx_forget(s);
    s->lock_tenant = 0; /* nothing held back or read ahead: a savepoint may be undone alone */
    snprintf(s->begin_sql, sizeof(s->begin_sql), "%s", s->group_sent ? "" : "BEGIN ISOLATION LEVEL READ COMMITTED");
    s->sp_release = s->sp_open;
    s->sp_pending = 1;
    for (int t = 1; t <= PG_ID_TABLES; t++)
        s->ids[t].call = s->ids[t].ntaken; /* the ids this call takes follow */
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
    if (rc == SL_OK)
        ids_untake(s, 0); /* the call's inserts are undone: their ids are free again */
    return rc;
}

static void pg_free(sl_store *st)
{
    pg_store *s = P(st);
    key_cache_clear(s);
    tx_forget(s);
    free(s->dq);
    ids_free(s);
    PQfinish(s->conn);
    free(s);
}

/* ---- tenants ----------------------------------------------------------------- */

static int pg_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: tenant_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, id);
    sl_tenant t;
    int rc = sl__pg_row_one(st, PQ_TENANT_GET, &p, &sl__ent_tenant, &t, "reading a tenant");
    if (rc == SL_OK)
        *out = t;
    return rc;
}

static int pg_tenant_put(sl_store *st, const sl_tenant *t)
{
    if (!t || memchr(t->tz, '\0', sizeof(t->tz)) == NULL)
        return pg_invalid(st, "postgres: tenant_put: NULL, or a time zone name not NUL-terminated");
    pg_params p = {0};
    sl__pg_bind(&p, &sl__ent_tenant, t, 0, NULL);
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

/* Appends byte c to schema (cap PG_SCHEMA_MAX + 1); *over is 1 when too
 * long, 2 for a NUL byte (a decoded "%00", which would end the name
 * early: "abc%00def" must not become "abc"). */
static void schema_add(char *schema, size_t *n, int c, int *over)
{
    if (c == '\0') {
        *over = 2;
        return;
    }
    if (*n >= PG_SCHEMA_MAX) {
        *over = *over ? *over : 1;
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
                 over == 2 ? " (it holds a NUL byte, %00)" : over ? " (it is too long)" : "");
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
    SL__SET_METHODS(&s->base, SL__MAIN_METHODS, pg);
    sl__pg_schedule_methods(&s->base);
    sl__pg_ledger_methods(&s->base);
    s->base.lock_tenants = pg_lock_tenants;
    s->base.read_hint = sl__pg_read_hint;
    sl__pg_class_methods(&s->base);
    sl__pg_outbox_methods(&s->base);
    sl__pg_many_methods(&s->base);
    *out = &s->base;
    return SL_OK;

out_finish:
    PQfinish(s->conn);
out_free:
    free(rest);
    free(s);
    return rc;
}
