/*
 * slotledger/sys/store.h - the storage vtable, for backend authors.
 *
 * Stable within a minor release. The core holds every rule (availability,
 * conflicts, idempotency, balances); a backend only stores, finds and locks.
 *
 * Versioning (after SQLite's sqlite3_vfs and libgit2's odb backends): the
 * struct opens with `version`; methods are only ever appended, grouped by the
 * version that introduced them. The core refuses a store whose version is 0
 * or newer than SL_STORE_VERSION and checks every "must" pointer at attach
 * time. A "may" method only speeds things up: lib/store/store.c checks the
 * pointer (and, for version-2 and -3 methods, the store's version, so that
 * the shorter struct of an older store is never read past its end) before
 * each call and, when it is NULL, answers from a plain scan of a "must"
 * method instead -- as libgit2's odb falls back when a backend lacks
 * read_header. Every method below is marked must or may. A version-1
 * store may leave the version-1 "may" methods NULL too.
 *
 * Ownership: sl_open_store() takes the store; the core calls `free` exactly
 * once, when the handle closes (or at once if attaching fails). Records
 * passed to methods are borrowed for the duration of the call; records a
 * method fills belong to the caller.
 *
 * Transactions: every method other than begin/commit/rollback/free and the
 * version-3 group methods is called between begin and commit/rollback (or,
 * inside a group, between savepoint_begin and savepoint_end), on one
 * thread at a time. begin(tenant,
 * write = 1) starts a write transaction that excludes every other writer of
 * that tenant -- across threads and processes, where the backend is shared
 * -- until commit or rollback returns, and sees every write committed before
 * it. A backend may lock more than the tenant (SQLite locks the file); a
 * PostgreSQL backend would take a transaction-scoped advisory lock keyed by
 * the tenant id. begin(tenant, write = 0) gives a consistent read snapshot.
 * After commit fails, the core calls rollback; rollback must leave the store
 * exactly as before begin and must not fail for a memory-only reason.
 * Lock waits that time out are SL_EBUSY and nothing else.
 *
 * Scans call cb(ctx, row) once per row, in the order the method promises; a
 * callback returning non-zero stops the scan, and the scan returns that
 * value (a negative one is an error of the caller, passed through).
 * Rows passed to callbacks are valid only during the call.
 *
 * Ids: a *_put given id == 0 inserts a new row and writes the id it chose
 * (> 0, never reused within the store) back into the record; a non-zero id
 * replaces that row. Rows are never moved between tenants.
 *
 * begin(0, 1) is a write transaction over every tenant (used by purge).
 *
 * Details every backend follows (the conformance suite checks them):
 *  - replacing an unknown id, or another tenant's, is SL_ENOTFOUND;
 *  - an override moved onto a date that already has one is SL_EEXISTS;
 *  - sessions_by_series returns the whole series, deleted and cancelled
 *    members included; series 0 matches nothing; a lookup of key "" is
 *    SL_ENOTFOUND;
 *  - SL_SCAN_BLOCKING wins over SL_INCLUDE_DELETED;
 *  - a scan with from >= to still applies `start < to AND end > from`;
 *  - callbacks must not write to the store or start another scan (SQLite
 *    would reset the statement being stepped);
 *  - a store may refuse, with SL_ECONFLICT, a session_put or a restore
 *    that would make two live sessions of one tenant overlap when both
 *    have a blocking status and neither is manual (PostgreSQL enforces
 *    this with an exclusion constraint); the core never asks for that.
 *
 * Validation: the core checks every record before a method sees it
 * (lib/core/validate.c): ids >= 0, tenants, students and accounts > 0,
 * weekday 1..7, 0..SL_MAX_WINDOWS_PER_DAY windows, a session's start < end
 * within SL_MAX_DURATION_SECONDS, statuses and kinds in range, keys and
 * texts NUL-terminated within their buffers (an entry's key and a webhook's
 * source and event id 1..SL_KEY_MAX bytes), soft-deletable entities (never
 * a purge of accounts), SL_MAC_ACCOUNT / SL_MAC_HOLD; it never looks up a
 * key that is "" or longer than SL_KEY_MAX through a *_by_key method. A
 * backend may rely on all of it and repeats none of it.
 *
 * Errors: a method returns SL_OK or a negative SL_E* code. SL_ENOTFOUND means
 * "no such row" and is not a failure of the store. For anything else the
 * method should describe the problem with sl_store_error(), which records a
 * message on the owning handle and returns the code.
 */
