/*
 * bench/bench_pg.c - bookings/s or posts/s of the library on PostgreSQL,
 * with P client processes, each its own connection (bench/pg_bench.py runs
 * it beside pgbench's custom scripts, the peer, on the same cluster).
 *
 *   bench_pg --conninfo STR --mode setup|book|post [--procs P] [--seconds S]
 *            [--durability durable|fast] [--teachers T] [--window W]
 *
 * setup (once per schema, named in STR as "schema=..."): T teachers (default
 * 40), open all week on a 30-min grid, students 1..8 each with 10^9 credits.
 * book: each call books a random teacher among T, a random student, a
 * 60-min session at a random 30-min grid start in the 14 days of window W
 * (window W starts W * 14 days after 2030-01-07, so each block of a run
 * gets an empty calendar, as the peer's block does), holding 1 credit,
 * with a key of its own; SL_ECONFLICT is a refused booking, not a failure.
 * post: +1 credit on a random student of a random teacher, keyed. The
 * workload is the peer's (bench/pg_peer_book.sql, bench/pg_peer_post.sql).
 *
 * Prints: ops_per_s (successful calls / s, all processes), refused_per_s
 * (SL_ECONFLICT / s), failures (any other error), cpu_us_per_op (user +
 * system CPU time of the client processes per call attempted: the library's
 * side; the server's CPU is not in it), load1 (the load average after).
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
#define STUDENTS 8
#define WINDOW (14 * DAY)
#define GRID 1800

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

static void setup(const char *conninfo, int teachers, const sl_options *o)
{
    sl_db *db = NULL;
    int rc;
    if ((rc = sl_open(&db, conninfo, o)) != SL_OK)
        die(NULL, "open", rc);
    for (sl_id t = 1; t <= (sl_id)teachers; t++) {
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

/* xorshift64*: each process its own stream. */
static uint64_t rnd(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 2685821657736338717ULL;
}

/* One client: successful calls in counts[0], refused bookings
 * (SL_ECONFLICT) in counts[1], other failures in counts[2]. */
static void client(const char *conninfo, int k, int book, int teachers, int window, double seconds,
                   const sl_options *o, long counts[3])
{
    sl_db *db = NULL;
    int rc;
    if ((rc = sl_open(&db, conninfo, o)) != SL_OK)
        die(NULL, "open", rc);
    uint64_t x = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(k + 1) * 1000003u) ^ ((uint64_t)window << 32);
    const sl_time w0 = BASE + (sl_time)window * WINDOW;
    double end = now_s() + seconds;
    for (long i = 0; now_s() < end; i++) {
        sl_id tenant = 1 + (sl_id)(rnd(&x) % (uint64_t)teachers);
        sl_id student = 1 + (sl_id)(rnd(&x) % STUDENTS);
        char key[64];
        if (book) {
            snprintf(key, sizeof(key), "b-%d-%d-%ld", window, k, i);
            sl_time start = w0 + (sl_time)(rnd(&x) % (WINDOW / GRID)) * GRID;
            rc = sl_book(db, NULL, tenant, student, start, 3600, 1, key, w0 - DAY);
        } else {
            snprintf(key, sizeof(key), "p-%d-%d-%ld", window, k, i);
            rc = sl_ledger_post(db, NULL, tenant, student, SL_ENTRY_PURCHASE, 1, key, NULL, w0 - DAY);
        }
        if (rc != SL_OK && rc != SL_ECONFLICT && counts[2] == 0)
            fprintf(stderr, "bench_pg: client %d: %s (%s)\n", k, sl_strerror(rc), sl_errmsg(db));
        counts[rc == SL_OK ? 0 : rc == SL_ECONFLICT ? 1 : 2]++;
    }
    sl_close(db);
}

int main(int argc, char **argv)
{
    const char *conninfo = NULL, *mode = "book";
    int procs = 1, teachers = 40, window = 0;
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
        else if (strcmp(argv[i], "--teachers") == 0)
            teachers = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--window") == 0)
            window = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--durability") == 0)
            o.durability = strcmp(argv[i + 1], "fast") == 0 ? SL_FAST : SL_DURABLE;
    }
    int book = strcmp(mode, "book") == 0, post = strcmp(mode, "post") == 0;
    if (!conninfo || procs < 1 || procs > 64 || seconds <= 0 || teachers < 1 || teachers > 100000 || window < 0 ||
        window > 10000 || (!book && !post && strcmp(mode, "setup") != 0)) {
        fprintf(stderr, "usage: bench_pg --conninfo STR --mode setup|book|post [--procs P] [--seconds S] "
                        "[--durability durable|fast] [--teachers T] [--window W]\n");
        return 2;
    }
    if (!book && !post) {
        setup(conninfo, teachers, &o);
        printf("mode=setup\nteachers=%d\n", teachers);
        return 0;
    }

    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    double t0 = now_s();
    for (int k = 0; k < procs; k++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            long counts[3] = {0, 0, 0};
            close(fds[0]);
            client(conninfo, k, book, teachers, window, seconds, &o, counts);
            if (write(fds[1], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
                _exit(3);
            _exit(0);
        }
    }
    close(fds[1]);
    long ok = 0, refused = 0, failed = 0, counts[3];
    for (int k = 0; k < procs; k++) {
        if (read(fds[0], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
            return 1;
        ok += counts[0];
        refused += counts[1];
        failed += counts[2];
    }
    while (wait(NULL) > 0)
        ;
    double elapsed = now_s() - t0;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    long calls = ok + refused + failed;
    double load[1] = {0};
    getloadavg(load, 1);
    printf("mode=%s\nprocs=%d\ncalls=%ld\nops_per_s=%.1f\nrefused_per_s=%.1f\nfailures=%ld\ncpu_us_per_op=%.1f\n"
           "load1=%.2f\n",
           book ? "book" : "post", procs, calls, (double)ok / elapsed, (double)refused / elapsed, failed,
           calls ? cpu * 1e6 / (double)calls : 0.0, load[0]);
    return failed == 0 ? 0 : 1;
}
