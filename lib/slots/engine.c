/*
 * lib/slots/engine.c - the pure slot engine (docs/design.md, "Availability and
 * slots"): day intervals + busy intervals + parameters -> slot starts.
 *
 * One forward sweep over increasing candidate starts s. Three cursors only
 * ever move forward as s grows, which is what makes a call O(n_avail +
 * n_busy + candidates):
 *  - the grid cursor finds the smallest grid start >= t over all day
 *    intervals (each anchors its own grid; they may overlap, so the grids
 *    interleave and the same start may come from two intervals);
 *  - the coverage cursor walks the union of the day intervals run by run;
 *  - the busy cursor walks busy intervals sorted by start.
 * sl__engine_check runs the very same grid search and per-candidate
 * predicate from fresh cursors, so booking agrees with listing by
 * construction.
 *
 * Overflow: no time arithmetic may wrap, whatever the inputs (INT64_MAX
 * horizons, intervals next to INT64_MIN or INT64_MAX, INT64_MAX buffers).
 *  - Distances between two times are taken as uint64 (exact for a <= b).
 *  - "time + non-negative amount" saturates at INT64_MAX. That is exact for
 *    every comparison below because the time it is compared with is always
 *    a start (< some end <= INT64_MAX), so "== INT64_MAX" and "greater than
 *    INT64_MAX" compare the same way. Amounts are added one at a time to
 *    the time, never summed first: duration + buffers may themselves exceed
 *    INT64_MAX while time + all of them does not.
 *  - Day intervals longer than SL__ENGINE_MAX_INTERVAL (16 days) are
 *    rejected with SL_EINVAL rather than clamped: they cannot come from the
 *    window builder, and the bound keeps one call's work finite (a step of
 *    one second over a 2^63-second interval would never end).
 */
#include "slots/engine.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- arithmetic that cannot wrap ---------------------------------------- */

/* x + y for y >= 0, saturating at INT64_MAX (see the file comment). */
static inline sl_time sat_add(sl_time x, int64_t y)
{
    return x > INT64_MAX - y ? INT64_MAX : x + y;
}

/* b - a for a <= b; exact as unsigned even when it exceeds INT64_MAX. */
static inline uint64_t span(sl_time a, sl_time b)
{
    return (uint64_t)b - (uint64_t)a;
}

/* ---- input validation ---------------------------------------------------- */

/* Each interval non-empty, no longer than max_len, starts non-decreasing. */
static bool intervals_ok(const sl_interval *v, size_t n, uint64_t max_len)
{
    if (n > 0 && v == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i].start >= v[i].end || span(v[i].start, v[i].end) > max_len)
            return false;
        if (i > 0 && v[i].start < v[i - 1].start)
            return false;
    }
    return true;
}

static bool params_ok(const sl_engine_params *p)
{
    return p != NULL && p->version == SL_ENGINE_VERSION && p->reserved == 0 &&
           p->duration > 0 && p->step > 0 && p->buffer_before >= 0 &&
           p->buffer_after >= 0;
}

/* Busy intervals need no length bound: the busy cursor does no per-second
 * work, and its arithmetic saturates. */
static bool inputs_ok(const sl_interval *avail, size_t n_avail, const sl_interval *busy,
                      size_t n_busy, const sl_engine_params *p)
{
    return params_ok(p) &&
           intervals_ok(avail, n_avail, (uint64_t)SL__ENGINE_MAX_INTERVAL) &&
           intervals_ok(busy, n_busy, UINT64_MAX);
}

/* ---- grid cursor ----------------------------------------------------------- */

typedef struct grid {
    const sl_interval *av;
    size_t n;
    size_t lo;      /* av[0..lo) end at or before every t still to come */
    int64_t step;
} grid;

