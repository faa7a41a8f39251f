/*
 * bench/bench_slots.c - builds the audit's data set at one scale into one
 * backend, then times sl_slots for a random teacher, 14 days, 60 minutes.
 *
 *   bench_slots --teachers N --backend memory|sqlite|postgres [--db PATH]
 *               [--iterations K] [--max-seconds S] [--seed X]
 *               [--load many|manual] [--ledger 0|1] [--sessions M] [--keep]
 *
 * postgres: --db is a libpq connection string (bench/pg_bench.py gives a
 * fresh schema per scale); --sessions (default 500 per teacher) lets a run
 * on a loaded machine load fewer past sessions.
 *
 * SQLite runs in SL_FAST (WAL, synchronous=NORMAL) for the load. For the
 * SQLite backend the same run also times raw SQLite on the same file (a
 * fresh connection, prepared statements): an indexed point query (the next
 * session of a teacher, through sessions_time) and the range read that a
 * slot query needs (the blocking sessions of 14 days), so sl_slots can be
 * read as a ratio to what SQLite itself does on this machine.
 *
 * Figures (name=value, see bench_util.h): load_*, slots (random teacher),
 * slots_t1 (teacher 1 only, the query bench/run.py repeats through the
 * Python binding), slots_changed (random teacher, another connection
 * commits before every call, so nothing kept from earlier reads can be
 * reused: lib/slots/rowcache.h; the other figures read unchanged data, as
 * a page of teachers' calendars does between bookings), slots_alloc_t1 (the same through sl_slots_alloc, which
 * the binding calls), raw_point, raw_range, peak_rss_kb. slots_cpu and
 * slots_t1_cpu: the same calls' CPU time (CLOCK_THREAD_CPUTIME_ID), which
 * a preempted call does not accumulate while it waits for a core: on a
 * loaded machine the wall-clock tail is the neighbours', the CPU tail ours.
 * --keep leaves the SQLite file in place (bench/run.py reuses it).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static sl_interval buf[SL_MAX_SLOTS];

/* Another connection's commit (outside the timed part): afterwards the
 * handle can reuse no row it kept (lib/slots/rowcache.h). */
static void touch(sqlite3 *h)
{
    char *err = NULL;
    if (sqlite3_exec(h, "INSERT INTO bench_touch VALUES (1)", NULL, NULL, &err) != SQLITE_OK)
        bench_die("touch: %s", err ? err : "?");
}

/* alloc: through sl_slots_alloc (what the bindings call) instead of a
 * caller buffer. changed: a connection that commits before every call, or
 * NULL. */
static void time_slots(sl_db *db, const char *fig, int teachers, int fixed, int alloc, long long iterations,
                       double max_s, uint64_t seed, sqlite3 *changed)
{
    bench_rng rng;
    bench_rng_seed(&rng, seed);
    bench_samples s, cpu;
    bench_samples_init(&s);
    bench_samples_init(&cpu);
    long long slots = 0, done = 0;
    const sl_time from = BENCH_NOW, to = BENCH_NOW + 14 * BENCH_DAY;
    /* warm-up: every page the loop reads, once; every teacher once */
    for (int i = 0; i < (fixed || teachers < 200 ? 200 : teachers); i++) {
        size_t n = 0;
        int t = fixed ? fixed : teachers < 200 ? 1 + (int)bench_rng_below(&rng, (uint64_t)teachers) : 1 + i;
        bench_check(db, sl_slots(db, buf, SL_MAX_SLOTS, &n, NULL, t, from, to, 3600, BENCH_NOW), "sl_slots");
    }
    double start = bench_now_ns();
    for (long long i = 0; i < iterations; i++) {
        size_t n = 0;
        int t = fixed ? fixed : 1 + (int)bench_rng_below(&rng, (uint64_t)teachers);
        sl_interval *out = NULL;
        if (changed)
            touch(changed);
        double c0 = bench_thread_cpu_ns();
        double t0 = bench_now_ns();
        int rc = alloc ? sl_slots_alloc(db, &out, &n, NULL, t, from, to, 3600, BENCH_NOW)
                       : sl_slots(db, buf, SL_MAX_SLOTS, &n, NULL, t, from, to, 3600, BENCH_NOW);
        sl_free(out);
        double t1 = bench_now_ns();
        double c1 = bench_thread_cpu_ns();
        bench_check(db, rc, "sl_slots");
        bench_samples_add(&s, (t1 - t0) / 1e3);
        bench_samples_add(&cpu, (c1 - c0) / 1e3);
        slots += (long long)n;
        done++;
        if ((t1 - start) / 1e9 > max_s)
            break;
    }
    bench_print_latency(fig, &s, done, "us");
    char k[64];
    snprintf(k, sizeof k, "%s_cpu", fig);
    bench_print_latency(k, &cpu, done, "us");
    bench_samples_free(&cpu);
    snprintf(k, sizeof k, "%s_mean_slots", fig);
    bench_kv_num(k, done ? (double)slots / (double)done : 0.0);
    bench_samples_free(&s);
}

