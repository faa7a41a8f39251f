/*
 * tests/ledger/mutants.c - documented behaviours that the standard mutation
 * sample (./run mutate: 8 mutants per file, seed 17; issue 17) showed no
 * test pinned down: the read-ahead a single post announces to its store,
 * the verification of a keyed ledger whose hold was sealed at the chain's
 * first entry, sl_hold with a NULL handle, the version of a new account's
 * row, the replay of a batch, hold and capture keyed by an older release
 * and a store handing accounts out of order. Each test names the mutant it
 * kills.
 */
#include "ledger_test.h"
#include "support_tamper.h"

static const uint8_t mkey[32] = "mutant-tests-ledger-key-32-byte!";

/* A keyed handle on the suite's backend (row MACs on every store); the
 * backends that are neither memory nor sqlite (sqlite-file, postgres) get
 * a SQLite file. */
static sl_db *open_keyed(void)
{
    sl_options o = SL_OPTIONS_INIT;
    o.ledger_key = mkey;
    o.ledger_key_len = sizeof(mkey);
    sl_db *d = NULL;
    int rc;
    if (strcmp(sl_test_backend, "memory") == 0)
        rc = sl_open_memory(&d, &o);
    else if (strcmp(sl_test_backend, "sqlite") == 0)
        rc = sl_open(&d, ":memory:", &o);
    else
        rc = sl_open(&d, sl_test_path("mutants.db"), &o);
    ck_assert_msg(rc == SL_OK, "open %s: %s", sl_test_backend, sl_errmsg(NULL));
    return d;
}

/* chain.c:365 (a hold's MAC head needed only when > 1): a hold placed
 * right after the tenant's first entry is sealed at seq 1; once its
 * account moved on (its own MAC names seq 2), verifying must still find
 * seq 1 for the hold and report an untouched ledger as intact. */
START_TEST(test_mutant_verify_hold_sealed_at_first_entry)
{
    sl_db *d = open_keyed();
    sl_verify_report r;
    put_tenant(d, T1, 0);
    post_ok(d, T1, 7, SL_ENTRY_PURCHASE, 100, "buy", NOW0);          /* seq 1 */
    sl_credit_hold h = hold_ok(d, T1, 7, 10, NOW0 + DAY, "hold", NOW0); /* sealed at seq 1 */
    post_ok(d, T1, 7, SL_ENTRY_PURCHASE, 5, "buy-more", NOW0 + 1);    /* account sealed at seq 2 */
    ck_assert_int_eq(hold_get(d, T1, h.id).status, SL_HOLD_ACTIVE);
    int rc = sl_ledger_verify(d, &r, T1);
    ck_assert_msg(rc == SL_OK, "verify: %s: %s", sl_strerror(rc), sl_errmsg(d));
    ck_assert_int_eq(r.entries, 2);
    /* Sealing, then verifying against the anchor, agrees. */
    sl_ledger_anchor a;
    ck_assert_ok_db(d, sl_ledger_head(d, &a, T1));
    ck_assert_ok_db(d, sl_ledger_verify_head(d, T1, &a));
    sl_close(d);
}
END_TEST

/* What the recording store's read_hint was told last. */
static struct {
    int calls;
    sl_id tenant, account;
    char key[SL_KEY_MAX + 1];
} hint;

static int record_hint(sl_store *st, sl_id tenant, const char *key, sl_id account, sl_time from, sl_time to)
{
    (void)st;
    (void)from;
    (void)to;
    hint.calls++;
    hint.tenant = tenant;
    hint.account = account;
    snprintf(hint.key, sizeof(hint.key), "%s", key ? key : "");
    return SL_OK;
}

/* post.c:208 (account hinted only when n == 0): sys/store.h's read_hint
 * tells a networked store what the call is about to read, so that it can
 * fetch it with its BEGIN: a single post names its key and its account (a
 * post's PostgreSQL round-trip budget, check_pg.c, rests on this); a
 * batch names neither. */
