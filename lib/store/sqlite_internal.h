/*
 * lib/store/sqlite_internal.h - what the three files of the SQLite store
 * share: the indexes of the prepared statements (their SQL is in
 * sqlite_queries.sql), the store struct, and the helpers every table uses.
 * sqlite.c holds transactions, tenants, open and close; sqlite_schedule.c
 * rules, overrides, sessions, soft delete and purge; sqlite_ledger.c
 * accounts, entries, holds and webhook events. Internal: not exported.
 */
#ifndef SL_STORE_SQLITE_INTERNAL_H
#define SL_STORE_SQLITE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* Public headers only, as a third party would write a backend (a meson
 * check builds the backends without lib/ on the include path). */
#include "slotledger.h"
#include "slotledger/sys/store.h"
#include "rowcall.h"

/* The id of a new session (schema migration 9: sessions have no
 * AUTOINCREMENT): one past the largest id in the table and past the floor
 * that purges record in id_floors, so that no id is ever reused. Every
 * INSERT INTO sessions takes its id from this expression. */
#define SL__SQ_NEXT_SESSION_ID                                                  \
    "max(coalesce((SELECT max(id) FROM sessions), 0),"                         \
    " coalesce((SELECT floor FROM id_floors WHERE name = 'sessions'), 0)) + 1"

/* Room for a message handed to sl_store_error. */
#define SL__SQ_MSG_SIZE 512

/* enum Q_*: the statements of sqlite_queries.sql, in order (generated). */
#include "sqlite_queries_gen.h"

/* The outbox's statements (sqlite_outbox.c), prepared on first use. */
enum {
    OQ_INSERT, OQ_GET, OQ_UPDATE, OQ_LAST, OQ_SCAN_SESSION, OQ_SCAN_TENANT, OQ_SCAN_ALL,
    OQ_HEADS_ALL, OQ_HEADS_TENANT, OQ_PURGE, OQ_QUEUE, OQ_MARK, OQ_INSERT_NEW, SL__SQ_OUTBOX_QUERIES
};
/* Statements of the group classes (sqlite_class.c), prepared on first use. */
#define SL__SQ_CLASS_QUERIES 10
/* Statements of the reads over many tenants (sqlite_many.c). */
#define SL__SQ_MANY_QUERIES 10

/* Ledger heads kept per connection: about 50 KB; tenants share a slot
 * when they are congruent modulo this. */
#define SL__SQ_HEADS 128
#define SL__SQ_PENDING_LIST 16
enum { SL__SQ_HEAD_NONE, SL__SQ_HEAD_PENDING, SL__SQ_HEAD_KEPT };

/* Schedule rows kept per connection (sqlite_kept.c): a tenant's row, live
 * rules and the live overrides of a range of dates, in slot tenant %
 * SL__SQ_KEPT; more live rules than SL__SQ_KEPT_RULES, or overrides than
 * SL__SQ_KEPT_OV in the range, are not kept (at most about 250 KB in all).
 * A miss reads the overrides of SL__SQ_KEPT_OV_DAYS more dates each side. */
#define SL__SQ_KEPT 32
#define SL__SQ_KEPT_RULES 32
#define SL__SQ_KEPT_OV 8
#define SL__SQ_KEPT_OV_DAYS 7
typedef struct sq_kept {
    int state;           /* SL__SQ_HEAD_NONE, _PENDING or _KEPT, as a head */
    int has_tenant;      /* t holds the tenant's row */
    int has_rules;       /* rules[0..n_rules) are its live rules, by id */
    int64_t dv;          /* data_version when they were read */
    sl_id tenant;
    sl_tenant t;
    size_t n_rules;
    sl_rule *rules;      /* SL__SQ_KEPT_RULES, allocated on first use */
    int has_ov;          /* ov[0..n_ov) are its live overrides of dates [ov_first, ov_last], by date */
    sl_date ov_first, ov_last;
    size_t n_ov;
    sl_override *ov;     /* SL__SQ_KEPT_OV, allocated on first use */
} sq_kept;

