/*
 * tests/check_tamper.c - tamper evidence completed: forgeries done the way
 * an attacker with write access to the SQLite file would do them (raw SQL,
 * the append-only triggers dropped first), and through the store vtable
 * for the memory store. With a ledger key, sl_ledger_verify must name the
 * forged row; without one, an anchor taken earlier (sl_ledger_head) must
 * catch truncation and rollback.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "faulty_store.h"
#include "support_tamper.h"
#include "core/internal.h"

#define T1 1
#define NOW0 ((sl_time)1893888000) /* 2030-01-06T00:00Z */
#define NEVER ((sl_time)253402300799)

/* Entry 1 of six_entries on an unkeyed ledger (test_chain_hash_known_answer). */
#define KAT_HASH_1 "8478689096f1038391d3fa90739bf9a087201846d56b2a3effc97e0cbca9d07d"

static const uint8_t key[32] = "tamper-tests-ledger-key-32-bytes";

static sl_db *open_file(const char *path, int keyed)
{
    return sl_test_open_file(path, keyed ? key : NULL, keyed ? sizeof(key) : 0);
}

/* A memory handle with the ledger key. */
static sl_db *open_keyed_memory(void)
{
    sl_options o = SL_OPTIONS_INIT;
    o.ledger_key = key;
    o.ledger_key_len = sizeof(key);
    sl_db *d = NULL;
    ck_assert_int_eq(sl_open_memory(&d, &o), SL_OK);
    return d;
}

static void put_tenant(sl_db *d)
{
    sl_test_put_tenant(d, T1, 0, NOW0, 0);
}

static void post(sl_db *d, sl_id account, int64_t amount, const char *k, sl_time now)
{
    ck_assert_ok_db(d, sl_ledger_post(d, NULL, T1, account, SL_ENTRY_PURCHASE, amount, k, NULL, now));
}

/* Tenant 1 with entries 1..6 alternating between accounts 1 and 2 (the
 * last one, seq 6 of 60 credits, on account 2): 90 posted on account 1,
 * 120 on account 2. */
static void six_entries(sl_db *d)
{
    put_tenant(d);
    sl_test_six_entries(d, T1, 1, NOW0, NULL);
}

/* Opens the new file name (keyed or not; path receives its path, 512
 * bytes) with six_entries posted. */
static sl_db *six_entries_file(char *path, const char *name, int keyed)
{
    snprintf(path, 512, "%s", sl_test_path(name));
    sl_db *d = open_file(path, keyed);
    six_entries(d);
    return d;
}

static void expect_ok(sl_db *d)
{
    sl_verify_report r;
    int rc = sl_ledger_verify(d, &r, T1);
    ck_assert_msg(rc == SL_OK, "verify: %s: %s", sl_strerror(rc), sl_errmsg(d));
}

/* verify is SL_ETAMPER, blames no entry (a row is bad) and its message
 * names what and says why. */
static void expect_row_tamper(sl_db *d, const char *what, const char *why)
{
    sl_test_expect_tamper(d, T1, -1, -1, what, why);
}

/* A keyed file with six entries, closed again; returns its path. */
static const char *keyed_file(const char *name, sl_id *hold_id)
{
    static char path[512];
    sl_db *d = six_entries_file(path, name, 1);
    if (hold_id) {
        sl_credit_hold h;
        ck_assert_ok_db(d, sl_hold(d, &h, T1, 1, 7, NEVER, "h1", NOW0 + 10));
        *hold_id = h.id;
    }
    expect_ok(d);
    sl_close(d);
    return path;
}

/* A keyed file with six entries whose account 1 then got a floor (its
 * row rewritten after the last entry), closed again; returns its path. */
static const char *floored_file(const char *name, int64_t floor)
{
    static char path[512];
    sl_db *d = six_entries_file(path, name, 1);
    ck_assert_ok_db(d, sl_account_set_floor(d, T1, 1, floor, NOW0 + 20));
    expect_ok(d);
    sl_close(d);
    return path;
}

/* The forger edits the closed keyed file at path; verify with the key
 * must then blame a row (what) and say why. */
