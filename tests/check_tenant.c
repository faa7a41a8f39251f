/*
 * tests/check_tenant.c - tenant settings through the public API, run against
 * every backend.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

static sl_tenant make(sl_id id, const char *tz)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = id;
    snprintf(t.tz, sizeof(t.tz), "%s", tz);
    t.buffer_before = 300;
    t.buffer_after = 600;
    t.min_notice = 3600;
    t.step = 1800;
    t.max_advance_days = 60;
    t.late_cancel = 86400;
    return t;
}

/* Tenant t->id reads back with every setting of t, made at created_at
 * and last put at updated_at. */
static void expect_tenant(sl_db *db, const sl_tenant *t, sl_time created_at, sl_time updated_at)
{
    sl_tenant got;
    ck_assert_ok_db(db, sl_tenant_get(db, &got, t->id));
    ck_assert_str_eq(got.tz, t->tz);
    ck_assert_int_eq(got.buffer_before, t->buffer_before);
    ck_assert_int_eq(got.buffer_after, t->buffer_after);
    ck_assert_int_eq(got.min_notice, t->min_notice);
    ck_assert_int_eq(got.step, t->step);
    ck_assert_int_eq(got.max_advance_days, t->max_advance_days);
    ck_assert_int_eq(got.late_cancel, t->late_cancel);
    ck_assert_int_eq(got.created_at, created_at);
    ck_assert_int_eq(got.updated_at, updated_at);
}

START_TEST(test_put_get_round_trip)
{
    sl_db *db = sl_test_open();
    sl_tenant t = make(7, "Europe/Berlin");
    ck_assert_ok_db(db, sl_tenant_put(db, &t, 1000));
    expect_tenant(db, &t, 1000, 1000);

    /* Update keeps created_at. */
    t.step = 0;
    snprintf(t.tz, sizeof(t.tz), "America/New_York");
    ck_assert_ok_db(db, sl_tenant_put(db, &t, 2000));
    expect_tenant(db, &t, 1000, 2000);
    sl_close(db);
}
END_TEST

START_TEST(test_tenants_are_isolated)
{
    sl_db *db = sl_test_open();
    sl_tenant a = make(1, "UTC"), b = make(2, "Asia/Kolkata"), got;
    ck_assert_ok_db(db, sl_tenant_put(db, &a, 1));
    ck_assert_ok_db(db, sl_tenant_put(db, &b, 1));
    ck_assert_ok_db(db, sl_tenant_get(db, &got, 1));
    ck_assert_str_eq(got.tz, "UTC");
    ck_assert_ok_db(db, sl_tenant_get(db, &got, 2));
    ck_assert_str_eq(got.tz, "Asia/Kolkata");
    ck_assert_sl(sl_tenant_get(db, &got, 3), SL_ENOTFOUND);
    ck_assert_msg(strstr(sl_errmsg(db), "tenant 3 not found") != NULL, "%s", sl_errmsg(db));
    sl_close(db);
}
END_TEST

/* Every invalid setting is refused with a message and writes nothing. */
START_TEST(test_validation_writes_nothing)
{
    sl_db *db = sl_test_open();
    sl_tenant good = make(5, "UTC"), got;
    ck_assert_ok_db(db, sl_tenant_put(db, &good, 10));

    struct { const char *what; int code; sl_tenant t; } bad[16];
    size_t n = 0;
#define BAD(field, value, expect)                                   \
    do {                                                            \
        bad[n].what = #field " = " #value;                          \
        bad[n].code = expect;                                       \
        bad[n].t = good;                                            \
        bad[n].t.field = value;                                     \
        n++;                                                        \
    } while (0)
    BAD(buffer_before, -1, SL_EINVAL);
    BAD(buffer_after, -60, SL_EINVAL);
    BAD(buffer_after, SL_MAX_BUFFER_SECONDS + 1, SL_EINVAL);
    BAD(min_notice, -1, SL_EINVAL);
    BAD(step, -1800, SL_EINVAL);
    BAD(step, 30, SL_EINVAL);
    BAD(max_advance_days, -1, SL_EINVAL);
    BAD(late_cancel, -1, SL_EINVAL);
    BAD(id, 0, SL_EINVAL);
    BAD(id, -5, SL_EINVAL);
    BAD(version, 0, SL_EINVAL);
#undef BAD
    for (size_t i = 0; i < n; i++) {
        int rc = sl_tenant_put(db, &bad[i].t, 99);
        ck_assert_msg(rc == bad[i].code, "%s: got %s", bad[i].what, sl_strerror(rc));
        ck_assert_msg(sl_errmsg(db)[0] != '\0', "%s: no message", bad[i].what);
    }
    const char *zones[] = {"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "", "Europe/../Europe/London"};
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        sl_tenant t = good;
        snprintf(t.tz, sizeof(t.tz), "%s", zones[i]);
        int rc = sl_tenant_put(db, &t, 99);
        ck_assert_msg(rc == SL_ETZ, "zone \"%s\": got %s", zones[i], sl_strerror(rc));
    }
    sl_tenant t = good;
    memset(t.tz, 'A', sizeof(t.tz)); /* not NUL-terminated */
    ck_assert_sl(sl_tenant_put(db, &t, 99), SL_EINVAL);

    ck_assert_sl(sl_tenant_put(NULL, &good, 1), SL_EINVAL);
    ck_assert_sl(sl_tenant_put(db, NULL, 1), SL_EINVAL);
    ck_assert_sl(sl_tenant_get(NULL, &got, 5), SL_EINVAL);
    ck_assert_sl(sl_tenant_get(db, NULL, 5), SL_EINVAL);
    ck_assert_sl(sl_tenant_get(db, &got, 0), SL_EINVAL);
    ck_assert_sl(sl_tenant_init(NULL, SL_TENANT_VERSION), SL_EINVAL);
    ck_assert_sl(sl_tenant_init(&t, 0), SL_EINVAL);

    /* Nothing changed. */
    expect_tenant(db, &good, 10, 10);
    ck_assert_sl(sl_tenant_get(db, &got, 99), SL_ENOTFOUND);
    sl_close(db);
}
END_TEST

Suite *suite_tenant(void);
Suite *suite_tenant(void)
{
    Suite *s = suite_create("tenant");
    TCase *tc = tcase_create(sl_test_backend);
    tcase_add_test(tc, test_put_get_round_trip);
    tcase_add_test(tc, test_tenants_are_isolated);
    tcase_add_test(tc, test_validation_writes_nothing);
    suite_add_tcase(s, tc);
    return s;
}
