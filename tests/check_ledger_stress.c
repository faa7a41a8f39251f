/*
 * tests/check_ledger_stress.c - "replays are harmless, balances never go
 * negative" proved on one SQLite file shared by forked processes, each with
 * its own handle:
 *
 *  - 8 processes replay one key 1,000 times in all: one entry, and every
 *    call returned that entry;
 *  - a student with 1 credit; 8 processes x 50 bookings with credits = 1
 *    at different times: exactly one booking exists, balance 0 available;
 *  - 8 processes make the first posts on brand-new accounts at once: no
 *    lost update, no overdraft past the floor;
 *  - one webhook event delivered 5 times at once (claim, then post keyed by
 *    the event id when claimed): the credits are granted once.
 *
 * Children are released together through a pipe, report through a pipe and
 * leave with _exit(). The parent never holds a handle across fork().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define PROCS 8
#define T 1
#define HOUR 3600
#define DAY 86400
#define BASE ((sl_time)1893974400) /* 2030-01-07T00:00Z, a Monday */
#define NOW (BASE - DAY)

/* What a child reports. */
typedef struct report {
    long calls;      /* operations made */
    long ok;         /* SL_OK results */
    long refused;    /* the expected refusal (SL_EINSUFFICIENT, claim 0, ...) */
    long busy;       /* SL_EBUSY, retried */
    long bad;        /* anything else, or a wrong answer */
    sl_id id;        /* the entry / session id the child saw (0 = none) */
    long replayed;   /* results with replayed = 1 */
    char msg[160];   /* the first unexpected failure */
} report;

static const char *new_file(void)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("ledger-stress.db"));
    sl_db *db = sl_test_open_file(path, NULL, 0);
    sl_test_put_tenant(db, T, 0, NOW - DAY, 1);
    sl_close(db);
    return path;
}

static void note(report *r, int rc, sl_db *db, const char *what)
{
    r->bad++;
    if (!r->msg[0])
        snprintf(r->msg, sizeof(r->msg), "%s: %s: %s", what, sl_strerror(rc), sl_errmsg(db));
}

/* The work of child `idx` on its own handle. */
typedef void (*child_fn)(sl_db *db, int idx, report *r);

typedef struct child_job {
    const char *path;
    child_fn fn;
} child_job;

/* A child: its own handle, opened before the start, then the work. */
static int child_main(int idx, int go, void *ctx, void *rep)
{
    const child_job *job = ctx;
    sl_db *db = NULL;
    if (sl_open(&db, job->path, NULL) != SL_OK) {
        fprintf(stderr, "# child %d: sl_open: %s\n", idx, sl_errmsg(NULL));
        return 2;
    }
    sl_test_wait_go(go);
    job->fn(db, idx, rep);
    sl_close(db);
    return 0;
}

/* Forks n children that start together, run fn and report; fills reps[n]
 * and returns their total. Every child must exit 0 and see nothing
 * unexpected. */
static report run_children(const char *path, int n, child_fn fn, report *reps)
{
    child_job job = {path, fn};
    ck_assert_int_le(n, PROCS);
    sl_test_fork_children(n, child_main, &job, reps, sizeof(*reps));
    report all = {0};
    for (int i = 0; i < n; i++) {
        ck_assert_msg(reps[i].bad == 0, "child %d: %ld unexpected results; first: %s", i, reps[i].bad, reps[i].msg);
        all.calls += reps[i].calls;
        all.ok += reps[i].ok;
        all.refused += reps[i].refused;
        all.busy += reps[i].busy;
        all.replayed += reps[i].replayed;
    }
    return all;
}

/* The checked fixture of every case: the file the processes share, new
 * with tenant T (new_file). */
static const char *path;

static void file_open(void)
{
    path = new_file();
}

/* ---- one key replayed by 8 processes ------------------------------------------ */

static long replay_calls;

