/*
 * tests/check_store_may.c - a store may leave every *may* method of
 * sys/store.h NULL: the core falls back to a scan of a *must* method and
 * answers exactly as with the method. Each case runs one scenario (book,
 * replay a key, post, replay, hold and capture, list by student, a series,
 * verify, soft delete and restore) on a full store and on the same backend
 * without one may method, and compares the transcripts. Also: a version-1
 * store (whose struct ends before the version-2 methods) keeps working and
 * its version-2 slots are never read (nor a version-2 store's version-3
 * slots); an override is deleted and restored by id without a scan; a backend applies the status set the
 * core passes with SL_SCAN_BLOCKING instead of a rule of its own, and the
 * SQLite index encodes the core's set. Runs per backend (argv[1]).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faulty_store.h"
#include "core/internal.h"
#include "store/sqlite_internal.h"
#include "support.h"

#define DAY 86400
#define BASE ((sl_time)1767225600) /* 2026-01-01T00:00:00Z, a Thursday */
#define NOW (BASE - DAY)
#define T 1
#define STUDENT 7

static const uint8_t key32[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

typedef struct transcript {
    char text[8192];
    size_t len;
} transcript;

static void say(transcript *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->text + t->len, sizeof(t->text) - t->len, fmt, ap);
    va_end(ap);
    ck_assert_msg(n >= 0 && (size_t)n < sizeof(t->text) - t->len, "transcript full");
    t->len += (size_t)n;
}

static sl_store *new_store(void)
{
    sl_store *st = NULL;
    int rc = strcmp(sl_test_backend, "memory") == 0 ? sl_store_memory_new(&st)
                                                     : sl_store_sqlite_new(&st, ":memory:", NULL);
    ck_assert_msg(rc == SL_OK, "new store: %s", sl_strerror(rc));
    return st;
}

static sl_db *open_with(sl_store *st)
{
    sl_options o;
    sl_db *db = NULL;
    ck_assert_int_eq(sl_options_init(&o, SL_OPTIONS_VERSION), SL_OK);
    o.ledger_key = key32;
    o.ledger_key_len = sizeof(key32);
    int rc = sl_open_store(&db, st, &o);
    ck_assert_msg(rc == SL_OK, "sl_open_store: %s: %s", sl_strerror(rc), sl_errmsg(NULL));
    return db;
}

static void session_line(transcript *t, const char *what, int rc, const sl_session *s)
{
    say(t, "%s %s id=%lld series=%lld hold=%lld status=%d replayed=%d\n", what, sl_strerror(rc),
        rc == SL_OK ? (long long)s->id : 0LL, rc == SL_OK ? (long long)s->series_id : 0LL,
        rc == SL_OK ? (long long)s->hold_id : 0LL, rc == SL_OK ? (int)s->status : 0,
        rc == SL_OK ? (int)s->replayed : 0);
}

static void entry_line(transcript *t, const char *what, int rc, const sl_entry *e)
{
    say(t, "%s %s id=%lld seq=%lld amount=%lld replayed=%d\n", what, sl_strerror(rc),
        rc == SL_OK ? (long long)e->id : 0LL, rc == SL_OK ? (long long)e->seq : 0LL,
        rc == SL_OK ? (long long)e->amount : 0LL, rc == SL_OK ? (int)e->replayed : 0);
}

