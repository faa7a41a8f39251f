/*
 * bench/dataset.c - the audit's data set, built deterministically from a
 * seed through the public API only.
 *
 * Per teacher t (tenant id t): a zone from a fixed mixed list; weekly rules
 * Mon-Fri 09:00-17:00 and Saturday 09:00-12:00 (local); three overrides (a
 * weekday off in the coming week, a short past day 10:00-14:00, an extra
 * Sunday morning 10:00-13:00); 50 students; 500 one-hour sessions on the
 * hourly grid, chosen at random among the bookable hours of the past six
 * months and the next two weeks; and, with `ledger`, a history per student:
 * one purchase of 40 credits, then one consume per past session.
 *
 * Sessions are written with sl_book_many (batches of up to 100, booked "as
 * of" a `now` before the first session, so the past is bookable and every
 * session passes the same checks as a real booking) or one
 * sl_schedule_manual per session; the ledger with sl_ledger_post_many
 * (linked batches of up to 1,000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static const char *const zones[] = {
    "Europe/Berlin",    "America/New_York", "Asia/Kolkata",       "Australia/Sydney",
    "America/Sao_Paulo", "Europe/London",   "Asia/Tokyo",         "Pacific/Auckland",
    "America/Los_Angeles", "Africa/Johannesburg", "Asia/Singapore", "America/Chicago",
    "Europe/Madrid",    "Asia/Dubai",       "America/Mexico_City", "Asia/Kathmandu",
};
#define N_ZONES (sizeof(zones) / sizeof(zones[0]))

const char *bench_zone(int teacher)
{
    return zones[(size_t)(teacher - 1) % N_ZONES];
}

sl_id bench_student(int teacher, int students, int k)
{
    return (sl_id)(teacher - 1) * students + k + 1;
}

static sl_date today(void)
{
    return sl_date_of_time(BENCH_NOW);
}

/* The override dates of teacher t. */
static sl_date off_date(int t)
{
    return today() + 1 + t % 4; /* Tue..Fri of this week */
}
static sl_date short_date(int t)
{
    return today() - 7 * (1 + t % 20) + 2; /* a past Wednesday */
}
static sl_date sunday_date(void)
{
    return today() + 6;
}

size_t bench_teacher_starts(sl_time *out, size_t cap, int teacher, sl_time from, sl_time to)
{
    const char *zone = bench_zone(teacher);
    size_t n = 0;
    sl_date d0 = sl_date_of_time(from) - 1, d1 = sl_date_of_time(to) + 1;
    for (sl_date d = d0; d <= d1 && n < cap; d++) {
        int wd = sl_date_weekday(d);
        if (wd == 7 || d == off_date(teacher) || d == short_date(teacher))
            continue;
        int last = wd == 6 ? 11 : 16;
        for (int h = 9; h <= last && n < cap; h++) {
            sl_time utc;
            int rc = sl_tz_local_to_utc(NULL, &utc, NULL, zone, (int64_t)d * 86400 + h * 3600);
            if (rc != SL_OK)
                bench_die("sl_tz_local_to_utc %s: %s", zone, sl_errmsg(NULL));
            if (utc >= from && utc < to)
                out[n++] = utc;
        }
    }
    return n;
}

static int cmp_time(const void *a, const void *b)
{
    sl_time x = *(const sl_time *)a, y = *(const sl_time *)b;
    return (x > y) - (x < y);
}

typedef struct planned {
    sl_time start;
    int student; /* 0..students-1 */
} planned;

static int cmp_planned(const void *a, const void *b)
{
    return cmp_time(&((const planned *)a)->start, &((const planned *)b)->start);
}

