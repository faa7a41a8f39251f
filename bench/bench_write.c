/*
 * bench/bench_write.c - the write figures held as ratios to raw SQLite,
 * measured interleaved (DESIGN.md "Performance").
 *
 *   bench_write --dir DIR [--teachers 100] [--rounds 20] [--block-ms 100]
 *               [--durability fast|durable] [--seed 42]
 *
 * Two files in DIR: the library's (the data set's teachers, no sessions,
 * 40 credits per student) and a raw one, opened with exactly the pragmas
 * lib/store/sqlite.c sets (bench_raw_pragmas: 2 KiB pages, WAL,
 * synchronous NORMAL (fast) or FULL (durable), wal_autocheckpoint 10,000,
 * journal_size_limit 64 MiB, foreign_keys, statements prepared once). The
 * raw row is the size of a ledger entry, in a table with a rowid and a
 * unique (tenant, key) index (as bench_raw).
 *
 * Figures, each run in blocks of --block-ms; every round runs one block of
 * each, in an order that alternates (forward, then backward) so that drift
 * of the machine's load falls on both sides of every ratio alike:
 *   raw1      BEGIN IMMEDIATE; one INSERT; COMMIT            (rows/s)
 *   raw1000   BEGIN IMMEDIATE; 1,000 INSERTs; COMMIT          (rows/s)
 *   book      sl_book, 1 credit held, a key; one txn per call (bookings/s)
 *   post      sl_ledger_post, a key; one txn per call          (posts/s)
 *   linked    sl_ledger_post_many of 1,000 entries             (entries/s)
 *   group_book / group_post (built when the library has sl_group_begin,
 *             BENCH_HAVE_GROUPS): sl_group_begin, 10 bookings of 10
 *             different teachers (or 10 posts), sl_group_commit.
 * For each FIG: FIG_mean (operations / total time of its blocks), the
 * per-block rates (FIG_p50, ...), FIG_cpu_us (process CPU time, user +
 * system by getrusage, per operation) and FIG_blocks. For each library
 * figure: ratio_FIG (the median over rounds of the figure's rate divided by
 * its raw baseline's rate in the same round: raw1 for book, post and the
 * groups, raw1000 for linked) and cpu_ratio_FIG (the baseline's CPU per row
 * divided by the figure's CPU per operation: the same ratio in CPU time,
 * which the machine's noise moves much less). loadavg_start / loadavg_end:
 * the 1-minute load average around the run.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define MAX_ROUNDS 200
#define LINKED 1000
#define GROUP 10

#if defined(BENCH_HAVE_GROUPS)
#define N_FIGS 7
#else
#define N_FIGS 5
#endif
enum { F_RAW1, F_RAW1000, F_BOOK, F_POST, F_LINKED, F_GROUP_BOOK, F_GROUP_POST };
static const char *const fig_names[] = {"raw1", "raw1000", "book", "post", "linked", "group_book", "group_post"};
static const char *const fig_units[] = {"rows/s", "rows/s", "bookings/s", "posts/s", "entries/s",
                                        "bookings/s", "posts/s"};
/* The raw baseline of each figure (-1: none). */
static const int baseline[] = {-1, -1, F_RAW1, F_RAW1, F_RAW1000, F_RAW1, F_RAW1};

typedef struct fig_stats {
    long long ops;
    double wall_ns, cpu_ns;
    double rate[MAX_ROUNDS];
    double cpu[MAX_ROUNDS]; /* CPU ns per op in round r */
} fig_stats;

typedef struct ctx {
    sl_db *db;
    sqlite3 *raw;
    sqlite3_stmt *ins, *begin, *commit;
    int teachers;
    sl_time **starts;
    size_t *n_starts;
    long long next_booking, next_post, next_row, errors;
    int exhausted;
    bench_rng rng;
    sl_post *posts;
    char (*keys)[48];
} ctx;

static void exec(sqlite3 *h, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
        bench_die("raw sqlite: %s: %s", sql, err ? err : "?");
}