typedef struct sq_store {
    sl_store base; /* first member */
    sqlite3 *h;
    sqlite3_stmt *q[Q_COUNT];
    sqlite3_stmt *outbox_q[SL__SQ_OUTBOX_QUERIES];
    sqlite3_stmt *cq[SL__SQ_CLASS_QUERIES];
    sqlite3_stmt *many_q[SL__SQ_MANY_QUERIES];
    /* The answer of the last key probe (sl__sq_key_maybe): true while the
     * transaction that asked is open and has changed no row since. */
    struct {
        int valid, changes, found;
        sl_id tenant;
        char key[SL_KEY_MAX + 1];
    } probe;
    /* Ledger heads (sqlite_ledger.c): the last entry of a tenant, in slot
     * tenant % SL__SQ_HEADS. PENDING: read or appended by the open
     * transaction, promoted to KEPT by its COMMIT, dropped by any rollback
     * or failure; KEPT: true while data_version is dv. */
    struct {
        int state;
        int64_t dv;
        sl_entry e;
    } head[SL__SQ_HEADS];
    int64_t tx_dv; /* data_version of the open transaction, -1: not read yet */
    /* The slots made PENDING since the transaction began (n_pending past
     * SL__SQ_PENDING_LIST: more than the list holds). */
    unsigned char pending[SL__SQ_PENDING_LIST];
    int n_pending;
    /* Tenant rows, live rules and overrides (sqlite_kept.c): PENDING while
     * the transaction that read them is open, KEPT once it commits, true
     * while data_version is dv; every write of a tenant, a rule or an
     * override by this connection drops them all. */
    sq_kept kept[SL__SQ_KEPT];
    int kept_pending; /* a slot may be PENDING */
    int kept_write;   /* a write transaction (BEGIN IMMEDIATE) is open */
} sq_store;

static inline sq_store *Q(sl_store *st)
{
    return (sq_store *)st;
}

static inline int invalid(sl_store *st, const char *msg)
{
    return sl_store_error(st, SL_EINVAL, msg);
}

/* deleted_at 0 (live) is stored as NULL so partial indexes see live rows. */
static inline void bind_deleted(sqlite3_stmt *s, int i, sl_time deleted_at)
{
    if (deleted_at == 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, deleted_at);
}

/* The column descriptions (sl__col, sl__entity, sl__ent_*) are shared
 * with the PostgreSQL store: rowcall.h and columns.c. Parameters of a
 * statement are ?1, ?2, ... from column `first` on (sl__sq_bind). */

/* Decodes the current row of s into out (zeroed first, version set). */
void sl__sq_read(sqlite3_stmt *s, const sl__entity *e, void *out);
/* Binds columns first.. of row to parameters ?1.. of s. */
void sl__sq_bind(sqlite3_stmt *s, const sl__entity *e, const void *row, int first);

/* Shared helpers, defined in sqlite.c (each is described there). */
int sl__sq_write_q(sl_store *st, int which, const char *what);
int sl__sq_finish_q(sl_store *st, sqlite3_stmt *s, int rc, const char *what);
int sl__sq_row_one(sl_store *st, sqlite3_stmt *s, const sl__entity *e, void *out, const char *what);
/* A read by two values: binds p1, p2 to ?1, ?2 of statement `which`, then as
 * sl__sq_row_one (SL_EINVAL when out is NULL). */
int sl__sq_get(sl_store *st, int which, int64_t p1, int64_t p2, const sl__entity *e, void *out, const char *what);
/* The one scan loop: steps bound statement s, decoding each row as e and
 * passing it to cb (a callback taking e's record, cast to void (*)(void));
 * stops at the first non-zero value cb returns and returns it. */
int sl__sq_scan(sl_store *st, sqlite3_stmt *s, const sl__entity *e, void (*cb)(void), void *ctx, const char *what);
#define SQ_CB(cb) SL__CB(cb)
/* sl__sq_scan of statement `which` with args[0..n-1] bound to ?1..?n;
 * SL_EINVAL when cb is NULL. SQ_SCAN takes the arguments after ctx. */
int sl__sq_scan_by(sl_store *st, int which, const sl__entity *e, void (*cb)(void), void *ctx, const char *what, int n,
                   const int64_t *args);
#define SQ_SCAN(st, which, e, cb, ctx, what, ...)                                                            \
    sl__sq_scan_by(st, which, e, SQ_CB(cb), ctx, what, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                   (const int64_t[]){__VA_ARGS__})
/* The row of statement `which` (?1 = tenant, ?2 = key) for an idempotency
 * key, read into out; SL_ENOTFOUND when there is none. */
int sl__sq_row_by_key(sl_store *st, int which, sl_id tenant, const char *key, const sl__entity *e, void *out,
                      const char *what);
