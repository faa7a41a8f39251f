/*
 * tests/check_fault.c - atomicity under injected backend failures: for
 * every n, failing the n-th backend call of an operation either leaves the
 * store unchanged or (if the failure hit after the commit point) the
 * operation happened completely. Later modules add their operations here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "faulty_store.h"
#include "fault_check.h"

static sl_db *db;
static sl_store *fs;

static void setup(void)
{
    sl_store *inner = NULL;
    ck_assert_int_eq(sl_store_memory_new(&inner), SL_OK);
    fs = sl_test_faulty_new(inner);
    ck_assert_ptr_nonnull(fs);
    ck_assert_int_eq(sl_open_store(&db, fs, NULL), SL_OK);
}

static void teardown(void)
{
    sl_close(db);
}

START_TEST(test_tenant_put_is_atomic)
{
    sl_tenant before, t, got;
    sl_tenant_init(&before, SL_TENANT_VERSION);
    before.id = 4;
    before.step = 600;
    ck_assert_ok_db(db, sl_tenant_put(db, &before, 1));

    t = before;
    t.step = 1200;
    t.buffer_after = 300;
    long n;
    for (n = 1;; n++) {
        sl_test_faulty_arm(fs, n);
        int rc = sl_tenant_put(db, &t, 2);
        int fired = sl_test_faulty_fired(fs);
        sl_test_faulty_arm(fs, 0);
        if (fired)
            ck_assert_msg(strstr(sl_errmsg(db), "injected") != NULL, "call %ld: %s", n, sl_errmsg(db));
        ck_assert_ok_db(db, sl_tenant_get(db, &got, 4));
        if (!fired) {
            ck_assert_ok_db(db, rc);
            ck_assert_int_eq(got.step, 1200);
            break;
        }
        ck_assert_msg(rc == SL_ESTORE, "call %ld: %s", n, sl_strerror(rc));
        ck_assert_msg(got.step == 600 && got.buffer_after == 0 && got.updated_at == 1,
                      "call %ld failed but the tenant changed", n);
    }
    ck_assert_int_ge(n, 4); /* begin, get, put, commit */
}
END_TEST


/* ---- booking operations ---------------------------------------------------
 *
 * Each test builds a fresh memory store inside the faulty wrapper, fills it
 * (two tenants, rules, overrides, live, cancelled, deleted and keyed
 * sessions) and dumps it completely: tenants, every rule and override and
 * every session with SL_INCLUDE_DELETED. A reference run without faults
 * gives the result code and the dump the operation must produce. Then for
 * n = 1, 2, ...: fresh store, fail the n-th backend call, run the operation.
 * If it failed, the fault fired, the code is SL_ESTORE with the injected
 * message and the dump equals the one before; a retry without the fault then
 * gives exactly the reference result. If it succeeded, the dump equals the
 * reference. The loop ends with the first n the operation never reached.
 */

#define FDAY 86400
#define FHOUR 3600
#define FB ((sl_time)1898812800) /* 2030-03-04T00:00Z, a Monday */
#define FB_DATE ((sl_date)21977)
#define FNOW (FB - FDAY)
#define FDUR 3600
#define BERLIN_0318 ((sl_time)1900022400) /* 2030-03-18T00:00Z, a Monday */

typedef struct fixture_ids {
    sl_id a;        /* pending, FB+10h: rescheduled */
    sl_id b;        /* confirmed, FB+12h: cancelled */
    sl_id k;        /* keyed "k-orig", student 5, FB+18h */
    sl_time x_start; /* blocks week 2 of the Tuesday series */
} fixture_ids;

void sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(need, 0);
        if (b->p && b->n + (size_t)need < b->cap) {
            b->n += (size_t)need;
            return;
        }
        b->cap = (b->cap + (size_t)need + 1) * 2;
        b->p = realloc(b->p, b->cap);
        ck_assert_ptr_nonnull(b->p);
    }
}

