/*
 * lib/slots/avail.c - the window builder: rules and overrides of each local
 * date -> UTC day intervals (compatible rule, merged per date), plus the
 * blocking sessions as merged busy intervals. See avail.h.
 */
#include <stdlib.h>
#include <string.h>

#include "avail.h"
#include "core/civil_internal.h"

int sl__scratch_get(sl_db *db)
{
    if (!db->scratch && !(db->scratch = malloc(sizeof(*db->scratch))))
        return sl__err(db, SL_ENOMEM, "out of memory for the slot query buffers");
    return SL_OK;
}

int sl__check_duration(sl_db *db, int64_t duration)
{
    if (duration < SL_MIN_DURATION_SECONDS || duration > SL_MAX_DURATION_SECONDS)
        return sl__err(db, SL_EINVAL, "duration %lld s is outside %d..%d seconds", (long long)duration,
                       SL_MIN_DURATION_SECONDS, SL_MAX_DURATION_SECONDS);
    return SL_OK;
}

/* Collected windows of the dates [first, first + n_dates). */
typedef struct day_windows {
    sl_date first;
    int n_dates;
    int has_override[SL_MAX_RANGE_DAYS + 6];
    int n[SL_MAX_RANGE_DAYS + 6];
    sl_window w[SL_MAX_RANGE_DAYS + 6][SL_MAX_WINDOWS_PER_DAY];
} day_windows;

static int collect_override(void *ctx, const sl_override *o)
{
    day_windows *dw = ctx;
    int i = (int)((int64_t)o->date - dw->first);
    if (i < 0 || i >= dw->n_dates || o->deleted_at != 0)
        return 0;
    int n = o->n_windows < 0 ? 0 : o->n_windows > SL_MAX_WINDOWS_PER_DAY ? SL_MAX_WINDOWS_PER_DAY : o->n_windows;
    dw->has_override[i] = 1;
    dw->n[i] = n;
    memcpy(dw->w[i], o->windows, (size_t)n * sizeof(sl_window));
    return 0;
}

static int collect_rule(void *ctx, const sl_rule *r)
{
    day_windows *dw = ctx;
    if (r->deleted_at != 0)
        return 0;
    for (int i = 0; i < dw->n_dates; i++) {
        sl_date d = (sl_date)(dw->first + i);
        if (dw->has_override[i] || sl_date_weekday(d) != r->weekday || d < r->valid_from || d > r->valid_until)
            continue;
        if (dw->n[i] < SL_MAX_WINDOWS_PER_DAY) /* the API caps live rules per weekday */
            dw->w[i][dw->n[i]++] = (sl_window){r->start_min, r->end_min};
    }
    return 0;
}

static int cmp_interval(const void *a, const void *b)
{
    const sl_interval *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Windows of one date -> merged UTC intervals appended to out. */
static size_t date_intervals(const sl__zone *z, sl_date d, const sl_window *w, int n, sl_interval *out)
{
    sl_interval tmp[SL_MAX_WINDOWS_PER_DAY];
    size_t k = 0, m = 0;
    for (int i = 0; i < n; i++) {
        int64_t base = (int64_t)d * 86400;
        sl_time a = sl__zone_to_utc(z, base + (int64_t)w[i].start_min * 60, NULL);
        sl_time b = sl__zone_to_utc(z, base + (int64_t)w[i].end_min * 60, NULL);
        if (b > a) /* a window wholly inside a gap, or ending where one ends, can vanish */
            tmp[k++] = (sl_interval){a, b};
    }
    qsort(tmp, k, sizeof(tmp[0]), cmp_interval);
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && tmp[i].start <= out[m - 1].end) {
            if (tmp[i].end > out[m - 1].end)
                out[m - 1].end = tmp[i].end;
        } else {
            out[m++] = tmp[i];
        }
    }
    return m;
}

typedef struct busy_ctx {
    sl_interval *busy;
    size_t n, cap;
    sl_id exclude;
} busy_ctx;

/* Sessions arrive sorted by start: merge overlapping or touching ones. The
 * merged union gives the same answers because every footprint is widened
 * by the same buffers. */
