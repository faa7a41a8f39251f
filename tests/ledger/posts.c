/*
 * tests/ledger/posts.c - posts: kinds and sign rules, replays (the original
 * entry, even at a later now), key reuse naming the differing field, the
 * key check before validation, failed posts writing nothing, key and
 * reference limits, floors, int64 overflow; linked batches, history
 * pagination, soft-deleted accounts.
 */
#include "ledger_test.h"

START_TEST(test_post_kinds_and_signs)
{
    static const struct {
        int32_t kind;
        int64_t amount;
    } ok[] = {{SL_ENTRY_PURCHASE, 10}, {SL_ENTRY_GRANT, 5},   {SL_ENTRY_REFUND, 2}, {SL_ENTRY_CONSUME, -3},
              {SL_ENTRY_EXPIRE, -4},   {SL_ENTRY_ADJUST, 7}, {SL_ENTRY_ADJUST, -6}};
    int64_t balance = 0;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%zu", i);
        sl_entry e;
        ck_assert_ok_db(db, sl_ledger_post(db, &e, T1, 7, ok[i].kind, ok[i].amount, key, "ref", NOW0 + (sl_time)i));
        balance += ok[i].amount;
        ck_assert_int_gt(e.id, 0);
        ck_assert_int_eq(e.version, SL_ENTRY_VERSION);
        ck_assert_int_eq(e.kind, ok[i].kind);
        ck_assert_int_eq(e.amount, ok[i].amount);
        ck_assert_int_eq(e.tenant, T1);
        ck_assert_int_eq(e.account, 7);
        ck_assert_int_eq(e.seq, (int64_t)i + 1);
        ck_assert_int_eq(e.balance_after, balance);
        ck_assert_int_eq(e.hold_id, 0);
        ck_assert_int_eq(e.created_at, NOW0 + (sl_time)i);
        ck_assert_int_eq(e.replayed, 0);
        ck_assert_str_eq(e.key, key);
        ck_assert_str_eq(e.reference, "ref");
    }
    ck_assert_int_eq(balance, 11);

    /* Wrong signs, zero of every kind, unknown kinds: SL_EINVAL, nothing written. */
    static const struct {
        int32_t kind;
        int64_t amount;
    } bad[] = {{SL_ENTRY_PURCHASE, -1}, {SL_ENTRY_GRANT, -1},  {SL_ENTRY_REFUND, -1}, {SL_ENTRY_CONSUME, 1},
               {SL_ENTRY_EXPIRE, 1},    {SL_ENTRY_PURCHASE, 0}, {SL_ENTRY_GRANT, 0},  {SL_ENTRY_REFUND, 0},
               {SL_ENTRY_CONSUME, 0},   {SL_ENTRY_EXPIRE, 0},   {SL_ENTRY_ADJUST, 0}, {0, 1},
               {7, 1},                  {-3, -1}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char key[16];
        snprintf(key, sizeof(key), "bad%zu", i);
        int rc = sl_ledger_post(db, NULL, T1, 7, bad[i].kind, bad[i].amount, key, NULL, NOW0 + 20);
        ck_assert_msg(rc == SL_EINVAL, "kind %d amount %lld: %s", (int)bad[i].kind, (long long)bad[i].amount,
                      sl_strerror(rc));
        ck_assert_str_ne(sl_errmsg(db), "");
    }
    /* Bad ids: account, tenant; unknown tenant. */
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 0, SL_ENTRY_GRANT, 1, "id0", NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, -7, SL_ENTRY_GRANT, 1, "id1", NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_ledger_post(db, NULL, 0, 7, SL_ENTRY_GRANT, 1, "id2", NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_ledger_post(db, NULL, 99, 7, SL_ENTRY_GRANT, 1, "id3", NULL, NOW0), SL_ENOTFOUND);
    ck_assert_sl(sl_ledger_post(NULL, NULL, T1, 7, SL_ENTRY_GRANT, 1, "id4", NULL, NOW0), SL_EINVAL);

    hist h = history_of(db, T1, 7);
    ck_assert_uint_eq(h.n, 7);
    ck_assert_int_eq(h.sum, 11);
    EXPECT_BAL(db, T1, 7, NOW0 + 30, 11, 0);
    /* None of the refused keys was taken: they post now. */
    post_ok(db, T1, 7, SL_ENTRY_GRANT, 1, "bad0", NOW0 + 40);
    post_ok(db, T1, 7, SL_ENTRY_GRANT, 1, "id3", NOW0 + 40);
    verify_ok(db, T1, 9);
    sl_account a;
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, 7, 0));
    ck_assert_int_eq(a.posted, 13);
    ck_assert_int_eq(a.held, 0);
    ck_assert_int_eq(a.floor, 0);
    ck_assert_int_eq(a.deleted_at, 0);
}
END_TEST