static void child_replay(sl_db *db, int idx, report *r)
{
    long mine = replay_calls / PROCS + (idx < replay_calls % PROCS);
    for (long i = 0; i < mine; i++) {
        sl_entry e;
        int rc = sl_ledger_post(db, &e, T, 1, SL_ENTRY_PURCHASE, 10, "pi_once", "order 1", NOW + i);
        r->calls++;
        if (rc == SL_EBUSY) {
            r->busy++;
            i--;
            continue;
        }
        if (rc != SL_OK) {
            note(r, rc, db, "post");
            continue;
        }
        r->ok++;
        r->replayed += e.replayed;
        if (r->id == 0)
            r->id = e.id;
        if (e.id != r->id || e.seq != 1 || e.amount != 10)
            note(r, SL_OK, db, "a different entry came back");
    }
}

START_TEST(test_replay_storm_one_entry)
{
    report reps[PROCS];
    replay_calls = sl_test_scale(1000);
    report all = run_children(path, PROCS, child_replay, reps);
    for (int i = 0; i < PROCS; i++)
        if (reps[i].ok)
            ck_assert_int_eq(reps[i].id, reps[0].id);
    ck_assert_int_eq(all.ok, replay_calls);
    ck_assert_int_eq(all.replayed, replay_calls - 1); /* exactly one call posted */

    sl_db *db = sl_test_open_file(path, NULL, 0);
    sl_entry e[4];
    size_t n;
    ck_assert_ok_db(db, sl_ledger_history(db, e, 4, &n, T, 0, 0));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(e[0].id, reps[0].id);
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 1, NOW));
    ck_assert_int_eq(b.posted, 10);
    ck_assert_ok_db(db, sl_ledger_verify(db, NULL, T));
    sl_close(db);
    fprintf(stderr, "# replay storm: %d processes, %ld calls, 1 entry, %ld SL_EBUSY retries\n", PROCS,
            replay_calls, all.busy);
}
END_TEST

/* ---- one credit, 400 bookings ---------------------------------------------------- */

static long bookings_per_child;

static void child_book(sl_db *db, int idx, report *r)
{
    for (long i = 0; i < bookings_per_child; i++) {
        sl_session s;
        sl_time start = BASE + (sl_time)(idx * bookings_per_child + i) * HOUR;
        int rc = sl_book(db, &s, T, 42, start, HOUR, 1, NULL, NOW);
        r->calls++;
        if (rc == SL_EBUSY) {
            r->busy++;
            i--;
            continue;
        }
        if (rc == SL_EINSUFFICIENT) {
            r->refused++;
        } else if (rc == SL_OK) {
            r->ok++;
            r->id = s.id;
            if (s.hold_id == 0)
                note(r, rc, db, "a booking with credits without a hold");
        } else {
            note(r, rc, db, "book");
        }
    }
}

START_TEST(test_one_credit_one_booking)
{
    sl_db *db = sl_test_open_file(path, NULL, 0);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T, 42, SL_ENTRY_PURCHASE, 1, "buy-1", NULL, NOW));
    sl_close(db);
    report reps[PROCS];
    bookings_per_child = sl_test_scale(50);
    if (bookings_per_child < 2)
        bookings_per_child = 2;
    report all = run_children(path, PROCS, child_book, reps);
    sl_id winner = 0;
    for (int i = 0; i < PROCS; i++)
        if (reps[i].ok)
            winner = reps[i].id;
    ck_assert_int_eq(all.ok, 1);
    ck_assert_int_eq(all.refused, PROCS * bookings_per_child - 1);

    db = sl_test_open_file(path, NULL, 0);
    sl_session *s = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_sessions_by_student(db, &s, &n, T, 42, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(s[0].id, winner);
    sl_credit_hold h;
    ck_assert_ok_db(db, sl_hold_get(db, &h, T, s[0].hold_id));
    ck_assert_int_eq(h.amount, 1);
    sl_free(s);
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 42, NOW));
    ck_assert_int_eq(b.posted, 1);
    ck_assert_int_eq(b.held, 1);
    ck_assert_int_eq(b.available, 0);
    /* Completing the one session spends the one credit; nothing is left. */
    ck_assert_ok_db(db, sl_complete(db, NULL, T, winner, BASE + 400 * HOUR));
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 42, BASE + 400 * HOUR));
    ck_assert_int_eq(b.posted, 0);
    ck_assert_int_eq(b.available, 0);
    ck_assert_ok_db(db, sl_ledger_verify(db, NULL, T));
    sl_close(db);
    fprintf(stderr, "# one credit: %d processes x %ld bookings: 1 booked, %ld refused, %ld SL_EBUSY retries\n", PROCS,
            bookings_per_child, all.refused, all.busy);
}
END_TEST

