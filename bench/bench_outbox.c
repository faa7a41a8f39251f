/*
 * bench/bench_outbox.c - the calendar-sync outbox on SQLite (WAL, SL_FAST).
 *
 *   bench_outbox --dir DIR [--events N] [--workers 4] [--batch 50]
 *
 * 1. What the outbox adds to sl_book: N bookings (one teacher open all
 *    week, no credits, consecutive hours) on a fresh file whose store has
 *    the outbox, and N on a fresh file whose store lacks its methods
 *    (outbox_append cleared: sl_book then appends no event), alternating
 *    in batches of 100 so both see the same machine load. Figures:
 *    book_cpu_us_outbox, book_cpu_us_plain (this process's CPU per
 *    booking), outbox_book_overhead_pct.
 * 2. Events claimed and acknowledged per second: the N events of the
 *    first file, drained by 1 worker (claim `batch`, ack each), then N
 *    fresh events drained by `workers` processes at once. Figures:
 *    drain_1_events_per_s, drain_W_events_per_s, drain_W_cpu_us (CPU of
 *    all workers per event), and loadavg_start / loadavg_end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "slotledger/sys/store.h"

#define T 1
#define CHUNK 100

static sl_db *open_store(const char *path, int outbox)
{
    sl_options o = SL_OPTIONS_INIT;
    o.durability = SL_FAST;
    o.busy_timeout_ms = 60000;
    sl_store *st = NULL;
    sl_db *db = NULL;
    if (sl_store_sqlite_new(&st, path, &o) != SL_OK)
        bench_die("sl_store_sqlite_new %s: %s", path, sl_errmsg(NULL));
    if (!outbox)
        st->outbox_append = NULL; /* the store keeps no outbox: sl_book appends nothing */
    if (sl_open_store(&db, st, &o) != SL_OK)
        bench_die("sl_open_store: %s", sl_errmsg(NULL));
    return db;
}

static void put_tenant(sl_db *db)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = T;
    t.max_advance_days = 3650;
    bench_check(db, sl_tenant_put(db, &t, BENCH_NOW), "sl_tenant_put");
    for (int32_t wd = 1; wd <= 7; wd++)
        bench_check(db, sl_rule_add(db, NULL, T, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, BENCH_NOW), "sl_rule_add");
}

/* Bookings first .. first + n - 1 (hours after tomorrow); returns CPU ns. */
static double book_chunk(sl_db *db, long first, long n)
{
    double c0 = bench_cpu_ns(0);
    for (long i = first; i < first + n; i++)
        bench_check(db, sl_book(db, NULL, T, 1 + i % 50, BENCH_NOW + BENCH_DAY + i * BENCH_HOUR, BENCH_HOUR, 0,
                                NULL, BENCH_NOW),
                    "sl_book");
    return bench_cpu_ns(0) - c0;
}

/* Claims and acks until nothing is due; returns the events drained. */
static long drain(sl_db *db, const char *name, size_t batch)
{
    long done = 0;
    for (;;) {
        sl_outbox_event *ev = NULL;
        size_t n = 0;
        int rc = sl_outbox_claim(db, &ev, &n, name, 0, batch, 300, BENCH_NOW);
        if (rc == SL_EBUSY)
            continue;
        bench_check(db, rc, "sl_outbox_claim");
        if (n == 0)
            return done;
        for (size_t i = 0; i < n; i++) {
            rc = sl_outbox_ack(db, ev[i].tenant, ev[i].id, ev[i].token, BENCH_NOW);
            while (rc == SL_EBUSY)
                rc = sl_outbox_ack(db, ev[i].tenant, ev[i].id, ev[i].token, BENCH_NOW);
            bench_check(db, rc, "sl_outbox_ack");
        }
        done += (long)n;
        sl_outbox_free(ev);
    }
}

