/*
 * lib/store/rowcall.h - what the built-in backends' table-driven code
 * shares: one column description per entity (columns.c), the override
 * windows' byte form, the one start of the session time-range scans (and
 * the methods the SQL backends define from their statements), and a scan's
 * callback kept as void (*)(void) and called through an adaptor of its own
 * type (ISO C calls a function only through its own type). Internal: not
 * exported; includes only public headers.
 */
#ifndef SL_STORE_ROWCALL_H
#define SL_STORE_ROWCALL_H

#include <stddef.h>
#include <stdint.h>

#include "slotledger.h"
#include "slotledger/sys/store.h"

typedef int (*sl__rowcall)(void (*cb)(void), void *ctx, const void *row);
#define SL__CB(cb) ((void (*)(void))(cb))

#define SL__ROWCALL(name, T)                                                                   \
    static inline int name(void (*cb)(void), void *ctx, const void *row)                       \
    {                                                                                          \
        return ((int (*)(void *, const T *))cb)(ctx, row);                                     \
    }
SL__ROWCALL(sl__call_tenant, sl_tenant)
SL__ROWCALL(sl__call_rule, sl_rule)
SL__ROWCALL(sl__call_override, sl_override)
SL__ROWCALL(sl__call_session, sl_session)
SL__ROWCALL(sl__call_account, sl_account)
SL__ROWCALL(sl__call_entry, sl_entry)
SL__ROWCALL(sl__call_hold, sl_credit_hold)
SL__ROWCALL(sl__call_seat, sl_seat)
#undef SL__ROWCALL

/* ---- the method tables ----
 * The store methods every built-in backend defines, named
 * <prefix>_<method>: its main file's (transactions, tenants), its
 * scheduling file's, its ledger file's, its outbox file's, its group
 * classes file's and (SQL stores) its reads over many tenants. A backend
 * fills each group with SL__SET_METHODS, one list for all backends. */
#define SL__MAIN_METHODS(X, P) X(P, begin) X(P, commit) X(P, rollback) X(P, free) X(P, group_begin) \
    X(P, group_commit) X(P, group_rollback) X(P, savepoint_begin) X(P, savepoint_end) X(P, tenant_get) \
    X(P, tenant_put)
#define SL__SCHEDULE_METHODS(X, P) X(P, rule_put) X(P, rule_get) X(P, rules_scan) X(P, override_put) \
    X(P, override_get) X(P, overrides_scan) X(P, override_by_id) X(P, session_put) X(P, session_get) \
    X(P, session_by_key) X(P, sessions_scan) X(P, sessions_by_student) X(P, sessions_by_series) \
    X(P, soft_delete) X(P, purge)
#define SL__LEDGER_METHODS(X, P) X(P, account_get) X(P, account_put) X(P, entry_append) X(P, entry_by_key) \
    X(P, entry_last) X(P, entries_scan) X(P, hold_put) X(P, hold_get) X(P, hold_by_key) \
    X(P, holds_expired_scan) X(P, webhook_claim) X(P, accounts_scan) X(P, mac_put) X(P, mac_get) \
    X(P, holds_scan)
#define SL__OUTBOX_METHODS(X, P) X(P, outbox_append) X(P, outbox_get) X(P, outbox_update) X(P, outbox_last) \
    X(P, outbox_scan) X(P, outbox_heads) X(P, outbox_purge)
#define SL__CLASS_METHODS(X, P) X(P, class_put) X(P, class_get) X(P, seat_put) X(P, seats_scan) X(P, seat_by_key)
#define SL__MANY_METHODS(X, P) X(P, tenants_get_many) X(P, rules_scan_many) X(P, overrides_scan_many) \
    X(P, sessions_scan_many)
#define SL__SET_METHOD(P, m) sl__st->m = P##_##m;
/* Sets each method m of group LIST of store st to the function PREFIX_m. */
#define SL__SET_METHODS(st, LIST, PREFIX) \
    do {                                  \
        sl_store *sl__st = (st);          \
        LIST(SL__SET_METHOD, PREFIX)      \
    } while (0)

/* ---- one column description per entity ----
 * An entity's columns in the order the SQL stores' SELECTs list them (the
 * *_COLS lists below); their INSERT and UPDATE
 * statements take the same columns as parameters 1, 2, ... (from a column
 * `first` on). One reader and one binder per backend serve every entity. */
