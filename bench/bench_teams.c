/*
 * bench/bench_teams.c - many teachers in one call (slotledger/teams.h)
 * against the same work done one teacher at a time, in the same run.
 *
 *   bench_teams --teachers N [--db PATH] [--backend sqlite|postgres]
 *               [--rounds R] [--sessions M] [--max-seconds S] [--seed X]
 *               [--reuse]
 *
 * Builds the audit's data set (bench/dataset.c; --sessions past and future
 * sessions per teacher, default 500) into a SQLite file in SL_FAST (or a
 * PostgreSQL connection string with --backend postgres), then, in short
 * alternating blocks so that the machine's load falls on both alike:
 *  - many:    one sl_slots_many over teachers 1..N, 14 days, 60 minutes;
 *  - singles: N sl_slots calls over the same teachers, query and `now`;
 *  - free_at: one sl_free_at over teachers 1..N at a start on the grid;
 *  - team_any / team_all: sl_team_slots over the first min(N, 100) teachers.
 * Every figure has its wall-clock latency (ms per call, N teachers per call)
 * and its CPU time per call (_cpu, CLOCK_THREAD_CPUTIME_ID); ratio_many
 * is many_p50 / singles_p50 (target <= 0.5), slots_checked says the two
 * answered alike (the total number of slots), loadavg_start / _end the
 * 1-minute load average around the timed part. --reuse keeps an existing
 * file and skips the load (bench/run.py builds once per run).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static sl_interval buf[SL_MAX_SLOTS];

typedef struct fig {
    bench_samples wall, cpu;
} fig;

static void fig_init(fig *f)
{
    bench_samples_init(&f->wall);
    bench_samples_init(&f->cpu);
}

static void fig_add(fig *f, double w0, double w1, double c0, double c1)
{
    bench_samples_add(&f->wall, (w1 - w0) / 1e6);
    bench_samples_add(&f->cpu, (c1 - c0) / 1e6);
}

static void fig_print(fig *f, const char *name)
{
    char k[64];
    long long n = (long long)f->wall.n;
    bench_print_latency(name, &f->wall, n, "ms");
    snprintf(k, sizeof(k), "%s_cpu", name);
    bench_print_latency(k, &f->cpu, n, "ms");
    bench_samples_free(&f->wall);
    bench_samples_free(&f->cpu);
}

static double pct50(const bench_samples *s)
{
    double *v = malloc(s->n * sizeof(double));
    if (!v || s->n == 0) {
        free(v);
        return 0;
    }
    memcpy(v, s->v, s->n * sizeof(double));
    for (size_t i = 1; i < s->n; i++) /* small: insertion sort */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    double m = v[s->n / 2];
    free(v);
    return m;
}

/* One block: each kind of call once. Returns the slots of the last
 * many call and of the singles (they must be equal). */
static void block(sl_db *db, const sl_id *ids, int n, int team_n, fig *f, long long *many_slots,
                  long long *single_slots)
{
    const sl_time from = BENCH_NOW, to = BENCH_NOW + 14 * BENCH_DAY;
    double w0, c0;
    sl_many_slots *m = NULL;
    c0 = bench_thread_cpu_ns(), w0 = bench_now_ns();
    bench_check(db, sl_slots_many(db, &m, ids, (size_t)n, from, to, 3600, BENCH_NOW), "sl_slots_many");
    fig_add(&f[0], w0, bench_now_ns(), c0, bench_thread_cpu_ns());
    *many_slots = (long long)m->n_slots;
    sl_free(m);

    long long total = 0;
    c0 = bench_thread_cpu_ns(), w0 = bench_now_ns();
    for (int i = 0; i < n; i++) {
        size_t k = 0;
        bench_check(db, sl_slots(db, buf, SL_MAX_SLOTS, &k, NULL, ids[i], from, to, 3600, BENCH_NOW), "sl_slots");
        total += (long long)k;
    }
    fig_add(&f[1], w0, bench_now_ns(), c0, bench_thread_cpu_ns());
    *single_slots = total;

    sl_free_at_result *fr = NULL;
    c0 = bench_thread_cpu_ns(), w0 = bench_now_ns();
    bench_check(db, sl_free_at(db, &fr, ids, (size_t)n, BENCH_NOW + 2 * BENCH_DAY + 4 * BENCH_HOUR, 3600, BENCH_NOW),
                "sl_free_at");
    fig_add(&f[2], w0, bench_now_ns(), c0, bench_thread_cpu_ns());
    sl_free(fr);

    for (int mode = SL_TEAM_ANY; mode <= SL_TEAM_ALL; mode++) {
        sl_team_avail *t = NULL;
        c0 = bench_thread_cpu_ns(), w0 = bench_now_ns();
        bench_check(db, sl_team_slots(db, &t, ids, (size_t)team_n, from, to, 3600, mode, BENCH_NOW), "sl_team_slots");
        fig_add(&f[2 + mode], w0, bench_now_ns(), c0, bench_thread_cpu_ns());
        sl_free(t);
    }
}