START_TEST(test_mutant_post_hints_its_account)
{
    sl_store *st = sl_test_memory_store();
    st->read_hint = record_hint;
    sl_db *d = sl_test_open_on(st);
    put_tenant(d, T1, 0);
    memset(&hint, 0, sizeof(hint));
    post_ok(d, T1, 7, SL_ENTRY_PURCHASE, 100, "buy", NOW0);
    ck_assert_int_eq(hint.calls, 1);
    ck_assert_int_eq(hint.tenant, T1);
    ck_assert_int_eq(hint.account, 7);
    ck_assert_str_eq(hint.key, "buy");
    const sl_post p[] = {{7, SL_ENTRY_PURCHASE, 0, 5, "b1", NULL}, {8, SL_ENTRY_PURCHASE, 0, 6, "b2", NULL}};
    memset(&hint, 0, sizeof(hint));
    ck_assert_ok_db(d, sl_ledger_post_many(d, NULL, NULL, T1, p, 2, NOW0 + 1));
    ck_assert_int_eq(hint.calls, 1);
    ck_assert_int_eq(hint.account, 0);
    ck_assert_str_eq(hint.key, "");
    EXPECT_BAL(d, T1, 7, NOW0 + 2, 105, 0);
    sl_close(d);
}
END_TEST

/* hold.c:201 (sl__err's arguments swapped): sl_hold with a NULL handle is
 * SL_EINVAL, explained by sl_errmsg(NULL), like every handle-less call. */
START_TEST(test_mutant_hold_null_db)
{
    sl_credit_hold h;
    ck_assert_sl(sl_hold(NULL, &h, T1, 7, 10, NOW0 + DAY, "k", NOW0), SL_EINVAL);
    ck_assert_str_eq(sl_errmsg(NULL), "db is NULL");
    ck_assert_sl(sl_hold(NULL, NULL, T1, 7, 10, NOW0 + DAY, NULL, NOW0), SL_EINVAL);
    ck_assert_str_eq(sl_errmsg(NULL), "db is NULL");
}
END_TEST

/* The account rows the core hands to its store (a store keeps them whole:
 * sys/store.h, account_put "insert or replace"), by the memory store's
 * own account_put. */
static int (*mem_account_put)(sl_store *st, const sl_account *a);
static unsigned int put_versions[8];
static size_t n_puts;

static int record_account_put(sl_store *st, const sl_account *a)
{
    if (n_puts < sizeof(put_versions) / sizeof(put_versions[0]))
        put_versions[n_puts] = a->version;
    n_puts++;
    return mem_account_put(st, a);
}

/* account.c:28 (a new account's version left 0): the account a first post
 * opens is a complete sl_account, version SL_ACCOUNT_VERSION (ledger.h),
 * when the core hands it to the store: a custom store that keeps rows as
 * given must hand sl_account_get a row with the documented version. */
START_TEST(test_mutant_new_account_row_has_version)
{
    sl_account a;
    sl_store *st = sl_test_memory_store();
    mem_account_put = st->account_put;
    st->account_put = record_account_put;
    sl_db *d = sl_test_open_on(st);
    put_tenant(d, T1, 0);
    n_puts = 0;
    post_ok(d, T1, 7, SL_ENTRY_PURCHASE, 100, "buy", NOW0);
    ck_assert_uint_ge(n_puts, 1);
    for (size_t i = 0; i < n_puts && i < sizeof(put_versions) / sizeof(put_versions[0]); i++)
        ck_assert_uint_eq(put_versions[i], SL_ACCOUNT_VERSION);
    ck_assert_ok_db(d, sl_account_get(d, &a, T1, 7, 0));
    ck_assert_uint_eq(a.version, SL_ACCOUNT_VERSION);
    sl_close(d);
}
END_TEST

/* chain.c:116 (need_find's `lo < n_need` -> `<=`): verifying against an
 * anchor scans entries newer than every chain position a row MAC or the
 * anchor names; the lookup of such an entry must stay inside the table of
 * those positions. Here the table is full (two accounts, no hold, the
 * anchor: three distinct positions) and entry 7 is past all of them, so
 * the mutant reads one element past the table: ./run sanitize (ASan) and
 * valgrind see it; the plain build only when the byte after happens to
 * equal the seq. The forger lowers both accounts' MAC heads (a keyed file,
 * the key unknown to the forger); verify blames an account row. */
