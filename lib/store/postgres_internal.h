/*
 * lib/store/postgres_internal.h - what the files of the PostgreSQL store
 * share: statement indexes (their SQL is in postgres_queries.sql), the
 * store struct, parameter and result helpers. postgres.c holds the
 * connection, transactions, tenants, errors and the constructor; postgres_schema.c the
 * schema and its migrations; postgres_schedule.c rules, overrides,
 * sessions, soft delete and purge; postgres_ledger.c accounts, entries,
 * holds and webhook events; postgres_hint.c the reads a call announces
 * (read_hint), fetched with its BEGIN.
 *
 * Written against the public headers and libpq only, as a third party
 * would write a store. Internal: not exported (sl__pg_* names are reachable
 * from the uninstalled internal library, for white-box tests).
 */
#ifndef SL_STORE_POSTGRES_INTERNAL_H
#define SL_STORE_POSTGRES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "slotledger/postgres.h"
#include "slotledger/sys/store.h"
#include "rowcall.h"

/* Longest message this store formats (the core copies what fits). */
#define PG_MSG_SIZE 512
/* Longest schema name (PostgreSQL's NAMEDATALEN - 1). */
#define PG_SCHEMA_MAX 63

/* enum PQ_*: the statements of postgres_queries.sql, in order (generated). */
#include "postgres_queries_gen.h"

/* Tables whose ids come from a sequence, sl_ids_<n> (postgres_schema.c). */
enum { PG_ID_RULE = 1, PG_ID_OVERRIDE, PG_ID_SESSION, PG_ID_ENTRY, PG_ID_HOLD, PG_ID_SEAT, PG_ID_OUTBOX,
       PG_ID_TABLES = PG_ID_OUTBOX };
/* Ids fetched per round trip when a pool runs dry. */
#define PG_ID_BLOCK 16

/* The ids of one table this connection holds: `free` (descending, the
 * next id last) fetched from the sequence and not used yet, `taken` used
 * by inserts of the open transaction. A clean rollback gives `taken` back
 * to `free` (nobody else can hold them), so one connection hands out ids
 * in order, as the other stores do; a commit keeps them; a lost
 * connection forgets them (the commit may have happened). In a group,
 * `taken` from index `call` on are the current call's: undoing the call
 * (ROLLBACK TO its savepoint) gives those back alone. */
typedef struct pg_idpool {
    sl_id *free, *taken;
    size_t nfree, ntaken, capfree, captaken, call;
} pg_idpool;

/* Statement parameters, sent in binary: int8 big-endian, bytea raw. */
#define PG_MAX_PARAMS 24
typedef struct pg_params {
    int n;
    const char *val[PG_MAX_PARAMS];
    int len[PG_MAX_PARAMS];
    int fmt[PG_MAX_PARAMS];
    unsigned char i8[PG_MAX_PARAMS][8];
} pg_params;

/* A write held back to go out with the transaction's next statement or
 * its COMMIT, in one pipeline (its parameters copied: data owns the
 * bytes). Only writes whose outcome the store already knows are held. */
typedef struct pg_deferred {
    int which;
    pg_params p;
    char *data;
    uint32_t i8s; /* bit i: p.val[i] points at p.i8[i], inside this entry
                   * (re-pointed when the array of entries moves) */
} pg_deferred;
_Static_assert(PG_MAX_PARAMS <= 32, "pg_deferred.i8s has a bit per parameter");

/* Tables holding idempotency keys (one key space per tenant): sessions,
 * entries, holds, seats. */
#define SL__PG_KEY_TABLES 4

/* A result read ahead (sent with another statement, in case the core asks
 * next): statement, its parameters (int8 only) and the result. */
#define PG_READ_AHEAD 8

/* The active holds of an account read ahead: the first this many by
 * expiry (PQ_HOLDS_AHEAD). The lapsed ones a scan wants are a prefix of
 * that order, so the read is complete for a scan unless it is full and its
 * last hold has lapsed too (then the scan reads PQ_HOLDS_EXPIRED). A
 * student with many upcoming bookings costs a booking no more rows. */
