/*
 * tests/check_stress.c - "no double booking, ever" and crash safety, proved
 * against a real SQLite file shared by several processes and threads.
 *
 *  - processes / threads: 8 workers, each with its own handle, race to book
 *    overlapping slots of the same 3 teachers. Afterwards a raw-SQL self-join
 *    finds no two blocking sessions of one tenant whose footprints overlap,
 *    every success a worker reported exists exactly once, every refusal was
 *    SL_ECONFLICT (and really had a blocker) or SL_EBUSY (counted; none is
 *    expected with the default 5 s busy timeout).
 *  - replays: 8 processes send the same keyed request at the same moment:
 *    one session (or one batch) exists, everyone got it.
 *  - first open: 8 processes create and migrate one new file at once.
 *  - crash: a writer process mixing sl_book, sl_book_many, sl_book_recurring,
 *    sl_reschedule and sl_cancel is SIGKILLed at random moments; every time
 *    the file reopens, passes PRAGMA integrity_check, has no overlap, no
 *    half-made batch or series, and takes new bookings.
 *
 * The parent never holds a SQLite connection across fork() (SQLite forbids
 * it): it closes every handle before forking and reopens afterwards.
 * Children leave with _exit() so that neither Check nor valgrind's leak
 * checker sees state inherited from the parent.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "store/schema.h"

#define WORKERS 8
#define N_TENANTS 3
#define DUR 3600          /* 60 min sessions */
#define STEP 1800         /* 30 min grid: neighbouring starts overlap */
#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)

/* Tenant i (1-based) buffers: none; after only; before and after. */
static const int64_t buf_before[N_TENANTS + 1] = {0, 0, 0, 600};
static const int64_t buf_after[N_TENANTS + 1] = {0, 0, 900, 300};

/* ---- helpers --------------------------------------------------------------- */

/* Creates the new file name (path receives its path, 512 bytes) with
 * tenants 1..N_TENANTS open every day. */
static void setup_file(char *path, const char *name, int32_t durability)
{
    snprintf(path, 512, "%s", sl_test_path(name));
    sl_options o = SL_OPTIONS_INIT;
    o.durability = durability;
    sl_db *db = NULL;
    int rc = sl_open(&db, path, &o);
    ck_assert_msg(rc == SL_OK, "sl_open %s: %s", path, sl_errmsg(NULL));
    for (sl_id id = 1; id <= N_TENANTS; id++) {
        sl_tenant t;
        sl_tenant_init(&t, SL_TENANT_VERSION);
        t.id = id;
        t.step = STEP;
        t.buffer_before = buf_before[id];
        t.buffer_after = buf_after[id];
        ck_assert_ok_db(db, sl_tenant_put(db, &t, NOW - DAY));
        for (int32_t wd = 1; wd <= 7; wd++)
            ck_assert_ok_db(db, sl_rule_add(db, NULL, id, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, NOW - DAY));
    }
    sl_close(db);
}

static sl_db *open_or_die_child(const char *path, int32_t durability)
{
    sl_options o = SL_OPTIONS_INIT;
    o.durability = durability;
    sl_db *db = NULL;
    if (sl_open(&db, path, &o) != SL_OK) {
        fprintf(stderr, "# child %d: sl_open: %s\n", (int)getpid(), sl_errmsg(NULL));
        _exit(2);
    }
    return db;
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
    ck_assert_msg(rc == SQLITE_OK, "sqlite3_open %s: %s", path, h ? sqlite3_errmsg(h) : "?");
    sqlite3_busy_timeout(h, 5000);
    return h;
}

static sqlite3_stmt *raw_prepare(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL);
    ck_assert_msg(rc == SQLITE_OK, "prepare %s: %s", sql, sqlite3_errmsg(h));
    return s;
}

