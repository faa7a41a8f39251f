/*
 * tests/outbox_processes.c - the outbox suite's test case with many
 * processes, on the stores they can share (sqlite-file and postgres):
 * 4 writer and 4 worker processes (one SIGKILLed mid-batch): every event
 * acknowledged, never two live leases on one event, per-session order,
 * dead exactly after the configured attempts (PostgreSQL's claims skipping
 * each other: check_pg.c).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "outbox_test.h"

/* ---- many processes (sqlite-file) ------------------------------------------------- */

#define WRITERS 4
#define WORKERS 4
#define WRITES 40      /* bookings per writer (each then cancelled: two events) */
#define ATTEMPTS 3

/* The log every worker appends to: one line per claim, ack and fail. */
typedef struct log_line {
    int32_t worker, what; /* 0 claim, 1 ack, 2 fail */
    sl_id tenant, event, session;
    int64_t seq, token;
    sl_time at, lease_until;
    /* The call's place in the real order of all workers' calls: a shared
     * counter read just before the call and just after it returned. */
    uint64_t begin, end;
} log_line;

typedef struct mp_ctx {
    const char *path;
    int log_fd;
    time_t t0; /* the workers' clock: NOW + seconds since t0 */
    int killed[2]; /* worker 0 alone holds killed[1]: EOF on killed[0] once it died */
    uint64_t *tick; /* shared by every process (MAP_SHARED) */
} mp_ctx;

static uint64_t tick(mp_ctx *c)
{
    return __atomic_add_fetch(c->tick, 1, __ATOMIC_SEQ_CST);
}

static sl_db *mp_open(const char *path)
{
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = 20000;
    o.durability = SL_FAST;
    sl_db *db = NULL;
    if (sl_open(&db, path, &o) != SL_OK)
        _exit(3);
    return db;
}

static int writer(int idx, int go, mp_ctx *c)
{
    sl_db *db = mp_open(c->path);
    sl_test_wait_go(go);
    for (int i = 0; i < WRITES; i++) {
        sl_session s;
        int slot = idx * WRITES + i;
        int rc = sl_book(db, &s, (idx % 2) ? T2 : T1, 7, BASE + slot * HOUR, HOUR, 0, NULL, NOW);
        if (rc == SL_OK)
            rc = sl_cancel(db, NULL, s.tenant, s.id, NOW);
        if (rc != SL_OK && rc != SL_EBUSY) {
            fprintf(stderr, "writer %d: %s\n", idx, sl_errmsg(db));
            _exit(4);
        }
    }
    sl_close(db);
    return 0;
}

/* The clock of the workers: real time, so leases lapse for real. */
static sl_time clock_now(const mp_ctx *c)
{
    return NOW + (sl_time)(time(NULL) - c->t0);
}

static void log_append(mp_ctx *c, const log_line *l)
{
    if (sl_test_write_all(c->log_fd, l, sizeof(*l)) != 0)
        _exit(5);
}

/* A worker: claims batches, fails every event of sessions whose id is a
 * multiple of 5 (until they die), acks the rest; worker 0 is killed. */
static int worker(int idx, int go, mp_ctx *c)
{
    sl_db *db = mp_open(c->path);
    sl_outbox_options o = SL_OUTBOX_OPTIONS_INIT;
    o.attempts = ATTEMPTS;
    o.backoff_base = 1;
    o.backoff_cap = 1;
    sl_outbox_configure(db, &o);
    char name[16];
    snprintf(name, sizeof(name), "w%d", idx);
    sl_test_wait_go(go);
    if (idx != 0)
        sl_test_wait_go(c->killed[0]); /* the others start once worker 0 died holding leases */
    int idle = 0;
    while (idx == 0 || idle < 100) { /* 5 s without work: backoffs and lapsed leases are over */
        sl_outbox_event *ev = NULL;
        size_t n = 0;
        sl_time now = clock_now(c);
        uint64_t begin = tick(c);
        int rc = sl_outbox_claim(db, &ev, &n, name, 0, 8, 2, now);
        uint64_t end = tick(c);
        if (rc == SL_EBUSY)
            continue;
        if (rc != SL_OK)
            _exit(6);
        idle = n ? 0 : idle + 1;
        for (size_t i = 0; i < n; i++) {
            log_line l = {idx, 0, ev[i].tenant, ev[i].id, ev[i].session, ev[i].seq, ev[i].token, now,
                          ev[i].lease_until, begin, end};
            log_append(c, &l);
        }
        if (idx == 0 && n > 0) /* crash mid-batch: its leases must lapse */
            raise(SIGKILL);
        for (size_t i = 0; i < n; i++) {
            int fail = ev[i].session % 5 == 0;
            sl_time t = clock_now(c);
            begin = tick(c);
            rc = fail ? sl_outbox_fail(db, ev[i].tenant, ev[i].id, ev[i].token, "down", t)
                      : sl_outbox_ack(db, ev[i].tenant, ev[i].id, ev[i].token, t);
            end = tick(c);
            if (rc == SL_OK) {
                log_line l = {idx, fail ? 2 : 1, ev[i].tenant, ev[i].id, ev[i].session, ev[i].seq,
                              ev[i].token, t, 0, begin, end};
                log_append(c, &l);
            } else if (rc != SL_ESTATE && rc != SL_EBUSY) {
                _exit(7);
            }
        }
        sl_outbox_free(ev);
        if (!n)
            usleep(50000);
    }
    sl_close(db);
    return 0;
}