#define PG_HOLDS_AHEAD 8
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)
#define PG_HOLDS_AHEAD_SQL PG_STR(PG_HOLDS_AHEAD) /* its LIMIT, spliced into postgres_queries.sql */
typedef struct pg_ahead {
    int which, n;
    int64_t arg[4];
    PGresult *r;
} pg_ahead;

typedef struct pg_store {
    sl_store base; /* first member */
    PGconn *conn;
    char schema[PG_SCHEMA_MAX + 1];
    int fast;           /* SL_FAST: synchronous_commit = off */
    int timeout_ms;     /* lock_timeout */
    int no_advisory;    /* test-only: begin takes no advisory lock */
    int broken;         /* the connection failed: reconnect at the next begin */
    int read_only;      /* the open transaction is begin(tenant, 0): one snapshot */
    int prepared;       /* the statements exist on this connection */
    unsigned long round_trips; /* requests sent to the server (tests read it) */
    /* begin() only records the transaction's first statements; they go out
     * with the transaction's first statement, in one pipeline. */
    int begin_pending;
    char begin_sql[64];
    char lock_sql[160];  /* "" when the transaction takes no lock */
    /* Groups (sl_group_*): the group's BEGIN (begin_sql, until group_sent)
     * and each call's "RELEASE" of the previous call's savepoint and its
     * own "SAVEPOINT" ride on the call's first statement too. */
    int group;          /* a group is open */
    int group_sent;     /* the group's BEGIN has been sent */
    int sp_open;        /* savepoint sl_call exists on the server */
    int sp_release;     /* pending: release the previous call's savepoint */
    int sp_pending;     /* pending: open this call's savepoint */
    /* Idempotency keys: the first by-key lookup of a transaction reads the
     * key in sessions, entries and holds at once (one round trip) and keeps
     * the three results here until the store's next statement. */
    int kc_valid;
    sl_id kc_tenant;
    char kc_key[SL_KEY_MAX + 1];
    PGresult *kc_res[SL__PG_KEY_TABLES]; /* sessions, entries, holds, seats */
    pg_idpool ids[PG_ID_TABLES + 1]; /* [PG_ID_RULE..PG_ID_OUTBOX] */
    /* Round trips saved inside one write transaction (postgres.c):
     * lock_tenant is the tenant whose lock the transaction holds (-1: all,
     * 0: none); writes held back (dq); what the transaction knows it has
     * not written yet -- the key kn_key of kn_tenant absent from sessions,
     * entries, holds (kn_absent) and the ledger head el_seq of el_tenant --
     * and results read ahead. */
    sl_id lock_tenant;
    pg_deferred *dq;
    int ndq, capdq;
    int kn_valid, kn_absent[SL__PG_KEY_TABLES];
    sl_id kn_tenant;
    char kn_key[SL_KEY_MAX + 1];
    int el_valid;
    sl_id el_tenant;
    int64_t el_seq;
    pg_ahead ahead[PG_READ_AHEAD];
    /* A ROLLBACK sent without waiting for its answer (pg_rollback): read
     * (and ignored) before the connection's next use. */
    int rollback_unread;
} pg_store;

static inline pg_store *P(sl_store *st)
{
    return (pg_store *)st;
}

void sl__pg_p_i64(pg_params *p, int64_t v);
/* Appends v[0..n) as int8 parameters; PG_P_I64S(p, a, b, ...) the values given. */
void sl__pg_p_i64s(pg_params *p, int n, const int64_t *v);
#define PG_P_I64S(p, ...)                                                                                  \
    sl__pg_p_i64s(p, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__})
/* v == 0 is sent as NULL (deleted_at of a live row). */
void sl__pg_p_deleted(pg_params *p, int64_t v);
void sl__pg_p_bytes(pg_params *p, const void *b, size_t n);
/* A NUL-terminated string as bytea (keys, references: any bytes). */
void sl__pg_p_str(pg_params *p, const char *s);