static int64_t raw_int(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *s = raw_prepare(h, sql);
    int rc = sqlite3_step(s);
    ck_assert_msg(rc == SQLITE_ROW, "%s: %s", sql, sqlite3_errmsg(h));
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Pairs of blocking, live sessions of one tenant whose footprints
 * [start - buffer_before, end + buffer_after) overlap. */
#define OVERLAP_FROM                                                                              \
    " FROM sessions a JOIN sessions b ON b.tenant = a.tenant AND b.id > a.id"                     \
    " JOIN tenants t ON t.id = a.tenant"                                                         \
    " WHERE a.deleted_at IS NULL AND b.deleted_at IS NULL AND a.status <> 3 AND b.status <> 3"    \
    " AND a.start_at - t.buffer_before < b.end_at + t.buffer_after"                              \
    " AND b.start_at - t.buffer_before < a.end_at + t.buffer_after"

static void assert_no_overlap(sqlite3 *h, const char *when)
{
    int64_t pairs = raw_int(h, "SELECT count(*)" OVERLAP_FROM);
    if (pairs != 0) {
        sqlite3_stmt *s = raw_prepare(h, "SELECT a.tenant, a.id, a.start_at, a.end_at, b.id, b.start_at, b.end_at"
                                         OVERLAP_FROM " LIMIT 5");
        while (sqlite3_step(s) == SQLITE_ROW)
            fprintf(stderr, "# DOUBLE BOOKING tenant %lld: session %lld [%lld, %lld) and %lld [%lld, %lld)\n",
                    (long long)sqlite3_column_int64(s, 0), (long long)sqlite3_column_int64(s, 1),
                    (long long)sqlite3_column_int64(s, 2), (long long)sqlite3_column_int64(s, 3),
                    (long long)sqlite3_column_int64(s, 4), (long long)sqlite3_column_int64(s, 5),
                    (long long)sqlite3_column_int64(s, 6));
        sqlite3_finalize(s);
    }
    ck_assert_msg(pairs == 0, "%s: %lld pairs of overlapping blocking sessions", when, (long long)pairs);
}

/* ---- test 1 and 2: racing bookings ----------------------------------------- */

/*
 * Starts per tenant: attempts * WORKERS / 4 on the 30-min grid. At most one
 * in two starts can be taken (60-min sessions), so at most 3/8 of all
 * attempts can succeed: conflicts are certain, not likely, at every scale.
 */
static uint64_t race_starts(long attempts)
{
    return (uint64_t)(attempts * WORKERS / 4);
}

typedef struct outcome {
    int32_t rc;
    int32_t worker;
    sl_id tenant;
    sl_time start;
    sl_id id;
    char msg[96]; /* sl_errmsg for a code the test does not expect */
} outcome;

/* One worker's attempts, seeded per worker. */
static void race_worker(sl_db *db, int worker, long attempts, uint64_t seed, outcome *out)
{
    uint64_t rng = seed ^ (0x1000193ULL * (uint64_t)(worker + 1));
    for (long i = 0; i < attempts; i++) {
        outcome *o = &out[i];
        memset(o, 0, sizeof(*o));
        o->worker = worker;
        o->tenant = 1 + (sl_id)(sl_test_rand(&rng) % N_TENANTS);
        o->start = BASE + (sl_time)(sl_test_rand(&rng) % race_starts(attempts)) * STEP;
        sl_session s;
        o->rc = sl_book(db, &s, o->tenant, 100 + worker, o->start, DUR, 0, NULL, NOW);
        if (o->rc == SL_OK)
            o->id = s.id;
        else if (o->rc != SL_ECONFLICT)
            snprintf(o->msg, sizeof(o->msg), "%s", sl_errmsg(db));
    }
}

static int cmp_id(const void *a, const void *b)
{
    sl_id x = *(const sl_id *)a, y = *(const sl_id *)b;
    return x < y ? -1 : x > y;
}

/* Checks the file against every worker's outcomes and prints the figures. */
static void verify_race(const char *what, const char *path, const outcome *o, size_t n, long expected)
{
    long ok = 0, conflict = 0, busy = 0, other = 0;
    sl_id *ids = malloc((n ? n : 1) * sizeof(*ids));
    ck_assert_ptr_nonnull(ids);
    ck_assert_int_eq((long)n, expected);

    sqlite3 *h = raw_open(path);
    sqlite3_stmt *get = raw_prepare(h, "SELECT tenant, start_at, end_at, status, deleted_at IS NULL"
                                       " FROM sessions WHERE id = ?1");
    sqlite3_stmt *blocker = raw_prepare(h, "SELECT count(*) FROM sessions s JOIN tenants t ON t.id = s.tenant"
                                           " WHERE s.tenant = ?1 AND s.deleted_at IS NULL AND s.status <> 3"
                                           " AND s.start_at - t.buffer_before < ?2 + ?3 + t.buffer_after"
                                           " AND ?2 - t.buffer_before < s.end_at + t.buffer_after");
    for (size_t i = 0; i < n; i++) {
        switch (o[i].rc) {
        case SL_OK:
            ids[ok++] = o[i].id;
            sqlite3_bind_int64(get, 1, o[i].id);
            ck_assert_msg(sqlite3_step(get) == SQLITE_ROW, "worker %d booked session %lld, which is not stored",
                          o[i].worker, (long long)o[i].id);
            ck_assert_msg(sqlite3_column_int64(get, 0) == o[i].tenant &&
                              sqlite3_column_int64(get, 1) == o[i].start &&
                              sqlite3_column_int64(get, 2) == o[i].start + DUR &&
                              sqlite3_column_int64(get, 3) == SL_STATUS_PENDING && sqlite3_column_int64(get, 4) == 1,
                          "session %lld is stored differently from what worker %d was told", (long long)o[i].id,
                          o[i].worker);
            sqlite3_reset(get);
            break;
        case SL_ECONFLICT:
            /* Nothing is ever cancelled here, so the time must still be taken. */
            conflict++;
            sqlite3_bind_int64(blocker, 1, o[i].tenant);
            sqlite3_bind_int64(blocker, 2, o[i].start);
            sqlite3_bind_int64(blocker, 3, DUR);
            ck_assert_int_eq(sqlite3_step(blocker), SQLITE_ROW);
            ck_assert_msg(sqlite3_column_int64(blocker, 0) > 0,
                          "worker %d was refused tenant %lld at %lld with SL_ECONFLICT but nothing blocks it",
                          o[i].worker, (long long)o[i].tenant, (long long)o[i].start);
            sqlite3_reset(blocker);
            break;
        case SL_EBUSY:
            busy++;
            break;
        default:
            other++;
            fprintf(stderr, "# %s: worker %d got %s: %s\n", what, o[i].worker, sl_strerror(o[i].rc), o[i].msg);
        }
    }
    sqlite3_finalize(get);
    sqlite3_finalize(blocker);
    fprintf(stderr, "# %s: %ld attempts: %ld booked, %ld SL_ECONFLICT, %ld SL_EBUSY, %ld other\n", what,
            (long)n, ok, conflict, busy, other);
    ck_assert_msg(other == 0, "%s: %ld attempts failed with a code other than SL_ECONFLICT/SL_EBUSY", what,
                  other);

    qsort(ids, (size_t)ok, sizeof(*ids), cmp_id);
    for (long i = 1; i < ok; i++)
        ck_assert_msg(ids[i] != ids[i - 1], "session id %lld was reported to two bookings", (long long)ids[i]);
    int64_t rows = raw_int(h, "SELECT count(*) FROM sessions");
    ck_assert_msg(rows == ok, "%lld session rows but %ld successes reported", (long long)rows, ok);
    assert_no_overlap(h, what);
    ck_assert_int_eq(sqlite3_close(h), SQLITE_OK);
    free(ids);

    /* The race was real: both outcomes happened (see race_starts). */
    ck_assert_int_gt(ok, 0);
    ck_assert_int_gt(conflict, 0);
    ck_assert_int_eq(busy, 0); /* 5 s busy timeout: lock waits never reach it here */
}

typedef struct race_job {
    const char *path;
    long attempts;
    uint64_t seed;
} race_job;

/* A worker process: its own handle, then attempts bookings at the start. */
static int race_child(int w, int go, void *ctx, void *report)
{
    const race_job *job = ctx;
    /* The default options: SL_DURABLE (synchronous=FULL), 5 s busy timeout. */
    sl_db *db = open_or_die_child(job->path, SL_DURABLE);
    sl_test_wait_go(go);
    race_worker(db, w, job->attempts, job->seed, report);
    sl_close(db);
    return 0;
}

START_TEST(test_processes_never_double_book)
{
    char path[512];
    setup_file(path, "procs.db", SL_DURABLE);
    long attempts = sl_test_scale(200);
    uint64_t seed = sl_test_seed("stress processes");

    race_job job = {path, attempts, seed};
    outcome *all = malloc((size_t)(WORKERS * attempts) * sizeof(*all));
    ck_assert_ptr_nonnull(all);
    size_t n = (size_t)(WORKERS * attempts);
    sl_test_fork_children(WORKERS, race_child, &job, all, (size_t)attempts * sizeof(outcome));
    verify_race("8 processes, SL_DURABLE", path, all, n, WORKERS * attempts);
    free(all);
}
END_TEST

typedef struct thread_arg {
    const char *path;
    int worker;
    long attempts;
    uint64_t seed;
    pthread_barrier_t *barrier;
    outcome *out;
    int open_rc;
    char open_msg[128];
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    sl_options o = SL_OPTIONS_INIT;
    o.durability = SL_FAST;
    sl_db *db = NULL;
    a->open_rc = sl_open(&db, a->path, &o);
    if (a->open_rc != SL_OK)
        snprintf(a->open_msg, sizeof(a->open_msg), "%s", sl_errmsg(NULL));
    pthread_barrier_wait(a->barrier);
    if (a->open_rc == SL_OK) {
        race_worker(db, a->worker, a->attempts, a->seed, a->out);
        sl_close(db);
    }
    return NULL;
}

START_TEST(test_threads_never_double_book)
{
    char path[512];
    setup_file(path, "threads.db", SL_FAST);
    long attempts = sl_test_scale(200);
    uint64_t seed = sl_test_seed("stress threads");

    pthread_barrier_t barrier;
    ck_assert_int_eq(pthread_barrier_init(&barrier, NULL, WORKERS), 0);
    outcome *all = calloc((size_t)(WORKERS * attempts), sizeof(*all));
    ck_assert_ptr_nonnull(all);
    thread_arg args[WORKERS];
    pthread_t th[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        memset(&args[w], 0, sizeof(args[w]));
        args[w].path = path;
        args[w].worker = w;
        args[w].attempts = attempts;
        args[w].seed = seed;
        args[w].barrier = &barrier;
        args[w].out = all + w * attempts;
        ck_assert_int_eq(pthread_create(&th[w], NULL, thread_main, &args[w]), 0);
    }
    for (int w = 0; w < WORKERS; w++)
        ck_assert_int_eq(pthread_join(th[w], NULL), 0);
    pthread_barrier_destroy(&barrier);
    for (int w = 0; w < WORKERS; w++)
        ck_assert_msg(args[w].open_rc == SL_OK, "thread %d: sl_open: %s", w, args[w].open_msg);
    verify_race("8 threads, SL_FAST", path, all, (size_t)(WORKERS * attempts), WORKERS * attempts);
    free(all);
}
END_TEST

/* ---- test 3: concurrent idempotent replays ---------------------------------- */

#define BATCH 3

typedef struct replay_report {
    int32_t rc;
    int32_t replayed[BATCH];
    sl_id id[BATCH];
    sl_id series[BATCH];
    char msg[96];
} replay_report;

static sl_time replay_start(int round, int i)
{
    return BASE + 10 * DAY + (sl_time)round * DAY + (sl_time)i * 2 * 3600;
}

typedef struct replay_job {
    const char *path;
    int round;
    int batch; /* a keyed sl_book_many of BATCH, else one keyed sl_book */
    const char *key;
} replay_job;

/* A worker process: the same keyed request as every other, at the start. */
static int replay_child(int w, int go, void *ctx, void *report)
{
    const replay_job *job = ctx;
    replay_report *rep = report;
    (void)w;
    sl_db *db = open_or_die_child(job->path, SL_DURABLE);
    sl_test_wait_go(go);
    sl_session out[BATCH];
    memset(out, 0, sizeof(out));
    if (job->batch) {
        sl_booking b[BATCH];
        for (int i = 0; i < BATCH; i++) {
            b[i].student = 7;
            b[i].start = replay_start(job->round, i);
            b[i].duration = DUR;
            b[i].credits = 0;
        }
        rep->rc = sl_book_many(db, out, NULL, 1, b, BATCH, job->key, NOW);
    } else {
        rep->rc = sl_book(db, out, 1, 7, replay_start(job->round, 0), DUR, 0, job->key, NOW);
    }
    if (rep->rc != SL_OK)
        snprintf(rep->msg, sizeof(rep->msg), "%s", sl_errmsg(db));
    for (int i = 0; i < (job->batch ? BATCH : 1); i++) {
        rep->id[i] = out[i].id;
        rep->replayed[i] = out[i].replayed;
        rep->series[i] = out[i].series_id;
    }
    sl_close(db);
    return 0;
}

START_TEST(test_concurrent_replays_book_once)
{
    char path[512];
    setup_file(path, "replay.db", SL_DURABLE);
    int rounds = (int)sl_test_scale(10);
    if (rounds < 2)
        rounds = 2; /* one sl_book round, one sl_book_many round */
    long total_rows = 0;

    for (int r = 0; r < rounds; r++) {
        int batch = r % 2; /* odd rounds replay a keyed sl_book_many */
        int nb = batch ? BATCH : 1;
        char key[64];
        snprintf(key, sizeof(key), "replay-%d", r);
        replay_job job = {path, r, batch, key};
        replay_report rep[WORKERS];
        sl_test_fork_children(WORKERS, replay_child, &job, rep, sizeof(replay_report));

        int originals = 0;
        for (int w = 0; w < WORKERS; w++) {
            ck_assert_msg(rep[w].rc == SL_OK, "round %d: worker %d got %s: %s", r, w, sl_strerror(rep[w].rc),
                          rep[w].msg);
            for (int i = 0; i < nb; i++) {
                ck_assert_msg(rep[w].id[i] == rep[0].id[i],
                              "round %d: worker %d got session %lld, worker 0 got %lld", r, w,
                              (long long)rep[w].id[i], (long long)rep[0].id[i]);
                ck_assert_int_eq(rep[w].replayed[i], rep[w].replayed[0]);
                if (batch)
                    ck_assert_int_eq(rep[w].series[i], rep[0].id[0]);
            }
            originals += rep[w].replayed[0] == 0;
        }
        ck_assert_msg(originals == 1, "round %d: %d workers were told they made the booking", r, originals);

        sqlite3 *h = raw_open(path);
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE idem_key = '%s'", key);
        ck_assert_int_eq(raw_int(h, sql), 1);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE start_at >= %lld AND start_at < %lld",
                 (long long)replay_start(r, 0), (long long)replay_start(r + 1, 0));
        ck_assert_int_eq(raw_int(h, sql), nb);
        if (batch) {
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE series_id = %lld",
                     (long long)rep[0].id[0]);
            ck_assert_int_eq(raw_int(h, sql), BATCH);
        }
        total_rows += nb;
        ck_assert_int_eq(raw_int(h, "SELECT count(*) FROM sessions"), total_rows);
        assert_no_overlap(h, "replays");
        sqlite3_close(h);
    }
    fprintf(stderr, "# replays: %d rounds x %d processes, %ld sessions made, every replay answered\n", rounds,
            WORKERS, total_rows);
}
END_TEST