static int collect_busy(void *ctx, const sl_session *s)
{
    busy_ctx *b = ctx;
    if (s->id == b->exclude)
        return 0;
    if (b->n > 0 && s->start <= b->busy[b->n - 1].end) {
        if (s->end > b->busy[b->n - 1].end)
            b->busy[b->n - 1].end = s->end;
        return 0;
    }
    if (b->n == b->cap)
        return SL_ERANGE; /* cannot happen for sessions of >= 60 s; guard anyway */
    b->busy[b->n++] = (sl_interval){s->start, s->end};
    return 0;
}

int sl__avail_load(sl_db *db, sl__avail *a, sl_id tenant, sl_time from, sl_time to,
                   int64_t duration, sl_time now, sl_id exclude)
{
    char err[SL__ERRMSG_SIZE];
    day_windows *dw = NULL;
    int rc;

    memset(a, 0, sizeof(*a));
    if ((rc = sl__scratch_get(db)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &a->tenant, tenant)) != SL_OK)
        return rc;
    const char *tzdir = sl__tz_dir(db->tzdir);
    if ((rc = sl__zone_load(&a->zone, tzdir, a->tenant.tz, err, sizeof(err))) != SL_OK)
        return sl__err(db, rc, "%s", err);

    /* Local dates: a slot starting in [from, to) belongs to a date whose
     * day intervals hold its start, and its coverage may reach into later
     * dates (duration <= 1 day); one date of margin on each side covers any
     * zone offset (< 1 day). */
    sl_date first = (sl_date)sl__floor_div(sl__zone_offset(a->zone, from) + from, 86400) - 1;
    sl_date last = (sl_date)sl__floor_div(sl__zone_offset(a->zone, to) + to + duration, 86400) + 1;
    if (!(dw = calloc(1, sizeof(*dw))))
        return sl__err(db, SL_ENOMEM, "out of memory for the slot query buffers");
    dw->first = first;
    dw->n_dates = (int)(last - first + 1);
    if (dw->n_dates > (int)(sizeof(dw->n) / sizeof(dw->n[0]))) {
        rc = sl__err(db, SL_ERANGE, "slot query spans too many dates");
        goto out_free;
    }
    unsigned long seq = db->err_seq;
    rc = db->store->overrides_scan(db->store, tenant, first, last, 0, collect_override, dw);
    if (rc == SL_OK)
        rc = db->store->rules_scan(db->store, tenant, 0, collect_rule, dw);
    if (rc != SL_OK) {
        sl__store_rc(db, seq, rc, "reading availability");
        goto out_free;
    }
    size_t n_days = 0;
    sl_interval *days = db->scratch->days;
    for (int i = 0; i < dw->n_dates; i++)
        n_days += date_intervals(a->zone, (sl_date)(first + i), dw->w[i], dw->n[i], days + n_days);
    /* Dates are in order, but intervals of neighbouring dates can interleave
     * around a fold: the engine wants one order by start. */
    qsort(days, n_days, sizeof(days[0]), cmp_interval);
    a->days = days;
    a->n_days = n_days;

    int64_t total_buffer = a->tenant.buffer_before + a->tenant.buffer_after;
    busy_ctx bc = {db->scratch->busy, 0, SL__MAX_BUSY, exclude};
    seq = db->err_seq;
    rc = db->store->sessions_scan(db->store, tenant, from - total_buffer - duration,
                                  to + duration + total_buffer, SL_SCAN_BLOCKING | SL_SCAN_TIMES_ONLY, collect_busy,
                                  &bc);
    if (rc != SL_OK) {
        if (rc == SL_ERANGE)
            rc = sl__err(db, rc, "too many busy intervals in one query");
        else
            sl__store_rc(db, seq, rc, "reading sessions");
        goto out_free;
    }
    a->busy = bc.busy;
    a->n_busy = bc.n;

    sl_engine_params *p = &a->params;
    p->version = SL_ENGINE_VERSION;
    p->duration = duration;
    p->step = a->tenant.step ? a->tenant.step : duration;
    p->buffer_before = a->tenant.buffer_before;
    p->buffer_after = a->tenant.buffer_after;
    p->from = from;
    p->to = to;
    p->earliest = now + a->tenant.min_notice;
    p->horizon = a->tenant.max_advance_days ? now + (int64_t)a->tenant.max_advance_days * 86400 : INT64_MAX;
    rc = SL_OK;
out_free:
    free(dw);
    return rc;
}