#ifndef SLOTLEDGER_SYS_STORE_H
#define SLOTLEDGER_SYS_STORE_H

#include "slotledger/common.h"
#include "slotledger/db.h"
#include "slotledger/tenant.h"
#include "slotledger/slots.h"
#include "slotledger/sessions.h"
#include "slotledger/ledger.h"
#include "slotledger/outbox.h"
#include "slotledger/classes.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_STORE_VERSION 3

/** Bytes of a row MAC (keyed BLAKE2b-256). */
#define SL_MAC_BYTES 32
/** Which kind of ledger row a MAC record belongs to (mac_put / mac_get). */
#define SL_MAC_ACCOUNT 1   /**< id is the student */
#define SL_MAC_HOLD    2   /**< id is the hold id */

/**
 * The MAC record of a ledger row, computed by the core (never by a
 * backend) when a handle with a ledger key writes the row. A backend stores
 * the bytes as given, next to the row.
 */
typedef struct sl_row_mac {
    int64_t head_seq;               /**< the tenant's chain head when the row was written (0: no entries) */
    uint8_t mac[SL_MAC_BYTES];      /**< keyed MAC over the row, head_seq and the head's hash */
} sl_row_mac;

struct sl_store {
    /** SL_STORE_VERSION the backend was written against. */
    unsigned int version;
    /** Reserved for the core (set when attached); backends must not touch it. */
    void *core;

    /* ---- version 1 ---------------------------------------------------- */

    /** must: start a transaction scoped to tenant; write = 1 for writers. */
    int (*begin)(sl_store *st, sl_id tenant, int write);
    /** must: make the transaction's writes durable and visible. */
    int (*commit)(sl_store *st);
    /** must: undo every write since begin. */
    int (*rollback)(sl_store *st);
    /** must: release everything; called exactly once, outside a transaction. */
    void (*free)(sl_store *st);

    /** must: read tenant id into *out; SL_ENOTFOUND if absent. */
    int (*tenant_get)(sl_store *st, sl_tenant *out, sl_id id);
    /** must: insert or replace tenant t->id (all fields as given). */
    int (*tenant_put)(sl_store *st, const sl_tenant *t);

    /** must: insert (r->id == 0) or replace a weekly rule. */
    int (*rule_put)(sl_store *st, sl_rule *r);
    /** may: read rule id of tenant, deleted or not; SL_ENOTFOUND. NULL: the
     * core scans rules_scan(SL_INCLUDE_DELETED). */
    int (*rule_get)(sl_store *st, sl_rule *out, sl_id tenant, sl_id id);
    /** must: the tenant's rules in any order; deleted ones only with
     * SL_INCLUDE_DELETED in flags. */
    int (*rules_scan)(sl_store *st, sl_id tenant, uint32_t flags,
                      int (*cb)(void *ctx, const sl_rule *r), void *ctx);

    /** must: insert (o->id == 0) or replace an override; (tenant, date) is
     * unique: the core replaces the existing row of a date by its id. */
    int (*override_put)(sl_store *st, sl_override *o);
    /** may: read the override of (tenant, date), deleted or not. NULL: the
     * core scans overrides_scan(date, date, SL_INCLUDE_DELETED). */
    int (*override_get)(sl_store *st, sl_override *out, sl_id tenant, sl_date date);
    /** must: overrides of dates in [from, to] sorted by date; deleted ones
     * only with SL_INCLUDE_DELETED. */
    int (*overrides_scan)(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                          int (*cb)(void *ctx, const sl_override *o), void *ctx);

