/*
 * tests/check_engine.c - the pure slot engine (sl_engine_slots) and the
 * booking-side predicate sl__engine_check.
 *
 * Hand cases restate docs/design.md's worked examples directly as UTC day
 * intervals; property tests compare both functions with a brute-force
 * reference that shares no code with the engine: it scans second by second
 * (grid membership by remainder, coverage by membership of every second,
 * footprints by painting a bitmap), where the engine uses cursors and
 * interval arithmetic.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "slots/engine.h"

#define MIN_ 60
#define HOUR 3600
#define DAY0 ((sl_time)1795996800)   /* 2026-11-30T00:00:00Z, a Monday */
#define AT(h, m) (DAY0 + (sl_time)(h) * HOUR + (sl_time)(m) * MIN_)
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Parameters with no range, notice, horizon or buffers. */
static sl_engine_params params(int64_t duration, int64_t step)
{
    return (sl_engine_params){.version = SL_ENGINE_VERSION, .duration = duration, .step = step, .from = INT64_MIN,
                              .to = INT64_MAX, .earliest = INT64_MIN, .horizon = INT64_MAX};
}

/* Run the engine into a large buffer and compare the starts with want[];
 * also check every end is start + duration. */
static void expect_starts(const sl_interval *av, size_t nav, const sl_interval *busy,
                          size_t nbusy, const sl_engine_params *p, const sl_time *want,
                          size_t nwant)
{
    sl_interval out[256];
    size_t count = 12345;
    ck_assert_sl(sl_engine_slots(out, N_OF(out), &count, av, nav, busy, nbusy, p), SL_OK);
    ck_assert_uint_eq(count, nwant);
    for (size_t i = 0; i < count; i++) {
        ck_assert_msg(out[i].start == want[i], "slot %zu starts at %lld, expected %lld", i,
                      (long long)out[i].start, (long long)want[i]);
        ck_assert_int_eq(out[i].end, out[i].start + p->duration);
        ck_assert_sl(sl__engine_check(av, nav, busy, nbusy, p, want[i]), SL_OK);
    }
}

START_TEST(test_overlapping_windows_merged)
{
    /* 11:00-12:00 and 11:20-12:40 merge into one day interval. */
    const sl_interval av[] = { { AT(11, 0), AT(12, 40) } };
    const sl_time want[] = { AT(11, 0), AT(11, 20), AT(11, 40), AT(12, 0), AT(12, 20) };
    sl_engine_params p = params(20 * MIN_, 20 * MIN_);
    expect_starts(av, 1, NULL, 0, &p, want, N_OF(want));
    /* Left unmerged, both grids land on the same starts, each listed once. */
    const sl_interval unmerged[] = { { AT(11, 0), AT(12, 0) }, { AT(11, 20), AT(12, 40) } };
    expect_starts(unmerged, 2, NULL, 0, &p, want, N_OF(want));

    /* 11:00-13:00 and 11:15-13:00 merged, 45/45: the grid comes from 11:00. */
    const sl_interval av45[] = { { AT(11, 0), AT(13, 0) } };
    const sl_time want45[] = { AT(11, 0), AT(11, 45) };
    p = params(45 * MIN_, 45 * MIN_);
    expect_starts(av45, 1, NULL, 0, &p, want45, N_OF(want45));
}
END_TEST

START_TEST(test_step_differs_from_duration)
{
    const sl_interval av[] = { { AT(9, 0), AT(10, 0) } };
    const sl_time want[] = { AT(9, 0), AT(9, 25) };
    sl_engine_params p = params(20 * MIN_, 25 * MIN_);
    expect_starts(av, 1, NULL, 0, &p, want, N_OF(want));
    /* 09:50 is on the grid but does not fit. */
    ck_assert_sl(sl__engine_check(av, 1, NULL, 0, &p, AT(9, 50)), SL_EUNAVAILABLE);
    ck_assert_sl(sl__engine_check(av, 1, NULL, 0, &p, AT(9, 10)), SL_EUNAVAILABLE);
}
END_TEST