static void schedule_part(transcript *t, sl_db *db)
{
    sl_tenant tn;
    sl_id rule = 0, ov = 0;
    sl_window w = {480, 1200};
    ck_assert_int_eq(sl_tenant_init(&tn, SL_TENANT_VERSION), SL_OK);
    tn.id = T;
    ck_assert_ok_db(db, sl_tenant_put(db, &tn, NOW));
    for (int32_t wd = 1; wd <= 7; wd++)
        ck_assert_ok_db(db, sl_rule_add(db, wd == 1 ? &rule : NULL, T, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, NOW));
    say(t, "override_set %s\n", sl_strerror(sl_override_set(db, &ov, T, 20454, &w, 1, NOW)));
    sl_rule r;
    sl_override o;
    int rc = sl_rule_get(db, &r, T, rule, 0);
    say(t, "rule_get %s weekday=%d\n", sl_strerror(rc), rc == SL_OK ? (int)r.weekday : 0);
    rc = sl_override_get(db, &o, T, 20454, 0);
    say(t, "override_get %s id=%lld\n", sl_strerror(rc), rc == SL_OK ? (long long)o.id : 0LL);
    say(t, "rule_update %s\n", sl_strerror(sl_rule_update(db, T, rule, 1, 60, 1440, SL_DATE_MIN, SL_DATE_MAX, NOW)));
    say(t, "rule_delete %s\n", sl_strerror(sl_soft_delete(db, T, SL_ENTITY_RULE, rule, NOW)));
    say(t, "rule_restore %s\n", sl_strerror(sl_restore(db, T, SL_ENTITY_RULE, rule, NOW)));
    say(t, "override_delete %s\n", sl_strerror(sl_soft_delete(db, T, SL_ENTITY_OVERRIDE, ov, NOW)));
    say(t, "override_restore %s\n", sl_strerror(sl_restore(db, T, SL_ENTITY_OVERRIDE, ov, NOW)));
    say(t, "override_delete-other-tenant %s\n", sl_strerror(sl_soft_delete(db, T + 1, SL_ENTITY_OVERRIDE, ov, NOW)));
    say(t, "override_delete-unknown %s\n", sl_strerror(sl_soft_delete(db, T, SL_ENTITY_OVERRIDE, ov + 100, NOW)));
}

static void ledger_part(transcript *t, sl_db *db)
{
    sl_entry e;
    sl_credit_hold h;
    int rc = sl_ledger_post(db, &e, T, STUDENT, SL_ENTRY_PURCHASE, 20, "p1", "ref", NOW);
    entry_line(t, "post", rc, &e);
    entry_line(t, "post-replay", sl_ledger_post(db, &e, T, STUDENT, SL_ENTRY_PURCHASE, 20, "p1", "ref", NOW), &e);
    say(t, "post-mismatch %s\n",
        sl_strerror(sl_ledger_post(db, &e, T, STUDENT, SL_ENTRY_PURCHASE, 21, "p1", "ref", NOW)));
    rc = sl_hold(db, &h, T, STUDENT, 3, BASE + 30 * DAY, "h1", NOW);
    say(t, "hold %s id=%lld\n", sl_strerror(rc), rc == SL_OK ? (long long)h.id : 0LL);
    rc = sl_hold(db, &h, T, STUDENT, 3, BASE + 30 * DAY, "h1", NOW);
    say(t, "hold-replay %s id=%lld\n", sl_strerror(rc), rc == SL_OK ? (long long)h.id : 0LL);
    say(t, "hold-mismatch %s\n", sl_strerror(sl_hold(db, &h, T, STUDENT, 4, BASE + 30 * DAY, "h1", NOW)));
    entry_line(t, "capture", sl_hold_capture(db, &e, T, h.id, 2, "c1", NOW), &e);
    entry_line(t, "capture-replay", sl_hold_capture(db, &e, T, h.id, 2, "c1", NOW), &e);
    say(t, "floor %s\n", sl_strerror(sl_account_set_floor(db, T, STUDENT + 1, -5, NOW)));
}