static void raw_step(ctx *c, sqlite3_stmt *st)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        bench_die("raw sqlite step: %s", sqlite3_errmsg(c->raw));
    sqlite3_reset(st);
}

static void raw_insert(ctx *c)
{
    long long i = c->next_row++;
    char key[48];
    snprintf(key, sizeof key, "s:%lld", i);
    bench_raw_bind_entry(c->ins, 1 + i % 100, 1 + (i / 20) % 50, i + 1, 1, 1, i, key);
    raw_step(c, c->ins);
}

static int raw_txn(ctx *c, int rows)
{
    raw_step(c, c->begin);
    for (int i = 0; i < rows; i++)
        raw_insert(c);
    raw_step(c, c->commit);
    return rows;
}

static void count_error(ctx *c, int rc, const char *what)
{
    if (c->errors++ < 3)
        fprintf(stderr, "bench_write: %s: %s: %s\n", what, sl_strerror(rc), sl_errmsg(c->db));
}

/* Booking i: teacher 1 + i % T at its (i / T)-th bookable hour, so that
 * GROUP consecutive bookings go to GROUP different teachers. */
static int book_one(ctx *c)
{
    long long i = c->next_booking++;
    int t = 1 + (int)(i % c->teachers);
    size_t k = (size_t)(i / c->teachers);
    if (k >= c->n_starts[t]) {
        c->exhausted = 1;
        return 0;
    }
    char key[48];
    snprintf(key, sizeof key, "b:%lld", i);
    sl_id student = bench_student(t, BENCH_STUDENTS_PER_TEACHER,
                                  (int)bench_rng_below(&c->rng, BENCH_STUDENTS_PER_TEACHER));
    int rc = sl_book(c->db, NULL, t, student, c->starts[t][k], 3600, 1, key, BENCH_NOW);
    if (rc != SL_OK) {
        count_error(c, rc, "sl_book");
        return 0;
    }
    return 1;
}

static int post_one(ctx *c)
{
    long long i = c->next_post++;
    int t = 1 + (int)(i % c->teachers);
    char key[48];
    snprintf(key, sizeof key, "p:%lld", i);
    sl_id account = bench_student(t, BENCH_STUDENTS_PER_TEACHER,
                                  (int)bench_rng_below(&c->rng, BENCH_STUDENTS_PER_TEACHER));
    int rc = sl_ledger_post(c->db, NULL, t, account, SL_ENTRY_PURCHASE, 1, key, NULL, BENCH_NOW);
    if (rc != SL_OK) {
        count_error(c, rc, "sl_ledger_post");
        return 0;
    }
    return 1;
}

static int linked(ctx *c)
{
    int t = 1 + (int)(c->next_post % c->teachers);
    for (int i = 0; i < LINKED; i++) {
        snprintf(c->keys[i], sizeof c->keys[i], "l:%lld", c->next_post++);
        c->posts[i].account = bench_student(t, BENCH_STUDENTS_PER_TEACHER,
                                            (int)bench_rng_below(&c->rng, BENCH_STUDENTS_PER_TEACHER));
        c->posts[i].kind = SL_ENTRY_PURCHASE;
        c->posts[i].amount = 1;
        c->posts[i].key = c->keys[i];
        c->posts[i].reference = NULL;
    }
    size_t failed = 0;
    int rc = sl_ledger_post_many(c->db, NULL, &failed, t, c->posts, LINKED, BENCH_NOW);
    if (rc != SL_OK) {
        count_error(c, rc, "sl_ledger_post_many");
        return 0;
    }
    return LINKED;
}

#if defined(BENCH_HAVE_GROUPS)
static int group(ctx *c, int (*one)(ctx *c))
{
    int rc, n = 0;
    if ((rc = sl_group_begin(c->db)) != SL_OK) {
        count_error(c, rc, "sl_group_begin");
        return 0;
    }
    for (int i = 0; i < GROUP; i++)
        n += one(c);
    if ((rc = sl_group_commit(c->db)) != SL_OK) {
        count_error(c, rc, "sl_group_commit");
        return 0;
    }
    return n;
}
#endif