START_TEST(test_buffers_block_footprints)
{
    const sl_interval av[] = { { AT(9, 0), AT(17, 0) } };
    const sl_interval busy[] = { { AT(12, 30), AT(13, 0) }, { AT(14, 30), AT(15, 0) } };
    sl_engine_params p = params(30 * MIN_, 15 * MIN_);
    p.buffer_before = 15 * MIN_;
    p.buffer_after = 30 * MIN_;
    const sl_time want[] = { AT(9, 0),  AT(9, 15),  AT(9, 30),  AT(9, 45),  AT(10, 0),
                             AT(10, 15), AT(10, 30), AT(10, 45), AT(11, 0), AT(11, 15),
                             AT(15, 45), AT(16, 0),  AT(16, 15), AT(16, 30) };
    expect_starts(av, 1, busy, 2, &p, want, N_OF(want));
    for (sl_time s = AT(13, 0); s < AT(14, 30); s += 15 * MIN_)
        ck_assert_sl(sl__engine_check(av, 1, busy, 2, &p, s), SL_ECONFLICT);
    /* The first and last blocked grid starts on either side. */
    ck_assert_sl(sl__engine_check(av, 1, busy, 2, &p, AT(11, 30)), SL_ECONFLICT);
    ck_assert_sl(sl__engine_check(av, 1, busy, 2, &p, AT(15, 30)), SL_ECONFLICT);
}
END_TEST

START_TEST(test_long_busy_outlasts_later_short_one)
{
    /* Sorted by start, the second busy interval ends first: a cursor that
     * only looked at the latest-started interval would free 10:00. */
    const sl_interval av[] = { { AT(9, 0), AT(17, 0) } };
    const sl_interval busy[] = { { AT(9, 0), AT(13, 0) }, { AT(9, 30), AT(9, 45) },
                                 { AT(15, 0), AT(15, 1) } };
    sl_engine_params p = params(HOUR, HOUR);
    const sl_time want[] = { AT(13, 0), AT(14, 0), AT(16, 0) };
    expect_starts(av, 1, busy, 3, &p, want, N_OF(want));
    ck_assert_sl(sl__engine_check(av, 1, busy, 3, &p, AT(10, 0)), SL_ECONFLICT);
}
END_TEST

START_TEST(test_overnight_continuation)
{
    const sl_interval av[] = { { AT(23, 0), AT(24, 0) }, { AT(24, 0), AT(24, 30) } };
    sl_engine_params p = params(90 * MIN_, 30 * MIN_);
    const sl_time want[] = { AT(23, 0) };
    expect_starts(av, 2, NULL, 0, &p, want, N_OF(want));
    ck_assert_sl(sl__engine_check(av, 2, NULL, 0, &p, AT(23, 30)), SL_EUNAVAILABLE);
    ck_assert_sl(sl__engine_check(av, 2, NULL, 0, &p, AT(24, 0)), SL_EUNAVAILABLE);

    /* A one-second hole ends the run; without the next day there is none. */
    const sl_interval holed[] = { { AT(23, 0), AT(24, 0) }, { AT(24, 0) + 1, AT(24, 30) } };
    expect_starts(holed, 2, NULL, 0, &p, NULL, 0);
    expect_starts(av, 1, NULL, 0, &p, NULL, 0);
}
END_TEST