/* ---- concurrent first open ----------------------------------------------------- */

/* A worker process: at the start, opens the file (ctx: its path) and
 * adds tenant w + 1. */
static int first_open_child(int w, int go, void *ctx, void *report)
{
    (void)report;
    sl_test_wait_go(go);
    sl_db *db = open_or_die_child(ctx, w % 2 ? SL_FAST : SL_DURABLE);
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = w + 1;
    int rc = sl_tenant_put(db, &t, NOW);
    if (rc != SL_OK)
        fprintf(stderr, "# worker %d: sl_tenant_put: %s\n", w, sl_errmsg(db));
    sl_close(db);
    return rc == SL_OK ? 0 : 3;
}

/* Workers that start together all open (and so create and migrate) a new
 * file at once: every open succeeds and the schema is made exactly once. */
START_TEST(test_concurrent_first_open)
{
    int rounds = (int)sl_test_scale(20);
    for (int r = 0; r < rounds; r++) {
        char path[512];
        snprintf(path, sizeof(path), "%s", sl_test_path("first.db"));
        sl_test_fork_children(WORKERS, first_open_child, path, NULL, 0);
        sqlite3 *h = raw_open(path);
        ck_assert_int_eq(raw_int(h, "SELECT count(*) FROM tenants"), WORKERS);
        /* every migration recorded once (versions may have gaps) */
        ck_assert_int_eq(raw_int(h, "SELECT count(*) FROM sl_schema"),
                         raw_int(h, "SELECT count(DISTINCT version) FROM sl_schema"));
        sqlite3_close(h);
    }
    fprintf(stderr, "# first open: %d rounds of %d processes creating one file at once\n", rounds, WORKERS);
}
END_TEST

