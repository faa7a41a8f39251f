/*
 * lib/core/internal.h - the handle and the helpers every module uses.
 */
#ifndef SL_CORE_INTERNAL_H
#define SL_CORE_INTERNAL_H

#include <stdarg.h>

#include "slotledger.h"
#include "slotledger/sys/store.h"

#define SL__ERRMSG_SIZE 512

struct sl_db {
    sl_store *store;
    char *tzdir;                 /* NULL: default lookup */
    uint8_t ledger_key[64];
    size_t ledger_key_len;
    int in_tx;                   /* 0, or 1 while a transaction is open */
    int tx_write;                /* the open transaction's write flag */
    int group;                   /* SL__GROUP_*: sl_group_begin .. commit/rollback */
    int group_busy;              /* a store method of the group failed with SL_EBUSY */
    struct sl__scratch *scratch; /* query buffers (lib/slots/avail.h), lazily */
    struct sl__rowcache *rowcache; /* rows of earlier reads (lib/slots/rowcache.h), lazily */
    struct sl__chunk *chunk;     /* the rows of a many-tenant read (lib/slots/avail_many.c), lazily */
    int chunk_busy;              /* chunk is in use by a read in progress */
    sl_outbox_options outbox;    /* sl_outbox_configure; version 0: the defaults */
    int errcode;
    unsigned long err_seq;       /* bumped whenever a message is recorded */
    char errmsg[SL__ERRMSG_SIZE];
};

#if defined(__GNUC__)
#define SL__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SL__PRINTF(a, b)
#endif

/* Record code and a printf-style message on db (NULL: this thread's slot);
 * returns code. */
int sl__err(sl_db *db, int code, const char *fmt, ...) SL__PRINTF(3, 4);
int sl__verr(sl_db *db, int code, const char *fmt, va_list ap) SL__PRINTF(3, 0);
/* Clear the last error (a success). Returns SL_OK. */
int sl__ok(sl_db *db);
/* The checks a public call opens with (lib/core/error.c): SL_EINVAL "db is
 * NULL" (in this thread's slot) when db is NULL, SL_EINVAL with the
 * printf-style message when args_ok is 0; else SL_OK. */
int sl__args(sl_db *db, int args_ok, const char *fmt, ...) SL__PRINTF(3, 4);
/* The flags of a read that may include soft-deleted rows: SL_INCLUDE_DELETED
 * or none; any other bit is refused (SL_EINVAL), so a flag of a later
 * version is never silently ignored. */
#define SL__READ_FLAGS_OK(flags) (((flags) & ~(uint32_t)SL_INCLUDE_DELETED) == 0)
/* The opening of a batch call of n items of array (at most max):
 * *failed_index = n (none failed) when not NULL, then sl__args with
 * "<what> needs 1..<max> <items> (got n[, NULL array])", then tenant > 0. */
int sl__batch_args(sl_db *db, size_t *failed_index, const void *array, size_t n, int max, const char *what,
                   const char *items, sl_id tenant);
/* The opening of a get call: sl__args with msg, then a read transaction
 * of tenant. */
int sl__read_begin(sl_db *db, int args_ok, sl_id tenant, const char *msg);
/* The opening of a call on one tenant: sl__args with msg, then
 * sl__check_tenant (msg is not read when args_ok). */
int sl__tenant_args(sl_db *db, int args_ok, sl_id tenant, const char *msg);
/* A listing's range [from, to]: both valid instants (sl__check_time), from
 * <= to (SL_EINVAL) and at most 366 days apart (SL_ERANGE: "<what> spans
 * at most 366 days"). */
int sl__range_check(sl_db *db, sl_time from, sl_time to, const char *what);

/* libsodium initialised once, thread-safely. Returns SL_OK or SL_ESTORE. */
int sl__crypto_init(void);

/* Transactions through the store (lib/store/store.c). The core never nests
 * them. commit rolls back by itself when it fails. */
int sl__tx_begin(sl_db *db, sl_id tenant, int write);
int sl__tx_commit(sl_db *db);
void sl__tx_rollback(sl_db *db);
/* Ends the open transaction the way rc says: commits when rc is SL_OK (a
 * failed commit rolls back and becomes the result), rolls back otherwise.
 * Returns the result, so that an operation ends with one label:
 *     out_end_tx:
 *         if ((rc = sl__tx_end(db, rc)) != SL_OK) return rc; */
int sl__tx_end(sl_db *db, int rc);
/* A write transaction that excludes every other writer of each of
 * sorted[0..n) (ids ascending, distinct, n >= 1): begin(sorted[0], 1) and
 * the store's lock_tenants for the rest, in ascending order; without that
 * method, inside a group, or for more than SL_STORE_LOCK_TENANTS_MAX
 * tenants, begin(0, 1) (every tenant). lib/store/store.c. */