START_TEST(test_replay_returns_original)
{
    sl_entry first, again;
    ck_assert_ok_db(db, sl_ledger_post(db, &first, T1, 3, SL_ENTRY_PURCHASE, 10, "pi_123", "order 9", NOW0));
    post_ok(db, T1, 3, SL_ENTRY_CONSUME, -4, "spend", NOW0 + 5);
    ck_assert_int_eq(first.replayed, 0);
    /* A replay an hour later, after another entry: the original, untouched. */
    memset(&again, 0, sizeof(again));
    ck_assert_ok_db(db, sl_ledger_post(db, &again, T1, 3, SL_ENTRY_PURCHASE, 10, "pi_123", "order 9", NOW0 + HOUR));
    ck_assert_int_eq(again.replayed, 1);
    ck_assert_int_eq(again.id, first.id);
    ck_assert_int_eq(again.seq, first.seq);
    ck_assert_int_eq(again.created_at, NOW0);
    ck_assert_int_eq(again.balance_after, 10);
    ck_assert_int_eq(again.amount, 10);
    ck_assert_str_eq(again.reference, "order 9");
    ck_assert_mem_eq(again.hash, first.hash, SL_HASH_BYTES);
    /* Replays never post: the balance and history are those of two posts. */
    for (int i = 0; i < 5; i++)
        ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, 3, SL_ENTRY_PURCHASE, 10, "pi_123", "order 9",
                                           NOW0 + 2 * HOUR + i));
    EXPECT_BAL(db, T1, 3, NOW0 + 3 * HOUR, 6, 0);
    ck_assert_uint_eq(history_of(db, T1, 0).n, 2);
    verify_ok(db, T1, 2);
}
END_TEST

START_TEST(test_key_reuse_names_the_field)
{
    post_ok(db, T1, 3, SL_ENTRY_PURCHASE, 5, "k", NOW0);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, T1, 4, SL_ENTRY_GRANT, 2, "r", "why", NOW0));
    static const struct {
        const char *key;
        sl_id account;
        int32_t kind;
        int64_t amount;
        const char *ref;
        const char *field;
    } cases[] = {
        {"k", 4, SL_ENTRY_PURCHASE, 5, NULL, "the account differs"},
        {"k", 3, SL_ENTRY_PURCHASE, 6, NULL, "the amount differs"},
        {"k", 3, SL_ENTRY_GRANT, 5, NULL, "the kind differs"},
        {"k", 3, SL_ENTRY_PURCHASE, 5, "x", "the reference differs"},
        {"r", 4, SL_ENTRY_GRANT, 2, "other", "the reference differs"},
        {"r", 4, SL_ENTRY_GRANT, 2, NULL, "the reference differs"},
        {"r", 4, SL_ENTRY_ADJUST, 2, "why", "the kind differs"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_entry e;
        int rc = sl_ledger_post(db, &e, T1, cases[i].account, cases[i].kind, cases[i].amount, cases[i].key,
                                cases[i].ref, NOW0 + 1);
        ck_assert_msg(rc == SL_EIDEMPOTENCY, "case %zu: %s", i, sl_strerror(rc));
        ERRMSG_HAS(db, cases[i].field);
        ERRMSG_HAS(db, cases[i].key);
    }
    EXPECT_BAL(db, T1, 3, NOW0 + 2, 5, 0);
    EXPECT_BAL(db, T1, 4, NOW0 + 2, 2, 0);
    verify_ok(db, T1, 2);
    /* Keys are per tenant: the same key in T2 is a new entry. */
    sl_entry other = post_ok(db, T2, 3, SL_ENTRY_PURCHASE, 9, "k", NOW0 + 3);
    ck_assert_int_eq(other.seq, 1);
    EXPECT_BAL(db, T2, 3, NOW0 + 3, 9, 0);
    EXPECT_BAL(db, T1, 3, NOW0 + 3, 5, 0);
}
END_TEST

START_TEST(test_key_check_precedes_validation)
{
    char r129[SL_REF_MAX + 2];
    memset(r129, 'r', SL_REF_MAX + 1);
    r129[SL_REF_MAX + 1] = '\0';
    post_ok(db, T1, 3, SL_ENTRY_PURCHASE, 5, "k", NOW0);
    /* A reused key with a payload that would not even validate reports the
     * reuse (naming the field), not SL_EINVAL. */
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 3, SL_ENTRY_PURCHASE, 0, "k", NULL, NOW0 + 1), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "the amount differs");
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 3, SL_ENTRY_PURCHASE, -5, "k", NULL, NOW0 + 1), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "the amount differs");
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 3, 99, 5, "k", NULL, NOW0 + 1), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "the kind differs");
    ck_assert_sl(sl_ledger_post(db, NULL, T1, -3, SL_ENTRY_PURCHASE, 5, "k", NULL, NOW0 + 1), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "the account differs");
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 3, SL_ENTRY_PURCHASE, 5, "k", r129, NOW0 + 1), SL_EIDEMPOTENCY);
    ERRMSG_HAS(db, "the reference differs");
    /* An identical replay answers even when the request would now be
     * refused: the spend of every credit, replayed at balance 0. */
    sl_entry orig = post_ok(db, T1, 3, SL_ENTRY_CONSUME, -5, "spend", NOW0 + 2), e;
    EXPECT_BAL(db, T1, 3, NOW0 + 3, 0, 0);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, T1, 3, SL_ENTRY_CONSUME, -5, "spend", NULL, NOW0 + 3));
    ck_assert_int_eq(e.replayed, 1);
    ck_assert_int_eq(e.id, orig.id);
    EXPECT_BAL(db, T1, 3, NOW0 + 3, 0, 0);
    verify_ok(db, T1, 2);
}
END_TEST

