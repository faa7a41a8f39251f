/*
 * bench/bench_engine.c - the pure slot engine on docs/design.md's target
 * workload: 14 days of a 5-day week (one 09:00-17:00 UTC interval per
 * weekday, 10 intervals), 60-minute sessions on a 60-minute grid, 30 busy
 * sessions, target <= 2 us per call on one core.
 *
 * Method: calls are timed in batches of BATCH with CLOCK_MONOTONIC; a
 * batch's time / BATCH is one per-call sample, and the percentiles are over
 * the samples. A baseline (a memcpy of one call's output) is timed the same
 * way in the same run, so figures from different machines can be compared
 * through the ratio. The target (a per-call cost) is judged on p50;
 * target_met_p99 also reports p99, which on a loaded machine mostly
 * measures preemption of the ~1 ms batches rather than the engine.
 *
 * Output: one "name=value" line per figure on stdout (no spaces in values),
 * for scripts to collect, e.g.
 *   bench=engine
 *   iterations=2000000
 *   engine_p50_ns=412.3
 *   ...
 *   target_met=yes
 * Exit status: 0 when the run is valid (the engine returned the expected
 * slots), 1 otherwise; missing the target is reported, not an error, since
 * timing depends on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slotledger.h"

#define BATCH 1000
#define BATCHES 2000
#define WARMUP_BATCHES 50
#define TARGET_NS 2000.0

#define DAY 86400
#define HOUR 3600
#define MONDAY ((sl_time)1795996800)   /* 2026-11-30T00:00:00Z */

typedef struct workload {
    sl_interval avail[10];
    sl_interval busy[30];
    sl_engine_params p;
    sl_interval out[SL_MAX_SLOTS];
    size_t count;
} workload;

/* Three one-hour sessions a weekday at shifting hours, sorted by start. */
static void workload_init(workload *w)
{
    size_t na = 0, nb = 0;
    for (int d = 0; d < 14; d++) {
        if (d % 7 >= 5)
            continue;   /* Saturday, Sunday */
        sl_time day = MONDAY + (sl_time)d * DAY;
        w->avail[na++] = (sl_interval){ day + 9 * HOUR, day + 17 * HOUR };
        const int hours[3] = { 9 + d % 3, 12 + d % 2, 15 + d % 2 };
        for (int k = 0; k < 3; k++) {
            sl_time s = day + hours[k] * HOUR;
            w->busy[nb++] = (sl_interval){ s, s + HOUR };
        }
    }
    memset(&w->p, 0, sizeof w->p);
    w->p.version = SL_ENGINE_VERSION;
    w->p.duration = HOUR;
    w->p.step = HOUR;
    w->p.from = MONDAY;
    w->p.to = MONDAY + 14 * DAY;
    w->p.earliest = MONDAY;
    w->p.horizon = INT64_MAX;
}

static int run_engine(workload *w)
{
    return sl_engine_slots(w->out, SL_MAX_SLOTS, &w->count, w->avail, 10, w->busy, 30, &w->p);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct stats {
    double p50, p99, max;
} stats;

static stats summarize(double *samples, int n)
{
    qsort(samples, (size_t)n, sizeof *samples, cmp_double);
    return (stats){ samples[n / 2], samples[n * 99 / 100], samples[n - 1] };
}

/* Per-call samples of the engine; returns the last result code. */
static int time_engine(workload *w, double *samples)
{
    int rc = SL_OK;
    for (int b = -WARMUP_BATCHES; b < BATCHES; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BATCH; i++)
            rc |= run_engine(w);
        if (b >= 0)
            samples[b] = (now_ns() - t0) / BATCH;
    }
    return rc;
}

/* The baseline: copying one call's output, through a volatile pointer so
 * the compiler keeps every copy. */
static void time_baseline(const workload *w, double *samples)
{
    static sl_interval dst[SL_MAX_SLOTS];
    void *(*volatile copy)(void *, const void *, size_t) = memcpy;
    size_t bytes = w->count * sizeof *w->out;
    for (int b = -WARMUP_BATCHES; b < BATCHES; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BATCH; i++)
            copy(dst, w->out, bytes);
        if (b >= 0)
            samples[b] = (now_ns() - t0) / BATCH;
    }
}

int main(void)
{
    static workload w;
    static double engine[BATCHES], base[BATCHES];
    workload_init(&w);

    /* 10 weekdays x 8 hours, less the 30 busy hours. */
    if (run_engine(&w) != SL_OK || w.count != 50) {
        fprintf(stderr, "bench_engine: unexpected result (%zu slots)\n", w.count);
        return 1;
    }
    if (time_engine(&w, engine) != SL_OK) {
        fprintf(stderr, "bench_engine: the engine failed while timed\n");
        return 1;
    }
    time_baseline(&w, base);
    stats e = summarize(engine, BATCHES), b = summarize(base, BATCHES);

    printf("bench=engine\n");
    printf("workload=14d_5day_week_10_intervals_60min_30_busy\n");
    printf("slots=%zu\n", w.count);
    printf("iterations=%d\n", BATCH * BATCHES);
    printf("engine_p50_ns=%.1f\n", e.p50);
    printf("engine_p99_ns=%.1f\n", e.p99);
    printf("engine_max_ns=%.1f\n", e.max);
    printf("baseline=memcpy_%zu_bytes\n", w.count * sizeof *w.out);
    printf("baseline_p50_ns=%.1f\n", b.p50);
    printf("baseline_p99_ns=%.1f\n", b.p99);
    printf("ratio_p50=%.1f\n", b.p50 > 0 ? e.p50 / b.p50 : 0.0);
    printf("target_ns=%.0f\n", TARGET_NS);
    printf("target_met=%s\n", e.p50 <= TARGET_NS ? "yes" : "no");
    printf("target_met_p99=%s\n", e.p99 <= TARGET_NS ? "yes" : "no");
    return 0;
}
