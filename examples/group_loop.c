/* examples/group_loop.c - a request loop that turns many small requests
 * into few commits (README "Groups: many requests, one commit").
 *
 * A "network" thread delivers booking requests through a pipe; the loop
 * takes the first request that arrives, opens a group, and keeps taking
 * requests until one millisecond has passed; then it commits the group and
 * only then answers the clients. A request that fails (the slot is taken,
 * no credits) is answered with its error; if the commit fails, every
 * request of the group is answered "retry" and nothing of it was kept.
 *
 * Usage: group_loop [db path, default :memory:] [requests, default 2000] */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <slotledger.h>

#define TEACHERS 100
#define STUDENTS 20
#define MAX_BATCH 4096
#define NOW ((sl_time)1795939200) /* Sunday 2026-11-29T08:00:00Z */

typedef struct request {
    int id;
    sl_id teacher, student;
    sl_time start;
} request;

typedef struct reply {
    int id, rc; /* what the client is told */
} reply;

static int pipe_fd[2];
static int total = 2000;

/* The clients: random bookings of 30-minute slots, Monday 09:00-17:00. */
static void *network(void *arg)
{
    (void)arg;
    unsigned seed = 7;
    for (int i = 0; i < total; i++) {
        request r;
        memset(&r, 0, sizeof(r)); /* the padding after id goes down the pipe too */
        r.id = i;
        r.teacher = 1 + rand_r(&seed) % TEACHERS;
        r.student = 1 + rand_r(&seed) % STUDENTS;
        r.start = NOW + 86400 + 3600 + (sl_time)(rand_r(&seed) % 16) * 1800;
        if (write(pipe_fd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
            break;
        if (i % 50 == 49)
            usleep(200); /* requests come in bursts */
    }
    close(pipe_fd[1]);
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Waits at most timeout_ms for the next request: 1 got one, 0 none yet,
 * -1 the network closed. */
static int next_request(request *r, int timeout_ms)
{
    struct pollfd p = {pipe_fd[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    return read(pipe_fd[0], r, sizeof(*r)) == (ssize_t)sizeof(*r) ? 1 : -1;
}

/* Teachers open Monday to Friday 09:00-17:00; every student gets two
 * credits with each teacher. One group: one commit for all of it. */
static int setup(sl_db *db)
{
    sl_tenant t;
    int rc = sl_group_begin(db);
    for (sl_id id = 1; rc == SL_OK && id <= TEACHERS; id++) {
        sl_tenant_init(&t, SL_TENANT_VERSION);
        t.id = id;
        t.step = 1800;
        rc = sl_tenant_put(db, &t, NOW);
        for (int wd = 1; rc == SL_OK && wd <= 5; wd++)
            rc = sl_rule_add(db, NULL, id, wd, 9 * 60, 17 * 60, SL_DATE_MIN, SL_DATE_MAX, NOW);
        for (sl_id s = 1; rc == SL_OK && s <= STUDENTS; s++)
        {
            char key[32];
            snprintf(key, sizeof(key), "welcome-%lld", (long long)s);
            rc = sl_ledger_post(db, NULL, id, s, SL_ENTRY_PURCHASE, 2, key, NULL, NOW);
        }
    }
    if (rc != SL_OK) {
        sl_group_rollback(db);
        return rc;
    }
    return sl_group_commit(db);
}

int main(int argc, char **argv)
{
    sl_db *db;
    sl_options o = SL_OPTIONS_INIT;
    o.durability = SL_FAST;
    if (argc > 2)
        total = atoi(argv[2]);
    if (sl_open(&db, argc > 1 ? argv[1] : ":memory:", &o) != SL_OK)
        return printf("open: %s\n", sl_errmsg(NULL)), 1;
    if (setup(db) != SL_OK)
        return printf("setup: %s\n", sl_errmsg(db)), 1;
    pthread_t net;
    if (pipe(pipe_fd) != 0 || pthread_create(&net, NULL, network, NULL) != 0)
        return printf("cannot start the network\n"), 1;

    static request batch[MAX_BATCH];
    static reply replies[MAX_BATCH];
    long booked = 0, refused = 0, retried = 0, groups = 0;
    double t0 = now_ms();
    for (int open = 1; open;) {
        int got = next_request(&batch[0], 1000);
        if (got < 0)
            break;
        if (got == 0)
            continue;
        if (sl_group_begin(db) != SL_OK) {
            printf("group: %s\n", sl_errmsg(db));
            break;
        }
        size_t n = 0;
        double deadline = now_ms() + 1.0; /* what arrives within a millisecond */
        do {
            request *r = &batch[n];
            char key[32];
            snprintf(key, sizeof(key), "req-%d", r->id);
            replies[n].id = r->id;
            replies[n].rc = sl_book(db, NULL, r->teacher, r->student, r->start, 1800, 1, key, NOW);
            n++;
        } while (n < MAX_BATCH && now_ms() < deadline && (got = next_request(&batch[n], 0)) == 1);
        if (got < 0)
            open = 0;
        /* Nothing is final before the commit: acknowledge only after it. */
        int rc = sl_group_commit(db);
        groups++;
        for (size_t i = 0; i < n; i++) {
            int told = rc == SL_OK ? replies[i].rc : rc; /* commit failed: "retry" */
            booked += told == SL_OK;
            refused += told != SL_OK && told != SL_EBUSY && told != SL_ESTORE;
            retried += told == SL_EBUSY || told == SL_ESTORE;
        }
    }
    double ms = now_ms() - t0;
    pthread_join(net, NULL);

    /* What the clients were told is what the database holds. */
    long stored = 0;
    for (sl_id id = 1; id <= TEACHERS; id++) {
        sl_session *s = NULL;
        size_t count = 0;
        if (sl_sessions_list(db, &s, &count, id, NOW, NOW + 7 * 86400, 0) != SL_OK)
            return printf("list: %s\n", sl_errmsg(db)), 1;
        stored += (long)count;
        sl_free(s);
    }
    printf("%d requests in %ld groups (%.1f per commit), %.0f ms: %ld booked, %ld refused, %ld to retry; "
           "%ld sessions stored\n",
           total, groups, groups ? (double)(booked + refused + retried) / groups : 0.0, ms, booked, refused, retried,
           stored);
    sl_close(db);
    return stored == booked && booked + refused + retried == total ? 0 : 1;
}