static void expect_forgery(const char *path, const char *sql, const char *what, const char *why)
{
    sl_test_forge(path, sql);
    sl_db *d = open_file(path, 1);
    expect_row_tamper(d, what, why);
    sl_close(d);
}

START_TEST(test_truncation_with_lowered_posted)
{
    const char *path = keyed_file("trunc.db", NULL);
    /* The newest entry (seq 6, +60 on account 2) goes, and account 2's
     * posted is lowered to match: the chain and the sums still agree. */
    expect_forgery(path, "DELETE FROM entries WHERE tenant = 1 AND seq = 6;"
                         "UPDATE accounts SET posted = posted - 60 WHERE tenant = 1 AND student = 2;",
                         "account 2", "no longer has");
}
END_TEST

START_TEST(test_truncation_seen_by_a_later_row)
{
    /* Entries 5 and 6 go with both accounts' posted lowered; account 1's
     * row was rewritten after entry 6 (a floor change), so even its
     * correct-looking MAC names an entry that is gone. */
    const char *path = floored_file("trunc2.db", 0);
    expect_forgery(path, "DELETE FROM entries WHERE tenant = 1 AND seq >= 5;"
                         "UPDATE accounts SET posted = posted - 50 WHERE tenant = 1 AND student = 1;"
                         "UPDATE accounts SET posted = posted - 60 WHERE tenant = 1 AND student = 2;",
                         "account 1", "entry seq 6, which the ledger no longer has");
}
END_TEST

START_TEST(test_lowered_floor)
{
    const char *path = floored_file("floor.db", 50);
    expect_forgery(path, "UPDATE accounts SET floor = -1000 WHERE tenant = 1 AND student = 1",
                         "account 1", "row MAC does not match (edited outside the library)");
}
END_TEST

/* A forgery of the hold of a keyed file: verify names the hold. */
static void expect_hold_forgery(const char *name, const char *sql)
{
    sl_id hold;
    const char *path = keyed_file(name, &hold);
    char what[32];
    snprintf(what, sizeof(what), "hold %lld", (long long)hold);
    expect_forgery(path, sql, what, "row MAC does not match");
}

START_TEST(test_hold_released_and_held_lowered)
{
    expect_hold_forgery("released.db", "UPDATE holds SET status = 3, resolved_at = 1893888100 WHERE tenant = 1;"
                                       "UPDATE accounts SET held = held - 7 WHERE tenant = 1 AND student = 1;");
}
END_TEST

START_TEST(test_hold_amount_and_held_changed)
{
    expect_hold_forgery("amount.db", "UPDATE holds SET amount = 2 WHERE tenant = 1;"
                                     "UPDATE accounts SET held = 2 WHERE tenant = 1 AND student = 1;");
}
END_TEST

START_TEST(test_hold_deleted_and_held_lowered)
{
    const char *path = keyed_file("holddel.db", (sl_id[1]){0});
    expect_forgery(path, "DELETE FROM holds WHERE tenant = 1;"
                         "UPDATE accounts SET held = 0 WHERE tenant = 1 AND student = 1;",
                         "account 1", "row MAC does not match");
}
END_TEST

START_TEST(test_account_row_deleted_or_mac_removed)
{
    const char *path = keyed_file("acctdel.db", (sl_id[1]){0});
    /* Its entries remain: "entries but no stored account". */
    sl_test_forge(path, "DELETE FROM accounts WHERE tenant = 1 AND student = 2");
    sl_db *d = open_file(path, 1);
    sl_verify_report r;
    ck_assert_sl(sl_ledger_verify(d, &r, T1), SL_ETAMPER);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(d), "account 2"));
    sl_close(d);
    /* Removing a MAC (NULL, as rows written before MACs have) is no escape. */
    sl_test_forge(path, "UPDATE holds SET mac = NULL WHERE tenant = 1");
    expect_forgery(path, "UPDATE accounts SET mac = NULL, floor = -5 WHERE tenant = 1 AND student = 1",
                         "hold", "the row has no MAC");
}
END_TEST

