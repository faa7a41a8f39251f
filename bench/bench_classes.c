/*
 * bench/bench_classes.c - group classes at the audit's scale (issue 15).
 *
 *   bench_classes --db PATH|CONNINFO [--backend sqlite|postgres]
 *                 [--teachers 1000] [--sessions 500] [--classes 4]
 *                 [--capacity 8] [--waitlist 4] [--iterations K]
 *                 [--max-seconds S] [--seed X]
 *
 * Setup (not timed): the data set of bench_slots (teachers, rules,
 * overrides, sessions, a ledger per student; SL_FAST), then `classes`
 * classes per teacher in its next two weeks (sl_class_create; a start that
 * conflicts moves to the next hour), capacity `capacity`, one credit a seat.
 *
 * Figures (name=value):
 *  - enroll: sl_class_enroll calls per second, one transaction each, with
 *    an idempotency key: capacity + waitlist students per class (the last
 *    `waitlist` of them join the waitlist); enroll_latency (us per call,
 *    p50/p99) and enroll_cpu_us (process CPU per call);
 *  - withdraw: sl_class_withdraw of two seated students per class, each
 *    promoting the first waitlisted student in the same transaction;
 *  - slots: sl_slots p50/p99 (us) for a random teacher, 14 days, 60
 *    minutes, with the classes in the data set (DESIGN.md target at 1,000
 *    teachers: p99 <= 50 us on SQLite, <= 1 ms on PostgreSQL); slots_cpu
 *    the same calls' thread CPU time (what the load moves least);
 *  - classes, seats, waitlisted, loadavg_start / loadavg_end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static sl_interval buf[SL_MAX_SLOTS];

/* One class per teacher and index: the first free hour from day 1 on. */
static sl_id make_class(sl_db *db, int t, int k, int32_t capacity)
{
    for (int slot = 0; slot < 14 * 24; slot++) {
        sl_time start = BENCH_NOW + BENCH_DAY + (sl_time)((k * 37 + slot) % (13 * 24)) * BENCH_HOUR;
        sl_session s;
        int rc = sl_class_create(db, &s, t, start, 3600, capacity, 1, NULL, BENCH_NOW);
        if (rc == SL_OK)
            return s.id;
        if (rc != SL_ECONFLICT)
            bench_check(db, rc, "sl_class_create");
    }
    bench_die("teacher %d has no free hour for class %d", t, k);
}

typedef struct timed {
    bench_samples lat;
    double wall0, cpu0;
    long long calls;
} timed;

static void timed_begin(timed *x)
{
    bench_samples_init(&x->lat);
    x->calls = 0;
    x->cpu0 = bench_cpu_ns(0);
    x->wall0 = bench_now_ns();
}

static void timed_end(timed *x, const char *fig)
{
    double seconds = (bench_now_ns() - x->wall0) / 1e9;
    double cpu = bench_cpu_ns(0) - x->cpu0;
    char k[64];
    bench_kv_num(fig, seconds > 0 ? (double)x->calls / seconds : 0);
    snprintf(k, sizeof k, "%s_latency", fig);
    bench_print_latency(k, &x->lat, x->calls, "us");
    snprintf(k, sizeof k, "%s_cpu_us", fig);
    bench_kv_num(k, x->calls ? cpu / 1e3 / (double)x->calls : 0);
    bench_samples_free(&x->lat);
}