/* One unit of figure f; returns the operations it completed. */
static int unit(ctx *c, int f)
{
    switch (f) {
    case F_RAW1:
        return raw_txn(c, 1);
    case F_RAW1000:
        return raw_txn(c, LINKED);
    case F_BOOK:
        return book_one(c);
    case F_POST:
        return post_one(c);
    case F_LINKED:
        return linked(c);
#if defined(BENCH_HAVE_GROUPS)
    case F_GROUP_BOOK:
        return group(c, book_one);
    case F_GROUP_POST:
        return group(c, post_one);
#endif
    default:
        return 0;
    }
}

static void run_block(ctx *c, int f, int round, double block_ns, fig_stats *s)
{
    long long ops = 0;
    double c0 = bench_cpu_ns(0), w0 = bench_now_ns(), w1;
    do {
        ops += unit(c, f);
        w1 = bench_now_ns();
    } while (w1 - w0 < block_ns && !c->exhausted);
    double cpu = bench_cpu_ns(0) - c0;
    s->ops += ops;
    s->wall_ns += w1 - w0;
    s->cpu_ns += cpu;
    s->rate[round] = ops / ((w1 - w0) / 1e9);
    s->cpu[round] = ops ? cpu / ops : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void open_raw(ctx *c, const char *path, int fast)
{
    bench_remove_db(path);
    if (sqlite3_open(path, &c->raw) != SQLITE_OK)
        bench_die("raw open %s", path);
    bench_raw_pragmas(c->raw, fast);
    exec(c->raw, "CREATE TABLE entries (id INTEGER PRIMARY KEY, tenant INTEGER NOT NULL,"
                 " account INTEGER NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL,"
                 " amount INTEGER NOT NULL, balance_after INTEGER NOT NULL, hold_id INTEGER NOT NULL,"
                 " created_at INTEGER NOT NULL, idem_key TEXT NOT NULL, reference TEXT NOT NULL,"
                 " request_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;"
                 "CREATE UNIQUE INDEX entries_key ON entries (tenant, idem_key);");
    if (sqlite3_prepare_v2(c->raw, BENCH_RAW_ENTRY_INSERT, -1, &c->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->raw, "BEGIN IMMEDIATE", -1, &c->begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->raw, "COMMIT", -1, &c->commit, NULL) != SQLITE_OK)
        bench_die("raw prepare: %s", sqlite3_errmsg(c->raw));
}

static void open_lib(ctx *c, const char *path, int durability, int teachers, int rounds, double block_s,
                     uint64_t seed)
{
    bench_dataset_opts o = {teachers, 0, BENCH_STUDENTS_PER_TEACHER, 1, BENCH_LOAD_MANY, seed};
    sl_close(bench_dataset_file(path, durability, &o));
    /* Room for every booking the run can make at 40k/s (two booking
     * figures), and the slot lists as bench_book makes them. */
    size_t per = (size_t)(2 * 40000.0 * block_s * rounds / teachers) + 2;
    c->teachers = teachers;
    bench_starts_make(teachers, per, &c->starts, &c->n_starts);
    c->db = bench_open_sqlite(path, durability);
}

static void report(fig_stats *s, int rounds)
{
    for (int f = 0; f < N_FIGS; f++) {
        bench_samples smp;
        bench_samples_init(&smp);
        for (int r = 0; r < rounds; r++)
            bench_samples_add(&smp, s[f].rate[r]);
        bench_print_rate(fig_names[f], &smp, s[f].ops, s[f].wall_ns / 1e9, fig_units[f]);
        bench_samples_free(&smp);
        char name[64];
        snprintf(name, sizeof name, "%s_cpu_us", fig_names[f]);
        bench_kv_num(name, s[f].ops ? s[f].cpu_ns / s[f].ops / 1e3 : 0);
        snprintf(name, sizeof name, "%s_blocks", fig_names[f]);
        bench_kv_int(name, rounds);
        int b = baseline[f];
        if (b < 0)
            continue;
        double ratios[MAX_ROUNDS], cpu_ratios[MAX_ROUNDS];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = s[b].rate[r] > 0 ? s[f].rate[r] / s[b].rate[r] : 0;
            cpu_ratios[r] = s[f].cpu[r] > 0 ? s[b].cpu[r] / s[f].cpu[r] : 0;
        }
        snprintf(name, sizeof name, "ratio_%s", fig_names[f]);
        bench_kv_num(name, median(ratios, rounds));
        snprintf(name, sizeof name, "cpu_ratio_%s", fig_names[f]);
        bench_kv_num(name, s[f].ops && s[b].ops ? (s[b].cpu_ns / s[b].ops) / (s[f].cpu_ns / s[f].ops) : 0);
        snprintf(name, sizeof name, "cpu_ratio_%s_p50", fig_names[f]);
        bench_kv_num(name, median(cpu_ratios, rounds));
    }
}

