/*
 * tests/check_rowcache.c - slot reads reuse the rows of earlier reads
 * (lib/slots/rowcache.h) only while nothing has changed: on a SQLite file
 * shared by several handles and processes, every answer of sl_slots,
 * sl_slots_many and sl_free_at on a handle that has read before equals the
 * answer of a handle opened afresh (which has nothing kept), whoever made
 * the change in between:
 *
 *  - another handle's booking, cancel, rule, override or tenant change;
 *  - the handle's own commits, and its own uncommitted writes inside a
 *    group (seen inside the group, gone after its rollback);
 *  - another process's writes;
 *  - a property test (printed seed) of random writes by two handles and a
 *    child process, each followed by a random read compared with a fresh
 *    handle, over random ranges (a kept entry serves a later query only
 *    when its ranges hold the query's).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "slots/slots_test.h"
#include "slots/rowcache.h"

#define NT 4
static const sl_id ids[NT] = {1, 2, 3, 4};
static const char *const tzs[NT] = {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"};

/* A file with NT tenants open 08:00-20:00 local every day, and funds for
 * students 1..8 of each. */
static const char *make_file(void)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("rowcache.db"));
    sl_db *db = sl_test_open_file(path, NULL, 0);
    for (int i = 0; i < NT; i++) {
        put_tenant(db, ids[i], (settings){tzs[i], 30 * MINUTE, 0, 0, 0, 0, 0});
        add_rule_every_day(db, ids[i], 8 * 60, 20 * 60);
        for (sl_id s = 1; s <= 8; s++)
            fund(db, ids[i], s, 1000);
    }
    sl_close(db);
    return path;
}

/* The three reads, on db and on a fresh handle of the same file, equal. */
static void same_slots(sl_db *db, const char *path, sl_id tenant, sl_time from, sl_time to, int64_t dur,
                       sl_time now, const char *why)
{
    sl_db *fresh = sl_test_open_file(path, NULL, 0);
    size_t n1 = 0, n2 = 0;
    uint32_t f1 = 0, f2 = 0;
    sl_interval *a = query(db, &n1, &f1, tenant, from, to, dur, now);
    sl_interval *b = query(fresh, &n2, &f2, tenant, from, to, dur, now);
    ck_assert_msg(n1 == n2, "%s: sl_slots of tenant %lld over %s..%s gives %zu slots, a fresh handle %zu", why,
                  (long long)tenant, fmt(from), fmt(to), n1, n2);
    for (size_t i = 0; i < n1; i++)
        ck_assert_msg(a[i].start == b[i].start, "%s: slot %zu of tenant %lld is %s, a fresh handle says %s", why, i,
                      (long long)tenant, fmt(a[i].start), fmt(b[i].start));
    free(a);
    free(b);
    sl_close(fresh);
}

static void same_many(sl_db *db, const char *path, sl_time from, sl_time to, int64_t dur, sl_time now,
                      const char *why)
{
    sl_db *fresh = sl_test_open_file(path, NULL, 0);
    sl_many_slots *a = NULL, *b = NULL;
    ck_assert_ok_db(db, sl_slots_many(db, &a, ids, NT, from, to, dur, now));
    ck_assert_ok_db(fresh, sl_slots_many(fresh, &b, ids, NT, from, to, dur, now));
    ck_assert_msg(a->n_slots == b->n_slots, "%s: sl_slots_many over %s..%s gives %llu slots, a fresh handle %llu",
                  why, fmt(from), fmt(to), (unsigned long long)a->n_slots, (unsigned long long)b->n_slots);
    for (size_t i = 0; i < NT; i++) {
        ck_assert_int_eq(a->status[i], b->status[i]);
        ck_assert_uint_eq(a->offsets[i + 1], b->offsets[i + 1]);
    }
    for (uint64_t i = 0; i < a->n_slots; i++)
        ck_assert_msg(a->slots[i].start == b->slots[i].start, "%s: many slot %llu is %s, a fresh handle says %s",
                      why, (unsigned long long)i, fmt(a->slots[i].start), fmt(b->slots[i].start));
    sl_free(a);
    sl_free(b);
    sl_close(fresh);
}