/* The whole visible state of both tenants, as text. */
static char *dump(sl_db *d)
{
    sbuf b = {NULL, 0, 0};
    sb_printf(&b, "%s", "");
    for (sl_id tenant = 1; tenant <= 2; tenant++) {
        sl_tenant t;
        ck_assert_ok_db(d, sl_tenant_get(d, &t, tenant));
        sb_printf(&b, "T %lld %s %lld %lld %lld %lld %d %lld %lld %lld\n", (long long)t.id, t.tz,
                  (long long)t.buffer_before, (long long)t.buffer_after, (long long)t.min_notice,
                  (long long)t.step, (int)t.max_advance_days, (long long)t.late_cancel, (long long)t.created_at,
                  (long long)t.updated_at);

        sl_rule *r = NULL;
        size_t n = 0;
        ck_assert_ok_db(d, sl_rules_list(d, &r, &n, tenant, SL_INCLUDE_DELETED));
        for (size_t i = 0; i < n; i++)
            sb_printf(&b, "R %lld %lld %d %d-%d %d..%d %lld %lld %lld\n", (long long)r[i].id,
                      (long long)r[i].tenant, (int)r[i].weekday, (int)r[i].start_min, (int)r[i].end_min,
                      (int)r[i].valid_from, (int)r[i].valid_until, (long long)r[i].created_at,
                      (long long)r[i].updated_at, (long long)r[i].deleted_at);
        sl_free(r);

        sl_override *o = NULL;
        ck_assert_ok_db(d, sl_overrides_list(d, &o, &n, tenant, FB_DATE - 400, FB_DATE + 400, SL_INCLUDE_DELETED));
        for (size_t i = 0; i < n; i++) {
            sb_printf(&b, "O %lld %lld %d [", (long long)o[i].id, (long long)o[i].tenant, (int)o[i].date);
            for (int32_t w = 0; w < o[i].n_windows; w++)
                sb_printf(&b, " %d-%d", (int)o[i].windows[w].start_min, (int)o[i].windows[w].end_min);
            sb_printf(&b, " ] %lld %lld %lld\n", (long long)o[i].created_at, (long long)o[i].updated_at,
                      (long long)o[i].deleted_at);
        }
        sl_free(o);

        sl_session *s = NULL;
        ck_assert_ok_db(d, sl_sessions_list(d, &s, &n, tenant, FB - 180 * FDAY, FB + 180 * FDAY,
                                            SL_INCLUDE_DELETED));
        for (size_t i = 0; i < n; i++) {
            sb_printf(&b, "S %lld %lld st%lld %lld-%lld status%d kind%d cr%lld hold%lld series%lld %lld %lld %lld "
                          "key'%s' ",
                      (long long)s[i].id, (long long)s[i].tenant, (long long)s[i].student, (long long)s[i].start,
                      (long long)s[i].end, (int)s[i].status, (int)s[i].kind, (long long)s[i].credits,
                      (long long)s[i].hold_id, (long long)s[i].series_id, (long long)s[i].created_at,
                      (long long)s[i].updated_at, (long long)s[i].deleted_at, s[i].key);
            for (int h = 0; h < 16; h++)
                sb_printf(&b, "%02x", s[i].request_hash[h]);
            sb_printf(&b, "\n");
        }
        sl_free(s);
    }
    return b.p;
}

