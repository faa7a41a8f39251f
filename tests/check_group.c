/*
 * tests/check_group.c - groups (sl_group_begin / commit / rollback): many
 * calls, one commit, each call in its own savepoint. Runs per backend
 * (memory, sqlite, sqlite-file, postgres):
 *
 *  - the API: NULL, nesting, commit/rollback without a group, a store
 *    without group methods;
 *  - a failed call inside a group writes nothing (and gives back the ids
 *    it took) and the group goes on; what succeeded is visible after
 *    commit and gone after rollback;
 *  - idempotent replays inside one group, across groups, and a key freed
 *    by a rollback;
 *  - a property test (printed seed) mixing successes and failures of
 *    posts and bookings in groups, committed or rolled back, against a
 *    plain model;
 *  - on shared targets (sqlite-file, postgres): a group left open at
 *    sl_close and a process SIGKILLed inside a group leave none of it; a
 *    second handle waits for or gives up on a group's lock (SL_EBUSY
 *    undoes the whole group); 8 processes running groups of bookings and
 *    posts: no double booking, no overdraft, and exactly the calls of
 *    committed groups remain.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calendar_test.h"
#include "support.h"

#define SLOTS 8 /* one-hour slots BASE + i * HOUR the tests book */

/* ---- helpers ---------------------------------------------------------------- */

static sl_db *open_target(const char *target, int32_t busy_ms)
{
    sl_options o = SL_OPTIONS_INIT;
    o.busy_timeout_ms = busy_ms;
    sl_db *db = NULL;
    int rc = sl_open(&db, target, &o);
    ck_assert_msg(rc == SL_OK, "sl_open %s: %s", target, sl_errmsg(NULL));
    return db;
}

static int64_t posted(sl_db *db, sl_id tenant, sl_id student)
{
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, tenant, student, NOW));
    return b.posted;
}

/* Sessions of tenant in the tests' range that are not cancelled. */
static size_t live_sessions(sl_db *db, sl_id tenant)
{
    sl_session *s = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_sessions_list(db, &s, &n, tenant, BASE - DAY, BASE + 3 * DAY, 0));
    size_t live = 0;
    for (size_t i = 0; i < n; i++)
        live += s[i].status != SL_STATUS_CANCELLED;
    sl_free(s);
    return live;
}

static int post(sl_db *db, sl_entry *e, sl_id tenant, sl_id student, int64_t amount, const char *key)
{
    return sl_ledger_post(db, e, tenant, student, amount > 0 ? SL_ENTRY_PURCHASE : SL_ENTRY_CONSUME, amount, key,
                          NULL, NOW);
}

static int book(sl_db *db, sl_session *s, sl_id tenant, sl_id student, int slot, const char *key)
{
    return sl_book(db, s, tenant, student, BASE + slot * HOUR, HOUR, 0, key, NOW);
}

/* ---- the API ---------------------------------------------------------------- */

START_TEST(test_api_misuse)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    ck_assert_sl(sl_group_begin(NULL), SL_EINVAL);
    ck_assert_sl(sl_group_commit(NULL), SL_EINVAL);
    ck_assert_sl(sl_group_rollback(NULL), SL_EINVAL);
    ck_assert_int_eq(sl_group_active(NULL), 0);
    ck_assert_sl(sl_group_commit(db), SL_EMISUSE);
    ck_assert_msg(strstr(sl_errmsg(db), "no group") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(sl_group_rollback(db), SL_EMISUSE);

    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_int_eq(sl_group_active(db), 1);
    ck_assert_ok_db(db, post(db, NULL, T1, 7, 5, "a"));
    ck_assert_sl(sl_group_begin(db), SL_EMISUSE); /* no nesting */
    ck_assert_msg(strstr(sl_errmsg(db), "nest") != NULL, "%s", sl_errmsg(db));
    /* the refused nesting changed nothing: the open group goes on */
    ck_assert_ok_db(db, post(db, NULL, T1, 7, 2, "b"));
    ck_assert_ok_db(db, sl_group_commit(db));
    ck_assert_int_eq(sl_group_active(db), 0);
    ck_assert_int_eq(posted(db, T1, 7), 7);
    ck_assert_sl(sl_group_commit(db), SL_EMISUSE);

    /* an empty group commits and rolls back */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_group_commit(db));
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, sl_group_rollback(db));
    ck_assert_int_eq(posted(db, T1, 7), 7);
    sl_close(db);
}
END_TEST

