/*
 * tests/check_misuse.c - every public scheduling function given a NULL
 * handle, NULL out-parameters or nonsense values: it must return an error
 * code with a message, never crash (docs/design.md, "Conventions of the API":
 * "Bad input never crashes"). Runs on a memory handle; the per-backend
 * behaviour of bad input (and that nothing is written) is in check_slots.c.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

/* A NULL handle: SL_EINVAL, and the thread's handle-less message says so. */
#define NULL_DB(call)                                                                              \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == SL_EINVAL, "%s with db NULL returned %s", #call, sl_strerror(rc_));    \
        ck_assert_msg(sl_errmsg(NULL)[0] != '\0', "%s: empty sl_errmsg(NULL)", #call);             \
    } while (0)

START_TEST(test_null_handle_everywhere)
{
    sl_interval buf[4], *alloc = NULL;
    size_t count = 0, idx = 0, purged = 0, nb = 0, ns = 0;
    uint32_t flags = 0;
    sl_rule rule, *rules = NULL;
    sl_override ov, *ovs = NULL;
    sl_session s, many[2], *list = NULL;
    sl_window win = {540, 600};
    sl_booking bk = {1, 0, 3600, 0};
    sl_time skipped[2];
    sl_id id = 0;

    NULL_DB(sl_rule_add(NULL, &id, 1, 1, 540, 600, SL_DATE_MIN, SL_DATE_MAX, 1));
    NULL_DB(sl_rule_update(NULL, 1, 1, 1, 540, 600, SL_DATE_MIN, SL_DATE_MAX, 1));
    NULL_DB(sl_rule_get(NULL, &rule, 1, 1, 0));
    NULL_DB(sl_rules_list(NULL, &rules, &count, 1, 0));
    NULL_DB(sl_override_set(NULL, &id, 1, 0, &win, 1, 1));
    NULL_DB(sl_override_get(NULL, &ov, 1, 0, 0));
    NULL_DB(sl_overrides_list(NULL, &ovs, &count, 1, 0, 10, 0));
    NULL_DB(sl_slots(NULL, buf, 4, &count, &flags, 1, 0, 3600, 3600, 0));
    NULL_DB(sl_slots_alloc(NULL, &alloc, &count, &flags, 1, 0, 3600, 3600, 0));
    NULL_DB(sl_book(NULL, &s, 1, 1, 0, 3600, 0, NULL, 0));
    NULL_DB(sl_book_many(NULL, many, &idx, 1, &bk, 1, NULL, 0));
    NULL_DB(sl_book_trial(NULL, &s, 1, 1, 0, 3600, NULL, 0));
    NULL_DB(sl_schedule_manual(NULL, &s, 1, 1, 0, 3600, 0, NULL, 0));
    NULL_DB(sl_reschedule(NULL, &s, 1, 1, 0, 0));
    NULL_DB(sl_book_recurring(NULL, many, &nb, skipped, 2, &ns, 1, 1, 0, 3600, 0, 2,
                              SL_RECUR_ALL_OR_NOTHING, NULL, 0));
    NULL_DB(sl_confirm(NULL, &s, 1, 1, 0));
    NULL_DB(sl_cancel(NULL, &s, 1, 1, 0));
    NULL_DB(sl_complete(NULL, &s, 1, 1, 0));
    NULL_DB(sl_mark_no_show(NULL, &s, 1, 1, 0));
    NULL_DB(sl_session_get(NULL, &s, 1, 1, 0));
    NULL_DB(sl_sessions_list(NULL, &list, &count, 1, 0, 3600, 0));
    NULL_DB(sl_sessions_by_student(NULL, &list, &count, 1, 1, 0));
    NULL_DB(sl_soft_delete(NULL, 1, SL_ENTITY_SESSION, 1, 1));
    NULL_DB(sl_restore(NULL, 1, SL_ENTITY_SESSION, 1, 1));
    NULL_DB(sl_purge(NULL, &purged, SL_ENTITY_SESSION, 1));
    /* Nothing was handed out. */
    ck_assert_ptr_null(alloc);
}
END_TEST