static void setup_teacher(sl_db *db, int t, bench_dataset_stats *st)
{
    sl_tenant ten;
    sl_tenant_init(&ten, SL_TENANT_VERSION);
    ten.id = t;
    snprintf(ten.tz, sizeof ten.tz, "%s", bench_zone(t));
    ten.min_notice = 3600;
    ten.late_cancel = 86400;
    bench_check(db, sl_tenant_put(db, &ten, BENCH_NOW - 400 * BENCH_DAY), "sl_tenant_put");
    for (int wd = 1; wd <= 6; wd++) {
        bench_check(db, sl_rule_add(db, NULL, t, wd, 540, wd == 6 ? 720 : 1020, SL_DATE_MIN, SL_DATE_MAX,
                                    BENCH_NOW - 400 * BENCH_DAY),
                    "sl_rule_add");
        st->rules++;
    }
    const sl_window short_day = {600, 840}, sunday = {600, 780};
    bench_check(db, sl_override_set(db, NULL, t, off_date(t), NULL, 0, BENCH_NOW - 400 * BENCH_DAY),
                "sl_override_set");
    bench_check(db, sl_override_set(db, NULL, t, short_date(t), &short_day, 1, BENCH_NOW - 400 * BENCH_DAY),
                "sl_override_set");
    bench_check(db, sl_override_set(db, NULL, t, sunday_date(), &sunday, 1, BENCH_NOW - 400 * BENCH_DAY),
                "sl_override_set");
    st->overrides += 3;
    st->tenants++;
}

/* The m posts of teacher t as one linked batch. */
static void post_batch(sl_db *db, int t, const sl_post *posts, size_t m, bench_dataset_stats *st)
{
    size_t bad = 0;
    int rc = sl_ledger_post_many(db, NULL, &bad, t, posts, m, BENCH_NOW);
    if (rc != SL_OK)
        bench_die("sl_ledger_post_many (teacher %d, entry %zu): %s: %s", t, bad, sl_strerror(rc),
                  sl_errmsg(db));
    st->entries += (long long)m;
    st->transactions++;
}

/* Ledger history of teacher t: a purchase per student, a consume per past
 * session, in linked batches of up to SL_MAX_LINKED. */
static void ledger_teacher(sl_db *db, int t, int students, const planned *p, int n, bench_dataset_stats *st)
{
    static sl_post posts[SL_MAX_LINKED];
    static char keys[SL_MAX_LINKED][40];
    size_t m = 0;
    int total = students + n;
    for (int i = 0; i < total; i++) {
        sl_post *q = &posts[m];
        memset(q, 0, sizeof(*q));
        if (i < students) {
            q->account = bench_student(t, students, i);
            q->kind = SL_ENTRY_PURCHASE;
            q->amount = 40;
            snprintf(keys[m], sizeof keys[m], "p:%d:%d", t, i);
            q->reference = "seed-purchase";
        } else {
            const planned *s = &p[i - students];
            if (s->start >= BENCH_NOW)
                continue;
            q->account = bench_student(t, students, s->student);
            q->kind = SL_ENTRY_CONSUME;
            q->amount = -1;
            snprintf(keys[m], sizeof keys[m], "c:%d:%d", t, i - students);
            q->reference = "lesson";
        }
        q->key = keys[m];
        if (++m == SL_MAX_LINKED || i == total - 1) {
            post_batch(db, t, posts, m, st);
            m = 0;
        }
    }
    if (m > 0) /* the last rows were skipped future sessions */
        post_batch(db, t, posts, m, st);
}

sl_db *bench_dataset_file(const char *path, int durability, const bench_dataset_opts *o)
{
    bench_dataset_stats st;
    bench_remove_db(path);
    sl_db *db = bench_open_sqlite(path, durability);
    bench_dataset_build(db, o, &st);
    return db;
}

void bench_starts_make(int teachers, size_t per, sl_time ***starts, size_t **n_starts)
{
    sl_time horizon = BENCH_NOW + (sl_time)(per / 40 + 2) * 7 * BENCH_DAY;
    *starts = calloc((size_t)teachers + 1, sizeof(**starts));
    *n_starts = calloc((size_t)teachers + 1, sizeof(**n_starts));
    if (!*starts || !*n_starts)
        bench_die("out of memory");
    for (int t = 1; t <= teachers; t++) {
        if (!((*starts)[t] = malloc(per * sizeof(sl_time))))
            bench_die("out of memory");
        (*n_starts)[t] = bench_teacher_starts((*starts)[t], per, t, BENCH_NOW + 2 * BENCH_HOUR, horizon);
    }
}

