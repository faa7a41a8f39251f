/*
 * bench/bench_book.c - sl_book throughput on SQLite (WAL), one process or
 * several contending for the same teachers, then a raw-SQL self-join that
 * counts double bookings (must be 0).
 *
 *   bench_book --db PATH [--teachers 100] [--bookings N] [--procs 1|2]
 *              [--durability fast|durable] [--credits 1] [--max-seconds S]
 *
 * Setup (not timed): the teachers of the data set (zones, rules,
 * overrides), no sessions, a purchase of 40 credits per student. Then each
 * process walks the same list: booking i goes to teacher 1 + i % T at that
 * teacher's (i / T)-th bookable hour after now, for a random student, with
 * `credits` (a credit hold in the same transaction) and an idempotency key
 * of its own. With two processes every slot is attempted twice: one wins,
 * the other gets SL_ECONFLICT (SL_EBUSY is retried and counted).
 *
 * Figures: book: attempts per second of all processes together. With one
 * process, the per-batch rates of 100 calls; with several, the total rate
 * in 1 s windows of the interval in which every process was running
 * (each process records when each of its batches ended, on the shared
 * monotonic clock), so book_mean = the attempts completed by all processes
 * in that interval / its length: a rate the processes reached together, not
 * a sum of rates measured at different moments. book_ok_mean: successful
 * bookings / s of all processes over the whole run (first start to last
 * end). book_cpu_us: the processes' CPU time (user + system) per attempt.
 * book_latency (us per call), busy_retries, conflicts, double_bookings,
 * sessions, loadavg_start / loadavg_end.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define BATCH 100
#define MAX_PROCS 4
#define MAX_SAMPLES 200000

typedef struct proc_result {
    long long attempts, ok, conflicts, busy, other;
    double seconds, t_start, t_end; /* bench_now_ns(), shared by the processes */
    long n_rates, n_lat;
    double rates[MAX_SAMPLES / BATCH + 1];
    double batch_end[MAX_SAMPLES / BATCH + 1];
    double lat[MAX_SAMPLES];
} proc_result;

static void run_proc(const char *path, int durability, int proc, int teachers, long long bookings,
                     sl_time **starts, const size_t *n_starts, int64_t credits, double max_s, uint64_t seed,
                     proc_result *r)
{
    sl_db *db = bench_open_sqlite(path, durability);
    bench_rng rng;
    bench_rng_seed(&rng, seed + (uint64_t)proc * 7919);
    char key[64];
    double start = bench_now_ns(), b0 = start;
    long in_batch = 0;
    r->t_start = start;
    for (long long i = 0; i < bookings; i++) {
        int t = 1 + (int)(i % teachers);
        size_t k = (size_t)(i / teachers);
        if (k >= n_starts[t])
            break;
        sl_id student = bench_student(t, BENCH_STUDENTS_PER_TEACHER,
                                      (int)bench_rng_below(&rng, BENCH_STUDENTS_PER_TEACHER));
        snprintf(key, sizeof key, "b:%d:%d:%zu", proc, t, k);
        double t0 = bench_now_ns();
        int rc;
        while ((rc = sl_book(db, NULL, t, student, starts[t][k], 3600, credits, key, BENCH_NOW)) == SL_EBUSY)
            r->busy++;
        double t1 = bench_now_ns();
        r->attempts++;
        if (rc == SL_OK)
            r->ok++;
        else if (rc == SL_ECONFLICT)
            r->conflicts++;
        else {
            if (r->other++ == 0)
                fprintf(stderr, "bench_book: booking %lld: %s: %s\n", i, sl_strerror(rc), sl_errmsg(db));
        }
        if (r->n_lat < MAX_SAMPLES)
            r->lat[r->n_lat++] = (t1 - t0) / 1e3;
        if (++in_batch == BATCH) {
            if (r->n_rates < MAX_SAMPLES / BATCH + 1) {
                r->batch_end[r->n_rates] = t1;
                r->rates[r->n_rates++] = BATCH / ((t1 - b0) / 1e9);
            }
            b0 = t1;
            in_batch = 0;
            if ((t1 - start) / 1e9 > max_s)
                break;
        }
    }
    r->t_end = bench_now_ns();
    r->seconds = (r->t_end - start) / 1e9;
    sl_close(db);
}

/* Rates of all processes together. One process: its per-batch rates.
 * Several: the interval in which all of them ran, [latest start, earliest
 * end], cut into 1 s windows; a window's rate is BATCH times the batches
 * (of any process) that ended in it, over its length. *ops and *secs: the
 * attempts completed in the interval and its length. */
static void total_rates(const proc_result *res, int procs, bench_samples *out, double *ops, double *secs)
{
    double lo = res[0].t_start, hi = res[0].t_end;
    for (int p = 1; p < procs; p++) {
        lo = res[p].t_start > lo ? res[p].t_start : lo;
        hi = res[p].t_end < hi ? res[p].t_end : hi;
    }
    *ops = 0;
    *secs = hi > lo ? (hi - lo) / 1e9 : 0;
    if (procs == 1) {
        for (long i = 0; i < res[0].n_rates; i++)
            bench_samples_add(out, res[0].rates[i]);
        *ops = (double)res[0].attempts;
        *secs = res[0].seconds;
        return;
    }
    const double win = 1e9;
    for (double w = lo; w + win <= hi; w += win) {
        long n = 0;
        for (int p = 0; p < procs; p++)
            for (long i = 0; i < res[p].n_rates; i++)
                n += res[p].batch_end[i] >= w && res[p].batch_end[i] < w + win;
        bench_samples_add(out, (double)n * BATCH / (win / 1e9));
    }
    for (int p = 0; p < procs; p++)
        for (long i = 0; i < res[p].n_rates; i++)
            *ops += (res[p].batch_end[i] >= lo && res[p].batch_end[i] <= hi) ? BATCH : 0;
}

