/*
 * bench/bench_ledger.c - the credit ledger on SQLite: single posts, linked
 * batches of 1,000, idempotent replays, and sl_ledger_verify.
 *
 *   bench_ledger --db PATH [--durability fast|durable] [--tenants 10]
 *                [--posts N] [--batches M] [--replays R] [--max-seconds S]
 *
 * Single posts alternate a purchase of 2 and a consume of 1 on the same
 * account (so the balance check runs on every consume), spread over the
 * tenants and 50 accounts each, every post with its own key. A linked batch
 * is one sl_ledger_post_many of 1,000 such entries for one tenant. A replay
 * re-posts an earlier single post with the same key and request (must come
 * back SL_OK with replayed = 1). Verify recomputes each tenant's chain and
 * balances.
 *
 * Figures: post (posts/s per 100-post batch), post_latency (us),
 * linked (entries/s per call), replay (replays/s per 100), verify
 * (entries/s per call), entries_total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define BATCH 100

static void single_key(char *buf, size_t cap, long long j, int consume)
{
    snprintf(buf, cap, "s:%lld:%c", j, consume ? 'c' : 'p');
}

/* Post i of the single-post sequence (pairs j = i / 2). */
static int post_one(sl_db *db, sl_entry *out, int tenants, long long i)
{
    char key[48];
    long long j = i / 2;
    int consume = (int)(i % 2);
    int t = 1 + (int)(j % tenants);
    sl_id account = bench_student(t, BENCH_STUDENTS_PER_TEACHER, (int)((j / tenants) % BENCH_STUDENTS_PER_TEACHER));
    single_key(key, sizeof key, j, consume);
    return sl_ledger_post(db, out, t, account, consume ? SL_ENTRY_CONSUME : SL_ENTRY_PURCHASE, consume ? -1 : 2, key,
                          "bench", BENCH_NOW);
}