    /** must: insert (s->id == 0) or replace a session. A non-empty key is
     * unique per tenant (SL_EEXISTS otherwise). */
    int (*session_put)(sl_store *st, sl_session *s);
    /** may: read session id of tenant, deleted or not; SL_ENOTFOUND. NULL:
     * the core scans every session of the tenant (sessions_scan). */
    int (*session_get)(sl_store *st, sl_session *out, sl_id tenant, sl_id id);
    /** may: the session of tenant carrying idempotency key `key`, deleted
     * or not; SL_ENOTFOUND. NULL: the core scans sessions_scan. */
    int (*session_by_key)(sl_store *st, sl_session *out, sl_id tenant, const char *key);
    /** must: sessions with start < to and end > from, sorted by (start, id).
     * Deleted ones only with SL_INCLUDE_DELETED; with SL_SCAN_BLOCKING only
     * live sessions whose status bit (SL_SCAN_STATUS) is set in flags. Sessions last at most 86400 s,
     * which a backend may use to bound its index range. */
    int (*sessions_scan)(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                         int (*cb)(void *ctx, const sl_session *s), void *ctx);
    /** may: sessions of one student sorted by (start, id); deleted ones
     * only with SL_INCLUDE_DELETED. NULL: the core filters sessions_scan. */
    int (*sessions_by_student)(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                               int (*cb)(void *ctx, const sl_session *s), void *ctx);
    /** may: sessions of series_id (as set at booking) sorted by (start,
     * id). NULL: the core filters sessions_scan(SL_INCLUDE_DELETED). */
    int (*sessions_by_series)(sl_store *st, sl_id tenant, sl_id series,
                              int (*cb)(void *ctx, const sl_session *s), void *ctx);

    /** must: set deleted_at of row id of tenant in entity (SL_ENTITY_*), 0 to
     * restore; SL_ENOTFOUND when there is no such row. */
    int (*soft_delete)(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at);
    /** must: hard-delete rows of entity with 0 < deleted_at < before, every
     * tenant; *purged receives the count (of those rows only). Called
     * inside begin(0, 1). With SL_ENTITY_SESSION, a store that keeps group
     * classes (class_put, version 3) also deletes, in the same transaction,
     * what it stores under each deleted session's id: the class row
     * (tenant, id) and every seat of class_id id. The core has decided
     * that all of it goes (a class's seats belong to its session); a
     * store deletes them unconditionally, and never reuses the ids of
     * purged seats. */
    int (*purge)(sl_store *st, int32_t entity, sl_time before, size_t *purged);

    /** must: read account (tenant, student), deleted or not; SL_ENOTFOUND.
     * soft_delete with SL_ENTITY_ACCOUNT takes the student as id. */
    int (*account_get)(sl_store *st, sl_account *out, sl_id tenant, sl_id student);
    /** must: insert or replace account (tenant, student). */
    int (*account_put)(sl_store *st, const sl_account *a);
    /** must: append entry e (e->id == 0: the store assigns it). (tenant, seq)
     * and (tenant, key) are unique: SL_EEXISTS, nothing written. Entries are
     * never updated or deleted. */
    int (*entry_append)(sl_store *st, sl_entry *e);
    /** may: the entry of tenant carrying key; SL_ENOTFOUND. NULL: the core
     * scans entries_scan. */
    int (*entry_by_key)(sl_store *st, sl_entry *out, sl_id tenant, const char *key);
    /** must: the tenant's entry with the highest seq; SL_ENOTFOUND if none. */
    int (*entry_last)(sl_store *st, sl_entry *out, sl_id tenant);
    /** must: entries of tenant (of one account, or all when account == 0)
     * with seq > after_seq, ascending by seq. */
    int (*entries_scan)(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                        int (*cb)(void *ctx, const sl_entry *e), void *ctx);
    /** must: insert (h->id == 0) or replace a hold; a non-empty key is
     * unique per tenant (SL_EEXISTS). */
    int (*hold_put)(sl_store *st, sl_credit_hold *h);
    /** must: read hold id of tenant; SL_ENOTFOUND. */
    int (*hold_get)(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id);
    /** may, when holds_scan is set (must otherwise): the hold of tenant
     * carrying key; SL_ENOTFOUND. NULL: the core scans holds_scan. */
    int (*hold_by_key)(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key);
    /** must: active holds of one account of tenant whose expires_at <= before,
     * any order (the core subtracts lapsed holds from `held`). The one
     * exception to "callbacks do not write": the callback may hold_put the
     * hold it was given (to mark it expired), so a backend must not be
     * disturbed by that (e.g. read the matching rows before calling back). */
    int (*holds_expired_scan)(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                              int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx);
    /** must: record (tenant, source, event_id) once: SL_OK the first time,
     * SL_EEXISTS afterwards (nothing written). */
    int (*webhook_claim)(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now);
    /** must: every account of tenant, deleted ones included, sorted by
     * student (used by sl_ledger_verify to find accounts without entries:
     * no other method can, so there is no fallback). */
    int (*accounts_scan)(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx);