/* A store of version 2 (no group methods): groups are refused. */
START_TEST(test_store_without_groups)
{
    sl_db *db = sl_test_open_memory_without(offsetof(sl_store, group_begin));
    ck_assert_sl(sl_group_begin(db), SL_EMISUSE);
    ck_assert_msg(strstr(sl_errmsg(db), "group") != NULL, "%s", sl_errmsg(db));
    ck_assert_int_eq(sl_group_active(db), 0);
    sl_close(db);
}
END_TEST

/* ---- failures, commit, rollback ---------------------------------------------- */

START_TEST(test_failed_call_writes_nothing_group_goes_on)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    sl_session s;
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 3, "buy"));
    ck_assert_ok_db(db, book(db, &s, T1, 1, 0, "b0"));
    /* failures: overdraft, conflict, a key reused for another request */
    ck_assert_sl(post(db, NULL, T1, 1, -4, "spend"), SL_EINSUFFICIENT);
    ck_assert_sl(book(db, NULL, T1, 2, 0, "b0-again"), SL_ECONFLICT);
    ck_assert_sl(post(db, NULL, T1, 1, 9, "buy"), SL_EIDEMPOTENCY);
    /* failures after a first write: the call's savepoint undoes it */
    sl_booking two[2] = {{3, BASE + 5 * HOUR, HOUR, 0}, {3, BASE, HOUR, 0}};
    size_t failed = 9;
    ck_assert_sl(sl_book_many(db, NULL, &failed, T1, two, 2, "many", NOW), SL_ECONFLICT);
    ck_assert_uint_eq(failed, 1);
    sl_post posts[2] = {{1, SL_ENTRY_CONSUME, 0, -2, "pm1", NULL}, {1, SL_ENTRY_CONSUME, 0, -2, "pm2", NULL}};
    ck_assert_sl(sl_ledger_post_many(db, NULL, &failed, T1, posts, 2, NOW), SL_EINSUFFICIENT);
    ck_assert_int_eq(posted(db, T1, 1), 3);
    ck_assert_int_eq(live_sessions(db, T1), 1);
    /* the failed keys stayed free */
    ck_assert_ok_db(db, sl_book_many(db, NULL, NULL, T1, two, 1, "many", NOW));
    ck_assert_ok_db(db, post(db, NULL, T1, 1, -2, "pm2"));
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 2, "pm1"));
    ck_assert_ok_db(db, post(db, NULL, T1, 1, -3, "spend"));
    ck_assert_ok_db(db, book(db, NULL, T1, 2, 1, "b0-again"));
    ck_assert_ok_db(db, book(db, NULL, T2, 2, 0, "other tenant"));
    ck_assert_ok_db(db, sl_group_commit(db));
    ck_assert_int_eq(posted(db, T1, 1), 0);
    ck_assert_int_eq(live_sessions(db, T1), 3);
    ck_assert_int_eq(live_sessions(db, T2), 1);
    sl_close(db);
}
END_TEST

/* The outbox event id of session's first change. */
static sl_id first_event(sl_db *db, sl_id tenant, sl_id session)
{
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_outbox_session_events(db, &ev, &n, tenant, session));
    ck_assert_uint_ge(n, 1);
    sl_id id = ev[0].id;
    sl_outbox_free(ev);
    return id;
}

/* A call undone inside a group gives back the ids it took (sessions,
 * entries, outbox events): the next rows get them, on every store alike.
 * PostgreSQL kept them taken, so after a failed call of a committed
 * group its ids ran ahead of the other stores' (found by diff_api_pg). */
START_TEST(test_failed_call_gives_its_ids_back)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    sl_session s0, s1;
    sl_entry e0, e1;
    size_t failed = 9;
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, book(db, &s0, T1, 1, 0, NULL));
    ck_assert_ok_db(db, post(db, &e0, T1, 1, 3, "buy"));
    sl_booking two[2] = {{3, BASE + 5 * HOUR, HOUR, 0}, {3, BASE, HOUR, 0}};
    ck_assert_sl(sl_book_many(db, NULL, &failed, T1, two, 2, NULL, NOW), SL_ECONFLICT);
    sl_post posts[2] = {{1, SL_ENTRY_CONSUME, 0, -2, "pm1", NULL}, {1, SL_ENTRY_CONSUME, 0, -2, "pm2", NULL}};
    ck_assert_sl(sl_ledger_post_many(db, NULL, &failed, T1, posts, 2, NOW), SL_EINSUFFICIENT);
    ck_assert_ok_db(db, sl_group_commit(db));
    ck_assert_ok_db(db, book(db, &s1, T1, 1, 2, NULL));
    ck_assert_ok_db(db, post(db, &e1, T1, 1, 1, "more"));
    ck_assert_int_eq(s1.id, s0.id + 1);
    ck_assert_int_eq(e1.id, e0.id + 1);
    ck_assert_int_eq(first_event(db, T1, s1.id), first_event(db, T1, s0.id) + 1);
    sl_close(db);
}
END_TEST