/* Smallest a + k*step >= t with a + k*step < b (k >= 0), if any. */
static bool interval_next(const sl_interval *iv, int64_t step, sl_time t, sl_time *out)
{
    if (iv->end <= t)
        return false;
    if (iv->start >= t) {
        *out = iv->start;
        return true;
    }
    uint64_t rem = span(iv->start, t) % (uint64_t)step;
    uint64_t adv = rem == 0 ? 0 : (uint64_t)step - rem;
    if (adv >= span(t, iv->end))
        return false;
    *out = t + (int64_t)adv;   /* < end: cannot wrap */
    return true;
}

/*
 * Smallest grid start >= t over all day intervals. t must not decrease
 * between calls on one cursor. Intervals are sorted by start, so once an
 * interval starts at or after the best start found, neither it nor any
 * later one can offer a smaller start. A long interval holds `lo` back, so
 * finished intervals nested in it are rescanned on every call (worst case
 * O(n_avail) per candidate); day intervals only overlap at DST folds, so in
 * practice one or two are looked at.
 */
static bool grid_next(grid *g, sl_time t, sl_time *out)
{
    while (g->lo < g->n && g->av[g->lo].end <= t)
        g->lo++;
    bool found = false;
    sl_time best = 0;
    for (size_t i = g->lo; i < g->n; i++) {
        if (found && g->av[i].start >= best)
            break;
        sl_time c;
        if (interval_next(&g->av[i], g->step, t, &c) && (!found || c < best)) {
            best = c;
            found = true;
        }
    }
    if (found)
        *out = best;
    return found;
}

/* ---- coverage cursor over the union of day intervals ------------------ */

typedef struct cover {
    const sl_interval *av;
    size_t n;
    size_t next;        /* first interval not merged into a run yet */
    sl_time run_start;  /* the current maximal run [run_start, run_end) */
    sl_time run_end;
} cover;

/* Make [run_start, run_end) the next maximal run: intervals that overlap or
 * touch it continue it without a hole. */
static void cover_next_run(cover *c)
{
    c->run_start = c->av[c->next].start;
    c->run_end = c->av[c->next].end;
    for (c->next++; c->next < c->n && c->av[c->next].start <= c->run_end; c->next++) {
        if (c->av[c->next].end > c->run_end)
            c->run_end = c->av[c->next].end;
    }
}

/* Whether [s, s + d) lies inside the union; s must not decrease between
 * calls. *resume receives the first start that might fit when this one does
 * not (every later start in the same run is even shorter of room). */
static bool cover_fits(cover *c, sl_time s, int64_t d, sl_time *resume)
{
    while (c->run_end <= s && c->next < c->n)
        cover_next_run(c);
    if (c->run_start > s) {
        *resume = c->run_start;
        return false;
    }
    if (c->run_end <= s || span(s, c->run_end) < (uint64_t)d) {
        *resume = c->run_end > s ? c->run_end : sat_add(s, 1);
        return false;
    }
    return true;
}

/* ---- busy cursor ------------------------------------------------------------ */

typedef struct block {
    const sl_interval *busy;
    size_t n;
    size_t k;          /* busy[0..k) start before the current reach */
    sl_time max_hi;    /* max over busy[0..k) of end + buffer_before + buffer_after */
    int64_t before, after, duration;
} block;

/*
 * Footprints [s - bb, s + d + ba) and [bs - bb, be + ba) overlap iff
 *     bs < s + d + bb + ba   and   s < be + bb + ba.
 * Busy intervals are sorted by start, so the ones meeting the first
 * condition form a prefix busy[0..k) that only grows with s; s is blocked
 * iff the largest be + bb + ba in that prefix exceeds s. This stays exact
 * when busy intervals have different lengths (a long early one keeps
 * blocking after shorter later ones ended). s must not decrease.
 */
static bool block_hits(block *b, sl_time s)
{
    sl_time reach = sat_add(sat_add(sat_add(s, b->duration), b->before), b->after);
    while (b->k < b->n && b->busy[b->k].start < reach) {
        sl_time hi = sat_add(sat_add(b->busy[b->k].end, b->before), b->after);
        if (hi > b->max_hi)
            b->max_hi = hi;
        b->k++;
    }
    return b->max_hi > s;
}

