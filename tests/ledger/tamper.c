/* tests/ledger/tamper.c - verify, and tamper evidence on SQLite files (raw SQL edits; keyed chains). */
#include "ledger_test.h"
#include "support_tamper.h"

/* verify reads every stored account, not only those with entries, and
 * holds each one's held against its active holds through a hold's life. */
START_TEST(test_verify_checks_every_account)
{
    sl_verify_report r;
    /* An account without entries (posted 0) verifies and is counted. */
    ck_assert_ok_db(db, sl_account_set_floor(db, T1, 50, -10, NOW0));
    ck_assert_ok_db(db, sl_ledger_verify(db, &r, T1));
    ck_assert_int_eq(r.entries, 0);
    ck_assert_int_eq(r.accounts, 1);
    post_ok(db, T1, 1, SL_ENTRY_PURCHASE, 100, "p", NOW0);
    sl_credit_hold h1 = hold_ok(db, T1, 1, 20, NOW0 + HOUR, "h1", NOW0);
    sl_credit_hold h2 = hold_ok(db, T1, 1, 10, NOW0 + 2 * HOUR, "h2", NOW0);
    sl_credit_hold h3 = hold_ok(db, T1, 1, 5, NOW0 + 2 * HOUR, "h3", NOW0);
    hold_ok(db, T1, 50, 3, NOW0 + DAY, "h50", NOW0); /* against the floor of -10 */
    verify_ok(db, T1, 1);
    /* Partial capture (the rest released), release. */
    ck_assert_ok_db(db, sl_hold_capture(db, NULL, T1, h1.id, 5, "cap", NOW0 + 10));
    ck_assert_ok_db(db, sl_hold_release(db, NULL, T1, h3.id, NOW0 + 11));
    verify_ok(db, T1, 2);
    /* h2 lapses; until a write on the account resolves it, held still
     * counts it, and so does verify. */
    EXPECT_BAL(db, T1, 1, NOW0 + 3 * HOUR, 95, 0);
    verify_ok(db, T1, 2);
    post_ok(db, T1, 1, SL_ENTRY_CONSUME, -1, "c", NOW0 + 3 * HOUR);
    ck_assert_int_eq(hold_get(db, T1, h2.id).status, SL_HOLD_EXPIRED);
    verify_ok(db, T1, 3);
    /* A deleted account is still checked and counted. */
    ck_assert_ok_db(db, sl_soft_delete(db, T1, SL_ENTITY_ACCOUNT, 50, NOW0 + 3 * HOUR));
    ck_assert_ok_db(db, sl_ledger_verify(db, &r, T1));
    ck_assert_int_eq(r.entries, 3);
    ck_assert_int_eq(r.accounts, 2);
    ck_assert_int_eq(r.first_bad_seq, 0);
    /* Tenants are separate: T2 has no accounts. */
    ck_assert_ok_db(db, sl_ledger_verify(db, &r, T2));
    ck_assert_int_eq(r.accounts, 0);
}
END_TEST

static int is_file_backend(const char *test)
{
    if (strcmp(sl_test_backend, "sqlite-file") == 0)
        return 1;
    fprintf(stderr, "# %s: skipped on the %s backend (needs a SQLite file to edit)\n", test, sl_test_backend);
    return 0;
}

/* A file with tenant 1 and 6 entries, seq 1 on account 2, seq 6 on
 * account 1 (their ids in ids[1..6]); closed. */
static const char *ledger_file(const uint8_t *key, size_t key_len, sl_id ids[7])
{
    static char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("tamper.db"));
    sl_db *d = sl_test_open_file(path, key, key_len);
    put_tenant(d, T1, 0);
    sl_test_six_entries(d, T1, 2, NOW0, ids);
    verify_ok(d, T1, 6);
    sl_close(d);
    return path;
}

/* ledger_file, then edited behind the library's back by sql. */
static const char *forged_ledger_file(sl_id ids[7], const char *sql)
{
    const char *path = ledger_file(NULL, 0, ids);
    sl_test_forge(path, sql);
    return path;
}

