/*
 * lib/slots/avail.c - the window builder: rules and overrides of each local
 * date -> UTC day intervals (compatible rule, merged per date), plus the
 * blocking sessions as merged busy intervals. See avail.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avail.h"
#include "core/civil_internal.h"

#ifdef SL__SCRATCH_SEPARATE
#define SCRATCH_SEPARATE 1
#else
#define SCRATCH_SEPARATE 0
#endif

/*
 * Local dates one query looks at, at most: sl__avail_load takes the date of
 * `from` less one through the date of `to + duration` plus one. With
 * to - from <= SL_MAX_RANGE_DAYS days, duration <= 1 day and zone offsets
 * within +-26 h (lib/tz refuses larger ones; the two ends' offsets differ
 * by less than 2 days + 4 h), the local span is under SL_MAX_RANGE_DAYS +
 * 3.2 days, which crosses at most SL_MAX_RANGE_DAYS + 4 date boundaries:
 * SL_MAX_RANGE_DAYS + 5 dates, and SL_MAX_RANGE_DAYS + 7 with the margin
 * date on each side.
 * SL_MAX_DAY_INTERVALS in slots.h is this times SL_MAX_WINDOWS_PER_DAY.
 */
#define QUERY_DATES_MAX (SL_MAX_RANGE_DAYS + 7)
_Static_assert((int64_t)QUERY_DATES_MAX * SL_MAX_WINDOWS_PER_DAY == SL_MAX_DAY_INTERVALS,
               "SL_MAX_DAY_INTERVALS must match the window builder's bound");

int sl__scratch_get(sl_db *db)
{
    if (!db->scratch && !(db->scratch = calloc(1, sizeof(*db->scratch))))
        return sl__err(db, SL_ENOMEM, "out of memory for the slot query buffers");
    return SL_OK;
}

void sl__scratch_free(sl__scratch *s)
{
    if (!s)
        return;
    free(s->days.v);
    free(s->busy.v);
    free(s->windows);
    free(s);
}

/* Room for n intervals in b. A normal build grows to the larger of n and
 * twice the old capacity; the separate build to exactly n (and starts each
 * query from nothing, see scratch_reset). */
static int ivbuf_reserve(sl_db *db, sl__ivbuf *b, size_t n, const char *what)
{
    if (n <= b->cap)
        return SL_OK;
    size_t cap = n;
    if (!SCRATCH_SEPARATE && b->cap > n / 2)
        cap = b->cap * 2;
    if (cap > SIZE_MAX / sizeof(sl_interval))
        return sl__err(db, SL_ENOMEM, "%zu %s do not fit in memory", n, what);
    sl_interval *v = realloc(b->v, cap * sizeof(sl_interval));
    if (!v)
        return sl__err(db, SL_ENOMEM, "out of memory for %zu %s", n, what);
    b->v = v;
    b->cap = cap;
    return SL_OK;
}

/* The separate build starts every query from empty arrays, so that each
 * is allocated at exactly what this query reserves. */
static void scratch_reset(sl__scratch *s)
{
    if (!SCRATCH_SEPARATE)
        return;
    free(s->days.v);
    free(s->busy.v);
    free(s->windows);
    s->days = (sl__ivbuf){NULL, 0};
    s->busy = (sl__ivbuf){NULL, 0};
    s->windows = NULL;
    s->windows_cap = 0;
}

int sl__check_duration(sl_db *db, int64_t duration)
{
    if (duration < SL_MIN_DURATION_SECONDS || duration > SL_MAX_DURATION_SECONDS)
        return sl__err(db, SL_EINVAL, "duration %lld s is outside %d..%d seconds", (long long)duration,
                       SL_MIN_DURATION_SECONDS, SL_MAX_DURATION_SECONDS);
    return SL_OK;
}

/* The windows of one local date. */
typedef struct date_windows {
    int has_override;
    int n;
    sl_window w[SL_MAX_WINDOWS_PER_DAY];
} date_windows;

/* Collected windows of the dates [first, first + n_dates). */
typedef struct day_windows {
    sl_date first;
    int n_dates;
    int bad;            /* bad_date has more windows than the API allows */
    sl_date bad_date;
    date_windows d[];   /* n_dates */
} day_windows;

/* The API never writes more than SL_MAX_WINDOWS_PER_DAY windows for one
 * date (override_set, and rule add / update / restore count the live rules
 * of a weekday), so these refusals only meet a store that holds rows no
 * call could have written. Refusing beats dropping windows silently. */
static int too_many(day_windows *dw, sl_date d)
{
    dw->bad = 1;
    dw->bad_date = d;
    return SL_ESTORE;
}

