/*
 * lib/sessions/check.c - the one conflict predicate, shared with sl_slots:
 * a booking asks the slot engine whether its start would be listed.
 */
#include <stdio.h>
#include <string.h>

#include "core/outbox_internal.h"
#include "sessions_internal.h"
#include "slots/engine.h"

int sl__status_blocking(int32_t status)
{
    return status == SL_STATUS_PENDING || status == SL_STATUS_CONFIRMED || status == SL_STATUS_COMPLETED ||
           status == SL_STATUS_NO_SHOW;
}

uint32_t sl__blocking_scan(void)
{
    uint32_t flags = SL_SCAN_BLOCKING;
    for (int32_t s = 1; s <= 15; s++)
        if (sl__status_blocking(s))
            flags |= SL_SCAN_STATUS(s);
    return flags;
}

void sl__slot_text(char *buf, size_t cap, sl_time start, sl_time end)
{
    char a[SL_TIME_TEXT_SIZE], b[SL_TIME_TEXT_SIZE];
    sl_time_format(a, sizeof(a), start);
    sl_time_format(b, sizeof(b), end);
    /* "2026-12-01T09:00Z-10:00Z" when the end is the same day */
    if (strncmp(a, b, 10) == 0)
        snprintf(buf, cap, "%.16sZ-%.5sZ", a, b + 11);
    else
        snprintf(buf, cap, "%.16sZ-%.16sZ", a, b);
}

typedef struct find_ctx {
    sl_time lo, hi; /* footprint-overlap window for session intervals */
    sl_id exclude;
    sl_id found;
} find_ctx;

static int find_blocker(void *ctx, const sl_session *s)
{
    find_ctx *f = ctx;
    if (s->id == f->exclude || s->start >= f->hi || s->end <= f->lo)
        return 0;
    f->found = s->id;
    return 1;
}

/* Names the first session whose footprint overlaps (for messages only). */
static sl_id blocker_id(sl_db *db, const sl__avail *a, sl_id tenant, sl_time start, int64_t duration, sl_id exclude)
{
    int64_t widen = a->tenant.buffer_before + a->tenant.buffer_after;
    find_ctx f = {start - widen, start + duration + widen, exclude, 0};
    sl__st_sessions_scan(db, tenant, f.lo, f.hi, sl__blocking_scan() | SL_SCAN_TIMES_ONLY, find_blocker, &f);
    return f.found;
}

static int conflict_message(sl_db *db, const sl__avail *a, sl_id tenant, sl_time start, int64_t duration,
                            sl_id exclude)
{
    char slot[64];
    sl__slot_text(slot, sizeof(slot), start, start + duration);
    sl_id other = blocker_id(db, a, tenant, start, duration, exclude);
    if (other)
        return sl__err(db, SL_ECONFLICT, "slot %s conflicts with session %lld", slot, (long long)other);
    return sl__err(db, SL_ECONFLICT, "slot %s conflicts with another session", slot);
}

int sl__slot_classify(sl_db *db, sl__avail *a, int *verdict, sl_id tenant, sl_time start, int64_t duration,
                      sl_time now, sl_id exclude)
{
    int rc = sl__avail_load(db, a, tenant, start, start + 1, duration, now, exclude);
    if (rc == SL_OK)
        *verdict = sl__engine_check(a->days.v, a->days.n, a->busy.v, a->busy.n, &a->params, start);
    return rc;
}

int sl__slot_classify_rows(sl_db *db, sl__avail *a, int *verdict, const sl__avail_rows *rows, sl_time start,
                           int64_t duration, sl_time now)
{
    int rc = sl__avail_build(db, a, rows, start, start + 1, duration, now);
    if (rc == SL_OK)
        *verdict = sl__engine_check(a->days.v, a->days.n, a->busy.v, a->busy.n, &a->params, start);
    return rc;
}

int sl__slot_check(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_time now, sl_id exclude)
{
    sl__avail a;
    char slot[64];
    int rc = SL_OK, load = sl__slot_classify(db, &a, &rc, tenant, start, duration, now, exclude);
    if (load != SL_OK)
        return load;
    if (rc == SL_OK)
        return SL_OK;
    if (rc == SL_ECONFLICT)
        return conflict_message(db, &a, tenant, start, duration, exclude);
    sl__slot_text(slot, sizeof(slot), start, start + duration);
    if (start < a.params.earliest)
        return sl__err(db, SL_EUNAVAILABLE, "slot %s is inside the minimum notice of %lld s", slot,
                       (long long)a.tenant.min_notice);
    if (start >= a.params.horizon)
        return sl__err(db, SL_EUNAVAILABLE, "slot %s is beyond the booking horizon of %d days", slot,
                       (int)a.tenant.max_advance_days);
    if (rc == SL_EUNAVAILABLE)
        return sl__err(db, rc, "slot %s is not a bookable start (outside availability or off the grid)", slot);
    return sl__err(db, rc, "slot engine refused its input (%s)", sl_strerror(rc));
}

int sl__footprint_check(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_id exclude)
{
    sl__avail a;
    int rc = sl__avail_load(db, &a, tenant, start, start + 1, duration, start, exclude);
    if (rc != SL_OK)
        return rc;
    /* Availability does not apply: the session's own interval is the only
     * day interval, so only the footprint test can refuse it. */
    sl_interval own = {start, start + duration};
    sl_engine_params p = a.params;
    p.step = duration;
    p.earliest = SL__TIME_MIN;
    p.horizon = INT64_MAX;
    rc = sl__engine_check(&own, 1, a.busy.v, a.busy.n, &p, start);
    if (rc == SL_ECONFLICT)
        return conflict_message(db, &a, tenant, start, duration, exclude);
    if (rc != SL_OK)
        return sl__err(db, rc, "slot engine refused its input (%s)", sl_strerror(rc));
    return SL_OK;
}

int sl__session_load(sl_db *db, sl_session *s, sl_id tenant, sl_id id, int include_deleted)
{
    int rc = sl__st_session_get(db, s, tenant, id);
    if (rc == SL_OK && s->deleted_at != 0 && !include_deleted)
        rc = SL_ENOTFOUND;
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "session %lld of tenant %lld not found", (long long)id, (long long)tenant);
    return rc;
}

int sl__session_write(sl_db *db, sl_session *s, int32_t event)
{
    int rc = sl__st_session_put(db, s);
    if (rc == SL_EEXISTS)
        return sl__err(db, SL_EIDEMPOTENCY, "idempotency key \"%s\" is already used", s->key);
    if (rc != SL_OK || event == 0)
        return rc;
    return sl__outbox_emit(db, s, event, s->updated_at);
}