/* ---- the sweep and its per-candidate predicate ------------------------- */

typedef struct sweep {
    grid g;
    cover c;
    block b;
    sl_time lo;     /* max(from, earliest): first admissible start */
    sl_time hi;     /* min(to, horizon): starts must be below */
    int64_t duration;
} sweep;

static void sweep_init(sweep *w, const sl_interval *avail, size_t n_avail,
                       const sl_interval *busy, size_t n_busy, const sl_engine_params *p)
{
    w->g = (grid){ .av = avail, .n = n_avail, .lo = 0, .step = p->step };
    w->c = (cover){ .av = avail, .n = n_avail, .next = 0,
                    .run_start = INT64_MIN, .run_end = INT64_MIN };
    w->b = (block){ .busy = busy, .n = n_busy, .k = 0, .max_hi = INT64_MIN,
                    .before = p->buffer_before, .after = p->buffer_after,
                    .duration = p->duration };
    w->lo = p->from > p->earliest ? p->from : p->earliest;
    w->hi = p->to < p->horizon ? p->to : p->horizon;
    w->duration = p->duration;
}

/*
 * The one predicate for a grid start s (the caller established that s is
 * one): SL_OK, SL_ECONFLICT or SL_EUNAVAILABLE, as sl__engine_check
 * documents. Starts must be presented in increasing order. *resume
 * receives a start before which no later candidate can be SL_OK, which
 * lets the sweep jump over a blocked or too-short stretch.
 */
static int candidate(sweep *w, sl_time s, sl_time *resume)
{
    if (s < w->lo) {
        *resume = w->lo;
        return SL_EUNAVAILABLE;
    }
    if (s >= w->hi) {
        *resume = INT64_MAX;
        return SL_EUNAVAILABLE;
    }
    if (!cover_fits(&w->c, s, w->duration, resume))
        return SL_EUNAVAILABLE;
    if (block_hits(&w->b, s)) {
        *resume = w->b.max_hi;   /* every start below it is blocked too */
        return SL_ECONFLICT;
    }
    *resume = s + 1;             /* s < some end <= INT64_MAX */
    return SL_OK;
}

SL_API int sl_engine_slots(sl_interval *out, size_t cap, size_t *count,
                           const sl_interval *avail, size_t n_avail,
                           const sl_interval *busy, size_t n_busy,
                           const sl_engine_params *p)
{
    if (count == NULL || (out == NULL && cap > 0) ||
        !inputs_ok(avail, n_avail, busy, n_busy, p))
        return SL_EINVAL;

    sweep w;
    sweep_init(&w, avail, n_avail, busy, n_busy, p);
    size_t total = 0;
    sl_time t = w.lo, s;
    while (t < w.hi && grid_next(&w.g, t, &s) && s < w.hi) {
        sl_time resume;
        if (candidate(&w, s, &resume) == SL_OK) {
            if (total < cap)
                out[total] = (sl_interval){ s, s + p->duration }; /* fits: covered */
            total++;
        }
        t = resume > s ? resume : s + 1;
    }
    *count = total;
    return total > cap ? SL_ERANGE : SL_OK;
}

int sl__engine_check(const sl_interval *avail, size_t n_avail,
                     const sl_interval *busy, size_t n_busy,
                     const sl_engine_params *p, sl_time start)
{
    if (!inputs_ok(avail, n_avail, busy, n_busy, p))
        return SL_EINVAL;
    sweep w;
    sweep_init(&w, avail, n_avail, busy, n_busy, p);
    sl_time s, resume;
    if (!grid_next(&w.g, start, &s) || s != start)
        return SL_EUNAVAILABLE;
    return candidate(&w, s, &resume);
}