enum {
    SL__COL_I64,     /* int64_t */
    SL__COL_I32,     /* int32_t (and sl_date) */
    SL__COL_DELETED, /* sl_time deleted_at: 0 is stored as NULL (partial indexes) */
    SL__COL_TEXT,    /* char[size], NUL-terminated */
    SL__COL_BLOB,    /* uint8_t[size], exactly */
    SL__COL_WINDOWS  /* sl_override's windows and n_windows: little-endian int32 pairs */
};

typedef struct sl__col {
    unsigned char type;
    unsigned short off, size;
} sl__col;

typedef struct sl__entity {
    size_t size;          /* of the record */
    unsigned int version; /* written to the record's leading version field */
    int n;
    const sl__col *cols;
    /* Calls a scan's callback (stored as void (*)(void)) with a record of
     * this entity: ISO C calls a function through its own type only. */
    sl__rowcall call;
} sl__entity;

/* The entities (columns.c); busy is a session's id, tenant, start, end. */
extern const sl__entity sl__ent_tenant, sl__ent_rule, sl__ent_override, sl__ent_session, sl__ent_busy,
    sl__ent_account, sl__ent_entry, sl__ent_hold;
/* The outbox's events (sqlite_outbox.c, postgres_outbox.c) and the
 * classes' seats (memory_class.c, sqlite_class.c, postgres_class.c); call
 * is NULL. */
extern const sl__entity sl__ent_outbox, sl__ent_seat;

/* The entities' columns as the SQL stores select them ({ENTRY_COLS}
 * etc. in sqlite_queries.sql and postgres_queries.sql): the same order
 * as the column descriptions in columns.c. */
#define TENANT_COLS "id, tz, buffer_before, buffer_after, min_notice, step, max_advance_days," \
                    " late_cancel, created_at, updated_at"
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
#define SEAT_COLS "id, tenant, class_id, student, position, status, hold_id, created_at, updated_at," \
                  " idem_key, request_hash, withdraw_key, withdraw_hash"

/* Big enough for a record of every entity (a scan loop's row). */
typedef union sl__any_row {
    sl_tenant t;
    sl_rule r;
    sl_override o;
    sl_session x;
    sl_account a;
    sl_entry e;
    sl_credit_hold h;
} sl__any_row;

/* Zeroes a record of e and sets its leading version field. */
void sl__row_init(const sl__entity *e, void *row);
/* A clean copy of record src in dst (sl__row_init, then e's columns: texts
 * up to their NUL, so that padding and the texts' tails are zero and rows
 * compare equal byte for byte). Not for entities with windows. */
void sl__row_copy(const sl__entity *e, void *dst, const void *src);

/* ---- override windows: little-endian int32 pairs, whatever the host ---- */
#define SL__WINDOWS_BYTES (8 * SL_MAX_WINDOWS_PER_DAY)
/* Writes o's windows (n_windows already checked to be 0..48) to blob;
 * returns the byte count. */
size_t sl__windows_encode(unsigned char *blob, const sl_override *o);
/* Reads `bytes` bytes of pairs from w (may be NULL when bytes is 0) into o
 * (at most SL_MAX_WINDOWS_PER_DAY: the CHECK constraints forbid more). */
void sl__windows_decode(sl_override *o, const unsigned char *w, int bytes);

/* ---- session time-range scans ----
 * The one start of a SQL store's sessions_scan and sessions_scan_many:
 * SL_EINVAL naming backend when cb is NULL; else the plan (SL__SCAN_*) a
 * scan with flags runs. The store's statements were written for the
 * blocking status set `indexed`; any other set is filtered from the live
 * rows, an empty one finds nothing (SL_OK without a statement). run then
 * reads the rows of the plan's statement, with its range parameters args =
 * {from - 86400 (saturating: a session overlapping [from, to) starts after
 * it, since none lasts longer than a day), to, from}, as entity e
 * (sl__ent_busy for SL__SCAN_BUSY, else sl__ent_session), passing each to
 * cb with ctx; arg is the caller's, handed on. */