static void same_free_at(sl_db *db, const char *path, sl_time start, int64_t dur, sl_time now, const char *why)
{
    sl_db *fresh = sl_test_open_file(path, NULL, 0);
    sl_free_at_result *a = NULL, *b = NULL;
    ck_assert_ok_db(db, sl_free_at(db, &a, ids, NT, start, dur, now));
    ck_assert_ok_db(fresh, sl_free_at(fresh, &b, ids, NT, start, dur, now));
    for (size_t i = 0; i < NT; i++)
        ck_assert_msg(a->status[i] == b->status[i], "%s: sl_free_at %s: tenant %lld is %s, a fresh handle says %s",
                      why, fmt(start), (long long)ids[i], sl_strerror(a->status[i]), sl_strerror(b->status[i]));
    sl_free(a);
    sl_free(b);
    sl_close(fresh);
}

/* All three reads over the first week of MON, after `why`. */
static void same_all(sl_db *db, const char *path, const char *why)
{
    for (int i = 0; i < NT; i++)
        same_slots(db, path, ids[i], MON, MON + 7 * DAY, HOUR, NOW, why);
    same_many(db, path, MON, MON + 14 * DAY, HOUR, NOW, why);
    same_free_at(db, path, at(1, 10, 0), HOUR, NOW, why);
}

static sl_id book(sl_db *db, sl_id tenant, sl_id student, sl_time start)
{
    sl_session s;
    ck_assert_ok_db(db, sl_book(db, &s, tenant, student, start, HOUR, 1, NULL, NOW));
    return s.id;
}

/* ---- another process, and the property test -------------------------------- */

typedef struct live {
    sl_id tenant, id;
} live;

/* One random write by db: a booking, a cancel of a live one, a rule, an
 * override, or new tenant settings. */
static void random_write(sl_db *db, uint64_t *st, live *bk, size_t *n_bk)
{
    sl_id t = ids[rnd(st, NT)];
    switch (rnd(st, 5)) {
    case 0: {
        sl_session s;
        sl_time start = MON + (sl_time)rnd(st, 14 * 48) * 30 * MINUTE;
        int rc = sl_book(db, &s, t, 1 + (sl_id)rnd(st, 8), start, HOUR, 1, NULL, NOW);
        ck_assert_msg(rc == SL_OK || rc == SL_ECONFLICT || rc == SL_EUNAVAILABLE || rc == SL_EINSUFFICIENT,
                      "book: %s", sl_errmsg(db));
        if (rc == SL_OK && *n_bk < 256)
            bk[(*n_bk)++] = (live){t, s.id};
        break;
    }
    case 1:
        if (*n_bk > 0) {
            size_t i = rnd(st, *n_bk);
            sl_session s;
            ck_assert_ok_db(db, sl_cancel(db, &s, bk[i].tenant, bk[i].id, NOW));
            bk[i] = bk[--(*n_bk)];
        }
        break;
    case 2: {
        int32_t s, e;
        random_window(st, &s, &e);
        int rc = sl_rule_add(db, NULL, t, 1 + (int32_t)rnd(st, 7), s, e, SL_DATE_MIN, SL_DATE_MAX, NOW);
        ck_assert_msg(rc == SL_OK || rc == SL_EINVAL, "rule: %s", sl_errmsg(db));
        break;
    }
    case 3: {
        sl_window w;
        random_window(st, &w.start_min, &w.end_min);
        sl_date d = (sl_date)(MON / DAY) + (sl_date)rnd(st, 16);
        ck_assert_ok_db(db, sl_override_set(db, NULL, t, d, &w, rnd(st, 2), NOW));
        break;
    }
    default:
        put_tenant(db, t, (settings){tzs[rnd(st, NT)], (int64_t)rnd(st, 3) * 15 * MINUTE,
                                     (int64_t)rnd(st, 3) * 10 * MINUTE, (int64_t)rnd(st, 3) * 10 * MINUTE,
                                     (int64_t)rnd(st, 3) * DAY, 0, (int32_t)rnd(st, 3) * 10});
    }
}

/* Another process that writes on request: forked before the test opens
 * its handles (a forked child must not inherit open SQLite connections).
 * A command is a seed for random_write, or 0 to end; the child answers
 * each with one byte after its handle is closed. */
typedef struct writer {
    pid_t pid;
    int cmd, ack;
} writer;

static writer writer_start(const char *path)
{
    int to_child[2], to_parent[2];
    ck_assert_int_eq(pipe(to_child), 0);
    ck_assert_int_eq(pipe(to_parent), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        uint64_t seed;
        while (read(to_child[0], &seed, sizeof(seed)) == (ssize_t)sizeof(seed) && seed != 0) {
            uint64_t st = seed;
            live bk[1];
            size_t n = 0;
            sl_db *c = sl_test_open_file(path, NULL, 0);
            random_write(c, &st, bk, &n);
            sl_close(c);
            char ok = 1;
            if (write(to_parent[1], &ok, 1) != 1)
                _exit(1);
        }
        _exit(0);
    }
    close(to_child[0]);
    close(to_parent[1]);
    return (writer){pid, to_child[1], to_parent[0]};
}

