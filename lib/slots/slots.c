/*
 * lib/slots/slots.c - sl_slots: one read transaction, the window builder,
 * then the pure engine.
 */
#include <stdlib.h>
#include <string.h>

#include "avail.h"
#include "engine.h"
#include "rowcache.h"

#define RANGE_MAX ((sl_time)SL_MAX_RANGE_DAYS * 86400)

int sl__slots_query_check(sl_db *db, sl_id tenant, sl_time from, sl_time *to, int64_t duration,
                       sl_time now, uint32_t *flags)
{
    int rc;
    if ((rc = sl__check_tenant(db, tenant)) != SL_OK)
        return rc;
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

typedef struct one_ctx {
    sl_db *db;
    sl__avail *a;
    sl_time from, to, now;
    int64_t duration;
    int status;
} one_ctx;

static int one_rows(void *ctx, size_t i, int status, const sl__avail_rows *rows)
{
    one_ctx *o = ctx;
    (void)i;
    o->status = status;
    return status == SL_OK ? sl__avail_build(o->db, o->a, rows, o->from, o->to, o->duration, o->now) : SL_OK;
}

/* sl__avail_load, or the same inputs through the reads over many tenants
 * when they may reuse rows kept from earlier reads (rowcache.h); an
 * unknown tenant or zone is then read again the one-tenant way, which
 * says why. */
static int load_one(sl_db *db, sl__avail *a, sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now)
{
    if (!sl__rowcache_may(db))
        return sl__avail_load(db, a, tenant, from, to, duration, now, 0);
    one_ctx o = {db, a, from, to, now, duration, SL_OK};
    int rc = sl__avail_each(db, &tenant, 1, from, to, duration, one_rows, &o);
    return rc == SL_OK && o.status != SL_OK ? sl__avail_load(db, a, tenant, from, to, duration, now, 0) : rc;
}

/* Validates the query and loads the engine's inputs into *a (pointing
 * into the handle's scratch arrays). */
static int slots_load(sl_db *db, sl__avail *a, uint32_t *flags_out, sl_id tenant, sl_time from, sl_time to,
                      int64_t duration, sl_time now)
{
    uint32_t flags = 0;
    int rc;

    if ((rc = sl__slots_query_check(db, tenant, from, &to, duration, now, &flags)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    if ((rc = sl__st_read_hint(db, tenant, NULL, 0, from, to - from)) == SL_OK)
        rc = load_one(db, a, tenant, from, to, duration, now);
    sl__tx_rollback(db); /* read-only: nothing to keep */
    if (rc == SL_OK && flags_out)
        *flags_out = flags;
    return rc;
}

/* The engine over loaded inputs, into buf (cap may be 0 to count only). */
static int slots_run(sl_db *db, const sl__avail *a, sl_interval *buf, size_t cap, size_t *count)
{
    int rc = sl_engine_slots(buf, cap, count, a->days.v, a->days.n, a->busy.v, a->busy.n, &a->params);
    if (rc == SL_ERANGE)
        return sl__err(db, rc, "%zu slots do not fit in a buffer of %zu", *count, cap);
    if (rc != SL_OK)
        return sl__err(db, rc, "slot engine refused its input (%s)", sl_strerror(rc));
    return sl__ok(db);
}

int sl_slots(sl_db *db, sl_interval *buf, size_t cap, size_t *count, uint32_t *flags,
             sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now)
{
    sl__avail a;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_slots: db is NULL");
    if (!count || (!buf && cap > 0))
        return sl__err(db, SL_EINVAL, "sl_slots: %s is NULL", count ? "buf" : "count");
    if ((rc = slots_load(db, &a, flags, tenant, from, to, duration, now)) != SL_OK)
        return rc;
    return slots_run(db, &a, buf, cap, count);
}

int sl_slots_alloc(sl_db *db, sl_interval **out, size_t *count, uint32_t *flags,
                   sl_id tenant, sl_time from, sl_time to, int64_t duration, sl_time now)
{
    sl__avail a;
    size_t n = 0, again = 0;
    int rc;
    SL__CLEAR_OUT(out);
    SL__CLEAR_OUT(count);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_slots_alloc: db is NULL");
    if (!out || !count)
        return sl__err(db, SL_EINVAL, "sl_slots_alloc: %s is NULL", out ? "count" : "out");
    /* Count, then fill an array of exactly that size: the pure engine gives
     * the same answer twice over the same inputs. */
    if ((rc = slots_load(db, &a, flags, tenant, from, to, duration, now)) != SL_OK)
        return rc;
    rc = sl_engine_slots(NULL, 0, &n, a.days.v, a.days.n, a.busy.v, a.busy.n, &a.params);
    if (rc != SL_OK && rc != SL_ERANGE)
        return slots_run(db, &a, NULL, 0, &n);
    if (n == 0)
        return sl__ok(db);
    sl_interval *v = malloc(n * sizeof(*v));
    if (!v)
        return sl__err(db, SL_ENOMEM, "out of memory for %zu slots", n);
    if ((rc = slots_run(db, &a, v, n, &again)) != SL_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *count = again;
    return SL_OK;
}