static int collect_override(void *ctx, const sl_override *o)
{
    day_windows *dw = ctx;
    int64_t i = (int64_t)o->date - dw->first;
    if (i < 0 || i >= dw->n_dates || o->deleted_at != 0)
        return 0;
    if (o->n_windows < 0 || o->n_windows > SL_MAX_WINDOWS_PER_DAY)
        return too_many(dw, o->date);
    dw->d[i].has_override = 1;
    dw->d[i].n = o->n_windows;
    memcpy(dw->d[i].w, o->windows, (size_t)o->n_windows * sizeof(sl_window));
    return 0;
}

static int collect_rule(void *ctx, const sl_rule *r)
{
    day_windows *dw = ctx;
    if (r->deleted_at != 0)
        return 0;
    if (r->weekday < 1 || r->weekday > 7) /* ISO weekdays; no date has another */
        return 0;
    /* The dates of the rule's weekday: the first, then every 7th. */
    for (int i = ((r->weekday - sl_date_weekday(dw->first)) % 7 + 7) % 7; i < dw->n_dates; i += 7) {
        sl_date d = (sl_date)(dw->first + i);
        date_windows *dd = &dw->d[i];
        if (dd->has_override || d < r->valid_from || d > r->valid_until)
            continue;
        if (dd->n == SL_MAX_WINDOWS_PER_DAY)
            return too_many(dw, d);
        dd->w[dd->n++] = (sl_window){r->start_min, r->end_min};
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

/* Sorts by cmp_interval. Insertion: the dates come in order, so the
 * intervals are in order but for a few around a fold, and the sort is
 * linear for them. */
static void sort_intervals(sl_interval *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sl_interval x = v[i];
        size_t j = i;
        for (; j > 0 && cmp_interval(&v[j - 1], &x) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Windows of one date -> merged UTC intervals at out, at most `room` of
 * them; returns how many, or -1 when they would not fit (the caller
 * reserved one per window, so only a bug gets there). */
static long date_intervals(const sl__zone_span *z, sl_date d, const sl_window *w, int n, sl_interval *out,
                           size_t room)
{
    sl_interval tmp[SL_MAX_WINDOWS_PER_DAY];
    size_t k = 0, m = 0;
    if (n < 0 || n > SL_MAX_WINDOWS_PER_DAY)
        return -1;
    for (int i = 0; i < n; i++) {
        int64_t base = (int64_t)d * 86400;
        sl_time a = sl__zone_span_to_utc(z, base + (int64_t)w[i].start_min * 60, NULL);
        sl_time b = sl__zone_span_to_utc(z, base + (int64_t)w[i].end_min * 60, NULL);
        if (b > a) /* a window wholly inside a gap, or ending where one ends, can vanish */
            tmp[k++] = (sl_interval){a, b};
    }
    sort_intervals(tmp, k);
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && tmp[i].start <= out[m - 1].end) {
            if (tmp[i].end > out[m - 1].end)
                out[m - 1].end = tmp[i].end;
        } else if (m == room) {
            return -1;
        } else {
            out[m++] = tmp[i];
        }
    }
    return (long)m;
}

typedef struct busy_ctx {
    sl_db *db;
    sl__ivbuf *buf;
    size_t n;
    sl_id exclude;
    int rc;         /* why the scan was stopped (SL_ENOMEM) */
} busy_ctx;

/* Sessions arrive sorted by start: merge overlapping or touching ones. The
 * merged union gives the same answers because every footprint is widened
 * by the same buffers. */
static int busy_add(busy_ctx *b, sl_time start, sl_time end)
{
    sl_interval *v = b->buf->v;
    if (b->n > 0 && start <= v[b->n - 1].end) {
        if (end > v[b->n - 1].end)
            v[b->n - 1].end = end;
        return 0;
    }
    if (b->n == b->buf->cap) {
        size_t want = b->n < 8 ? 8 : b->n * 2;
        if ((b->rc = ivbuf_reserve(b->db, b->buf, want, "busy intervals")) != SL_OK)
            return b->rc;
    }
    b->buf->v[b->n++] = (sl_interval){start, end};
    return 0;
}

static int collect_busy(void *ctx, const sl_session *s)
{
    busy_ctx *b = ctx;
    return s->id == b->exclude ? 0 : busy_add(b, s->start, s->end);
}

/* Where one query's rows come from: the store, asked for this tenant, or
 * rows a read over many tenants gathered (rows != NULL). */
typedef struct avail_src {
    sl_id tenant;
    sl_id exclude;
    const sl__avail_rows *rows;
} avail_src;

/* The live overrides, then the live rules, of src into dw. */
static int feed_windows(sl_db *db, const avail_src *src, day_windows *dw, sl_date first, sl_date last)
{
    const sl__avail_rows *r = src->rows;
    int rc = SL_OK;
    if (!r) {
        rc = sl__st_overrides_scan(db, src->tenant, first, last, 0, collect_override, dw);
        return rc != SL_OK ? rc : sl__st_rules_scan(db, src->tenant, 0, collect_rule, dw);
    }
    for (size_t i = 0; i < r->n_ov && rc == SL_OK; i++)
        rc = collect_override(dw, &r->ov[i]);
    for (size_t i = 0; i < r->n_rules && rc == SL_OK; i++)
        rc = collect_rule(dw, &r->rules[i]);
    return rc;
}

/* The blocking sessions of src that overlap [lo, hi), merged. Gathered
 * rows may cover a wider range (the widest buffers of their tenants):
 * the same overlap test as sessions_scan keeps exactly this query's. */
static int feed_busy(sl_db *db, const avail_src *src, busy_ctx *bc, sl_time lo, sl_time hi)
{
    const sl__avail_rows *r = src->rows;
    if (!r) {
        int rc = sl__st_sessions_scan(db, src->tenant, lo, hi, sl__blocking_scan() | SL_SCAN_TIMES_ONLY,
                                      collect_busy, bc);
        return rc != SL_OK && bc->rc != SL_OK ? bc->rc : rc;
    }
    for (size_t i = 0; i < r->n_busy; i++)
        if (r->busy[i].end > lo && r->busy[i].start < hi && busy_add(bc, r->busy[i].start, r->busy[i].end) != 0)
            return bc->rc;
    return SL_OK;
}

/* Room for the windows of n_dates dates in the handle's scratch: a normal
 * build allocates for QUERY_DATES_MAX dates once, the separate build
 * exactly n_dates (see scratch_reset). NULL without memory. */
static day_windows *windows_get(sl__scratch *s, int n_dates)
{
    size_t need = sizeof(day_windows) + (size_t)n_dates * sizeof(date_windows);
    if (need <= s->windows_cap)
        return s->windows;
    size_t cap = SCRATCH_SEPARATE ? need : sizeof(day_windows) + (size_t)QUERY_DATES_MAX * sizeof(date_windows);
    void *p = realloc(s->windows, cap);
    if (!p)
        return NULL;
    s->windows = p;
    s->windows_cap = cap;
    return p;
}

/* Day intervals of the dates [first, last] into the handle's days array,
 * sorted by start. */
static int load_days(sl_db *db, sl__avail *a, const avail_src *src, sl_date first, sl_date last)
{
    day_windows *dw;
    int rc;
    if (last - first + 1 > QUERY_DATES_MAX) /* see QUERY_DATES_MAX: valid queries stay within */
        return sl__err(db, SL_ERANGE, "slot query spans %lld local dates, more than %d",
                       (long long)(last - first + 1), QUERY_DATES_MAX);
    int n_dates = (int)(last - first + 1);
    /* Not zeroed: a date's windows are read only up to its count. */
    if (!(dw = windows_get(db->scratch, n_dates)))
        return sl__err(db, SL_ENOMEM, "out of memory for the slot query buffers");
    dw->first = first;
    dw->n_dates = n_dates;
    dw->bad = 0;
    for (int i = 0; i < n_dates; i++)
        dw->d[i].has_override = dw->d[i].n = 0;
    rc = feed_windows(db, src, dw, first, last);
    if (rc != SL_OK && dw->bad) {
        char date[SL_DATE_TEXT_SIZE];
        if (sl_date_format(date, sizeof(date), dw->bad_date) != SL_OK)
            snprintf(date, sizeof(date), "%d", (int)dw->bad_date);
        return sl__err(db, SL_ESTORE, "the store holds more than %d windows for %s (no call writes that many)",
                       SL_MAX_WINDOWS_PER_DAY, date);
    }
    if (rc != SL_OK)
        return rc;
    /* Merging only shrinks: one interval per window is the most there can be. */
    size_t room = 0, n_days = 0;
    for (int i = 0; i < n_dates; i++)
        room += (size_t)dw->d[i].n;
    if ((rc = ivbuf_reserve(db, &db->scratch->days, room, "day intervals")) != SL_OK)
        return rc;
    sl_interval *days = db->scratch->days.v;
    sl__zone_span span; /* the zone's offsets over the dates, found once */
    sl__zone_span_init(&span, a->zone, (int64_t)first * 86400, ((int64_t)last + 1) * 86400);
    for (int i = 0; i < n_dates; i++) {
        long m = date_intervals(&span, (sl_date)(first + i), dw->d[i].w, dw->d[i].n, days + n_days, room - n_days);
        if (m < 0)
            return sl__err(db, SL_ERANGE, "internal: day intervals exceed the %zu reserved", room);
        n_days += (size_t)m;
    }
    /* Dates are in order, but intervals of neighbouring dates can interleave
     * around a fold: the engine wants one order by start. */
    sort_intervals(days, n_days);
    a->days = (sl__ivspan){days, n_days};
    return SL_OK;
}

int sl__avail_zone(sl_db *db, const sl__zone **zone, const sl_tenant *t)
{
    char err[SL__ERRMSG_SIZE];
    int rc = sl__zone_load(zone, sl__tz_dir(db->tzdir), t->tz, err, sizeof(err));
    return rc == SL_OK ? SL_OK : sl__err(db, rc, "%s", err);
}

/* Local dates: a slot starting in [from, to) belongs to a date whose day
 * intervals hold its start, and its coverage may reach into later dates
 * (duration <= 1 day); one date of margin on each side covers the zone's
 * offset. */
void sl__avail_dates(const sl__zone *z, sl_time from, sl_time to, int64_t duration, sl_date *first, sl_date *last)
{
    *first = (sl_date)sl__floor_div(sl__zone_offset(z, from) + from, 86400) - 1;
    *last = (sl_date)sl__floor_div(sl__zone_offset(z, to) + to + duration, 86400) + 1;
}

void sl__avail_busy_range(const sl_tenant *t, sl_time from, sl_time to, int64_t duration, sl_time *lo, sl_time *hi)
{
    int64_t total_buffer = t->buffer_before + t->buffer_after;
    *lo = from - total_buffer - duration;
    *hi = to + duration + total_buffer;
}

/* The query after the tenant row and its zone: windows, busy times, the
 * engine's parameters. */
static int avail_fill(sl_db *db, sl__avail *a, const avail_src *src, sl_time from, sl_time to, int64_t duration,
                      sl_time now)
{
    sl_date first, last;
    sl_time lo, hi;
    int rc;
    scratch_reset(db->scratch);
    sl__avail_dates(a->zone, from, to, duration, &first, &last);
    if ((rc = load_days(db, a, src, first, last)) != SL_OK)
        return rc;
    busy_ctx bc = {db, &db->scratch->busy, 0, src->exclude, SL_OK};
    sl__avail_busy_range(&a->tenant, from, to, duration, &lo, &hi);
    if ((rc = feed_busy(db, src, &bc, lo, hi)) != SL_OK)
        return rc;
    a->busy = (sl__ivspan){bc.buf->v, bc.n};

    sl_engine_params *p = &a->params;
    p->version = SL_ENGINE_VERSION;
    p->duration = duration;
    p->step = a->tenant.step ? a->tenant.step : duration;
    p->buffer_before = a->tenant.buffer_before;
    p->buffer_after = a->tenant.buffer_after;
    p->from = from;
    /* No slot ends past SL_TIME_MAX: its start stays below MAX - duration + 1. */
    p->to = to < SL__TIME_MAX - duration + 1 ? to : SL__TIME_MAX - duration + 1;
    p->earliest = now + a->tenant.min_notice;
    p->horizon = a->tenant.max_advance_days ? now + (int64_t)a->tenant.max_advance_days * 86400 : INT64_MAX;
    return SL_OK;
}

int sl__avail_load(sl_db *db, sl__avail *a, sl_id tenant, sl_time from, sl_time to,
                   int64_t duration, sl_time now, sl_id exclude)
{
    int rc;
    memset(a, 0, sizeof(*a));
    if ((rc = sl__scratch_get(db)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &a->tenant, tenant)) != SL_OK ||
        (rc = sl__avail_zone(db, &a->zone, &a->tenant)) != SL_OK)
        return rc;
    avail_src src = {tenant, exclude, NULL};
    return avail_fill(db, a, &src, from, to, duration, now);
}

int sl__avail_build(sl_db *db, sl__avail *a, const sl__avail_rows *rows, sl_time from, sl_time to,
                    int64_t duration, sl_time now)
{
    int rc;
    memset(a, 0, sizeof(*a));
    if ((rc = sl__scratch_get(db)) != SL_OK)
        return rc;
    a->tenant = *rows->tenant;
    a->zone = rows->zone;
    avail_src src = {rows->tenant->id, 0, rows};
    return avail_fill(db, a, &src, from, to, duration, now);
}