START_TEST(test_mutant_verify_lookup_past_every_needed_seq)
{
    if (strcmp(sl_test_backend, "sqlite-file") != 0)
        return; /* the forger edits a SQLite file */
    char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("forged.db"));
    sl_db *d = sl_test_open_file(path, mkey, sizeof(mkey));
    sl_ledger_anchor a;
    sl_verify_report r;
    put_tenant(d, T1, 0);
    sl_test_six_entries(d, T1, 1, NOW0, NULL); /* accounts 1 and 2, seqs 1..6 */
    ck_assert_ok_db(d, sl_ledger_head(d, &a, T1));
    ck_assert_int_eq(a.seq, 6);
    post_ok(d, T1, 1, SL_ENTRY_PURCHASE, 7, "e7", NOW0 + 7);
    ck_assert_ok_db(d, sl_ledger_verify_head(d, T1, &a));
    sl_close(d);
    sl_test_forge(path, "UPDATE accounts SET mac_seq = student WHERE tenant = 1");
    d = sl_test_open_file(path, mkey, sizeof(mkey));
    ck_assert_sl(sl_ledger_verify_head(d, T1, &a), SL_ETAMPER);
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ETAMPER);
    ck_assert_int_eq(r.first_bad_seq, -1);
    sl_close(d);
}
END_TEST

/* ---- keys written by an older release (tests/legacy/v4-keys.db, made by
 * tests/legacy/make_fixture.py from the requests of tests/legacy/ops.py;
 * check_idempotency.c replays its post and recurring booking). */
#define LEGACY_NOW ((sl_time)1772434800) /* 2026-03-02T07:00Z */
#define LEGACY_AT(days, hour) ((sl_time)1772409600 + (days) * 86400 + (hour) * 3600)

/* fingerprint.c:108 and :143 (the old batch and hold/capture fingerprints
 * finalised with their arguments swapped): the batch, the hold and the
 * capture an older release stored under keys replay to their rows
 * (replayed = 1, nothing written); another amount under the old key is
 * SL_EIDEMPOTENCY. */
START_TEST(test_mutant_legacy_batch_hold_capture_replay)
{
    char src[1024];
    snprintf(src, sizeof(src), "%s/legacy/v4-keys.db", SL_TEST_SRCDIR);
    const char *path = sl_test_path("v4-keys-mutants.db");
    sl_test_copy_file(src, path);
    sl_db *d = sl_test_open_file(path, NULL, 0);
    sl_balance before, after;
    ck_assert_ok_db(d, sl_ledger_balance(d, &before, 1, 7, LEGACY_NOW));

    const sl_booking b[2] = {{7, LEGACY_AT(3, 9), HOUR, 5}, {7, LEGACY_AT(3, 11), HOUR, 5}};
    sl_session s[2];
    size_t failed = 99;
    ck_assert_ok_db(d, sl_book_many(d, s, &failed, 1, b, 2, "many-1", LEGACY_NOW));
    ck_assert_int_eq(s[0].replayed, 1);
    ck_assert_int_eq(s[1].replayed, 1);
    ck_assert_int_eq(s[1].start, LEGACY_AT(3, 11));

    sl_credit_hold h;
    ck_assert_ok_db(d, sl_hold(d, &h, 1, 7, 30, LEGACY_AT(20, 0), "hold-1", LEGACY_NOW));
    ck_assert_int_eq(h.replayed, 1);
    ck_assert_sl(sl_hold(d, NULL, 1, 7, 31, LEGACY_AT(20, 0), "hold-1", LEGACY_NOW), SL_EIDEMPOTENCY);

    sl_entry e;
    ck_assert_ok_db(d, sl_hold_capture(d, &e, 1, h.id, 20, "cap-1", LEGACY_NOW));
    ck_assert_int_eq(e.replayed, 1);
    ck_assert_int_eq(e.amount, -20);
    ck_assert_sl(sl_hold_capture(d, &e, 1, h.id, 21, "cap-1", LEGACY_NOW), SL_EIDEMPOTENCY);

    ck_assert_ok_db(d, sl_ledger_balance(d, &after, 1, 7, LEGACY_NOW));
    ck_assert_int_eq(after.posted, before.posted);
    ck_assert_int_eq(after.held, before.held);
    sl_close(d);
}
END_TEST