static void writer_do(writer *w, uint64_t seed)
{
    char ok = 0;
    seed |= 1; /* never 0 */
    ck_assert_int_eq(sl_test_write_all(w->cmd, &seed, sizeof(seed)), 0);
    ck_assert_msg(read(w->ack, &ok, 1) == 1 && ok == 1, "the writer process failed (seed %llu)",
                  (unsigned long long)seed);
}

static void writer_stop(writer *w)
{
    uint64_t zero = 0;
    ck_assert_int_eq(sl_test_write_all(w->cmd, &zero, sizeof(zero)), 0);
    close(w->cmd);
    close(w->ack);
    sl_test_wait_child_ok(w->pid);
}

/* A write by another process is seen by a handle that has read before. */
START_TEST(test_other_process_writes)
{
    const char *path = make_file();
    writer w = writer_start(path);
    sl_db *a = sl_test_open_file(path, NULL, 0);
    for (uint64_t i = 1; i <= 12; i++) {
        char why[64];
        same_all(a, path, "before another process writes");
        writer_do(&w, i * 0x9E3779B97F4A7C15u);
        snprintf(why, sizeof(why), "another process wrote (seed %llu)", (unsigned long long)(i * 0x9E3779B97F4A7C15u | 1));
        same_all(a, path, why);
    }
    sl_close(a);
    writer_stop(&w);
}
END_TEST

START_TEST(test_property_reads_equal_a_fresh_handle)
{
    uint64_t seed = sl_test_seed("rowcache"), st = seed;
    const char *path = make_file();
    writer w = writer_start(path);
    sl_db *a = sl_test_open_file(path, NULL, 0), *b = sl_test_open_file(path, NULL, 0);
    live bk[256];
    size_t n_bk = 0;
    long iters = sl_test_scale(120);
    for (long i = 0; i < iters; i++) {
        char why[96];
        uint64_t who = rnd(&st, 4);
        snprintf(why, sizeof(why), "seed %llu iteration %ld (writer %d)", (unsigned long long)seed, i, (int)who);
        if (who == 0)
            random_write(a, &st, bk, &n_bk);
        else if (who == 1)
            random_write(b, &st, bk, &n_bk);
        else if (who == 2)
            writer_do(&w, sl_test_rand(&st));
        /* who == 3: no write; the read may reuse everything */
        sl_time from = MON + (sl_time)rnd(&st, 10 * 24) * HOUR;
        sl_time to = from + 1 + (sl_time)rnd(&st, 14 * 24) * HOUR;
        int64_t dur = (int64_t)(1 + rnd(&st, 3)) * 30 * MINUTE;
        switch (rnd(&st, 3)) {
        case 0:
            same_slots(a, path, ids[rnd(&st, NT)], from, to, dur, NOW, why);
            break;
        case 1:
            same_many(a, path, from, to, dur, NOW, why);
            break;
        default:
            same_free_at(a, path, MON + (sl_time)rnd(&st, 14 * 48) * 30 * MINUTE, dur, NOW, why);
        }
    }
    sl_close(a);
    sl_close(b);
    writer_stop(&w);
}
END_TEST

/* ---- two handles on one file ----------------------------------------------- */

/* The checked fixture of these cases: a new file (make_file) and two
 * handles on it, a and b. */
static const char *path;
static sl_db *a, *b;

static void two_handles_open(void)
{
    path = make_file();
    a = sl_test_open_file(path, NULL, 0);
    b = sl_test_open_file(path, NULL, 0);
}

static void two_handles_close(void)
{
    sl_close(a);
    sl_close(b);
}

START_TEST(test_other_handle_booking_and_cancel)
{
    same_all(a, path, "before any change");
    ck_assert(listed(a, 1, at(1, 10, 0), HOUR, NOW));
    sl_id s = book(b, 1, 1, at(1, 10, 0));
    ck_assert_msg(!listed(a, 1, at(1, 10, 0), HOUR, NOW), "a booking by another handle is not seen");
    same_all(a, path, "another handle booked");
    sl_session out;
    ck_assert_ok_db(b, sl_cancel(b, &out, 1, s, NOW));
    ck_assert_msg(listed(a, 1, at(1, 10, 0), HOUR, NOW), "a cancel by another handle is not seen");
    same_all(a, path, "another handle cancelled");
}
END_TEST