static long long double_bookings(const char *path, long long *sessions)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long long n = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        bench_die("raw open %s: %s", path, sqlite3_errmsg(h));
    const char *sql =
        "SELECT count(*) FROM sessions a JOIN sessions b"
        " ON b.tenant = a.tenant AND b.id > a.id"
        " AND b.start_at > a.start_at - 86400 AND b.start_at < a.end_at AND a.start_at < b.end_at"
        " WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL AND a.status <> 3 AND b.status <> 3";
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
        bench_die("self-join: %s", sqlite3_errmsg(h));
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM sessions", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        bench_die("count: %s", sqlite3_errmsg(h));
    *sessions = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

int main(int argc, char **argv)
{
    const char *path = bench_arg(argc, argv, "--db", "bench_book.db");
    int teachers = (int)bench_arg_int(argc, argv, "--teachers", 100);
    long long bookings = bench_arg_int(argc, argv, "--bookings", 40000);
    int procs = (int)bench_arg_int(argc, argv, "--procs", 1);
    int64_t credits = bench_arg_int(argc, argv, "--credits", 1);
    double max_s = (double)bench_arg_int(argc, argv, "--max-seconds", 20);
    uint64_t seed = (uint64_t)bench_arg_int(argc, argv, "--seed", 42);
    int durability = bench_arg_durability(argc, argv);
    if (procs < 1 || procs > MAX_PROCS)
        bench_die("--procs 1..%d", MAX_PROCS);
    if (teachers < 1)
        bench_die("--teachers must be >= 1");

    bench_kv_sqlite("book", durability);
    bench_kv_int("procs", procs);
    bench_kv_int("scale", teachers);
    bench_kv_int("credits", credits);

    bench_dataset_opts o = {teachers, 0, BENCH_STUDENTS_PER_TEACHER, 1, BENCH_LOAD_MANY, seed};
    sl_close(bench_dataset_file(path, durability, &o));

    /* Each teacher's bookable hours from now + 2 h on, enough for the run. */
    sl_time **starts;
    size_t *n_starts;
    bench_starts_make(teachers, (size_t)(bookings / teachers) + 2, &starts, &n_starts);

    proc_result *res = mmap(NULL, sizeof(proc_result) * (size_t)procs, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED)
        bench_die("mmap");
    memset(res, 0, sizeof(proc_result) * (size_t)procs);
    bench_kv_num("loadavg_start", bench_loadavg());
    double w0 = bench_now_ns();
    for (int p = 0; p < procs; p++) {
        pid_t pid = fork();
        if (pid < 0)
            bench_die("fork");
        if (pid == 0) {
            run_proc(path, durability, p, teachers, bookings, starts, n_starts, credits, max_s, seed, &res[p]);
            _exit(0);
        }
    }
    int failed = 0;
    for (int p = 0; p < procs; p++) {
        int status = 0;
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed = 1;
    }
    double wall = (bench_now_ns() - w0) / 1e9;
    if (failed)
        bench_die("a booking process failed");

    bench_samples rates, lat;
    bench_samples_init(&rates);
    bench_samples_init(&lat);
    long long attempts = 0, ok = 0, conflicts = 0, busy = 0, other = 0;
    for (int p = 0; p < procs; p++) {
        attempts += res[p].attempts;
        ok += res[p].ok;
        conflicts += res[p].conflicts;
        busy += res[p].busy;
        other += res[p].other;
        for (long i = 0; i < res[p].n_lat; i++)
            bench_samples_add(&lat, res[p].lat[i]);
    }
    double overlap_ops = 0, overlap_s = 0;
    total_rates(res, procs, &rates, &overlap_ops, &overlap_s);
    bench_print_rate("book", &rates, attempts, 0, "bookings/s");
    bench_kv_num("book_mean", overlap_s > 0 ? overlap_ops / overlap_s : 0);
    bench_kv_num("book_overlap_s", overlap_s);
    bench_kv_num("book_cpu_us", attempts ? bench_cpu_ns(1) / (double)attempts / 1e3 : 0);
    bench_kv_num("loadavg_end", bench_loadavg());
    bench_print_latency("book_latency", &lat, attempts, "us");
    bench_kv_num("book_ok_mean", (double)ok / wall);
    bench_kv_int("book_ok", ok);
    bench_kv_int("conflicts", conflicts);
    bench_kv_int("busy_retries", busy);
    bench_kv_int("other_errors", other);
    long long sessions = 0;
    long long dbl = double_bookings(path, &sessions);
    bench_kv_int("sessions", sessions);
    bench_kv_int("double_bookings", dbl);
    bench_kv_int("peak_rss_kb", bench_children_peak_rss_kb());
    munmap(res, sizeof(proc_result) * (size_t)procs);
    bench_starts_free(teachers, starts, n_starts);
    bench_samples_free(&rates);
    bench_samples_free(&lat);
    if (!bench_arg_flag(argc, argv, "--keep"))
        bench_remove_db(path);
    return dbl == 0 && other == 0 && sessions == ok ? 0 : 1;
}