START_TEST(test_rollback_undoes_every_call)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 10, "before"));
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, post(db, NULL, T1, 1, -4, "p1"));
    ck_assert_ok_db(db, post(db, NULL, T2, 3, 6, "p2"));
    ck_assert_ok_db(db, book(db, NULL, T1, 1, 2, "b1"));
    sl_tenant t;
    ck_assert_ok_db(db, sl_tenant_get(db, &t, T2));
    t.step = 900;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, NOW));
    /* visible inside the group */
    ck_assert_int_eq(posted(db, T1, 1), 6);
    ck_assert_int_eq(live_sessions(db, T1), 1);
    ck_assert_ok_db(db, sl_group_rollback(db));
    ck_assert_int_eq(posted(db, T1, 1), 10);
    ck_assert_int_eq(posted(db, T2, 3), 0);
    ck_assert_int_eq(live_sessions(db, T1), 0);
    ck_assert_ok_db(db, sl_tenant_get(db, &t, T2));
    ck_assert_int_ne(t.step, 900);
    /* the handle works as before */
    ck_assert_ok_db(db, post(db, NULL, T1, 1, -4, "p1"));
    ck_assert_int_eq(posted(db, T1, 1), 6);
    sl_close(db);
}
END_TEST

/* ---- idempotency ---------------------------------------------------------------- */

START_TEST(test_replays_inside_and_across_groups)
{
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    sl_entry e1, e2;
    sl_session s1, s2;
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, post(db, &e1, T1, 1, 5, "k"));
    ck_assert_ok_db(db, post(db, &e2, T1, 1, 5, "k")); /* replay of a key of this group */
    ck_assert_int_eq(e2.replayed, 1);
    ck_assert_int_eq(e2.id, e1.id);
    ck_assert_ok_db(db, book(db, &s1, T1, 1, 3, "bk"));
    ck_assert_ok_db(db, book(db, &s2, T1, 1, 3, "bk"));
    ck_assert_int_eq(s2.replayed, 1);
    ck_assert_int_eq(s2.id, s1.id);
    ck_assert_sl(post(db, NULL, T1, 1, 6, "k"), SL_EIDEMPOTENCY);
    ck_assert_ok_db(db, sl_group_commit(db));
    ck_assert_int_eq(posted(db, T1, 1), 5);

    /* across groups: the committed result comes back */
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, post(db, &e2, T1, 1, 5, "k"));
    ck_assert_int_eq(e2.replayed, 1);
    ck_assert_int_eq(e2.id, e1.id);
    ck_assert_int_eq(e2.seq, e1.seq);
    ck_assert_ok_db(db, book(db, &s2, T1, 1, 3, "bk"));
    ck_assert_int_eq(s2.id, s1.id);
    ck_assert_int_eq(s2.replayed, 1);
    /* a key first used in a group that is rolled back is free again */
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 7, "gone"));
    ck_assert_ok_db(db, sl_group_rollback(db));
    ck_assert_ok_db(db, post(db, &e2, T1, 1, 2, "gone"));
    ck_assert_int_eq(e2.replayed, 0);
    ck_assert_int_eq(posted(db, T1, 1), 7);
    sl_close(db);
}
END_TEST

/* ---- property test ----------------------------------------------------------- */

#define PT 2      /* tenants */
#define PS 3      /* students per tenant */
#define PKEYS 400 /* keys per tenant */

typedef struct pkey {
    int used;      /* 1: a post, 2: a booking */
    int student;
    int64_t amount; /* post */
    int slot;       /* booking */
} pkey;

typedef struct model {
    int64_t bal[PT][PS];
    int booked[PT][SLOTS];
    pkey keys[PT][PKEYS];
} model;