START_TEST(test_macs_follow_every_write)
{
    /* Every path that rewrites an account or a hold re-seals it: lapsed
     * holds expired by a later post, capture, release, soft delete and
     * restore of the account. Then a forgery is still caught. */
    char path[512];
    sl_db *d = six_entries_file(path, "paths.db", 1);
    sl_credit_hold h1, h2, h3;
    ck_assert_ok_db(d, sl_hold(d, &h1, T1, 1, 5, NOW0 + 100, "a", NOW0 + 10));
    ck_assert_ok_db(d, sl_hold(d, &h2, T1, 1, 6, NEVER, "b", NOW0 + 11));
    ck_assert_ok_db(d, sl_hold(d, &h3, T1, 2, 7, NEVER, "c", NOW0 + 12));
    ck_assert_ok_db(d, sl_hold_capture(d, NULL, T1, h2.id, 4, "cap", NOW0 + 13));
    ck_assert_ok_db(d, sl_hold_release(d, NULL, T1, h3.id, NOW0 + 14));
    post(d, 1, 1, "late", NOW0 + 200); /* expires h1 */
    ck_assert_ok_db(d, sl_soft_delete(d, T1, SL_ENTITY_ACCOUNT, 2, NOW0 + 300));
    expect_ok(d);
    ck_assert_ok_db(d, sl_restore(d, T1, SL_ENTITY_ACCOUNT, 2, NOW0 + 301));
    expect_ok(d);
    sl_close(d);
    expect_forgery(path, "UPDATE accounts SET deleted_at = 1893888500 WHERE tenant = 1 AND student = 2",
                         "account 2", "row MAC does not match");
}
END_TEST

START_TEST(test_memory_store_forgeries)
{
    sl_db *d = open_keyed_memory();
    six_entries(d);
    sl_credit_hold h;
    ck_assert_ok_db(d, sl_hold(d, &h, T1, 1, 7, NEVER, "h", NOW0 + 10));
    expect_ok(d);

    /* Through the vtable, as a buggy or hostile backend user would. */
    sl_store *st = d->store;
    sl_credit_hold x;
    ck_assert_int_eq(st->begin(st, T1, 1), SL_OK);
    ck_assert_int_eq(st->hold_get(st, &x, T1, h.id), SL_OK);
    x.status = SL_HOLD_RELEASED;
    ck_assert_int_eq(st->hold_put(st, &x), SL_OK);
    sl_account a;
    ck_assert_int_eq(st->account_get(st, &a, T1, 1), SL_OK);
    a.held = 0;
    ck_assert_int_eq(st->account_put(st, &a), SL_OK);
    ck_assert_int_eq(st->commit(st), SL_OK);
    char name[32];
    snprintf(name, sizeof(name), "hold %lld", (long long)h.id);
    expect_row_tamper(d, name, "row MAC does not match");
    sl_close(d);
}
END_TEST

/* ---- the anchor ---------------------------------------------------------- */

/* Restore an old copy of a closed database: the copy replaces the file and
 * the WAL side files go. */
static void restore_copy(const char *copy, const char *path)
{
    char side[600];
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    sl_test_copy_file(copy, path);
}

static void expect_anchor_tamper(sl_db *d, const sl_ledger_anchor *h, const char *why)
{
    int rc = sl_ledger_verify_head(d, T1, h);
    ck_assert_msg(rc == SL_ETAMPER, "verify_head returned %s (%s)", sl_strerror(rc), sl_errmsg(d));
    ck_assert_msg(strstr(sl_errmsg(d), why) != NULL, "message does not say \"%s\": %s", why, sl_errmsg(d));
}