static void raw_queries(const char *path, int teachers, long long iterations, double max_s, uint64_t seed)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *point = NULL, *range = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        bench_die("raw open %s: %s", path, sqlite3_errmsg(h));
    if (sqlite3_prepare_v2(h,
                           "SELECT id, start_at, end_at FROM sessions INDEXED BY sessions_time"
                           " WHERE tenant = ?1 AND start_at >= ?2 ORDER BY start_at LIMIT 1",
                           -1, &point, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h,
                           "SELECT start_at, end_at FROM sessions WHERE tenant = ?1 AND start_at > ?2"
                           " AND start_at < ?3 AND deleted_at IS NULL AND status <> 3 ORDER BY start_at, id",
                           -1, &range, NULL) != SQLITE_OK)
        bench_die("raw prepare: %s", sqlite3_errmsg(h));
    struct {
        const char *fig;
        sqlite3_stmt *st;
    } q[2] = {{"raw_point", point}, {"raw_range", range}};
    for (int k = 0; k < 2; k++) {
        bench_rng rng;
        bench_rng_seed(&rng, seed);
        bench_samples s;
        bench_samples_init(&s);
        long long done = 0, rows = 0;
        double start = bench_now_ns();
        for (long long i = -200; i < iterations; i++) {
            int t = 1 + (int)bench_rng_below(&rng, (uint64_t)teachers);
            double t0 = bench_now_ns();
            sqlite3_bind_int64(q[k].st, 1, t);
            sqlite3_bind_int64(q[k].st, 2, k == 0 ? BENCH_NOW : BENCH_NOW - BENCH_DAY - 3600);
            if (k == 1)
                sqlite3_bind_int64(q[k].st, 3, BENCH_NOW + 14 * BENCH_DAY + 3600);
            int rc;
            long long r = 0;
            while ((rc = sqlite3_step(q[k].st)) == SQLITE_ROW) {
                r += sqlite3_column_int64(q[k].st, 0) != 0;
            }
            if (rc != SQLITE_DONE)
                bench_die("raw query: %s", sqlite3_errmsg(h));
            sqlite3_reset(q[k].st);
            double t1 = bench_now_ns();
            if (i < 0)
                continue;
            rows += r;
            bench_samples_add(&s, (t1 - t0) / 1e3);
            done++;
            if ((t1 - start) / 1e9 > max_s)
                break;
        }
        bench_print_latency(q[k].fig, &s, done, "us");
        char key[64];
        snprintf(key, sizeof key, "%s_mean_rows", q[k].fig);
        bench_kv_num(key, done ? (double)rows / (double)done : 0.0);
        bench_samples_free(&s);
    }
    sqlite3_finalize(point);
    sqlite3_finalize(range);
    sqlite3_close(h);
}