/* A fresh faulty memory store with the fixture; *ids receives its ids. */
static sl_db *fixture(sl_store **fs_out, fixture_ids *ids)
{
    sl_store *inner = NULL;
    sl_db *d = NULL;
    ck_assert_int_eq(sl_store_memory_new(&inner), SL_OK);
    sl_store *f = sl_test_faulty_new(inner);
    ck_assert_ptr_nonnull(f);
    sl_test_faulty_with_outbox(f); /* every change appends its event too */
    ck_assert_int_eq(sl_open_store(&d, f, NULL), SL_OK);
    *fs_out = f;

    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 1;
    t.step = 1800;
    t.buffer_after = 600;
    t.late_cancel = 3600;
    ck_assert_ok_db(d, sl_tenant_put(d, &t, FNOW - 10));
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 2;
    snprintf(t.tz, sizeof(t.tz), "%s", "Europe/Berlin");
    t.step = 1800;
    ck_assert_ok_db(d, sl_tenant_put(d, &t, FNOW - 10));
    for (int32_t wd = 1; wd <= 7; wd++) {
        ck_assert_ok_db(d, sl_rule_add(d, NULL, 1, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, FNOW - 9));
        ck_assert_ok_db(d, sl_rule_add(d, NULL, 2, wd, 8 * 60, 20 * 60, SL_DATE_MIN, SL_DATE_MAX, FNOW - 9));
    }
    sl_id gone;
    ck_assert_ok_db(d, sl_rule_add(d, &gone, 1, 1, 0, 60, FB_DATE, FB_DATE + 100, FNOW - 8));
    ck_assert_ok_db(d, sl_soft_delete(d, 1, SL_ENTITY_RULE, gone, FNOW - 7));
    ck_assert_ok_db(d, sl_override_set(d, NULL, 1, FB_DATE + 6, NULL, 0, FNOW - 6)); /* Sunday off */
    sl_window w = {9 * 60, 12 * 60};
    ck_assert_ok_db(d, sl_override_set(d, &gone, 1, FB_DATE + 5, &w, 1, FNOW - 6));
    ck_assert_ok_db(d, sl_soft_delete(d, 1, SL_ENTITY_OVERRIDE, gone, FNOW - 5));

    sl_session s;
    ck_assert_ok_db(d, sl_book(d, &s, 1, 1, FB + 10 * FHOUR, FDUR, 0, NULL, FNOW - 4));
    ids->a = s.id;
    ck_assert_ok_db(d, sl_book(d, &s, 1, 2, FB + 12 * FHOUR, FDUR, 0, NULL, FNOW - 4));
    ids->b = s.id;
    ck_assert_ok_db(d, sl_confirm(d, NULL, 1, s.id, FNOW - 3));
    ck_assert_ok_db(d, sl_book(d, &s, 1, 3, FB + 14 * FHOUR, FDUR, 0, NULL, FNOW - 4));
    ck_assert_ok_db(d, sl_cancel(d, NULL, 1, s.id, FNOW - 3));
    ck_assert_ok_db(d, sl_book(d, &s, 1, 4, FB + 16 * FHOUR, FDUR, 0, NULL, FNOW - 4));
    ck_assert_ok_db(d, sl_soft_delete(d, 1, SL_ENTITY_SESSION, s.id, FNOW - 3));
    ck_assert_ok_db(d, sl_book(d, &s, 1, 5, FB + 18 * FHOUR, FDUR, 0, "k-orig", FNOW - 4));
    ids->k = s.id;
    ids->x_start = FB + FDAY + 14 * FDAY + 9 * FHOUR;
    ck_assert_ok_db(d, sl_book(d, &s, 1, 6, ids->x_start, FDUR, 0, NULL, FNOW - 4));
    ck_assert_ok_db(d, sl_book(d, &s, 2, 9, BERLIN_0318 + 13 * FHOUR, FDUR, 0, NULL, FNOW - 4));
    return d;
}

typedef int (*fault_op)(sl_db *d, const fixture_ids *ids);

/* Dumps are too long for a Check message: they go to the log. */
static void print_dumps(const char *got, const char *what, const char *want)
{
    fprintf(stderr, "# store now:\n%s# %s:\n%s", got ? got : "(null)", what, want ? want : "(null)");
}

static sl_booking booking(sl_id student, sl_time start)
{
    sl_booking b = {student, start, FDUR, 0};
    return b;
}

static int op_book_many(sl_db *d, const fixture_ids *ids)
{
    (void)ids;
    sl_booking b[3] = {booking(11, FB + 2 * FDAY + 9 * FHOUR), booking(12, FB + 2 * FDAY + 11 * FHOUR),
                       booking(13, FB + 2 * FDAY + 13 * FHOUR)};
    sl_session out[3];
    size_t failed = 99;
    int rc = sl_book_many(d, out, &failed, 1, b, 3, "batch-1", FNOW);
    if (rc == SL_OK) {
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(out[i].start, b[i].start);
            ck_assert_int_eq(out[i].series_id, out[0].id);
        }
        ck_assert_int_ne(out[1].id, out[0].id);
        ck_assert_int_ne(out[2].id, out[1].id);
    }
    return rc;
}

static int op_book_many_conflict(sl_db *d, const fixture_ids *ids)
{
    (void)ids;
    /* The third overlaps session a (FB+10h): nothing of the batch stays. */
    sl_booking b[3] = {booking(11, FB + 2 * FDAY + 9 * FHOUR), booking(12, FB + 2 * FDAY + 11 * FHOUR),
                       booking(13, FB + 10 * FHOUR + 1800)};
    sl_session out[3];
    size_t failed = 99;
    int rc = sl_book_many(d, out, &failed, 1, b, 3, "batch-2", FNOW);
    if (rc == SL_ECONFLICT)
        ck_assert_uint_eq(failed, 2);
    return rc;
}

static int op_recurring_aon(sl_db *d, const fixture_ids *ids)
{
    (void)ids;
    /* Mondays 10:00 Berlin across the change to summer time (2030-03-31). */
    sl_session out[4];
    size_t booked = 99;
    int rc = sl_book_recurring(d, out, &booked, NULL, 0, NULL, 2, 20, BERLIN_0318 + 9 * FHOUR, FDUR, 0, 4,
                               SL_RECUR_ALL_OR_NOTHING, "rec-1", FNOW);
    if (rc == SL_OK) {
        ck_assert_uint_eq(booked, 4);
        ck_assert_int_eq(out[1].start, BERLIN_0318 + 7 * FDAY + 9 * FHOUR);
        ck_assert_int_eq(out[2].start, BERLIN_0318 + 14 * FDAY + 8 * FHOUR); /* 10:00 CEST */
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(out[i].series_id, out[0].id);
    }
    return rc;
}

