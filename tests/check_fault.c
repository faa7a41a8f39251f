/*
 * tests/check_fault.c - atomicity under injected backend failures: for
 * every n, failing the n-th backend call of an operation either leaves the
 * store unchanged or (if the failure hit after the commit point) the
 * operation happened completely. Later modules add their operations here.
 */
#include <string.h>

#include "support.h"
#include "faulty_store.h"

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

Suite *suite_fault(void);
Suite *suite_fault(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("atomicity");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_tenant_put_is_atomic);
    suite_add_tcase(s, tc);
    return s;
}