int main(int argc, char **argv)
{
    int teachers = (int)bench_arg_int(argc, argv, "--teachers", 10);
    const char *backend = bench_arg(argc, argv, "--backend", "memory");
    const char *path = bench_arg(argc, argv, "--db", "bench_slots.db");
    long long iterations = bench_arg_int(argc, argv, "--iterations", 20000);
    double max_s = (double)bench_arg_int(argc, argv, "--max-seconds", 20);
    uint64_t seed = (uint64_t)bench_arg_int(argc, argv, "--seed", 42);
    const char *load = bench_arg(argc, argv, "--load", "many");
    int ledger = (int)bench_arg_int(argc, argv, "--ledger", 1);
    int sessions = (int)bench_arg_int(argc, argv, "--sessions", BENCH_SESSIONS_PER_TEACHER);
    int sqlite = strcmp(backend, "sqlite") == 0, postgres = strcmp(backend, "postgres") == 0;
    if (!sqlite && !postgres && strcmp(backend, "memory") != 0)
        bench_die("--backend memory|sqlite|postgres");
    if (teachers < 1)
        bench_die("--teachers must be >= 1");

    bench_kv_str("bench", "slots");
    bench_kv_str("backend", backend);
    bench_kv_int("scale", teachers);
    bench_kv_int("seed", (long long)seed);
    bench_kv_int("now", BENCH_NOW);

    sl_db *db;
    if (sqlite) {
        bench_remove_db(path);
        db = bench_open_sqlite(path, SL_FAST);
        bench_kv_str("durability", "fast");
    } else if (postgres) {
        db = bench_open_sqlite(path, SL_FAST); /* sl_open takes the connection string */
        bench_kv_str("durability", "fast");
    } else {
        db = bench_open_memory();
    }

    bench_dataset_opts o = {teachers, sessions, BENCH_STUDENTS_PER_TEACHER, ledger,
                            strcmp(load, "manual") == 0 ? BENCH_LOAD_MANUAL : BENCH_LOAD_MANY, seed};
    bench_dataset_stats st;
    bench_dataset_build(db, &o, &st);
    bench_kv_str("load_mode", o.load == BENCH_LOAD_MANUAL ? "sl_schedule_manual" : "sl_book_many_100");
    bench_kv_int("load_tenants", st.tenants);
    bench_kv_int("load_sessions", st.sessions);
    bench_kv_int("load_entries", st.entries);
    bench_kv_int("load_transactions", st.transactions);
    bench_kv_num("load_setup_s", st.seconds_setup);
    bench_kv_num("load_sessions_s", st.seconds_sessions);
    bench_kv_num("load_ledger_s", st.seconds_ledger);
    bench_kv_num("load_sessions_per_s", st.seconds_sessions > 0 ? (double)st.sessions / st.seconds_sessions : 0);
    bench_kv_num("load_entries_per_s", st.seconds_ledger > 0 ? (double)st.entries / st.seconds_ledger : 0);
    bench_kv_int("rss_after_load_kb", bench_peak_rss_kb());

    time_slots(db, "slots", teachers, 0, 0, iterations, max_s, seed + 1, NULL);
    time_slots(db, "slots_t1", teachers, 1, 0, iterations / 4 + 1, max_s / 4 + 1, seed + 2, NULL);
    time_slots(db, "slots_alloc_t1", teachers, 1, 1, iterations / 4 + 1, max_s / 4 + 1, seed + 2, NULL);
    if (sqlite) {
        sqlite3 *h = NULL;
        if (sqlite3_open(path, &h) != SQLITE_OK ||
            sqlite3_exec(h, "CREATE TABLE IF NOT EXISTS bench_touch (x)", NULL, NULL, NULL) != SQLITE_OK)
            bench_die("open %s: %s", path, sqlite3_errmsg(h));
        sqlite3_busy_timeout(h, 5000);
        time_slots(db, "slots_changed", teachers, 0, 0, iterations / 4 + 1, max_s / 4 + 1, seed + 3, h);
        sqlite3_close(h);
    }
    sl_close(db);
    if (sqlite) {
        raw_queries(path, teachers, iterations, max_s / 2 + 1, seed + 1);
        if (!bench_arg_flag(argc, argv, "--keep"))
            bench_remove_db(path);
    }
    bench_kv_int("peak_rss_kb", bench_peak_rss_kb());
    return 0;
}