static int recurring_tuesdays(sl_db *d, const fixture_ids *ids, int32_t policy, const char *key)
{
    sl_session out[5];
    sl_time skipped[5];
    size_t booked = 99, n_skipped = 99;
    int rc = sl_book_recurring(d, out, &booked, skipped, 5, &n_skipped, 1, 21, FB + FDAY + 9 * FHOUR, FDUR, 0, 5,
                               policy, key, FNOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(policy, SL_RECUR_SKIP_CONFLICTS);
        ck_assert_uint_eq(booked, 4);
        ck_assert_uint_eq(n_skipped, 1);
        ck_assert_int_eq(skipped[0], ids->x_start);
        for (size_t i = 0; i < booked; i++)
            ck_assert_int_eq(out[i].series_id, out[0].id);
    }
    return rc;
}

static int op_recurring_aon_conflict(sl_db *d, const fixture_ids *ids)
{
    return recurring_tuesdays(d, ids, SL_RECUR_ALL_OR_NOTHING, "rec-2");
}

static int op_recurring_skip(sl_db *d, const fixture_ids *ids)
{
    return recurring_tuesdays(d, ids, SL_RECUR_SKIP_CONFLICTS, "rec-3");
}

static int op_reschedule(sl_db *d, const fixture_ids *ids)
{
    sl_session s;
    int rc = sl_reschedule(d, &s, 1, ids->a, FB + 3 * FDAY + 9 * FHOUR, FNOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(s.id, ids->a);
        ck_assert_int_eq(s.start, FB + 3 * FDAY + 9 * FHOUR);
    }
    return rc;
}

static int op_cancel(sl_db *d, const fixture_ids *ids)
{
    sl_session s;
    int rc = sl_cancel(d, &s, 1, ids->b, FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(s.status, SL_STATUS_CANCELLED);
    return rc;
}

static int op_keyed_book(sl_db *d, const fixture_ids *ids)
{
    (void)ids;
    sl_session s;
    int rc = sl_book(d, &s, 1, 30, FB + 4 * FDAY + 9 * FHOUR, FDUR, 0, "k-new", FNOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(s.replayed, 0);
        ck_assert_str_eq(s.key, "k-new");
    }
    return rc;
}

static int op_keyed_replay(sl_db *d, const fixture_ids *ids)
{
    sl_session s;
    int rc = sl_book(d, &s, 1, 5, FB + 18 * FHOUR, FDUR, 0, "k-orig", FNOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(s.replayed, 1);
        ck_assert_int_eq(s.id, ids->k);
    }
    return rc;
}

/* ---- ledger operations ------------------------------------------------------
 *
 * The same method as the booking operations above, over the same fixture
 * plus a ledger: tenant 1 has account 1 (10 credits, an active hold H1 of
 * 3, a hold H2 of 1 that lapses at FNOW, 5 available), account 2 (5
 * credits, floor -2)
 * and a pending session C of student 1 holding 2 credits; tenant 2 has an
 * account too. The dump adds every account (raw and its balance at FNOW),
 * every entry with its hash, and every hold of both tenants. For every n,
 * a post, a hold, a capture, a release, a linked batch, a booking with
 * credits and its completion or cancellation either happen completely or
 * leave all of it unchanged.
 */

typedef struct ledger_ids {
    fixture_ids f;
    sl_id h1, h2; /* holds of account 1 */
    sl_id c;      /* session with credits */
    sl_id c_hold;
} ledger_ids;

static sl_db *ledger_fixture(sl_store **fs_out, ledger_ids *ids)
{
    sl_db *d = fixture(fs_out, &ids->f);
    sl_credit_hold h;
    sl_session s;
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, 1, 1, SL_ENTRY_PURCHASE, 10, "fx-p1", "card", FNOW - 3));
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, 1, 2, SL_ENTRY_PURCHASE, 5, "fx-p2", NULL, FNOW - 3));
    ck_assert_ok_db(d, sl_account_set_floor(d, 1, 2, -2, FNOW - 3));
    ck_assert_ok_db(d, sl_hold(d, &h, 1, 1, 3, FNOW + FDAY, "fx-h1", FNOW - 2));
    ids->h1 = h.id;
    ck_assert_ok_db(d, sl_hold(d, &h, 1, 1, 1, FNOW, "fx-h2", FNOW - 2));
    ids->h2 = h.id;
    ck_assert_ok_db(d, sl_book(d, &s, 1, 1, FB + 20 * FHOUR, FDUR, 2, "fx-c", FNOW - 2));
    ids->c = s.id;
    ids->c_hold = s.hold_id;
    ck_assert_int_gt(s.hold_id, 0);
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, 2, 1, SL_ENTRY_GRANT, 3, "fx-p1", NULL, FNOW - 2));
    return d;
}