/* ---- test 4: crash safety ---------------------------------------------------- */

#define CRASH_SPAN_DAYS 14
#define BATCH_STUDENT0 100000    /* students 100000..199999: one sl_book_many each */
#define SERIES_STUDENT0 200000   /* students 200000..: one sl_book_recurring each */
#define PROBE_FROM (BASE + 60 * DAY)

static int64_t group_size(sl_id student)
{
    if (student >= SERIES_STUDENT0)
        return 2 + student % 3; /* recurring count */
    return 2 + student % 4;     /* batch size */
}

static sl_time crash_start(uint64_t *rng)
{
    return BASE + (sl_time)(sl_test_rand(rng) % (CRASH_SPAN_DAYS * DAY / STEP)) * STEP;
}

static void writer_fail(const char *op, int rc, sl_db *db)
{
    fprintf(stderr, "# writer: %s returned %s: %s\n", op, sl_strerror(rc), sl_errmsg(db));
    _exit(3);
}

/* What the writer reports after each commit: a session it created, or one
 * it cancelled. Whatever was reported must survive the kill. */
typedef struct committed {
    sl_id id;
    int64_t cancelled;
} committed;

static void report(int fd, sl_id id, int64_t cancelled)
{
    committed c = {id, cancelled};
    if (sl_test_write_all(fd, &c, sizeof(c)) != 0)
        _exit(5);
}

