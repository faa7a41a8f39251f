/* tests/slots/helpers.c - helpers of the slots suite: see slots_test.h. */
#include "slots_test.h"

sl_time T(const char *iso)
{
    sl_time t = 0;
    ck_assert_msg(sl_time_parse(&t, iso) == SL_OK, "bad instant %s in the test", iso);
    return t;
}

sl_date D(const char *iso)
{
    sl_date d = 0;
    ck_assert_msg(sl_date_parse(&d, iso) == SL_OK, "bad date %s in the test", iso);
    return d;
}

const char *fmt(sl_time t)
{
    static char ring[8][SL_TIME_TEXT_SIZE];
    static unsigned k;
    char *b = ring[k++ % 8];
    if (sl_time_format(b, SL_TIME_TEXT_SIZE, t) != SL_OK)
        snprintf(b, SL_TIME_TEXT_SIZE, "%" PRId64, t);
    return b;
}

void put_tenant(sl_db *db, sl_id id, settings s)
{
    sl_tenant t;
    ck_assert_int_eq(sl_tenant_init(&t, SL_TENANT_VERSION), SL_OK);
    t.id = id;
    snprintf(t.tz, sizeof(t.tz), "%s", s.tz ? s.tz : "UTC");
    t.step = s.step;
    t.buffer_before = s.buffer_before;
    t.buffer_after = s.buffer_after;
    t.min_notice = s.min_notice;
    t.max_advance_days = s.max_advance_days;
    t.late_cancel = s.late_cancel;
    ck_assert_ok_db(db, sl_tenant_put(db, &t, 1));
}

sl_db *open_tenant(settings s)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, s);
    return db;
}

sl_id add_rule(sl_db *db, sl_id tenant, int32_t wd, int32_t start, int32_t end)
{
    sl_id id = 0;
    ck_assert_ok_db(db, sl_rule_add(db, &id, tenant, wd, start, end, SL_DATE_MIN, SL_DATE_MAX, 1));
    ck_assert_int_gt(id, 0);
    return id;
}

void add_rule_every_day(sl_db *db, sl_id tenant, int32_t start, int32_t end)
{
    for (int wd = 1; wd <= 7; wd++)
        add_rule(db, tenant, wd, start, end);
}

/* Slots of a query, checked for the shape every caller relies on: sorted,
 * distinct, each end = start + duration. *flags receives the out-flags. */
sl_interval *query(sl_db *db, size_t *n, uint32_t *flags, sl_id tenant, sl_time from, sl_time to,
                   int64_t duration, sl_time now)
{
    sl_interval *v = NULL;
    uint32_t f = 0xdead;
    ck_assert_ok_db(db, sl_slots_alloc(db, &v, n, &f, tenant, from, to, duration, now));
    for (size_t i = 0; i < *n; i++) {
        ck_assert_int_eq(v[i].end - v[i].start, duration);
        if (i > 0)
            ck_assert_msg(v[i].start > v[i - 1].start, "slots not sorted/distinct at %zu: %s after %s", i,
                          fmt(v[i].start), fmt(v[i - 1].start));
    }
    ck_assert_msg(*n == 0 || v != NULL, "non-empty result without an array");
    if (flags)
        *flags = f;
    return v;
}

/* The slots of [from, to) equal the NULL-terminated list of ISO instants. */
void expect_slots(sl_db *db, sl_id tenant, const char *from, const char *to, int64_t duration,
                  sl_time now, const char *const *expect)
{
    size_t n = 0, ne = 0;
    sl_interval *v = query(db, &n, NULL, tenant, T(from), T(to), duration, now);
    while (expect[ne])
        ne++;
    char got[4096] = "", *p = got;
    for (size_t i = 0; i < n && p < got + sizeof(got) - 32; i++)
        p += snprintf(p, (size_t)(got + sizeof(got) - p), " %s", fmt(v[i].start));
    ck_assert_msg(n == ne, "[%s, %s): %zu slots, expected %zu; got:%s", from, to, n, ne, got);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(v[i].start == T(expect[i]), "[%s, %s): slot %zu is %s, expected %s; got:%s", from, to, i,
                      fmt(v[i].start), expect[i], got);
    sl_free(v);
}

/* Every session of tenant within 180 days of `around`, deleted or not:
 * the "nothing was written" probe. */
size_t n_sessions(sl_db *db, sl_id tenant, sl_time around)
{
    sl_session *l = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, tenant, around - 180 * (sl_time)DAY,
                                         around + 180 * (sl_time)DAY, SL_INCLUDE_DELETED));
    sl_free(l);
    return n;
}

size_t n_rules(sl_db *db, sl_id tenant)
{
    sl_rule *l = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, tenant, SL_INCLUDE_DELETED));
    sl_free(l);
    return n;
}

size_t n_overrides(sl_db *db, sl_id tenant)
{
    sl_override *l = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, tenant, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED));
    sl_free(l);
    return n;
}

/* Buys credits for a student (bookings with credits place a hold, which
 * needs an available balance). */
void fund(sl_db *db, sl_id tenant, sl_id student, int64_t amount)
{
    static unsigned k;
    char key[64];
    snprintf(key, sizeof(key), "fund-%u", ++k);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, tenant, student, SL_ENTRY_PURCHASE, amount, key, NULL, 1));
}

/* Credits currently held for a student. */
int64_t held(sl_db *db, sl_id tenant, sl_id student)
{
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, tenant, student, 1));
    return b.held;
}

int listed(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_time now)
{
    sl_interval buf[2];
    size_t n = 0;
    ck_assert_ok_db(db, sl_slots(db, buf, 2, &n, NULL, tenant, start, start + 1, duration, now));
    return n == 1 && buf[0].start == start;
}

void put_fixture_tenant(sl_db *db, sl_id id)
{
    put_tenant(db, id, (settings){"UTC", 30 * MINUTE, 0, 0, 0, 0, 0});
    add_rule_every_day(db, id, 480, 1200);
}

sl_db *fixture(void)
{
    sl_db *db = sl_test_open();
    put_fixture_tenant(db, 1);
    return db;
}

sl_db *fixture_booked(sl_session *s)
{
    sl_db *db = fixture();
    ck_assert_ok_db(db, sl_book(db, s, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    return db;
}

sl_time at(int day, int hour, int minute)
{
    return MON + (sl_time)day * DAY + hour * HOUR + minute * MINUTE;
}