/* A child running fn; it waits on gate[0] until the parent closes gate[1]. */
static pid_t spawn(int (*fn)(int, int, mp_ctx *), int idx, const int gate[2], mp_ctx *c)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(gate[1]);
        if (fn != worker || idx != 0)
            close(c->killed[1]);
        _exit(fn(idx, gate[0], c));
    }
    return pid;
}

/* Never two live leases on one event: a claim of an event comes only after
 * the previous lease on it was settled with its token, or lapsed. The log
 * is in append order, not in the database's order: a worker appends its
 * ack or fail line after the call returns, so another worker's re-claim
 * may be appended first. A settle that succeeded with the old token proves
 * it came before any re-claim (which would have made the token stale), so
 * it counts wherever it stands after the first claim. */
static void check_leases(const log_line *log, size_t nl)
{
    for (size_t i = 0; i < nl; i++) {
        if (log[i].what != 0)
            continue;
        for (size_t j = i + 1; j < nl; j++) {
            if (log[j].event != log[i].event || log[j].what != 0)
                continue;
            int settled = 0;
            for (size_t k = i + 1; k < nl; k++)
                settled |= log[k].event == log[i].event && log[k].what != 0 && log[k].token == log[i].token;
            ck_assert_msg(settled || log[j].at >= log[i].lease_until,
                          "event %lld claimed again at %lld while leased until %lld", (long long)log[i].event,
                          (long long)log[j].at, (long long)log[i].lease_until);
            break;
        }
    }
}

/* Every event of every session after the run: acked, or (sessions whose
 * id is a multiple of 5) seq 1 dead after exactly ATTEMPTS failures with
 * the cancel waiting behind it; and a claim of seq k > 1 came after seq
 * k-1 was acked. The workers' clocks cannot order a claim against an ack
 * (a claim reads its clock, then may wait for the write lock while another
 * worker acks with a later reading), so the order is the shared counter's:
 * a claim of seq k that returned before any ack of seq k-1 began was a
 * claim ahead of an unacked event. */
static void check_session_events(sl_db *db, sl_id tenant, sl_id session, int32_t status, const log_line *log,
                                 size_t nl)
{
    sl_outbox_event ev[8];
    size_t n = events_of(db, tenant, session, ev, 8);
    ck_assert_uint_eq(n, status == SL_STATUS_CANCELLED ? 2 : 1);
    for (size_t i = 0; i < n; i++) {
        if (session % 5 != 0)
            ck_assert_msg(ev[i].state == SL_OUTBOX_ACKED, "event %lld is %s", (long long)ev[i].id,
                          sl_outbox_state_name(ev[i].state));
        else
            ck_assert_int_eq(ev[i].state, i == 0 ? SL_OUTBOX_DEAD : SL_OUTBOX_PENDING);
    }
    if (session % 5 == 0)
        ck_assert_int_eq(ev[0].attempts, ATTEMPTS);
    for (size_t i = 0; i < nl; i++) {
        if (log[i].what != 0 || log[i].tenant != tenant || log[i].session != session || log[i].seq < 2)
            continue;
        int acked_before = 0;
        for (size_t j = 0; j < nl; j++)
            acked_before |= log[j].what == 1 && log[j].event == ev[log[i].seq - 2].id && log[j].begin < log[i].end;
        ck_assert_msg(ev[log[i].seq - 2].state == SL_OUTBOX_ACKED && acked_before,
                      "session %lld seq %lld claimed before seq %lld was acked", (long long)session,
                      (long long)log[i].seq, (long long)log[i].seq - 1);
    }
}

