/*
 * lib/slots/rowcache.h - the schedule rows of earlier reads over many
 * tenants, kept by the handle and reused while the store's data version
 * says nothing has changed (sys/store.h data_version).
 *
 * Why it is safe: an entry holds exactly the rows the store returned for a
 * tenant (its row, live rules, live overrides of a date range, the times of
 * its blocking sessions over a time range) in one read transaction. It is
 * handed out again only to a read transaction of the same handle that sees
 * the same data version, i.e. after no commit by anyone, and only outside
 * groups and write transactions, so the handle has no uncommitted change
 * of its own either (every earlier transaction of the handle committed,
 * which changes the version, or rolled back, which changes nothing). A
 * later query reuses an entry only when the entry's ranges hold the ranges
 * the query reads; sl__avail_build ignores the extra rows, as it does for
 * a chunk read over wider ranges. Under any other version every entry is
 * stale: never handed out, replaced by the next read of its tenant.
 *
 * Memory: bounded by SL__ROWCACHE_MAX_BYTES: rows that would pass it are
 * not kept, and when the version changes while kept rows hold half of it,
 * the cache is emptied (stale rows must not keep fresh ones out).
 */
#ifndef SL_SLOTS_ROWCACHE_H
#define SL_SLOTS_ROWCACHE_H

#include "avail.h"

#define SL__ROWCACHE_MAX_BYTES ((size_t)16 << 20)

typedef struct sl__rowcache sl__rowcache;

/* Whether rows may be reused in the open transaction: no group, a read
 * transaction, a store with a data version (1), or not (0). */
int sl__rowcache_may(const sl_db *db);

/* Inside the caller's read transaction, before any lookup: 1 when rows
 * may be reused and kept in this transaction (lookups now give only
 * rows of the data version this transaction sees), 0 when not (a group or
 * a write transaction is open, or the store has no data version), or a
 * store error / SL_ENOMEM with a message. */
int sl__rowcache_open(sl_db *db);

/* 1 with the rows kept for tenant in *rows (pointing into the cache: valid
 * until the next sl__rowcache_open) when they are of the current version
 * and their ranges hold those a query over [from, to) of duration reads
 * (sl__avail_dates, sl__avail_busy_range); else 0. */
int sl__rowcache_get(sl_db *db, sl_id tenant, sl_time from, sl_time to, int64_t duration, sl__avail_rows *rows);

/* Keeps a copy of rows, read for dates [first, last] and times [lo, hi],
 * with their zone (found in the zone directory in use now: a change of
 * TZDIR empties the cache), replacing the tenant's earlier entry. Never
 * fails: without memory, or past the byte bound, nothing is kept. Only
 * after sl__rowcache_open gave 1 in this transaction, and never for a
 * tenant whose entry is in use. */
void sl__rowcache_put(sl_db *db, const sl__avail_rows *rows, sl_date first, sl_date last, sl_time lo, sl_time hi);

/* Tests: empties the cache and sets its byte bound (SL_OK, SL_ENOMEM);
 * how many tenants sl__rowcache_get has served; the bytes kept (stale
 * rows included). */
int sl__rowcache_limit(sl_db *db, size_t max);
unsigned long sl__rowcache_kept(const sl_db *db);
size_t sl__rowcache_bytes(const sl_db *db);

/* Frees the cache (NULL is fine). */
void sl__rowcache_free(sl__rowcache *c);

#endif