void bench_starts_free(int teachers, sl_time **starts, size_t *n_starts)
{
    for (int t = 1; t <= teachers; t++)
        free(starts[t]);
    free(starts);
    free(n_starts);
}

void bench_dataset_build(sl_db *db, const bench_dataset_opts *o, bench_dataset_stats *st)
{
    const int students = o->students > 0 ? o->students : BENCH_STUDENTS_PER_TEACHER;
    const int per = o->sessions >= 0 ? o->sessions : BENCH_SESSIONS_PER_TEACHER;
    const sl_time lo = BENCH_NOW - BENCH_PAST_DAYS * BENCH_DAY, hi = BENCH_NOW + BENCH_FUTURE_DAYS * BENCH_DAY;
    size_t cap = (size_t)(BENCH_PAST_DAYS + BENCH_FUTURE_DAYS + 14) * 9;
    sl_time *cand = malloc(cap * sizeof(*cand));
    planned *plan = malloc((size_t)(per > 0 ? per : 1) * sizeof(*plan));
    if (!cand || !plan)
        bench_die("out of memory for the data set");
    memset(st, 0, sizeof(*st));
    bench_rng rng;
    bench_rng_seed(&rng, o->seed);

    double t0 = bench_now_ns();
    for (int t = 1; t <= o->teachers; t++)
        setup_teacher(db, t, st);
    double t1 = bench_now_ns();
    double ledger_ns = 0;

    for (int t = 1; t <= o->teachers; t++) {
        size_t nc = bench_teacher_starts(cand, cap, t, lo, hi);
        int n = per < (int)nc ? per : (int)nc;
        /* n distinct candidates: a partial Fisher-Yates shuffle. */
        for (int i = 0; i < n; i++) {
            size_t j = (size_t)i + bench_rng_below(&rng, nc - (size_t)i);
            sl_time tmp = cand[i];
            cand[i] = cand[j];
            cand[j] = tmp;
            plan[i].start = cand[i];
            plan[i].student = (int)bench_rng_below(&rng, (uint64_t)students);
        }
        qsort(plan, (size_t)n, sizeof(*plan), cmp_planned);
        if (o->load == BENCH_LOAD_MANUAL) {
            for (int i = 0; i < n; i++) {
                int rc = sl_schedule_manual(db, NULL, t, bench_student(t, students, plan[i].student),
                                            plan[i].start, 3600, 0, NULL, BENCH_NOW);
                bench_check(db, rc, "sl_schedule_manual");
                st->transactions++;
            }
        } else {
            sl_booking b[SL_MAX_BATCH];
            for (int i = 0; i < n; i += SL_MAX_BATCH) {
                int m = n - i < SL_MAX_BATCH ? n - i : SL_MAX_BATCH;
                for (int k = 0; k < m; k++)
                    b[k] = (sl_booking){bench_student(t, students, plan[i + k].student), plan[i + k].start,
                                        3600, 0};
                size_t bad = 0;
                int rc = sl_book_many(db, NULL, &bad, t, b, (size_t)m, NULL, lo - 2 * BENCH_DAY);
                if (rc != SL_OK)
                    bench_die("sl_book_many (teacher %d, booking %zu): %s: %s", t, i + bad, sl_strerror(rc),
                              sl_errmsg(db));
                st->transactions++;
            }
        }
        st->sessions += n;
        if (o->ledger) {
            double l0 = bench_now_ns();
            ledger_teacher(db, t, students, plan, n, st);
            ledger_ns += bench_now_ns() - l0;
        }
    }
    double t2 = bench_now_ns();
    st->seconds_setup = (t1 - t0) / 1e9;
    st->seconds_ledger = ledger_ns / 1e9;
    st->seconds_sessions = (t2 - t1 - ledger_ns) / 1e9;
    free(cand);
    free(plan);
}