int main(int argc, char **argv)
{
    const char *path = bench_arg(argc, argv, "--db", "bench_ledger.db");
    int tenants = (int)bench_arg_int(argc, argv, "--tenants", 10);
    long long posts = bench_arg_int(argc, argv, "--posts", 100000);
    long long batches = bench_arg_int(argc, argv, "--batches", 200);
    long long replays = bench_arg_int(argc, argv, "--replays", 50000);
    double max_s = (double)bench_arg_int(argc, argv, "--max-seconds", 15);
    int durability = bench_arg_durability(argc, argv);
    if (tenants < 1)
        bench_die("--tenants must be >= 1");

    bench_kv_sqlite("ledger", durability);
    bench_kv_int("scale", tenants);

    bench_dataset_opts o = {tenants, 0, BENCH_STUDENTS_PER_TEACHER, 0, BENCH_LOAD_MANY, 42};
    sl_db *db = bench_dataset_file(path, durability, &o);

    /* Single posts. */
    bench_samples rates, lat;
    bench_samples_init(&rates);
    bench_samples_init(&lat);
    long long done = 0;
    bench_kv_num("loadavg_start", bench_loadavg());
    double cpu0 = bench_cpu_ns(0);
    double start = bench_now_ns(), b0 = start;
    for (long long i = 0; i < posts; i++) {
        double t0 = bench_now_ns();
        int rc = post_one(db, NULL, tenants, i);
        double t1 = bench_now_ns();
        bench_check(db, rc, "sl_ledger_post");
        bench_samples_add(&lat, (t1 - t0) / 1e3);
        done++;
        if (done % BATCH == 0) {
            bench_samples_add(&rates, BATCH / ((t1 - b0) / 1e9));
            b0 = t1;
            if ((t1 - start) / 1e9 > max_s)
                break;
        }
    }
    if (done % 2) { /* end on a whole pair */
        bench_check(db, post_one(db, NULL, tenants, done), "sl_ledger_post");
        done++;
    }
    double secs = (bench_now_ns() - start) / 1e9;
    bench_print_rate("post", &rates, done, secs, "posts/s");
    bench_kv_num("post_cpu_us", (bench_cpu_ns(0) - cpu0) / (double)done / 1e3);
    bench_print_latency("post_latency", &lat, done, "us");
    long long singles = done;

    /* Linked batches of SL_MAX_LINKED. */
    static sl_post batch[SL_MAX_LINKED];
    static char keys[SL_MAX_LINKED][48];
    bench_samples_free(&rates);
    long long linked = 0;
    cpu0 = bench_cpu_ns(0);
    start = bench_now_ns();
    for (long long m = 0; m < batches; m++) {
        int t = 1 + (int)(m % tenants);
        for (int i = 0; i < SL_MAX_LINKED; i++) {
            int consume = i % 2;
            snprintf(keys[i], sizeof keys[i], "l:%lld:%d", m, i);
            batch[i] = (sl_post){bench_student(t, BENCH_STUDENTS_PER_TEACHER, (i / 2) % BENCH_STUDENTS_PER_TEACHER),
                                 consume ? SL_ENTRY_CONSUME : SL_ENTRY_PURCHASE, 0, consume ? -1 : 2, keys[i],
                                 "bench"};
        }
        size_t bad = 0;
        double t0 = bench_now_ns();
        int rc = sl_ledger_post_many(db, NULL, &bad, t, batch, SL_MAX_LINKED, BENCH_NOW);
        double t1 = bench_now_ns();
        if (rc != SL_OK)
            bench_die("sl_ledger_post_many (entry %zu): %s: %s", bad, sl_strerror(rc), sl_errmsg(db));
        bench_samples_add(&rates, SL_MAX_LINKED / ((t1 - t0) / 1e9));
        linked += SL_MAX_LINKED;
        if ((t1 - start) / 1e9 > max_s)
            break;
    }
    bench_kv_num("linked_cpu_us", linked ? (bench_cpu_ns(0) - cpu0) / (double)linked / 1e3 : 0);
    bench_print_rate("linked", &rates, linked, 0, "entries/s");
    {
        double sum = 0;
        for (size_t i = 0; i < rates.n; i++)
            sum += SL_MAX_LINKED / rates.v[i];
        bench_kv_num("linked_mean", sum > 0 ? (double)linked / sum : 0);
    }

    /* Replays of the single posts. */
    bench_samples_free(&rates);
    done = 0;
    start = b0 = bench_now_ns();
    for (long long i = 0; i < replays && singles > 0; i++) {
        sl_entry e;
        int rc = post_one(db, &e, tenants, i % singles);
        bench_check(db, rc, "sl_ledger_post (replay)");
        if (!e.replayed)
            bench_die("replay %lld was posted again", i);
        done++;
        if (done % BATCH == 0) {
            double t1 = bench_now_ns();
            bench_samples_add(&rates, BATCH / ((t1 - b0) / 1e9));
            b0 = t1;
            if ((t1 - start) / 1e9 > max_s)
                break;
        }
    }
    bench_print_rate("replay", &rates, done, (bench_now_ns() - start) / 1e9, "replays/s");

    /* Verify every tenant's chain. */
    bench_samples_free(&rates);
    long long entries = 0, calls = 0;
    double vsecs = 0;
    for (int t = 1; t <= tenants; t++) {
        sl_verify_report rep;
        double t0 = bench_now_ns();
        int rc = sl_ledger_verify(db, &rep, t);
        double t1 = bench_now_ns();
        bench_check(db, rc, "sl_ledger_verify");
        if (rep.entries > 0)
            bench_samples_add(&rates, (double)rep.entries / ((t1 - t0) / 1e9));
        entries += rep.entries;
        vsecs += (t1 - t0) / 1e9;
        calls++;
    }
    bench_print_rate("verify", &rates, entries, vsecs, "entries/s");
    bench_kv_int("verify_calls", calls);
    bench_kv_num("loadavg_end", bench_loadavg());
    bench_kv_int("entries_total", entries);
    sl_close(db);
    bench_kv_int("peak_rss_kb", bench_peak_rss_kb());
    bench_samples_free(&rates);
    bench_samples_free(&lat);
    if (!bench_arg_flag(argc, argv, "--keep"))
        bench_remove_db(path);
    return 0;
}