START_TEST(test_failed_post_writes_nothing)
{
    post_ok(db, T1, 5, SL_ENTRY_PURCHASE, 2, "p1", NOW0);
    sl_entry e;
    ck_assert_sl(sl_ledger_post(db, &e, T1, 5, SL_ENTRY_CONSUME, -5, "c1", NULL, NOW0 + 1), SL_EINSUFFICIENT);
    ERRMSG_HAS(db, "available");
    EXPECT_BAL(db, T1, 5, NOW0 + 1, 2, 0);
    ck_assert_uint_eq(history_of(db, T1, 0).n, 1);
    /* After a top-up the same request succeeds, as a new post. */
    post_ok(db, T1, 5, SL_ENTRY_PURCHASE, 10, "p2", NOW0 + 2);
    memset(&e, 0, sizeof(e));
    ck_assert_ok_db(db, sl_ledger_post(db, &e, T1, 5, SL_ENTRY_CONSUME, -5, "c1", NULL, NOW0 + 3));
    ck_assert_int_eq(e.replayed, 0);
    ck_assert_int_eq(e.seq, 3);
    ck_assert_int_eq(e.balance_after, 7);
    EXPECT_BAL(db, T1, 5, NOW0 + 3, 7, 0);
    verify_ok(db, T1, 3);
}
END_TEST

START_TEST(test_key_and_reference_limits)
{
    char k128[SL_KEY_MAX + 1], k129[SL_KEY_MAX + 2], r129[SL_REF_MAX + 2];
    memset(k128, 'a', SL_KEY_MAX);
    k128[SL_KEY_MAX] = '\0';
    memset(k129, 'b', SL_KEY_MAX + 1);
    k129[SL_KEY_MAX + 1] = '\0';
    memset(r129, 'r', SL_REF_MAX + 1);
    r129[SL_REF_MAX + 1] = '\0';

    sl_entry e;
    ck_assert_ok_db(db, sl_ledger_post(db, &e, T1, 1, SL_ENTRY_GRANT, 1, k128, k128, NOW0));
    ck_assert_str_eq(e.key, k128);
    ck_assert_str_eq(e.reference, k128);
    ck_assert_ok_db(db, sl_ledger_post(db, &e, T1, 1, SL_ENTRY_GRANT, 1, k128, k128, NOW0 + 1));
    ck_assert_int_eq(e.replayed, 1);
    /* A key of a multi-byte UTF-8 text is fine. */
    post_ok(db, T1, 1, SL_ENTRY_GRANT, 1, "cl\xc3\xa9-\xe2\x9c\x93-\xf0\x9f\x98\x80", NOW0);

    static const char *const bad_keys[] = {
        "", "\xff", "ab\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x9c", "x\x80y",
    };
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_GRANT, 1, k129, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_GRANT, 1, NULL, NULL, NOW0), SL_EINVAL);
    for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        int rc = sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_GRANT, 1, bad_keys[i], NULL, NOW0);
        ck_assert_msg(rc == SL_EINVAL, "bad key %zu: %s", i, sl_strerror(rc));
        rc = sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_GRANT, 1, "fine", i == 0 ? r129 : bad_keys[i], NOW0);
        ck_assert_msg(rc == SL_EINVAL, "bad reference %zu: %s", i, sl_strerror(rc));
        rc = sl_hold(db, NULL, T1, 1, 1, NOW0 + HOUR, bad_keys[i], NOW0);
        ck_assert_msg(rc == SL_EINVAL, "bad hold key %zu: %s", i, sl_strerror(rc));
    }
    ck_assert_sl(sl_hold(db, NULL, T1, 1, 1, NOW0 + HOUR, k129, NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, T1, 1, 1, NOW0 + HOUR, NULL, NOW0), SL_EINVAL);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_GRANT, 1, "fine", r129, NOW0), SL_EINVAL);
    /* Nothing of that was written; "fine" is still free. */
    EXPECT_BAL(db, T1, 1, NOW0 + 1, 2, 0);
    post_ok(db, T1, 1, SL_ENTRY_GRANT, 1, "fine", NOW0 + 2);
    verify_ok(db, T1, 3);
}
END_TEST