static void check_processes_outcome(sl_db *db, const log_line *log, size_t nl, sl_time now)
{
    check_leases(log, nl);
    int64_t sessions = 0, dead = 0;
    for (sl_id tenant = T1; tenant <= T2; tenant++) {
        sl_session *s = NULL;
        size_t n = 0;
        ck_assert_ok_db(db, sl_sessions_list(db, &s, &n, tenant, BASE, BASE + 300 * DAY / 24 * 24, 0));
        for (size_t i = 0; i < n; i++) {
            check_session_events(db, tenant, s[i].id, s[i].status, log, nl);
            dead += s[i].id % 5 == 0;
        }
        sessions += (int64_t)n;
        sl_free(s);
    }
    ck_assert_int_gt(sessions, WRITERS * WRITES / 2);
    sl_outbox_counts c;
    ck_assert_ok_db(db, sl_outbox_stats(db, &c, 0, now));
    ck_assert_int_eq(c.dead, dead);
    ck_assert_int_eq(c.leased + c.waiting, 0);
    ck_assert_int_le(c.due, dead); /* only the cancels behind dead events */
}

START_TEST(test_processes_claim_ack_fail_crash)
{
    /* SQLite (a file) and PostgreSQL (one schema): stores many processes share. */
    int pg = strcmp(sl_test_backend, "postgres") == 0;
    if (strcmp(sl_test_backend, "sqlite-file") != 0 && !pg)
        return;
    char path[1024];
    snprintf(path, sizeof(path), "%s", pg ? sl_test_pg_conninfo() : sl_test_path("outbox-mp.db"));
    sl_db *db = sl_test_open_file(path, NULL, 0);
    sl_test_put_tenant(db, T1, 0, NOW - DAY, 1);
    sl_test_put_tenant(db, T2, 0, NOW - DAY, 1);
    sl_close(db);
    char logpath[512];
    snprintf(logpath, sizeof(logpath), "%s", sl_test_path("outbox-mp.log"));
    int fd = open(logpath, O_CREAT | O_WRONLY | O_APPEND, 0600);
    ck_assert_int_ge(fd, 0);
    int gate[2];
    ck_assert_int_eq(pipe(gate), 0);
    uint64_t *shared = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(shared, MAP_FAILED);
    *shared = 0;
    mp_ctx c = {path, fd, time(NULL), {-1, -1}, shared};
    ck_assert_int_eq(pipe(c.killed), 0);
    pid_t pids[WRITERS + WORKERS];
    for (int i = 0; i < WRITERS; i++)
        pids[i] = spawn(writer, i, gate, &c);
    for (int i = 0; i < WORKERS; i++)
        pids[WRITERS + i] = spawn(worker, i, gate, &c);
    close(gate[0]);
    close(c.killed[0]);
    close(c.killed[1]);
    close(gate[1]); /* go */
    for (int i = 0; i < WRITERS + WORKERS; i++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        if (i == WRITERS) /* worker 0 */
            ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "worker 0 was not killed");
        else
            ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d status 0x%x", i, status);
    }
    close(fd);

    /* The log, checked against the store. */
    int rfd = open(logpath, O_RDONLY);
    char *buf = NULL;
    size_t bytes = sl_test_read_to_eof(rfd, &buf);
    close(rfd);
    size_t nl = bytes / sizeof(log_line);
    const log_line *log = (const log_line *)buf;
    ck_assert_uint_eq(bytes % sizeof(log_line), 0);

    db = sl_test_open_file(path, NULL, 0);
    check_processes_outcome(db, log, nl, clock_now(&c) + 10);
    free(buf);
    munmap(shared, sizeof(uint64_t));
    sl_close(db);
}
END_TEST

SL_TEST_TCASE(sl_outbox_tc_processes, "processes", NULL, NULL, 300, test_processes_claim_ack_fail_crash)