char *sl_fault_ledger_dump(sl_db *d)
{
    char *sched = dump(d);
    sbuf b = {NULL, 0, 0};
    sb_printf(&b, "%s", sched);
    free(sched);
    for (sl_id tenant = 1; tenant <= 2; tenant++) {
        for (sl_id acc = 1; acc <= 4; acc++) {
            sl_account a;
            int rc = sl_account_get(d, &a, tenant, acc, SL_INCLUDE_DELETED);
            if (rc == SL_ENOTFOUND) {
                sb_printf(&b, "A %lld %lld none\n", (long long)tenant, (long long)acc);
                continue;
            }
            ck_assert_ok_db(d, rc);
            sl_balance bal;
            ck_assert_ok_db(d, sl_ledger_balance(d, &bal, tenant, acc, FNOW));
            sb_printf(&b, "A %lld %lld floor%lld posted%lld held%lld %lld %lld %lld | %lld %lld %lld\n",
                      (long long)tenant, (long long)acc, (long long)a.floor, (long long)a.posted, (long long)a.held,
                      (long long)a.created_at, (long long)a.updated_at, (long long)a.deleted_at,
                      (long long)bal.posted, (long long)bal.held, (long long)bal.available);
        }
        sl_entry page[8];
        size_t got;
        int64_t after = 0;
        do {
            ck_assert_ok_db(d, sl_ledger_history(d, page, 8, &got, tenant, 0, after));
            for (size_t i = 0; i < got; i++) {
                const sl_entry *e = &page[i];
                sb_printf(&b, "E %lld %lld seq%lld acc%lld k%d %lld =%lld hold%lld %lld '%s' '%s' ", (long long)e->id,
                          (long long)e->tenant, (long long)e->seq, (long long)e->account, (int)e->kind,
                          (long long)e->amount, (long long)e->balance_after, (long long)e->hold_id,
                          (long long)e->created_at, e->key, e->reference);
                for (int k = 0; k < SL_HASH_BYTES; k++)
                    sb_printf(&b, "%02x", e->hash[k]);
                sb_printf(&b, "\n");
                after = e->seq;
            }
        } while (got == 8);
        for (sl_id id = 1; id <= 40; id++) {
            sl_credit_hold h;
            int rc = sl_hold_get(d, &h, tenant, id);
            if (rc == SL_ENOTFOUND)
                continue;
            ck_assert_ok_db(d, rc);
            sb_printf(&b, "H %lld %lld acc%lld st%d %lld/%lld exp%lld %lld res%lld entry%lld '%s'\n", (long long)h.id,
                      (long long)h.tenant, (long long)h.account, (int)h.status, (long long)h.captured,
                      (long long)h.amount, (long long)h.expires_at, (long long)h.created_at,
                      (long long)h.resolved_at, (long long)h.entry_id, h.key);
        }
        sl_verify_report r;
        int rc = sl_ledger_verify(d, &r, tenant);
        sb_printf(&b, "V %lld %s %lld\n", (long long)tenant, sl_strerror(rc), (long long)r.entries);
    }
    return b.p;
}

typedef int (*ledger_op)(sl_db *d, const ledger_ids *ids);

sl_db *sl_fault_ledger_fixture(sl_store **f)
{
    ledger_ids ids;
    return ledger_fixture(f, &ids);
}

/* One operation under test: a booking op over fixture/dump, a ledger op
 * over ledger_fixture/sl_fault_ledger_dump, or another module's (ext);
 * the last two's references must verify. */
typedef struct atomic_op {
    const char *name;
    fault_op op;
    ledger_op lop;
    const sl_fault_ops *ext;
} atomic_op;

typedef union op_ids {
    ledger_ids l;
    sl_fault_ids x;
} op_ids;