START_TEST(test_floors)
{
    /* Default floor 0: an empty account cannot spend, nor hold. */
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 8, SL_ENTRY_CONSUME, -1, "c0", NULL, NOW0), SL_EINSUFFICIENT);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 8, SL_ENTRY_ADJUST, -1, "a0", NULL, NOW0), SL_EINSUFFICIENT);
    ck_assert_sl(sl_hold(db, NULL, T1, 8, 1, NOW0 + HOUR, "h0", NOW0), SL_EINSUFFICIENT);
    EXPECT_BAL(db, T1, 8, NOW0, 0, 0);

    /* A negative floor allows an overdraft down to it, not below. */
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 8, -5, NOW0));
    sl_balance b = EXPECT_BAL(db, T1, 8, NOW0, 0, 0);
    ck_assert_int_eq(b.floor, -5);
    sl_credit_hold h = hold_ok(db, T1, 8, 2, NOW0 + HOUR, "h1", NOW0);
    post_ok(db, T1, 8, SL_ENTRY_CONSUME, -3, "c1", NOW0 + 1);
    EXPECT_BAL(db, T1, 8, NOW0 + 1, -3, 2);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 8, SL_ENTRY_EXPIRE, -1, "x1", NULL, NOW0 + 2), SL_EINSUFFICIENT);
    ck_assert_sl(sl_hold(db, NULL, T1, 8, 1, NOW0 + HOUR, "h2", NOW0 + 2), SL_EINSUFFICIENT);
    /* A capture spends what its hold reserved: allowed at the floor. */
    ck_assert_ok_db(db, sl_hold_capture(db, NULL, T1, h.id, 2, "cap1", NOW0 + 3));
    EXPECT_BAL(db, T1, 8, NOW0 + 3, -5, 0);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 8, SL_ENTRY_CONSUME, -1, "c2", NULL, NOW0 + 4), SL_EINSUFFICIENT);

    /* A floor above the balance is allowed; it blocks spending only. */
    post_ok(db, T1, 8, SL_ENTRY_PURCHASE, 10, "p1", NOW0 + 5);
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 8, 4, NOW0 + 6));
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 8, SL_ENTRY_CONSUME, -2, "c3", NULL, NOW0 + 7), SL_EINSUFFICIENT);
    post_ok(db, T1, 8, SL_ENTRY_CONSUME, -1, "c3", NOW0 + 7);
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 8, 9, NOW0 + 8));
    post_ok(db, T1, 8, SL_ENTRY_GRANT, 1, "g1", NOW0 + 9);
    b = EXPECT_BAL(db, T1, 8, NOW0 + 9, 5, 0);
    ck_assert_int_eq(b.floor, 9);
    ck_assert_sl(sl_hold(db, NULL, T1, 8, 1, NOW0 + HOUR, "h3", NOW0 + 9), SL_EINSUFFICIENT);

    /* Floors are per account: account 9 still has floor 0. */
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 9, SL_ENTRY_CONSUME, -1, "c9", NULL, NOW0), SL_EINSUFFICIENT);
    ck_assert_sl(sl_account_set_floor(db, T1, 0, -1, NOW0), SL_EINVAL);
    ck_assert_sl(sl_account_set_floor(db, 99, 1, -1, NOW0), SL_ENOTFOUND);
    verify_ok(db, T1, 5);
}
END_TEST

START_TEST(test_overflow_is_erange)
{
    post_ok(db, T1, 1, SL_ENTRY_PURCHASE, INT64_MAX, "max", NOW0);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_GRANT, 1, "one-more", NULL, NOW0), SL_ERANGE);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 1, SL_ENTRY_ADJUST, INT64_MAX, "way-more", NULL, NOW0), SL_ERANGE);
    EXPECT_BAL(db, T1, 1, NOW0, INT64_MAX, 0);
    /* Spending from the top is fine, and then there is room again. */
    post_ok(db, T1, 1, SL_ENTRY_CONSUME, -1, "c", NOW0);
    post_ok(db, T1, 1, SL_ENTRY_GRANT, 1, "one-more", NOW0);
    EXPECT_BAL(db, T1, 1, NOW0, INT64_MAX, 0);
    /* Holds of the whole balance: held may reach INT64_MAX, not beyond. */
    sl_credit_hold h = hold_ok(db, T1, 1, INT64_MAX, NOW0 + HOUR, "all", NOW0);
    EXPECT_BAL(db, T1, 1, NOW0, INT64_MAX, INT64_MAX);
    ck_assert_ok_db(db, sl_hold_release(db, NULL, T1, h.id, NOW0 + 1));

    /* Downwards, with the lowest floor there is. */
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 2, INT64_MIN, NOW0));
    post_ok(db, T1, 2, SL_ENTRY_CONSUME, -INT64_MAX, "deep", NOW0);
    post_ok(db, T1, 2, SL_ENTRY_ADJUST, -1, "deeper", NOW0);
    EXPECT_BAL(db, T1, 2, NOW0, INT64_MIN, 0);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 2, SL_ENTRY_EXPIRE, -1, "abyss", NULL, NOW0), SL_ERANGE);
    ck_assert_sl(sl_hold(db, NULL, T1, 2, 1, NOW0 + HOUR, "hold-abyss", NOW0), SL_ERANGE);
    EXPECT_BAL(db, T1, 2, NOW0, INT64_MIN, 0);

    /* available = posted - held must not wrap either: posted 0, floor
     * INT64_MIN, a hold of INT64_MAX leaves available -INT64_MAX; two more
     * credits would take it past INT64_MIN. */
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 3, INT64_MIN, NOW0));
    hold_ok(db, T1, 3, INT64_MAX, NOW0 + HOUR, "h3", NOW0);
    EXPECT_BAL(db, T1, 3, NOW0, 0, INT64_MAX);
    post_ok(db, T1, 3, SL_ENTRY_CONSUME, -1, "c3a", NOW0);
    EXPECT_BAL(db, T1, 3, NOW0, -1, INT64_MAX);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 3, SL_ENTRY_CONSUME, -1, "c3b", NULL, NOW0), SL_ERANGE);
    ck_assert_sl(sl_hold(db, NULL, T1, 3, 1, NOW0 + HOUR, "h3b", NOW0), SL_ERANGE);
    EXPECT_BAL(db, T1, 3, NOW0, -1, INT64_MAX);
    verify_ok(db, T1, 6);
}
END_TEST

