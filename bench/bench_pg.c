/*
 * bench/bench_pg.c - bookings/s or posts/s of the library on PostgreSQL,
 * with P client processes, each its own connection (bench/pg_bench.py runs
 * it beside pgbench on the same throwaway cluster).
 *
 *   bench_pg --conninfo STR --mode book|post [--procs P] [--seconds S]
 *            [--durability durable|fast]
 *
 * Setup (not timed), in a fresh schema named in STR ("schema=..."): 4
 * teachers per process, open all week on a 30-min grid, students 1..8 with
 * 10^9 credits each. Process k works on its own 4 teachers (as pgbench -N
 * works on random rows: no contention by design): booking i is a one-hour
 * session at the i-th hour of teacher 1 + 4k + i % 4, holding 1 credit, with
 * a key of its own; post i puts +1 credit on a student. Each process counts
 * its successful calls until S seconds have passed.
 *
 * Prints: ops_per_s (successful calls / s, all processes), failures,
 * cpu_us_per_op (user + system CPU time of the client processes per call:
 * the library's side; the server's CPU is not in it), load1 (the load
 * average after the run).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slotledger.h>

#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)
#define TEACHERS_PER_PROC 4
#define STUDENTS 8

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(sl_db *db, const char *what, int rc)
{
    fprintf(stderr, "bench_pg: %s: %s (%s)\n", what, sl_strerror(rc), sl_errmsg(db));
    exit(1);
}

static void setup(const char *conninfo, int procs, const sl_options *o)
{
    sl_db *db = NULL;
    int rc;
    if ((rc = sl_open(&db, conninfo, o)) != SL_OK)
        die(NULL, "open", rc);
    for (sl_id t = 1; t <= (sl_id)procs * TEACHERS_PER_PROC; t++) {
        sl_tenant ten;
        sl_tenant_init(&ten, SL_TENANT_VERSION);
        ten.id = t;
        ten.step = 1800;
        if ((rc = sl_tenant_put(db, &ten, NOW - DAY)) != SL_OK)
            die(db, "tenant", rc);
        for (int32_t wd = 1; wd <= 7; wd++)
            if ((rc = sl_rule_add(db, NULL, t, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, NOW - DAY)) != SL_OK)
                die(db, "rule", rc);
        for (sl_id s = 1; s <= STUDENTS; s++) {
            char key[32];
            snprintf(key, sizeof(key), "seed-%lld", (long long)s);
            if ((rc = sl_ledger_post(db, NULL, t, s, SL_ENTRY_PURCHASE, 1000000000, key, NULL, NOW)) != SL_OK)
                die(db, "seed", rc);
        }
    }
    sl_close(db);
}

/* One client: successful calls in *ok, failures in *failed. */
static void client(const char *conninfo, int k, int book, double seconds, const sl_options *o, long counts[2])
{
    sl_db *db = NULL;
    int rc;
    if ((rc = sl_open(&db, conninfo, o)) != SL_OK)
        die(NULL, "open", rc);
    double end = now_s() + seconds;
    for (long i = 0; now_s() < end; i++) {
        sl_id tenant = 1 + (sl_id)k * TEACHERS_PER_PROC + (sl_id)(i % TEACHERS_PER_PROC);
        sl_id student = 1 + (sl_id)(i % STUDENTS);
        char key[48];
        if (book) {
            snprintf(key, sizeof(key), "b-%d-%ld", k, i);
            sl_time start = BASE + (sl_time)(i / TEACHERS_PER_PROC) * 3600;
            rc = sl_book(db, NULL, tenant, student, start, 3600, 1, key, NOW);
        } else {
            snprintf(key, sizeof(key), "p-%d-%ld", k, i);
            rc = sl_ledger_post(db, NULL, tenant, student, SL_ENTRY_PURCHASE, 1, key, NULL, NOW);
        }
        counts[rc == SL_OK ? 0 : 1]++;
    }
    sl_close(db);
}

int main(int argc, char **argv)
{
    const char *conninfo = NULL, *mode = "book";
    int procs = 1;
    double seconds = 5;
    sl_options o = SL_OPTIONS_INIT;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--conninfo") == 0)
            conninfo = argv[i + 1];
        else if (strcmp(argv[i], "--mode") == 0)
            mode = argv[i + 1];
        else if (strcmp(argv[i], "--procs") == 0)
            procs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--durability") == 0)
            o.durability = strcmp(argv[i + 1], "fast") == 0 ? SL_FAST : SL_DURABLE;
    }
    if (!conninfo || procs < 1 || procs > 64 || seconds <= 0) {
        fprintf(stderr, "usage: bench_pg --conninfo STR --mode book|post [--procs P] [--seconds S] "
                        "[--durability durable|fast]\n");
        return 2;
    }
    int book = strcmp(mode, "post") != 0;
    setup(conninfo, procs, &o);

    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    double t0 = now_s();
    for (int k = 0; k < procs; k++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            long counts[2] = {0, 0};
            close(fds[0]);
            client(conninfo, k, book, seconds, &o, counts);
            if (write(fds[1], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
                _exit(3);
            _exit(0);
        }
    }
    close(fds[1]);
    long ok = 0, failed = 0, counts[2];
    for (int k = 0; k < procs; k++) {
        if (read(fds[0], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
            return 1;
        ok += counts[0];
        failed += counts[1];
    }
    while (wait(NULL) > 0)
        ;
    double elapsed = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    double load[1] = {0};
    getloadavg(load, 1);
    printf("mode=%s\nprocs=%d\nops_per_s=%.1f\nfailures=%ld\ncpu_us_per_op=%.1f\nload1=%.2f\n", book ? "book" : "post",
           procs, (double)ok / elapsed, failed, ok ? cpu * 1e6 / (double)ok : 0.0, load[0]);
    return failed == 0 ? 0 : 1;
}
