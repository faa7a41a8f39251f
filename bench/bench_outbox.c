/*
 * bench/bench_outbox.c - the calendar-sync outbox: its cost on sl_book
 * (SQLite, WAL, SL_FAST) and events claimed and acknowledged per second
 * (SQLite or PostgreSQL).
 *
 *   bench_outbox [--backend sqlite] --dir DIR [--events N] [--workers 4]
 *                [--batch 50] [--only book|drain]
 *   bench_outbox --backend postgres --db CONNINFO [--events N] [--workers 4]
 *                [--batch 50] [--server-pid POSTMASTER_PID]
 *
 * 1. (SQLite) What the outbox adds to sl_book: N bookings (one teacher
 *    open all week, no credits, consecutive hours) on a fresh file whose
 *    store has the outbox, and N on a fresh file whose store lacks its
 *    methods (outbox_append cleared: sl_book then appends no event),
 *    alternating in batches of 100 so both see the same machine load.
 *    Figures: book_cpu_us_outbox, book_cpu_us_plain (this process's CPU
 *    per booking), outbox_book_overhead_pct; and the same in user-space
 *    instructions per booking, counted around each batch with
 *    perf_event_open (book_instr_outbox, book_instr_plain,
 *    outbox_book_instr_overhead_pct), which the machine's load does not
 *    move. Where the kernel offers no hardware counter (a VM: instr_counter
 *    says why), count them with callgrind instead: the two variants run in
 *    book_with_outbox() and book_without_outbox(), so
 *      valgrind --tool=callgrind --callgrind-out-file=cg.out \
 *          bench_outbox --dir /tmp --events 2000 --only book
 *      callgrind_annotate --inclusive=yes cg.out | grep book_with
 *    gives each one's instructions (bench/README.md, docs/outbox.md).
 * 2. Events claimed and acknowledged per second: N events drained by 1
 *    worker (claim `batch`, ack each), then N fresh events drained by
 *    `workers` processes at once, each on its own connection. Figures:
 *    drain_1_events_per_s, drain_1_cpu_us, drain_W_events_per_s,
 *    drain_W_cpu_us (client CPU of all workers per event; on PostgreSQL
 *    the server's CPU is not in it: with --server-pid of a local server,
 *    drain_1_server_cpu_us and drain_W_server_cpu_us add it, read from
 *    /proc: the postmaster, its children, its exited children), and
 *    loadavg_start / loadavg_end. On
 *    PostgreSQL the events are made by sl_book in the connection string's
 *    schema, which should be a fresh one (bench/pg_bench.py makes one).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/syscall.h>
#endif

#include "bench_util.h"
#include "slotledger/sys/store.h"

#define T 1
#define CHUNK 100

static const char *g_conninfo; /* --backend postgres: the connection string */
static long g_server_pid;      /* --server-pid: the postmaster, for the server's CPU */

/* utime + stime (+ cutime + cstime when `reaped`) of /proc/PID/stat in
 * clock ticks, and its parent; -1 when it cannot be read. */
static double proc_ticks(long pid, int reaped, long *ppid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command may hold spaces */
    unsigned long long ut = 0, st = 0;
    long long cut = 0, cst = 0;
    if (!p || sscanf(p + 2, "%*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld", ppid, &ut, &st,
                     &cut, &cst) != 5)
        return -1;
    return (double)(ut + st) + (reaped ? (double)(cut + cst) : 0);
}

/* CPU of the PostgreSQL server (the postmaster, its live children -- the
 * backends of our connections among them -- and its exited ones), ns; 0
 * without --server-pid. */
static double server_cpu_ns(void)
{
    long ppid = 0;
    if (g_server_pid <= 0)
        return 0;
    double ticks = proc_ticks(g_server_pid, 1, &ppid);
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        long pid = atol(de->d_name);
        double t = pid > 0 ? proc_ticks(pid, 0, &ppid) : -1;
        if (t >= 0 && ppid == g_server_pid)
            ticks += t;
    }
    if (d)
        closedir(d);
    return ticks * 1e9 / (double)sysconf(_SC_CLK_TCK);
}