static void expect_tamper(const char *path, int64_t bad_seq, sl_id bad_entry)
{
    sl_db *d = sl_test_open_file(path, NULL, 0);
    sl_test_expect_tamper(d, T1, bad_seq, bad_entry, NULL, NULL);
    ck_assert_msg(strstr(sl_errmsg(d), "does not verify") != NULL || strstr(sl_errmsg(d), "tenant 1") != NULL, "%s",
                  sl_errmsg(d));
    sl_close(d);
}

/* Edits of the chain itself: verify names the first bad entry by seq,
 * and by id (of the row now found at that seq) unless the row is gone. */
static const struct chain_forgery {
    const char *sql;
    int64_t bad_seq;
    int bad_id_of; /* ids[bad_id_of] is the entry blamed; 0: none */
} chain_forgeries[] = {
    /* A changed amount. */
    {"UPDATE entries SET amount = amount + 1 WHERE seq = 3", 3, 3},
    /* A careful forger also fixes the running balances (seq 3 and 5 are
     * account 2's): the hash still names the entry. */
    {"UPDATE entries SET amount = amount + 1, balance_after = balance_after + 1 WHERE seq = 3;"
     "UPDATE entries SET balance_after = balance_after + 1 WHERE seq = 5;"
     "UPDATE accounts SET posted = posted + 1 WHERE student = 2",
     3, 3},
    /* A deleted row is named by its sequence number; it has no id. */
    {"DELETE FROM entries WHERE seq = 3", 3, 0},
    /* Swapped rows: seq 2 now holds entry 5's row. */
    {"UPDATE entries SET seq = -1 WHERE seq = 2;"
     "UPDATE entries SET seq = 2 WHERE seq = 5;"
     "UPDATE entries SET seq = 5 WHERE seq = -1",
     2, 5},
};

START_TEST(test_tamper_edited_chain)
{
    if (!is_file_backend("tamper: edited chain"))
        return;
    for (size_t i = 0; i < sizeof(chain_forgeries) / sizeof(chain_forgeries[0]); i++) {
        const struct chain_forgery *f = &chain_forgeries[i];
        sl_id ids[7];
        const char *path = forged_ledger_file(ids, f->sql);
        expect_tamper(path, f->bad_seq, f->bad_id_of ? ids[f->bad_id_of] : 0);
    }
}
END_TEST

START_TEST(test_tamper_deleted_last_row)
{
    if (!is_file_backend("tamper: deleted last row"))
        return;
    sl_id ids[7];
    /* The chain before it is intact; the account's running balance is not. */
    const char *path = forged_ledger_file(ids, "DELETE FROM entries WHERE seq = 6");
    sl_db *d = sl_test_open_file(path, NULL, 0);
    sl_verify_report r;
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ETAMPER);
    ck_assert_int_ne(r.first_bad_seq, 0);
    ERRMSG_HAS(d, "account 1");
    sl_close(d);
}
END_TEST

START_TEST(test_tamper_forged_row)
{
    if (!is_file_backend("tamper: forged row"))
        return;
    sl_id ids[7];
    /* A copy of entry 6 with a new id, key and seq, appended... */
    const char *path = forged_ledger_file(ids, "CREATE TEMP TABLE f AS SELECT * FROM entries WHERE seq = 6;"
                                               "UPDATE f SET id = (SELECT max(id) + 1000 FROM entries), seq = 7,"
                                               " idem_key = 'forged', amount = 500,"
                                               " balance_after = balance_after + 500;"
                                               "INSERT INTO entries SELECT * FROM f;"
                                               "UPDATE accounts SET posted = posted + 500 WHERE student = 1");
    expect_tamper(path, 7, ids[6] + 1000);

    /* ...and one slipped into the middle, later rows renumbered. */
    path = forged_ledger_file(ids, "UPDATE entries SET seq = -(seq + 1) WHERE seq >= 4;"
                                   "UPDATE entries SET seq = -seq WHERE seq < 0;"
                                   "CREATE TEMP TABLE f AS SELECT * FROM entries WHERE seq = 3;"
                                   "UPDATE f SET id = (SELECT max(id) + 1000 FROM entries), seq = 4,"
                                   " idem_key = 'forged';"
                                   "INSERT INTO entries SELECT * FROM f");
    expect_tamper(path, 4, ids[6] + 1000);
}
END_TEST

