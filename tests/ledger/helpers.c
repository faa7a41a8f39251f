/* tests/ledger/helpers.c - the fixture and helpers of the ledger suite: see ledger_test.h. */
#include "ledger_test.h"

sl_db *db;

void put_tenant(sl_db *d, sl_id id, int64_t late_cancel)
{
    sl_test_put_tenant(d, id, late_cancel, NOW0 - DAY, 1);
}

void setup(void)
{
    db = sl_test_open();
    put_tenant(db, T1, LATE);
    put_tenant(db, T2, 0);
}

void teardown(void)
{
    sl_close(db);
    db = NULL;
}

sl_balance expect_bal(sl_db *d, sl_id tenant, sl_id account, sl_time now, int64_t posted, int64_t held,
                      int line)
{
    sl_balance b;
    int rc = sl_ledger_balance(d, &b, tenant, account, now);
    ck_assert_msg(rc == SL_OK, "line %d: sl_ledger_balance: %s: %s", line, sl_strerror(rc), sl_errmsg(d));
    ck_assert_msg(b.posted == posted && b.held == held && b.available == posted - held,
                  "line %d: account %lld: posted %lld held %lld available %lld, expected %lld / %lld / %lld", line,
                  (long long)account, (long long)b.posted, (long long)b.held, (long long)b.available,
                  (long long)posted, (long long)held, (long long)(posted - held));
    return b;
}


/* Every entry of tenant (account 0: all), in pages of 16; checks the order. */
hist history_of(sl_db *d, sl_id tenant, sl_id account)
{
    sl_entry page[16];
    hist h = {0, 0, 0};
    size_t got;
    do {
        ck_assert_ok_db(d, sl_ledger_history(d, page, 16, &got, tenant, account, h.last_seq));
        ck_assert_uint_le(got, 16);
        for (size_t i = 0; i < got; i++) {
            ck_assert_int_gt(page[i].seq, h.last_seq);
            ck_assert_int_eq(page[i].tenant, tenant);
            if (account)
                ck_assert_int_eq(page[i].account, account);
            h.n++;
            h.sum += page[i].amount;
            h.last_seq = page[i].seq;
        }
    } while (got == 16);
    return h;
}

void verify_ok(sl_db *d, sl_id tenant, int64_t entries)
{
    sl_verify_report r;
    int rc = sl_ledger_verify(d, &r, tenant);
    ck_assert_msg(rc == SL_OK, "sl_ledger_verify: %s: %s", sl_strerror(rc), sl_errmsg(d));
    ck_assert_int_eq(r.first_bad_seq, 0);
    ck_assert_int_eq(r.first_bad_entry, 0);
    if (entries >= 0)
        ck_assert_int_eq(r.entries, entries);
}

sl_entry post_ok(sl_db *d, sl_id tenant, sl_id account, int32_t kind, int64_t amount, const char *key,
                 sl_time now)
{
    sl_entry e;
    memset(&e, 0xa5, sizeof(e));
    ck_assert_ok_db(d, sl_ledger_post(d, &e, tenant, account, kind, amount, key, NULL, now));
    ck_assert_int_eq(e.replayed, 0);
    ck_assert_int_eq(e.amount, amount);
    ck_assert_int_eq(e.kind, kind);
    return e;
}

sl_credit_hold hold_ok(sl_db *d, sl_id tenant, sl_id account, int64_t amount, sl_time expires,
                       const char *key, sl_time now)
{
    sl_credit_hold h;
    ck_assert_ok_db(d, sl_hold(d, &h, tenant, account, amount, expires, key, now));
    ck_assert_int_gt(h.id, 0);
    ck_assert_int_eq(h.status, SL_HOLD_ACTIVE);
    ck_assert_int_eq(h.amount, amount);
    ck_assert_int_eq(h.account, account);
    ck_assert_int_eq(h.replayed, 0);
    return h;
}

sl_credit_hold hold_get(sl_db *d, sl_id tenant, sl_id id)
{
    sl_credit_hold h;
    ck_assert_ok_db(d, sl_hold_get(d, &h, tenant, id));
    return h;
}

/* Sessions of a student, deleted ones included. */
size_t sessions_of(sl_db *d, sl_id tenant, sl_id student)
{
    sl_session *s = NULL;
    size_t n = 0;
    ck_assert_ok_db(d, sl_sessions_by_student(d, &s, &n, tenant, student, SL_INCLUDE_DELETED));
    sl_free(s);
    return n;
}

sl_session book_ok(sl_db *d, sl_id tenant, sl_id student, sl_time start, int64_t credits, sl_time now)
{
    sl_session s;
    ck_assert_ok_db(d, sl_book(d, &s, tenant, student, start, HOUR, credits, NULL, now));
    ck_assert_int_eq(s.credits, credits);
    return s;
}