int main(int argc, char **argv)
{
    const char *backend = bench_arg(argc, argv, "--backend", "sqlite");
    const char *path = bench_arg(argc, argv, "--db", "bench_classes.db");
    int teachers = (int)bench_arg_int(argc, argv, "--teachers", 1000);
    int sessions = (int)bench_arg_int(argc, argv, "--sessions", BENCH_SESSIONS_PER_TEACHER);
    int classes = (int)bench_arg_int(argc, argv, "--classes", 4);
    int32_t capacity = (int32_t)bench_arg_int(argc, argv, "--capacity", 8);
    int waitlist = (int)bench_arg_int(argc, argv, "--waitlist", 4);
    long long iterations = bench_arg_int(argc, argv, "--iterations", 20000);
    double max_s = (double)bench_arg_int(argc, argv, "--max-seconds", 20);
    uint64_t seed = (uint64_t)bench_arg_int(argc, argv, "--seed", 42);
    int sqlite = strcmp(backend, "sqlite") == 0;
    if (teachers < 1 || classes < 1 || capacity < 2 || capacity + waitlist > BENCH_STUDENTS_PER_TEACHER)
        bench_die("--teachers >= 1, --classes >= 1, --capacity >= 2, capacity + waitlist <= %d",
                  BENCH_STUDENTS_PER_TEACHER);

    bench_kv_str("bench", "classes");
    bench_kv_str("backend", backend);
    bench_kv_int("scale", teachers);
    if (sqlite)
        bench_remove_db(path);
    sl_db *db = bench_open_sqlite(path, SL_FAST); /* sl_open also takes a connection string */
    bench_dataset_opts o = {teachers, sessions, BENCH_STUDENTS_PER_TEACHER, 1, BENCH_LOAD_MANY, seed};
    bench_dataset_stats st;
    bench_dataset_build(db, &o, &st);
    bench_kv_int("load_sessions", st.sessions);

    sl_id *ids = malloc(sizeof(sl_id) * (size_t)teachers * (size_t)classes);
    if (!ids)
        bench_die("out of memory");
    for (int t = 1; t <= teachers; t++)
        for (int k = 0; k < classes; k++)
            ids[(t - 1) * classes + k] = make_class(db, t, k, capacity);
    bench_kv_int("classes", (long long)teachers * classes);
    bench_kv_num("loadavg_start", bench_loadavg());

    /* Enrollments: class by class, capacity + waitlist students each. */
    timed x;
    char key[64];
    long long seats = 0, waiting = 0;
    timed_begin(&x);
    for (int t = 1; t <= teachers && (bench_now_ns() - x.wall0) / 1e9 < max_s; t++)
        for (int k = 0; k < classes; k++)
            for (int j = 0; j < capacity + waitlist; j++) {
                sl_seat seat;
                sl_id student = bench_student(t, BENCH_STUDENTS_PER_TEACHER, (k * 7 + j) % BENCH_STUDENTS_PER_TEACHER);
                snprintf(key, sizeof key, "enroll:%lld:%lld", (long long)ids[(t - 1) * classes + k], (long long)student);
                double t0 = bench_now_ns();
                bench_check(db, sl_class_enroll(db, &seat, t, ids[(t - 1) * classes + k], student, SL_WAITLIST, key,
                                                BENCH_NOW),
                            "sl_class_enroll");
                bench_samples_add(&x.lat, (bench_now_ns() - t0) / 1e3);
                x.calls++;
                seats += seat.status == SL_SEAT_SEATED;
                waiting += seat.status == SL_SEAT_WAITLISTED;
            }
    int enrolled_teachers = (int)(x.calls / (classes * (capacity + waitlist)));
    timed_end(&x, "enroll");
    bench_kv_int("seats", seats);
    bench_kv_int("waitlisted", waiting);

    /* Withdrawals that promote: the first two students of each class. */
    timed_begin(&x);
    for (int t = 1; t <= enrolled_teachers; t++)
        for (int k = 0; k < classes; k++)
            for (int j = 0; j < 2; j++) {
                sl_id student = bench_student(t, BENCH_STUDENTS_PER_TEACHER, (k * 7 + j) % BENCH_STUDENTS_PER_TEACHER);
                double t0 = bench_now_ns();
                bench_check(db, sl_class_withdraw(db, t, ids[(t - 1) * classes + k], student, NULL, BENCH_NOW),
                            "sl_class_withdraw");
                bench_samples_add(&x.lat, (bench_now_ns() - t0) / 1e3);
                x.calls++;
            }
    timed_end(&x, "withdraw");

    /* sl_slots with the classes in the data set. */
    bench_rng rng;
    bench_rng_seed(&rng, seed + 1);
    bench_samples s, cpu;
    bench_samples_init(&s);
    bench_samples_init(&cpu);
    long long done = 0;
    const sl_time from = BENCH_NOW, to = BENCH_NOW + 14 * BENCH_DAY;
    /* Every teacher once, untimed: as in bench_slots, the timed calls read
     * unchanged data (on SQLite the handle reuses the rows it read,
     * docs/design.md "Reusing rows between reads"). */
    for (int t = 1; t <= teachers; t++) {
        size_t n = 0;
        bench_check(db, sl_slots(db, buf, SL_MAX_SLOTS, &n, NULL, t, from, to, 3600, BENCH_NOW), "sl_slots");
    }
    double start = bench_now_ns();
    for (long long i = 0; i < iterations + 200 && (bench_now_ns() - start) / 1e9 < max_s; i++) {
        size_t n = 0;
        int t = 1 + (int)bench_rng_below(&rng, (uint64_t)teachers);
        double c0 = bench_thread_cpu_ns();
        double t0 = bench_now_ns();
        bench_check(db, sl_slots(db, buf, SL_MAX_SLOTS, &n, NULL, t, from, to, 3600, BENCH_NOW), "sl_slots");
        if (i >= 200) { /* the first 200 warm the cache */
            bench_samples_add(&s, (bench_now_ns() - t0) / 1e3);
            bench_samples_add(&cpu, (bench_thread_cpu_ns() - c0) / 1e3);
            done++;
        }
    }
    /* Wall time per call, and the thread's CPU time per call: on a loaded
     * machine the wall p99 is the scheduler's (a call descheduled for a
     * time slice), the CPU p99 the call's own work. */
    bench_print_latency("slots", &s, done, "us");
    bench_print_latency("slots_cpu", &cpu, done, "us");
    bench_samples_free(&cpu);
    bench_samples_free(&s);
    bench_kv_num("loadavg_end", bench_loadavg());
    free(ids);
    sl_close(db);
    if (sqlite)
        bench_remove_db(path);
    bench_kv_int("peak_rss_kb", bench_peak_rss_kb());
    return 0;
}