START_TEST(test_other_handle_schedule_changes)
{
    same_all(a, path, "before any change");
    /* An override closing Tuesday for tenant 2. */
    ck_assert_ok_db(b, sl_override_set(b, NULL, 2, local_date("Europe/Berlin", at(1, 12, 0)), NULL, 0, NOW));
    same_all(a, path, "another handle closed a day");
    /* A rule added (tenant 3 opens early), then the tenant's settings. */
    add_rule(b, 3, 2, 6 * 60, 8 * 60);
    same_all(a, path, "another handle added a rule");
    put_tenant(b, 4, (settings){"Asia/Kolkata", 15 * MINUTE, 10 * MINUTE, 5 * MINUTE, 2 * DAY, 0, 30});
    same_all(a, path, "another handle changed a tenant's step, buffers, notice and horizon");
    put_tenant(b, 1, (settings){"Pacific/Auckland", 30 * MINUTE, 0, 0, 0, 0, 0});
    same_all(a, path, "another handle changed a tenant's zone");
}
END_TEST

START_TEST(test_own_commits_and_group)
{
    same_all(a, path, "before any change");
    book(a, 2, 1, at(2, 9, 0));
    ck_assert_msg(!listed(a, 2, at(2, 9, 0), HOUR, NOW), "the handle's own booking is not seen");
    same_all(a, path, "the handle booked");
    /* Inside a group the handle sees its own uncommitted booking. */
    ck_assert(listed(a, 3, at(2, 14, 0), HOUR, NOW));
    ck_assert_ok_db(a, sl_group_begin(a));
    book(a, 3, 2, at(2, 14, 0));
    ck_assert_msg(!listed(a, 3, at(2, 14, 0), HOUR, NOW), "a booking inside the open group is not seen by it");
    sl_free_at_result *r = NULL;
    ck_assert_ok_db(a, sl_free_at(a, &r, ids, NT, at(2, 14, 0), HOUR, NOW));
    ck_assert_int_eq(r->status[2], SL_ECONFLICT);
    sl_free(r);
    ck_assert_ok_db(a, sl_group_rollback(a));
    ck_assert_msg(listed(a, 3, at(2, 14, 0), HOUR, NOW), "a rolled back booking is still seen");
    same_all(a, path, "a group was rolled back");
}
END_TEST

/* A cache with room for two tenants' rows, reading the pairs {1, 2} and
 * {3, 4} in turn with a booking between reads: each pair's second read
 * reuses rows (the stale rows of the other pair are dropped, not left to
 * keep fresh ones out), and every answer is a fresh handle's. */
START_TEST(test_small_cache_keeps_working)
{
    sl_many_slots *m = NULL;
    ck_assert_ok_db(a, sl_slots_many(a, &m, ids, 2, MON, MON + 14 * DAY, HOUR, NOW));
    sl_free(m);
    size_t two = sl__rowcache_bytes(a);
    ck_assert_uint_gt(two, 0);
    ck_assert_int_eq(sl__rowcache_limit(a, two + two / 3), SL_OK);
    for (int i = 0; i < 16; i++) {
        char why[64];
        const sl_id *pair = ids + 2 * (i % 2);
        snprintf(why, sizeof(why), "round %d of a small cache", i);
        book(b, ids[i % NT], 1 + i % 8, at(i / NT, 13, 0)); /* 13:00Z is open in every zone here */
        unsigned long before = sl__rowcache_kept(a);
        for (int k = 0; k < 2; k++) {
            ck_assert_ok_db(a, sl_slots_many(a, &m, pair, 2, MON, MON + 14 * DAY, HOUR, NOW));
            sl_free(m);
        }
        ck_assert_msg(sl__rowcache_kept(a) >= before + 2, "%s: the second read did not reuse both tenants' rows",
                      why);
        ck_assert_uint_le(sl__rowcache_bytes(a), two + two / 3);
        same_many(a, path, MON, MON + 14 * DAY, HOUR, NOW, why);
    }
}
END_TEST

static SL_TEST_TCASE(tcase_handles, "handles", two_handles_open, two_handles_close, 300,
                     test_other_handle_booking_and_cancel, test_other_handle_schedule_changes,
                     test_own_commits_and_group, test_small_cache_keeps_working)
static SL_TEST_TCASE(tcase_rowcache, "rowcache", NULL, NULL, 300, test_other_process_writes,
                     test_property_reads_equal_a_fresh_handle)

SL_TEST_SUITE(rowcache, tcase_handles, tcase_rowcache)