int main(int argc, char **argv)
{
    int teachers = (int)bench_arg_int(argc, argv, "--teachers", 1000);
    int rounds = (int)bench_arg_int(argc, argv, "--rounds", 30);
    int sessions = (int)bench_arg_int(argc, argv, "--sessions", BENCH_SESSIONS_PER_TEACHER);
    double max_s = (double)bench_arg_int(argc, argv, "--max-seconds", 20);
    const char *backend = bench_arg(argc, argv, "--backend", "sqlite");
    const char *path = bench_arg(argc, argv, "--db", "bench-teams.db");
    int pg = strcmp(backend, "postgres") == 0, reuse = bench_arg_flag(argc, argv, "--reuse");
    if (teachers < 1 || teachers > SL_MAX_TEAM || rounds < 1)
        bench_die("--teachers must be 1..%d and --rounds >= 1", SL_MAX_TEAM);

    if (!pg && !reuse)
        bench_remove_db(path);
    sl_db *db = bench_open_sqlite(path, SL_FAST); /* sl_open takes a connection string too */
    if (!reuse) {
        bench_dataset_opts o = {teachers, sessions, BENCH_STUDENTS_PER_TEACHER, 0, BENCH_LOAD_MANY,
                                (uint64_t)bench_arg_int(argc, argv, "--seed", 42)};
        bench_dataset_stats st;
        bench_dataset_build(db, &o, &st);
        bench_kv_num("load_s", st.seconds_setup + st.seconds_sessions);
        bench_kv_int("load_sessions", st.sessions);
    }
    sl_id *ids = malloc((size_t)teachers * sizeof(*ids));
    if (!ids)
        bench_die("out of memory");
    for (int i = 0; i < teachers; i++)
        ids[i] = i + 1;
    int team_n = teachers < 100 ? teachers : 100;

    fig f[5];
    for (int i = 0; i < 5; i++)
        fig_init(&f[i]);
    long long ms = 0, ss = 0;
    block(db, ids, teachers, team_n, f, &ms, &ss); /* warm-up: every page once */
    for (int i = 0; i < 5; i++) {
        bench_samples_free(&f[i].wall);
        bench_samples_free(&f[i].cpu);
        fig_init(&f[i]);
    }
    double load0 = bench_loadavg(), start = bench_now_ns();
    int done = 0;
    for (; done < rounds && (bench_now_ns() - start) / 1e9 < max_s; done++) {
        block(db, ids, teachers, team_n, f, &ms, &ss);
        if (ms != ss)
            bench_die("sl_slots_many gave %lld slots, %d single calls %lld", ms, teachers, ss);
    }
    bench_kv_str("backend", backend);
    bench_kv_int("teachers", teachers);
    bench_kv_int("team_teachers", team_n);
    bench_kv_int("rounds", done);
    bench_kv_int("slots_checked", ms);
    bench_kv_num("ratio_many", pct50(&f[1].wall) > 0 ? pct50(&f[0].wall) / pct50(&f[1].wall) : 0);
    bench_kv_num("ratio_many_cpu", pct50(&f[1].cpu) > 0 ? pct50(&f[0].cpu) / pct50(&f[1].cpu) : 0);
    fig_print(&f[0], "many");
    fig_print(&f[1], "singles");
    fig_print(&f[2], "free_at");
    fig_print(&f[3], "team_any");
    fig_print(&f[4], "team_all");
    bench_kv_num("loadavg_start", load0);
    bench_kv_num("loadavg_end", bench_loadavg());
    bench_kv_int("peak_rss_kb", bench_peak_rss_kb());
    free(ids);
    sl_close(db);
    return 0;
}