    /* ---- version 2: row MACs (tamper evidence with a ledger key) ------- */

    /** may (with mac_get): store m as the MAC record of an existing ledger
     * row (SL_MAC_ACCOUNT: id = student; SL_MAC_HOLD: id = hold id),
     * replacing any earlier one; SL_ENOTFOUND when there is no such row.
     * Called right after the row's put, in the same transaction, and also
     * from a holds_expired_scan callback (for the hold it was given). A
     * put of the row itself may leave the old record in place: the core
     * always writes a fresh one after it. When mac_put or mac_get is NULL
     * (version-1 backends) rows carry no MAC and only entries are chained. */
    int (*mac_put)(sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m);
    /** may (with mac_put): read the MAC record of a row; SL_ENOTFOUND when
     * the row has none (written before the backend stored MACs, or without
     * a ledger key) or does not exist. */
    int (*mac_get)(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id);
    /** may: every hold of tenant, any status, sorted by id (used by
     * sl_ledger_verify to check every hold's MAC). NULL: the core reads
     * the active holds of every account (holds_expired_scan), so only
     * those are checked, and hold_by_key becomes a must. */
    int (*holds_scan)(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx);

    /* ---- version 3: lookups by id ------------------------------------- */

    /** may: read override id of tenant, deleted or not; SL_ENOTFOUND (also
     * for another tenant's id). Used by sl_restore and sl_soft_delete of an
     * override. NULL: the core scans overrides_scan(SL_INCLUDE_DELETED) over
     * every date. */
    int (*override_by_id)(sl_store *st, sl_override *out, sl_id tenant, sl_id id);

    /* ---- version 3: groups (many calls, one commit; db.h sl_group_*) --- */

    /** may (all five together; when any is NULL sl_group_begin refuses
     * with SL_EMISUSE): start a write transaction that will hold every
     * call of a group. It need not lock anything yet (PostgreSQL takes the
     * tenants' locks in savepoint_begin); SQLite takes the file's write
     * lock here. Lock waits that time out are SL_EBUSY. */
    int (*group_begin)(sl_store *st);
    /** may (with group_begin): make every call of the group kept by
     * savepoint_end(keep = 1) durable and visible at once. After it fails
     * the core calls group_rollback. */
    int (*group_commit)(sl_store *st);
    /** may (with group_begin): undo the whole group, leaving the store
     * exactly as before group_begin; must not fail for a memory-only
     * reason. Also called after the core gave up on a group (a call's
     * lock wait timed out or deadlocked: SL_EBUSY), possibly while a
     * savepoint is still open. */
    int (*group_rollback)(sl_store *st);
    /** may (with group_begin): inside a group, what begin is outside one:
     * open a savepoint for one call and, when write = 1, take the
     * tenant's writer lock (held until the group ends; begin(0, 1) rules
     * apply to tenant 0). Reads see the group's own earlier writes. The
     * core never opens two at once. */
    int (*savepoint_begin)(sl_store *st, sl_id tenant, int write);
    /** may (with group_begin): close the savepoint of savepoint_begin,
     * keeping its writes in the group (keep = 1) or undoing exactly them
     * (keep = 0; the group goes on). When this fails the core gives up on
     * the group (group_rollback). */
    int (*savepoint_end)(sl_store *st, int keep);

