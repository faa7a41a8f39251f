/*
 * tests/store/validate.c - records are validated once, by the core, before
 * any store method runs (lib/core/validate.c): every malformed record is
 * SL_EINVAL from the store wrapper, with a message naming the rule, without
 * one call reaching the backend (counted by tests/faulty_store.c wrapped
 * around it) and without anything written. Keys that are never stored ("",
 * longer than SL_KEY_MAX) are SL_ENOTFOUND without asking the backend.
 */
#include "faulty_store.h"
#include "store_test.h"

/* The fixture's store, wrapped so that its calls are counted. */
static void setup_counted(void)
{
    ck_assert_ptr_nonnull(st = sl_test_faulty_new(backend_new("validate.db")));
    ck_assert_int_eq(sl_open_store(&db, st, NULL), SL_OK);
}

/* expr (a store wrapper call) fails with code before reaching the backend,
 * and sl_errmsg names the rule (contains `says`). */
#define REFUSED(code, says, expr)                                                                  \
    do {                                                                                           \
        sl_test_faulty_arm(st, 0);                                                                 \
        ck_assert_sl(expr, code);                                                                  \
        ck_assert_msg(sl_test_faulty_calls(st) == 0, "%s reached the backend (%ld calls)", #expr,  \
                      sl_test_faulty_calls(st));                                                   \
        if ((code) == SL_EINVAL)                                                                   \
            ck_assert_msg(strstr(sl_errmsg(db), says) != NULL, "%s: message \"%s\" lacks \"%s\"",  \
                          #expr, sl_errmsg(db), says);                                             \
    } while (0)

START_TEST(test_schedule_records_refused_before_the_backend)
{
    static snapshot before, after; /* large: off the stack (valgrind) */
    take_snapshot(st, &before);
    wbegin();
    sl_rule r = rule(1, 8, 0, 60);
    REFUSED(SL_EINVAL, "weekday must be 1..7", sl__st_rule_put(db, &r));
    r = rule(0, 1, 0, 60);
    REFUSED(SL_EINVAL, "tenant > 0", sl__st_rule_put(db, &r));
    r = rule(1, 1, 0, 60);
    r.id = -1;
    REFUSED(SL_EINVAL, "id >= 0", sl__st_rule_put(db, &r));

    sl_override o = override(1, 1, 0);
    o.n_windows = SL_MAX_WINDOWS_PER_DAY + 1;
    REFUSED(SL_EINVAL, "0..48 windows", sl__st_override_put(db, &o));
    o.n_windows = -1;
    REFUSED(SL_EINVAL, "0..48 windows", sl__st_override_put(db, &o));

    sl_session x = session(1, 1, 1000, 60, NULL);
    x.end = x.start; /* empty */
    REFUSED(SL_EINVAL, "at most 86400 s", sl__st_session_put(db, &x));
    x.end = x.start + DAY + 1; /* longer than a day: scans rely on the bound */
    REFUSED(SL_EINVAL, "at most 86400 s", sl__st_session_put(db, &x));
    x = session(1, 1, 1000, 60, NULL);
    memset(x.key, 'z', sizeof(x.key)); /* unterminated */
    REFUSED(SL_EINVAL, "key is not NUL-terminated", sl__st_session_put(db, &x));
    x = session(1, 1, 1000, 60, NULL);
    x.status = 9;
    REFUSED(SL_EINVAL, "unknown status", sl__st_session_put(db, &x));
    x = session(1, 1, 1000, 60, NULL);
    x.kind = 0;
    REFUSED(SL_EINVAL, "or kind", sl__st_session_put(db, &x));
    x = session(0, 1, 1000, 60, NULL);
    REFUSED(SL_EINVAL, "tenant > 0", sl__st_session_put(db, &x));

    size_t n = 7;
    REFUSED(SL_EINVAL, "not a soft-deletable entity", sl__st_soft_delete(db, 99, 1, 1, 5));
    REFUSED(SL_EINVAL, "not a soft-deletable entity", sl__st_purge(db, 99, 250, &n));
    REFUSED(SL_EINVAL, "never purged", sl__st_purge(db, SL_ENTITY_ACCOUNT, 250, &n));
    REFUSED(SL_EINVAL, "count", sl__st_purge(db, SL_ENTITY_SESSION, 250, NULL));
    ck_assert_uint_eq(n, 7);

    sl_session out;
    char longkey[SL_KEY_MAX + 2];
    memset(longkey, 'k', SL_KEY_MAX + 1);
    longkey[SL_KEY_MAX + 1] = '\0';
    REFUSED(SL_EINVAL, "needs a key", sl__st_session_by_key(db, &out, 1, NULL));
    REFUSED(SL_ENOTFOUND, "", sl__st_session_by_key(db, &out, 1, ""));
    REFUSED(SL_ENOTFOUND, "", sl__st_session_by_key(db, &out, 1, longkey));
    commit();
    take_snapshot(st, &after);
    assert_same_snapshot(&before, &after, "refused schedule records");
}
END_TEST

START_TEST(test_ledger_records_refused_before_the_backend)
{
    static lsnapshot before, after;
    take_lsnapshot(st, &before, 4);
    wbegin();
    sl_account a = account(0, 7, 0);
    REFUSED(SL_EINVAL, "student > 0", sl__st_account_put(db, &a));
    a = account(1, 0, 0);
    REFUSED(SL_EINVAL, "student > 0", sl__st_account_put(db, &a));

    sl_entry e = entry(1, 7, 3, "b");
    e.id = 99;
    REFUSED(SL_EINVAL, "must be 0", sl__st_entry_append(db, &e));
    e = entry(1, 7, 3, "");
    REFUSED(SL_EINVAL, "key must be 1..128 bytes", sl__st_entry_append(db, &e));
    e = entry(1, 7, 0, "b");
    REFUSED(SL_EINVAL, "seq > 0", sl__st_entry_append(db, &e));
    e = entry(0, 7, 3, "b");
    REFUSED(SL_EINVAL, "seq > 0", sl__st_entry_append(db, &e));
    e = entry(1, 7, 3, "b");
    e.kind = 7;
    REFUSED(SL_EINVAL, "unknown kind", sl__st_entry_append(db, &e));
    e = entry(1, 7, 3, "b");
    memset(e.key, 'z', sizeof(e.key));
    REFUSED(SL_EINVAL, "key must be 1..128 bytes", sl__st_entry_append(db, &e));
    e = entry(1, 7, 3, "b");
    memset(e.reference, 'z', sizeof(e.reference));
    REFUSED(SL_EINVAL, "reference is not NUL-terminated", sl__st_entry_append(db, &e));

    sl_credit_hold h = hold(1, 7, 9, 5, NULL);
    REFUSED(SL_EINVAL, "unknown status", sl__st_hold_put(db, &h));
    h = hold(1, 0, SL_HOLD_ACTIVE, 5, NULL);
    REFUSED(SL_EINVAL, "account > 0", sl__st_hold_put(db, &h));
    h = hold(1, 7, SL_HOLD_ACTIVE, 5, NULL);
    memset(h.key, 'z', sizeof(h.key));
    REFUSED(SL_EINVAL, "key is not NUL-terminated", sl__st_hold_put(db, &h));

    char longid[SL_KEY_MAX + 2];
    memset(longid, 'e', SL_KEY_MAX + 1);
    longid[SL_KEY_MAX + 1] = '\0';
    REFUSED(SL_EINVAL, "1..128 bytes", sl__st_webhook_claim(db, 1, "", "evt_3", 10));
    REFUSED(SL_EINVAL, "1..128 bytes", sl__st_webhook_claim(db, 1, "stripe", "", 10));
    REFUSED(SL_EINVAL, "a source and an event id", sl__st_webhook_claim(db, 1, NULL, "evt_3", 10));
    REFUSED(SL_EINVAL, "a source and an event id", sl__st_webhook_claim(db, 1, "stripe", NULL, 10));
    REFUSED(SL_EINVAL, "tenant > 0", sl__st_webhook_claim(db, 0, "stripe", "evt_3", 10));
    REFUSED(SL_EINVAL, "1..128 bytes", sl__st_webhook_claim(db, 1, "stripe", longid, 10));

    sl_entry eo;
    sl_credit_hold ho;
    REFUSED(SL_EINVAL, "needs a key", sl__st_entry_by_key(db, &eo, 1, NULL));
    REFUSED(SL_EINVAL, "needs a key", sl__st_hold_by_key(db, &ho, 1, NULL));
    REFUSED(SL_ENOTFOUND, "", sl__st_entry_by_key(db, &eo, 1, ""));
    REFUSED(SL_ENOTFOUND, "", sl__st_hold_by_key(db, &ho, 1, longid));
    commit();
    take_lsnapshot(st, &after, 4);
    assert_same_lsnapshot(&before, &after, "refused ledger records");

    /* The longest event id is fine, and a refused claim left it unclaimed. */
    wbegin();
    longid[SL_KEY_MAX] = '\0';
    ck_assert_sl(sl__st_webhook_claim(db, 1, "stripe", longid, 10), SL_OK);
    ck_assert_sl(sl__st_webhook_claim(db, 1, "stripe", "evt_3", 10), SL_OK);
    commit();
}
END_TEST

SL_TEST_TCASE(tcase_store_validate, "validate", setup_counted, teardown, 120,
              test_schedule_records_refused_before_the_backend, test_ledger_records_refused_before_the_backend)