/* The library keys a session's capture itself; no host key can take that
 * key away from it: keys under the reserved "sl:" prefix are refused, and a
 * host key that merely looks alike does not collide. */
START_TEST(test_reserved_key_prefix)
{
    post_ok(db, T1, 10, SL_ENTRY_PURCHASE, 2, "p", NOW0);
    sl_session s = book_ok(db, T1, 10, SLOT(1), 1, NOW0);
    char key[64];
    snprintf(key, sizeof(key), "sl:session:%lld:capture", (long long)s.id);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 10, SL_ENTRY_CONSUME, -1, key, NULL, NOW0), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(db), "reserved") != NULL, "%s", sl_errmsg(db));
    ck_assert_sl(sl_book(db, NULL, T1, 11, SLOT(2), HOUR, 0, "sl:x", NOW0), SL_EINVAL);
    ck_assert_sl(sl_hold(db, NULL, T1, 10, 1, NOW0 + HOUR, "sl:h", NOW0), SL_EINVAL);
    snprintf(key, sizeof(key), "session:%lld:capture", (long long)s.id);
    post_ok(db, T1, 10, SL_ENTRY_CONSUME, -1, key, NOW0);
    ck_assert_ok_db(db, sl_complete(db, NULL, T1, s.id, SLOT(2)));
    EXPECT_BAL(db, T1, 10, SLOT(2), 0, 0);
    verify_ok(db, T1, 3);
}
END_TEST

/* ---- linked batches ---------------------------------------------------------- */

static sl_post mkpost(sl_id account, int32_t kind, int64_t amount, const char *key)
{
    sl_post p = {account, kind, 0, amount, key, NULL};
    return p;
}

START_TEST(test_post_many_all_or_nothing)
{
    sl_entry out[4];
    size_t failed = 77;
    sl_post ok[3] = {mkpost(1, SL_ENTRY_PURCHASE, 5, "b1"), mkpost(1, SL_ENTRY_CONSUME, -3, "b2"),
                     mkpost(2, SL_ENTRY_GRANT, 4, "b3")};
    ck_assert_ok_db(db, sl_ledger_post_many(db, out, &failed, T1, ok, 3, NOW0));
    ck_assert_uint_eq(failed, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].seq, i + 1);
        ck_assert_int_eq(out[i].replayed, 0);
        ck_assert_str_eq(out[i].key, ok[i].key);
    }
    ck_assert_int_eq(out[1].balance_after, 2);

    /* Each entry sees the balances the previous ones left: spending before
     * the purchase fails at index 0, after it succeeds. */
    sl_post order[2] = {mkpost(3, SL_ENTRY_CONSUME, -2, "o1"), mkpost(3, SL_ENTRY_PURCHASE, 2, "o2")};
    ck_assert_sl(sl_ledger_post_many(db, out, &failed, T1, order, 2, NOW0), SL_EINSUFFICIENT);
    ck_assert_uint_eq(failed, 0);

    /* Failures in the middle: real code, failing index, nothing written. */
    struct {
        sl_post p[3];
        int rc;
        size_t idx;
    } bad[] = {
        {{mkpost(1, SL_ENTRY_GRANT, 1, "x1"), mkpost(1, SL_ENTRY_CONSUME, -1, "x2"),
          mkpost(1, SL_ENTRY_CONSUME, -10, "x3")},
         SL_EINSUFFICIENT, 2},
        {{mkpost(1, SL_ENTRY_GRANT, 1, "x1"), mkpost(1, SL_ENTRY_GRANT, -1, "x2"), mkpost(1, SL_ENTRY_GRANT, 1, "x3")},
         SL_EINVAL, 1},
        {{mkpost(1, SL_ENTRY_GRANT, 1, "x1"), mkpost(1, SL_ENTRY_GRANT, 1, "b2"), mkpost(1, SL_ENTRY_GRANT, 1, "x3")},
         SL_EIDEMPOTENCY, 1},
        {{mkpost(1, SL_ENTRY_GRANT, 1, "x1"), mkpost(1, SL_ENTRY_GRANT, 2, "x1"), mkpost(1, SL_ENTRY_GRANT, 1, "x3")},
         SL_EIDEMPOTENCY, 1},
        {{mkpost(1, SL_ENTRY_GRANT, 1, "x1"), mkpost(1, SL_ENTRY_GRANT, 1, "x2"), mkpost(1, SL_ENTRY_GRANT, 1, NULL)},
         SL_EINVAL, 2},
        {{mkpost(1, SL_ENTRY_GRANT, INT64_MAX, "x1"), mkpost(1, SL_ENTRY_GRANT, 1, "x2"),
          mkpost(1, SL_ENTRY_GRANT, 1, "x3")},
         SL_ERANGE, 0},
        {{mkpost(1, SL_ENTRY_GRANT, 1, "x1"), mkpost(0, SL_ENTRY_GRANT, 1, "x2"), mkpost(1, SL_ENTRY_GRANT, 1, "x3")},
         SL_EINVAL, 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        failed = 77;
        int rc = sl_ledger_post_many(db, out, &failed, T1, bad[i].p, 3, NOW0 + 1);
        ck_assert_msg(rc == bad[i].rc && failed == bad[i].idx, "batch %zu: %s at %zu, expected %s at %zu: %s", i,
                      sl_strerror(rc), failed, sl_strerror(bad[i].rc), bad[i].idx, sl_errmsg(db));
    }
    ck_assert_uint_eq(history_of(db, T1, 0).n, 3);
    EXPECT_BAL(db, T1, 1, NOW0 + 2, 2, 0);
    EXPECT_BAL(db, T1, 3, NOW0 + 2, 0, 0);

    /* n outside 1..SL_MAX_LINKED: SL_EINVAL, failed_index n. */
    failed = 77;
    ck_assert_sl(sl_ledger_post_many(db, out, &failed, T1, ok, 0, NOW0), SL_EINVAL);
    ck_assert_uint_eq(failed, 0);
    sl_post *many = calloc(SL_MAX_LINKED + 1, sizeof(*many));
    ck_assert_ptr_nonnull(many);
    for (size_t i = 0; i < SL_MAX_LINKED + 1; i++)
        many[i] = mkpost(1, SL_ENTRY_GRANT, 1, "same");
    ck_assert_sl(sl_ledger_post_many(db, NULL, &failed, T1, many, SL_MAX_LINKED + 1, NOW0), SL_EINVAL);
    ck_assert_uint_eq(failed, SL_MAX_LINKED + 1);
    ck_assert_sl(sl_ledger_post_many(db, NULL, &failed, T1, NULL, 1, NOW0), SL_EINVAL);
    /* SL_MAX_LINKED of the same request: one entry, the rest replays. */
    ck_assert_ok_db(db, sl_ledger_post_many(db, NULL, &failed, T1, many, SL_MAX_LINKED, NOW0 + 3));
    free(many);
    EXPECT_BAL(db, T1, 1, NOW0 + 3, 3, 0);
    verify_ok(db, T1, 4);
}
END_TEST