static void check_model(sl_db *db, const model *m, uint64_t seed, int step, const char *when)
{
    for (int t = 0; t < PT; t++) {
        size_t n = 0;
        for (int s = 0; s < PS; s++)
            ck_assert_msg(posted(db, t + 1, s + 1) == m->bal[t][s], "seed %llu step %d %s: tenant %d student %d: "
                          "posted %lld, model %lld", (unsigned long long)seed, step, when, t + 1, s + 1,
                          (long long)posted(db, t + 1, s + 1), (long long)m->bal[t][s]);
        for (int k = 0; k < SLOTS; k++)
            n += m->booked[t][k] != 0;
        ck_assert_msg(live_sessions(db, t + 1) == n, "seed %llu step %d %s: tenant %d: %zu sessions, model %zu",
                      (unsigned long long)seed, step, when, t + 1, live_sessions(db, t + 1), n);
    }
}

/* One random call against db and the model m (the group's working copy):
 * returns the call's result after checking it is the one m predicts and
 * that a failure changed nothing. */
static void random_call(sl_db *db, model *m, uint64_t *rng, uint64_t seed, int step)
{
    int t = (int)(sl_test_rand(rng) % PT), s = (int)(sl_test_rand(rng) % PS);
    int k = (int)(sl_test_rand(rng) % PKEYS);
    char key[32];
    snprintf(key, sizeof(key), "k%d", k);
    pkey *pk = &m->keys[t][k];
    int want, rc;
    if (sl_test_rand(rng) % 2) {
        int64_t amount = (int64_t)(sl_test_rand(rng) % 11) - 5;
        if (amount == 0)
            amount = 4;
        if (pk->used == 1 && sl_test_rand(rng) % 2) { /* an exact replay */
            s = pk->student;
            amount = pk->amount;
        }
        if (pk->used)
            want = pk->used == 1 && pk->student == s && pk->amount == amount ? SL_OK : SL_EIDEMPOTENCY;
        else
            want = m->bal[t][s] + amount < 0 ? SL_EINSUFFICIENT : SL_OK;
        rc = post(db, NULL, t + 1, s + 1, amount, key);
        if (rc == SL_OK && !pk->used) {
            m->bal[t][s] += amount;
            *pk = (pkey){1, s, amount, 0};
        }
    } else {
        int slot = (int)(sl_test_rand(rng) % SLOTS);
        if (pk->used == 2 && sl_test_rand(rng) % 2) {
            s = pk->student;
            slot = pk->slot;
        }
        if (pk->used)
            want = pk->used == 2 && pk->student == s && pk->slot == slot ? SL_OK : SL_EIDEMPOTENCY;
        else
            want = m->booked[t][slot] ? SL_ECONFLICT : SL_OK;
        rc = book(db, NULL, t + 1, s + 1, slot, key);
        if (rc == SL_OK && !pk->used) {
            m->booked[t][slot] = 1;
            *pk = (pkey){2, s, 0, slot};
        }
    }
    ck_assert_msg(rc == want, "seed %llu step %d: %s, model says %s (%s)", (unsigned long long)seed, step,
                  sl_strerror(rc), sl_strerror(want), sl_errmsg(db));
    if (rc != SL_OK)
        ck_assert_msg(posted(db, t + 1, s + 1) == m->bal[t][s], "seed %llu step %d: a failed call wrote",
                      (unsigned long long)seed, step);
}