/* Run prepared statement `which` with p; a result of status
 * PGRES_TUPLES_OK or PGRES_COMMAND_OK, or NULL after reporting the failure
 * (the code is in *rc). The caller PQclear()s the result. */
PGresult *sl__pg_run(sl_store *st, int which, const pg_params *p, const char *what, int *rc);
/* Report a failed result (may be NULL) of `what` through sl_store_error;
 * returns the code (see postgres.c for the SQLSTATE mapping). */
int sl__pg_fail(sl_store *st, const PGresult *r, const char *what);

/* Column readers of binary results: NULL reads as 0 / empty. */
int64_t sl__pg_i64(const PGresult *r, int row, int col);
/* Copies a bytea column into dst (cap bytes, NUL-terminated, truncated). */
void sl__pg_text(const PGresult *r, int row, int col, char *dst, size_t cap);
/* Copies a bytea column into dst when it has exactly n bytes. */
void sl__pg_blob(const PGresult *r, int row, int col, uint8_t *dst, size_t n);

/* ---- table-driven rows (postgres_rows.c; columns in columns.c) ---- */
/* Decodes row `row` of r into out as entity e (zeroed first, version set). */
void sl__pg_read(const PGresult *r, int row, const sl__entity *e, void *out);
/* Appends columns first.. of row to p; windows (SL__WINDOWS_BYTES, or NULL
 * for an entity without windows) holds their bytes, so must outlive p. */
void sl__pg_bind(pg_params *p, const sl__entity *e, const void *row, int first, unsigned char *windows);
/* The one scan loop: decodes each row of r as e and passes it to cb (a
 * callback taking e's record, cast to void (*)(void)) when keep (may be
 * NULL) accepts it with arg; stops at the first non-zero value cb returns
 * and returns it. Clears r. */
int sl__pg_rows(PGresult *r, const sl__entity *e, int (*keep)(const void *row, const void *arg), const void *arg,
                void (*cb)(void), void *ctx);
/* Runs statement `which` with p, then as sl__pg_rows (the whole result is
 * read first, so a callback may write). */
int sl__pg_scan(sl_store *st, int which, const pg_params *p, const sl__entity *e, void (*cb)(void), void *ctx,
                const char *what);
/* sl__pg_scan with the int8 parameters args[0..n-1]; SL_EINVAL when cb is
 * NULL. */
int sl__pg_scan_by(sl_store *st, int which, const sl__entity *e, void (*cb)(void), void *ctx, const char *what, int n,
                   const int64_t *args);
#define PG_CB(cb) SL__CB(cb)
/* sl__pg_scan_by with the int8 arguments given after ctx. */
#define PG_SCAN(st, which, e, cb, ctx, what, ...)                                                          \
    sl__pg_scan_by(st, which, e, PG_CB(cb), ctx, what, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                   (const int64_t[]){__VA_ARGS__})

/* Reads row 0 of statement `which` as e into out; SL_ENOTFOUND when none. */
int sl__pg_row_one(sl_store *st, int which, const pg_params *p, const sl__entity *e, void *out, const char *what);
/* sl__pg_row_one with the int8 parameters (a, b); SL_EINVAL when out is NULL. */
int sl__pg_get(sl_store *st, int which, int64_t a, int64_t b, const sl__entity *e, void *out, const char *what);
/* The row of statement `which` ($1 = tenant, $2 = key) for an idempotency
 * key; SL_ENOTFOUND for "" or an over-long key, which are never stored. */
int sl__pg_row_by_key(sl_store *st, int which, sl_id tenant, const char *key, const sl__entity *e, void *out,
                      const char *what);
/* A write returning nothing, with its affected row count in *n (may be NULL). */
int sl__pg_write(sl_store *st, int which, const pg_params *p, const char *what, int64_t *n);

