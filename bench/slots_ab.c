/*
 * bench/slots_ab.c - a fixed sl_slots workload for comparing two builds or
 * two schemas on one data set (bench/README.md, "Instructions per
 * operation"): N calls for random teachers (fixed seed), 14 days, 60
 * minutes, after W warm-up calls; prints the slots found (equal between the
 * builds compared) and the calls' CPU time p50 / p99. Under callgrind,
 * (instructions with N) - (instructions with N = 0) is the cost of N calls.
 *
 *   slots_ab DB N TEACHERS [W=200]
 *   LD_LIBRARY_PATH=OTHER_BUILD slots_ab ...   # the other library
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

static sl_interval buf[SL_MAX_SLOTS];

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s DB N TEACHERS [WARMUP]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[2]), teachers = atoi(argv[3]), warm = argc > 4 ? atoi(argv[4]) : 200;
    if (n < 0 || teachers < 1 || warm < 0)
        bench_die("N >= 0, TEACHERS >= 1, WARMUP >= 0");
    sl_db *db = bench_open_sqlite(argv[1], SL_FAST);
    bench_rng rng;
    bench_rng_seed(&rng, 42);
    double *v = malloc(sizeof(double) * (size_t)(n + 1));
    if (!v)
        bench_die("out of memory");
    long long slots = 0;
    for (int i = -warm; i < n; i++) {
        int t = 1 + (int)bench_rng_below(&rng, (uint64_t)teachers);
        size_t k = 0;
        double c0 = bench_thread_cpu_ns();
        bench_check(db, sl_slots(db, buf, SL_MAX_SLOTS, &k, NULL, t, BENCH_NOW, BENCH_NOW + 14 * BENCH_DAY, 3600,
                                 BENCH_NOW),
                    "sl_slots");
        double c1 = bench_thread_cpu_ns();
        if (i >= 0) {
            v[i] = (c1 - c0) / 1e3;
            slots += (long long)k;
        }
    }
    qsort(v, (size_t)n, sizeof(double), cmp);
    bench_kv_int("calls", n);
    bench_kv_int("slots", slots);
    bench_kv_num("cpu_p50_us", n ? v[n / 2] : 0);
    bench_kv_num("cpu_p99_us", n ? v[n * 99 / 100] : 0);
    sl_close(db);
    free(v);
    return 0;
}