    /* ---- version 3: teams (sl_book_any, sl_book_all; slotledger/teams.h) */

    /** may: inside a write transaction begun with begin(tenant, 1) (never
     * inside a group), also take the writer locks of tenants[0..n) -- ids
     * ascending, distinct, each above the transaction's own tenant -- in
     * that order, held until the transaction ends: every other writer of
     * those tenants then waits as for begin. Lock waits that time out are
     * SL_EBUSY. n < SL_STORE_LOCK_TENANTS_MAX: for a longer team the core
     * takes begin(0, 1) instead. NULL: the core takes begin(0, 1) always,
     * which excludes every writer (what a store whose begin locks more than
     * the tenant, as SQLite's and the memory store's, gives anyway). */
    int (*lock_tenants)(sl_store *st, const sl_id *tenants, size_t n);

    /* ---- version 3: read hints (a networked store's first round trip) -- */

    /** may: called right after begin (never inside a group), before the
     * call reads anything: the call is about to read tenant's row, the rows
     * carrying idempotency key `key` (NULL or "": none), account `account`
     * (0: none) with its active holds, and, when from < to (a booking), the
     * tenant's rules, overrides and blocking sessions around [from, to),
     * else (a post) the ledger head too. (A booking reads the ledger head
     * only for a row MAC, with a ledger key: not worth fetching ahead.) A networked store may fetch all of it at once (with its
     * BEGIN) and answer the reads from what it fetched. It must not change
     * what any later method returns. Returns SL_OK, or the error the first
     * of those reads would have met (a lock wait that timed out: SL_EBUSY;
     * a lost connection: SL_ESTORE); the core then ends the call with it.
     * NULL: nothing is fetched ahead. key stays owned by the caller. */
    int (*read_hint)(sl_store *st, sl_id tenant, const char *key, sl_id account, sl_time from, sl_time to);
    /* ---- version 3: the calendar-sync outbox (slotledger/outbox.h) ---- */

    /* may (all seven together; when any is NULL the store keeps no outbox:
     * changes append no event and the sl_outbox_* calls fail with
     * SL_EMISUSE). The core owns every rule (sequence numbers, leases,
     * tokens, backoff, dead events); these only store, find and lock.
     * Events are sl_outbox_event records stored whole; ids increase in
     * append order across the store and are never reused. */

    /** may: append e (e->id == 0: the store assigns it and writes it back).
     * (tenant, session, seq) is unique: SL_EEXISTS, nothing written. */
    int (*outbox_append)(sl_store *st, sl_outbox_event *e);
    /** may: read event id of tenant; SL_ENOTFOUND (also another tenant's). */
    int (*outbox_get)(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id id);
    /** may: replace the delivery fields (state, attempts, available_at,
     * lease_until, token, acked_at, consumer, error) of event e->id of
     * e->tenant; the change fields stay as appended. SL_ENOTFOUND. */
    int (*outbox_update)(sl_store *st, const sl_outbox_event *e);
    /** may: the event of (tenant, session) with the highest seq;
     * SL_ENOTFOUND when the session has none. */
    int (*outbox_last)(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id session);
    /** may: events of tenant (0: every tenant) and session (0: every
     * session) whose state s has bit (1u << s) set in states, ascending
     * by id. Callbacks must not write. */
    int (*outbox_scan)(sl_store *st, sl_id tenant, sl_id session, uint32_t states,
                       int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx);
    /** may: the claim's find. For each session (of tenant; every tenant
     * when 0) that has an event not SL_OUTBOX_ACKED, the one of those
     * with the lowest seq -- its head -- when the head is claimable at
     * now: SL_OUTBOX_PENDING with available_at <= now, or SL_OUTBOX_LEASED
     * with lease_until <= now. Ascending by id, at most limit rows.
     * Called in a write transaction (begin(tenant, 1); tenant 0 as
     * purge); the core then updates each row it was given. A store shared
     * by many processes must keep two concurrent claims from returning
     * the same row (SQLite: its write lock; PostgreSQL: FOR UPDATE SKIP
     * LOCKED on the rows, with the head test still seeing locked rows).
     * Callbacks must not write. */
    int (*outbox_heads)(sl_store *st, sl_id tenant, sl_time now, size_t limit,
                        int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx);
    /** may: delete events of every tenant in state SL_OUTBOX_ACKED with
     * acked_at < before, except the highest-seq event of each session;
     * *purged receives the count. Called inside begin(0, 1). */
    int (*outbox_purge)(sl_store *st, sl_time before, size_t *purged);
    /* ---- version 3: group classes (classes.h) ---------------------------- */

