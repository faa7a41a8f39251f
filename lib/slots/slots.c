/*
 * lib/slots/slots.c - sl_slots: one read transaction, the window builder,
 * then the pure engine.
 */
#include <stdlib.h>
#include <string.h>

#include "avail.h"
#include "engine.h"

#define RANGE_MAX ((sl_time)SL_MAX_RANGE_DAYS * 86400)

/* Validates the query and clamps `to`; returns SL_OK or SL_EINVAL. */
static int query_check(sl_db *db, sl_id tenant, sl_time from, sl_time *to, int64_t duration,
                       sl_time now, uint32_t *flags)
{
    int rc;
    if (tenant <= 0)
        return sl__err(db, SL_EINVAL, "tenant id %lld must be positive", (long long)tenant);
    if ((rc = sl__check_duration(db, duration)) != SL_OK)
        return rc;
    if ((rc = sl__check_time(db, "from", from)) != SL_OK || (rc = sl__check_time(db, "to", *to)) != SL_OK ||
        (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if (from > *to)
        return sl__err(db, SL_EINVAL, "the range starts after it ends (from > to)");
    if (*to - from > RANGE_MAX) {
        *to = from + RANGE_MAX;
        *flags |= SL_SLOTS_CLAMPED;
    }
    return SL_OK;
}

/* The query itself, into buf (cap may be 0 to count only). */
static int slots_query(sl_db *db, sl_interval *buf, size_t cap, size_t *count, uint32_t *flags_out,
                       sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now)
{
    sl__avail a;
    uint32_t flags = 0;
    int rc;

    if ((rc = query_check(db, tenant, from, &to, duration, now, &flags)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__avail_load(db, &a, tenant, from, to, duration, now, 0);
    sl__tx_rollback(db); /* read-only: nothing to keep */
    if (rc != SL_OK)
        return rc;
    rc = sl_engine_slots(buf, cap, count, a.days, a.n_days, a.busy, a.n_busy, &a.params);
    if (flags_out)
        *flags_out = flags;
    if (rc == SL_ERANGE)
        return sl__err(db, rc, "%zu slots do not fit in a buffer of %zu", *count, cap);
    if (rc != SL_OK)
        return sl__err(db, rc, "slot engine refused its input (%s)", sl_strerror(rc));
    return sl__ok(db);
}

int sl_slots(sl_db *db, sl_interval *buf, size_t cap, size_t *count, uint32_t *flags,
             sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_slots: db is NULL");
    if (!count || (!buf && cap > 0))
        return sl__err(db, SL_EINVAL, "sl_slots: %s is NULL", count ? "buf" : "count");
    return slots_query(db, buf, cap, count, flags, tenant, from, to, duration, now);
}

int sl_slots_alloc(sl_db *db, sl_interval **out, size_t *count, uint32_t *flags,
                   sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now)
{
    SL__CLEAR_OUT(out);
    SL__CLEAR_OUT(count);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_slots_alloc: db is NULL");
    if (!out || !count)
        return sl__err(db, SL_EINVAL, "sl_slots_alloc: %s is NULL", out ? "count" : "out");
    /* The query runs into the handle's worst-case buffer (bounded by the
     * 14-day range); the caller gets an allocation of the exact size. */
    size_t n = 0;
    int rc = sl__scratch_get(db);
    if (rc == SL_OK)
        rc = slots_query(db, db->scratch->slots, SL_MAX_SLOTS, &n, flags, tenant, from, to, duration, now);
    if (rc != SL_OK || n == 0)
        return rc;
    if (!(*out = malloc(n * sizeof(**out))))
        return sl__err(db, SL_ENOMEM, "out of memory for %zu slots", n);
    memcpy(*out, db->scratch->slots, n * sizeof(**out));
    *count = n;
    return SL_OK;
}