/* The tables an idempotency key can be in (bits of the key_probe query). */
#define SL__SQ_KEY_SESSION 1
#define SL__SQ_KEY_ENTRY 2
#define SL__SQ_KEY_HOLD 4
#define SL__SQ_KEY_SEAT 8
/* 0 when table (SL__SQ_KEY_*) of tenant certainly holds no row with key,
 * 1 when its row must be read. The first lookup of a key in a transaction
 * asks all four tables at once (key_probe: four index searches, no row
 * read) and the answer serves the other lookups of the same key until the
 * transaction writes a row or ends (any control statement); outside a
 * transaction 1 (the caller's own read then answers). When the probe
 * fails, its error (< 0, recorded on the store) is the lookup's: SQLite
 * may have rolled the transaction back (SQLITE_NOMEM, IOERR), and the
 * call's next statements would run outside it. A new key's four lookups
 * are one statement. */
int sl__sq_key_maybe(sl_store *st, int table, sl_id tenant, const char *key);
/* After control statement `which` ran (ok: it succeeded): a COMMIT keeps
 * the heads its transaction appended, anything else but a savepoint or its
 * release drops them (sqlite_ledger.c). */
void sl__sq_heads_after(sl_store *st, int which, int ok);
/* The data_version of the open transaction, read once per transaction
 * (sqlite_ledger.c); its error is the caller's. */
int sl__sq_tx_data_version(sl_store *st, int64_t *dv);
/* Kept schedule rows (sqlite_kept.c). After control statement `which` (ok:
 * it succeeded): as sl__sq_heads_after. Before statement `which` writes:
 * a write of a tenant or a rule drops every kept row. The tenant_get and
 * live rules_scan and overrides_scan methods answer from kept rows inside
 * a write transaction. */
void sl__sq_kept_after(sl_store *st, int which, int ok);
void sl__sq_kept_write(sl_store *st, int which);
int sl__sq_kept_tenant(sl_store *st, sl_tenant *out, sl_id id);
int sl__sq_kept_rules(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_rule *r), void *ctx);
int sl__sq_kept_overrides(sl_store *st, sl_id tenant, sl_date from, sl_date to,
                          int (*cb)(void *ctx, const sl_override *o), void *ctx);
void sl__sq_kept_free(sl_store *st);
/* Writes row (an insert when *id == 0, else a replace) with statement
 * `which`, parameters from column 0 on; then as sl__sq_put_done. */
int sl__sq_put(sl_store *st, int which, const sl__entity *e, const void *row, sl_id *id, const char *what);
int sl__sq_put_done(sl_store *st, sl_id *id);
/* SL_EEXISTS with a message naming the (tenant, key) a noun already holds. */
int sl__sq_key_taken(sl_store *st, sl_id tenant, const char *noun, const char *key);
void sl__sq_read_blob(sqlite3_stmt *s, int i, uint8_t *dst, size_t n);

/* Fill the store's methods of the scheduling tables (sqlite_schedule.c)
 * and of the ledger tables (sqlite_ledger.c) into the vtable. */
void sl__sqlite_schedule_methods(sl_store *st);
void sl__sqlite_ledger_methods(sl_store *st);
/* The outbox's methods, and the release of its statements (sqlite_outbox.c). */
void sl__sqlite_outbox_methods(sl_store *st);
void sl__sqlite_outbox_free(sl_store *st);
void sl__sqlite_class_methods(sl_store *st);
/* The reads over many tenants, and the release of their statements (sqlite_many.c). */
void sl__sqlite_many_methods(sl_store *st);
void sl__sqlite_many_free(sl_store *st);
/* Inside a purge of sessions deleted before `before`, ahead of it: deletes
 * their class rows and seats, after recording the seats' id floor. */
int sl__sq_class_purge(sl_store *st, sl_time before);

/* The status set the partial index sessions_blocking encodes (schema.c:
 * "deleted_at IS NULL AND status <> 3", status being CHECKed to 1..5, and
 * the same literal in the conflict queries of sqlite_queries.sql): every
 * status but cancelled. The rule itself is the core's (sl__status_blocking in
 * lib/sessions/check.c, passed as SL_SCAN_STATUS bits); the index serves a
 * scan only when its set equals this one, and tests/check_store_may.c
 * asserts that the core's set does. */
#define SL__SQ_INDEXED_STATUSES (SL_SCAN_STATUS(1) | SL_SCAN_STATUS(2) | SL_SCAN_STATUS(4) | SL_SCAN_STATUS(5))

#endif