    /** may (all five together; when any is NULL every class call refuses
     * with SL_EMISUSE): insert or replace the class row (c->tenant, c->id),
     * c->id being its session's id. A store that can should also refuse
     * (SL_EFULL) a row whose taken exceeds its capacity -- the core never
     * writes one; SQLite and PostgreSQL CHECK it. */
    int (*class_put)(sl_store *st, const sl_class *c);
    /** may (with class_put): read the class row of (tenant, id); SL_ENOTFOUND. */
    int (*class_get)(sl_store *st, sl_class *out, sl_id tenant, sl_id id);
    /** may (with class_put): insert (s->id == 0; the id chosen is written
     * back) or replace a seat. At most one seat of (tenant, class_id,
     * student) has status SL_SEAT_SEATED or SL_SEAT_WAITLISTED, and a
     * non-empty key or withdraw_key is unique per tenant among the keys of
     * seats: SL_EEXISTS otherwise, nothing written. */
    int (*seat_put)(sl_store *st, sl_seat *s);
    /** may (with class_put): every seat of class_id, any status, sorted by
     * position. */
    int (*seats_scan)(sl_store *st, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s),
                      void *ctx);
    /** may (with class_put): the seat of tenant whose key or withdraw_key
     * is `key`; SL_ENOTFOUND. */
    int (*seat_by_key)(sl_store *st, sl_seat *out, sl_id tenant, const char *key);

    /* ---- version 3: reads over many tenants (teams.h: sl_slots_many,
     * sl_team_slots, sl_free_at) ------------------------------------------ */

    /** may (all four together; when any is NULL the core asks tenant_get,
     * rules_scan, overrides_scan and sessions_scan once per tenant):
     * the rows the one-tenant method gives, for every tenant of
     * tenants[0..n) in one call -- ids distinct and ascending, 1 <= n <=
     * SL_STORE_MANY_MAX. Rows come in ascending tenant order (a tenant's
     * rows together, in the one-tenant method's order: rules by id,
     * overrides by date, sessions by start then id); an unknown tenant
     * gives no rows. Called inside a read transaction; the callback
     * returns as for the one-tenant scans. tenants_get_many: the tenant
     * rows that exist. */
    int (*tenants_get_many)(sl_store *st, const sl_id *tenants, size_t n,
                            int (*cb)(void *ctx, const sl_tenant *t), void *ctx);
    /** may (with tenants_get_many): rules_scan over tenants[0..n). */
    int (*rules_scan_many)(sl_store *st, const sl_id *tenants, size_t n, uint32_t flags,
                           int (*cb)(void *ctx, const sl_rule *r), void *ctx);
    /** may (with tenants_get_many): overrides_scan over tenants[0..n). */
    int (*overrides_scan_many)(sl_store *st, const sl_id *tenants, size_t n, sl_date from, sl_date to,
                               uint32_t flags, int (*cb)(void *ctx, const sl_override *o), void *ctx);
    /** may (with tenants_get_many): sessions_scan over tenants[0..n). */
    int (*sessions_scan_many)(sl_store *st, const sl_id *tenants, size_t n, sl_time from, sl_time to,
                              uint32_t flags, int (*cb)(void *ctx, const sl_session *s), void *ctx);

    /* ---- version 3: reusing rows between reads (lib/slots/rowcache.c) -- */

    /** may: inside a read transaction, a number for the state of the data
     * this transaction sees. Any commit, by any connection or process (this
     * one included), makes transactions that begin after it see another
     * number; equal numbers mean equal data. The core keeps the schedule
     * rows a read over many tenants gathered (tenant, rules, overrides,
     * blocking sessions' times) and reuses them in a later read
     * transaction of the same handle only while the number is unchanged
     * and the handle has opened no write transaction since. NULL: nothing
     * is reused; SL_ENOTFOUND: this database cannot tell (nothing is
     * reused). SQLite: SQLITE_FCNTL_DATA_VERSION after the snapshot is
     * taken. */
    int (*data_version)(sl_store *st, uint64_t *out);
};