static void booking_part(transcript *t, sl_db *db)
{
    sl_session s, many[3];
    size_t n = 0, skipped = 0;
    int rc = sl_book(db, &s, T, STUDENT, BASE + 10 * 3600, 3600, 2, "b1", NOW);
    session_line(t, "book", rc, &s);
    sl_id booked = s.id;
    session_line(t, "book-replay", sl_book(db, &s, T, STUDENT, BASE + 10 * 3600, 3600, 2, "b1", NOW), &s);
    say(t, "book-mismatch %s\n", sl_strerror(sl_book(db, &s, T, STUDENT + 1, BASE + 10 * 3600, 3600, 2, "b1", NOW)));
    say(t, "book-conflict %s\n", sl_strerror(sl_book(db, &s, T, STUDENT + 1, BASE + 10 * 3600, 1800, 0, NULL, NOW)));
    rc = sl_book_recurring(db, many, &n, NULL, 0, &skipped, T, STUDENT, BASE + DAY + 9 * 3600, 3600, 0, 3,
                           SL_RECUR_ALL_OR_NOTHING, "r1", NOW);
    say(t, "recurring %s n=%zu\n", sl_strerror(rc), n);
    for (size_t i = 0; i < n; i++)
        session_line(t, " occurrence", SL_OK, &many[i]);
    rc = sl_book_recurring(db, many, &n, NULL, 0, &skipped, T, STUDENT, BASE + DAY + 9 * 3600, 3600, 0, 3,
                           SL_RECUR_ALL_OR_NOTHING, "r1", NOW);
    say(t, "recurring-replay %s n=%zu first=%lld\n", sl_strerror(rc), n, n ? (long long)many[0].id : 0LL);
    session_line(t, "confirm", sl_confirm(db, &s, T, booked, NOW), &s);
    say(t, "delete %s\n", sl_strerror(sl_soft_delete(db, T, SL_ENTITY_SESSION, booked, NOW)));
    session_line(t, "get-deleted", sl_session_get(db, &s, T, booked, 0), &s);
    say(t, "restore %s\n", sl_strerror(sl_restore(db, T, SL_ENTITY_SESSION, booked, NOW)));
    session_line(t, "get", sl_session_get(db, &s, T, booked, 0), &s);
    session_line(t, "get-unknown", sl_session_get(db, &s, T, 999, 0), &s);
}

static void reads_part(transcript *t, sl_db *db)
{
    sl_session *list = NULL;
    size_t n = 0;
    int rc = sl_sessions_by_student(db, &list, &n, T, STUDENT, 0);
    say(t, "by_student %s n=%zu:", sl_strerror(rc), n);
    for (size_t i = 0; i < n; i++)
        say(t, " %lld", (long long)list[i].id);
    say(t, "\n");
    sl_free(list);
    sl_balance b;
    rc = sl_ledger_balance(db, &b, T, STUDENT, NOW);
    say(t, "balance %s posted=%lld held=%lld\n", sl_strerror(rc), (long long)b.posted, (long long)b.held);
    sl_verify_report r;
    rc = sl_ledger_verify(db, &r, T);
    say(t, "verify %s entries=%lld accounts=%lld bad=%lld\n", sl_strerror(rc), (long long)r.entries,
        (long long)r.accounts, (long long)r.first_bad_seq);
    say(t, "account_delete %s\n", sl_strerror(sl_soft_delete(db, T, SL_ENTITY_ACCOUNT, STUDENT, NOW)));
    say(t, "post-deleted %s\n",
        sl_strerror(sl_ledger_post(db, NULL, T, STUDENT, SL_ENTRY_GRANT, 1, "p2", NULL, NOW)));
    say(t, "account_restore %s\n", sl_strerror(sl_restore(db, T, SL_ENTITY_ACCOUNT, STUDENT, NOW)));
}

static void scenario(transcript *t, sl_store *st)
{
    sl_db *db = open_with(st);
    memset(t, 0, sizeof(*t));
    schedule_part(t, db);
    ledger_part(t, db);
    booking_part(t, db);
    reads_part(t, db);
    sl_close(db);
}

START_TEST(test_each_may_method_falls_back)
{
    static transcript full, without;
    scenario(&full, new_store());
    for (size_t i = 0; sl_test_may_name(i); i++) {
        sl_store *st = new_store();
        ck_assert_int_eq(sl_test_drop_may(st, sl_test_may_name(i)), 0);
        scenario(&without, st);
        if (strcmp(full.text, without.text) != 0)
            fprintf(stderr, "without %s:\n%s\nwith every method:\n%s", sl_test_may_name(i), without.text,
                    full.text);
        ck_assert_msg(strcmp(full.text, without.text) == 0, "without %s the transcript differs (stderr)",
                      sl_test_may_name(i));
    }
}
END_TEST

START_TEST(test_no_may_method_at_all)
{
    static transcript full, without;
    scenario(&full, new_store());
    sl_store *st = new_store();
    for (size_t i = 0; sl_test_may_name(i); i++)
        if (strcmp(sl_test_may_name(i), "hold_by_key") != 0) /* needs holds_scan, or itself */
            ck_assert_int_eq(sl_test_drop_may(st, sl_test_may_name(i)), 0);
    scenario(&without, st);
    if (strcmp(full.text, without.text) != 0)
        fprintf(stderr, "without may methods:\n%s\nwith every method:\n%s", without.text, full.text);
    ck_assert_msg(strcmp(full.text, without.text) == 0, "without may methods the transcript differs (stderr)");
}
END_TEST