/* The writer child: books, batches, series, reschedules and cancels until
 * it is killed, reporting every commit on `progress` (the parent starts the
 * clock at the first report). An unexpected result code ends it with
 * status 3 (the parent then fails). */
static void crash_writer(const char *path, int32_t durability, int round, uint64_t seed, int progress)
{
    sl_db *db = open_or_die_child(path, durability);
    uint64_t rng = seed;
    sl_id known[512];
    size_t n_known = 0;
    sl_id batch_student = BATCH_STUDENT0 + (sl_id)round * 1000;
    sl_id series_student = SERIES_STUDENT0 + (sl_id)round * 1000;
    time_t deadline = time(NULL) + 120; /* never outlive a lost parent for long */
    sl_session s[SL_MAX_RECURRING];

    for (long i = 0; time(NULL) < deadline; i++) {
        unsigned op = (unsigned)(sl_test_rand(&rng) % 10);
        sl_id tenant = 1 + (sl_id)(sl_test_rand(&rng) % N_TENANTS);
        int rc;
        if (op <= 3) {
            char key[64];
            int keyed = (int)(sl_test_rand(&rng) % 2);
            snprintf(key, sizeof(key), "single-%d-%ld", round, i);
            rc = sl_book(db, s, tenant, 1 + (sl_id)(sl_test_rand(&rng) % 50), crash_start(&rng), DUR, 0,
                         keyed ? key : NULL, NOW);
            if (rc != SL_OK && rc != SL_ECONFLICT)
                writer_fail("sl_book", rc, db);
            if (rc == SL_OK) {
                report(progress, s[0].id, 0);
                if (n_known < 512)
                    known[n_known++] = s[0].id;
            }
        } else if (op <= 5) {
            sl_id student = batch_student++;
            sl_booking b[8];
            size_t k = (size_t)group_size(student);
            char key[64];
            snprintf(key, sizeof(key), "batch-%lld", (long long)student);
            for (size_t j = 0; j < k; j++) {
                b[j].student = student;
                b[j].start = crash_start(&rng);
                b[j].duration = DUR;
                b[j].credits = 0;
            }
            rc = sl_book_many(db, s, NULL, tenant, b, k, key, NOW);
            if (rc != SL_OK && rc != SL_ECONFLICT)
                writer_fail("sl_book_many", rc, db);
            for (size_t j = 0; rc == SL_OK && j < k; j++) {
                report(progress, s[j].id, 0);
                if (n_known < 512)
                    known[n_known++] = s[j].id;
            }
        } else if (op == 6) {
            sl_id student = series_student++;
            uint32_t count = (uint32_t)group_size(student);
            size_t booked = 0;
            char key[64];
            snprintf(key, sizeof(key), "series-%lld", (long long)student);
            sl_time first = BASE + (sl_time)(sl_test_rand(&rng) % (7 * DAY / STEP)) * STEP;
            rc = sl_book_recurring(db, s, &booked, NULL, 0, NULL, tenant, student, first, DUR, 0, count,
                                   SL_RECUR_ALL_OR_NOTHING, key, NOW);
            if (rc != SL_OK && rc != SL_ECONFLICT)
                writer_fail("sl_book_recurring", rc, db);
            if (rc == SL_OK && booked != count)
                writer_fail("sl_book_recurring (all or nothing booked a part)", rc, db);
            for (size_t j = 0; rc == SL_OK && j < booked; j++)
                report(progress, s[j].id, 0);
        } else if (n_known > 0) {
            sl_id id = known[sl_test_rand(&rng) % n_known];
            /* The session may belong to another tenant: then SL_ENOTFOUND. */
            if (op <= 8) {
                rc = sl_reschedule(db, s, tenant, id, crash_start(&rng), NOW);
                if (rc != SL_OK && rc != SL_ECONFLICT && rc != SL_ENOTFOUND && rc != SL_ESTATE)
                    writer_fail("sl_reschedule", rc, db);
            } else {
                rc = sl_cancel(db, s, tenant, id, NOW);
                if (rc != SL_OK && rc != SL_ENOTFOUND && rc != SL_ESTATE)
                    writer_fail("sl_cancel", rc, db);
                if (rc == SL_OK)
                    report(progress, id, 1);
            }
        }
    }
    sl_close(db);
    _exit(6); /* the parent should have killed us long ago */
}