static sl_db *open_store(const char *path, int outbox)
{
    sl_options o = SL_OPTIONS_INIT;
    o.durability = SL_FAST;
    o.busy_timeout_ms = 60000;
    sl_store *st = NULL;
    sl_db *db = NULL;
    if (g_conninfo)
        return bench_open_sqlite(g_conninfo, SL_FAST); /* sl_open takes a connection string */
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

/* ---- user-space instructions of this thread (perf_event_open) ---------- */

static int g_instr_fd = -1;

/* Opens the counter; returns NULL or why there is none. */
static const char *instr_open(void)
{
#if defined(__linux__) && defined(SYS_perf_event_open)
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_HARDWARE;
    a.config = PERF_COUNT_HW_INSTRUCTIONS;
    a.exclude_kernel = 1; /* what perf_event_paranoid 2 allows, and the library's own work */
    a.exclude_hv = 1;
    g_instr_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
    if (g_instr_fd < 0)
        return errno == ENOENT || errno == EOPNOTSUPP ? "no-hardware-counter" : strerror(errno);
    return NULL;
#else
    return "no-perf_event_open";
#endif
}

static double instr_now(void)
{
    uint64_t v = 0;
    if (g_instr_fd < 0 || read(g_instr_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
        return 0;
    return (double)v;
}

/* ---- 1. the cost on sl_book --------------------------------------------- */

typedef struct cost {
    double cpu_ns, instr;
} cost;

/* Bookings first .. first + n - 1 (hours after tomorrow), adding their CPU
 * time and instructions to c. */
static void book_chunk(sl_db *db, long first, long n, cost *c)
{
    double c0 = bench_cpu_ns(0), i0 = instr_now();
    for (long i = first; i < first + n; i++)
        bench_check(db, sl_book(db, NULL, T, 1 + i % 50, BENCH_NOW + BENCH_DAY + i * BENCH_HOUR, BENCH_HOUR, 0,
                                NULL, BENCH_NOW),
                    "sl_book");
    c->instr += instr_now() - i0;
    c->cpu_ns += bench_cpu_ns(0) - c0;
}

/* One function per variant, never inlined, and not identical (so that
 * the compiler cannot fold them into one): callgrind's inclusive cost of
 * each is that variant's instructions (see the top of the file). */
static long g_chunks_with, g_chunks_plain;

__attribute__((noinline)) static void book_with_outbox(sl_db *db, long first, long n, cost *c)
{
    book_chunk(db, first, n, c);
    g_chunks_with++;
}

__attribute__((noinline)) static void book_without_outbox(sl_db *db, long first, long n, cost *c)
{
    book_chunk(db, first, n, c);
    g_chunks_plain++;
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
    const char *why = instr_open();
    cost w = {0, 0}, p = {0, 0};
    for (long i = 0; i < events; i += CHUNK) {
        long n = events - i < CHUNK ? events - i : CHUNK;
        book_with_outbox(with, i, n, &w);
        book_without_outbox(plain, i, n, &p);
    }
    bench_kv_num("book_cpu_us_outbox", w.cpu_ns / 1e3 / (double)events);
    bench_kv_num("book_cpu_us_plain", p.cpu_ns / 1e3 / (double)events);
    bench_kv_num("outbox_book_overhead_pct", 100.0 * (w.cpu_ns - p.cpu_ns) / p.cpu_ns);
    bench_kv_int("chunks", g_chunks_with + g_chunks_plain);
    bench_kv_str("instr_counter", why ? why : "perf_event_open");
    if (!why && p.instr > 0) {
        bench_kv_num("book_instr_outbox", w.instr / (double)events);
        bench_kv_num("book_instr_plain", p.instr / (double)events);
        bench_kv_num("outbox_book_instr_overhead_pct", 100.0 * (w.instr - p.instr) / p.instr);
    }
    if (g_instr_fd >= 0)
        close(g_instr_fd);
    sl_close(plain);
    sl_close(with);
    bench_remove_db(plain_path);
}

/* ---- 2. claims ---------------------------------------------------------- */

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

/* events bookings `week` weeks on: each makes one pending event. */
static void make_events(const char *path, long events, int week)
{
    sl_db *db = open_store(path, 1);
    for (long k = 0; k < events; k++)
        bench_check(db, sl_book(db, NULL, T, 1 + k % 50, BENCH_NOW + week * 7 * BENCH_DAY + k * BENCH_HOUR,
                                BENCH_HOUR, 0, NULL, BENCH_NOW),
                    "sl_book");
    sl_close(db);
}

static void bench_drain_one(const char *path, long events, size_t batch)
{
    sl_db *db = open_store(path, 1);
    double t0 = bench_now_ns(), c0 = bench_cpu_ns(0), s0 = server_cpu_ns();
    long done = drain(db, "bench-1", batch);
    double secs = (bench_now_ns() - t0) / 1e9;
    if (g_server_pid > 0)
        bench_kv_num("drain_1_server_cpu_us", (server_cpu_ns() - s0) / 1e3 / (double)done);
    if (done != events)
        bench_die("drained %ld events, expected %ld", done, events);
    bench_kv_num("drain_1_events_per_s", (double)done / secs);
    bench_kv_num("drain_1_cpu_us", (bench_cpu_ns(0) - c0) / 1e3 / (double)done);
    sl_close(db);
}

static void bench_drain_many(const char *path, long events, int workers, size_t batch)
{
    make_events(path, events, 60); /* fresh events, well after the first ones */
    int go[2];
    if (pipe(go) != 0)
        bench_die("pipe");
    pid_t pids[16];
    for (int w = 0; w < workers; w++) {
        fflush(NULL);
        if ((pids[w] = fork()) == 0) {
            close(go[1]);
            char c, name[16];
            snprintf(name, sizeof(name), "bench-%d", w);
            sl_db *d = open_store(path, 1); /* connected before the start */
            while (read(go[0], &c, 1) < 0)
                ;
            drain(d, name, batch);
            sl_close(d);
            _exit(0);
        }
    }
    close(go[0]);
    usleep(200000); /* every worker has connected */
    double t0 = bench_now_ns(), s0 = server_cpu_ns();
    close(go[1]);
    for (int w = 0; w < workers; w++) {
        int status = 0;
        waitpid(pids[w], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bench_die("worker %d failed", w);
    }
    double secs = (bench_now_ns() - t0) / 1e9, server = server_cpu_ns() - s0;
    char fig[64];
    snprintf(fig, sizeof(fig), "drain_%d_events_per_s", workers);
    bench_kv_num(fig, (double)events / secs);
    snprintf(fig, sizeof(fig), "drain_%d_cpu_us", workers);
    bench_kv_num(fig, bench_cpu_ns(1) / 1e3 / (double)events);
    if (g_server_pid > 0) {
        snprintf(fig, sizeof(fig), "drain_%d_server_cpu_us", workers);
        bench_kv_num(fig, server / 1e3 / (double)events);
    }
    sl_outbox_counts c;
    sl_db *db = open_store(path, 1);
    bench_check(db, sl_outbox_stats(db, &c, 0, BENCH_NOW), "sl_outbox_stats");
    if (c.due != 0 || c.leased != 0 || c.acked != 2 * events)
        bench_die("after the drains: %lld due, %lld leased, %lld acked (expected %ld)", (long long)c.due,
                  (long long)c.leased, (long long)c.acked, 2 * events);
    sl_close(db);
}

int main(int argc, char **argv)
{
    const char *dir = bench_arg(argc, argv, "--dir", ".");
    const char *backend = bench_arg(argc, argv, "--backend", "sqlite");
    const char *only = bench_arg(argc, argv, "--only", "");
    long events = (long)bench_arg_int(argc, argv, "--events", 5000);
    int workers = (int)bench_arg_int(argc, argv, "--workers", 4);
    size_t batch = (size_t)bench_arg_int(argc, argv, "--batch", 50);
    int pg = strcmp(backend, "postgres") == 0;
    if (!pg && strcmp(backend, "sqlite") != 0)
        bench_die("--backend sqlite|postgres");
    g_server_pid = (long)bench_arg_int(argc, argv, "--server-pid", 0);
    if (pg && !(g_conninfo = bench_arg(argc, argv, "--db", NULL)))
        bench_die("--backend postgres needs --db CONNINFO");
    if (events < 1 || events > 50000 || workers < 1 || workers > 16 || batch < 1 || batch > SL_OUTBOX_CLAIM_MAX)
        bench_die("--events 1..50000, --workers 1..16, --batch 1..%d", SL_OUTBOX_CLAIM_MAX);
    char path[1024];
    snprintf(path, sizeof(path), "%s/bench-outbox.db", dir);
    bench_kv_str("backend", backend);
    bench_kv_num("loadavg_start", bench_loadavg());
    bench_kv_int("events", events);
    bench_kv_int("batch", (long long)batch);
    if (pg) {
        sl_db *db = open_store(NULL, 1);
        put_tenant(db);
        sl_close(db);
        make_events(NULL, events, 1);
    } else if (strcmp(only, "drain") != 0) {
        bench_book_overhead(dir, events, path, sizeof(path));
    } else {
        bench_remove_db(path);
        sl_db *db = open_store(path, 1);
        put_tenant(db);
        sl_close(db);
        make_events(path, events, 1);
    }
    if (strcmp(only, "book") != 0) {
        bench_drain_one(path, events, batch);
        bench_drain_many(path, events, workers, batch);
    }
    bench_kv_num("loadavg_end", bench_loadavg());
    if (!pg)
        bench_remove_db(path);
    return 0;
}