START_TEST(test_anchor_round_trip)
{
    sl_db *d = NULL;
    ck_assert_int_eq(sl_open_memory(&d, NULL), SL_OK);
    put_tenant(d);
    sl_ledger_anchor h = SL_LEDGER_ANCHOR_INIT, empty;
    ck_assert_ok_db(d, sl_ledger_head(d, &empty, T1));
    ck_assert_int_eq(empty.seq, 0);
    ck_assert_int_eq(empty.tenant, T1);
    ck_assert_int_eq(empty.version, SL_LEDGER_ANCHOR_VERSION);
    six_entries(d);
    ck_assert_ok_db(d, sl_ledger_head(d, &h, T1));
    ck_assert_int_eq(h.seq, 6);
    sl_entry last;
    size_t n;
    ck_assert_ok_db(d, sl_ledger_history(d, &last, 1, &n, T1, 0, 5));
    ck_assert_mem_eq(h.hash, last.hash, SL_HASH_BYTES);
    ck_assert_ok_db(d, sl_ledger_verify_head(d, T1, &h));
    post(d, 1, 5, "more", NOW0 + 50);
    ck_assert_ok_db(d, sl_ledger_verify_head(d, T1, &h));     /* still extends it */
    ck_assert_ok_db(d, sl_ledger_verify_head(d, T1, &empty)); /* everything extends nothing */
    /* Bad input changes nothing and says why. */
    ck_assert_sl(sl_ledger_head(d, NULL, T1), SL_EINVAL);
    ck_assert_sl(sl_ledger_head(NULL, &h, T1), SL_EINVAL);
    ck_assert_sl(sl_ledger_head(d, &h, 0), SL_EINVAL);
    ck_assert_sl(sl_ledger_verify_head(d, T1, NULL), SL_EINVAL);
    ck_assert_sl(sl_ledger_verify_head(d, 2, &h), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(d), "tenant"));
    sl_ledger_anchor bad = h;
    bad.version = 99;
    ck_assert_sl(sl_ledger_verify_head(d, T1, &bad), SL_EINVAL);
    bad = h;
    bad.seq = -1;
    ck_assert_sl(sl_ledger_verify_head(d, T1, &bad), SL_EINVAL);
    /* A forged anchor (another hash) does not verify. */
    bad = h;
    bad.hash[0] ^= 1;
    expect_anchor_tamper(d, &bad, "another hash");
    sl_close(d);
}
END_TEST

START_TEST(test_anchor_catches_truncation_without_key)
{
    char path[512];
    sl_db *d = six_entries_file(path, "anchor-trunc.db", 0);
    sl_ledger_anchor h;
    ck_assert_ok_db(d, sl_ledger_head(d, &h, T1));
    sl_close(d);
    /* Entries 5 and 6 go, both accounts' posted lowered to match: without
     * a key nothing in the file can tell. */
    sl_test_forge(path, "DELETE FROM entries WHERE tenant = 1 AND seq >= 5;"
                        "UPDATE accounts SET posted = posted - 50 WHERE tenant = 1 AND student = 1;"
                        "UPDATE accounts SET posted = posted - 60 WHERE tenant = 1 AND student = 2;");
    d = open_file(path, 0);
    expect_ok(d);
    expect_anchor_tamper(d, &h, "ends at seq 4, before the anchor's seq 6");
    sl_close(d);
}
END_TEST

START_TEST(test_anchor_catches_rollback_without_key)
{
    char path[512], copy[512];
    sl_db *d = six_entries_file(path, "anchor-rb.db", 0);
    snprintf(copy, sizeof(copy), "%s", sl_test_path("anchor-rb-old.db"));
    sl_close(d);
    sl_test_copy_file(path, copy);
    d = open_file(path, 0);
    post(d, 1, 3, "after1", NOW0 + 30);
    post(d, 2, 4, "after2", NOW0 + 31);
    sl_ledger_anchor h;
    ck_assert_ok_db(d, sl_ledger_head(d, &h, T1));
    ck_assert_int_eq(h.seq, 8);
    sl_close(d);

    /* Back to the older copy: consistent, so verify passes; the anchor
     * does not. */
    restore_copy(copy, path);
    d = open_file(path, 0);
    expect_ok(d);
    expect_anchor_tamper(d, &h, "ends at seq 6, before the anchor's seq 8");
    /* Writing again after the rollback gives another history of the same
     * length: caught by the hash. */
    post(d, 1, 9, "other1", NOW0 + 40);
    post(d, 1, 9, "other2", NOW0 + 41);
    expect_ok(d);
    expect_anchor_tamper(d, &h, "another hash");
    sl_close(d);
}
END_TEST


/* What migration 5 leaves on rows written before row MACs existed. */
#define UNSEALED "UPDATE holds SET mac = NULL, mac_seq = NULL WHERE tenant = 1;" \
                 "UPDATE accounts SET mac = NULL, mac_seq = NULL WHERE tenant = 1;"