START_TEST(test_must_methods_still_checked)
{
    sl_db *db = NULL;
    sl_store *st = new_store();
    st->sessions_scan = NULL;
    ck_assert_sl(sl_open_store(&db, st, NULL), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(NULL), "sessions_scan") != NULL, "%s", sl_errmsg(NULL));
    /* hold_by_key falls back on holds_scan: without both, refused. */
    st = new_store();
    st->hold_by_key = NULL;
    st->holds_scan = NULL;
    ck_assert_sl(sl_open_store(&db, st, NULL), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(NULL), "hold_by_key") != NULL, "%s", sl_errmsg(NULL));
}
END_TEST

static int v2_slot_read(void)
{
    ck_abort_msg("the core read a version-2 method of a version-1 store");
    return SL_ESTORE;
}

static int v3_slot_read(void)
{
    ck_abort_msg("the core read a version-3 method of an older store");
    return SL_ESTORE;
}

START_TEST(test_version_1_store_keeps_working)
{
    /* A faulty-store wrapper (never armed) declared as version 1, its
     * version-2 slots filled with something that must never be called. */
    sl_store *st = sl_test_faulty_new(new_store());
    ck_assert_ptr_nonnull(st);
    st->version = 1;
    int (*trap)(void) = v2_slot_read;
    memcpy(&st->mac_put, &trap, sizeof(trap));
    memcpy(&st->mac_get, &trap, sizeof(trap));
    memcpy(&st->holds_scan, &trap, sizeof(trap));
    int (*trap3)(void) = v3_slot_read;
    memcpy(&st->override_by_id, &trap3, sizeof(trap3));
    static transcript t;
    scenario(&t, st);
    if (!strstr(t.text, "verify SL_OK"))
        fprintf(stderr, "%s", t.text);
    ck_assert_msg(strstr(t.text, "verify SL_OK") != NULL, "verify failed on a version-1 store");
    ck_assert_msg(strstr(t.text, "book-replay SL_OK") != NULL, "a replay failed on a version-1 store");
}
END_TEST

START_TEST(test_version_2_store_keeps_working)
{
    /* Declared as version 2: override_by_id (version 3) is never read, and
     * deleting and restoring an override answers as with the method. */
    static transcript full, t;
    scenario(&full, new_store());
    sl_store *st = sl_test_faulty_new(new_store());
    ck_assert_ptr_nonnull(st);
    st->version = 2;
    int (*trap)(void) = v3_slot_read;
    memcpy(&st->override_by_id, &trap, sizeof(trap));
    scenario(&t, st);
    if (strcmp(full.text, t.text) != 0)
        fprintf(stderr, "version 2:\n%s\nversion 3:\n%s", t.text, full.text);
    ck_assert_msg(strcmp(full.text, t.text) == 0, "a version-2 store answers differently (stderr)");
}
END_TEST

/* Deleting or restoring an override finds it by id: with override_by_id
 * the core never scans the tenant's overrides over every date. */
static int (*inner_overrides_scan)(sl_store *, sl_id, sl_date, sl_date, uint32_t,
                                   int (*)(void *, const sl_override *), void *);
static int overrides_scans;

static int counting_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                                   int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    overrides_scans++;
    return inner_overrides_scan(st, tenant, from, to, flags, cb, ctx);
}

START_TEST(test_override_found_by_id_without_a_scan)
{
    sl_store *st = new_store();
    inner_overrides_scan = st->overrides_scan;
    st->overrides_scan = counting_overrides_scan;
    sl_db *db = open_with(st);
    sl_tenant tn;
    ck_assert_int_eq(sl_tenant_init(&tn, SL_TENANT_VERSION), SL_OK);
    tn.id = T;
    ck_assert_ok_db(db, sl_tenant_put(db, &tn, NOW));
    sl_window w = {60, 120};
    sl_id ov[3];
    for (int i = 0; i < 3; i++)
        ck_assert_ok_db(db, sl_override_set(db, &ov[i], T, 20454 + 7 * i, &w, 1, NOW));
    overrides_scans = 0;
    ck_assert_ok_db(db, sl_soft_delete(db, T, SL_ENTITY_OVERRIDE, ov[1], NOW));
    ck_assert_ok_db(db, sl_restore(db, T, SL_ENTITY_OVERRIDE, ov[1], NOW));
    ck_assert_sl(sl_restore(db, T, SL_ENTITY_OVERRIDE, ov[1], NOW), SL_ESTATE);
    ck_assert_sl(sl_soft_delete(db, T + 1, SL_ENTITY_OVERRIDE, ov[1], NOW), SL_ENOTFOUND);
    ck_assert_int_eq(overrides_scans, 0);
    sl_override o;
    ck_assert_ok_db(db, sl_override_get(db, &o, T, 20454 + 7, 0));
    ck_assert_int_eq(o.id, ov[1]);
    ck_assert_int_eq(o.deleted_at, 0);
    sl_close(db);
}
END_TEST