/* The memory store's accounts_scan, its rows handed on in reverse. */
static int (*mem_accounts_scan)(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx);
static sl_account scanned[8];
static size_t n_scanned;

static int keep_account(void *ctx, const sl_account *a)
{
    (void)ctx;
    if (n_scanned == sizeof(scanned) / sizeof(scanned[0]))
        return 1;
    scanned[n_scanned++] = *a;
    return 0;
}

static int reversed_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    n_scanned = 0;
    int rc = mem_accounts_scan(st, tenant, keep_account, NULL);
    if (rc < 0)
        return rc;
    for (size_t i = n_scanned; i-- > 0;)
        if ((rc = cb(ctx, &scanned[i])) != 0)
            return rc;
    return 0;
}

/* chain.c:210 (the order check skipped for the second account): verify
 * merges the accounts with the entry sums, so a store that hands the
 * accounts out of student order (sys/store.h: accounts_scan "sorted by
 * student") is refused, SL_ESTORE naming it, even with just two accounts;
 * the same ledger in order verifies. */
START_TEST(test_mutant_verify_refuses_accounts_out_of_order)
{
    sl_verify_report r;
    sl_store *st = sl_test_memory_store();
    mem_accounts_scan = st->accounts_scan;
    sl_db *d = sl_test_open_on(st);
    put_tenant(d, T1, 0);
    post_ok(d, T1, 7, SL_ENTRY_PURCHASE, 100, "buy-7", NOW0);
    post_ok(d, T1, 8, SL_ENTRY_PURCHASE, 50, "buy-8", NOW0);
    ck_assert_ok_db(d, sl_ledger_verify(d, &r, T1));
    ck_assert_int_eq(r.entries, 2);
    st->accounts_scan = reversed_accounts_scan;
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ESTORE);
    ck_assert_msg(strstr(sl_errmsg(d), "out of student order") != NULL, "message: %s", sl_errmsg(d));
    st->accounts_scan = mem_accounts_scan;
    sl_close(d);
}
END_TEST

/* post.c:172 (`account <= 0` -> `< 0`): a post to account 0 is refused
 * and writes nothing; its key stays free for a valid post. */
START_TEST(test_mutant_post_to_account_zero)
{
    sl_db *d = sl_test_open();
    sl_test_put_tenant(d, T1, LATE, NOW0, 0);
    sl_entry e;
    ck_assert_sl(sl_ledger_post(d, &e, T1, 0, SL_ENTRY_PURCHASE, 5, "acct-zero", NULL, NOW0), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(d), "account id must be positive") != NULL, "message: %s", sl_errmsg(d));
    ck_assert_sl(sl_ledger_post(d, &e, T1, 3, SL_ENTRY_PURCHASE, 5, "acct-zero", NULL, NOW0), SL_OK);
    ck_assert_int_eq(e.account, 3);
    ck_assert_int_eq(e.seq, 1); /* the first entry of the tenant: the refused post wrote none */
    sl_close(d);
}
END_TEST

/* hold.c:247 (`tenant <= 0` -> `<= -1`): releasing a hold of tenant 0 is
 * SL_EINVAL, not "no such hold". */
START_TEST(test_mutant_release_tenant_zero)
{
    sl_db *d = sl_test_open();
    sl_credit_hold h;
    ck_assert_sl(sl_hold_release(d, &h, 0, 1, NOW0), SL_EINVAL);
    ck_assert_msg(strstr(sl_errmsg(d), "must be positive") != NULL, "message: %s", sl_errmsg(d));
    sl_close(d);
}
END_TEST

SL_TEST_TCASE(tcase_ledger_mutants, "mutants", NULL, NULL, 0, test_mutant_verify_hold_sealed_at_first_entry,
              test_mutant_post_hints_its_account, test_mutant_hold_null_db,
              test_mutant_new_account_row_has_version, test_mutant_verify_lookup_past_every_needed_seq,
              test_mutant_legacy_batch_hold_capture_replay, test_mutant_verify_refuses_accounts_out_of_order,
              test_mutant_post_to_account_zero, test_mutant_release_tenant_zero)