/* ---- first posts on brand-new accounts ------------------------------------------- */

/*
 * Round r uses accounts ACC(r, 0..3):
 *  +0: bought 1 by the parent; every process spends 1: one succeeds;
 *  +1: never seen; every process's purchase creates or updates it: none lost;
 *  +2: only a floor of -3 (no entry yet); every process spends 1: three succeed;
 *  +3: nothing at all; a hold of 1 fails for everyone.
 */
#define ACC(r, k) ((sl_id)(1000 + 10 * (r) + (k)))
static long rounds;

static int retry_busy(report *r, int rc)
{
    if (rc == SL_EBUSY)
        r->busy++;
    return rc == SL_EBUSY;
}

static void child_first_spend(sl_db *db, int idx, report *r)
{
    char key[48];
    int rc;
    for (long round = 0; round < rounds; round++) {
        snprintf(key, sizeof(key), "spend-%ld-%d", round, idx);
        while (retry_busy(r, rc = sl_ledger_post(db, NULL, T, ACC(round, 0), SL_ENTRY_CONSUME, -1, key, NULL, NOW + 1)))
            ;
        if (rc == SL_OK)
            r->ok++;
        else if (rc != SL_EINSUFFICIENT)
            note(r, rc, db, "spend of the one credit");

        snprintf(key, sizeof(key), "buy-%ld-%d", round, idx);
        while (retry_busy(r, rc = sl_ledger_post(db, NULL, T, ACC(round, 1), SL_ENTRY_PURCHASE, 1 + idx, key, NULL,
                                                 NOW + 1)))
            ;
        if (rc != SL_OK)
            note(r, rc, db, "first purchase on a new account");

        snprintf(key, sizeof(key), "floor-%ld-%d", round, idx);
        while (retry_busy(r, rc = sl_ledger_post(db, NULL, T, ACC(round, 2), SL_ENTRY_CONSUME, -1, key, NULL, NOW + 1)))
            ;
        if (rc == SL_OK)
            r->replayed++; /* counts spends down to the floor */
        else if (rc != SL_EINSUFFICIENT)
            note(r, rc, db, "spend down to the floor");

        snprintf(key, sizeof(key), "hold-%ld-%d", round, idx);
        while (retry_busy(r, rc = sl_hold(db, NULL, T, ACC(round, 3), 1, NOW + DAY, key, NOW + 1)))
            ;
        if (rc != SL_EINSUFFICIENT)
            note(r, rc, db, "hold on an empty account");
        r->calls += 4;
    }
}