/* A valid handle, but NULL where an out-parameter or input array is
 * required: SL_EINVAL with a message on the handle. */
#define BAD(db, call, code)                                                                        \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == (code), "%s returned %s, expected %s", #call, sl_strerror(rc_),       \
                      sl_strerror(code));                                                          \
        ck_assert_msg(sl_errmsg(db)[0] != '\0', "%s: empty sl_errmsg", #call);                     \
    } while (0)

/* A fresh memory handle with tenant 1 (defaults) put at now. */
static sl_db *open_with_tenant(sl_time now)
{
    sl_db *db = NULL;
    ck_assert_int_eq(sl_open_memory(&db, NULL), SL_OK);
    sl_test_put_tenant(db, 1, 0, now, 0);
    return db;
}

START_TEST(test_null_outputs_and_nonsense)
{
    sl_db *db = open_with_tenant(1);
    size_t count = 0, nb = 0;
    sl_session many[2];
    sl_interval *alloc = NULL;
    sl_time skipped[1];
    sl_booking bk = {1, 0, 3600, 0};

    BAD(db, sl_rule_get(db, NULL, 1, 1, 0), SL_EINVAL);
    BAD(db, sl_rules_list(db, NULL, &count, 1, 0), SL_EINVAL);
    BAD(db, sl_override_get(db, NULL, 1, 0, 0), SL_EINVAL);
    BAD(db, sl_override_set(db, NULL, 1, 0, NULL, 1, 1), SL_EINVAL);
    BAD(db, sl_overrides_list(db, NULL, &count, 1, 0, 1, 0), SL_EINVAL);
    BAD(db, sl_slots(db, NULL, 4, &count, NULL, 1, 0, 3600, 3600, 0), SL_EINVAL);
    BAD(db, sl_slots(db, NULL, 0, NULL, NULL, 1, 0, 3600, 3600, 0), SL_EINVAL);
    BAD(db, sl_slots_alloc(db, NULL, &count, NULL, 1, 0, 3600, 3600, 0), SL_EINVAL);
    BAD(db, sl_slots_alloc(db, &alloc, NULL, NULL, 1, 0, 3600, 3600, 0), SL_EINVAL);
    BAD(db, sl_book_many(db, many, NULL, 1, NULL, 1, NULL, 0), SL_EINVAL);
    BAD(db, sl_book_many(db, many, NULL, 1, &bk, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_book_recurring(db, NULL, &nb, NULL, 0, NULL, 1, 1, 0, 3600, 0, 2, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_book_recurring(db, many, NULL, NULL, 0, NULL, 1, 1, 0, 3600, 0, 2, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_book_recurring(db, many, &nb, NULL, 1, NULL, 1, 1, 0, 3600, 0, 2, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_book_recurring(db, many, &nb, skipped, 1, NULL, 1, 1, 0, 3600, 0, 2, 7, NULL, 0), SL_EINVAL);
    BAD(db, sl_session_get(db, NULL, 1, 1, 0), SL_EINVAL);
    BAD(db, sl_sessions_list(db, NULL, &count, 1, 0, 1, 0), SL_EINVAL);
    BAD(db, sl_sessions_by_student(db, NULL, &count, 1, 1, 0), SL_EINVAL);
    /* Entities that do not exist, ids that cannot exist. */
    BAD(db, sl_soft_delete(db, 1, 0, 1, 1), SL_EINVAL);
    BAD(db, sl_soft_delete(db, 1, 99, 1, 1), SL_EINVAL);
    BAD(db, sl_restore(db, 1, -3, 1, 1), SL_EINVAL);
    BAD(db, sl_purge(db, NULL, 0, 1), SL_EINVAL);
    BAD(db, sl_purge(db, NULL, SL_ENTITY_ACCOUNT, 1), SL_EINVAL);
    BAD(db, sl_soft_delete(db, 0, SL_ENTITY_SESSION, 1, 1), SL_EINVAL);
    BAD(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, 0, 1), SL_EINVAL);
    BAD(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, 1, 0), SL_EINVAL);
    BAD(db, sl_confirm(db, NULL, -1, 1, 1), SL_EINVAL);
    BAD(db, sl_reschedule(db, NULL, 1, -5, 0, 1), SL_EINVAL);
    BAD(db, sl_rule_update(db, 1, 0, 1, 540, 600, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    BAD(db, sl_book(db, NULL, 1, 0, 0, 3600, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_book(db, NULL, 1, 1, 0, 3600, -1, NULL, 0), SL_EINVAL);
    BAD(db, sl_book(db, NULL, 1, 1, 0, INT64_MAX, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_book(db, NULL, 1, 1, INT64_MIN, 3600, 0, NULL, 0), SL_EINVAL);
    BAD(db, sl_slots(db, NULL, 0, &count, NULL, 1, INT64_MIN, INT64_MAX, 3600, 0), SL_EINVAL);
    BAD(db, sl_slots(db, NULL, 0, &count, NULL, 1, 0, 3600, 3600, INT64_MAX), SL_EINVAL);
    BAD(db, sl_slots(db, NULL, 0, &count, NULL, 0, 0, 3600, 3600, 0), SL_EINVAL);

    /* None of it wrote a session. */
    sl_session *list = NULL;
    ck_assert_ok_db(db, sl_sessions_by_student(db, &list, &count, 1, 1, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(count, 0);
    sl_free(list);
    sl_close(db);
}
END_TEST


/*
 * Every time argument of every call is range-checked by one rule (years
 * 0000..9999): INT64_MIN and INT64_MAX as `now`, a start, an expiry or a
 * cutoff are SL_EINVAL with a message naming the argument, and nothing is
 * written (before, such a `now` was stored and the bindings could not read
 * the row back).
 */
static void fingerprint_state(sl_db *db, char *out, size_t cap)
{
    sl_session *list = NULL;
    sl_rule *rules = NULL;
    sl_override *ovs = NULL;
    size_t ns = 0, nr = 0, no = 0, ne = 0;
    sl_balance b;
    sl_tenant t;
    sl_entry hist[8];
    ck_assert_ok_db(db, sl_sessions_by_student(db, &list, &ns, 1, 1, SL_INCLUDE_DELETED));
    ck_assert_ok_db(db, sl_rules_list(db, &rules, &nr, 1, SL_INCLUDE_DELETED));
    ck_assert_ok_db(db, sl_overrides_list(db, &ovs, &no, 1, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED));
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, 1, 1, 1000));
    ck_assert_ok_db(db, sl_ledger_history(db, hist, 8, &ne, 1, 0, 0));
    ck_assert_ok_db(db, sl_tenant_get(db, &t, 1));
    long long stamp = (long long)t.updated_at;
    for (size_t i = 0; i < ns; i++)
        stamp += list[i].updated_at * 3 + list[i].deleted_at * 5 + list[i].status;
    for (size_t i = 0; i < nr; i++)
        stamp += rules[i].updated_at * 7 + rules[i].deleted_at * 11;
    for (size_t i = 0; i < no; i++)
        stamp += ovs[i].updated_at * 13 + ovs[i].deleted_at * 17;
    snprintf(out, cap, "s%zu r%zu o%zu e%zu p%lld h%lld f%lld t%lld", ns, nr, no, ne, (long long)b.posted,
             (long long)b.held, (long long)b.floor, stamp);
    sl_free(list);
    sl_free(rules);
    sl_free(ovs);
}

START_TEST(test_time_arguments_range_checked)
{
    sl_db *db = open_with_tenant(1000);
    sl_id rule = 0, ov = 0;
    sl_window win = {540, 600};
    ck_assert_ok_db(db, sl_rule_add(db, &rule, 1, 1, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, 1000));
    ck_assert_ok_db(db, sl_override_set(db, &ov, 1, 100, &win, 1, 1000));
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 1, SL_ENTRY_PURCHASE, 50, "buy", NULL, 1000));
    sl_session s;
    ck_assert_ok_db(db, sl_schedule_manual(db, &s, 1, 1, 86400 * 10, 3600, 1, NULL, 1000));
    sl_credit_hold h;
    ck_assert_ok_db(db, sl_hold(db, &h, 1, 1, 2, 5000, "hold", 1000));

    char before[256], after[256];
    fingerprint_state(db, before, sizeof(before));

    const sl_time bad[] = {INT64_MIN, INT64_MAX, 253402300800LL, -62167219201LL};
    sl_booking bk = {1, 86400 * 12, 3600, 0};
    sl_post post = {1, SL_ENTRY_GRANT, 0, 1, "g", NULL};
    sl_session many[1];
    size_t n = 0, idx = 0, nb = 0, purged = 0;
    sl_time skipped[1];
    sl_balance bal;
    sl_entry e;
    int claimed = 0;
    sl_tenant t2;
    sl_tenant_init(&t2, SL_TENANT_VERSION);
    t2.id = 1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sl_time x = bad[i];
#define TBAD(call, arg)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        ck_assert_msg(rc_ == SL_EINVAL, "%s with %s = %lld returned %s", #call, arg, (long long)x,   \
                      sl_strerror(rc_));                                                           \
        ck_assert_msg(strstr(sl_errmsg(db), arg) != NULL, "%s: message \"%s\" does not name %s",     \
                      #call, sl_errmsg(db), arg);                                                  \
    } while (0)
        TBAD(sl_tenant_put(db, &t2, x), "now");
        TBAD(sl_rule_add(db, NULL, 1, 2, 540, 600, SL_DATE_MIN, SL_DATE_MAX, x), "now");
        TBAD(sl_rule_update(db, 1, rule, 2, 540, 600, SL_DATE_MIN, SL_DATE_MAX, x), "now");
        TBAD(sl_override_set(db, NULL, 1, 101, &win, 1, x), "now");
        TBAD(sl_account_set_floor(db, 1, 1, -5, x), "now");
        TBAD(sl_ledger_balance(db, &bal, 1, 1, x), "now");
        TBAD(sl_ledger_post(db, &e, 1, 1, SL_ENTRY_GRANT, 1, "p2", NULL, x), "now");
        TBAD(sl_ledger_post_many(db, &e, &idx, 1, &post, 1, x), "now");
        TBAD(sl_hold(db, &h, 1, 1, 1, 5000, "h2", x), "now");
        TBAD(sl_hold(db, &h, 1, 1, 1, x, "h3", 1000), "expires_at");
        TBAD(sl_hold_capture(db, &e, 1, h.id, 1, "c", x), "now");
        TBAD(sl_hold_release(db, &h, 1, h.id, x), "now");
        TBAD(sl_webhook_claim(db, &claimed, 1, "stripe", "evt_1", x), "now");
        TBAD(sl_book(db, NULL, 1, 1, 86400 * 12, 3600, 0, "b", x), "now");
        TBAD(sl_book(db, NULL, 1, 1, x, 3600, 0, "b", 1000), "start");
        TBAD(sl_book_trial(db, NULL, 1, 1, 86400 * 12, 3600, "t", x), "now");
        TBAD(sl_schedule_manual(db, NULL, 1, 1, 86400 * 12, 3600, 0, "m", x), "now");
        TBAD(sl_schedule_manual(db, NULL, 1, 1, x, 3600, 0, "m", 1000), "start");
        TBAD(sl_book_many(db, many, &idx, 1, &bk, 1, "bm", x), "now");
        TBAD(sl_book_recurring(db, many, &nb, skipped, 1, &n, 1, 1, 86400 * 12, 3600, 0, 1,
                               SL_RECUR_ALL_OR_NOTHING, "r", x), "now");
        TBAD(sl_reschedule(db, NULL, 1, s.id, 86400 * 12, x), "now");
        TBAD(sl_reschedule(db, NULL, 1, s.id, x, 1000), "start");
        TBAD(sl_confirm(db, NULL, 1, s.id, x), "now");
        TBAD(sl_cancel(db, NULL, 1, s.id, x), "now");
        TBAD(sl_complete(db, NULL, 1, s.id, x), "now");
        TBAD(sl_mark_no_show(db, NULL, 1, s.id, x), "now");
        TBAD(sl_soft_delete(db, 1, SL_ENTITY_SESSION, s.id, x), "now");
        TBAD(sl_soft_delete(db, 1, SL_ENTITY_RULE, rule, x), "now");
        TBAD(sl_restore(db, 1, SL_ENTITY_SESSION, s.id, x), "now");
        TBAD(sl_purge(db, &purged, SL_ENTITY_SESSION, x), "before");
#undef TBAD
        fingerprint_state(db, after, sizeof(after));
        ck_assert_str_eq(before, after);
    }
    sl_close(db);
}
END_TEST

/* A failed call hands out nothing: list outputs are NULL/0 and id outputs
 * 0, so a caller that frees after a failure frees NULL (common.h). */
START_TEST(test_outputs_cleared_on_failure)
{
    sl_db *db = NULL;
    ck_assert_int_eq(sl_open_memory(&db, NULL), SL_OK);
    static int junk;
    size_t count = 77;
    sl_rule *rules = (sl_rule *)&junk;
    sl_override *ovs = (sl_override *)&junk;
    sl_session *list = (sl_session *)&junk;
    sl_interval *slots = (sl_interval *)&junk;
    sl_id id = 77;

    /* Tenant -1 is invalid, tenant 5 does not exist (lists of a missing
     * tenant are empty, not an error: those checks run for -1 only). */
    for (sl_id tenant = -1; tenant <= 5; tenant += 6) {
        if (tenant < 0) {
            ck_assert_int_ne(sl_rules_list(db, &rules, &count, tenant, 0), SL_OK);
            ck_assert_ptr_null(rules);
            ck_assert_uint_eq(count, 0);
            count = 77;
            ck_assert_int_ne(sl_overrides_list(db, &ovs, &count, tenant, 0, 10, 0), SL_OK);
            ck_assert_ptr_null(ovs);
            ck_assert_uint_eq(count, 0);
            count = 77;
            ck_assert_int_ne(sl_sessions_list(db, &list, &count, tenant, 0, 3600, 0), SL_OK);
            ck_assert_ptr_null(list);
            ck_assert_uint_eq(count, 0);
            count = 77;
            list = (sl_session *)&junk;
            ck_assert_int_ne(sl_sessions_by_student(db, &list, &count, tenant, 1, 0), SL_OK);
            ck_assert_ptr_null(list);
            ck_assert_uint_eq(count, 0);
            count = 77;
            ck_assert_int_ne(sl_slots_alloc(db, &slots, &count, NULL, tenant, 0, 3600, 3600, 0), SL_OK);
            ck_assert_ptr_null(slots);
            ck_assert_uint_eq(count, 0);
            count = 77;
        }
        ck_assert_int_ne(sl_rule_add(db, &id, tenant, 1, 540, 600, SL_DATE_MIN, SL_DATE_MAX, 1), SL_OK);
        ck_assert_int_eq(id, 0);
        id = 77;
        sl_window w = {540, 600};
        ck_assert_int_ne(sl_override_set(db, &id, tenant, 0, &w, 1, 1), SL_OK);
        ck_assert_int_eq(id, 0);
        id = 77;
        rules = (sl_rule *)&junk;
        ovs = (sl_override *)&junk;
        slots = (sl_interval *)&junk;
    }
    /* Bad arguments after the outputs: the outputs are still cleared. */
    ck_assert_int_eq(sl_rules_list(NULL, &rules, &count, 1, 0), SL_EINVAL);
    ck_assert_ptr_null(rules);
    ck_assert_uint_eq(count, 0);
    count = 77;
    ck_assert_int_eq(sl_slots_alloc(db, &slots, &count, NULL, 1, 0, 3600, -5, 0), SL_EINVAL);
    ck_assert_ptr_null(slots);
    ck_assert_uint_eq(count, 0);
    sl_close(db);
}
END_TEST

/* Ids of 0 (not only negative ones) and a NULL balance are refused up
 * front with SL_EINVAL, on a tenant and an account that exist. */
START_TEST(test_zero_ids_and_null_balance)
{
    sl_db *db = open_with_tenant(1);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 1, SL_ENTRY_PURCHASE, 10, "p", NULL, 1000));
    sl_credit_hold h;
    ck_assert_ok_db(db, sl_hold(db, &h, 1, 1, 5, 2000, "h", 1001));
    sl_balance b;

    BAD(db, sl_ledger_balance(db, NULL, 1, 1, 1002), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "out is NULL"));
    BAD(db, sl_ledger_balance(db, &b, 0, 1, 1002), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "tenant id must be positive"));
    BAD(db, sl_ledger_balance(db, &b, 1, 0, 1002), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "account id must be positive"));
    BAD(db, sl_hold_capture(db, NULL, 0, h.id, 1, "c", 1002), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "tenant id must be positive"));
    BAD(db, sl_reschedule(db, NULL, 1, 0, 3600, 1002), SL_EINVAL);
    ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "ids must be positive"));

    /* A post after the failures succeeds and leaves no stale message. */
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 1, SL_ENTRY_PURCHASE, 1, "p2", NULL, 1002));
    ck_assert_str_eq(sl_errmsg(db), "");
    ck_assert_int_eq(sl_errcode(db), SL_OK);
    /* A history call refused for its handle still clears its count. */
    sl_entry hist[4];
    size_t count = 77;
    ck_assert_int_eq(sl_ledger_history(NULL, hist, 4, &count, 1, 0, 0), SL_EINVAL);
    ck_assert_uint_eq(count, 0);

    /* The hold is untouched and the balance is the two posts. */
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, 1, 1, 1002));
    ck_assert_int_eq(b.posted, 11);
    ck_assert_int_eq(b.held, 5);
    sl_close(db);
}
END_TEST