/* The upgrade path: rows without MACs fail verify until sl_ledger_seal
 * seals them; it verifies everything else first. */
START_TEST(test_seal_after_upgrade)
{
    const char *path = keyed_file("seal.db", (sl_id[1]){0});
    sl_test_forge(path, UNSEALED);
    sl_db *d = open_file(path, 1);
    expect_row_tamper(d, "hold", "the row has no MAC");
    size_t sealed = 99;
    ck_assert_ok_db(d, sl_ledger_seal(d, &sealed, T1));
    ck_assert_uint_eq(sealed, 3); /* accounts 1 and 2, the hold */
    expect_ok(d);
    ck_assert_ok_db(d, sl_ledger_seal(d, &sealed, T1));
    ck_assert_uint_eq(sealed, 0);
    sl_close(d);
    /* Sealed rows are checked like any other from now on. */
    expect_forgery(path, "UPDATE accounts SET floor = -50 WHERE tenant = 1 AND student = 1",
                         "account 1", "row MAC does not match");
}
END_TEST

START_TEST(test_seal_refuses_what_verify_refuses)
{
    const char *path = keyed_file("sealbad.db", NULL);
    /* Unsealed rows plus a balance that no longer matches its entries. */
    sl_test_forge(path, UNSEALED "UPDATE accounts SET posted = posted + 5 WHERE tenant = 1 AND student = 2;");
    sl_db *d = open_file(path, 1);
    size_t sealed = 99;
    ck_assert_sl(sl_ledger_seal(d, &sealed, T1), SL_ETAMPER);
    ck_assert_uint_eq(sealed, 0);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(d), "account 2"));
    sl_close(d);
    /* Nothing was sealed: once the balance is put back, the rows still have no MAC. */
    expect_forgery(path, "UPDATE accounts SET posted = posted - 5 WHERE tenant = 1 AND student = 2;",
                         "account", "the row has no MAC");

    /* A row that has a MAC must still match it: seal does not re-seal it. */
    path = keyed_file("sealmac.db", NULL);
    sl_test_forge(path, "UPDATE accounts SET mac = NULL, mac_seq = NULL WHERE tenant = 1 AND student = 1;"
                        "UPDATE accounts SET floor = -50 WHERE tenant = 1 AND student = 2;");
    d = open_file(path, 1);
    ck_assert_sl(sl_ledger_seal(d, &sealed, T1), SL_ETAMPER);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(d), "account 2"));
    sl_close(d);

    /* Without a key there is nothing to seal with. */
    d = open_file(path, 0);
    sealed = 99;
    ck_assert_sl(sl_ledger_seal(d, &sealed, T1), SL_EINVAL);
    ck_assert_uint_eq(sealed, 0);
    ck_assert_sl(sl_ledger_seal(NULL, &sealed, T1), SL_EINVAL);
    sl_close(d);
}
END_TEST

START_TEST(test_every_row_field_is_covered)
{
    /* Each field of an account row and of a hold row, edited alone in the
     * file (no sum changes with it), is noticed: the row MAC covers every
     * field, not only the ones a balance check would catch. */
    static const char *const account_edits[] = {
        "UPDATE accounts SET created_at = created_at - 1 WHERE tenant = 1 AND student = 1",
        "UPDATE accounts SET updated_at = updated_at + 1 WHERE tenant = 1 AND student = 1",
        "UPDATE accounts SET deleted_at = 1893888500 WHERE tenant = 1 AND student = 1",
        "UPDATE accounts SET floor = -1 WHERE tenant = 1 AND student = 1",
    };
    static const char *const hold_edits[] = {
        "UPDATE holds SET id = id + 100 WHERE tenant = 1",
        "UPDATE holds SET expires_at = expires_at - 1 WHERE tenant = 1",
        "UPDATE holds SET created_at = created_at + 1 WHERE tenant = 1",
        "UPDATE holds SET resolved_at = 1 WHERE tenant = 1",
        "UPDATE holds SET entry_id = 1 WHERE tenant = 1",
        "UPDATE holds SET captured = 1 WHERE tenant = 1",
        "UPDATE holds SET idem_key = 'h2' WHERE tenant = 1",
        "UPDATE holds SET request_hash = zeroblob(16) WHERE tenant = 1",
    };
    char name[32];
    for (size_t i = 0; i < sizeof(account_edits) / sizeof(account_edits[0]); i++) {
        snprintf(name, sizeof(name), "field-a%zu.db", i);
        expect_forgery(keyed_file(name, NULL), account_edits[i], "account 1", "row MAC does not match");
    }
    for (size_t i = 0; i < sizeof(hold_edits) / sizeof(hold_edits[0]); i++) {
        snprintf(name, sizeof(name), "field-h%zu.db", i);
        expect_forgery(keyed_file(name, (sl_id[1]){0}), hold_edits[i], "hold", "row MAC does not match");
    }
}
END_TEST