START_TEST(test_property_groups_against_model)
{
    uint64_t seed = sl_test_seed("group property"), rng = seed;
    sl_db *db = sl_test_open_two_tenants(NOW - DAY);
    model *committed = calloc(1, sizeof(*committed)), *work = calloc(1, sizeof(*work));
    ck_assert_ptr_nonnull(committed);
    ck_assert_ptr_nonnull(work);
    long groups = strcmp(sl_test_backend, "postgres") == 0 ? sl_test_scale(40) : sl_test_scale(120);
    int step = 0;
    for (long g = 0; g < groups; g++) {
        int in_group = sl_test_rand(&rng) % 5 != 0; /* some calls run alone */
        if (in_group)
            ck_assert_ok_db(db, sl_group_begin(db));
        *work = *committed;
        int calls = 1 + (int)(sl_test_rand(&rng) % 8);
        for (int c = 0; c < calls; c++)
            random_call(db, work, &rng, seed, step++);
        if (!in_group || sl_test_rand(&rng) % 3) {
            if (in_group)
                ck_assert_ok_db(db, sl_group_commit(db));
            *committed = *work;
            check_model(db, committed, seed, step, "after commit");
        } else {
            ck_assert_ok_db(db, sl_group_rollback(db));
            check_model(db, committed, seed, step, "after rollback");
        }
        if (g % 8 == 7) { /* start a new day: keep slots available */
            for (int t = 0; t < PT; t++)
                for (int k = 0; k < SLOTS; k++)
                    if (committed->booked[t][k] && sl_test_rand(&rng) % 2) {
                        sl_session *s = NULL;
                        size_t n = 0;
                        ck_assert_ok_db(db, sl_sessions_list(db, &s, &n, t + 1, BASE + k * HOUR,
                                                             BASE + k * HOUR + 1, 0));
                        size_t i = 0;
                        while (i < n && s[i].status == SL_STATUS_CANCELLED)
                            i++;
                        ck_assert_uint_lt(i, n);
                        ck_assert_ok_db(db, sl_cancel(db, NULL, t + 1, s[i].id, NOW));
                        sl_free(s);
                        committed->booked[t][k] = 0;
                    }
        }
    }
    for (sl_id t = 1; t <= PT; t++) { /* the chain has no gap where groups were rolled back */
        sl_verify_report r;
        ck_assert_ok_db(db, sl_ledger_verify(db, &r, t));
    }
    free(committed);
    free(work);
    sl_close(db);
}
END_TEST

/* ---- shared targets: close, kill, locks -------------------------------------------- */

/* The checked fixture of these cases: where a second handle or process
 * opens the same store (sl_test_shared_target); NULL on the private
 * stores, where nothing outlives a handle and these cases do nothing. */
static char *shared;

static void shared_open(void)
{
    shared = sl_test_shared_target("group.db");
}

/* A handle on shared with tenant T1, whose student 1 has 5 credits (key
 * "kept"). */
static sl_db *open_kept(void)
{
    sl_db *db = open_target(shared, 0);
    sl_test_put_tenant(db, T1, 0, NOW - DAY, 1);
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 5, "kept"));
    return db;
}

START_TEST(test_close_rolls_back_open_group)
{
    if (!shared)
        return; /* nothing outlives a private store */
    sl_db *db = open_kept();
    ck_assert_ok_db(db, sl_group_begin(db));
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 5, "left open"));
    ck_assert_ok_db(db, book(db, NULL, T1, 1, 0, "left open too"));
    sl_close(db);
    db = open_target(shared, 0);
    ck_assert_int_eq(posted(db, T1, 1), 5);
    ck_assert_int_eq(live_sessions(db, T1), 0);
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 1, "left open")); /* the key is free */
    sl_close(db);
}
END_TEST

START_TEST(test_killed_inside_group_leaves_nothing)
{
    if (!shared)
        return;
    sl_db *db = open_kept();
    sl_close(db); /* no connection across fork */

    int fd;
    pid_t pid = sl_test_fork_piped(&fd);
    if (pid == 0) {
        sl_db *c = NULL;
        char ok = 'n';
        if (sl_open(&c, shared, NULL) == SL_OK && sl_group_begin(c) == SL_OK &&
            post(c, NULL, T1, 1, 7, "doomed") == SL_OK && book(c, NULL, T1, 1, 0, "doomed-b") == SL_OK &&
            post(c, NULL, T1, 2, 3, "doomed-2") == SL_OK)
            ok = 'y';
        if (write(fd, &ok, 1) != 1)
            _exit(3);
        pause(); /* SIGKILLed here, the group open */
        _exit(4);
    }
    char ok = 0;
    ck_assert_int_eq(read(fd, &ok, 1), 1);
    close(fd);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert_msg(ok == 'y', "the child's group calls failed");
    ck_assert(WIFSIGNALED(status));

    db = open_target(shared, 0);
    ck_assert_int_eq(posted(db, T1, 1), 5);
    ck_assert_int_eq(posted(db, T1, 2), 0);
    ck_assert_int_eq(live_sessions(db, T1), 0);
    /* nothing is left locked: writes go on, the keys are free */
    ck_assert_ok_db(db, post(db, NULL, T1, 1, 1, "doomed"));
    ck_assert_ok_db(db, book(db, NULL, T1, 1, 0, "doomed-b"));
    ck_assert_int_eq(posted(db, T1, 1), 6);
    sl_close(db);
}
END_TEST