enum { SL__SCAN_BUSY, SL__SCAN_BLOCKING, SL__SCAN_ALL, SL__SCAN_LIVE, SL__SCAN_NOTHING };
typedef int (*sl__scan_run)(sl_store *st, int plan, const int64_t args[3], const sl__entity *e, void (*cb)(void),
                            void *ctx, const void *arg);
int sl__sessions_scan(sl_store *st, const char *backend, uint32_t indexed, sl_time from, sl_time to, uint32_t flags,
                      int (*cb)(void *ctx, const sl_session *x), void *ctx, sl__scan_run run, const void *arg);

/* A list of tenants, the arg of a run over many (sessions_scan_many). */
typedef struct sl__tenant_list {
    const sl_id *ids;
    size_t n;
} sl__tenant_list;

/* ---- soft delete and purge ----
 * The statement of a soft-deletable entity in a backend's table queries[4]
 * (rule, override, session, account; an account is soft-deleted by student
 * and never purged: -1 in a purge table): the statement (>= 0), or
 * SL_EINVAL (< 0) with a message naming backend for any other entity, or
 * for a -1 entry. */
int sl__soft_entity(sl_store *st, const char *backend, int32_t entity, const int queries[4]);

/* ---- the get and by-key methods of a SQL backend ----
 * Backend P (sq, pg) reads one row by two int8 parameters with sl__P_get
 * and one by (tenant, idempotency key) with sl__P_row_by_key. These define
 * its methods P_NAME_get(st, out, tenant, id) (statement Q: ?1/$1 id,
 * ?2/$2 tenant) and P_NAME_by_key(st, out, tenant, key) (SL_EINVAL naming
 * the method when out or key is NULL), reading rows of entity E. */
#define SL__GET_METHOD(P, NAME, T, Q, E, what)                                                   \
    static int P##_##NAME##_get(sl_store *st, T *out, sl_id tenant, sl_id id)                   \
    {                                                                                            \
        return sl__##P##_get(st, Q, id, tenant, &E, out, what);                                  \
    }
#define SL__BY_KEY_METHOD(P, backend, NAME, T, Q, E, what)                                       \
    static int P##_##NAME##_by_key(sl_store *st, T *out, sl_id tenant, const char *key)         \
    {                                                                                            \
        if (!out || !key)                                                                        \
            return sl_store_error(st, SL_EINVAL, backend ": " #NAME "_by_key: out or key is NULL"); \
        return sl__##P##_row_by_key(st, Q, tenant, key, &E, out, what);                          \
    }

/* ---- a SQL backend's session scans ----
 * Backend P's P_sessions_scan (sl__sessions_scan naming backend, with the
 * blocking status set INDEXED and the backend's static range_run, whose
 * arg is the tenant), P_sessions_by_student (statement LIVE, or ALL under
 * SL_INCLUDE_DELETED) and P_sessions_by_series (statement SERIES: a series
 * whole, deleted and cancelled members included, as the method takes no
 * flags; series 0, "none", matches nothing); the last two with ?1/$1
 * tenant and ?2/$2 the student or series, through sl__P_scan_by (SL_EINVAL
 * when cb is NULL). */
#define SL__SESSION_SCAN_METHODS(P, backend, INDEXED, LIVE, ALL, SERIES)                                  \
    static int P##_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,  \
                                 int (*cb)(void *ctx, const sl_session *x), void *ctx)                  \
    {                                                                                                    \
        return sl__sessions_scan(st, backend, INDEXED, from, to, flags, cb, ctx, range_run, &tenant);    \
    }                                                                                                    \
    static int P##_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,       \
                                       int (*cb)(void *ctx, const sl_session *x), void *ctx)            \
    {                                                                                                    \
        const int64_t args[2] = {tenant, student};                                                       \
        return sl__##P##_scan_by(st, flags & SL_INCLUDE_DELETED ? ALL : LIVE, &sl__ent_session, SL__CB(cb), \
                                 ctx, "scanning a student's sessions", 2, args);                          \
    }                                                                                                    \
    static int P##_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,                         \
                                      int (*cb)(void *ctx, const sl_session *x), void *ctx)             \
    {                                                                                                    \
        const int64_t args[2] = {tenant, series};                                                        \
        return sl__##P##_scan_by(st, SERIES, &sl__ent_session, SL__CB(cb), ctx, "scanning a series", 2, args); \
    }

#endif