START_TEST(test_rows_written_without_the_key)
{
    /* A database used without a key, then given one: its rows have no MAC
     * (documented: unauthenticated until sealed) rather than one made with
     * no key, and sealing with the key vouches for them. */
    char path[512];
    snprintf(path, sizeof(path), "%s", sl_test_path("nokey.db"));
    sl_db *d = open_file(path, 0);
    put_tenant(d);
    ck_assert_ok_db(d, sl_account_set_floor(d, T1, 1, -5, NOW0 + 1));
    sl_close(d);
    d = open_file(path, 1);
    expect_row_tamper(d, "account 1", "the row has no MAC");
    size_t sealed = 99;
    ck_assert_ok_db(d, sl_ledger_seal(d, &sealed, T1));
    ck_assert_uint_eq(sealed, 1);
    expect_ok(d);
    sl_close(d);
}
END_TEST

START_TEST(test_seal_and_verify_with_nothing_posted)
{
    /* A keyed tenant with no ledger rows at all: verify and seal succeed
     * and seal reports nothing sealed. Then an account whose row (and MAC)
     * was written before the first entry, at chain position 0: verify
     * accepts it, before and after entries follow. */
    sl_db *d = open_keyed_memory();
    put_tenant(d);
    expect_ok(d);
    size_t sealed = 99;
    ck_assert_ok_db(d, sl_ledger_seal(d, &sealed, T1));
    ck_assert_uint_eq(sealed, 0);
    ck_assert_ok_db(d, sl_account_set_floor(d, T1, 3, -5, NOW0 + 1));
    expect_ok(d);
    sealed = 99;
    ck_assert_ok_db(d, sl_ledger_seal(d, &sealed, T1));
    ck_assert_uint_eq(sealed, 0);
    post(d, 4, 10, "p1", NOW0 + 2);
    expect_ok(d);
    sl_close(d);
}
END_TEST

START_TEST(test_keyed_writes_under_store_faults)
{
    /* A store call failing at any point of a keyed post or hold (the
     * chain head read for the row MAC included) fails the call and leaves
     * nothing behind; a call that succeeds leaves rows that verify. */
    for (long n = 1;; n++) {
        sl_store *inner = NULL;
        ck_assert_int_eq(sl_store_memory_new(&inner), SL_OK);
        sl_store *fs = sl_test_faulty_new(inner);
        ck_assert_ptr_nonnull(fs);
        sl_test_faulty_with_macs(fs);
        sl_options o = SL_OPTIONS_INIT;
        o.ledger_key = key;
        o.ledger_key_len = sizeof(key);
        sl_db *d = NULL;
        ck_assert_int_eq(sl_open_store(&d, fs, &o), SL_OK);
        put_tenant(d);
        post(d, 1, 50, "first", NOW0 + 1);
        sl_test_faulty_arm(fs, n);
        int rc = sl_ledger_post(d, NULL, T1, 1, SL_ENTRY_PURCHASE, 7, "second", NULL, NOW0 + 2);
        int fired = sl_test_faulty_fired(fs);
        sl_test_faulty_arm(fs, 0);
        sl_balance b;
        ck_assert_ok_db(d, sl_ledger_balance(d, &b, T1, 1, NOW0 + 3));
        if (fired) {
            ck_assert_msg(rc != SL_OK, "post succeeded although store call %ld failed", n);
            ck_assert_int_eq(b.posted, 50);
        } else {
            ck_assert_ok_db(d, rc);
            ck_assert_int_eq(b.posted, 57);
        }
        expect_ok(d);
        sl_close(d);
        if (!fired)
            break;
    }
}
END_TEST