int main(int argc, char **argv)
{
    const char *dir = bench_arg(argc, argv, "--dir", ".");
    int teachers = (int)bench_arg_int(argc, argv, "--teachers", 100);
    int rounds = (int)bench_arg_int(argc, argv, "--rounds", 20);
    double block_ms = (double)bench_arg_int(argc, argv, "--block-ms", 100);
    uint64_t seed = (uint64_t)bench_arg_int(argc, argv, "--seed", 42);
    int durability = bench_arg_durability(argc, argv);
    if (rounds < 1 || rounds > MAX_ROUNDS)
        bench_die("--rounds 1..%d", MAX_ROUNDS);
    if (teachers < GROUP)
        bench_die("--teachers must be >= %d (a group books %d different teachers)", GROUP, GROUP);

    bench_kv_sqlite("write", durability);
    bench_kv_str("sqlite_version", sqlite3_libversion());
    bench_kv_int("scale", teachers);
    bench_kv_int("rounds", rounds);
    bench_kv_num("block_ms", block_ms);
#if defined(BENCH_HAVE_GROUPS)
    bench_kv_int("groups_built", 1);
#else
    bench_kv_int("groups_built", 0);
#endif

    ctx c;
    memset(&c, 0, sizeof c);
    bench_rng_seed(&c.rng, seed);
    char lib_path[4096], raw_path[4096];
    snprintf(lib_path, sizeof lib_path, "%s/bench_write_lib.db", dir);
    snprintf(raw_path, sizeof raw_path, "%s/bench_write_raw.db", dir);
    open_lib(&c, lib_path, durability, teachers, rounds, block_ms / 1e3, seed);
    open_raw(&c, raw_path, durability == SL_FAST);
    c.posts = calloc(LINKED, sizeof(*c.posts));
    c.keys = calloc(LINKED, sizeof(*c.keys));
    if (!c.posts || !c.keys)
        bench_die("out of memory");

    bench_kv_num("loadavg_start", bench_loadavg());
    static fig_stats s[N_FIGS];
    for (int r = 0; r < rounds && !c.exhausted; r++)
        for (int k = 0; k < N_FIGS; k++) {
            int f = r % 2 ? N_FIGS - 1 - k : k;
            run_block(&c, f, r, block_ms * 1e6, &s[f]);
        }
    bench_kv_num("loadavg_end", bench_loadavg());
    if (c.exhausted)
        bench_die("ran out of bookable slots: raise --teachers");
    report(s, rounds);
    bench_kv_int("errors", c.errors);

    sl_close(c.db);
    sqlite3_finalize(c.ins);
    sqlite3_finalize(c.begin);
    sqlite3_finalize(c.commit);
    sqlite3_close(c.raw);
    bench_starts_free(teachers, c.starts, c.n_starts);
    free(c.posts);
    free(c.keys);
    if (!bench_arg_flag(argc, argv, "--keep")) {
        bench_remove_db(lib_path);
        bench_remove_db(raw_path);
    }
    return c.errors == 0 ? 0 : 1;
}
