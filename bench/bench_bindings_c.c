/*
 * bench/bench_bindings_c.c - the C side of bench/bindings_bench.py: the
 * sl_slots call that the Python and Node bindings wrap, timed in blocks
 * the driver asks for, so that C and the bindings are measured interleaved
 * in the same run on the same data set.
 *
 *   bench_bindings_c DB TEACHER FROM TO DURATION NOW
 *
 * Opens DB (a SQLite file, SL_FAST; the data set of bench_slots --keep),
 * prints "ready", then reads one number N per line from stdin: it makes N
 * calls of sl_slots(db, buf, 1024, ...) (a caller buffer of 1,024 slots,
 * as the bindings use) and prints one line
 *   "CPU_NS WALL_NS SLOTS"
 * (the block's process CPU time and wall-clock time, and the slots of the
 * last call). End of input ends the program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_util.h"

#define CAP 1024

static double process_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    static sl_interval buf[CAP];
    char line[64];
    if (argc != 7)
        bench_die("usage: bench_bindings_c DB TEACHER FROM TO DURATION NOW");
    sl_db *db = bench_open_sqlite(argv[1], SL_FAST);
    sl_id teacher = strtoll(argv[2], NULL, 10);
    sl_time from = strtoll(argv[3], NULL, 10), to = strtoll(argv[4], NULL, 10);
    int64_t duration = strtoll(argv[5], NULL, 10);
    sl_time now = strtoll(argv[6], NULL, 10);
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        long long n = strtoll(line, NULL, 10);
        size_t count = 0;
        double c0 = process_cpu_ns(), t0 = bench_now_ns();
        for (long long i = 0; i < n; i++)
            bench_check(db, sl_slots(db, buf, CAP, &count, NULL, teacher, from, to, duration, now), "sl_slots");
        double t1 = bench_now_ns(), c1 = process_cpu_ns();
        printf("%.0f %.0f %zu\n", c1 - c0, t1 - t0, count);
        fflush(stdout);
    }
    sl_close(db);
    return 0;
}