/* ---- the chain's hash format, and forgers who recompute it ------------------ */

/* The chain hash as ledger.h documents it, written out independently:
 * BLAKE2b-256, keyed with the ledger key when there is one, over
 * "slotledger-entry-v1", the previous hash (zeros before seq 1), tenant,
 * seq, account, kind, amount, balance_after, hold_id and created_at as
 * 8-byte little-endian integers, the idempotency key and the reference each
 * as an 8-byte length and its bytes, and the 16-byte request hash. */
static void chain_hash(uint8_t out[32], const uint8_t *k, size_t k_len, const uint8_t prev[32], sqlite3_stmt *row)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, k, k_len, 32);
    crypto_generichash_update(&st, (const uint8_t *)"slotledger-entry-v1", 19);
    crypto_generichash_update(&st, prev, 32);
    for (int c = 0; c < 8; c++) {
        uint64_t v = (uint64_t)sqlite3_column_int64(row, c);
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
            b[i] = (uint8_t)(v >> (8 * i));
        crypto_generichash_update(&st, b, 8);
    }
    for (int c = 8; c < 10; c++) {
        const uint8_t *text = sqlite3_column_blob(row, c);
        uint64_t n = (uint64_t)sqlite3_column_bytes(row, c);
        uint8_t b[8];
        for (int i = 0; i < 8; i++)
            b[i] = (uint8_t)(n >> (8 * i));
        crypto_generichash_update(&st, b, 8);
        crypto_generichash_update(&st, text ? text : (const uint8_t *)"", (size_t)n);
    }
    ck_assert_int_eq(sqlite3_column_bytes(row, 10), 16);
    crypto_generichash_update(&st, sqlite3_column_blob(row, 10), 16);
    crypto_generichash_final(&st, out, 32);
}

/* What a forger who knows the format does after an edit: rewrites the hash
 * of every entry of tenant 1 from seq `from` on (with key k, or none), each
 * over the previous stored hash. With check set, instead asserts that the
 * stored hashes equal the recomputed ones (the known-answer check). */
