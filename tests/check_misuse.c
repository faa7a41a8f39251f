/*
 * tests/check_misuse.c - every public scheduling function given a NULL
 * handle, NULL out-parameters or nonsense values: it must return an error
 * code with a message, never crash (DESIGN.md, "Conventions of the API":
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

START_TEST(test_null_outputs_and_nonsense)
{
    sl_db *db = NULL;
    ck_assert_int_eq(sl_open_memory(&db, NULL), SL_OK);
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 1;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, 1));
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

Suite *suite_misuse(void);
Suite *suite_misuse(void)
{
    Suite *s = suite_create("misuse");
    TCase *tc = tcase_create("misuse");
    tcase_add_test(tc, test_null_handle_everywhere);
    tcase_add_test(tc, test_null_outputs_and_nonsense);
    suite_add_tcase(s, tc);
    return s;
}