/* Runs an insert (*id == 0: an id of table `table` (PG_ID_*) is taken
 * from the pool, put into parameter id_param of p and written back) or a
 * replace of row *id. SL_EEXISTS (no message) when a unique key refused
 * it (the id goes back to the pool), SL_ENOTFOUND when there is no row
 * *id of that tenant. */
int sl__pg_put(sl_store *st, int which, pg_params *p, int table, int id_param, sl_id *id, const char *what);

/* The put of a row with an idempotency key (sessions, holds): held back
 * when it may be (below), else as sl__pg_put; SL_EEXISTS names the
 * (tenant, key) already taken. */
typedef struct pg_keyed {
    const sl__entity *e;
    int insert, update; /* statements */
    int table, kt;      /* PG_ID_* and key table (below) */
    const char *noun;   /* "session" */
} pg_keyed;
int sl__pg_put_keyed(sl_store *st, const pg_keyed *k, const void *row, sl_id *id, sl_id tenant, const char *key);

/* Writes held back (sent with the next statement or the COMMIT). A store
 * holds back a write of `tenant` only inside a write transaction that
 * holds that tenant's lock (no writer can change what it read), and only
 * when it knows the outcome: an insert whose key (kt: 0 sessions,
 * 1 entries, 2 holds) it looked up in this transaction and has not written
 * since, an entry whose seq follows the head it read, an upsert. Should
 * the server still refuse it, the transaction's next statement or its
 * commit fails with the mapped code and the core rolls back. */
int sl__pg_may_defer(sl_store *st, sl_id tenant);
int sl__pg_key_absent(sl_store *st, int kt, sl_id tenant, const char *key);
int sl__pg_seq_free(sl_store *st, sl_id tenant, int64_t seq);
/* The ledger head of tenant read by this transaction (0: no entries). */
void sl__pg_note_head(sl_store *st, sl_id tenant, int64_t seq);
/* Holds back statement which with p; an insert (table != 0) takes its id
 * from the pool into parameter id_param and writes it to *id. Marks key
 * (kt) as written. A keyed insert goes out in its held form (no guard: a
 * key or seq taken meanwhile fails the pipeline, so the COMMIT sent with
 * it never runs), an outbox update in one that fails when no row matches. */
int sl__pg_defer(sl_store *st, int which, pg_params *p, int table, int id_param, sl_id *id, int kt,
                 const char *key);
/* The result of statement `which` read ahead with int8 arguments (a) or
 * (a, b), or NULL; the caller owns it (PQclear). */
PGresult *sl__pg_ahead_take(sl_store *st, int which, sl_id a, sl_id b);
/* The blocking sessions (PQ_SESSIONS_BUSY, times [from, to)) or the live
 * overrides (PQ_OVERRIDES_LIVE, dates [from, to]) of tenant read ahead,
 * when their range covers the one asked for, or NULL: the caller filters
 * the rows to its range and PQclear()s the result. */
PGresult *sl__pg_ahead_range(sl_store *st, int which, sl_id tenant, int64_t from, int64_t to);
/* The statements of the session time-range scans by plan (SL__SCAN_*,
 * sl__sessions_scan): [plan][0] one tenant's, [plan][1] many tenants'
 * (postgres_schedule.c). */
extern const int sl__pg_range_queries[SL__SCAN_NOTHING][2];
/* Keeps r, the result of statement which with p (int8 parameters), to
 * answer a later read (sl__pg_run, sl__pg_ahead_*); takes r. */
void sl__pg_ahead_put(sl_store *st, int which, const pg_params *p, PGresult *r);

/* One statement of a pipeline: its result (owned by the caller) or NULL. */
typedef struct pg_call {
    int which;
    const pg_params *p;
    PGresult *r;
} pg_call;

/* which == PG_COMMIT: "COMMIT" (ends a pipeline of held-back writes). */
#define PG_COMMIT (-1)