/* A second writer meets an open group: SQLite refuses its group (the
 * write lock is the group's); PostgreSQL lets it run until it needs the
 * locked tenant, then SL_EBUSY gives up on its whole group. */
START_TEST(test_lock_wait_gives_up_the_group)
{
    if (!shared)
        return;
    sl_db *a = open_target(shared, 200), *b = open_target(shared, 200);
    sl_test_put_tenant(a, T1, 0, NOW - DAY, 1);
    sl_test_put_tenant(a, T2, 0, NOW - DAY, 1);
    ck_assert_ok_db(a, sl_group_begin(a));
    /* a post takes tenant 1's lock. (Not a booking: on PostgreSQL a
     * group's insert also holds the store's id counter of its table, see
     * README "Groups", which b's booking of tenant 2 would wait for.) */
    ck_assert_ok_db(a, post(a, NULL, T1, 1, 5, "a1"));
    if (strcmp(sl_test_backend, "postgres") == 0) {
        ck_assert_ok_db(b, sl_group_begin(b));
        ck_assert_ok_db(b, book(b, NULL, T2, 1, 0, "b2")); /* another tenant: no wait */
        ck_assert_sl(post(b, NULL, T1, 1, 1, "b1"), SL_EBUSY);
        ck_assert_msg(strstr(sl_errmsg(b), "group") != NULL, "%s", sl_errmsg(b));
        ck_assert_sl(post(b, NULL, T2, 1, 3, "b3"), SL_EBUSY); /* the group is given up */
        ck_assert_int_eq(sl_group_active(b), 1);
        ck_assert_sl(sl_group_commit(b), SL_EBUSY);
        ck_assert_int_eq(sl_group_active(b), 0);
    } else {
        ck_assert_sl(sl_group_begin(b), SL_EBUSY);
        ck_assert_int_eq(sl_group_active(b), 0);
    }
    ck_assert_ok_db(a, sl_group_commit(a));
    /* b's group left nothing; b retries and wins the free slot */
    ck_assert_int_eq(live_sessions(b, T2), 0);
    ck_assert_ok_db(b, sl_group_begin(b));
    ck_assert_ok_db(b, book(b, NULL, T2, 1, 0, "b2"));
    ck_assert_sl(post(b, NULL, T1, 1, -6, "b1"), SL_EINSUFFICIENT);
    ck_assert_ok_db(b, post(b, NULL, T1, 1, -5, "b1"));
    ck_assert_ok_db(b, sl_group_commit(b));
    ck_assert_int_eq(posted(a, T1, 1), 0);
    ck_assert_int_eq(live_sessions(a, T2), 1);
    sl_close(a);
    sl_close(b);
}
END_TEST

/* ---- 8 processes ------------------------------------------------------------------- */

#define PROCS 8
#define STUDENTS 4
#define CREDITS 30 /* each student's purchase: posts of -1 can take at most this */

typedef struct stress_report {
    long committed_books, committed_spends, busy, bad;
    char msg[160];
} stress_report;

static int stress_child(int idx, int go, void *ctx, void *rep)
{
    const char *path = ctx;
    stress_report *r = rep;
    sl_db *db = NULL;
    if (sl_open(&db, path, NULL) != SL_OK)
        return 2;
    uint64_t rng = 0x5eed + (uint64_t)idx;
    sl_test_wait_go(go);
    for (int g = 0; g < 40; g++) {
        long books = 0, spends = 0;
        /* PostgreSQL: one tenant per group (two would deadlock often,
         * which gives the group up: correct, but slow to test) */
        sl_id group_tenant = 1 + (sl_id)(sl_test_rand(&rng) % 2), pg = strcmp(sl_test_backend, "postgres") == 0;
        int rc = sl_group_begin(db);
        for (int c = 0; rc == SL_OK && c < 6; c++) {
            char key[48];
            snprintf(key, sizeof(key), "p%d-g%d-c%d", idx, g, c);
            sl_id tenant = pg ? group_tenant : 1 + (sl_id)(sl_test_rand(&rng) % 2);
            int call;
            if (sl_test_rand(&rng) % 2) {
                call = book(db, NULL, tenant, 1 + (sl_id)(sl_test_rand(&rng) % STUDENTS),
                            (int)(sl_test_rand(&rng) % 48), key);
                books += call == SL_OK;
            } else {
                call = post(db, NULL, tenant, 1 + (sl_id)(sl_test_rand(&rng) % STUDENTS), -1, key);
                spends += call == SL_OK;
            }
            if (call == SL_EBUSY)
                rc = call;
            else if (call != SL_OK && call != SL_ECONFLICT && call != SL_EINSUFFICIENT && !r->bad++)
                snprintf(r->msg, sizeof(r->msg), "%s: %s", sl_strerror(call), sl_errmsg(db));
        }
        if (rc == SL_OK && (rc = sl_group_commit(db)) == SL_OK) {
            r->committed_books += books;
            r->committed_spends += spends;
        } else if (rc == SL_EBUSY) {
            r->busy++;
            if (sl_group_active(db))
                sl_group_rollback(db);
        } else if (!r->bad++) {
            snprintf(r->msg, sizeof(r->msg), "group: %s: %s", sl_strerror(rc), sl_errmsg(db));
        }
    }
    sl_close(db);
    return 0;
}

