/*
 * lib/store/memory_internal.h - what the three files of the memory store
 * share: the store struct, its index rows and the helpers every table
 * uses. memory.c holds the journal helpers, transactions, tenants and the
 * constructor (and describes the tables); memory_schedule.c rules,
 * overrides, sessions, soft delete and purge; memory_ledger.c accounts,
 * entries, holds and webhook events. Internal: not exported.
 */
#ifndef SL_STORE_MEMORY_INTERNAL_H
#define SL_STORE_MEMORY_INTERNAL_H

#include <stddef.h>

/* Public headers only, as a third party would write a backend (a meson
 * check builds the backends without lib/ on the include path). */
#include "slotledger.h"
#include "slotledger/sys/store.h"
#include "memtable.h"
#include "rowcall.h"

/* Room for a message handed to sl_store_error. */
#define SL__MEM_MSG_SIZE 512


enum { SEQ_RULE, SEQ_OVERRIDE, SEQ_SESSION, SEQ_ENTRY, SEQ_HOLD, SEQ_OUTBOX, SEQ_SEAT };

typedef struct override_id_row {
    sl_id id;
    sl_id tenant;
    sl_date date;
} override_id_row;

typedef struct session_id_row {
    sl_id id;
    sl_id tenant;
    sl_time start;
} session_id_row;

/* A key index row: (tenant, key) -> seq of an entry or id of a hold. The
 * whole row is zeroed before use, so its padding compares and copies
 * deterministically. */
typedef struct key_row {
    sl_id tenant;
    int64_t target;
    char key[SL_KEY_MAX + 1];
} key_row;

typedef struct active_row {
    sl_id tenant;
    sl_id account;
    sl_time expires_at;
    sl_id id;
} active_row;

typedef struct webhook_row {
    sl_id tenant;
    sl_time claimed_at;
    char source[SL_KEY_MAX + 1];
    char event_id[SL_KEY_MAX + 1];
} webhook_row;

/* The MAC record of a ledger row (what = SL_MAC_*), zeroed before use. */
typedef struct mac_row {
    int32_t what;
    int32_t reserved;
    sl_id tenant;
    sl_id id;
    sl_row_mac m;
} mac_row;

/* The outbox's session index: (tenant, session, seq) -> event id
 * (memory_outbox.c). */
typedef struct outbox_seq_row {
    sl_id tenant;
    sl_id session;
    int64_t seq;
    sl_id id;
} outbox_seq_row;

typedef struct mem_store {
    sl_store base; /* first member: the core sees a plain sl_store */
    int in_tx, write;
    int group;             /* a group is open (group_begin): commit clears the journal */
    size_t savepoint;      /* inside a group: the journal mark of the call's savepoint */
    sl__mt_journal journal;
    sl__mt tenants;
    sl__mt seq;
    sl__mt rules;
    sl__mt overrides;
    sl__mt override_ids;
    sl__mt sessions;
    sl__mt session_ids;
    sl__mt accounts;
    sl__mt entries;
    sl__mt entry_keys;
    sl__mt holds;
    sl__mt hold_keys;
    sl__mt holds_active;
    sl__mt webhooks;
    sl__mt macs;
    sl__mt outbox;          /* sl_outbox_event by id */
    sl__mt outbox_seqs;     /* outbox_seq_row by (tenant, session, seq) */
    sl__mt classes;        /* group classes (memory_class.c) */
    sl__mt seats;
} mem_store;

static inline mem_store *M(sl_store *st)
{
    return (mem_store *)st;
}

static inline int invalid(sl_store *st, const char *msg)
{
    return sl_store_error(st, SL_EINVAL, msg);
}

/* Shared helpers, defined in memory.c (each is described there). */
int sl__mem_need_write(sl_store *st, const char *what);
/* The opening of a write method that stores a clean copy of record src
 * (sl__row_copy of entity e into row): the store, or NULL (SL_EMISUSE
 * recorded, row untouched) outside a write transaction. */
mem_store *sl__mem_writer(sl_store *st, const char *what, const sl__entity *e, void *row, const void *src);
int sl__mem_oom(sl_store *st, size_t mark, const char *what);
int sl__mem_next_id(mem_store *m, int table, sl_id *out);
/* SL_EEXISTS with a message naming the (tenant, key) a noun ("a hold")
 * already holds. */
int sl__mem_key_taken(sl_store *st, sl_id tenant, const char *noun, const char *key);
/* Puts row into t and, when ids is set, idrow into t's id index ids
 * (journalled; out of memory: back to mark, SL_ENOMEM naming what), then
 * *id = new_id. */
int sl__mem_put_indexed(sl_store *st, sl__mt *t, const void *row, sl__mt *ids, const void *idrow, size_t mark,
                        const char *what, sl_id *id, sl_id new_id);
/* The one walk of the tables whose scans are plain ranges: calls cb
 * (through call) on a copy of each row of t from the first >= from to the
 * last <= to; with deleted_off (the offset of a deleted_at field; 0: none),
 * soft-deleted rows only under SL_INCLUDE_DELETED. Stops at the first
 * non-zero value cb returns and returns it. Rows up to sizeof(sl__mem_row). */
int sl__mem_walk(const sl__mt *t, const void *from, const void *to, size_t deleted_off, uint32_t flags,
                 sl__rowcall call, void (*cb)(void), void *ctx);

/* Room for one row of any table a get or a walk copies. */
typedef union sl__mem_row {
    sl_tenant t;
    sl_rule r;
    sl_override o;
    sl_account a;
    sl_credit_hold h;
    sl_session s;
    sl_seat seat;
} sl__mem_row;

/* The one get of the tables sorted by (tenant, second field): copies the
 * row whose first two key fields are (a, b) into out. SL_OK, SL_ENOTFOUND,
 * or SL_EINVAL (naming method) when out is NULL. */
int sl__mem_get(sl_store *st, const sl__mt *t, void *out, int64_t a, int64_t b, const char *method);
/* The index in t of that row, or SIZE_MAX. */
size_t sl__mem_index(const sl__mt *t, int64_t a, int64_t b);
/* The one scan of those tables: sl__mem_walk over the rows of tenant whose
 * second key field is in [lo, hi]; SL_EINVAL (naming method) when cb is
 * NULL. */
int sl__mem_scan(sl_store *st, const sl__mt *t, sl_id tenant, int64_t lo, int64_t hi, size_t deleted_off,
                 uint32_t flags, sl__rowcall call, void (*cb)(void), void *ctx, const char *method);

/* Fill the store's methods of the scheduling tables (memory_schedule.c)
 * and of the ledger tables (memory_ledger.c) into the vtable. */
void sl__memory_schedule_methods(sl_store *st);
void sl__memory_ledger_methods(sl_store *st);
/* ... and of the outbox (memory_outbox.c). */
void sl__memory_outbox_methods(sl_store *st);
void sl__memory_class_methods(sl_store *st);
/* Removes the class row (tenant, id) and every seat of class id, if any
 * (a purge of session id: sys/store.h); journalled. 0, or -1 when out of
 * memory (the caller undoes to its mark). */
int sl__mem_class_drop(mem_store *m, sl_id tenant, sl_id id);

#endif
