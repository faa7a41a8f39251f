/*
 * bench/bench_util.h - helpers shared by the benchmark programs: a seeded
 * RNG, a monotonic clock, percentiles, "name=value" output, peak RSS, and
 * the deterministic data-set builder (bench/dataset.c).
 *
 * Output convention (the same as bench_engine.c): one "name=value" line per
 * figure on stdout, no spaces in values. A timed figure FIG prints
 *   FIG_iterations=N  FIG_p50=..  FIG_p99=..  FIG_max=..  FIG_unit=..
 * and, for rates, FIG_mean (operations / total time). For a latency
 * (unit us or ns) p99 and max are the slow tail and the slowest sample; for
 * a rate (unit ops/s, entries/s, ...) each sample is one batch's rate and
 * p99 / max are likewise the slow tail: the rate 99% of batches beat and the
 * slowest batch. bench/run.py reads these lines.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "slotledger.h"

/* The benchmark's "today": Monday 2026-11-30 06:00 UTC. Every program passes
 * it as `now`, so runs are reproducible whatever the wall clock says. */
#define BENCH_NOW ((sl_time)1795996800 + 6 * 3600)
#define BENCH_DAY ((sl_time)86400)
#define BENCH_HOUR ((sl_time)3600)

/* --- RNG: splitmix64, seeded ------------------------------------------- */
typedef struct bench_rng {
    uint64_t s;
} bench_rng;
void bench_rng_seed(bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(bench_rng *r);
/* Uniform in [0, n), n > 0. */
uint64_t bench_rng_below(bench_rng *r, uint64_t n);

/* --- clock, samples ------------------------------------------------------ */
double bench_now_ns(void);

typedef struct bench_samples {
    double *v;
    size_t n, cap;
} bench_samples;
void bench_samples_init(bench_samples *s);
void bench_samples_add(bench_samples *s, double x);
void bench_samples_free(bench_samples *s);

/* Print FIG_iterations / _p50 / _p99 / _max / _unit for latency samples
 * (higher is worse). iterations: the operations the samples stand for. */
void bench_print_latency(const char *fig, bench_samples *s, long long iterations, const char *unit);
/* The same for rate samples (lower is worse: p99 is the 1st percentile, max
 * the slowest sample) plus FIG_mean = ops / seconds. */
void bench_print_rate(const char *fig, bench_samples *s, long long ops, double seconds, const char *unit);

void bench_kv_str(const char *name, const char *value);
void bench_kv_int(const char *name, long long value);
void bench_kv_num(const char *name, double value);

/* CPU time (user + system, getrusage) of this process (children = 0) or
 * of its waited-for children (children = 1), in ns: write figures report
 * it per operation (FIG_cpu_us), which the machine's load moves much less
 * than wall-clock rates. */
double bench_cpu_ns(int children);
/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), ns. */
double bench_thread_cpu_ns(void);
/* The 1-minute load average (getloadavg), -1 if unknown. */
double bench_loadavg(void);

/* Peak resident set of this process (getrusage ru_maxrss), KiB. */
long bench_peak_rss_kb(void);
/* ... and of the waited-for children. */
long bench_children_peak_rss_kb(void);

/* Die with a message naming the call and the library's error. */
void bench_check(sl_db *db, int rc, const char *what);
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
void bench_die(const char *fmt, ...);

/* --- argument parsing: --name value ------------------------------------ */
const char *bench_arg(int argc, char **argv, const char *name, const char *dflt);
long long bench_arg_int(int argc, char **argv, const char *name, long long dflt);
int bench_arg_flag(int argc, char **argv, const char *name);

/* Set on a raw SQLite connection (before its first write) exactly the
 * pragmas lib/store/sqlite.c sets on its own: 2 KiB pages, WAL, a 5 s busy
 * timeout, foreign_keys, and for fast (SL_FAST) synchronous = NORMAL,
 * wal_autocheckpoint = 10000, journal_size_limit = 64 MiB, else (SL_DURABLE)
 * synchronous = FULL with SQLite's default checkpoint interval. The raw
 * baselines use it so that no ratio is flattered by different settings. */