START_TEST(test_notice_horizon_and_range_edges)
{
    const sl_interval av[] = { { AT(9, 0), AT(17, 0) } };
    sl_engine_params p = params(HOUR, HOUR);
    sl_interval out[16];
    size_t n;

    p.earliest = AT(10, 0);   /* inclusive */
    p.horizon = AT(12, 0);    /* exclusive */
    const sl_time want1[] = { AT(10, 0), AT(11, 0) };
    expect_starts(av, 1, NULL, 0, &p, want1, N_OF(want1));
    ck_assert_sl(sl__engine_check(av, 1, NULL, 0, &p, AT(9, 0)), SL_EUNAVAILABLE);
    ck_assert_sl(sl__engine_check(av, 1, NULL, 0, &p, AT(12, 0)), SL_EUNAVAILABLE);

    p.earliest = AT(10, 0) + 1;
    p.horizon = AT(12, 0) + 1;
    const sl_time want2[] = { AT(11, 0), AT(12, 0) };
    expect_starts(av, 1, NULL, 0, &p, want2, N_OF(want2));

    p = params(HOUR, HOUR);
    p.from = AT(13, 0);
    p.to = AT(15, 0);
    const sl_time want3[] = { AT(13, 0), AT(14, 0) };
    expect_starts(av, 1, NULL, 0, &p, want3, N_OF(want3));
    p.from = AT(13, 0) - 1;
    p.to = AT(15, 0) + 1;
    const sl_time want4[] = { AT(13, 0), AT(14, 0), AT(15, 0) };
    expect_starts(av, 1, NULL, 0, &p, want4, N_OF(want4));

    /* Empty ranges list nothing and are not errors. */
    p = params(HOUR, HOUR);
    p.earliest = AT(18, 0);
    p.horizon = AT(8, 0);
    ck_assert_sl(sl_engine_slots(out, N_OF(out), &n, av, 1, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    p = params(HOUR, HOUR);
    p.from = AT(12, 0);
    p.to = AT(12, 0);
    ck_assert_sl(sl_engine_slots(out, N_OF(out), &n, av, 1, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    p.to = AT(11, 0);   /* from > to: empty, like earliest > horizon */
    ck_assert_sl(sl_engine_slots(out, N_OF(out), &n, av, 1, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl__engine_check(av, 1, NULL, 0, &p, AT(12, 0)), SL_EUNAVAILABLE);
}
END_TEST

START_TEST(test_duplicate_starts_emitted_once)
{
    sl_engine_params p = params(HOUR, HOUR);
    /* Identical intervals (two dates mapping to the same UTC span). */
    const sl_interval same[] = { { AT(9, 0), AT(11, 0) }, { AT(9, 0), AT(11, 0) } };
    const sl_time want1[] = { AT(9, 0), AT(10, 0) };
    expect_starts(same, 2, NULL, 0, &p, want1, N_OF(want1));

    /* Overlap with a shared grid point (10:00) and interleaved grids. */
    const sl_interval ov[] = { { AT(9, 0), AT(11, 0) }, { AT(10, 0), AT(12, 0) } };
    const sl_time want2[] = { AT(9, 0), AT(10, 0), AT(11, 0) };
    expect_starts(ov, 2, NULL, 0, &p, want2, N_OF(want2));
    const sl_interval inter[] = { { AT(9, 0), AT(11, 0) }, { AT(9, 30), AT(11, 30) } };
    const sl_time want3[] = { AT(9, 0), AT(9, 30), AT(10, 0), AT(10, 30) };
    expect_starts(inter, 2, NULL, 0, &p, want3, N_OF(want3));

    /* A short interval nested in a long one: its own grid point 09:10 may
     * run past its end because the union covers it. */
    const sl_interval nest[] = { { AT(9, 0), AT(12, 0) }, { AT(9, 10), AT(9, 20) } };
    const sl_time want4[] = { AT(9, 0), AT(9, 10), AT(10, 0), AT(11, 0) };
    expect_starts(nest, 2, NULL, 0, &p, want4, N_OF(want4));
}
END_TEST

START_TEST(test_cap_and_erange)
{
    const sl_interval av[] = { { AT(9, 0), AT(17, 0) } };
    sl_engine_params p = params(HOUR, HOUR);
    sl_interval out[8];
    size_t n = 0;

    ck_assert_sl(sl_engine_slots(NULL, 0, &n, av, 1, NULL, 0, &p), SL_ERANGE);
    ck_assert_uint_eq(n, 8);
    memset(out, 0x5a, sizeof out);
    ck_assert_sl(sl_engine_slots(out, 3, &n, av, 1, NULL, 0, &p), SL_ERANGE);
    ck_assert_uint_eq(n, 8);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(out[i].start, AT(9 + i, 0));
    ck_assert_int_eq(out[3].start, (sl_time)0x5a5a5a5a5a5a5a5a);   /* untouched */
    ck_assert_sl(sl_engine_slots(out, 8, &n, av, 1, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 8);
    ck_assert_int_eq(out[7].start, AT(16, 0));

    /* A count-only query with nothing to count. */
    ck_assert_sl(sl_engine_slots(NULL, 0, &n, NULL, 0, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* Every invalid input is SL_EINVAL from both entry points. */
static void expect_einval(const sl_interval *av, size_t nav, const sl_interval *busy,
                          size_t nbusy, const sl_engine_params *p)
{
    sl_interval out[4];
    size_t n;
    ck_assert_sl(sl_engine_slots(out, N_OF(out), &n, av, nav, busy, nbusy, p), SL_EINVAL);
    ck_assert_sl(sl__engine_check(av, nav, busy, nbusy, p, AT(9, 0)), SL_EINVAL);
}

START_TEST(test_invalid_inputs)
{
    const sl_interval av[] = { { AT(9, 0), AT(12, 0) } };
    const sl_interval busy[] = { { AT(10, 0), AT(11, 0) } };
    const sl_engine_params good = params(HOUR, HOUR);
    sl_engine_params p;
    sl_interval out[4];
    size_t n;

    ck_assert_sl(sl_engine_slots(out, 4, NULL, av, 1, busy, 1, &good), SL_EINVAL);
    ck_assert_sl(sl_engine_slots(NULL, 4, &n, av, 1, busy, 1, &good), SL_EINVAL);
    expect_einval(av, 1, busy, 1, NULL);
    expect_einval(NULL, 1, busy, 1, &good);
    expect_einval(av, 1, NULL, 1, &good);

    const sl_interval unsorted[] = { { AT(10, 0), AT(11, 0) }, { AT(9, 0), AT(12, 0) } };
    const sl_interval empty[] = { { AT(9, 0), AT(9, 0) } };
    const sl_interval reversed[] = { { AT(10, 0), AT(9, 0) } };
    const sl_interval too_long[] = { { AT(0, 0), AT(0, 0) + SL__ENGINE_MAX_INTERVAL + 1 } };
    const sl_interval everything[] = { { INT64_MIN, INT64_MAX } };
    expect_einval(unsorted, 2, busy, 1, &good);
    expect_einval(empty, 1, busy, 1, &good);
    expect_einval(reversed, 1, busy, 1, &good);
    expect_einval(too_long, 1, busy, 1, &good);
    expect_einval(everything, 1, busy, 1, &good);
    expect_einval(av, 1, unsorted, 2, &good);
    expect_einval(av, 1, empty, 1, &good);
    expect_einval(av, 1, reversed, 1, &good);

    const int64_t bad_len[] = { 0, -1, INT64_MIN };
    for (size_t i = 0; i < N_OF(bad_len); i++) {
        p = good;
        p.duration = bad_len[i];
        expect_einval(av, 1, busy, 1, &p);
        p = good;
        p.step = bad_len[i];
        expect_einval(av, 1, busy, 1, &p);
    }
    p = good;
    p.buffer_before = -1;
    expect_einval(av, 1, busy, 1, &p);
    p = good;
    p.buffer_after = INT64_MIN;
    expect_einval(av, 1, busy, 1, &p);
    p = good;
    p.version = 0;
    expect_einval(av, 1, busy, 1, &p);
    p.version = SL_ENGINE_VERSION + 1;
    expect_einval(av, 1, busy, 1, &p);
    p = good;
    p.reserved = 1;
    expect_einval(av, 1, busy, 1, &p);

    /* The limits themselves are valid: an interval of exactly 16 days, a
     * busy interval spanning all time, NULL arrays of length 0. */
    const sl_interval longest[] = { { AT(0, 0), AT(0, 0) + SL__ENGINE_MAX_INTERVAL } };
    ck_assert_sl(sl_engine_slots(NULL, 0, &n, longest, 1, NULL, 0, &good), SL_ERANGE);
    ck_assert_uint_eq(n, (size_t)(SL__ENGINE_MAX_INTERVAL / HOUR));
    ck_assert_sl(sl_engine_slots(out, 4, &n, longest, 1, everything, 1, &good), SL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl__engine_check(longest, 1, everything, 1, &good, AT(0, 0)), SL_ECONFLICT);
    ck_assert_sl(sl_engine_slots(out, 4, &n, NULL, 0, NULL, 0, &good), SL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl__engine_check(NULL, 0, NULL, 0, &good, AT(9, 0)), SL_EUNAVAILABLE);
}
END_TEST

START_TEST(test_extreme_times_do_not_overflow)
{
    sl_engine_params p = params(1800, 1800);
    sl_interval out[8];
    size_t n;

    /* Availability ending at INT64_MAX with no horizon: the last slot ends
     * exactly there. */
    const sl_interval top[] = { { INT64_MAX - 3600, INT64_MAX } };
    const sl_time want_top[] = { INT64_MAX - 3600, INT64_MAX - 1800 };
    expect_starts(top, 1, NULL, 0, &p, want_top, N_OF(want_top));
    ck_assert_int_eq(sl__engine_check(top, 1, NULL, 0, &p, INT64_MAX), SL_EUNAVAILABLE);
    ck_assert_int_eq(sl__engine_check(top, 1, NULL, 0, &p, INT64_MIN), SL_EUNAVAILABLE);

    /* Footprints reaching past INT64_MAX: busy at the very top with huge
     * buffers blocks everything in reach, and nothing wraps around to free
     * a start. */
    const sl_interval busy_top[] = { { INT64_MAX - 1, INT64_MAX } };
    p.buffer_before = INT64_MAX;
    p.buffer_after = INT64_MAX;
    ck_assert_sl(sl_engine_slots(out, 8, &n, top, 1, busy_top, 1, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl__engine_check(top, 1, busy_top, 1, &p, INT64_MAX - 3600), SL_ECONFLICT);

    /* Availability at INT64_MIN; busy far away is harmless without buffers
     * and blocking with them (the footprints then meet). */
    const sl_interval bottom[] = { { INT64_MIN, INT64_MIN + 3600 } };
    const sl_interval busy_far[] = { { INT64_MAX - 1, INT64_MAX } };
    p = params(1800, 1800);
    const sl_time want_bottom[] = { INT64_MIN, INT64_MIN + 1800 };
    expect_starts(bottom, 1, busy_far, 1, &p, want_bottom, N_OF(want_bottom));
    p.buffer_after = INT64_MAX;
    p.buffer_before = INT64_MAX;
    ck_assert_sl(sl_engine_slots(out, 8, &n, bottom, 1, busy_far, 1, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl__engine_check(bottom, 1, busy_far, 1, &p, INT64_MIN), SL_ECONFLICT);

    /* Durations and steps beyond any interval. */
    p = params(INT64_MAX, INT64_MAX);
    ck_assert_sl(sl_engine_slots(out, 8, &n, top, 1, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_sl(sl_engine_slots(out, 8, &n, bottom, 1, NULL, 0, &p), SL_OK);
    ck_assert_uint_eq(n, 0);
    p = params(1, INT64_MAX);
    const sl_time want_one[] = { INT64_MIN };
    expect_starts(bottom, 1, NULL, 0, &p, want_one, 1);
    /* The grid from INT64_MIN seen from a start near INT64_MAX. */
    const sl_interval both[] = { { INT64_MIN, INT64_MIN + 10 }, { INT64_MAX - 10, INT64_MAX } };
    p = params(3, 7);
    p.from = 0;
    const sl_time want_both[] = { INT64_MAX - 10, INT64_MAX - 3 };
    expect_starts(both, 2, NULL, 0, &p, want_both, N_OF(want_both));
}
END_TEST

/* ---- property tests against a brute-force reference ------------------- */

#define MAX_N 40
#define MARGIN 512   /* > longest duration + buffers in any generated case */

typedef struct pcase {
    sl_time base;             /* absolute time of relative 0 */
    int64_t width;            /* relative times lie in [0, width] */
    sl_interval av[MAX_N];    /* relative */
    size_t nav;
    sl_interval busy[MAX_N];  /* relative */
    size_t nbusy;
    sl_engine_params p;       /* absolute from/to/earliest/horizon */
} pcase;

/* Uniform in [lo, hi], for hi - lo < INT64_MAX (computed unsigned so the
 * width itself cannot overflow). */
static int64_t rnd(uint64_t *st, int64_t lo, int64_t hi)
{
    uint64_t width = (uint64_t)hi - (uint64_t)lo + 1;
    return lo + (int64_t)(sl_test_rand(st) % width);
}

static sl_time abs_of(const pcase *c, int64_t rel)
{
    return c->base + rel;   /* the generator keeps this in range */
}

/* A bound: often an extreme value (no bound), else a relative time in
 * [lo, hi]; lower bounds fall early and upper ones late so that most cases
 * keep slots on both sides of the edges. */
static sl_time gen_bound(uint64_t *st, const pcase *c, sl_time extreme, int64_t lo, int64_t hi)
{
    if (rnd(st, 0, 1) == 0)
        return extreme;
    return abs_of(c, rnd(st, lo, hi));
}

/* Sorted-by-start intervals, some touching their predecessor, some
 * overlapping, lengths up to max_len, all inside [0, width]. */
static size_t gen_intervals(uint64_t *st, sl_interval *v, size_t nmax, int64_t width,
                            int64_t max_len)
{
    size_t n = (size_t)rnd(st, 0, (int64_t)nmax);
    int64_t prev_start = 0, prev_end = -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t s = rnd(st, prev_start, width - 1);
        if (prev_end >= 0 && prev_end < width && rnd(st, 0, 2) == 0)
            s = prev_end;   /* touching */
        int64_t e = s + rnd(st, 1, max_len);
        if (e > width)
            e = width;
        v[k++] = (sl_interval){ s, e };
        prev_start = s;
        prev_end = e;
    }
    return k;
}

static void gen_case(uint64_t *st, pcase *c, bool dense)
{
    memset(c, 0, sizeof *c);
    c->width = dense ? 1500 : 360;
    switch (rnd(st, 0, 5)) {
    case 0: c->base = 0; break;
    case 1: c->base = DAY0 + rnd(st, -86400, 86400); break;
    case 2: c->base = -rnd(st, 1, (int64_t)1 << 40); break;
    case 3: c->base = INT64_MAX - c->width; break;
    case 4: c->base = INT64_MIN; break;
    default: c->base = rnd(st, INT64_MIN / 4, INT64_MAX / 4); break;
    }
    c->nav = gen_intervals(st, c->av, dense ? 24 : 6, c->width, dense ? 200 : 120);
    c->nbusy = gen_intervals(st, c->busy, dense ? 30 : 6, c->width, 60);
    c->p = params(rnd(st, 0, 2) ? rnd(st, 1, 40) : rnd(st, 1, 90), rnd(st, 1, 40));
    if (rnd(st, 0, 3) == 0)
        c->p.step = c->p.duration;
    c->p.buffer_before = rnd(st, 0, 3) == 0 ? 0 : rnd(st, 0, 30);
    c->p.buffer_after = rnd(st, 0, 3) == 0 ? 0 : rnd(st, 0, 30);
    int64_t third = c->width / 3;
    c->p.from = gen_bound(st, c, INT64_MIN, 0, third);
    c->p.to = gen_bound(st, c, INT64_MAX, c->width - third, c->width);
    c->p.earliest = gen_bound(st, c, INT64_MIN, 0, third);
    c->p.horizon = gen_bound(st, c, INT64_MAX, c->width - third, c->width);
    if (rnd(st, 0, 9) == 0)   /* sometimes anywhere, crossed bounds included */
        c->p.to = gen_bound(st, c, INT64_MAX, 0, c->width);
}

/* The absolute intervals the engine sees. */
static void abs_intervals(const pcase *c, sl_interval *av, sl_interval *busy)
{
    for (size_t i = 0; i < c->nav; i++)
        av[i] = (sl_interval){ abs_of(c, c->av[i].start), abs_of(c, c->av[i].end) };
    for (size_t i = 0; i < c->nbusy; i++)
        busy[i] = (sl_interval){ abs_of(c, c->busy[i].start), abs_of(c, c->busy[i].end) };
}

/* Reference classification of every relative start 0..width-1 into cls[]:
 * SL_OK, SL_ECONFLICT or SL_EUNAVAILABLE, by scanning seconds. */
static void reference(const pcase *c, int *cls)
{
    static bool avail[1500 + 2 * MARGIN], foot[1500 + 2 * MARGIN];
    int64_t w = c->width;
    memset(avail, 0, sizeof avail);
    memset(foot, 0, sizeof foot);
    for (size_t i = 0; i < c->nav; i++)
        for (int64_t x = c->av[i].start; x < c->av[i].end; x++)
            avail[x + MARGIN] = true;
    /* Paint every busy footprint second. */
    for (size_t i = 0; i < c->nbusy; i++)
        for (int64_t x = c->busy[i].start - c->p.buffer_before;
             x < c->busy[i].end + c->p.buffer_after; x++)
            foot[x + MARGIN] = true;

    for (int64_t s = 0; s < w; s++) {
        bool grid = false;
        for (size_t i = 0; i < c->nav; i++)
            if (c->av[i].start <= s && s < c->av[i].end &&
                (s - c->av[i].start) % c->p.step == 0)
                grid = true;
        bool covered = true;
        for (int64_t x = s; x < s + c->p.duration; x++)
            if (!avail[x + MARGIN])
                covered = false;
        sl_time a = abs_of(c, s);
        bool in_range = a >= c->p.from && a < c->p.to && a >= c->p.earliest && a < c->p.horizon;
        bool hit = false;
        for (int64_t x = s - c->p.buffer_before; x < s + c->p.duration + c->p.buffer_after; x++)
            if (foot[x + MARGIN])
                hit = true;
        if (!grid || !covered || !in_range)
            cls[s] = SL_EUNAVAILABLE;
        else
            cls[s] = hit ? SL_ECONFLICT : SL_OK;
    }
}

static void dump_case(const pcase *c, uint64_t seed, long iter)
{
    fprintf(stderr, "# failing case: seed %llu iteration %ld base %lld\n",
            (unsigned long long)seed, iter, (long long)c->base);
    fprintf(stderr, "#  duration %lld step %lld buffers %lld/%lld\n",
            (long long)c->p.duration, (long long)c->p.step, (long long)c->p.buffer_before,
            (long long)c->p.buffer_after);
    fprintf(stderr, "#  from %lld to %lld earliest %lld horizon %lld\n",
            (long long)c->p.from, (long long)c->p.to, (long long)c->p.earliest,
            (long long)c->p.horizon);
    for (size_t i = 0; i < c->nav; i++)
        fprintf(stderr, "#  avail [%lld, %lld)\n", (long long)c->av[i].start,
                (long long)c->av[i].end);
    for (size_t i = 0; i < c->nbusy; i++)
        fprintf(stderr, "#  busy [%lld, %lld)\n", (long long)c->busy[i].start,
                (long long)c->busy[i].end);
}

/* One random case against the reference: the full list, a truncated list
 * (SL_ERANGE), and sl__engine_check on every start in and around the span
 * (grid or not). Returns false after reporting a mismatch. */
static bool check_against_reference(uint64_t *st, uint64_t seed, long iter, bool dense)
{
    static int cls[1500];
    static sl_interval out[1500];
    pcase c;
    sl_interval av[MAX_N], busy[MAX_N];
    gen_case(st, &c, dense);
    abs_intervals(&c, av, busy);
    reference(&c, cls);

    size_t n = 0, want = 0;
    int rc = sl_engine_slots(out, N_OF(out), &n, av, c.nav, busy, c.nbusy, &c.p);
    bool ok = rc == SL_OK;
    for (int64_t s = 0; ok && s < c.width; s++) {
        if (cls[s] != SL_OK)
            continue;
        ok = want < n && out[want].start == abs_of(&c, s) &&
             out[want].end == abs_of(&c, s) + c.p.duration;
        want++;
    }
    ok = ok && n == want;
    for (int64_t s = -3; ok && s < c.width + 3; s++) {
        if (c.base == INT64_MIN && s < 0)
            continue;
        if (c.base == INT64_MAX - c.width && s > c.width)
            continue;
        int expect = s >= 0 && s < c.width ? cls[s] : SL_EUNAVAILABLE;
        int got = sl__engine_check(av, c.nav, busy, c.nbusy, &c.p, abs_of(&c, s));
        if (got != expect) {
            fprintf(stderr, "# check(rel %lld) = %s, reference %s\n", (long long)s,
                    sl_strerror(got), sl_strerror(expect));
            ok = false;
        }
    }
    if (ok && want > 0) {
        size_t cap = (size_t)rnd(st, 0, (int64_t)want - 1);
        sl_interval part[1500];
        size_t m = 0;
        ok = sl_engine_slots(cap ? part : NULL, cap, &m, av, c.nav, busy, c.nbusy, &c.p) ==
                 SL_ERANGE &&
             m == want && memcmp(part, out, cap * sizeof *out) == 0;
    }
    if (!ok) {
        fprintf(stderr, "# engine %s, %zu slots; reference %zu\n", sl_strerror(rc), n, want);
        dump_case(&c, seed, iter);
    }
    return ok;
}

static void run_reference_property(const char *name, long iterations, bool dense)
{
    uint64_t seed = sl_test_seed(name);
    uint64_t st = seed;
    long n = sl_test_scale(iterations);
    for (long i = 0; i < n; i++)
        ck_assert_msg(check_against_reference(&st, seed, i, dense),
                      "engine differs from the reference (seed %llu, iteration %ld)",
                      (unsigned long long)seed, i);
}

START_TEST(test_property_matches_reference)
{
    run_reference_property("engine vs reference", 6000, false);
}
END_TEST

START_TEST(test_property_matches_reference_dense)
{
    run_reference_property("engine vs reference (dense)", 600, true);
}
END_TEST

/* The grid never depends on the query range: slots over [from, to) are the
 * slots over all time filtered to [from, to). Realistic scale: minutes,
 * a fortnight of day intervals, many busy sessions. */
START_TEST(test_property_range_does_not_move_grid)
{
    uint64_t seed = sl_test_seed("engine range independence");
    uint64_t st = seed;
    static sl_interval all[SL_MAX_SLOTS], part[SL_MAX_SLOTS];
    long iters = sl_test_scale(1000);
    for (long it = 0; it < iters; it++) {
        sl_interval av[32], busy[32];
        size_t nav = 0, nbusy = 0;
        sl_time t = DAY0 + rnd(&st, 0, 86400);
        for (int d = 0; d < 16 && nav < N_OF(av); d++) {
            /* Windows at odd minutes, sometimes touching the previous one. */
            sl_time a = t + rnd(&st, 0, 12 * 60) * 60;
            sl_time b = a + rnd(&st, 1, 16 * 60) * 60 + rnd(&st, 0, 59);
            av[nav++] = (sl_interval){ a, b };
            t = rnd(&st, 0, 4) == 0 ? b : a + rnd(&st, 0, 30 * 60) * 60;
        }
        for (sl_time b = DAY0; nbusy < N_OF(busy); nbusy++) {
            b += rnd(&st, 0, 20 * 3600);
            busy[nbusy] = (sl_interval){ b, b + rnd(&st, 1, 180) * 60 };
        }
        sl_engine_params p = params(rnd(&st, 1, 180) * 60, rnd(&st, 1, 90) * 60 + rnd(&st, 0, 1));
        p.buffer_before = rnd(&st, 0, 30) * 60;
        p.buffer_after = rnd(&st, 0, 30) * 60;
        p.earliest = DAY0 + rnd(&st, 0, 3 * 86400);
        p.horizon = rnd(&st, 0, 3) ? DAY0 + rnd(&st, 3, 18) * 86400 : INT64_MAX;

        size_t n_all, n_part;
        ck_assert_sl(sl_engine_slots(all, N_OF(all), &n_all, av, nav, busy, nbusy, &p), SL_OK);
        p.from = DAY0 + rnd(&st, 0, 16 * 86400);
        p.to = p.from + rnd(&st, 0, 6 * 86400);
        ck_assert_sl(sl_engine_slots(part, N_OF(part), &n_part, av, nav, busy, nbusy, &p), SL_OK);
        size_t k = 0;
        for (size_t i = 0; i < n_all; i++) {
            if (all[i].start < p.from || all[i].start >= p.to)
                continue;
            ck_assert_msg(k < n_part && part[k].start == all[i].start,
                          "range moved the grid (seed %llu, iteration %ld, slot %zu)",
                          (unsigned long long)seed, it, i);
            k++;
        }
        ck_assert_msg(k == n_part, "extra slots in a narrow range (seed %llu, iteration %ld)",
                      (unsigned long long)seed, it);
        /* Booking agrees with the narrow listing on every grid start there,
         * and never accepts a start that is not listed. */
        for (size_t i = 0; i < n_part; i++)
            ck_assert_sl(sl__engine_check(av, nav, busy, nbusy, &p, part[i].start), SL_OK);
        for (int j = 0; j < 50; j++) {
            sl_time s = p.from + rnd(&st, -3600, 6 * 86400);
            bool listed = false;
            for (size_t i = 0; i < n_part && !listed; i++)
                listed = part[i].start == s;
            int rc = sl__engine_check(av, nav, busy, nbusy, &p, s);
            ck_assert_msg((rc == SL_OK) == listed, "check(%lld) = %s, listed %d (seed %llu)",
                          (long long)s, sl_strerror(rc), listed, (unsigned long long)seed);
        }
    }
}
END_TEST

static SL_TEST_TCASE(tcase_hand, "hand", NULL, NULL, 0, test_overlapping_windows_merged,
                     test_step_differs_from_duration, test_buffers_block_footprints,
                     test_long_busy_outlasts_later_short_one, test_overnight_continuation,
                     test_notice_horizon_and_range_edges, test_duplicate_starts_emitted_once,
                     test_cap_and_erange, test_invalid_inputs, test_extreme_times_do_not_overflow)

static SL_TEST_TCASE(tcase_property, "property", NULL, NULL, 120, test_property_matches_reference,
                     test_property_matches_reference_dense, test_property_range_does_not_move_grid)

SL_TEST_SUITE(engine, tcase_hand, tcase_property)