/* Which statuses block time is the core's rule, passed to the store as
 * data: a backend returns the live sessions of exactly the statuses asked
 * for, whatever they are. */
static int collect_status(void *ctx, const sl_session *s)
{
    uint32_t *seen = ctx;
    *seen |= 1u << s->id;
    return 0;
}

START_TEST(test_scan_applies_the_status_set_given)
{
    sl_store *st = new_store();
    sl_session x[6];
    ck_assert_sl(st->begin(st, 1, 1), SL_OK);
    for (int32_t status = 1; status <= 5; status++) {
        sl_session *s = &x[status];
        memset(s, 0, sizeof(*s));
        s->version = SL_SESSION_VERSION;
        s->tenant = 1;
        s->student = 1;
        s->status = status;
        s->kind = SL_KIND_REGULAR;
        s->start = BASE + status * 3600;
        s->end = s->start + 1800;
        ck_assert_sl(st->session_put(st, s), SL_OK);
        ck_assert_int_eq(s->id, status); /* ids 1..5 in order */
    }
    ck_assert_sl(st->commit(st), SL_OK);
    static const struct {
        uint32_t set, want; /* SL_SCAN_STATUS bits; ids (== statuses) as bits */
    } cases[] = {
        {SL_SCAN_STATUS(SL_STATUS_CONFIRMED), 1u << 2},
        {SL_SCAN_STATUS(SL_STATUS_CANCELLED), 1u << 3},
        {SL_SCAN_STATUS(SL_STATUS_PENDING) | SL_SCAN_STATUS(SL_STATUS_NO_SHOW), (1u << 1) | (1u << 5)},
        {0, 0},
    };
    ck_assert_sl(st->begin(st, 1, 0), SL_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (uint32_t times = 0; times <= SL_SCAN_TIMES_ONLY; times += SL_SCAN_TIMES_ONLY) {
            uint32_t seen = 0;
            ck_assert_sl(st->sessions_scan(st, 1, BASE, BASE + DAY, SL_SCAN_BLOCKING | cases[i].set | times,
                                           collect_status, &seen),
                         SL_OK);
            ck_assert_msg(seen == cases[i].want, "case %zu%s: got %#x, want %#x", i, times ? " (times only)" : "",
                          seen, cases[i].want);
        }
    }
    ck_assert_sl(st->rollback(st), SL_OK);
    st->free(st);
}
END_TEST

/* The SQLite partial index encodes a status set in SQL (schema.c); it must
 * be the set the core defines as blocking, or the conflict scan would
 * silently leave the index. */
START_TEST(test_core_blocking_set_is_the_indexed_one)
{
    ck_assert_uint_eq(sl__blocking_scan() & SL_SCAN_STATUS_MASK, SL__SQ_INDEXED_STATUSES);
    ck_assert_uint_eq(sl__blocking_scan() & ~SL_SCAN_STATUS_MASK, SL_SCAN_BLOCKING);
}
END_TEST

static SL_TEST_TCASE(tcase_fallbacks, "fallbacks", NULL, NULL, 120, test_each_may_method_falls_back,
                     test_no_may_method_at_all, test_must_methods_still_checked, test_version_1_store_keeps_working,
                     test_version_2_store_keeps_working, test_override_found_by_id_without_a_scan,
                     test_scan_applies_the_status_set_given, test_core_blocking_set_is_the_indexed_one)

SL_TEST_SUITE(store_may, tcase_fallbacks)