START_TEST(test_post_many_replays)
{
    sl_entry first[2], out[3];
    sl_post two[2] = {mkpost(1, SL_ENTRY_PURCHASE, 5, "a"), mkpost(2, SL_ENTRY_PURCHASE, 6, "b")};
    ck_assert_ok_db(db, sl_ledger_post_many(db, first, NULL, T1, two, 2, NOW0));
    /* The whole batch again: all replays, same entries. */
    ck_assert_ok_db(db, sl_ledger_post_many(db, out, NULL, T1, two, 2, NOW0 + 50));
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(out[i].replayed, 1);
        ck_assert_int_eq(out[i].id, first[i].id);
        ck_assert_int_eq(out[i].seq, first[i].seq);
        ck_assert_int_eq(out[i].created_at, NOW0);
    }
    /* A replay inside a batch with new entries: only those post. */
    sl_post mixed[3] = {mkpost(1, SL_ENTRY_CONSUME, -5, "c"), two[1], mkpost(1, SL_ENTRY_GRANT, 1, "d")};
    ck_assert_ok_db(db, sl_ledger_post_many(db, out, NULL, T1, mixed, 3, NOW0 + 60));
    ck_assert_int_eq(out[0].replayed, 0);
    ck_assert_int_eq(out[0].seq, 3);
    ck_assert_int_eq(out[1].replayed, 1);
    ck_assert_int_eq(out[1].id, first[1].id);
    ck_assert_int_eq(out[2].replayed, 0);
    ck_assert_int_eq(out[2].seq, 4);
    ck_assert_int_eq(out[2].balance_after, 1);
    /* The same key twice in one batch, same request: one entry. */
    sl_post dup[2] = {mkpost(3, SL_ENTRY_GRANT, 2, "e"), mkpost(3, SL_ENTRY_GRANT, 2, "e")};
    ck_assert_ok_db(db, sl_ledger_post_many(db, out, NULL, T1, dup, 2, NOW0 + 70));
    ck_assert_int_eq(out[1].id, out[0].id);
    ck_assert_int_eq(out[1].replayed, 1);
    EXPECT_BAL(db, T1, 1, NOW0 + 80, 1, 0);
    EXPECT_BAL(db, T1, 3, NOW0 + 80, 2, 0);
    verify_ok(db, T1, 5);
}
END_TEST

/* ---- history ----------------------------------------------------------------- */