static sl_db *op_fixture(const atomic_op *o, sl_store **f, op_ids *ids)
{
    return o->ext ? o->ext->fixture(f, &ids->x) : o->lop ? ledger_fixture(f, &ids->l) : fixture(f, &ids->l.f);
}

static char *op_dump(const atomic_op *o, sl_db *d)
{
    return o->ext ? o->ext->dump(d) : o->lop ? sl_fault_ledger_dump(d) : dump(d);
}

static int op_run(const atomic_op *o, sl_db *d, const op_ids *ids)
{
    return o->ext ? o->ext->run(d, &ids->x) : o->lop ? o->lop(d, &ids->l) : o->op(d, &ids->l.f);
}

/* The operation with a fault armed at backend call n, on a fresh fixture
 * that dumps as `before`; the outcome must be the reference (`want`,
 * store `expected`) or SL_ESTORE with the store as before, after which a
 * retry gives the reference. Returns whether the fault fired; *absorbed
 * counts faults that fired without changing the outcome. */
static int one_fault(const atomic_op *o, long n, int want, const char *before, const char *expected, long *absorbed)
{
    const char *name = o->name;
    op_ids ids;
    sl_store *f = NULL;
    char msg[512];
    sl_db *d = op_fixture(o, &f, &ids);
    char *start = op_dump(o, d);
    ck_assert_str_eq(start, before);
    free(start);

    sl_test_faulty_arm(f, n);
    int rc = op_run(o, d, &ids);
    int fired = sl_test_faulty_fired(f);
    snprintf(msg, sizeof(msg), "%s", sl_errmsg(d));
    sl_test_faulty_arm(f, 0);
    char *after = op_dump(o, d);

    if (rc == want) {
        /* Whole: the fault did not fire, or hit a read whose failure
         * cannot change the outcome (the blocker named in a conflict
         * message); either way the result is exactly the reference. */
        if (strcmp(after, expected) != 0)
            print_dumps(after, "expected", expected);
        ck_assert_msg(strcmp(after, expected) == 0, "%s, fault at call %ld (%s): %s but the store differs (see log)",
                      name, n, fired ? "fired" : "not reached", sl_strerror(rc));
        *absorbed += fired;
    } else {
        ck_assert_msg(fired, "%s: call %ld: %s without a fault (reference: %s): %s", name, n, sl_strerror(rc),
                      sl_strerror(want), msg);
        ck_assert_msg(rc == SL_ESTORE && strstr(msg, "injected") != NULL, "%s: fault at call %ld gave %s: %s", name,
                      n, sl_strerror(rc), msg);
        if (strcmp(after, before) != 0)
            print_dumps(after, "before", before);
        ck_assert_msg(strcmp(after, before) == 0,
                      "%s: fault at call %ld failed the operation but the store changed (see log)", name, n);
        /* A retry after the transient failure gives the reference result. */
        int again = op_run(o, d, &ids);
        char *retried = op_dump(o, d);
        if (strcmp(retried, expected) != 0)
            print_dumps(retried, "expected", expected);
        ck_assert_msg(again == want && strcmp(retried, expected) == 0,
                      "%s: retry after the fault at call %ld: %s, store %s the reference", name, n,
                      sl_strerror(again), strcmp(retried, expected) == 0 ? "equals" : "differs from");
        free(retried);
    }
    free(after);
    sl_close(d);
    return fired;
}

/* Runs o under a fault at every backend call in turn (see above). Without
 * faults it returns `expect` and changes the store iff `changes`;
 * min_calls: the fewest backend calls the operation must make (a write:
 * begin, a read, a write, commit; a replay: begin and the key lookup). */
static void check_atomic_op(const atomic_op *o, int expect, int changes, long min_calls)
{
    const char *name = o->name;
    op_ids ids;
    sl_store *f = NULL;

    sl_db *d = op_fixture(o, &f, &ids);
    char *before = op_dump(o, d);
    int want = op_run(o, d, &ids);
    char *expected = op_dump(o, d);
    sl_close(d);
    ck_assert_msg(want == expect, "%s: %s without faults, expected %s", name, sl_strerror(want),
                  sl_strerror(expect));
    ck_assert_msg((strcmp(before, expected) != 0) == changes, "%s: %s the store", name,
                  changes ? "did not change" : "changed");
    if (o->lop || o->ext)
        ck_assert_msg(strstr(expected, "V 1 SL_OK") && strstr(expected, "V 2 SL_OK"),
                      "%s: the ledger does not verify", name);

    long n, absorbed = 0;
    for (n = 1; one_fault(o, n, want, before, expected, &absorbed); n++)
        ;
    fprintf(stderr, "# fault %s: %ld backend calls, every one failed in turn%s (%ld faults absorbed)\n", name,
            n - 1, want == SL_OK ? "" : " (operation refused by design)", absorbed);
    ck_assert_int_ge(n - 1, min_calls);
    free(before);
    free(expected);
}