static void bench_book_overhead(const char *dir, long events, char *with_path, size_t cap)
{
    char plain_path[1024];
    snprintf(with_path, cap, "%s/bench-outbox.db", dir);
    snprintf(plain_path, sizeof(plain_path), "%s/bench-outbox-plain.db", dir);
    bench_remove_db(with_path);
    bench_remove_db(plain_path);
    sl_db *with = open_store(with_path, 1), *plain = open_store(plain_path, 0);
    put_tenant(with);
    put_tenant(plain);
    double cpu_with = 0, cpu_plain = 0;
    for (long i = 0; i < events; i += CHUNK) {
        long n = events - i < CHUNK ? events - i : CHUNK;
        cpu_with += book_chunk(with, i, n);
        cpu_plain += book_chunk(plain, i, n);
    }
    bench_kv_num("book_cpu_us_outbox", cpu_with / 1e3 / (double)events);
    bench_kv_num("book_cpu_us_plain", cpu_plain / 1e3 / (double)events);
    bench_kv_num("outbox_book_overhead_pct", 100.0 * (cpu_with - cpu_plain) / cpu_plain);
    sl_close(plain);
    sl_close(with);
    bench_remove_db(plain_path);
}

static void bench_drain_one(const char *path, long events, size_t batch)
{
    sl_db *db = open_store(path, 1);
    double t0 = bench_now_ns();
    long done = drain(db, "bench-1", batch);
    double secs = (bench_now_ns() - t0) / 1e9;
    if (done != events)
        bench_die("drained %ld events, expected %ld", done, events);
    bench_kv_num("drain_1_events_per_s", (double)done / secs);
    sl_close(db);
}

static void bench_drain_many(const char *path, long events, int workers, size_t batch)
{
    sl_db *db = open_store(path, 1);
    for (long i = 0; i < events; i += CHUNK) /* fresh events: the sessions are rescheduled a week on */
        for (long k = i; k < i + CHUNK && k < events; k++) {
            sl_session s;
            bench_check(db, sl_book(db, &s, T, 1, BENCH_NOW + 400 * BENCH_DAY + k * BENCH_HOUR, BENCH_HOUR, 0, NULL,
                                    BENCH_NOW),
                        "sl_book");
        }
    sl_close(db);
    int go[2];
    if (pipe(go) != 0)
        bench_die("pipe");
    pid_t pids[16];
    double t0 = bench_now_ns();
    for (int w = 0; w < workers; w++) {
        fflush(NULL);
        if ((pids[w] = fork()) == 0) {
            close(go[1]);
            char c, name[16];
            while (read(go[0], &c, 1) < 0)
                ;
            snprintf(name, sizeof(name), "bench-%d", w);
            sl_db *d = open_store(path, 1);
            drain(d, name, batch);
            sl_close(d);
            _exit(0);
        }
    }
    close(go[0]);
    close(go[1]);
    for (int w = 0; w < workers; w++) {
        int status = 0;
        waitpid(pids[w], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bench_die("worker %d failed", w);
    }
    double secs = (bench_now_ns() - t0) / 1e9;
    char fig[64];
    snprintf(fig, sizeof(fig), "drain_%d_events_per_s", workers);
    bench_kv_num(fig, (double)events / secs);
    snprintf(fig, sizeof(fig), "drain_%d_cpu_us", workers);
    bench_kv_num(fig, bench_cpu_ns(1) / 1e3 / (double)events);
}

int main(int argc, char **argv)
{
    const char *dir = ".";
    long events = 5000;
    int workers = 4;
    size_t batch = 50;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--events") == 0)
            events = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--workers") == 0)
            workers = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0)
            batch = (size_t)atol(argv[i + 1]);
        else
            bench_die("unknown option %s", argv[i]);
    }
    if (events < 1 || events > 50000 || workers < 1 || workers > 16 || batch < 1 || batch > SL_OUTBOX_CLAIM_MAX)
        bench_die("--events 1..50000, --workers 1..16, --batch 1..%d", SL_OUTBOX_CLAIM_MAX);
    char path[1024];
    bench_kv_num("loadavg_start", bench_loadavg());
    bench_kv_int("events", events);
    bench_book_overhead(dir, events, path, sizeof(path));
    bench_drain_one(path, events, batch);
    bench_drain_many(path, events, workers, batch);
    bench_kv_num("loadavg_end", bench_loadavg());
    bench_remove_db(path);
    return 0;
}