/* Runs calls[0..n) behind the pending BEGIN and lock and the writes held
 * back, in one pipeline: one round trip. On failure every result is NULL
 * and the code is returned (reported through sl_store_error). */
int sl__pg_run_calls(sl_store *st, pg_call *calls, int n, const char *what);
/* Keeps the results of the three by-key lookups of key (n bytes) in
 * sessions, entries and holds (res[0..2], taken) for the lookups that
 * follow, and notes which tables lack the key. */
void sl__pg_key_cache_put(sl_store *st, sl_id tenant, const char *key, size_t n, PGresult *res[SL__PG_KEY_TABLES]);
/* Whether the id pool of table t (PG_ID_*) is empty; sl__pg_ids_add takes
 * the ids a PQ_IDS statement returned (r, cleared) into it. */
int sl__pg_ids_empty(sl_store *st, int t);
int sl__pg_ids_add(sl_store *st, int t, PGresult *r);

/* ---- read hints (postgres_hint.c) ---- */
/* read_hint (sys/store.h): the reads of a booking, a post or a slot query
 * with the transaction's BEGIN, in one round trip. */
int sl__pg_read_hint(sl_store *st, sl_id tenant, const char *key, sl_id account, sl_time from, sl_time to);

static inline int pg_invalid(sl_store *st, const char *msg)
{
    return sl_store_error(st, SL_EINVAL, msg);
}

/* The SQL of statement i and its parameter types ("I" int8, "B" bytea,
 * "T" text, one letter per $n), or NULL past the last one. */
const char *sl__pg_query(int i, const char **types);

/* Create or migrate the schema of the connected store (postgres_schema.c):
 * under an advisory lock, in one transaction. SL_ESTORE with a message
 * in err for a newer schema, a schema holding other tables, or a schema
 * to create or migrate on a server that accepts no writes (an up-to-date
 * schema opens there: reads work, writes fail with SL_ESTORE). */
int sl__pg_migrate(PGconn *conn, const char *schema, char *err, size_t errlen);
/* The schema version this library writes. */
int sl__pg_schema_latest(void);

/* Number of requests this store has sent to the server (white-box tests:
 * round trips per booking and per post). */
unsigned long sl__pg_round_trips(const sl_store *st);

void sl__pg_schedule_methods(sl_store *st);
void sl__pg_ledger_methods(sl_store *st);
void sl__pg_class_methods(sl_store *st);
/* Inside a purge of sessions deleted before `before`, ahead of it: deletes
 * their class rows and seats (seat ids come from a sequence: never reused). */
int sl__pg_class_purge(sl_store *st, sl_time before);
void sl__pg_outbox_methods(sl_store *st);
/* The status set the blocking statements and the exclusion constraint were
 * written for (postgres_schema.c); the core's set is sl__status_blocking in
 * lib/sessions/check.c, passed as SL_SCAN_STATUS bits. */
#define PG_INDEXED_STATUSES (SL_SCAN_STATUS(1) | SL_SCAN_STATUS(2) | SL_SCAN_STATUS(4) | SL_SCAN_STATUS(5))

/* The reads over many tenants (postgres_many.c). */
void sl__pg_many_methods(sl_store *st);
/* A claim (outbox_heads) or a settle (outbox_get in a write transaction:
 * the event's row is locked) as the first statement of a write transaction:
 * the pending lock becomes the shared all-tenants lock only (a purge, under
 * begin(0, 1), still excludes claims), since FOR UPDATE SKIP LOCKED keeps
 * concurrent claims apart row by row; nothing is held back. No effect once
 * the transaction's first statement has been sent, nor inside a group. */
void sl__pg_claim_lock(sl_store *st);
/* The result of by-key statement `which` (PQ_*_BY_KEY) for (tenant, key),
 * from the one pipelined read of every table holding keys (valid until
 * the store's next statement); NULL with *rc set on failure. */
const PGresult *sl__pg_key_result(sl_store *st, int which, sl_id tenant, const char *key, const char *what, int *rc);

#endif