static void rechain(const char *path, const uint8_t *k, size_t k_len, int64_t from, int check)
{
    sqlite3 *q = NULL;
    sqlite3_stmt *sel = NULL, *upd = NULL;
    ck_assert_int_eq(sqlite3_open(path, &q), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(q,
        "SELECT tenant, seq, account, kind, amount, balance_after, hold_id, created_at, idem_key, reference,"
        " request_hash, hash FROM entries WHERE tenant = 1 ORDER BY seq", -1, &sel, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(q, "UPDATE entries SET hash = ? WHERE tenant = 1 AND seq = ?", -1, &upd, NULL),
                     SQLITE_OK);
    uint8_t prev[32] = {0}, h[32];
    int n = 0;
    while (sqlite3_step(sel) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(sel, 1);
        ck_assert_int_eq(sqlite3_column_bytes(sel, 11), 32);
        if (seq >= from) {
            chain_hash(h, k, k_len, prev, sel);
            if (check) {
                ck_assert_msg(memcmp(h, sqlite3_column_blob(sel, 11), 32) == 0, "seq %lld: hash differs",
                              (long long)seq);
            } else {
                sqlite3_bind_blob(upd, 1, h, 32, SQLITE_TRANSIENT);
                sqlite3_bind_int64(upd, 2, seq);
                ck_assert_int_eq(sqlite3_step(upd), SQLITE_DONE);
                sqlite3_reset(upd);
            }
            memcpy(prev, h, 32);
        } else {
            memcpy(prev, sqlite3_column_blob(sel, 11), 32);
        }
        n++;
    }
    ck_assert_int_eq(n, 6);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    ck_assert_int_eq(sqlite3_close(q), SQLITE_OK);
}

START_TEST(test_chain_hash_known_answer)
{
    /* The format, recomputed independently over every entry of a keyed and
     * of an unkeyed ledger, and the first entry's hash pinned as bytes: a
     * change of the format breaks every chain already written. */
    const char *path = keyed_file("kat-keyed.db", NULL);
    rechain(path, key, sizeof(key), 1, 1);
    char plain[512];
    sl_db *d = six_entries_file(plain, "kat-plain.db", 0);
    sl_entry e[1];
    size_t got = 0;
    ck_assert_ok_db(d, sl_ledger_history(d, e, 1, &got, T1, 0, 0));
    ck_assert_uint_eq(got, 1);
    sl_close(d);
    rechain(plain, NULL, 0, 1, 1);
    static const char want[] = KAT_HASH_1;
    char hex[65];
    sodium_bin2hex(hex, sizeof(hex), e[0].hash, 32);
    ck_assert_str_eq(hex, want);
}
END_TEST

/* Each field the chain covers, edited in entry 3 (tenant and seq are
 * covered too: a row moved or renumbered is the deleted-row case). */
static const char *const entry_edits[] = {
    "UPDATE entries SET account = 5 WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET kind = 4 WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET amount = amount + 1 WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET balance_after = balance_after + 1 WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET hold_id = 99 WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET created_at = created_at + 1 WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET idem_key = 'e3x' WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET reference = 'forged' WHERE tenant = 1 AND seq = 3",
    "UPDATE entries SET request_hash = zeroblob(16) WHERE tenant = 1 AND seq = 3",
};

START_TEST(test_recomputed_hashes_per_field)
{
    char name[32];
    for (size_t i = 0; i < sizeof(entry_edits) / sizeof(entry_edits[0]); i++) {
        /* Edited alone, every field breaks the entry's hash. */
        snprintf(name, sizeof(name), "edit-%zu.db", i);
        const char *path = keyed_file(name, NULL);
        sl_test_forge(path, entry_edits[i]);
        sl_db *d = open_file(path, 1);
        sl_verify_report r = sl_test_expect_tamper(d, T1, 3, -1, NULL, NULL);
        (void)r;
        sl_close(d);
        /* Recomputed from there on without the key (all an attacker can
         * do): with the key, verify still names entry 3. */
        snprintf(name, sizeof(name), "rehash-%zu.db", i);
        path = keyed_file(name, NULL);
        sl_test_forge(path, entry_edits[i]);
        rechain(path, NULL, 0, 3, 0);
        d = open_file(path, 1);
        sl_test_expect_tamper(d, T1, 3, -1, NULL, NULL);
        sl_close(d);
        /* Without a key the recomputed chain is consistent: only an anchor
         * kept from before (sl_ledger_head) catches the rewrite. */
        snprintf(name, sizeof(name), "plain-%zu.db", i);
        char plain[512];
        snprintf(plain, sizeof(plain), "%s", sl_test_path(name));
        d = open_file(plain, 0);
        six_entries(d);
        sl_ledger_anchor head;
        ck_assert_ok_db(d, sl_ledger_head(d, &head, T1));
        sl_close(d);
        sl_test_forge(plain, entry_edits[i]);
        rechain(plain, NULL, 0, 3, 0);
        d = open_file(plain, 0);
        ck_assert_sl(sl_ledger_verify_head(d, T1, &head), SL_ETAMPER);
        sl_close(d);
    }
}
END_TEST

static SL_TEST_TCASE(tcase_row_macs, "row MACs", NULL, NULL, 60, test_truncation_with_lowered_posted,
                     test_truncation_seen_by_a_later_row, test_lowered_floor,
                     test_hold_released_and_held_lowered, test_hold_amount_and_held_changed,
                     test_hold_deleted_and_held_lowered, test_account_row_deleted_or_mac_removed,
                     test_macs_follow_every_write, test_memory_store_forgeries, test_seal_after_upgrade,
                     test_seal_refuses_what_verify_refuses, test_every_row_field_is_covered,
                     test_rows_written_without_the_key, test_seal_and_verify_with_nothing_posted,
                     test_keyed_writes_under_store_faults, test_chain_hash_known_answer,
                     test_recomputed_hashes_per_field)

static SL_TEST_TCASE(tcase_anchor, "anchor", NULL, NULL, 60, test_anchor_round_trip,
                     test_anchor_catches_truncation_without_key, test_anchor_catches_rollback_without_key)

SL_TEST_SUITE(tamper, tcase_row_macs, tcase_anchor)