/* A read's flags are SL_INCLUDE_DELETED or none: any other bit (a flag of a
 * later version, a typo) is refused, never silently ignored. */
START_TEST(test_unknown_read_flags_refused)
{
    sl_db *db = open_with_tenant(1);
    sl_id rule = 0;
    ck_assert_ok_db(db, sl_rule_add(db, &rule, 1, 1, 540, 600, SL_DATE_MIN, SL_DATE_MAX, 1000));
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, 1, 1, SL_ENTRY_PURCHASE, 10, "p", NULL, 1000));
    sl_rule *rules = NULL;
    sl_override *ovs = NULL;
    sl_session s, *list = NULL;
    sl_account a;
    sl_class c;
    size_t n = 7;
    for (uint32_t bad = 0x2u; bad; bad = bad == 0x2u ? 0x80000001u : 0) {
        BAD(db, sl_rules_list(db, &rules, &n, 1, bad), SL_EINVAL);
        BAD(db, sl_overrides_list(db, &ovs, &n, 1, 0, 10, bad), SL_EINVAL);
        BAD(db, sl_session_get(db, &s, 1, 1, bad), SL_EINVAL);
        BAD(db, sl_sessions_list(db, &list, &n, 1, 0, 86400, bad), SL_EINVAL);
        BAD(db, sl_sessions_by_student(db, &list, &n, 1, 1, bad), SL_EINVAL);
        BAD(db, sl_account_get(db, &a, 1, 1, bad), SL_EINVAL);
        BAD(db, sl_class_get(db, &c, 1, 1, bad), SL_EINVAL);
        ck_assert_ptr_nonnull(strstr(sl_errmsg(db), "unknown flags"));
    }
    ck_assert_ptr_null(rules);
    ck_assert_ptr_null(list);
    /* The known flag still reads. */
    ck_assert_ok_db(db, sl_rules_list(db, &rules, &n, 1, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(rules);
    ck_assert_ok_db(db, sl_account_get(db, &a, 1, 1, SL_INCLUDE_DELETED));
    sl_close(db);
}
END_TEST

static SL_TEST_TCASE(tcase_misuse, "misuse", NULL, NULL, 0, test_null_handle_everywhere,
                     test_null_outputs_and_nonsense, test_time_arguments_range_checked,
                     test_outputs_cleared_on_failure, test_zero_ids_and_null_balance,
                     test_unknown_read_flags_refused)

SL_TEST_SUITE(misuse, tcase_misuse)