/* verify fails on an account, not on an entry: first_bad_seq -1, no entry
 * named, the message naming the account (and saying why). */
static void expect_account_tamper(const char *path, const char *account, const char *why)
{
    sl_db *d = sl_test_open_file(path, NULL, 0);
    sl_verify_report r = sl_test_expect_tamper(d, T1, -1, 0, account, why);
    ck_assert_int_eq(r.entries, 6); /* the chain itself verified */
    ERRMSG_HAS(d, "tenant 1");
    sl_close(d);
}

#define ACCOUNT_INSERT "INSERT INTO accounts (tenant, student, floor, posted, held, created_at, updated_at, deleted_at) "

START_TEST(test_tamper_forged_account_without_entries)
{
    if (!is_file_backend("tamper: forged account without entries"))
        return;
    sl_id ids[7];
    /* A row with a balance and no entry behind it. */
    const char *path = forged_ledger_file(ids, ACCOUNT_INSERT "VALUES (1, 99, 0, 1000, 0, 1, 1, NULL)");
    expect_account_tamper(path, "account 99", "has no entries");
    /* Deleted accounts are checked too. */
    path = forged_ledger_file(ids, ACCOUNT_INSERT "VALUES (1, 3, 0, 1000, 0, 1, 1, 5)");
    expect_account_tamper(path, "account 3", "has no entries");
    /* Below an account with entries in student order: still found. */
    path = forged_ledger_file(ids, ACCOUNT_INSERT "VALUES (1, -4, 0, -1, 0, 1, 1, NULL)");
    expect_account_tamper(path, "account -4", "has no entries");
    /* An account with entries whose row is gone. */
    path = forged_ledger_file(ids, "DELETE FROM accounts WHERE tenant = 1 AND student = 2");
    expect_account_tamper(path, "account 2", "no stored account");
    /* A row with no entries and posted 0 (what sl_account_set_floor
     * makes) verifies, and is counted; another tenant's forged row is not
     * this tenant's business. */
    path = forged_ledger_file(ids, ACCOUNT_INSERT "VALUES (1, 99, -10, 0, 0, 1, 1, NULL);" ACCOUNT_INSERT
                                   "VALUES (2, 99, 0, 1000, 0, 1, 1, NULL)");
    sl_db *d = sl_test_open_file(path, NULL, 0);
    sl_verify_report r;
    ck_assert_ok_db(d, sl_ledger_verify(d, &r, T1));
    ck_assert_int_eq(r.entries, 6);
    ck_assert_int_eq(r.accounts, 3);
    ck_assert_sl(sl_ledger_verify(d, &r, T2), SL_ETAMPER);
    ERRMSG_HAS(d, "tenant 2");
    ERRMSG_HAS(d, "account 99");
    sl_close(d);
}
END_TEST

/* ledger_file plus an active hold of 7 on account 1 (its id in *hold). */
static const char *ledger_file_with_hold(sl_id ids[7], sl_id *hold)
{
    const char *path = ledger_file(NULL, 0, ids);
    sl_db *d = sl_test_open_file(path, NULL, 0);
    *hold = hold_ok(d, T1, 1, 7, NOW0 + DAY, "hf", NOW0 + 10).id;
    verify_ok(d, T1, 6);
    sl_close(d);
    return path;
}