START_TEST(test_history_keyset_pages)
{
    /* 10 entries: account 1 gets seq 1,2,4,5,7,8,10; account 2 gets 3,6,9. */
    for (int i = 1; i <= 10; i++) {
        char key[8];
        snprintf(key, sizeof(key), "e%d", i);
        post_ok(db, T1, i % 3 == 0 ? 2 : 1, SL_ENTRY_GRANT, i, key, NOW0 + i);
    }
    post_ok(db, T2, 1, SL_ENTRY_GRANT, 100, "other tenant", NOW0);

    sl_entry page[3];
    size_t got, pages = 0;
    int64_t after = 0, expect_seq = 1;
    size_t sizes[5];
    do {
        ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 0, after));
        sizes[pages++] = got;
        for (size_t i = 0; i < got; i++) {
            ck_assert_int_eq(page[i].seq, expect_seq);
            ck_assert_int_eq(page[i].amount, expect_seq);
            ck_assert_int_eq(page[i].tenant, T1);
            expect_seq++;
        }
        if (got)
            after = page[got - 1].seq;
    } while (got == 3 && pages < 5);
    ck_assert_uint_eq(pages, 4);
    ck_assert_uint_eq(sizes[0], 3);
    ck_assert_uint_eq(sizes[3], 1);
    ck_assert_int_eq(expect_seq, 11);

    /* Account filter: account 2 has seq 3, 6, 9. */
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 2, 0));
    ck_assert_uint_eq(got, 3);
    ck_assert_int_eq(page[0].seq, 3);
    ck_assert_int_eq(page[1].seq, 6);
    ck_assert_int_eq(page[2].seq, 9);
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 2, 9));
    ck_assert_uint_eq(got, 0);
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 1, 5));
    ck_assert_uint_eq(got, 3);
    ck_assert_int_eq(page[0].seq, 7);
    ck_assert_int_eq(page[2].seq, 10);
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 1, 4));
    ck_assert_int_eq(page[0].seq, 5);
    /* Pages that start mid-way, past the end, of an unknown account. */
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 0, 10));
    ck_assert_uint_eq(got, 0);
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T1, 42, 0));
    ck_assert_uint_eq(got, 0);
    ck_assert_ok_db(db, sl_ledger_history(db, page, 0, &got, T1, 0, 0));
    ck_assert_uint_eq(got, 0);
    ck_assert_ok_db(db, sl_ledger_history(db, page, 3, &got, T2, 0, 0));
    ck_assert_uint_eq(got, 1);
    ck_assert_int_eq(page[0].amount, 100);
    ck_assert_sl(sl_ledger_history(db, page, 3, &got, T1, -1, 0), SL_EINVAL);
    ck_assert_sl(sl_ledger_history(db, page, 3, &got, T1, 0, -1), SL_EINVAL);
    ck_assert_sl(sl_ledger_history(db, NULL, 3, &got, T1, 0, 0), SL_EINVAL);
    ck_assert_sl(sl_ledger_history(db, page, 3, NULL, T1, 0, 0), SL_EINVAL);
}
END_TEST

/* ---- soft-deleted accounts --------------------------------------------------- */

START_TEST(test_deleted_account)
{
    post_ok(db, T1, 6, SL_ENTRY_PURCHASE, 5, "p", NOW0);
    sl_credit_hold h = hold_ok(db, T1, 6, 2, NOW0 + DAY, "h", NOW0);
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_ACCOUNT, 6, NOW0 + 1));
    sl_account a;
    ck_assert_sl(sl_account_get(db, &a, T1, 6, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_account_get(db, &a, T1, 6, SL_INCLUDE_DELETED));
    ck_assert_int_eq(a.deleted_at, NOW0 + 1);
    ck_assert_int_eq(a.posted, 5);
    /* Refused: posts, holds, bookings with credits. */
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 6, SL_ENTRY_GRANT, 1, "g", NULL, NOW0 + 2), SL_ENOTFOUND);
    ck_assert_sl(sl_hold(db, NULL, T1, 6, 1, NOW0 + DAY, "h2", NOW0 + 2), SL_ENOTFOUND);
    ck_assert_sl(sl_book(db, NULL, T1, 6, SLOT(3), HOUR, 1, NULL, NOW0 + 2), SL_ENOTFOUND);
    ck_assert_uint_eq(sessions_of(db, T1, 6), 0);
    /* A replay of an old key still answers (the key check comes first). */
    sl_entry e;
    ck_assert_ok_db(db, sl_ledger_post(db, &e, T1, 6, SL_ENTRY_PURCHASE, 5, "p", NULL, NOW0 + 3));
    ck_assert_int_eq(e.replayed, 1);
    /* The entries stay and still verify. */
    hist hs = history_of(db, T1, 6);
    ck_assert_uint_eq(hs.n, 1);
    ck_assert_int_eq(hs.sum, 5);
    verify_ok(db, T1, 1);
    ck_assert_sl(sl_soft_delete(db, T1, SL_ENTITY_ACCOUNT, 6, NOW0 + 4), SL_ESTATE);
    ck_assert_sl(sl_purge(db, NULL, SL_ENTITY_ACCOUNT, NOW0 + 10), SL_EINVAL);
    /* Restored, it works again with its balance and hold intact. */
    ck_assert_ok_db(db, sl_restore(db, T1, SL_ENTITY_ACCOUNT, 6, NOW0 + 5));
    EXPECT_BAL(db, T1, 6, NOW0 + 5, 5, 2);
    post_ok(db, T1, 6, SL_ENTRY_CONSUME, -3, "c", NOW0 + 6);
    ck_assert_ok_db(db, sl_hold_capture(db, NULL, T1, h.id, 2, "cap", NOW0 + 7));
    EXPECT_BAL(db, T1, 6, NOW0 + 7, 0, 0);
    verify_ok(db, T1, 3);
}
END_TEST

/* ---- INT64_MIN amounts (issue 9, defect 8) ----------------------------------- */

/* Refusing a debit of INT64_MIN formatted -amount for its message: signed
 * overflow (UBSan under ./run sanitize; "-9223372036854775808 requested"
 * otherwise). The message gives the magnitude; every outcome is clean. */