START_TEST(test_first_spend_no_overdraft)
{
    sl_db *db = sl_test_open_file(path, NULL, 0);
    rounds = sl_test_scale(40);
    for (long round = 0; round < rounds; round++) {
        char key[32];
        snprintf(key, sizeof(key), "buy-one-%ld", round);
        ck_assert_ok_db(db, sl_ledger_post(db, NULL, T, ACC(round, 0), SL_ENTRY_PURCHASE, 1, key, NULL, NOW));
        ck_assert_ok_db(db, sl_account_set_floor(db, T, ACC(round, 2), -3, NOW));
    }
    sl_close(db);
    report reps[PROCS];
    report all = run_children(path, PROCS, child_first_spend, reps);
    ck_assert_int_eq(all.ok, rounds);           /* the 1 credit spent */
    ck_assert_int_eq(all.replayed, 3 * rounds); /* spends down to the floor */

    db = sl_test_open_file(path, NULL, 0);
    for (long round = 0; round < rounds; round++) {
        sl_balance b;
        ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, ACC(round, 0), NOW + 2));
        ck_assert_int_eq(b.posted, 0);
        ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, ACC(round, 1), NOW + 2));
        ck_assert_int_eq(b.posted, PROCS * (PROCS + 1) / 2); /* no purchase lost */
        ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, ACC(round, 2), NOW + 2));
        ck_assert_int_eq(b.posted, -3);
        ck_assert_int_eq(b.floor, -3);
        ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, ACC(round, 3), NOW + 2));
        ck_assert_int_eq(b.held, 0);
        ck_assert_int_eq(b.posted, 0);
    }
    sl_verify_report r;
    ck_assert_ok_db(db, sl_ledger_verify(db, &r, T));
    ck_assert_int_eq(r.entries, rounds * (1 + 1 + PROCS + 3));
    sl_close(db);
    fprintf(stderr, "# first spend: %d processes x %ld rounds: the 1 credit spent once, 3 spends down to the floor"
                    " -3, %d first purchases kept, empty holds refused; %ld SL_EBUSY retries\n",
            PROCS, rounds, PROCS, all.busy);
}
END_TEST

/* ---- a webhook delivered 5 times at once ------------------------------------------ */

#define DELIVERIES 5
static long events;

static void child_webhook(sl_db *db, int idx, report *r)
{
    (void)idx;
    for (long ev = 0; ev < events; ev++) {
        char id[32];
        snprintf(id, sizeof(id), "evt_%ld", ev);
        int claimed = 0, rc;
        while ((rc = sl_webhook_claim(db, &claimed, T, "stripe", id, NOW + ev)) == SL_EBUSY)
            r->busy++;
        r->calls++;
        if (rc != SL_OK) {
            note(r, rc, db, "claim");
            continue;
        }
        if (!claimed) {
            r->refused++;
            continue;
        }
        r->ok++;
        sl_entry e;
        while ((rc = sl_ledger_post(db, &e, T, 7, SL_ENTRY_PURCHASE, 10, id, "stripe", NOW + ev)) == SL_EBUSY)
            r->busy++;
        if (rc != SL_OK)
            note(r, rc, db, "grant");
        else if (e.replayed)
            note(r, rc, db, "the claimed event was already granted");
    }
}

START_TEST(test_webhook_delivered_five_times)
{
    report reps[PROCS];
    events = sl_test_scale(200);
    report all = run_children(path, DELIVERIES, child_webhook, reps);
    ck_assert_int_eq(all.ok, events);                         /* claimed */
    ck_assert_int_eq(all.refused, (DELIVERIES - 1) * events); /* duplicates */

    sl_db *db = sl_test_open_file(path, NULL, 0);
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, T, 7, NOW + events));
    ck_assert_int_eq(b.posted, 10 * events);
    sl_verify_report r;
    ck_assert_ok_db(db, sl_ledger_verify(db, &r, T));
    ck_assert_int_eq(r.entries, events);
    int claimed = 1;
    ck_assert_ok_db(db, sl_webhook_claim(db, &claimed, T, "stripe", "evt_0", NOW));
    ck_assert_int_eq(claimed, 0);
    sl_close(db);
    fprintf(stderr, "# webhook: %ld events x %d concurrent deliveries: %ld claimed, %ld duplicates, %ld SL_EBUSY\n",
            events, DELIVERIES, all.ok, all.refused, all.busy);
}
END_TEST

static SL_TEST_TCASE(tcase_processes, "processes", file_open, NULL, 120, test_replay_storm_one_entry,
                     test_one_credit_one_booking, test_first_spend_no_overdraft,
                     test_webhook_delivered_five_times)

SL_TEST_SUITE(ledger_stress, tcase_processes)