struct sqlite3;
void bench_raw_pragmas(struct sqlite3 *h, int fast);

/* The raw baselines' row the size of a ledger entry (bench_raw, bench_write):
 * the INSERT to prepare, and its 12 values bound into st (hold 0, created at
 * BENCH_NOW, reference "bench", a fixed 16-byte fingerprint and 32-byte
 * hash; key copied). */
#define BENCH_RAW_ENTRY_INSERT                                                                 \
    "INSERT INTO entries (tenant, account, seq, kind, amount, balance_after, hold_id,"        \
    " created_at, idem_key, reference, request_hash, hash)"                                    \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
struct sqlite3_stmt;
void bench_raw_bind_entry(struct sqlite3_stmt *st, long long tenant, long long account, long long seq,
                          int kind, long long amount, long long balance_after, const char *key);

/* --durability fast|durable (default fast): SL_FAST or SL_DURABLE. */
int bench_arg_durability(int argc, char **argv);
/* The first lines of a program on a SQLite file: bench=NAME, backend=sqlite,
 * durability=fast|durable. */
void bench_kv_sqlite(const char *bench, int durability);

/* Open a SQLite file handle (durability SL_FAST or SL_DURABLE). */
sl_db *bench_open_sqlite(const char *path, int durability);
sl_db *bench_open_memory(void);
/* Remove a SQLite file with its -wal and -shm. */
void bench_remove_db(const char *path);

/* --- the data set (bench/dataset.c) ------------------------------------ */
#define BENCH_STUDENTS_PER_TEACHER 50
#define BENCH_SESSIONS_PER_TEACHER 500
#define BENCH_PAST_DAYS 183   /* sessions spread over the past six months ... */
#define BENCH_FUTURE_DAYS 14  /* ... and the next two weeks */

/* How sessions are written. */
#define BENCH_LOAD_MANY 0     /* sl_book_many batches of up to 100, now = the past */
#define BENCH_LOAD_MANUAL 1   /* one sl_schedule_manual per session */

typedef struct bench_dataset_opts {
    int teachers;             /* tenants 1..teachers */
    int sessions;             /* per teacher (default 500) */
    int students;             /* per teacher (default 50) */
    int ledger;               /* 1: a ledger history per student */
    int load;                 /* BENCH_LOAD_* */
    uint64_t seed;
} bench_dataset_opts;

typedef struct bench_dataset_stats {
    long long tenants, rules, overrides, sessions, entries, transactions;
    double seconds_setup, seconds_sessions, seconds_ledger;
} bench_dataset_stats;

/* The zone of teacher t (a fixed mixed list). */
const char *bench_zone(int teacher);
/* Student ids of teacher t: (t - 1) * students + 1 .. t * students. */
sl_id bench_student(int teacher, int students, int k);

/* Build the data set into db (deterministic for a seed). */
void bench_dataset_build(sl_db *db, const bench_dataset_opts *o, bench_dataset_stats *st);
/* Remove the SQLite file path (with its -wal, -shm), open it with durability
 * and build the data set into it: the open handle. */
sl_db *bench_dataset_file(const char *path, int durability, const bench_dataset_opts *o);

/* Bookable hourly starts of teacher t (by its weekly rules, minus the
 * override dates the builder sets) in [from, to), sorted; returns the count
 * written (at most cap). */
size_t bench_teacher_starts(sl_time *out, size_t cap, int teacher, sl_time from, sl_time to);
/* Each teacher's bookable starts from BENCH_NOW + 2 h on, at most per of them
 * (40 a week, so as many weeks as per needs): (*starts)[t] holds
 * (*n_starts)[t] of them for t = 1..teachers (index 0 unused). Dies when out
 * of memory; bench_starts_free frees all of it. */
void bench_starts_make(int teachers, size_t per, sl_time ***starts, size_t **n_starts);
void bench_starts_free(int teachers, sl_time **starts, size_t *n_starts);

#endif