/* After a kill: the file opens, is intact, has no overlap, no half batch or
 * series, and books. Returns the number of sessions. */
static int64_t verify_after_crash(const char *path, int round, const committed *done, size_t n_done)
{
    sl_db *db = NULL;
    int rc = sl_open(&db, path, NULL);
    ck_assert_msg(rc == SL_OK, "round %d: reopening after SIGKILL: %s: %s", round, sl_strerror(rc),
                  sl_errmsg(NULL));

    sqlite3 *h = raw_open(path);
    sqlite3_stmt *s = raw_prepare(h, "PRAGMA integrity_check");
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_msg(strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0, "round %d: integrity_check: %s",
                  round, (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    char when[64];
    snprintf(when, sizeof(when), "after kill %d", round);
    assert_no_overlap(h, when);

    /* Batches and series: all of a group's sessions or none. */
    s = raw_prepare(h, "SELECT student, count(*), min(id), count(DISTINCT series_id), min(series_id),"
                       " sum(idem_key <> '') FROM sessions WHERE student >= 100000 GROUP BY student");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        sl_id student = sqlite3_column_int64(s, 0);
        int64_t n = sqlite3_column_int64(s, 1), head = sqlite3_column_int64(s, 2);
        ck_assert_msg(n == group_size(student), "round %d: group of student %lld has %lld of %lld sessions",
                      round, (long long)student, (long long)n, (long long)group_size(student));
        ck_assert_msg(sqlite3_column_int64(s, 3) == 1 && sqlite3_column_int64(s, 4) == head,
                      "round %d: group of student %lld is not linked to its first session %lld", round,
                      (long long)student, (long long)head);
        ck_assert_msg(sqlite3_column_int64(s, 5) == 1, "round %d: group of student %lld has %lld keyed sessions",
                      round, (long long)student, (long long)sqlite3_column_int64(s, 5));
    }
    ck_assert_int_eq(rc, SQLITE_DONE);
    sqlite3_finalize(s);
    ck_assert_int_eq(raw_int(h, "SELECT count(*) FROM sessions a WHERE series_id <> 0 AND NOT EXISTS"
                                " (SELECT 1 FROM sessions b WHERE b.id = a.series_id)"),
                     0);
    /* Every commit the writer reported before it died is there. */
    s = raw_prepare(h, "SELECT status FROM sessions WHERE id = ?1 AND deleted_at IS NULL");
    for (size_t i = 0; i < n_done; i++) {
        sqlite3_bind_int64(s, 1, done[i].id);
        ck_assert_msg(sqlite3_step(s) == SQLITE_ROW, "round %d: committed session %lld is lost", round,
                      (long long)done[i].id);
        if (done[i].cancelled)
            ck_assert_msg(sqlite3_column_int64(s, 0) == SL_STATUS_CANCELLED,
                          "round %d: the committed cancellation of session %lld is lost", round,
                          (long long)done[i].id);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    int64_t rows = raw_int(h, "SELECT count(*) FROM sessions");
    sqlite3_close(h);

    /* Still takes bookings: the first listed slot books, and only once. */
    sl_id tenant = 1 + round % N_TENANTS;
    sl_interval *slots = NULL;
    size_t count = 0;
    ck_assert_ok_db(db, sl_slots_alloc(db, &slots, &count, NULL, tenant, PROBE_FROM, PROBE_FROM + 14 * DAY, DUR,
                                       NOW));
    ck_assert_uint_ge(count, 1);
    sl_time start = slots[0].start;
    sl_free(slots);
    sl_session got;
    ck_assert_ok_db(db, sl_book(db, &got, tenant, 99, start, DUR, 0, NULL, NOW));
    ck_assert_sl(sl_book(db, NULL, tenant, 98, start, DUR, 0, NULL, NOW), SL_ECONFLICT);
    sl_close(db);
    return rows + 1;
}

START_TEST(test_crash_keeps_database_sound)
{
    char path[512];
    setup_file(path, "crash.db", SL_FAST);
    uint64_t seed = sl_test_seed("stress crash");
    uint64_t rng = seed;
    int rounds = (int)sl_test_scale(20);
    if (rounds < 2)
        rounds = 2; /* one of each durability */
    int64_t rows = 0, reported = 0;

    for (int r = 0; r < rounds; r++) {
        int32_t durability = r % 2 ? SL_FAST : SL_DURABLE;
        uint64_t wseed = sl_test_rand(&rng);
        long delay_us = 1000 + (long)(sl_test_rand(&rng) % 40000);
        int progress;
        pid_t pid = sl_test_fork_piped(&progress);
        if (pid == 0)
            crash_writer(path, durability, r, wseed, progress);
        committed first;
        ssize_t got;
        while ((got = read(progress, &first, sizeof(first))) < 0 && errno == EINTR)
            ;
        if (got != (ssize_t)sizeof(first)) { /* the writer died before its first commit */
            sl_test_wait_child_ok(pid);
            ck_abort_msg("round %d: the writer ended before committing", r);
        }
        struct timespec ts = {0, delay_us * 1000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "round %d: the writer ended by itself (status 0x%x) before the kill", r, status);
        char *rest;
        size_t len = sl_test_read_to_eof(progress, &rest);
        close(progress);
        size_t n_done = 1 + len / sizeof(committed); /* a torn last report is ignored */
        committed *done = malloc(n_done * sizeof(*done));
        ck_assert_ptr_nonnull(done);
        done[0] = first;
        memcpy(done + 1, rest, (n_done - 1) * sizeof(*done));
        free(rest);
        int64_t now_rows = verify_after_crash(path, r, done, n_done);
        free(done);
        ck_assert_int_gt(now_rows, rows + 1); /* the writer's first commit and the probe */
        rows = now_rows;
        reported += (int64_t)n_done;
    }
    fprintf(stderr,
            "# crash: %d SIGKILLs; %lld commits (bookings, cancellations) reported by the writers, all found;"
            " %lld sessions at the end\n",
            rounds, (long long)reported, (long long)rows);
}
END_TEST

static SL_TEST_TCASE(tcase_concurrency, "concurrency", NULL, NULL, 100, test_processes_never_double_book,
                     test_threads_never_double_book, test_concurrent_replays_book_once,
                     test_concurrent_first_open)

static SL_TEST_TCASE(tcase_crash, "crash", NULL, NULL, 100, test_crash_keeps_database_sound)

SL_TEST_SUITE(stress, tcase_concurrency, tcase_crash)