void sl_fault_check(const sl_fault_ops *ops, int expect, int changes, long min_calls)
{
    atomic_op o = {ops->name, NULL, NULL, ops};
    check_atomic_op(&o, expect, changes, min_calls);
}

static int op_ledger_post(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    sl_entry e;
    /* Also resolves the lapsed hold H2 of the same account. */
    int rc = sl_ledger_post(d, &e, 1, 1, SL_ENTRY_CONSUME, -5, "f-post", "lesson", FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(e.balance_after, 5);
    return rc;
}

static int op_ledger_post_insufficient(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    return sl_ledger_post(d, NULL, 1, 1, SL_ENTRY_CONSUME, -8, "f-post", NULL, FNOW);
}

static int op_ledger_replay(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    sl_entry e;
    int rc = sl_ledger_post(d, &e, 1, 1, SL_ENTRY_PURCHASE, 10, "fx-p1", "card", FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(e.replayed, 1);
    return rc;
}

static int op_ledger_hold(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    return sl_hold(d, NULL, 1, 1, 4, FNOW + FHOUR, "f-hold", FNOW);
}

static int op_ledger_capture(sl_db *d, const ledger_ids *ids)
{
    sl_entry e;
    int rc = sl_hold_capture(d, &e, 1, ids->h1, 2, "f-cap", FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(e.hold_id, ids->h1);
    return rc;
}

static int op_ledger_release(sl_db *d, const ledger_ids *ids)
{
    return sl_hold_release(d, NULL, 1, ids->h1, FNOW);
}

static int op_ledger_capture_expired(sl_db *d, const ledger_ids *ids)
{
    return sl_hold_capture(d, NULL, 1, ids->h2, 1, "f-cap2", FNOW);
}

static int op_ledger_batch(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    sl_post p[3] = {{3, SL_ENTRY_PURCHASE, 0, 4, "fb1", NULL}, {3, SL_ENTRY_CONSUME, 0, -3, "fb2", NULL},
                    {2, SL_ENTRY_CONSUME, 0, -6, "fb3", "overdraft"}};
    sl_entry out[3];
    size_t failed = 99;
    int rc = sl_ledger_post_many(d, out, &failed, 1, p, 3, FNOW);
    if (rc == SL_OK)
        ck_assert_int_eq(out[2].balance_after, -1);
    return rc;
}

static int op_ledger_batch_insufficient(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    sl_post p[3] = {{3, SL_ENTRY_PURCHASE, 0, 4, "fb1", NULL}, {3, SL_ENTRY_CONSUME, 0, -3, "fb2", NULL},
                    {2, SL_ENTRY_CONSUME, 0, -8, "fb3", NULL}};
    size_t failed = 99;
    int rc = sl_ledger_post_many(d, NULL, &failed, 1, p, 3, FNOW);
    if (rc == SL_EINSUFFICIENT)
        ck_assert_uint_eq(failed, 2);
    return rc;
}

static int op_book_credits(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    sl_session s;
    int rc = sl_book(d, &s, 1, 1, FB + 2 * FDAY + 9 * FHOUR, FDUR, 2, "f-book", FNOW);
    if (rc == SL_OK)
        ck_assert_int_gt(s.hold_id, 0);
    return rc;
}

static int op_book_many_credits(sl_db *d, const ledger_ids *ids)
{
    (void)ids;
    sl_booking b[2] = {{1, FB + 2 * FDAY + 9 * FHOUR, FDUR, 2}, {2, FB + 2 * FDAY + 11 * FHOUR, FDUR, 3}};
    return sl_book_many(d, NULL, NULL, 1, b, 2, "f-many", FNOW);
}

static int op_complete_credits(sl_db *d, const ledger_ids *ids)
{
    return sl_complete(d, NULL, 1, ids->c, FNOW);
}

static int op_cancel_credits(sl_db *d, const ledger_ids *ids)
{
    return sl_cancel(d, NULL, 1, ids->c, FNOW);
}

/* ---- the cases ----------------------------------------------------------------
 *
 * Each operation runs under a fault at every backend call in turn
 * (check_atomic_op): without faults it returns expect and changes the store
 * iff changes; min_calls is the fewest backend calls it must make. */
typedef struct atomic_case {
    atomic_op o;
    int expect;
    int changes;
    long min_calls;
} atomic_case;

/* The first N_BOOKING_CASES are booking operations, over fixture and dump;
 * the rest ledger operations and the credits of bookings, over
 * ledger_fixture and sl_fault_ledger_dump. */
#define N_BOOKING_CASES 9
static const atomic_case atomic_cases[] = {
    {{"sl_book_many", op_book_many, NULL, NULL}, SL_OK, 1, 4},
    {{"sl_book_many (third conflicts)", op_book_many_conflict, NULL, NULL}, SL_ECONFLICT, 0, 4},
    {{"sl_book_recurring all-or-nothing", op_recurring_aon, NULL, NULL}, SL_OK, 1, 4},
    {{"sl_book_recurring all-or-nothing (week 2 conflicts)", op_recurring_aon_conflict, NULL, NULL}, SL_ECONFLICT, 0,
     4},
    {{"sl_book_recurring skip-conflicts", op_recurring_skip, NULL, NULL}, SL_OK, 1, 4},
    {{"sl_reschedule", op_reschedule, NULL, NULL}, SL_OK, 1, 4},
    {{"sl_cancel", op_cancel, NULL, NULL}, SL_OK, 1, 4},
    {{"sl_book with a key", op_keyed_book, NULL, NULL}, SL_OK, 1, 4},
    {{"sl_book replaying a key", op_keyed_replay, NULL, NULL}, SL_OK, 0, 2},
    {{"sl_ledger_post", NULL, op_ledger_post, NULL}, SL_OK, 1, 6},
    {{"sl_ledger_post (insufficient)", NULL, op_ledger_post_insufficient, NULL}, SL_EINSUFFICIENT, 0, 4},
    {{"sl_ledger_post replaying a key", NULL, op_ledger_replay, NULL}, SL_OK, 0, 3},
    {{"sl_hold", NULL, op_ledger_hold, NULL}, SL_OK, 1, 5},
    {{"sl_hold_capture", NULL, op_ledger_capture, NULL}, SL_OK, 1, 6},
    {{"sl_hold_release", NULL, op_ledger_release, NULL}, SL_OK, 1, 4},
    {{"sl_hold_capture (expired)", NULL, op_ledger_capture_expired, NULL}, SL_EEXPIRED, 0, 3},
    {{"sl_ledger_post_many", NULL, op_ledger_batch, NULL}, SL_OK, 1, 8},
    {{"sl_ledger_post_many (third insufficient)", NULL, op_ledger_batch_insufficient, NULL}, SL_EINSUFFICIENT, 0, 8},
    {{"sl_book with credits", NULL, op_book_credits, NULL}, SL_OK, 1, 6},
    {{"sl_book_many with credits", NULL, op_book_many_credits, NULL}, SL_OK, 1, 8},
    {{"sl_complete capturing credits", NULL, op_complete_credits, NULL}, SL_OK, 1, 6},
    {{"sl_cancel releasing credits", NULL, op_cancel_credits, NULL}, SL_OK, 1, 5},
};
#define N_ATOMIC_CASES ((int)(sizeof(atomic_cases) / sizeof(atomic_cases[0])))

START_TEST(test_op_is_atomic)
{
    const atomic_case *c = &atomic_cases[_i];
    ck_assert_msg((_i < N_BOOKING_CASES) == !c->o.lop, "case %d: %s is in the wrong part of the table", _i, c->o.name);
    check_atomic_op(&c->o, c->expect, c->changes, c->min_calls);
}
END_TEST

static SL_TEST_TCASE(tcase_atomicity, "atomicity", setup, teardown, 0, test_tenant_put_is_atomic)

/* Booking operations: a fresh faulty store per injected call. */
static TCase *tcase_bookings(void)
{
    TCase *tc = sl_test_tcase("bookings", NULL, NULL, 60, (const TTest *const[]){NULL});
    tcase_add_loop_test(tc, test_op_is_atomic, 0, N_BOOKING_CASES);
    return tc;
}

/* Ledger operations and the credits of bookings. */
static TCase *tcase_ledger(void)
{
    TCase *tc = sl_test_tcase("ledger", NULL, NULL, 60, (const TTest *const[]){NULL});
    tcase_add_loop_test(tc, test_op_is_atomic, N_BOOKING_CASES, N_ATOMIC_CASES);
    return tc;
}

SL_TEST_SUITE(fault, tcase_atomicity, tcase_bookings, tcase_ledger, sl_fault_tcase_classes, sl_fault_tcase_teams)