START_TEST(test_int64_min_amounts)
{
    static const int32_t kinds[] = {SL_ENTRY_ADJUST, SL_ENTRY_CONSUME};
    const char *want_funded = "account 20 has 100 credits available (floor 0); 9223372036854775808 requested";
    const char *want_empty = "account 21 has 0 credits available (floor 0); 9223372036854775808 requested";
    post_ok(db, T1, 20, SL_ENTRY_PURCHASE, 100, "fund", NOW0);
    for (size_t i = 0; i < 2; i++) {
        /* Funded and unfunded accounts: SL_EINSUFFICIENT, nothing written. */
        ck_assert_sl(sl_ledger_post(db, NULL, T1, 20, kinds[i], INT64_MIN, "min20", NULL, NOW0 + 1), SL_EINSUFFICIENT);
        ERRMSG_HAS(db, want_funded);
        ck_assert_sl(sl_ledger_post(db, NULL, T1, 21, kinds[i], INT64_MIN, "min21", NULL, NOW0 + 1), SL_EINSUFFICIENT);
        ERRMSG_HAS(db, want_empty);
        sl_post p = {20, kinds[i], 0, INT64_MIN, "min20", NULL};
        size_t failed = 9;
        ck_assert_sl(sl_ledger_post_many(db, NULL, &failed, T1, &p, 1, NOW0 + 1), SL_EINSUFFICIENT);
        ck_assert_uint_eq(failed, 0);
        ERRMSG_HAS(db, want_funded);
    }
    EXPECT_BAL(db, T1, 20, NOW0 + 2, 100, 0);
    sl_account a;
    ck_assert_sl(sl_account_get(db, &a, T1, 21, 0), SL_ENOTFOUND);
    /* A negative available balance plus INT64_MIN leaves int64: SL_ERANGE. */
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 24, -10, NOW0));
    post_ok(db, T1, 24, SL_ENTRY_CONSUME, -7, "c24", NOW0);
    ck_assert_sl(sl_ledger_post(db, NULL, T1, 24, SL_ENTRY_ADJUST, INT64_MIN, "min24", NULL, NOW0 + 1), SL_ERANGE);
    EXPECT_BAL(db, T1, 24, NOW0 + 2, -7, 0);
    /* With the lowest floor they are allowed, funded or not. */
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 22, INT64_MIN, NOW0));
    sl_entry e = post_ok(db, T1, 22, SL_ENTRY_ADJUST, INT64_MIN, "min22", NOW0 + 3);
    ck_assert_int_eq(e.balance_after, INT64_MIN);
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 23, INT64_MIN, NOW0));
    post_ok(db, T1, 23, SL_ENTRY_PURCHASE, 100, "fund23", NOW0);
    e = post_ok(db, T1, 23, SL_ENTRY_CONSUME, INT64_MIN, "min23", NOW0 + 3);
    ck_assert_int_eq(e.balance_after, INT64_MIN + 100);
    EXPECT_BAL(db, T1, 23, NOW0 + 4, INT64_MIN + 100, 0);
    /* Holds and captures take positive amounts only. */
    ck_assert_sl(sl_hold(db, NULL, T1, 20, INT64_MIN, NOW0 + HOUR, "hmin", NOW0 + 4), SL_EINVAL);
    sl_credit_hold h = hold_ok(db, T1, 20, 5, NOW0 + HOUR, "h20", NOW0 + 4);
    ck_assert_sl(sl_hold_capture(db, NULL, T1, h.id, INT64_MIN, "capmin", NOW0 + 5), SL_EINVAL);
    ERRMSG_HAS(db, "capture of -9223372036854775808 credits");
    EXPECT_BAL(db, T1, 20, NOW0 + 5, 100, 5);
    verify_ok(db, T1, 5);
}
END_TEST

START_TEST(test_new_account_record)
{
    /* The account a first post or floor creates reads back as a
     * current-version record of that tenant and student, created then. */
    post_ok(db, T1, 31, SL_ENTRY_PURCHASE, 10, "new-31", NOW0 + 1);
    post_ok(db, T1, 32, SL_ENTRY_PURCHASE, 5, "new-32", NOW0 + 2);
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 33, -4, NOW0 + 3));
    for (sl_id s = 31; s <= 33; s++) {
        sl_account a;
        memset(&a, 0xff, sizeof(a));
        ck_assert_ok_db(db, sl_account_get(db, &a, T1, s, 0));
        ck_assert_uint_eq(a.version, SL_ACCOUNT_VERSION);
        ck_assert_int_eq(a.tenant, T1);
        ck_assert_int_eq(a.student, s);
        ck_assert_int_eq(a.created_at, NOW0 + (s - 30));
        ck_assert_int_eq(a.deleted_at, 0);
    }
}
END_TEST

SL_TEST_TCASE(tcase_ledger_posts, "posts", setup, teardown, 30, test_post_kinds_and_signs,
              test_reserved_key_prefix, test_replay_returns_original, test_key_reuse_names_the_field,
              test_key_check_precedes_validation, test_failed_post_writes_nothing,
              test_key_and_reference_limits, test_floors, test_overflow_is_erange,
              test_post_many_all_or_nothing, test_post_many_replays, test_history_keyset_pages,
              test_deleted_account, test_int64_min_amounts, test_new_account_record)