/** The most tenants one *_many store call is given (the core asks in
 * chunks of at most this many). */
#define SL_STORE_MANY_MAX 256

/** Most tenants one write transaction locks one by one (begin's tenant and
 * lock_tenants' n - 1): a team of more takes begin(0, 1). PostgreSQL's
 * shared lock table holds about max_locks_per_transaction (default 64)
 * locks per connection; one advisory lock per tenant of a 10,000-tenant
 * sl_book_any filled it ("out of shared memory", SQLSTATE 53200), failing
 * that call and any other transaction on the server that needed a lock
 * meanwhile. */
#define SL_STORE_LOCK_TENANTS_MAX 32

/** Scan flag: only live sessions whose status is in the scan's status set,
 * the SL_SCAN_STATUS bits of the same flags. Which statuses block time is
 * the core's rule (today pending, confirmed, completed and no_show); it
 * passes them as data and a backend applies the set as given. (A backend
 * written against version 1 of this header, which knew no status bits,
 * applies that list itself.) */
#define SL_SCAN_BLOCKING 0x100u
/** The bit of session status s (SL_STATUS_*, 1..15) in a scan's status set. */
#define SL_SCAN_STATUS(s) (1u << (16 + (s)))
/** Every status bit. */
#define SL_SCAN_STATUS_MASK 0xFFFF0000u
/** Scan flag, a hint: the caller reads only id, tenant, start and end of
 * each session, so a backend may leave the other fields zero (SQLite then
 * answers from a covering index). Ignoring it is always correct. */
#define SL_SCAN_TIMES_ONLY 0x200u

/** Initialises a store of this header's version with every method NULL
 * (the members after `version` are zero-initialised), as libgit2's
 * `{ GIT_ODB_BACKEND_VERSION }`: `sl_store st = SL_STORE_INIT;`. In C the
 * member is named so that -Wextra (missing-field-initializers) stays quiet. */
#ifdef __cplusplus
#define SL_STORE_INIT { SL_STORE_VERSION }
#else
#define SL_STORE_INIT { .version = SL_STORE_VERSION }
#endif

/**
 * Zero st and set its version. Errors: SL_EINVAL (NULL, version 0 or newer
 * than SL_STORE_VERSION).
 */
SL_API int sl_store_init(sl_store *st, unsigned int version);

/**
 * Record msg (copied; may be NULL) as the owning handle's error message for
 * code, and return code, so that a method can end with
 * `return sl_store_error(st, SL_ESTORE, "disk full");`. Harmless on a store
 * not yet attached.
 */
SL_API int sl_store_error(sl_store *st, int code, const char *msg);

/**
 * Create the in-memory reference store. Not shared: use it from one handle.
 * Errors: SL_EINVAL, SL_ENOMEM.
 */
SL_API int sl_store_memory_new(sl_store **out);

/**
 * Create a SQLite store on path (":memory:" allowed), with durability and
 * busy timeout taken from opts (NULL for defaults). Errors as sl_open; the
 * message, if any, is available from sl_errmsg(NULL).
 */
SL_API int sl_store_sqlite_new(sl_store **out, const char *path, const sl_options *opts);

#ifdef __cplusplus
}
#endif

#endif