START_TEST(test_processes_no_double_booking_no_overdraft)
{
    if (!shared)
        return;
    sl_db *db = open_target(shared, 0);
    for (sl_id t = 1; t <= 2; t++) {
        sl_test_put_tenant(db, t, 0, NOW - DAY, 1);
        for (sl_id s = 1; s <= STUDENTS; s++) {
            char key[32];
            snprintf(key, sizeof(key), "buy-%d", (int)s);
            ck_assert_ok_db(db, post(db, NULL, t, s, CREDITS, key));
        }
    }
    sl_close(db);

    stress_report reps[PROCS];
    memset(reps, 0, sizeof(reps));
    sl_test_fork_children(PROCS, stress_child, shared, reps, sizeof(reps[0]));

    long books = 0, spends = 0, busy = 0;
    for (int i = 0; i < PROCS; i++) {
        ck_assert_msg(reps[i].bad == 0, "child %d: %s", i, reps[i].msg);
        books += reps[i].committed_books;
        spends += reps[i].committed_spends;
        busy += reps[i].busy;
    }
    db = open_target(shared, 0);
    long sessions = 0, spent = 0;
    for (sl_id t = 1; t <= 2; t++) {
        sl_session *s = NULL;
        size_t n = 0;
        ck_assert_ok_db(db, sl_sessions_list(db, &s, &n, t, BASE - DAY, BASE + 3 * DAY, 0));
        for (size_t i = 1; i < n; i++) /* no double booking */
            ck_assert_msg(s[i].start >= s[i - 1].end, "tenant %d: sessions %lld and %lld overlap", (int)t,
                          (long long)s[i - 1].id, (long long)s[i].id);
        sessions += (long)n;
        sl_free(s);
        for (sl_id st = 1; st <= STUDENTS; st++) {
            int64_t p = posted(db, t, st);
            ck_assert_msg(p >= 0, "tenant %d student %d overdrawn: %lld", (int)t, (int)st, (long long)p);
            spent += CREDITS - p;
        }
        sl_verify_report vr;
        ck_assert_ok_db(db, sl_ledger_verify(db, &vr, t));
    }
    /* exactly the calls of committed groups remain */
    ck_assert_int_eq(sessions, books);
    ck_assert_int_eq(spent, spends);
    fprintf(stderr, "# 8 processes: %ld bookings and %ld posts committed, %ld groups given up (SL_EBUSY)\n", books,
            spends, busy);
    sl_close(db);
}
END_TEST

static SL_TEST_TCASE(tc_api, "api", NULL, NULL, 0, test_api_misuse, test_store_without_groups)
static SL_TEST_TCASE(tc_calls, "calls", NULL, NULL, 0, test_failed_call_writes_nothing_group_goes_on,
                     test_failed_call_gives_its_ids_back, test_rollback_undoes_every_call,
                     test_replays_inside_and_across_groups)
static SL_TEST_TCASE(tc_property, "property", NULL, NULL, 300, test_property_groups_against_model)
static SL_TEST_TCASE(tc_shared, "shared", shared_open, NULL, 300, test_close_rolls_back_open_group,
                     test_killed_inside_group_leaves_nothing, test_lock_wait_gives_up_the_group,
                     test_processes_no_double_booking_no_overdraft)

TCase *tcase_group_classes(void); /* group_classes.c */
SL_TEST_SUITE(group, tc_api, tc_calls, tc_property, tc_shared, tcase_group_classes)
