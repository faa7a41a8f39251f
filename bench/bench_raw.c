/*
 * bench/bench_raw.c - what SQLite and the disk themselves do on this
 * machine, measured in the same run as the library's figures so that each
 * of those prints as a ratio.
 *
 *   bench_raw --dir DIR [--durability fast|durable] [--rows N]
 *             [--queries Q] [--fsyncs K] [--max-seconds S]
 *
 * - raw_insert: a prepared INSERT of a row the size of a ledger entry
 *   (ids, amounts, a key, a reference, a 16-byte fingerprint and a 32-byte
 *   hash) into a table with a rowid and a unique (tenant, key) index, one
 *   transaction per row, with the library's own pragmas
 *   (bench_raw_pragmas: 2 KiB pages, WAL, synchronous NORMAL (fast) or
 *   FULL (durable), the library's checkpoint interval): rows/s per 100-row
 *   batch. These runs come before the library's, not interleaved with
 *   them: the ratios the targets judge come from bench_write.
 * - raw_insert_batch: the same rows, 1,000 per transaction.
 * - raw_lookup: the prepared point query by (tenant, key): us per query.
 * --autocheckpoint N, --extra-indexes K (0..3: the ledger's (tenant, seq)
 *   and (tenant, account, seq), then one more) and --cache-kb C are
 *   experiment knobs for profiling (defaults: the library's checkpoint
 *   interval, no extra index, SQLite's 2000 KiB page cache).
 * - fsync: overwrite 4 KiB of a pre-sized file in DIR + fdatasync(), as
 *   a durable WAL commit does: the disk's physical limit for one durable
 *   commit per call, fsyncs/s per 10.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

static void exec(sqlite3 *h, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
        bench_die("raw sqlite: %s: %s", sql, err ? err : "?");
}

static void bind_row(sqlite3_stmt *st, long long i)
{
    char key[48];
    snprintf(key, sizeof key, "s:%lld:%c", i / 2, i % 2 ? 'c' : 'p');
    bench_raw_bind_entry(st, 1 + i % 10, 1 + (i / 20) % 50, i + 1, i % 2 ? 3 : 1, i % 2 ? -1 : 2, i, key);
}

static void step_done(sqlite3 *h, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        bench_die("raw sqlite step: %s", sqlite3_errmsg(h));
    sqlite3_reset(st);
}

int main(int argc, char **argv)
{
    const char *dir = bench_arg(argc, argv, "--dir", ".");
    long long rows = bench_arg_int(argc, argv, "--rows", 100000);
    long long queries = bench_arg_int(argc, argv, "--queries", 100000);
    long long fsyncs = bench_arg_int(argc, argv, "--fsyncs", 500);
    double max_s = (double)bench_arg_int(argc, argv, "--max-seconds", 10);
    /* An experiment knob for profiling: SQLite's wal_autocheckpoint (pages;
     * -1 keeps the library's: 10,000 fast, SQLite's 1,000 durable). */
    long long autockpt = bench_arg_int(argc, argv, "--autocheckpoint", -1);
    /* Another: extra secondary indexes on the table (0..3), to see what each
     * index a write maintains costs. */
    long long extra_idx = bench_arg_int(argc, argv, "--extra-indexes", 0);
    /* And SQLite's page cache in KiB (0 keeps SQLite's default, 2000 KiB). */
    long long cache_kb = bench_arg_int(argc, argv, "--cache-kb", 0);
    int fast = bench_arg_durability(argc, argv) == SL_FAST;
    char path[4096];

    bench_kv_sqlite("raw", fast ? SL_FAST : SL_DURABLE);
    bench_kv_str("sqlite_version", sqlite3_libversion());

    snprintf(path, sizeof path, "%s/bench_raw_%s.db", dir, fast ? "fast" : "durable");
    bench_remove_db(path);
    sqlite3 *h = NULL;
    if (sqlite3_open(path, &h) != SQLITE_OK)
        bench_die("raw open %s", path);
    bench_raw_pragmas(h, fast);
    exec(h, "CREATE TABLE entries (id INTEGER PRIMARY KEY, tenant INTEGER NOT NULL, account INTEGER NOT NULL,"
            " seq INTEGER NOT NULL, kind INTEGER NOT NULL, amount INTEGER NOT NULL,"
            " balance_after INTEGER NOT NULL, hold_id INTEGER NOT NULL, created_at INTEGER NOT NULL,"
            " idem_key TEXT NOT NULL, reference TEXT NOT NULL, request_hash BLOB NOT NULL, hash BLOB NOT NULL)"
            " STRICT;"
            "CREATE UNIQUE INDEX entries_key ON entries (tenant, idem_key);");
    if (autockpt >= 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA wal_autocheckpoint = %lld", autockpt);
        exec(h, sql);
    }
    static const char *const extra[] = {"CREATE UNIQUE INDEX entries_seq ON entries (tenant, seq)",
                                        "CREATE INDEX entries_account ON entries (tenant, account, seq)",
                                        "CREATE INDEX entries_kind ON entries (tenant, kind, created_at)"};
    for (long long i = 0; i < extra_idx && i < 3; i++)
        exec(h, extra[i]);
    if (cache_kb > 0) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA cache_size = -%lld", cache_kb);
        exec(h, sql);
    }
    bench_kv_int("cache_kb", cache_kb);
    bench_kv_int("autocheckpoint", autockpt);
    bench_kv_int("extra_indexes", extra_idx);
    sqlite3_stmt *ins = NULL, *get = NULL;
    if (sqlite3_prepare_v2(h, BENCH_RAW_ENTRY_INSERT, -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "SELECT id, amount, balance_after, request_hash FROM entries"
                              " WHERE tenant = ?1 AND idem_key = ?2",
                           -1, &get, NULL) != SQLITE_OK)
        bench_die("raw prepare: %s", sqlite3_errmsg(h));

    /* One transaction per row. */
    bench_samples s;
    bench_samples_init(&s);
    long long done = 0;
    double start = bench_now_ns(), b0 = start;
    for (long long i = 0; i < rows; i++) {
        bind_row(ins, i);
        exec(h, "BEGIN IMMEDIATE");
        step_done(h, ins);
        exec(h, "COMMIT");
        if (++done % 100 == 0) {
            double t1 = bench_now_ns();
            bench_samples_add(&s, 100 / ((t1 - b0) / 1e9));
            b0 = t1;
            if ((t1 - start) / 1e9 > max_s)
                break;
        }
    }
    bench_print_rate("raw_insert", &s, done, (bench_now_ns() - start) / 1e9, "rows/s");
    long long inserted = done;

    /* 1,000 rows per transaction. */
    bench_samples_free(&s);
    long long batched = 0;
    start = bench_now_ns();
    for (int b = 0; b < 200; b++) {
        double t0 = bench_now_ns();
        exec(h, "BEGIN IMMEDIATE");
        for (int i = 0; i < 1000; i++) {
            bind_row(ins, inserted + batched + i);
            step_done(h, ins);
        }
        exec(h, "COMMIT");
        double t1 = bench_now_ns();
        batched += 1000;
        bench_samples_add(&s, 1000 / ((t1 - t0) / 1e9));
        if ((t1 - start) / 1e9 > max_s / 2)
            break;
    }
    bench_print_rate("raw_insert_batch", &s, batched, (bench_now_ns() - start) / 1e9, "rows/s");

    /* Point queries by the unique key. */
    bench_samples_free(&s);
    bench_rng rng;
    bench_rng_seed(&rng, 7);
    done = 0;
    start = bench_now_ns();
    for (long long q = -1000; q < queries && inserted > 0; q++) {
        long long i = (long long)bench_rng_below(&rng, (uint64_t)inserted);
        char key[48];
        snprintf(key, sizeof key, "s:%lld:%c", i / 2, i % 2 ? 'c' : 'p');
        double t0 = bench_now_ns();
        sqlite3_bind_int64(get, 1, 1 + i % 10);
        sqlite3_bind_text(get, 2, key, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(get) != SQLITE_ROW)
            bench_die("raw lookup found nothing: %s", sqlite3_errmsg(h));
        sqlite3_reset(get);
        double t1 = bench_now_ns();
        if (q < 0)
            continue;
        bench_samples_add(&s, (t1 - t0) / 1e3);
        if ((t1 - start) / 1e9 > max_s / 2)
            break;
        done++;
    }
    bench_print_latency("raw_lookup", &s, done, "us");
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    sqlite3_close(h);
    bench_remove_db(path);

    /* The disk: what one durable WAL commit must wait for. SQLite
     * overwrites a WAL file that already has its size and syncs it with
     * fdatasync (Linux), so: a 4 MiB file written once, then 4 KiB
     * overwrites in a ring, each followed by fdatasync(). */
    bench_samples_free(&s);
    snprintf(path, sizeof path, "%s/bench_fsync.tmp", dir);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
    if (fd < 0)
        bench_die("open %s", path);
    char page[4096];
    memset(page, 'x', sizeof page);
    for (int i = 0; i < 1024; i++)
        if (write(fd, page, sizeof page) != (ssize_t)sizeof page)
            bench_die("write %s", path);
    if (fsync(fd) != 0)
        bench_die("fsync %s", path);
    done = 0;
    start = b0 = bench_now_ns();
    for (long long i = 0; i < fsyncs; i++) {
        if (pwrite(fd, page, sizeof page, (off_t)(i % 1024) * 4096) != (ssize_t)sizeof page || fdatasync(fd) != 0)
            bench_die("pwrite/fdatasync %s", path);
        if (++done % 10 == 0) {
            double t1 = bench_now_ns();
            bench_samples_add(&s, 10 / ((t1 - b0) / 1e9));
            b0 = t1;
            if ((t1 - start) / 1e9 > max_s / 2)
                break;
        }
    }
    bench_print_rate("fsync", &s, done, (bench_now_ns() - start) / 1e9, "fsyncs/s");
    close(fd);
    unlink(path);
    bench_samples_free(&s);
    return 0;
}