int sl__tx_begin_tenants(sl_db *db, const sl_id *sorted, size_t n);

/* Groups (lib/core/group.c, lib/store/store.c). Inside an open group the
 * sl__tx_* helpers above open and close a savepoint of the group instead
 * of a transaction: commit keeps the call's writes in the group, rollback
 * undoes exactly them. A call whose store method failed with SL_EBUSY (a
 * lock wait timed out, a deadlock) aborts the group: the store rolls the
 * whole group back and every later call fails with SL_EBUSY until the
 * host ends the group. */
#define SL__GROUP_NONE 0
#define SL__GROUP_OPEN 1
#define SL__GROUP_ABORTED 2
/* Whether db's store has the version-3 group methods. */
int sl__st_has_groups(const sl_db *db);
int sl__st_group_begin(sl_db *db);
int sl__st_group_commit(sl_db *db);
/* Rolls the group back keeping the recorded message and code. */
void sl__st_group_rollback(sl_db *db);
/* The store's methods, called only through lib/store/store.c. */
#include "store/store_internal.h"

/* The sessions_scan flags that select the sessions blocking time:
 * SL_SCAN_BLOCKING and the status bit of every status for which
 * sl__status_blocking holds (lib/sessions/check.c, the one definition). */
uint32_t sl__blocking_scan(void);

/* Instants the library accepts: years 0000..9999 (SL_EINVAL otherwise,
 * naming the argument). Keeps every sum of times and durations in range. */
#define SL__TIME_MIN SL_TIME_MIN
#define SL__TIME_MAX SL_TIME_MAX
int sl__check_time(sl_db *db, const char *name, sl_time t);
/* A tenant id the library accepts: > 0 (SL_EINVAL otherwise, "tenant id
 * must be positive (got N)"). */
int sl__check_tenant(sl_db *db, sl_id tenant);
/* Clears an output (pointer, count or id) first thing, so that every
 * failure path leaves it NULL/0 (common.h: "Outputs on failure"). */
#define SL__CLEAR_OUT(p)                                                                           \
    do {                                                                                           \
        if (p)                                                                                     \
            *(p) = 0;                                                                              \
    } while (0)

/* A growable array that scan callbacks fill (lib/core/grow.c). */
typedef struct sl__grow {
    unsigned char *p;
    size_t n, cap, size;
    int failed;
} sl__grow;
/* Appends a copy of row; SL_ENOMEM (and g->failed) when out of memory. */
int sl__grow_push(sl__grow *g, const void *row);
/* After the scan (a store wrapper, which recorded its own failures)
 * returned rc: hand the array to the caller (*out NULL when empty) or free
 * it and return rc (SL_ENOMEM with a message when a push failed). */
int sl__grow_finish(sl_db *db, sl__grow *g, int rc, void **out, size_t *count);
/* A caller's array of cap rows of size bytes that a scan callback fills
 * (lib/core/grow.c): rows past cap are counted in n, not copied; with out
 * NULL every row is only counted. */
typedef struct sl__page {
    void *out;
    size_t n, cap, size;
} sl__page;
/* Copies row to the next free slot, if any, and counts it: 1 when the
 * page is now full (a scan may stop), else 0. */
int sl__page_put(sl__page *p, const void *row);
/* The start every list call shares: *out and *count cleared (when not
 * NULL), g made empty for rows of size bytes, and the arguments checked:
 * SL_EINVAL, with msg, when out or count is NULL or args_ok is 0. */
int sl__list_begin(sl_db *db, sl__grow *g, size_t size, void **out, size_t *count, int args_ok, const char *msg);
/* The end every list call shares, after its scan in a read transaction
 * returned rc: the transaction rolled back, then sl__grow_finish. */
int sl__list_end(sl_db *db, sl__grow *g, int rc, void **out, size_t *count);

/* Prefix of the keys the library makes itself (see sl__key_check). */
#define SL__KEY_PREFIX "sl:"

/* Idempotency keys: NULL is allowed when !required; otherwise 1..SL_KEY_MAX
 * bytes of valid UTF-8 without NUL, not starting with SL__KEY_PREFIX
 * (lib/core/text.c). SL_EINVAL + message. */
int sl__key_check(sl_db *db, const char *key, int required);
/* Whether s[0..len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int sl__utf8_valid(const unsigned char *s, size_t len);

/* Inside a transaction: read the tenant; SL_ENOTFOUND with a message. */
int sl__tenant_load(sl_db *db, sl_tenant *t, sl_id tenant);

/* Validate a NUL-terminated string held in a fixed buffer of cap bytes. */
int sl__fixed_str_ok(const char *s, size_t cap);

#endif
