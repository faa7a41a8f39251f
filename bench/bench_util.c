/*
 * bench/bench_util.c - see bench_util.h.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

void bench_rng_seed(bench_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x9e3779b97f4a7c15ull;
}

uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t bench_rng_below(bench_rng *r, uint64_t n)
{
    return bench_rng_next(r) % n; /* the bias is irrelevant here */
}

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void bench_samples_init(bench_samples *s)
{
    memset(s, 0, sizeof(*s));
}

void bench_samples_add(bench_samples *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        double *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            bench_die("out of memory for samples");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
}

void bench_samples_free(bench_samples *s)
{
    free(s->v);
    bench_samples_init(s);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *key(char *buf, size_t cap, const char *fig, const char *suffix)
{
    snprintf(buf, cap, "%s_%s", fig, suffix);
    return buf;
}

void bench_print_latency(const char *fig, bench_samples *s, long long iterations, const char *unit)
{
    char k[128];
    bench_kv_int(key(k, sizeof k, fig, "iterations"), iterations);
    bench_kv_str(key(k, sizeof k, fig, "unit"), unit);
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof(double), cmp_double);
    bench_kv_num(key(k, sizeof k, fig, "p50"), s->v[s->n / 2]);
    bench_kv_num(key(k, sizeof k, fig, "p99"), s->v[(s->n * 99) / 100]);
    bench_kv_num(key(k, sizeof k, fig, "max"), s->v[s->n - 1]);
}

void bench_print_rate(const char *fig, bench_samples *s, long long ops, double seconds, const char *unit)
{
    char k[128];
    bench_kv_int(key(k, sizeof k, fig, "iterations"), ops);
    bench_kv_str(key(k, sizeof k, fig, "unit"), unit);
    if (seconds > 0)
        bench_kv_num(key(k, sizeof k, fig, "mean"), (double)ops / seconds);
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof(double), cmp_double);
    bench_kv_num(key(k, sizeof k, fig, "p50"), s->v[s->n / 2]);
    bench_kv_num(key(k, sizeof k, fig, "p99"), s->v[s->n / 100]);
    bench_kv_num(key(k, sizeof k, fig, "max"), s->v[0]);
}

void bench_kv_str(const char *name, const char *value)
{
    printf("%s=%s\n", name, value);
    fflush(stdout);
}

void bench_kv_int(const char *name, long long value)
{
    printf("%s=%lld\n", name, value);
    fflush(stdout);
}

void bench_kv_num(const char *name, double value)
{
    printf("%s=%.3f\n", name, value);
    fflush(stdout);
}

long bench_peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

long bench_children_peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "bench: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

void bench_check(sl_db *db, int rc, const char *what)
{
    if (rc != SL_OK)
        bench_die("%s: %s: %s", what, sl_strerror(rc), sl_errmsg(db));
}

const char *bench_arg(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return dflt;
}

long long bench_arg_int(int argc, char **argv, const char *name, long long dflt)
{
    const char *v = bench_arg(argc, argv, name, NULL);
    if (!v)
        return dflt;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0')
        bench_die("%s wants an integer, not '%s'", name, v);
    return x;
}

int bench_arg_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int bench_arg_durability(int argc, char **argv)
{
    return strcmp(bench_arg(argc, argv, "--durability", "fast"), "durable") == 0 ? SL_DURABLE : SL_FAST;
}

void bench_kv_sqlite(const char *bench, int durability)
{
    bench_kv_str("bench", bench);
    bench_kv_str("backend", "sqlite");
    bench_kv_str("durability", durability == SL_FAST ? "fast" : "durable");
}

sl_db *bench_open_sqlite(const char *path, int durability)
{
    sl_options o;
    sl_db *db = NULL;
    sl_options_init(&o, SL_OPTIONS_VERSION);
    o.durability = durability;
    o.busy_timeout_ms = 30000;
    int rc = sl_open(&db, path, &o);
    if (rc != SL_OK)
        bench_die("sl_open %s: %s: %s", path, sl_strerror(rc), sl_errmsg(NULL));
    return db;
}

sl_db *bench_open_memory(void)
{
    sl_db *db = NULL;
    int rc = sl_open_memory(&db, NULL);
    if (rc != SL_OK)
        bench_die("sl_open_memory: %s: %s", sl_strerror(rc), sl_errmsg(NULL));
    return db;
}

double bench_cpu_ns(int children)
{
    struct rusage u;
    if (getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &u) != 0)
        return 0;
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e9 +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e3;
}

double bench_thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_loadavg(void)
{
    double load[1];
    return getloadavg(load, 1) == 1 ? load[0] : -1;
}

void bench_raw_pragmas(struct sqlite3 *h, int fast)
{
    /* The order and the texts of sl_store_sqlite_new (lib/store/sqlite.c). */
    static const char *const common[] = {"PRAGMA page_size = 2048", "PRAGMA journal_mode = WAL"};
    const char *mode = fast ? "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;"
                              " PRAGMA journal_size_limit = 67108864"
                            : "PRAGMA synchronous = FULL";
    sqlite3_extended_result_codes(h, 1);
    sqlite3_busy_timeout(h, 5000);
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        if (sqlite3_exec(h, common[i], NULL, NULL, NULL) != SQLITE_OK)
            bench_die("raw sqlite: %s: %s", common[i], sqlite3_errmsg(h));
    if (sqlite3_exec(h, mode, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK)
        bench_die("raw sqlite: pragmas: %s", sqlite3_errmsg(h));
}

void bench_raw_bind_entry(sqlite3_stmt *st, long long tenant, long long account, long long seq,
                          int kind, long long amount, long long balance_after, const char *key)
{
    static const unsigned char fp[16] = {1, 2, 3}, hash[32] = {4, 5, 6};
    sqlite3_bind_int64(st, 1, tenant);
    sqlite3_bind_int64(st, 2, account);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, kind);
    sqlite3_bind_int64(st, 5, amount);
    sqlite3_bind_int64(st, 6, balance_after);
    sqlite3_bind_int64(st, 7, 0);
    sqlite3_bind_int64(st, 8, BENCH_NOW);
    sqlite3_bind_text(st, 9, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, "bench", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 11, fp, 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 12, hash, 32, SQLITE_STATIC);
}

void bench_remove_db(const char *path)
{
    char p[4096];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
}