START_TEST(test_tamper_changed_held)
{
    if (!is_file_backend("tamper: changed held"))
        return;
    sl_id ids[7], h;
    /* held lowered: the reserved credits would become spendable. */
    const char *path = ledger_file_with_hold(ids, &h);
    sl_test_forge(path, "UPDATE accounts SET held = 0 WHERE tenant = 1 AND student = 1");
    expect_account_tamper(path, "account 1", "held credits do not match its active holds");
    /* held raised on an account without holds. */
    path = ledger_file_with_hold(ids, &h);
    sl_test_forge(path, "UPDATE accounts SET held = 3 WHERE tenant = 1 AND student = 2");
    expect_account_tamper(path, "account 2", "held credits do not match its active holds");
}
END_TEST

START_TEST(test_tamper_hold_status_flipped)
{
    if (!is_file_backend("tamper: hold released behind the ledger's back"))
        return;
    sl_id ids[7], h;
    char sql[256];
    const char *path = ledger_file_with_hold(ids, &h);
    snprintf(sql, sizeof(sql), "UPDATE holds SET status = 3, resolved_at = %lld WHERE id = %lld AND status = 1",
             (long long)(NOW0 + 20), (long long)h);
    sl_test_forge(path, sql);
    expect_account_tamper(path, "account 1", "held credits do not match its active holds");
    /* A hold moved to another account: both accounts are off. */
    path = ledger_file_with_hold(ids, &h);
    snprintf(sql, sizeof(sql), "UPDATE holds SET account = 2 WHERE id = %lld", (long long)h);
    sl_test_forge(path, sql);
    expect_account_tamper(path, "account 1", "held credits do not match its active holds");
    /* The documented limit: holds are not chained, so flipping the hold
     * and lowering held to match is a consistent forgery that verifies. */
    path = ledger_file_with_hold(ids, &h);
    snprintf(sql, sizeof(sql),
             "UPDATE holds SET status = 3, resolved_at = %lld WHERE id = %lld;"
             "UPDATE accounts SET held = held - 7 WHERE tenant = 1 AND student = 1",
             (long long)(NOW0 + 20), (long long)h);
    sl_test_forge(path, sql);
    sl_db *d = sl_test_open_file(path, NULL, 0);
    verify_ok(d, T1, 6);
    sl_close(d);
}
END_TEST

START_TEST(test_keyed_chain_needs_its_key)
{
    if (!is_file_backend("keyed chain"))
        return;
    uint8_t k1[32], k2[32];
    memset(k1, 0x11, sizeof(k1));
    memset(k2, 0x11, sizeof(k2));
    k2[31] ^= 1;
    sl_id ids[7];
    const char *path = ledger_file(k1, sizeof(k1), ids);
    sl_verify_report r;
    /* The right key verifies. */
    sl_db *d = sl_test_open_file(path, k1, sizeof(k1));
    verify_ok(d, T1, 6);
    sl_close(d);
    /* Another key, or none: the very first entry does not verify. */
    d = sl_test_open_file(path, k2, sizeof(k2));
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ETAMPER);
    ck_assert_int_eq(r.first_bad_seq, 1);
    ck_assert_int_eq(r.first_bad_entry, ids[1]);
    sl_close(d);
    d = sl_test_open_file(path, NULL, 0);
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ETAMPER);
    ck_assert_int_eq(r.first_bad_seq, 1);
    sl_close(d);
    /* And an unkeyed chain does not verify under a key. */
    path = ledger_file(NULL, 0, ids);
    d = sl_test_open_file(path, k1, sizeof(k1));
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ETAMPER);
    ck_assert_int_eq(r.first_bad_seq, 1);
    sl_close(d);
    /* Key lengths outside 16..64 are refused at open. */
    sl_options o = SL_OPTIONS_INIT;
    o.ledger_key = k1;
    o.ledger_key_len = 15;
    ck_assert_sl(sl_open(&d, path, &o), SL_EINVAL);
}
END_TEST

SL_TEST_TCASE(tcase_ledger_tamper, "tamper", setup, teardown, 30, test_tamper_edited_chain,
              test_tamper_deleted_last_row, test_tamper_forged_row, test_tamper_forged_account_without_entries,
              test_tamper_changed_held, test_tamper_hold_status_flipped, test_verify_checks_every_account,
              test_keyed_chain_needs_its_key)
