/*
 * tests/check_slots.c - scheduling through the public API (issue 3), run
 * against every store backend: slots (the data cases of cases_slots.json,
 * DST in many zones, overrides, notice, horizon, step, buffers), property
 * tests against an independent brute-force reference, the booking
 * operations, the status machine, idempotency, queries, soft delete,
 * tenant isolation and bad input.
 *
 * Times in comments: "Z" is UTC; local wall times name their offset.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "cases_slots.h"

#define MINUTE 60
#define HOUR 3600
#define DAY 86400

/* ---- helpers ------------------------------------------------------------- */

static sl_time T(const char *iso)
{
    sl_time t = 0;
    ck_assert_msg(sl_time_parse(&t, iso) == SL_OK, "bad instant %s in the test", iso);
    return t;
}

static sl_date D(const char *iso)
{
    sl_date d = 0;
    ck_assert_msg(sl_date_parse(&d, iso) == SL_OK, "bad date %s in the test", iso);
    return d;
}

static const char *fmt(sl_time t)
{
    static char ring[8][SL_TIME_TEXT_SIZE];
    static unsigned k;
    char *b = ring[k++ % 8];
    if (sl_time_format(b, SL_TIME_TEXT_SIZE, t) != SL_OK)
        snprintf(b, SL_TIME_TEXT_SIZE, "%" PRId64, t);
    return b;
}

typedef struct settings {
    const char *tz;
    int64_t step, buffer_before, buffer_after, min_notice, late_cancel;
    int32_t max_advance_days;
} settings;

static void put_tenant(sl_db *db, sl_id id, settings s)
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

static sl_id add_rule(sl_db *db, sl_id tenant, int32_t wd, int32_t start, int32_t end)
{
    sl_id id = 0;
    ck_assert_ok_db(db, sl_rule_add(db, &id, tenant, wd, start, end, SL_DATE_MIN, SL_DATE_MAX, 1));
    ck_assert_int_gt(id, 0);
    return id;
}

static void add_rule_every_day(sl_db *db, sl_id tenant, int32_t start, int32_t end)
{
    for (int wd = 1; wd <= 7; wd++)
        add_rule(db, tenant, wd, start, end);
}

/* Slots of a query, checked for the shape every caller relies on: sorted,
 * distinct, each end = start + duration. *flags receives the out-flags. */
static sl_interval *query(sl_db *db, size_t *n, uint32_t *flags, sl_id tenant, sl_time from, sl_time to,
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
static void expect_slots(sl_db *db, sl_id tenant, const char *from, const char *to, int64_t duration,
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

#define SLOTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_SLOTS ((const char *const[]){NULL})

/* Every session of tenant within 180 days of `around`, deleted or not:
 * the "nothing was written" probe. */
static size_t n_sessions(sl_db *db, sl_id tenant, sl_time around)
{
    sl_session *l = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, tenant, around - 180 * (sl_time)DAY,
                                         around + 180 * (sl_time)DAY, SL_INCLUDE_DELETED));
    sl_free(l);
    return n;
}

static size_t n_rules(sl_db *db, sl_id tenant)
{
    sl_rule *l = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, tenant, SL_INCLUDE_DELETED));
    sl_free(l);
    return n;
}

static size_t n_overrides(sl_db *db, sl_id tenant)
{
    sl_override *l = NULL;
    size_t n = 0;
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, tenant, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED));
    sl_free(l);
    return n;
}

/* Buys credits for a student (bookings with credits place a hold, which
 * needs an available balance). */
static void fund(sl_db *db, sl_id tenant, sl_id student, int64_t amount)
{
    static unsigned k;
    char key[64];
    snprintf(key, sizeof(key), "fund-%u", ++k);
    ck_assert_ok_db(db, sl_ledger_post(db, NULL, tenant, student, SL_ENTRY_PURCHASE, amount, key, NULL, 1));
}

/* Credits currently held for a student. */
static int64_t held(sl_db *db, sl_id tenant, sl_id student)
{
    sl_balance b;
    ck_assert_ok_db(db, sl_ledger_balance(db, &b, tenant, student, 1));
    return b.held;
}

static int listed(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_time now)
{
    sl_interval buf[2];
    size_t n = 0;
    ck_assert_ok_db(db, sl_slots(db, buf, 2, &n, NULL, tenant, start, start + 1, duration, now));
    return n == 1 && buf[0].start == start;
}

#define ck_assert_msg_has(db, needle)                                                              \
    ck_assert_msg(strstr(sl_errmsg(db), (needle)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(db), \
                  (needle))

/* A failed call left a message. */
#define ck_assert_fails(db, expr, code)                                                            \
    do {                                                                                           \
        ck_assert_sl(expr, code);                                                                  \
        ck_assert_msg(sl_errmsg(db)[0] != '\0', "%s: no message", #expr);                          \
    } while (0)

/* ---- the data cases (tests/cases_slots.json) ------------------------------ */

/* Each case, through the public API: tenant settings, weekly rules,
 * overrides, busy sessions made with sl_schedule_manual (they skip
 * availability), then sl_slots and sl_slots_alloc equal the expected starts
 * exactly, and the clamping flag is set exactly for ranges over 14 days. */
START_TEST(test_data_case)
{
    const slot_case *c = &slot_cases[_i];
    sl_db *db = sl_test_open();
    const sl_id tenant = 1 + _i;
    put_tenant(db, tenant, (settings){c->tz, c->step, c->buffer_before, c->buffer_after, c->min_notice, 0,
                                      c->max_advance_days});
    for (size_t i = 0; i < c->n_rules; i++)
        add_rule(db, tenant, c->rules[i].weekday, c->rules[i].start_min, c->rules[i].end_min);
    for (size_t i = 0; i < c->n_overrides; i++)
        ck_assert_ok_db(db, sl_override_set(db, NULL, tenant, c->overrides[i].date, c->overrides[i].windows,
                                            c->overrides[i].n_windows, 1));
    for (size_t i = 0; i < c->n_busy; i++)
        ck_assert_ok_db(db, sl_schedule_manual(db, NULL, tenant, 100 + (sl_id)i, c->busy[i].start,
                                               c->busy[i].end - c->busy[i].start, 0, NULL, c->now));

    static sl_interval buf[SL_MAX_SLOTS];
    size_t n = 0;
    uint32_t flags = 0xdead;
    ck_assert_ok_db(db, sl_slots(db, buf, SL_MAX_SLOTS, &n, &flags, tenant, c->frm, c->to, c->duration, c->now));
    char got[4096] = "", *p = got;
    for (size_t i = 0; i < n && p < got + sizeof(got) - 32; i++)
        p += snprintf(p, (size_t)(got + sizeof(got) - p), " %s", fmt(buf[i].start));
    ck_assert_msg(n == c->n_expect, "case %s: %zu slots, expected %zu; got:%s", c->name, n, c->n_expect, got);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(buf[i].start == c->expect[i], "case %s: slot %zu is %s, expected %s; got:%s", c->name, i,
                      fmt(buf[i].start), fmt(c->expect[i]), got);
        ck_assert_int_eq(buf[i].end, buf[i].start + c->duration);
    }
    int clamp = c->to - c->frm > (sl_time)SL_MAX_RANGE_DAYS * DAY;
    ck_assert_msg(flags == (clamp ? SL_SLOTS_CLAMPED : 0u), "case %s: flags %u", c->name, flags);

    /* The allocating variant answers the same. */
    size_t n2 = 0;
    uint32_t f2 = 0;
    sl_interval *v = query(db, &n2, &f2, tenant, c->frm, c->to, c->duration, c->now);
    ck_assert_uint_eq(n2, n);
    ck_assert_uint_eq(f2, flags);
    if (n)
        ck_assert_int_eq(memcmp(v, buf, n * sizeof(*v)), 0);
    sl_free(v);
    sl_close(db);
}
END_TEST

/* The data must keep a clamped case (otherwise the flag check above proves
 * nothing about clamping), and clamping itself: a 20-day query covers only
 * the first 14 days; exactly 14 days is not clamped. */
START_TEST(test_clamp)
{
    int clamped_cases = 0;
    for (size_t i = 0; i < SLOT_CASES_COUNT; i++)
        clamped_cases += slot_cases[i].to - slot_cases[i].frm > (sl_time)SL_MAX_RANGE_DAYS * DAY;
    ck_assert_int_ge(clamped_cases, 1);

    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 600, 660); /* one 60-min slot a day at 10:00Z */
    size_t n = 0;
    uint32_t flags = 0;
    sl_time from = T("2026-01-01T00:00:00Z");
    sl_interval *v = query(db, &n, &flags, 1, from, from + 20 * DAY, HOUR, 0);
    ck_assert_uint_eq(flags, SL_SLOTS_CLAMPED);
    ck_assert_uint_eq(n, 14);
    ck_assert_int_eq(v[13].start, from + 13 * DAY + 10 * HOUR);
    sl_free(v);
    v = query(db, &n, &flags, 1, from, from + 14 * DAY, HOUR, 0);
    ck_assert_uint_eq(flags, 0);
    ck_assert_uint_eq(n, 14);
    sl_free(v);
    /* Shifting the range start shifts the 14 days: Jan 2 10:00 .. Jan 15. */
    v = query(db, &n, &flags, 1, from + 11 * HOUR, from + 30 * DAY, HOUR, 0);
    ck_assert_uint_eq(flags, SL_SLOTS_CLAMPED);
    ck_assert_uint_eq(n, 14);
    ck_assert_int_eq(v[0].start, from + DAY + 10 * HOUR);
    ck_assert_int_eq(v[13].start, from + 14 * DAY + 10 * HOUR);
    sl_free(v);
    /* A caller buffer too small: SL_ERANGE, the total, the first cap slots. */
    sl_interval buf[3];
    ck_assert_sl(sl_slots(db, buf, 3, &n, NULL, 1, from, from + 7 * DAY, HOUR, 0), SL_ERANGE);
    ck_assert_uint_eq(n, 7);
    ck_assert_int_eq(buf[2].start, from + 2 * DAY + 10 * HOUR);
    /* cap 0 with a NULL buffer counts. */
    ck_assert_sl(sl_slots(db, NULL, 0, &n, NULL, 1, from, from + 7 * DAY, HOUR, 0), SL_ERANGE);
    ck_assert_uint_eq(n, 7);
    sl_close(db);
}
END_TEST

/* ---- DST and zones, expected UTC starts derived by hand ---------------- */

/*
 * Europe/London: GMT (+0) / BST (+1). 2026-03-29 01:00 GMT -> 02:00 BST;
 * 2026-10-25 02:00 BST -> 01:00 GMT. Sunday window 00:30-03:00, 30 min:
 *  - Mar 29: 00:30 GMT = 00:30Z; 03:00 BST = 02:00Z; local 01:00-02:00 does
 *    not exist, so [00:30Z, 02:00Z) gives 00:30, 01:00, 01:30Z.
 *  - Oct 25: 00:30 BST = Oct 24 23:30Z; 03:00 GMT = 03:00Z; local
 *    01:00-02:00 happens twice, so [23:30Z, 03:00Z) holds 7 slots.
 * A weekday 09:00-17:00 window on the Monday after each change: BST Mar 30
 * 08:00Z first; GMT Oct 26 09:00Z first.
 */
START_TEST(test_dst_london)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Europe/London", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 7, 30, 180);
    add_rule(db, 1, 1, 540, 1020);
    expect_slots(db, 1, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"));
    expect_slots(db, 1, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-10-24T23:30:00Z", "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z",
                       "2026-10-25T01:00:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:00:00Z",
                       "2026-10-25T02:30:00Z"));
    expect_slots(db, 1, "2026-03-30T00:00:00Z", "2026-03-30T10:00:00Z", HOUR, 0,
                 SLOTS("2026-03-30T08:00:00Z", "2026-03-30T09:00:00Z"));
    expect_slots(db, 1, "2026-10-26T00:00:00Z", "2026-10-26T11:00:00Z", HOUR, 0,
                 SLOTS("2026-10-26T09:00:00Z", "2026-10-26T10:00:00Z"));
    sl_close(db);
}
END_TEST

/*
 * America/New_York: EST (-5) / EDT (-4). 2026-03-08 02:00 EST -> 03:00 EDT;
 * 2026-11-01 02:00 EDT -> 01:00 EST. Sunday 01:00-04:00, 60 min:
 *  - Mar 8: 01:00 EST = 06:00Z, 04:00 EDT = 08:00Z: 06:00Z, 07:00Z.
 *  - Nov 1: 01:00 is in the fold, the earlier instant (EDT) = 05:00Z;
 *    04:00 EST = 09:00Z: 05, 06, 07, 08Z.
 * A window starting inside the gap (Mar 8 02:30-05:00, via an override)
 * starts at 02:30 + 1 h = 03:30 EDT = 07:30Z; 05:00 EDT = 09:00Z; 30 min:
 * 07:30, 08:00, 08:30Z.
 */
START_TEST(test_dst_new_york)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"America/New_York", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 7, 60, 240);
    expect_slots(db, 1, "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", HOUR, 0,
                 SLOTS("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"));
    expect_slots(db, 1, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", HOUR, 0,
                 SLOTS("2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z",
                       "2026-11-01T08:00:00Z"));
    const sl_window gap[] = {{150, 300}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-08"), gap, 1, 1));
    expect_slots(db, 1, "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z", "2026-03-08T08:30:00Z"));
    sl_close(db);
}
END_TEST

/*
 * Australia/Sydney (southern hemisphere): AEDT (+11) ends 2026-04-05 03:00
 * -> 02:00 AEST (+10); AEST starts DST 2026-10-04 02:00 -> 03:00 AEDT.
 * Sunday 01:00-04:00 and 09:00-12:00, 60 min:
 *  - Apr 5: 01:00 AEDT = Apr 4 14:00Z; 04:00 AEST = 18:00Z: 14..17Z (four,
 *    local 02:00-03:00 twice). 09:00 AEST = 23:00Z: 23:00Z, 00:00Z, 01:00Z.
 *  - Oct 4: 01:00 AEST = Oct 3 15:00Z; 04:00 AEDT = 17:00Z: 15, 16Z.
 *    09:00 AEDT = Oct 3 22:00Z: 22:00Z, 23:00Z, 00:00Z.
 * The Sunday before (Mar 29, AEDT): 09:00 = Mar 28 22:00Z.
 */
START_TEST(test_dst_sydney)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Australia/Sydney", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 7, 60, 240);
    add_rule(db, 1, 7, 540, 720);
    expect_slots(db, 1, "2026-04-04T12:00:00Z", "2026-04-05T12:00:00Z", HOUR, 0,
                 SLOTS("2026-04-04T14:00:00Z", "2026-04-04T15:00:00Z", "2026-04-04T16:00:00Z",
                       "2026-04-04T17:00:00Z", "2026-04-04T23:00:00Z", "2026-04-05T00:00:00Z",
                       "2026-04-05T01:00:00Z"));
    expect_slots(db, 1, "2026-10-03T12:00:00Z", "2026-10-04T12:00:00Z", HOUR, 0,
                 SLOTS("2026-10-03T15:00:00Z", "2026-10-03T16:00:00Z", "2026-10-03T22:00:00Z",
                       "2026-10-03T23:00:00Z", "2026-10-04T00:00:00Z"));
    expect_slots(db, 1, "2026-03-28T20:00:00Z", "2026-03-28T23:00:00Z", HOUR, 0,
                 SLOTS("2026-03-28T22:00:00Z"));
    sl_close(db);
}
END_TEST

/*
 * Australia/Lord_Howe shifts by 30 minutes: +11 (summer) / +10:30.
 * 2026-04-05 02:00 +11 -> 01:30 +10:30 (local 01:30-02:00 twice);
 * 2026-10-04 02:00 +10:30 -> 02:30 +11 (local 02:00-02:30 skipped).
 * Sunday 01:00-03:00, 30 min:
 *  - Apr 5: 01:00 +11 = Apr 4 14:00Z; 03:00 +10:30 = 16:30Z: five slots
 *    14:00 .. 16:00Z.
 *  - Oct 4: 01:00 +10:30 = Oct 3 14:30Z; 03:00 +11 = 16:00Z: 14:30, 15:00,
 *    15:30Z.
 */
START_TEST(test_dst_lord_howe)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Australia/Lord_Howe", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 7, 60, 180);
    expect_slots(db, 1, "2026-04-04T00:00:00Z", "2026-04-05T00:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-04-04T14:00:00Z", "2026-04-04T14:30:00Z", "2026-04-04T15:00:00Z",
                       "2026-04-04T15:30:00Z", "2026-04-04T16:00:00Z"));
    expect_slots(db, 1, "2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-10-03T14:30:00Z", "2026-10-03T15:00:00Z", "2026-10-03T15:30:00Z"));
    sl_close(db);
}
END_TEST

/*
 * Asia/Kolkata is +05:30 all year: on the European change days the slots
 * do not move. Daily 09:00-12:00, 60 min = 03:30, 04:30, 05:30Z.
 */
START_TEST(test_no_dst_kolkata)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Asia/Kolkata", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 540, 720);
    expect_slots(db, 1, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", HOUR, 0,
                 SLOTS("2026-03-29T03:30:00Z", "2026-03-29T04:30:00Z", "2026-03-29T05:30:00Z"));
    expect_slots(db, 1, "2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z", HOUR, 0,
                 SLOTS("2026-10-25T03:30:00Z", "2026-10-25T04:30:00Z", "2026-10-25T05:30:00Z"));
    sl_close(db);
}
END_TEST

/*
 * Pacific/Kiritimati is +14 (east of UTC+12): the local date is a day
 * ahead. A Monday-only rule 09:00-11:00 (local Monday 2026-03-30) lands on
 * UTC Sunday 2026-03-29 19:00Z and 20:00Z; nothing on the UTC Monday.
 */
START_TEST(test_kiritimati_date_line)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Pacific/Kiritimati", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 1, 540, 660);
    expect_slots(db, 1, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", HOUR, 0,
                 SLOTS("2026-03-29T19:00:00Z", "2026-03-29T20:00:00Z"));
    expect_slots(db, 1, "2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z", HOUR, 0, NO_SLOTS);
    sl_close(db);
}
END_TEST

/*
 * Pacific/Tongatapu (+13) had DST in 2016-17 (+14): 2016-11-06 02:00 +13
 * -> 03:00 +14; 2017-01-15 03:00 +14 -> 02:00 +13. Sunday 01:00-04:00,
 * 60 min:
 *  - 2016-11-06: 01:00 +13 = Nov 5 12:00Z; 04:00 +14 = 14:00Z: 12Z, 13Z.
 *  - 2017-01-15: 01:00 +14 = Jan 14 11:00Z; 04:00 +13 = 15:00Z: 11..14Z.
 */
START_TEST(test_dst_tongatapu)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Pacific/Tongatapu", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 7, 60, 240);
    expect_slots(db, 1, "2016-11-05T00:00:00Z", "2016-11-06T00:00:00Z", HOUR, 0,
                 SLOTS("2016-11-05T12:00:00Z", "2016-11-05T13:00:00Z"));
    expect_slots(db, 1, "2017-01-14T00:00:00Z", "2017-01-15T00:00:00Z", HOUR, 0,
                 SLOTS("2017-01-14T11:00:00Z", "2017-01-14T12:00:00Z", "2017-01-14T13:00:00Z",
                       "2017-01-14T14:00:00Z"));
    sl_close(db);
}
END_TEST

/*
 * Pacific/Apia skipped a whole local date: 2011-12-29 24:00 -10 became
 * 2011-12-31 00:00 +14 (at 2011-12-30T10:00Z). Daily 09:00-10:00, 60 min:
 *  - Dec 29 09:00 -10 = Dec 29 19:00Z;
 *  - Dec 30 does not exist: 09:00 moves forward by the 24 h gap to Dec 31
 *    09:00 +14 = Dec 30 19:00Z, the same instant as Dec 31's own window;
 *  - Jan 1 09:00 +14 = Dec 31 19:00Z.
 * Three slots, the shared one listed once and bookable once.
 */
START_TEST(test_apia_skipped_date)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Pacific/Apia", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 540, 600);
    expect_slots(db, 1, "2011-12-29T00:00:00Z", "2012-01-01T00:00:00Z", HOUR, 0,
                 SLOTS("2011-12-29T19:00:00Z", "2011-12-30T19:00:00Z", "2011-12-31T19:00:00Z"));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, T("2011-12-30T19:00:00Z"), HOUR, 0, NULL, 0));
    ck_assert_sl(sl_book(db, NULL, 1, 8, T("2011-12-30T19:00:00Z"), HOUR, 0, NULL, 0), SL_ECONFLICT);
    sl_close(db);
}
END_TEST

/*
 * Overnight availability across a fold: New York Saturday 23:00-24:00 plus
 * Sunday 00:00-03:00 on 2026-10-31/11-01 (fold at local 01:00-02:00).
 * Sat 23:00 EDT = Nov 1 03:00Z, 24:00 = 04:00Z; Sun 00:00 EDT = 04:00Z,
 * 03:00 EST = 08:00Z. 120 min, step 60: Saturday's grid 03:00Z runs into
 * Sunday's interval (it starts exactly at 04:00Z); Sunday's grid 04, 05,
 * 06Z fit, 07Z would end at 09Z. So 03, 04, 05, 06Z.
 * Without the Sunday rule, Saturday's 03:00Z cannot run past 04:00Z.
 */
START_TEST(test_overnight_across_fold)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"America/New_York", HOUR, 0, 0, 0, 0, 0});
    add_rule(db, 1, 6, 1380, 1440);
    sl_id sun = add_rule(db, 1, 7, 0, 180);
    expect_slots(db, 1, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 2 * HOUR, 0,
                 SLOTS("2026-11-01T03:00:00Z", "2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z",
                       "2026-11-01T06:00:00Z"));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, sun, 5));
    expect_slots(db, 1, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", 2 * HOUR, 0, NO_SLOTS);
    expect_slots(db, 1, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", HOUR, 0,
                 SLOTS("2026-11-01T03:00:00Z"));
    sl_close(db);
}
END_TEST

/*
 * Overrides (Europe/London, weekly Mon-Sun 09:00-17:00, 60 min):
 *  - a day off (no windows) on Tue 2026-06-02: nothing that day;
 *  - replaced hours, given unsorted and overlapping, on Wed 2026-06-03:
 *    14:00-15:30 and 13:00-14:30 merge to 13:00-15:30 BST = 12:00-14:30Z:
 *    12:00Z, 13:00Z (14:00Z would end after 14:30Z);
 *  - an override on a DST day, Sun 2026-03-29: 00:30-03:00 replaces
 *    09:00-17:00: 00:30 GMT = 00:30Z, 03:00 BST = 02:00Z, 30-min slots
 *    00:30, 01:00, 01:30Z and nothing at 08:00Z (the weekly 09:00 BST);
 *  - setting a date again replaces its windows.
 */
START_TEST(test_overrides)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Europe/London", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 540, 1020);
    sl_id off = 0, hours = 0, again = 0;
    ck_assert_ok_db(db, sl_override_set(db, &off, 1, D("2026-06-02"), NULL, 0, 1));
    const sl_window w[] = {{840, 930}, {780, 870}};
    ck_assert_ok_db(db, sl_override_set(db, &hours, 1, D("2026-06-03"), w, 2, 1));
    const sl_window night[] = {{30, 180}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-29"), night, 1, 1));
    ck_assert_int_gt(off, 0);
    ck_assert_int_ne(off, hours);

    expect_slots(db, 1, "2026-06-02T00:00:00Z", "2026-06-03T00:00:00Z", HOUR, 0, NO_SLOTS);
    expect_slots(db, 1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", HOUR, 0,
                 SLOTS("2026-06-03T12:00:00Z", "2026-06-03T13:00:00Z"));
    /* The neighbours keep their weekly hours (BST: 08:00Z .. 15:00Z). */
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, T("2026-06-01T00:00:00Z"), T("2026-06-02T00:00:00Z"), HOUR, 0);
    ck_assert_uint_eq(n, 8);
    ck_assert_int_eq(v[0].start, T("2026-06-01T08:00:00Z"));
    sl_free(v);
    expect_slots(db, 1, "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"));

    /* The stored override is sorted and reads back. */
    sl_override o;
    ck_assert_ok_db(db, sl_override_get(db, &o, 1, D("2026-06-03"), 0));
    ck_assert_int_eq(o.id, hours);
    ck_assert_int_eq(o.n_windows, 2);
    ck_assert_int_eq(o.windows[0].start_min, 780);
    ck_assert_int_eq(o.windows[1].start_min, 840);

    /* Again on the same date: same row, new windows (10:00-11:00 BST). */
    const sl_window w2[] = {{600, 660}};
    ck_assert_ok_db(db, sl_override_set(db, &again, 1, D("2026-06-03"), w2, 1, 2));
    ck_assert_int_eq(again, hours);
    expect_slots(db, 1, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", HOUR, 0, SLOTS("2026-06-03T09:00:00Z"));
    ck_assert_uint_eq(n_overrides(db, 1), 3);

    sl_override *l = NULL;
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, 1, D("2026-06-01"), D("2026-06-30"), 0));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(l[0].date, D("2026-06-02"));
    ck_assert_int_eq(l[0].n_windows, 0);
    ck_assert_int_eq(l[1].date, D("2026-06-03"));
    sl_free(l);
    sl_close(db);
}
END_TEST

/* Rules apply only between valid_from and valid_until (inclusive local
 * dates); sl_rule_update changes the hours. */
START_TEST(test_rule_validity_and_update)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    sl_id r = 0;
    /* Mondays 10:00-11:00 from Mon Jun 8 to Mon Jun 15 2026 only. */
    ck_assert_ok_db(db, sl_rule_add(db, &r, 1, 1, 600, 660, D("2026-06-08"), D("2026-06-15"), 1));
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, T("2026-06-01T00:00:00Z"), T("2026-06-15T00:00:00Z"), HOUR, 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].start, T("2026-06-08T10:00:00Z"));
    sl_free(v);
    v = query(db, &n, NULL, 1, T("2026-06-15T00:00:00Z"), T("2026-06-29T00:00:00Z"), HOUR, 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(v[0].start, T("2026-06-15T10:00:00Z"));
    sl_free(v);

    ck_assert_ok_db(db, sl_rule_update(db, 1, r, 1, 720, 840, SL_DATE_MIN, SL_DATE_MAX, 2));
    sl_rule got;
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, 0));
    ck_assert_int_eq(got.start_min, 720);
    ck_assert_int_eq(got.end_min, 840);
    ck_assert_int_eq(got.valid_until, SL_DATE_MAX);
    ck_assert_int_eq(got.created_at, 1);
    ck_assert_int_eq(got.updated_at, 2);
    expect_slots(db, 1, "2026-06-22T00:00:00Z", "2026-06-23T00:00:00Z", HOUR, 0,
                 SLOTS("2026-06-22T12:00:00Z", "2026-06-22T13:00:00Z"));
    sl_close(db);
}
END_TEST

/* Minimum notice and the booking horizon at their exact boundaries:
 * s >= now + min_notice and s < now + max_advance_days. */
START_TEST(test_notice_and_horizon_boundaries)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 2 * HOUR, 0, 2});
    add_rule_every_day(db, 1, 0, 1440);
    sl_time day = T("2026-05-04T00:00:00Z");
    sl_time now = day + 8 * HOUR; /* earliest = 10:00Z, horizon = May 6 08:00Z */
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, day, day + 4 * DAY, HOUR, now);
    ck_assert_int_eq(v[0].start, day + 10 * HOUR);
    ck_assert_int_eq(v[n - 1].start, day + 2 * DAY + 7 * HOUR);
    ck_assert_uint_eq(n, 14 + 24 + 8);
    sl_free(v);
    /* One second later, 10:00Z is inside the notice and 08:00Z+2d would be
     * the horizon's own second: the first slot moves, the last stays. */
    v = query(db, &n, NULL, 1, day, day + 4 * DAY, HOUR, now + 1);
    ck_assert_int_eq(v[0].start, day + 11 * HOUR);
    ck_assert_int_eq(v[n - 1].start, day + 2 * DAY + 8 * HOUR);
    sl_free(v);
    /* sl_book agrees on both sides of both boundaries. */
    ck_assert_sl(sl_book(db, NULL, 1, 5, day + 9 * HOUR, HOUR, 0, NULL, now), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "notice");
    ck_assert_sl(sl_book(db, NULL, 1, 5, day + 2 * DAY + 8 * HOUR, HOUR, 0, NULL, now), SL_EUNAVAILABLE);
    ck_assert_msg_has(db, "horizon");
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 5, day + 10 * HOUR, HOUR, 0, NULL, now));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 5, day + 2 * DAY + 7 * HOUR, HOUR, 0, NULL, now));
    sl_close(db);
}
END_TEST

/* A step different from the duration: 60-min sessions every 15 min in
 * 09:00-11:00Z: 09:00, 09:15, 09:30, 09:45, 10:00 (10:15 would end past
 * 11:00). */
START_TEST(test_step_differs_from_duration)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 15 * MINUTE, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 540, 660);
    expect_slots(db, 1, "2026-05-04T00:00:00Z", "2026-05-05T00:00:00Z", HOUR, 0,
                 SLOTS("2026-05-04T09:00:00Z", "2026-05-04T09:15:00Z", "2026-05-04T09:30:00Z",
                       "2026-05-04T09:45:00Z", "2026-05-04T10:00:00Z"));
    /* Off-grid (09:10) and on-grid-but-too-long (10:15) are refused. */
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T09:10:00Z"), HOUR, 0, NULL, 0), SL_EUNAVAILABLE);
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T10:15:00Z"), HOUR, 0, NULL, 0), SL_EUNAVAILABLE);
    ck_assert_uint_eq(n_sessions(db, 1, T("2026-05-04T00:00:00Z")), 0);
    sl_close(db);
}
END_TEST

/*
 * Buffers on both sides: busy 12:00-13:00Z, buffer_before 10 min,
 * buffer_after 20 min, 30-min sessions every 5 min in 10:00-15:00Z.
 * Footprints [s-10, s+50) and [11:50, 13:20) overlap iff 11:00 < s < 13:30,
 * so the slots are 10:00..11:00 and 13:30..14:30 (13 each), touching
 * footprints allowed; buffers may leave availability (10:00, 14:30).
 */
START_TEST(test_buffers_both_sides)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 5 * MINUTE, 10 * MINUTE, 20 * MINUTE, 0, 0, 0});
    add_rule_every_day(db, 1, 600, 900);
    sl_session busy;
    ck_assert_ok_db(db, sl_schedule_manual(db, &busy, 1, 9, T("2026-05-04T12:00:00Z"), HOUR, 0, NULL, 0));
    size_t n = 0;
    sl_interval *v = query(db, &n, NULL, 1, T("2026-05-04T00:00:00Z"), T("2026-05-05T00:00:00Z"), 30 * MINUTE, 0);
    ck_assert_uint_eq(n, 26);
    for (size_t i = 0; i < 13; i++) {
        ck_assert_int_eq(v[i].start, T("2026-05-04T10:00:00Z") + (sl_time)i * 5 * MINUTE);
        ck_assert_int_eq(v[13 + i].start, T("2026-05-04T13:30:00Z") + (sl_time)i * 5 * MINUTE);
    }
    sl_free(v);
    /* The first refused start on each side is a conflict naming the session. */
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, busy.id);
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T11:05:00Z"), 30 * MINUTE, 0, NULL, 0), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_sl(sl_book(db, NULL, 1, 5, T("2026-05-04T13:25:00Z"), 30 * MINUTE, 0, NULL, 0), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 5, T("2026-05-04T11:00:00Z"), 30 * MINUTE, 0, NULL, 0));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 6, T("2026-05-04T13:30:00Z"), 30 * MINUTE, 0, NULL, 0));
    sl_close(db);
}
END_TEST

/* ---- property tests against an independent reference ------------------- */

static const char *const zones[] = {
    "UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/St_Johns", "Australia/Sydney",
    "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Chatham",
    "Pacific/Tongatapu", "America/Santiago",
};
#define N_ZONES (sizeof(zones) / sizeof(zones[0]))

#define M_RULES (7 * SL_MAX_WINDOWS_PER_DAY) /* the dense models fill every weekday */
#define M_OVR 6
#define M_SESS 16

typedef struct m_rule {
    int32_t wd, s, e;
    sl_date vf, vu;
} m_rule;

typedef struct m_ovr {
    sl_date date;
    size_t n;
    sl_window w[SL_MAX_WINDOWS_PER_DAY];
} m_ovr;

typedef struct m_sess {
    sl_time start, end;
    int blocking;
} m_sess;

/* What the test believes the tenant holds (live rows only). */
typedef struct model {
    const char *tz;
    int64_t step, bb, ba, notice;
    int32_t adv;
    m_rule rules[M_RULES];
    size_t n_rules;
    m_ovr ovr[M_OVR];
    size_t n_ovr;
    m_sess sess[M_SESS];
    size_t n_sess;
    int64_t duration;
    sl_time now, from, to;
} model;

static uint64_t rnd(uint64_t *st, uint64_t n)
{
    return sl_test_rand(st) % n;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* A time near an offset change of tz after base (base itself when the zone
 * has none within 400 days). */
static sl_time near_change(const char *tz, sl_time base)
{
    int32_t o0 = 0, o = 0;
    ck_assert_int_eq(sl_tz_utc_offset(NULL, &o0, tz, base), SL_OK);
    for (int d = 1; d <= 400; d++) {
        ck_assert_int_eq(sl_tz_utc_offset(NULL, &o, tz, base + (sl_time)d * DAY), SL_OK);
        if (o != o0)
            return base + (sl_time)d * DAY;
    }
    return base;
}

static sl_date local_date(const char *tz, sl_time t)
{
    int64_t local = 0;
    ck_assert_int_eq(sl_tz_utc_to_local(NULL, &local, tz, t), SL_OK);
    return (sl_date)floordiv(local, DAY);
}

static void random_window(uint64_t *st, int32_t *s, int32_t *e)
{
    switch (rnd(st, 4)) {
    case 0: /* arbitrary minutes */
        *s = (int32_t)rnd(st, 1439);
        *e = *s + 1 + (int32_t)rnd(st, (uint64_t)(1440 - *s));
        break;
    default: /* quarter hours, a few hours long */
        *s = 15 * (int32_t)rnd(st, 95);
        *e = *s + 15 * (1 + (int32_t)rnd(st, 32));
        if (*e > 1440)
            *e = 1440;
        break;
    }
}

/* A random tenant around a random (often DST-changing) range. short_range:
 * a 1-2 day range (for the booking invariant, where every start costs a
 * transaction). */
static void gen_model(uint64_t *st, model *m, int short_range)
{
    static const int64_t steps[] = {0, 0, 0, 5, 10, 15, 20, 25, 30, 45, 60, 90};
    static const int64_t durs[] = {15, 20, 30, 45, 60, 60, 90, 120, 150};
    static const int64_t bufs[] = {0, 0, 0, 5, 10, 15, 30};
    static const int64_t notices[] = {0, 0, 30, 120, 1440, 4320};
    static const int32_t advs[] = {0, 0, 0, 1, 2, 3, 7, 30};
    memset(m, 0, sizeof(*m));
    m->tz = zones[rnd(st, N_ZONES)];
    m->step = steps[rnd(st, sizeof(steps) / sizeof(steps[0]))] * MINUTE;
    m->duration = durs[rnd(st, sizeof(durs) / sizeof(durs[0]))] * MINUTE;
    m->bb = bufs[rnd(st, sizeof(bufs) / sizeof(bufs[0]))] * MINUTE;
    m->ba = bufs[rnd(st, sizeof(bufs) / sizeof(bufs[0]))] * MINUTE;
    m->notice = notices[rnd(st, sizeof(notices) / sizeof(notices[0]))] * MINUTE;
    m->adv = advs[rnd(st, sizeof(advs) / sizeof(advs[0]))];

    sl_time base = T("2016-01-01T00:00:00Z") + (sl_time)rnd(st, 14 * 365) * DAY;
    if (rnd(st, 10) < 7)
        base = near_change(m->tz, base) - (sl_time)rnd(st, 3 * DAY);
    base -= base % MINUTE;
    if (rnd(st, 8) == 0)
        base += (sl_time)rnd(st, MINUTE); /* a range start between minutes */
    sl_time len;
    uint64_t k = rnd(st, 10);
    if (short_range)
        len = DAY + (sl_time)rnd(st, DAY / MINUTE) * MINUTE;
    else if (k < 6)
        len = (sl_time)(1 + rnd(st, 4 * 24)) * HOUR;
    else if (k < 9)
        len = (sl_time)(4 + rnd(st, 10)) * DAY + (sl_time)rnd(st, DAY / MINUTE) * MINUTE;
    else
        len = (sl_time)(14 + rnd(st, 7)) * DAY; /* clamped */
    m->from = base;
    m->to = base + len;
    m->now = base - 2 * DAY + (sl_time)rnd(st, 3 * DAY) + (sl_time)rnd(st, MINUTE);

    sl_date ld = local_date(m->tz, m->from);
    sl_date span = (sl_date)(len / DAY) + 2;
    size_t nr = rnd(st, 9);
    for (size_t i = 0; i < nr && m->n_rules + 2 <= M_RULES; i++) {
        m_rule r = {(int32_t)(1 + rnd(st, 7)), 0, 0, SL_DATE_MIN, SL_DATE_MAX};
        if (rnd(st, 5) == 0)
            r.vf = ld + (sl_date)rnd(st, (uint64_t)span);
        if (rnd(st, 5) == 0)
            r.vu = (r.vf == SL_DATE_MIN ? ld : r.vf) + (sl_date)rnd(st, (uint64_t)span);
        switch (rnd(st, 6)) {
        case 0: { /* overnight: to midnight, continued after midnight */
            m_rule next = r;
            r.s = 15 * (int32_t)rnd(st, 95);
            r.e = 1440;
            next.wd = r.wd % 7 + 1;
            next.s = 0;
            next.e = 15 * (int32_t)(1 + rnd(st, 16));
            m->rules[m->n_rules++] = r;
            m->rules[m->n_rules++] = next;
            break;
        }
        case 1: { /* two windows touching at m */
            m_rule second = r;
            r.s = 15 * (int32_t)rnd(st, 80);
            int32_t mid = r.s + 15 * (int32_t)(1 + rnd(st, 8));
            r.e = mid;
            second.s = mid;
            second.e = mid + 15 * (int32_t)(1 + rnd(st, 8));
            if (second.e > 1440)
                second.e = 1440;
            m->rules[m->n_rules++] = r;
            m->rules[m->n_rules++] = second;
            break;
        }
        default:
            random_window(st, &r.s, &r.e);
            m->rules[m->n_rules++] = r;
            break;
        }
    }
    size_t no = rnd(st, 4);
    for (size_t i = 0; i < no; i++) {
        m_ovr o;
        o.date = ld - 1 + (sl_date)rnd(st, (uint64_t)span + 1);
        o.n = rnd(st, 4);
        for (size_t j = 0; j < o.n; j++)
            random_window(st, &o.w[j].start_min, &o.w[j].end_min);
        size_t j = 0;
        while (j < m->n_ovr && m->ovr[j].date != o.date)
            j++;
        m->ovr[j] = o; /* setting a date again replaces it */
        if (j == m->n_ovr)
            m->n_ovr++;
    }
    size_t ns = rnd(st, 10);
    for (size_t i = 0; i < ns; i++) {
        m_sess s;
        s.start = m->from - 6 * HOUR + (sl_time)rnd(st, (uint64_t)(len + 12 * HOUR) / MINUTE) * MINUTE;
        s.end = s.start + (sl_time)(1 + rnd(st, 12)) * 15 * MINUTE;
        s.blocking = 1;
        m->sess[m->n_sess++] = s;
    }
}

static void dump_model(const model *m, uint64_t seed, long iter)
{
    fprintf(stderr, "# seed %" PRIu64 " iteration %ld: tz %s step %" PRId64 " dur %" PRId64 " bb %" PRId64
                    " ba %" PRId64 " notice %" PRId64 " adv %d now %s from %s to %s\n",
            seed, iter, m->tz, m->step, m->duration, m->bb, m->ba, m->notice, m->adv, fmt(m->now), fmt(m->from),
            fmt(m->to));
    for (size_t i = 0; i < m->n_rules; i++)
        fprintf(stderr, "#   rule wd %d %d-%d valid %d..%d\n", m->rules[i].wd, m->rules[i].s, m->rules[i].e,
                m->rules[i].vf, m->rules[i].vu);
    for (size_t i = 0; i < m->n_ovr; i++) {
        fprintf(stderr, "#   override %d:", m->ovr[i].date);
        for (size_t j = 0; j < m->ovr[i].n; j++)
            fprintf(stderr, " %d-%d", m->ovr[i].w[j].start_min, m->ovr[i].w[j].end_min);
        fprintf(stderr, "\n");
    }
    for (size_t i = 0; i < m->n_sess; i++)
        fprintf(stderr, "#   session %s..%s%s\n", fmt(m->sess[i].start), fmt(m->sess[i].end),
                m->sess[i].blocking ? "" : " (not blocking)");
}

/* Writes the model through the public API, adding rows that must not count
 * (deleted rules and overrides, cancelled and deleted sessions). */
static void apply_model(sl_db *db, sl_id tenant, model *m, uint64_t *st)
{
    put_tenant(db, tenant, (settings){m->tz, m->step, m->bb, m->ba, m->notice, 0, m->adv});
    for (size_t i = 0; i < m->n_rules; i++)
        ck_assert_ok_db(db, sl_rule_add(db, NULL, tenant, m->rules[i].wd, m->rules[i].s, m->rules[i].e,
                                        m->rules[i].vf, m->rules[i].vu, 1));
    int32_t wd = (int32_t)(1 + rnd(st, 7));
    size_t on_wd = 0;
    for (size_t i = 0; i < m->n_rules; i++)
        on_wd += m->rules[i].wd == wd;
    if (rnd(st, 4) == 0 && on_wd < SL_MAX_WINDOWS_PER_DAY) { /* a deleted all-day rule must not count */
        sl_id r = 0;
        ck_assert_ok_db(db, sl_rule_add(db, &r, tenant, wd, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, 1));
        ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_RULE, r, 2));
    }
    for (size_t i = 0; i < m->n_ovr; i++)
        ck_assert_ok_db(db, sl_override_set(db, NULL, tenant, m->ovr[i].date, m->ovr[i].w, m->ovr[i].n, 1));
    if (rnd(st, 4) == 0) { /* a deleted day-off override on a date without one */
        sl_date d = local_date(m->tz, m->from) + (sl_date)rnd(st, 3);
        int taken = 0;
        for (size_t i = 0; i < m->n_ovr; i++)
            taken |= m->ovr[i].date == d;
        if (!taken) {
            sl_id o = 0;
            ck_assert_ok_db(db, sl_override_set(db, &o, tenant, d, NULL, 0, 1));
            ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_OVERRIDE, o, 2));
        }
    }
    for (size_t i = 0; i < m->n_sess; i++) {
        sl_session s;
        ck_assert_ok_db(db, sl_schedule_manual(db, &s, tenant, 500 + (sl_id)i, m->sess[i].start,
                                               m->sess[i].end - m->sess[i].start, 0, NULL, m->now));
        switch (rnd(st, 10)) {
        case 0:
        case 1:
            ck_assert_ok_db(db, sl_cancel(db, NULL, tenant, s.id, m->now));
            m->sess[i].blocking = 0;
            break;
        case 2:
            ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_SESSION, s.id, 3));
            m->sess[i].blocking = 0;
            break;
        case 3:
            ck_assert_ok_db(db, sl_complete(db, NULL, tenant, s.id, m->now));
            break;
        case 4:
            ck_assert_ok_db(db, sl_mark_no_show(db, NULL, tenant, s.id, m->now));
            break;
        default:
            break; /* confirmed */
        }
    }
}

/* The reference: per local date, its windows -> UTC by sl_tz_local_to_utc,
 * merged per date ("day intervals"); appended in date order. */
typedef struct ref {
    sl_interval days[2048];
    size_t n_days;
    sl_interval runs[2048]; /* union of all day intervals */
    size_t n_runs;
} ref;

static void sort_iv(sl_interval *v, size_t n)
{
    for (size_t i = 1; i < n; i++) /* insertion sort: small inputs */
        for (size_t j = i; j > 0 && (v[j].start < v[j - 1].start ||
                                     (v[j].start == v[j - 1].start && v[j].end < v[j - 1].end));
             j--) {
            sl_interval t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static size_t merge_iv(sl_interval *v, size_t n)
{
    size_t k = 0;
    sort_iv(v, n);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && v[i].start <= v[k - 1].end) {
            if (v[i].end > v[k - 1].end)
                v[k - 1].end = v[i].end;
        } else {
            v[k++] = v[i];
        }
    }
    return k;
}

static void ref_build(ref *r, const model *m, sl_time lo, sl_time hi)
{
    r->n_days = 0;
    sl_date d0 = (sl_date)floordiv(lo, DAY) - 2, d1 = (sl_date)floordiv(hi, DAY) + 2;
    for (sl_date d = d0; d <= d1; d++) {
        sl_window w[M_RULES];
        size_t nw = 0;
        const m_ovr *o = NULL;
        for (size_t i = 0; i < m->n_ovr; i++)
            if (m->ovr[i].date == d)
                o = &m->ovr[i];
        if (o) {
            for (size_t i = 0; i < o->n; i++)
                w[nw++] = o->w[i];
        } else {
            for (size_t i = 0; i < m->n_rules; i++)
                if (m->rules[i].wd == sl_date_weekday(d) && d >= m->rules[i].vf && d <= m->rules[i].vu)
                    w[nw++] = (sl_window){m->rules[i].s, m->rules[i].e};
        }
        sl_interval one[M_RULES];
        size_t k = 0;
        for (size_t i = 0; i < nw; i++) {
            sl_time a = 0, b = 0;
            ck_assert_int_eq(sl_tz_local_to_utc(NULL, &a, NULL, m->tz, (int64_t)d * DAY + w[i].start_min * 60), SL_OK);
            ck_assert_int_eq(sl_tz_local_to_utc(NULL, &b, NULL, m->tz, (int64_t)d * DAY + w[i].end_min * 60), SL_OK);
            if (b > a)
                one[k++] = (sl_interval){a, b};
        }
        k = merge_iv(one, k);
        ck_assert_uint_le(r->n_days + k, sizeof(r->days) / sizeof(r->days[0]));
        memcpy(r->days + r->n_days, one, k * sizeof(one[0]));
        r->n_days += k;
    }
    memcpy(r->runs, r->days, r->n_days * sizeof(r->days[0]));
    r->n_runs = merge_iv(r->runs, r->n_days);
}

enum { F_GRID = 1, F_COVER = 2, F_NOTICE = 4, F_HORIZON = 8, F_BUSY = 16 };

/* Why start t is not bookable (0: it is), by brute force. */
static int ref_classify(const ref *r, const model *m, sl_time t)
{
    int why = 0, grid = 0, cover = 0;
    int64_t step = m->step ? m->step : m->duration;
    for (size_t i = 0; i < r->n_days && !grid; i++)
        grid = r->days[i].start <= t && t < r->days[i].end && (t - r->days[i].start) % step == 0;
    for (size_t i = 0; i < r->n_runs && !cover; i++)
        cover = r->runs[i].start <= t && t + m->duration <= r->runs[i].end;
    if (!grid)
        why |= F_GRID;
    if (!cover)
        why |= F_COVER;
    if (t < m->now + m->notice)
        why |= F_NOTICE;
    if (m->adv && t >= m->now + (sl_time)m->adv * DAY)
        why |= F_HORIZON;
    for (size_t i = 0; i < m->n_sess; i++) {
        const m_sess *s = &m->sess[i];
        if (s->blocking && s->start - m->bb < t + m->duration + m->ba && t - m->bb < s->end + m->ba)
            why |= F_BUSY;
    }
    return why;
}

/* The reference listing of [from, to) (to already clamped): a minute-by-
 * minute scan (every input is whole minutes, so every grid start is). */
static size_t ref_slots(const ref *r, const model *m, sl_time from, sl_time to, sl_time *out, size_t cap)
{
    size_t n = 0;
    for (sl_time t = floordiv(from + MINUTE - 1, MINUTE) * MINUTE; t < to; t += MINUTE)
        if (ref_classify(r, m, t) == 0) {
            ck_assert_uint_lt(n, cap);
            out[n++] = t;
        }
    return n;
}

static void compare(const sl_interval *got, size_t n, const sl_time *want, size_t nw, const model *m,
                    uint64_t seed, long iter, const char *what)
{
    size_t i = 0;
    while (i < n && i < nw && got[i].start == want[i])
        i++;
    if (i == n && i == nw)
        return;
    dump_model(m, seed, iter);
    ck_abort_msg("%s: iteration %ld (seed %" PRIu64 "): %zu slots vs %zu expected; first difference at %zu: "
                 "got %s, expected %s",
                 what, iter, seed, n, nw, i, i < n ? fmt(got[i].start) : "(none)",
                 i < nw ? fmt(want[i]) : "(none)");
}

/* sl_slots of the model's tenant equals the brute-force reference
 * (returns the number of slots compared). */
static size_t check_reference(sl_db *db, sl_id tenant, const model *m, uint64_t seed, long iter, const char *what)
{
    static ref r;
    static sl_time want[SL_MAX_SLOTS];
    sl_time to = m->to - m->from > (sl_time)SL_MAX_RANGE_DAYS * DAY ? m->from + (sl_time)SL_MAX_RANGE_DAYS * DAY
                                                                    : m->to;
    ref_build(&r, m, m->from, to + m->duration);
    size_t nw = ref_slots(&r, m, m->from, to, want, SL_MAX_SLOTS);
    size_t n = 0;
    uint32_t flags = 0;
    sl_interval *v = query(db, &n, &flags, tenant, m->from, m->to, m->duration, m->now);
    ck_assert_uint_eq(flags, to != m->to ? SL_SLOTS_CLAMPED : 0u);
    compare(v, n, want, nw, m, seed, iter, what);
    sl_free(v);
    return n;
}

/* (1) sl_slots equals the brute-force reference over random tenants,
 * zones, ranges around DST changes, rules, overrides and busy sessions. */
START_TEST(test_prop_reference)
{
    uint64_t seed = sl_test_seed("slots vs reference"), st = seed;
    long iters = sl_test_scale(1000), total = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_model(&st, &m, 0);
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        total += (long)check_reference(db, tenant, &m, seed, it, "slots vs reference");
    }
    fprintf(stderr, "# slots vs reference: %ld tenants, %ld slots compared\n", iters, total);
    sl_close(db);
}
END_TEST

/* (2) The grid does not depend on the query: slots of any [a, b) inside a
 * range equal the range's slots filtered to [a, b). */
START_TEST(test_prop_query_independent)
{
    uint64_t seed = sl_test_seed("query independence"), st = seed;
    long iters = sl_test_scale(200), subs = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_model(&st, &m, 0);
        if (m.to - m.from > (sl_time)SL_MAX_RANGE_DAYS * DAY)
            m.to = m.from + (sl_time)SL_MAX_RANGE_DAYS * DAY;
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        size_t n = 0;
        sl_interval *all = query(db, &n, NULL, tenant, m.from, m.to, m.duration, m.now);
        for (int k = 0; k < 6; k++, subs++) {
            sl_time a = m.from + (sl_time)rnd(&st, (uint64_t)(m.to - m.from) + 1);
            sl_time b = a + (sl_time)rnd(&st, (uint64_t)(m.to - a) + 1);
            if (k == 0) { /* a boundary on a slot start, when there is one */
                if (n) {
                    a = all[rnd(&st, n)].start;
                    b = a + 1;
                }
            }
            size_t ns = 0;
            sl_interval *sub = query(db, &ns, NULL, tenant, a, b, m.duration, m.now);
            size_t j = 0;
            for (size_t i = 0; i < n; i++) {
                if (all[i].start < a || all[i].start >= b)
                    continue;
                if (j >= ns || sub[j].start != all[i].start) {
                    dump_model(&m, seed, it);
                    ck_abort_msg("iteration %ld: [%s, %s) lacks %s (or differs at %zu)", it, fmt(a), fmt(b),
                                 fmt(all[i].start), j);
                }
                j++;
            }
            if (j != ns) {
                dump_model(&m, seed, it);
                ck_abort_msg("iteration %ld: [%s, %s) lists %zu slots, the wide query %zu there", it, fmt(a),
                             fmt(b), ns, j);
            }
            sl_free(sub);
        }
        sl_free(all);
    }
    fprintf(stderr, "# query independence: %ld tenants, %ld sub-ranges\n", iters, subs);
    sl_close(db);
}
END_TEST

/* (3) The invariant: every listed slot books with sl_book, and every other
 * start (every grid start of every day interval, plus random off-grid
 * ones) is refused with SL_ECONFLICT or SL_EUNAVAILABLE and writes
 * nothing. The reference also says which of the two when only one reason
 * applies. */
START_TEST(test_prop_book_invariant)
{
    uint64_t seed = sl_test_seed("book invariant"), st = seed;
    static ref r;
    static sl_time cand[8192];
    long iters = sl_test_scale(100), booked = 0, refused = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_model(&st, &m, 1);
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        ref_build(&r, &m, m.from - DAY, m.to + DAY + m.duration);
        size_t n = 0;
        sl_interval *v = query(db, &n, NULL, tenant, m.from, m.to, m.duration, m.now);

        /* Candidates: grid starts of day intervals near the range, random
         * instants (mostly off the grid), and the listed slots. */
        size_t nc = 0;
        for (size_t i = 0; i < r.n_days; i++) {
            int64_t step = m.step ? m.step : m.duration;
            for (sl_time s = r.days[i].start; s < r.days[i].end && nc < 6000; s += step)
                if (s >= m.from - DAY && s < m.to + DAY)
                    cand[nc++] = s;
        }
        for (int k = 0; k < 30; k++)
            cand[nc++] = m.from - DAY + (sl_time)rnd(&st, (uint64_t)(m.to - m.from + 2 * DAY));
        for (size_t i = 0; i < n; i++)
            cand[nc++] = v[i].start;
        /* Keep the work bounded: a random subset of at most 300. */
        while (nc > 300) {
            size_t k = rnd(&st, nc);
            cand[k] = cand[--nc];
        }
        size_t before = n_sessions(db, tenant, m.from);
        for (size_t i = 0; i < nc; i++) {
            sl_time s = cand[i];
            int why = ref_classify(&r, &m, s);
            sl_session out;
            int rc = sl_book(db, &out, tenant, 9000, s, m.duration, 0, NULL, m.now);
            int in_range = s >= m.from && s < m.to;
            int was_listed = 0;
            for (size_t j = 0; j < n && !was_listed; j++)
                was_listed = v[j].start == s;
            if (in_range && was_listed != (why == 0)) {
                dump_model(&m, seed, it);
                ck_abort_msg("iteration %ld: %s listed %d but the reference says %d", it, fmt(s), was_listed, why);
            }
            if (why == 0) {
                if (rc != SL_OK)
                    dump_model(&m, seed, it);
                ck_assert_msg(rc == SL_OK, "iteration %ld: %s is a slot but sl_book said %s: %s", it, fmt(s),
                              sl_strerror(rc), sl_errmsg(db));
                ck_assert_int_eq(out.start, s);
                ck_assert_int_eq(out.end, s + m.duration);
                ck_assert_int_eq(out.status, SL_STATUS_PENDING);
                /* Free the time again: a deleted session does not block. */
                ck_assert_ok_db(db, sl_soft_delete(db, tenant, SL_ENTITY_SESSION, out.id, 4));
                before++;
                booked++;
            } else {
                int expect = (why == F_BUSY) ? SL_ECONFLICT : !(why & F_BUSY) ? SL_EUNAVAILABLE : 0;
                if (rc == SL_OK || (rc != SL_ECONFLICT && rc != SL_EUNAVAILABLE) || (expect && rc != expect))
                    dump_model(&m, seed, it);
                ck_assert_msg(rc == SL_ECONFLICT || rc == SL_EUNAVAILABLE,
                              "iteration %ld: %s (reasons %d) booked with %s", it, fmt(s), why, sl_strerror(rc));
                ck_assert_msg(!expect || rc == expect, "iteration %ld: %s (reasons %d) refused with %s: %s", it,
                              fmt(s), why, sl_strerror(rc), sl_errmsg(db));
                ck_assert_msg(sl_errmsg(db)[0] != '\0', "no message for a refusal");
                refused++;
            }
        }
        ck_assert_uint_eq(n_sessions(db, tenant, m.from), before);
        sl_free(v);
    }
    fprintf(stderr, "# book invariant: %ld tenants, %ld bookings, %ld refusals\n", iters, booked, refused);
    sl_close(db);
}
END_TEST

/* ---- many windows per day (issue 9, defect 3) ------------------------------ */

/* Issue 9, defect 3: 48 separate windows on every weekday, and a 14-day
 * query from 23:59 local with a duration reaching into the next date. The
 * window builder looks at 18 local dates, 864 day intervals; they used to
 * go into an array of 816, the rest over the busy intervals, which then
 * overwrote them. Every slot must come out exactly as the brute-force
 * reference says, with busy sessions in the range, and the slots book. */
START_TEST(test_many_windows_long_query)
{
    static const char *const tzs[] = {"UTC", "Europe/Berlin", "Pacific/Kiritimati"};
    uint64_t st = 9;
    sl_db *db = sl_test_open();
    for (size_t z = 0; z < sizeof(tzs) / sizeof(tzs[0]); z++) {
        model m;
        sl_id tenant = 1 + (sl_id)z;
        memset(&m, 0, sizeof(m));
        m.tz = tzs[z];
        m.step = 10 * MINUTE;
        m.duration = 20 * MINUTE;
        for (int32_t wd = 1; wd <= 7; wd++)
            for (int32_t k = 0; k < SL_MAX_WINDOWS_PER_DAY; k++) /* 00:00-00:20, 00:30-00:50, ... */
                m.rules[m.n_rules++] = (m_rule){wd, 30 * k, 30 * k + 20, SL_DATE_MIN, SL_DATE_MAX};
        /* 23:59 local on 2026-03-20: Berlin's clocks change inside the range. */
        ck_assert_int_eq(sl_tz_local_to_utc(NULL, &m.from, NULL, m.tz, (int64_t)D("2026-03-20") * DAY + 1439 * MINUTE),
                         SL_OK);
        m.to = m.from + (sl_time)SL_MAX_RANGE_DAYS * DAY;
        m.now = m.from - DAY;
        for (int k = 0; k < 6; k++) /* spread over the range, the last near its end */
            m.sess[m.n_sess++] = (m_sess){m.from + (sl_time)(1 + 5 * k) * DAY / 2 + k * HOUR,
                                          m.from + (sl_time)(1 + 5 * k) * DAY / 2 + k * HOUR + HOUR, 1};
        apply_model(db, tenant, &m, &st);
        size_t n = check_reference(db, tenant, &m, 0, (long)z, tzs[z]);
        /* 14 whole local dates of 48 slots, less the few the sessions take. */
        ck_assert_uint_ge(n, (size_t)(SL_MAX_RANGE_DAYS - 1) * SL_MAX_WINDOWS_PER_DAY);

        /* The caller-buffer entry point agrees, and the first and last slots book. */
        static sl_interval buf[SL_MAX_SLOTS];
        size_t nb = 0;
        ck_assert_ok_db(db, sl_slots(db, buf, SL_MAX_SLOTS, &nb, NULL, tenant, m.from, m.to, m.duration, m.now));
        ck_assert_uint_eq(nb, n);
        ck_assert_ok_db(db, sl_book(db, NULL, tenant, 77, buf[0].start, m.duration, 0, NULL, m.now));
        ck_assert_ok_db(db, sl_book(db, NULL, tenant, 77, buf[nb - 1].start, m.duration, 0, NULL, m.now));
        ck_assert_ok_db(db, sl_slots(db, buf, SL_MAX_SLOTS, &nb, NULL, tenant, m.from, m.to, m.duration, m.now));
        ck_assert_uint_eq(nb, n - 2);
    }
    sl_close(db);
}
END_TEST

/* k windows of one day in distinct half hours, each its own day interval
 * when `separate`; otherwise some touch the next half hour and some lie
 * anywhere. */
static void dense_windows(uint64_t *st, size_t k, sl_window *w, int separate)
{
    int32_t half[48];
    for (int32_t i = 0; i < 48; i++)
        half[i] = i;
    for (size_t i = 0; i < k; i++) {
        if (!separate && rnd(st, 8) == 0) {
            random_window(st, &w[i].start_min, &w[i].end_min);
            continue;
        }
        size_t j = i + rnd(st, 48 - i); /* a half hour not used yet */
        int32_t h = half[j];
        half[j] = half[i];
        half[i] = h;
        w[i].start_min = 30 * h + (int32_t)rnd(st, 15);
        w[i].end_min = w[i].start_min + 1 + (int32_t)rnd(st, (uint64_t)(30 * h + 30 - separate - w[i].start_min));
    }
}

/* A tenant with up to SL_MAX_WINDOWS_PER_DAY windows on each weekday and
 * on some overridden dates, and a range that often starts late in a local
 * day, often 14 days or longer (clamped). */
static void gen_dense_model(uint64_t *st, model *m)
{
    static const int64_t steps[] = {0, 0, 5, 10, 15, 30};
    static const int64_t durs[] = {5, 10, 15, 20, 30, 45, 60, 90};
    sl_window w[SL_MAX_WINDOWS_PER_DAY];
    memset(m, 0, sizeof(*m));
    m->tz = zones[rnd(st, N_ZONES)];
    m->step = steps[rnd(st, sizeof(steps) / sizeof(steps[0]))] * MINUTE;
    m->duration = durs[rnd(st, sizeof(durs) / sizeof(durs[0]))] * MINUTE;
    m->bb = (sl_time)rnd(st, 2) * 5 * MINUTE;
    m->ba = (sl_time)rnd(st, 2) * 10 * MINUTE;

    sl_time base = T("2016-01-01T00:00:00Z") + (sl_time)rnd(st, 14 * 365) * DAY;
    if (rnd(st, 10) < 7)
        base = near_change(m->tz, base) - (sl_time)rnd(st, 3 * DAY);
    sl_date ld = local_date(m->tz, base);
    int64_t minute = rnd(st, 2) ? 23 * 60 + (int64_t)rnd(st, 60) : (int64_t)rnd(st, 1440);
    ck_assert_int_eq(sl_tz_local_to_utc(NULL, &m->from, NULL, m->tz, (int64_t)ld * DAY + minute * MINUTE), SL_OK);
    sl_time len = rnd(st, 10) < 4 ? (sl_time)(SL_MAX_RANGE_DAYS * DAY) + (sl_time)rnd(st, 2 * DAY / MINUTE) * MINUTE
                                  : (sl_time)(1 + rnd(st, 4 * 24)) * HOUR;
    m->to = m->from + len;
    m->now = m->from - DAY + (sl_time)rnd(st, 2 * DAY);

    int full = rnd(st, 2) == 0; /* the limit of separate windows on every weekday */
    for (int32_t wd = 1; wd <= 7; wd++) {
        size_t k = full || rnd(st, 3) == 0 ? SL_MAX_WINDOWS_PER_DAY : rnd(st, SL_MAX_WINDOWS_PER_DAY + 1);
        dense_windows(st, k, w, full);
        for (size_t i = 0; i < k; i++) {
            m_rule r = {wd, w[i].start_min, w[i].end_min, SL_DATE_MIN, SL_DATE_MAX};
            if (!full && rnd(st, 10) == 0)
                r.vf = ld + (sl_date)rnd(st, 16);
            m->rules[m->n_rules++] = r;
        }
    }
    size_t no = rnd(st, 4);
    for (size_t i = 0; i < no; i++) {
        m_ovr *o = &m->ovr[m->n_ovr];
        o->date = ld + (sl_date)(m->n_ovr * 5 + rnd(st, 5)); /* distinct dates */
        o->n = rnd(st, 2) ? SL_MAX_WINDOWS_PER_DAY : rnd(st, SL_MAX_WINDOWS_PER_DAY + 1);
        dense_windows(st, o->n, o->w, full);
        m->n_ovr++;
    }
    size_t ns = rnd(st, 8);
    for (size_t i = 0; i < ns; i++) {
        sl_time s = m->from - 2 * HOUR + (sl_time)rnd(st, (uint64_t)(len + 4 * HOUR) / MINUTE) * MINUTE;
        m->sess[m->n_sess++] = (m_sess){s, s + (sl_time)(1 + rnd(st, 8)) * 10 * MINUTE, 1};
    }
}

/* (4) As (1), with window sets up to the limit on every weekday and
 * override, ranges starting late in a local day and durations reaching
 * into the next date: the window builder's worst cases. */
START_TEST(test_prop_many_windows)
{
    uint64_t seed = sl_test_seed("many windows vs reference"), st = seed;
    /* Hundreds of rule writes per tenant: fewer tenants where each is a
     * synced commit (the file store reads rules as the in-memory one does). */
    long iters = sl_test_scale(strcmp(sl_test_backend, "sqlite-file") == 0 ? 8 : 40), total = 0;
    sl_db *db = sl_test_open();
    for (long it = 0; it < iters; it++) {
        model m;
        gen_dense_model(&st, &m);
        sl_id tenant = 1 + it;
        apply_model(db, tenant, &m, &st);
        total += (long)check_reference(db, tenant, &m, seed, it, "many windows vs reference");
    }
    fprintf(stderr, "# many windows vs reference: %ld tenants, %ld slots compared\n", iters, total);
    sl_close(db);
}
END_TEST

/* The limit of SL_MAX_WINDOWS_PER_DAY windows per weekday holds on every
 * path that makes a rule live (add, update onto a full weekday, restore),
 * and on overrides; exactly the limit works. A refusal writes nothing. */
START_TEST(test_windows_per_day_limit)
{
    sl_db *db = sl_test_open();
    sl_rule *l = NULL, got;
    size_t n = 0;
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    for (int32_t k = 0; k < SL_MAX_WINDOWS_PER_DAY; k++)
        add_rule(db, 1, 3, 30 * k, 30 * k + 20);
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 3, 1430, 1440, SL_DATE_MIN, SL_DATE_MAX, 2), SL_EINVAL);
    ck_assert_msg_has(db, "48");
    /* A rule valid only on later dates counts too: the bound is on the live
     * rules of a weekday, whatever their validity. */
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 3, 1430, 1440, D("2030-01-01"), D("2030-01-31"), 2), SL_EINVAL);
    ck_assert_uint_eq(n_rules(db, 1), SL_MAX_WINDOWS_PER_DAY);
    /* Moving a Thursday rule onto the full Wednesday is refused and changes nothing. */
    sl_id thu = add_rule(db, 1, 4, 600, 660);
    ck_assert_fails(db, sl_rule_update(db, 1, thu, 3, 600, 660, SL_DATE_MIN, SL_DATE_MAX, 3), SL_EINVAL);
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, thu, 0));
    ck_assert_int_eq(got.weekday, 4);
    /* Updating a rule of the full weekday in place is fine. */
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, 1, 0));
    ck_assert_uint_eq(n, SL_MAX_WINDOWS_PER_DAY + 1);
    ck_assert_int_eq(l[0].weekday, 3);
    ck_assert_ok_db(db, sl_rule_update(db, 1, l[0].id, 3, 0, 25, SL_DATE_MIN, SL_DATE_MAX, 3));
    /* A deleted Wednesday rule cannot come back while another took its place. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, l[0].id, 4));
    add_rule(db, 1, 3, 0, 20);
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_RULE, l[0].id, 5), SL_EINVAL);
    ck_assert_fails(db, sl_rule_get(db, &got, 1, l[0].id, 0), SL_ENOTFOUND);
    sl_free(l);
    ck_assert_uint_eq(n_rules(db, 1), SL_MAX_WINDOWS_PER_DAY + 2); /* with the deleted one */

    /* Overrides: one window more than the limit is refused, the limit works. */
    sl_window w[SL_MAX_WINDOWS_PER_DAY + 1];
    for (int32_t k = 0; k <= SL_MAX_WINDOWS_PER_DAY; k++)
        w[k] = (sl_window){29 * k, 29 * k + 20};
    ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-04"), w, SL_MAX_WINDOWS_PER_DAY + 1, 6), SL_EINVAL);
    ck_assert_msg_has(db, "48");
    ck_assert_uint_eq(n_overrides(db, 1), 0);
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-04"), w, SL_MAX_WINDOWS_PER_DAY, 6));
    /* A date at the limit lists all its slots, from the override and from the rules. */
    size_t ns = 0;
    sl_interval *v = query(db, &ns, NULL, 1, T("2026-03-04T00:00:00Z"), T("2026-03-05T00:00:00Z"), 20 * MINUTE, 0);
    ck_assert_uint_eq(ns, SL_MAX_WINDOWS_PER_DAY);
    sl_free(v);
    v = query(db, &ns, NULL, 1, T("2026-03-11T00:00:00Z"), T("2026-03-12T00:00:00Z"), 20 * MINUTE, 0);
    ck_assert_uint_eq(ns, SL_MAX_WINDOWS_PER_DAY);
    sl_free(v);
    sl_close(db);
}
END_TEST

/* ---- booking operations ------------------------------------------------- */

/* The booking fixture: tenant 1, UTC, every day 08:00-20:00, step 30 min;
 * sessions of an hour; now is well before. MON is a Monday. */
#define MON T("2026-03-02T00:00:00Z")
#define NOW T("2026-01-01T00:00:00Z")

static sl_db *fixture(void)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 30 * MINUTE, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 480, 1200);
    return db;
}

static sl_time at(int day, int hour, int minute)
{
    return MON + (sl_time)day * DAY + hour * HOUR + minute * MINUTE;
}

START_TEST(test_book)
{
    sl_db *db = fixture();
    sl_session s, got;
    fund(db, 1, 7, 10);
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, at(0, 10, 0), HOUR, 3, NULL, NOW));
    ck_assert_int_gt(s.hold_id, 0); /* the credits are held with the booking */
    ck_assert_int_eq(held(db, 1, 7), 3);
    ck_assert_int_gt(s.id, 0);
    ck_assert_int_eq(s.tenant, 1);
    ck_assert_int_eq(s.student, 7);
    ck_assert_int_eq(s.start, at(0, 10, 0));
    ck_assert_int_eq(s.end, at(0, 11, 0));
    ck_assert_int_eq(s.status, SL_STATUS_PENDING);
    ck_assert_int_eq(s.kind, SL_KIND_REGULAR);
    ck_assert_int_eq(s.credits, 3);
    ck_assert_int_eq(s.replayed, 0);
    ck_assert_int_eq(s.created_at, NOW);
    ck_assert_int_eq(s.deleted_at, 0);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s.id, 0));
    ck_assert_int_eq(got.start, s.start);
    ck_assert_int_eq(got.credits, 3);
    /* The booked time leaves the slot list: 09:30..10:30 overlap it. */
    ck_assert(!listed(db, 1, at(0, 9, 30), HOUR, NOW));
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert(!listed(db, 1, at(0, 10, 30), HOUR, NOW));
    ck_assert(listed(db, 1, at(0, 9, 0), HOUR, NOW));
    ck_assert(listed(db, 1, at(0, 11, 0), HOUR, NOW));
    /* A second booking of an overlapping slot is a conflict naming it. */
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, s.id);
    ck_assert_sl(sl_book(db, NULL, 1, 8, at(0, 10, 30), HOUR, 0, NULL, NOW), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_msg_has(db, "2026-03-02T10:30Z");
    ck_assert_sl(sl_book(db, NULL, 1, 8, at(0, 10, 0), HOUR, 0, NULL, NOW), SL_ECONFLICT);
    /* Off the grid, outside availability: unavailable. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 12, 10), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 19, 30), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 6, 0), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    /* In the past (notice 0 still means not before now). */
    ck_assert_fails(db, sl_book(db, NULL, 1, 8, at(0, 12, 0), HOUR, 0, NULL, at(0, 12, 1)), SL_EUNAVAILABLE);
    /* Not enough credits: the booking and its hold are one; neither is
     * written and the slot stays free. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 14, 0), HOUR, 8, NULL, NOW), SL_EINSUFFICIENT);
    ck_assert_fails(db, sl_book(db, NULL, 1, 50, at(0, 14, 0), HOUR, 1, NULL, NOW), SL_EINSUFFICIENT);
    ck_assert(listed(db, 1, at(0, 14, 0), HOUR, NOW));
    ck_assert_int_eq(held(db, 1, 7), 3);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    sl_close(db);
}
END_TEST

START_TEST(test_book_many)
{
    sl_db *db = fixture();
    sl_session out[4];
    size_t failed = 99;
    /* Given out of time order on purpose. */
    sl_booking b[3] = {{7, at(1, 10, 0), HOUR, 1}, {8, at(0, 12, 0), HOUR, 2}, {7, at(0, 10, 0), HOUR, 0}};
    fund(db, 1, 7, 5);
    fund(db, 1, 8, 5);
    ck_assert_ok_db(db, sl_book_many(db, out, &failed, 1, b, 3, "batch-1", NOW));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].start, b[i].start);
        ck_assert_int_eq(out[i].student, b[i].student);
        ck_assert_int_eq(out[i].credits, b[i].credits);
        ck_assert_int_eq(out[i].series_id, out[0].id);
        ck_assert_int_eq(out[i].status, SL_STATUS_PENDING);
    }
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* A replay returns the same sessions, in the order of the request. */
    sl_session again[3];
    ck_assert_ok_db(db, sl_book_many(db, again, NULL, 1, b, 3, "batch-1", NOW));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(again[i].id, out[i].id);
        ck_assert_int_eq(again[i].replayed, 1);
    }
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    ck_assert_int_eq(held(db, 1, 7), 1); /* a replay holds nothing more */
    ck_assert_int_eq(held(db, 1, 8), 2);
    /* Credits short on the last booking: all or nothing, holds included. */
    sl_booking poor[2] = {{7, at(2, 8, 0), HOUR, 4}, {8, at(2, 10, 0), HOUR, 4}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, poor, 2, NULL, NOW), SL_EINSUFFICIENT);
    ck_assert_uint_eq(failed, 1);
    ck_assert_int_eq(held(db, 1, 7), 1);
    ck_assert(listed(db, 1, at(2, 8, 0), HOUR, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* All or nothing: the second conflicts with the existing 10:00. */
    sl_booking c[3] = {{9, at(2, 10, 0), HOUR, 0}, {9, at(0, 10, 30), HOUR, 0}, {9, at(2, 14, 0), HOUR, 0}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, c, 3, NULL, NOW), SL_ECONFLICT);
    ck_assert_uint_eq(failed, 1);
    ck_assert(listed(db, 1, at(2, 10, 0), HOUR, NOW)); /* the first was rolled back */
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* A batch conflicting with itself: 14:00-15:00 and 14:30-15:30. */
    sl_booking self[2] = {{9, at(3, 14, 0), HOUR, 0}, {10, at(3, 14, 30), HOUR, 0}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, self, 2, NULL, NOW), SL_ECONFLICT);
    ck_assert_uint_eq(failed, 1);
    ck_assert(listed(db, 1, at(3, 14, 0), HOUR, NOW));

    /* Invalid member, unavailable member. */
    sl_booking bad[3] = {{9, at(4, 10, 0), HOUR, 0}, {9, at(4, 12, 0), HOUR, 0}, {9, at(4, 14, 0), 59, 0}};
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, bad, 3, NULL, NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, 2);
    bad[2].duration = HOUR;
    bad[0].start = at(4, 3, 0);
    ck_assert_fails(db, sl_book_many(db, out, &failed, 1, bad, 3, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_uint_eq(failed, 0);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);

    /* Sizes: 0 and SL_MAX_BATCH + 1 are invalid and tied to no booking. */
    static sl_booking many[SL_MAX_BATCH + 1];
    static sl_session many_out[SL_MAX_BATCH + 1];
    for (int i = 0; i <= SL_MAX_BATCH; i++)
        many[i] = (sl_booking){9, at(10 + i / 12, 8 + i % 12, 0), HOUR, 0};
    ck_assert_fails(db, sl_book_many(db, many_out, &failed, 1, many, 0, NULL, NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, 0);
    ck_assert_fails(db, sl_book_many(db, many_out, &failed, 1, many, SL_MAX_BATCH + 1, NULL, NOW), SL_EINVAL);
    ck_assert_uint_eq(failed, SL_MAX_BATCH + 1);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    /* SL_MAX_BATCH itself works. */
    ck_assert_ok_db(db, sl_book_many(db, many_out, &failed, 1, many, SL_MAX_BATCH, NULL, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3 + SL_MAX_BATCH);
    sl_close(db);
}
END_TEST

START_TEST(test_book_trial)
{
    sl_db *db = fixture();
    sl_session t1, t2, t3;
    ck_assert_ok_db(db, sl_book_trial(db, &t1, 1, 7, at(0, 10, 0), 30 * MINUTE, NULL, NOW));
    ck_assert_int_eq(t1.kind, SL_KIND_TRIAL);
    ck_assert_int_eq(t1.credits, 0);
    ck_assert_int_eq(t1.hold_id, 0); /* free: student 7 has no credits at all */
    ck_assert_int_eq(t1.status, SL_STATUS_PENDING);
    /* One live trial per student: a second is SL_ESTATE, nothing written. */
    ck_assert_fails(db, sl_book_trial(db, NULL, 1, 7, at(1, 10, 0), 30 * MINUTE, NULL, NOW), SL_ESTATE);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    /* ... also once confirmed or completed (those are not "freed"). */
    ck_assert_ok_db(db, sl_confirm(db, NULL, 1, t1.id, NOW));
    ck_assert_sl(sl_book_trial(db, NULL, 1, 7, at(1, 10, 0), 30 * MINUTE, NULL, NOW), SL_ESTATE);
    /* Another student may. */
    ck_assert_ok_db(db, sl_book_trial(db, &t2, 1, 8, at(1, 10, 0), 30 * MINUTE, NULL, NOW));
    /* Trials obey availability and conflicts like any booking. */
    ck_assert_sl(sl_book_trial(db, NULL, 1, 9, at(1, 10, 0), 30 * MINUTE, NULL, NOW), SL_ECONFLICT);
    ck_assert_sl(sl_book_trial(db, NULL, 1, 9, at(1, 10, 10), 30 * MINUTE, NULL, NOW), SL_EUNAVAILABLE);
    /* A cancelled trial frees the student's trial. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, t1.id, NOW));
    ck_assert_ok_db(db, sl_book_trial(db, &t3, 1, 7, at(2, 10, 0), 30 * MINUTE, NULL, NOW));
    /* So does a deleted one. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, t3.id, 10));
    ck_assert_ok_db(db, sl_book_trial(db, NULL, 1, 7, at(3, 10, 0), 30 * MINUTE, NULL, NOW));
    /* Restoring a deleted trial while the student has another live one
     * would make two: refused with SL_ESTATE, the row stays deleted. */
    sl_session t4;
    ck_assert_ok_db(db, sl_book_trial(db, &t4, 1, 40, at(4, 12, 0), 30 * MINUTE, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, t4.id, 11));
    ck_assert_ok_db(db, sl_book_trial(db, NULL, 1, 40, at(4, 14, 0), 30 * MINUTE, NULL, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_SESSION, t4.id, 12), SL_ESTATE);
    sl_session got;
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, t4.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 11);
    /* A regular booking is not a trial: student 8 can still book lessons. */
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 8, at(4, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_sl(sl_book_trial(db, NULL, 1, 8, at(5, 10, 0), 30 * MINUTE, NULL, NOW), SL_ESTATE);
    sl_close(db);
}
END_TEST

START_TEST(test_schedule_manual)
{
    sl_db *db = fixture();
    sl_session a, m1, m2;
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    fund(db, 1, 8, 2);
    /* Outside availability, off the grid, in the past: all fine. */
    ck_assert_ok_db(db, sl_schedule_manual(db, &m1, 1, 8, at(0, 3, 17), 45 * MINUTE, 2, NULL, at(1, 0, 0)));
    ck_assert_int_eq(m1.kind, SL_KIND_MANUAL);
    ck_assert_int_eq(m1.status, SL_STATUS_CONFIRMED);
    ck_assert_int_eq(m1.credits, 2);
    /* Over an existing session: never a conflict. */
    ck_assert_ok_db(db, sl_schedule_manual(db, &m2, 1, 9, at(0, 10, 30), HOUR, 0, NULL, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    /* But it blocks others: 11:00 was free before, 10:30-11:30 takes it. */
    ck_assert(!listed(db, 1, at(0, 11, 0), HOUR, NOW));
    ck_assert_sl(sl_book(db, NULL, 1, 10, at(0, 11, 0), HOUR, 0, NULL, NOW), SL_ECONFLICT);
    ck_assert(listed(db, 1, at(0, 11, 30), HOUR, NOW));
    sl_close(db);
}
END_TEST

START_TEST(test_reschedule)
{
    sl_db *db = fixture();
    sl_session a, b, moved, got;
    fund(db, 1, 7, 3);
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 3, "resched", NOW));
    ck_assert_int_gt(a.hold_id, 0);
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 12, 0), HOUR, 0, NULL, NOW));
    /* Onto a time overlapping its own old time: no conflict with itself. */
    ck_assert_ok_db(db, sl_reschedule(db, &moved, 1, a.id, at(0, 10, 30), at(0, 1, 0)));
    ck_assert_int_eq(moved.id, a.id);
    ck_assert_int_eq(moved.start, at(0, 10, 30));
    ck_assert_int_eq(moved.end, at(0, 11, 30));
    ck_assert_int_eq(moved.credits, 3);
    ck_assert_int_eq(moved.hold_id, a.hold_id);
    ck_assert_int_eq(moved.status, SL_STATUS_PENDING);
    ck_assert_int_eq(moved.updated_at, at(0, 1, 0));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.start, at(0, 10, 30));
    ck_assert_int_eq(got.credits, 3);
    ck_assert_int_eq(got.hold_id, a.hold_id);
    ck_assert_int_eq(held(db, 1, 7), 3); /* the same hold, not a second one */
    /* The old time is free again, atomically. */
    ck_assert(listed(db, 1, at(0, 9, 30), HOUR, NOW));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 2);
    /* Onto another session: a conflict naming it, and it stays put. */
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, b.id);
    ck_assert_sl(sl_reschedule(db, NULL, 1, a.id, at(0, 11, 30), NOW), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.start, at(0, 10, 30));
    /* Off the grid / outside availability. */
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(0, 14, 10), NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(0, 21, 0), NOW), SL_EUNAVAILABLE);
    /* A confirmed session moves too. */
    ck_assert_ok_db(db, sl_confirm(db, NULL, 1, a.id, NOW));
    ck_assert_ok_db(db, sl_reschedule(db, &moved, 1, a.id, at(1, 9, 0), NOW));
    ck_assert_int_eq(moved.status, SL_STATUS_CONFIRMED);
    /* The idempotency key stays with the session: a replay finds it. */
    sl_session rep;
    ck_assert_ok_db(db, sl_book(db, &rep, 1, 7, at(0, 10, 0), HOUR, 3, "resched", NOW));
    ck_assert_int_eq(rep.id, a.id);
    ck_assert_int_eq(rep.replayed, 1);
    /* Cancelled, completed: SL_ESTATE. */
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, a.id, NOW));
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(2, 9, 0), NOW), SL_ESTATE);
    ck_assert_ok_db(db, sl_complete(db, NULL, 1, b.id, NOW));
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, b.id, at(2, 9, 0), NOW), SL_ESTATE);
    /* Manual sessions move anywhere. */
    sl_session m;
    ck_assert_ok_db(db, sl_schedule_manual(db, &m, 1, 9, at(3, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_reschedule(db, &moved, 1, m.id, at(3, 2, 7), NOW));
    ck_assert_int_eq(moved.start, at(3, 2, 7));
    ck_assert_uint_eq(n_sessions(db, 1, MON), 3);
    sl_close(db);
}
END_TEST

/*
 * Weekly at the same local wall time: Europe/Berlin Mondays 09:00-12:00.
 * 10:00 CET on 2026-03-23 is 09:00Z; Europe changes on 2026-03-29, so
 * 10:00 CEST on 03-30 and 04-06 is 08:00Z. In autumn (change 2026-10-25):
 * 10:00 CEST 10-19 = 08:00Z, 10:00 CET 10-26 = 09:00Z.
 */
START_TEST(test_recurring_across_dst)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Europe/Berlin", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 1, 540, 720);
    sl_session out[SL_MAX_RECURRING];
    sl_time skipped[4];
    size_t nb = 0, ns = 9;
    fund(db, 1, 7, 3);
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, skipped, 4, &ns, 1, 7, T("2026-03-23T09:00:00Z"), HOUR, 1,
                                          3, SL_RECUR_ALL_OR_NOTHING, "series-1", NOW));
    ck_assert_uint_eq(nb, 3);
    ck_assert_uint_eq(ns, 0);
    ck_assert_int_eq(out[0].start, T("2026-03-23T09:00:00Z"));
    ck_assert_int_eq(out[1].start, T("2026-03-30T08:00:00Z"));
    ck_assert_int_eq(out[2].start, T("2026-04-06T08:00:00Z"));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].series_id, out[0].id);
        ck_assert_int_eq(out[i].end - out[i].start, HOUR);
        ck_assert_int_eq(out[i].student, 7);
        ck_assert_int_eq(out[i].credits, 1);
        sl_session got;
        ck_assert_ok_db(db, sl_session_get(db, &got, 1, out[i].id, 0));
        ck_assert_int_eq(got.series_id, out[0].id);
    }
    /* A replay of the series returns it. */
    sl_session again[3];
    ck_assert_ok_db(db, sl_book_recurring(db, again, &nb, NULL, 0, NULL, 1, 7, T("2026-03-23T09:00:00Z"), HOUR, 1, 3,
                                          SL_RECUR_ALL_OR_NOTHING, "series-1", NOW));
    ck_assert_uint_eq(nb, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(again[i].id, out[i].id);
        ck_assert_int_eq(again[i].replayed, 1);
    }
    ck_assert_uint_eq(n_sessions(db, 1, T("2026-04-01T00:00:00Z")), 3);

    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 8, T("2026-10-19T08:00:00Z"), HOUR, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW));
    ck_assert_uint_eq(nb, 2);
    ck_assert_int_eq(out[0].start, T("2026-10-19T08:00:00Z"));
    ck_assert_int_eq(out[1].start, T("2026-10-26T09:00:00Z"));
    sl_close(db);
}
END_TEST

START_TEST(test_recurring_policies)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"Europe/Berlin", 0, 0, 0, 0, 0, 0});
    add_rule(db, 1, 1, 540, 720);
    sl_session out[SL_MAX_RECURRING], blocker;
    sl_time skipped[4] = {0};
    size_t nb = 9, ns = 9;
    sl_time base = T("2026-03-23T09:00:00Z");
    ck_assert_ok_db(db, sl_schedule_manual(db, &blocker, 1, 99, T("2026-03-30T08:30:00Z"), HOUR, 0, NULL, NOW));
    size_t before = n_sessions(db, 1, base);

    /* One conflict refuses everything. */
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, skipped, 4, &ns, 1, 7, base, HOUR, 0, 4,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_ECONFLICT);
    ck_assert_uint_eq(nb, 0);
    ck_assert_uint_eq(n_sessions(db, 1, base), before);
    ck_assert(listed(db, 1, base, HOUR, NOW));

    /* Skip-conflicts books the rest and reports what it skipped (a
     * conflict on 03-30 and a day off on 04-13). */
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-04-13"), NULL, 0, 1));
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, skipped, 4, &ns, 1, 7, base, HOUR, 0, 4,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW));
    ck_assert_uint_eq(nb, 2);
    ck_assert_uint_eq(ns, 2);
    ck_assert_int_eq(skipped[0], T("2026-03-30T08:00:00Z"));
    ck_assert_int_eq(skipped[1], T("2026-04-13T08:00:00Z"));
    ck_assert_int_eq(out[0].start, base);
    ck_assert_int_eq(out[1].start, T("2026-04-06T08:00:00Z"));
    ck_assert_int_eq(out[1].series_id, out[0].id);
    ck_assert_int_eq(out[0].series_id, out[0].id);
    ck_assert_uint_eq(n_sessions(db, 1, base), before + 2);
    /* skipped may be NULL with cap 0: the count is still reported. */
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, NULL, 0, &ns, 1, 8, T("2026-03-23T10:00:00Z"), HOUR, 0, 4,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW));
    ck_assert_uint_eq(nb, 2); /* 03-30 09:00Z overlaps the blocker too; 04-13 off */
    ck_assert_uint_eq(ns, 2);

    /* Count bounds. */
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, base, HOUR, 0, 0,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, base, HOUR, 0, SL_MAX_RECURRING + 1,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, base, HOUR, 0, UINT32_MAX,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW), SL_EINVAL);
    /* 52 weeks is allowed: a year of Mondays at 11:00 local. */
    ck_assert_ok_db(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 9, T("2026-05-04T09:00:00Z"), HOUR, 0,
                                          SL_MAX_RECURRING, SL_RECUR_ALL_OR_NOTHING, NULL, NOW));
    ck_assert_uint_eq(nb, SL_MAX_RECURRING);
    ck_assert_int_eq(out[SL_MAX_RECURRING - 1].start, T("2027-04-26T09:00:00Z")); /* 11:00 CEST */
    ck_assert_int_eq(out[30].start, T("2026-11-30T10:00:00Z"));                   /* 11:00 CET */
    sl_session *l = NULL;
    size_t nl = 0;
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &nl, 1, 9, 0));
    ck_assert_uint_eq(nl, SL_MAX_RECURRING);
    sl_free(l);
    sl_close(db);
}
END_TEST

typedef int (*transition_fn)(sl_db *, sl_session *, sl_id, sl_id, sl_time);

/* Every status x every transition: allowed ones land in the target status,
 * the rest are SL_ESTATE and change nothing. */
START_TEST(test_status_machine)
{
    static const struct {
        transition_fn fn;
        int32_t to;
        const char *name;
    } ops[] = {{sl_confirm, SL_STATUS_CONFIRMED, "confirm"},
               {sl_cancel, SL_STATUS_CANCELLED, "cancel"},
               {sl_complete, SL_STATUS_COMPLETED, "complete"},
               {sl_mark_no_show, SL_STATUS_NO_SHOW, "no_show"}};
    static const int32_t froms[] = {SL_STATUS_PENDING, SL_STATUS_CONFIRMED, SL_STATUS_CANCELLED,
                                    SL_STATUS_COMPLETED, SL_STATUS_NO_SHOW};
    /* allowed[from - 1][op] */
    static const int allowed[5][4] = {
        {1, 1, 1, 1}, /* pending */
        {0, 1, 1, 1}, /* confirmed */
        {0, 0, 0, 0}, /* cancelled */
        {0, 0, 0, 0}, /* completed */
        {0, 0, 0, 0}, /* no_show */
    };
    sl_db *db = fixture();
    int k = 0;
    for (size_t f = 0; f < 5; f++) {
        for (size_t o = 0; o < 4; o++, k++) {
            sl_session s, got;
            ck_assert_ok_db(db, sl_book(db, &s, 1, 100 + k, at(k / 12, 8 + k % 12, 0), HOUR, 0, NULL, NOW));
            if (froms[f] == SL_STATUS_CONFIRMED)
                ck_assert_ok_db(db, sl_confirm(db, NULL, 1, s.id, NOW));
            else if (froms[f] != SL_STATUS_PENDING)
                ck_assert_ok_db(db, ops[froms[f] - 2].fn(db, NULL, 1, s.id, NOW));
            int rc = ops[o].fn(db, &got, 1, s.id, NOW + 5);
            ck_assert_msg(rc == SL_OK || sl_errmsg(db)[0] != '\0', "no message");
            sl_session now;
            ck_assert_ok_db(db, sl_session_get(db, &now, 1, s.id, 0));
            if (allowed[froms[f] - 1][o]) {
                ck_assert_msg(rc == SL_OK, "status %d -> %s: %s", froms[f], ops[o].name, sl_strerror(rc));
                ck_assert_int_eq(got.status, ops[o].to);
                ck_assert_int_eq(now.status, ops[o].to);
                ck_assert_int_eq(now.updated_at, NOW + 5);
            } else {
                ck_assert_msg(rc == SL_ESTATE, "status %d -> %s: %s", froms[f], ops[o].name, sl_strerror(rc));
                ck_assert_int_eq(now.status, froms[f]);
            }
        }
    }
    /* Cancelled frees the time; completed and no-show keep blocking it. */
    sl_session c, d, e;
    ck_assert_ok_db(db, sl_book(db, &c, 1, 1, at(5, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &d, 1, 2, at(5, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &e, 1, 3, at(5, 14, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, c.id, NOW));
    ck_assert_ok_db(db, sl_complete(db, NULL, 1, d.id, NOW));
    ck_assert_ok_db(db, sl_mark_no_show(db, NULL, 1, e.id, NOW));
    ck_assert(listed(db, 1, at(5, 10, 0), HOUR, NOW));
    ck_assert(!listed(db, 1, at(5, 12, 0), HOUR, NOW));
    ck_assert(!listed(db, 1, at(5, 14, 0), HOUR, NOW));
    sl_close(db);
}
END_TEST

START_TEST(test_idempotency)
{
    sl_db *db = fixture();
    sl_session s, r;
    fund(db, 1, 7, 2);
    ck_assert_ok_db(db, sl_book(db, &s, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW));
    ck_assert_int_eq(s.replayed, 0);
    ck_assert_str_eq(s.key, "key-1");
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW));
    ck_assert_int_eq(r.id, s.id);
    ck_assert_int_eq(r.replayed, 1);
    ck_assert_int_eq(r.hold_id, s.hold_id);
    ck_assert_int_eq(held(db, 1, 7), 2); /* no second hold (it would not even fit) */
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    /* Same key, different request: refused, naming the key. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(0, 12, 0), HOUR, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_msg_has(db, "key-1");
    ck_assert_sl(sl_book(db, NULL, 1, 8, at(0, 10, 0), HOUR, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 3, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_book(db, NULL, 1, 7, at(0, 10, 0), 30 * MINUTE, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    /* ... and across operations. */
    ck_assert_sl(sl_book_trial(db, NULL, 1, 7, at(0, 10, 0), HOUR, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_sl(sl_schedule_manual(db, NULL, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW), SL_EIDEMPOTENCY);
    sl_booking b = {7, at(0, 10, 0), HOUR, 2};
    ck_assert_sl(sl_book_many(db, NULL, NULL, 1, &b, 1, "key-1", NOW), SL_EIDEMPOTENCY);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);

    /* A replay answers even when its payload would be refused now: past
     * the start (notice), and after the session was cancelled and its
     * time booked by someone else. */
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", at(0, 10, 30)));
    ck_assert_int_eq(r.id, s.id);
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, s.id, NOW));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 9, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(0, 10, 0), HOUR, 2, "key-1", NOW));
    ck_assert_int_eq(r.id, s.id);
    ck_assert_int_eq(r.status, SL_STATUS_CANCELLED);
    ck_assert_int_eq(r.replayed, 1);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 2);

    /* Trials and manual sessions replay too. */
    sl_session t, t2, m, m2;
    ck_assert_ok_db(db, sl_book_trial(db, &t, 1, 20, at(1, 10, 0), HOUR, "trial-key", NOW));
    ck_assert_ok_db(db, sl_book_trial(db, &t2, 1, 20, at(1, 10, 0), HOUR, "trial-key", NOW));
    ck_assert_int_eq(t2.id, t.id);
    ck_assert_int_eq(t2.replayed, 1);
    ck_assert_ok_db(db, sl_schedule_manual(db, &m, 1, 21, at(1, 3, 0), HOUR, 0, "manual-key", NOW));
    ck_assert_ok_db(db, sl_schedule_manual(db, &m2, 1, 21, at(1, 3, 0), HOUR, 0, "manual-key", NOW));
    ck_assert_int_eq(m2.id, m.id);

    /* Key bounds: 128 bytes fine, 129 not; invalid UTF-8 or empty not. */
    size_t before = n_sessions(db, 1, MON);
    char k128[SL_KEY_MAX + 1], k129[SL_KEY_MAX + 2];
    memset(k128, 'k', SL_KEY_MAX);
    k128[SL_KEY_MAX] = '\0';
    memset(k129, 'k', SL_KEY_MAX + 1);
    k129[SL_KEY_MAX + 1] = '\0';
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, k129, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "", NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "bad\xff", NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "\xc0\xaf", NOW), SL_EINVAL);       /* overlong */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "\xed\xa0\x80", NOW), SL_EINVAL);   /* surrogate */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "cut\xe2\x82", NOW), SL_EINVAL);    /* truncated */
    ck_assert_fails(db, sl_book_trial(db, NULL, 1, 30, at(2, 10, 0), HOUR, k129, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, at(2, 10, 0), HOUR, 0, "\xff", NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_many(db, NULL, NULL, 1, &b, 1, k129, NOW), SL_EINVAL);
    sl_session rec[2];
    size_t nb = 0;
    ck_assert_fails(db, sl_book_recurring(db, rec, &nb, NULL, 0, NULL, 1, 7, at(2, 10, 0), HOUR, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, "\xff", NOW), SL_EINVAL);
    ck_assert_uint_eq(n_sessions(db, 1, MON), before);
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(2, 10, 0), HOUR, 0, k128, NOW));
    ck_assert_str_eq(r.key, k128);
    ck_assert_ok_db(db, sl_book(db, &r, 1, 7, at(2, 12, 0), HOUR, 0, "ключ-🔑", NOW));
    ck_assert_ok_db(db, sl_session_get(db, &r, 1, r.id, 0));
    ck_assert_str_eq(r.key, "ключ-🔑");
    sl_close(db);
}
END_TEST

START_TEST(test_queries)
{
    sl_db *db = fixture();
    sl_session a, b, c, d;
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_schedule_manual(db, &c, 1, 7, at(0, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &d, 1, 7, at(2, 9, 0), HOUR, 0, NULL, NOW));

    sl_session *l = NULL;
    size_t n = 0;
    /* Half-open overlap: [11:00, 12:00) touches a's end and b's start. */
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, at(0, 11, 0), at(0, 12, 0), 0));
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(l);
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, at(0, 11, 0) - 1, at(0, 12, 0) + 1, 0));
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(l[0].id, a.id);
    ck_assert_int_eq(l[1].id, b.id < c.id ? b.id : c.id); /* (start, id) order */
    ck_assert_int_eq(l[2].id, b.id < c.id ? c.id : b.id);
    sl_free(l);
    /* A deleted session is hidden unless asked for. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, b.id, 77));
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 7 * DAY, 0));
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ne(l[i].id, b.id);
    sl_free(l);
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 7 * DAY, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 4);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (l[i].id == b.id) {
            seen = 1;
            ck_assert_int_eq(l[i].deleted_at, 77);
        }
    ck_assert(seen);
    sl_free(l);
    /* By student, sorted by start. */
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &n, 1, 7, 0));
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(l[0].id, a.id);
    ck_assert_int_eq(l[1].id, c.id);
    ck_assert_int_eq(l[2].id, d.id);
    sl_free(l);
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &n, 1, 8, 0));
    ck_assert_uint_eq(n, 0);
    sl_free(l);
    ck_assert_ok_db(db, sl_sessions_by_student(db, &l, &n, 1, 8, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(l);
    /* Range limits. */
    ck_assert_fails(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 367 * (sl_time)DAY, 0), SL_ERANGE);
    ck_assert_fails(db, sl_sessions_list(db, &l, &n, 1, MON, MON - 1, 0), SL_EINVAL);
    ck_assert_ok_db(db, sl_sessions_list(db, &l, &n, 1, MON, MON + 366 * (sl_time)DAY, 0));
    sl_free(l);
    /* get of a deleted one. */
    sl_session got;
    ck_assert_fails(db, sl_session_get(db, &got, 1, b.id, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, b.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 77);
    ck_assert_fails(db, sl_session_get(db, &got, 1, 99999, 0), SL_ENOTFOUND);
    sl_close(db);
}
END_TEST

/* ---- soft delete, restore, purge ------------------------------------------ */

START_TEST(test_softdelete_rules)
{
    sl_db *db = sl_test_open();
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    sl_id r = add_rule(db, 1, 1, 600, 720);
    sl_rule got, *l = NULL;
    size_t n = 0;
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r, 50));
    /* Hidden from reads and from availability. */
    ck_assert_fails(db, sl_rule_get(db, &got, 1, r, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 50);
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, 1, 0));
    ck_assert_uint_eq(n, 0);
    sl_free(l);
    ck_assert_ok_db(db, sl_rules_list(db, &l, &n, 1, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(l);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_sl(sl_book(db, NULL, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    /* A deleted rule cannot be updated. */
    ck_assert_fails(db, sl_rule_update(db, 1, r, 1, 600, 780, SL_DATE_MIN, SL_DATE_MAX, 51), SL_ENOTFOUND);
    /* Twice: SL_ESTATE. Restore brings it back; restoring a live row: SL_ESTATE. */
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r, 60), SL_ESTATE);
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_RULE, r, 70));
    ck_assert_ok_db(db, sl_rule_get(db, &got, 1, r, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_int_eq(got.end_min, 720);
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_RULE, r, 80), SL_ESTATE);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r + 1000, 80), SL_ENOTFOUND);
    sl_close(db);
}
END_TEST

START_TEST(test_softdelete_overrides)
{
    sl_db *db = fixture();
    sl_id o = 0;
    sl_date monday = D("2026-03-02");
    ck_assert_ok_db(db, sl_override_set(db, &o, 1, monday, NULL, 0, 1)); /* day off */
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 5));
    /* The weekly rules apply again; the override is hidden. */
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    sl_override got, *l = NULL;
    size_t n = 0;
    ck_assert_fails(db, sl_override_get(db, &got, 1, monday, 0), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_override_get(db, &got, 1, monday, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 5);
    ck_assert_int_eq(got.id, o);
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, 1, monday, monday, 0));
    ck_assert_uint_eq(n, 0);
    sl_free(l);
    ck_assert_ok_db(db, sl_overrides_list(db, &l, &n, 1, monday, monday, SL_INCLUDE_DELETED));
    ck_assert_uint_eq(n, 1);
    sl_free(l);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 6), SL_ESTATE);
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_OVERRIDE, o, 7));
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_OVERRIDE, o, 8), SL_ESTATE);
    /* Setting a deleted date again revives its row with the new windows. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 9));
    const sl_window w[] = {{600, 660}};
    sl_id o2 = 0;
    ck_assert_ok_db(db, sl_override_set(db, &o2, 1, monday, w, 1, 10));
    ck_assert_int_eq(o2, o);
    ck_assert_ok_db(db, sl_override_get(db, &got, 1, monday, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_int_eq(got.n_windows, 1);
    expect_slots(db, 1, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", HOUR, NOW, SLOTS("2026-03-02T10:00:00Z"));
    sl_close(db);
}
END_TEST

START_TEST(test_softdelete_sessions)
{
    sl_db *db = fixture();
    sl_session a, b, got;
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, 20));
    /* Deleted: hidden, no longer blocking, no transitions. */
    ck_assert(listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_session_get(db, &got, 1, a.id, 0), SL_ENOTFOUND);
    ck_assert_fails(db, sl_confirm(db, NULL, 1, a.id, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, at(0, 14, 0), NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, 21), SL_ESTATE);
    /* Restore while the time is free: blocks again. */
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, a.id, 22));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_SESSION, a.id, 23), SL_ESTATE);
    /* Delete, someone takes an overlapping time, restore: SL_ECONFLICT
     * naming the taker, and it stays deleted. */
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, a.id, 24));
    ck_assert_ok_db(db, sl_book(db, &b, 1, 8, at(0, 10, 30), HOUR, 0, NULL, NOW));
    char idtext[64];
    snprintf(idtext, sizeof(idtext), "conflicts with session %" PRId64, b.id);
    ck_assert_sl(sl_restore(db, 1, SL_ENTITY_SESSION, a.id, 25), SL_ECONFLICT);
    ck_assert_msg_has(db, idtext);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, a.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 24);
    /* A cancelled session blocks nothing, so it restores whatever. */
    sl_session c;
    ck_assert_ok_db(db, sl_book(db, &c, 1, 9, at(1, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_cancel(db, NULL, 1, c.id, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, c.id, 30));
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 10, at(1, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_restore(db, 1, SL_ENTITY_SESSION, c.id, 31));
    /* Restoring re-checks the footprint with the tenant's buffers. */
    put_tenant(db, 1, (settings){"UTC", 30 * MINUTE, 0, 30 * MINUTE, 0, 0, 0});
    sl_session e, f;
    ck_assert_ok_db(db, sl_book(db, &e, 1, 11, at(2, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, e.id, 40));
    /* f = 11:00-12:00 touches e (10:00-11:00) but not e's buffer_after
     * footprint [10:00, 11:30). */
    ck_assert_ok_db(db, sl_book(db, &f, 1, 12, at(2, 11, 0), HOUR, 0, NULL, NOW));
    ck_assert_sl(sl_restore(db, 1, SL_ENTITY_SESSION, e.id, 41), SL_ECONFLICT);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, e.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 40);
    sl_close(db);
}
END_TEST

START_TEST(test_purge)
{
    sl_db *db = fixture();
    sl_session s1, s2, s3;
    ck_assert_ok_db(db, sl_book(db, &s1, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &s2, 1, 7, at(0, 12, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_book(db, &s3, 1, 7, at(0, 14, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, s1.id, 1000));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, s2.id, 2000));
    size_t purged = 99;
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, 1500));
    ck_assert_uint_eq(purged, 1);
    sl_session got;
    ck_assert_sl(sl_session_get(db, &got, 1, s1.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s2.id, SL_INCLUDE_DELETED));
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s3.id, 0));
    /* The cutoff is exclusive: deleted_at == before stays. */
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, 2000));
    ck_assert_uint_eq(purged, 0);
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, 2001));
    ck_assert_uint_eq(purged, 1);
    ck_assert_sl(sl_session_get(db, &got, 1, s2.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, s3.id, 0));

    /* Rules and overrides: only the deleted ones, and only their entity. */
    sl_id r1 = add_rule(db, 1, 3, 0, 60), o = 0;
    ck_assert_ok_db(db, sl_override_set(db, &o, 1, D("2026-05-01"), NULL, 0, 1));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_RULE, r1, 100));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_OVERRIDE, o, 100));
    size_t rules_before = n_rules(db, 1);
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_RULE, 101));
    ck_assert_uint_eq(purged, 1);
    ck_assert_uint_eq(n_rules(db, 1), rules_before - 1);
    ck_assert_uint_eq(n_rules(db, 1), 7);
    ck_assert_uint_eq(n_overrides(db, 1), 1); /* untouched by the rule purge */
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_OVERRIDE, 101));
    ck_assert_uint_eq(purged, 1);
    ck_assert_uint_eq(n_overrides(db, 1), 0);
    /* Nothing left to purge; accounts are never purged. */
    ck_assert_ok_db(db, sl_purge(db, &purged, SL_ENTITY_SESSION, SL_TIME_MAX));
    ck_assert_uint_eq(purged, 0);
    ck_assert_fails(db, sl_purge(db, &purged, SL_ENTITY_ACCOUNT, SL_TIME_MAX), SL_EINVAL);
    ck_assert_uint_eq(n_sessions(db, 1, MON), 1);
    sl_close(db);
}
END_TEST

/* ---- tenant isolation ------------------------------------------------------ */

START_TEST(test_tenant_isolation)
{
    sl_db *db = fixture(); /* tenant 1 = A */
    put_tenant(db, 2, (settings){"UTC", 30 * MINUTE, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 2, 480, 1200);
    sl_session sa, gone, got;
    sl_id ra = 0, oa = 0;
    sl_date odate = D("2026-03-04");
    fund(db, 1, 7, 1);
    ck_assert_ok_db(db, sl_book(db, &sa, 1, 7, at(0, 10, 0), HOUR, 1, "ka", NOW));
    ck_assert_ok_db(db, sl_book(db, &gone, 1, 7, at(0, 14, 0), HOUR, 0, NULL, NOW));
    ck_assert_ok_db(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, gone.id, 5));
    ck_assert_ok_db(db, sl_rule_add(db, &ra, 1, 3, 0, 60, SL_DATE_MIN, SL_DATE_MAX, 1));
    const sl_window w[] = {{600, 700}};
    ck_assert_ok_db(db, sl_override_set(db, &oa, 1, odate, w, 1, 1));
    size_t sessions_a = n_sessions(db, 1, MON), rules_a = n_rules(db, 1), ovr_a = n_overrides(db, 1);

    const sl_id others[] = {2, 99};
    for (size_t i = 0; i < 2; i++) {
        sl_id x = others[i];
        ck_assert_fails(db, sl_session_get(db, &got, x, sa.id, SL_INCLUDE_DELETED), SL_ENOTFOUND);
        ck_assert_fails(db, sl_confirm(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_cancel(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_complete(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_mark_no_show(db, NULL, x, sa.id, NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_reschedule(db, NULL, x, sa.id, at(0, 12, 0), NOW), SL_ENOTFOUND);
        ck_assert_fails(db, sl_soft_delete(db, x, SL_ENTITY_SESSION, sa.id, 9), SL_ENOTFOUND);
        ck_assert_fails(db, sl_restore(db, x, SL_ENTITY_SESSION, gone.id, 9), SL_ENOTFOUND);
        ck_assert_fails(db, sl_soft_delete(db, x, SL_ENTITY_RULE, ra, 9), SL_ENOTFOUND);
        ck_assert_fails(db, sl_soft_delete(db, x, SL_ENTITY_OVERRIDE, oa, 9), SL_ENOTFOUND);
        sl_rule rule;
        ck_assert_fails(db, sl_rule_get(db, &rule, x, ra, SL_INCLUDE_DELETED), SL_ENOTFOUND);
        ck_assert_fails(db, sl_rule_update(db, x, ra, 1, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, 9), SL_ENOTFOUND);
        sl_override ov;
        ck_assert_fails(db, sl_override_get(db, &ov, x, odate, SL_INCLUDE_DELETED), SL_ENOTFOUND);
        /* Lists under another tenant show nothing of A. */
        sl_session *l = NULL;
        size_t n = 0;
        int rc = sl_sessions_list(db, &l, &n, x, MON - DAY, MON + 7 * DAY, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        ck_assert_uint_eq(rc == SL_OK ? n : 0, 0);
        sl_free(l);
        rc = sl_sessions_by_student(db, &l, &n, x, 7, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        ck_assert_uint_eq(rc == SL_OK ? n : 0, 0);
        sl_free(l);
        sl_rule *rl = NULL;
        rc = sl_rules_list(db, &rl, &n, x, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        for (size_t k = 0; rc == SL_OK && k < n; k++)
            ck_assert_int_eq(rl[k].tenant, x);
        sl_free(rl);
        sl_override *ol = NULL;
        rc = sl_overrides_list(db, &ol, &n, x, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED);
        ck_assert(rc == SL_OK || rc == SL_ENOTFOUND);
        ck_assert_uint_eq(rc == SL_OK ? n : 0, 0);
        sl_free(ol);
    }
    /* A tenant that does not exist: every write and the slot query. */
    sl_session out[2];
    size_t nb = 0;
    sl_booking bk = {7, at(0, 16, 0), HOUR, 0};
    sl_interval buf[4];
    size_t n = 0;
    ck_assert_fails(db, sl_slots(db, buf, 4, &n, NULL, 99, MON, MON + DAY, HOUR, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_book(db, NULL, 99, 7, at(0, 16, 0), HOUR, 0, NULL, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_book_trial(db, NULL, 99, 7, at(0, 16, 0), HOUR, NULL, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 99, 7, at(0, 16, 0), HOUR, 0, NULL, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_book_many(db, NULL, NULL, 99, &bk, 1, NULL, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 99, 7, at(0, 16, 0), HOUR, 0, 2,
                                          SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_rule_add(db, NULL, 99, 1, 0, 60, SL_DATE_MIN, SL_DATE_MAX, 1), SL_ENOTFOUND);
    ck_assert_fails(db, sl_override_set(db, NULL, 99, odate, w, 1, 1), SL_ENOTFOUND);

    /* Keys are per tenant: B may use A's key for another request. */
    sl_session sb;
    ck_assert_ok_db(db, sl_book(db, &sb, 2, 8, at(0, 12, 0), HOUR, 0, "ka", NOW));
    ck_assert_int_eq(sb.replayed, 0);
    ck_assert_int_ne(sb.id, sa.id);
    ck_assert_int_eq(sb.tenant, 2);
    /* B's bookings do not block A, nor A's B: the same time books in both. */
    ck_assert_ok_db(db, sl_book(db, NULL, 2, 8, at(0, 10, 0), HOUR, 0, NULL, NOW));

    /* A is untouched. */
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, sa.id, 0));
    ck_assert_int_eq(got.status, SL_STATUS_PENDING);
    ck_assert_int_eq(got.start, at(0, 10, 0));
    ck_assert_int_eq(got.deleted_at, 0);
    ck_assert_int_eq(got.updated_at, NOW);
    ck_assert_ok_db(db, sl_session_get(db, &got, 1, gone.id, SL_INCLUDE_DELETED));
    ck_assert_int_eq(got.deleted_at, 5);
    sl_rule rule;
    ck_assert_ok_db(db, sl_rule_get(db, &rule, 1, ra, 0));
    ck_assert_int_eq(rule.weekday, 3);
    ck_assert_int_eq(rule.end_min, 60);
    sl_override ov;
    ck_assert_ok_db(db, sl_override_get(db, &ov, 1, odate, 0));
    ck_assert_int_eq(ov.n_windows, 1);
    ck_assert_int_eq(ov.windows[0].end_min, 700);
    ck_assert_uint_eq(n_sessions(db, 1, MON), sessions_a);
    ck_assert_uint_eq(n_rules(db, 1), rules_a);
    ck_assert_uint_eq(n_overrides(db, 1), ovr_a);
    ck_assert(!listed(db, 1, at(0, 10, 0), HOUR, NOW));
    ck_assert(listed(db, 1, at(0, 12, 0), HOUR, NOW));
    sl_close(db);
}
END_TEST

/* ---- bad input ------------------------------------------------------------- */

START_TEST(test_bad_input)
{
    sl_db *db = fixture();
    sl_session a;
    ck_assert_ok_db(db, sl_book(db, &a, 1, 7, at(0, 10, 0), HOUR, 0, NULL, NOW));
    size_t s0 = n_sessions(db, 1, MON), r0 = n_rules(db, 1), o0 = n_overrides(db, 1);
    sl_interval buf[8];
    size_t n = 0, nb = 0;
    sl_session out[4];
    sl_time skipped[2];

    /* Durations. */
    static const int64_t bad_durations[] = {0, -60, 59, SL_MAX_DURATION_SECONDS + 1, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof(bad_durations) / sizeof(bad_durations[0]); i++) {
        int64_t d = bad_durations[i];
        sl_booking bk = {7, at(1, 10, 0), d, 0};
        ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON + DAY, d, NOW), SL_EINVAL);
        ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 0), d, 0, NULL, NOW), SL_EINVAL);
        ck_assert_fails(db, sl_book_trial(db, NULL, 1, 7, at(1, 10, 0), d, NULL, NOW), SL_EINVAL);
        ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, at(1, 10, 0), d, 0, NULL, NOW), SL_EINVAL);
        ck_assert_fails(db, sl_book_many(db, NULL, NULL, 1, &bk, 1, NULL, NOW), SL_EINVAL);
        ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, at(1, 10, 0), d, 0, 2,
                                              SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);
    }
    /* The bounds themselves are valid. */
    /* 1-min sessions on the 30-min grid 08:00..19:30, less 10:00 and 10:30
     * (session a): 22. */
    sl_interval *v = query(db, &n, NULL, 1, MON, MON + DAY, SL_MIN_DURATION_SECONDS, NOW);
    ck_assert_uint_eq(n, 22);
    sl_free(v);
    ck_assert_ok_db(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON + DAY, SL_MAX_DURATION_SECONDS, NOW));
    ck_assert_uint_eq(n, 0); /* 24 h never fits in 08:00-20:00 */

    /* Ranges, times outside years 0000..9999. */
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON + 1, MON, HOUR, NOW), SL_EINVAL);
    ck_assert_ok_db(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON, HOUR, NOW));
    ck_assert_uint_eq(n, 0);
    const sl_time too_late = 253402300800LL;    /* 10000-01-01T00:00:00Z */
    const sl_time too_early = -62167219201LL;   /* one second before 0000-01-01 */
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, too_early, MON, HOUR, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, too_late, HOUR, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_slots(db, buf, 8, &n, NULL, 1, MON, MON + DAY, HOUR, too_late), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, too_late, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, too_early, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 0), HOUR, 0, NULL, too_early), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, too_late, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_schedule_manual(db, NULL, 1, 7, INT64_MAX - 10, HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, too_late, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, a.id, INT64_MIN, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book_recurring(db, out, &nb, skipped, 2, NULL, 1, 7, too_late, HOUR, 0, 2,
                                          SL_RECUR_SKIP_CONFLICTS, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_sessions_list(db, NULL, &n, 1, MON, MON + DAY, 0), SL_EINVAL);

    /* Off the grid, unknown ids, ids that cannot exist. */
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 1), HOUR, 0, NULL, NOW), SL_EUNAVAILABLE);
    ck_assert_fails(db, sl_book(db, NULL, 1, 0, at(1, 10, 0), HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, -1, 7, at(1, 10, 0), HOUR, 0, NULL, NOW), SL_EINVAL);
    ck_assert_fails(db, sl_book(db, NULL, 1, 7, at(1, 10, 0), HOUR, -1, NULL, NOW), SL_EINVAL);
    const sl_id unknown = a.id + 1000;
    sl_session got;
    ck_assert_fails(db, sl_session_get(db, &got, 1, unknown, SL_INCLUDE_DELETED), SL_ENOTFOUND);
    ck_assert_fails(db, sl_confirm(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_cancel(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_complete(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_mark_no_show(db, NULL, 1, unknown, NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_reschedule(db, NULL, 1, unknown, at(1, 10, 0), NOW), SL_ENOTFOUND);
    ck_assert_fails(db, sl_soft_delete(db, 1, SL_ENTITY_SESSION, unknown, 5), SL_ENOTFOUND);
    ck_assert_fails(db, sl_restore(db, 1, SL_ENTITY_SESSION, unknown, 5), SL_ENOTFOUND);
    ck_assert_fails(db, sl_session_get(db, &got, 1, 0, 0), SL_EINVAL);
    ck_assert_fails(db, sl_session_get(db, &got, 1, -4, 0), SL_EINVAL);

    /* Rules: weekdays, windows, validity. */
    static const int32_t bad_rules[][3] = {
        {0, 600, 660}, {8, 600, 660}, {-1, 600, 660}, {1, 600, 600}, {1, 700, 600},
        {1, -1, 60},   {1, 0, 1441},  {1, 1440, 1441}, {1, INT32_MIN, INT32_MAX},
    };
    for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
        sl_id id = 12345;
        ck_assert_fails(db, sl_rule_add(db, &id, 1, bad_rules[i][0], bad_rules[i][1], bad_rules[i][2], SL_DATE_MIN,
                                        SL_DATE_MAX, 1), SL_EINVAL);
        ck_assert_int_eq(id, 0); /* a failed call hands out no id */
    }
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 1, 600, 660, D("2026-03-03"), D("2026-03-02"), 1), SL_EINVAL);
    sl_rule *rl = NULL;
    ck_assert_ok_db(db, sl_rules_list(db, &rl, &n, 1, 0));
    ck_assert_uint_gt(n, 0);
    sl_id some_rule = rl[0].id;
    sl_free(rl);
    ck_assert_fails(db, sl_rule_update(db, 1, some_rule, 9, 600, 660, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    ck_assert_fails(db, sl_rule_update(db, 1, some_rule, 1, 660, 600, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    ck_assert_uint_eq(n_rules(db, 1), r0);

    /* Overrides: bad windows, too many windows, NULL with n > 0. */
    sl_window w49[SL_MAX_WINDOWS_PER_DAY + 1];
    for (int i = 0; i <= SL_MAX_WINDOWS_PER_DAY; i++)
        w49[i] = (sl_window){i * 20, i * 20 + 10};
    ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-05"), w49, SL_MAX_WINDOWS_PER_DAY + 1, 1), SL_EINVAL);
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-06"), w49, SL_MAX_WINDOWS_PER_DAY, 1));
    o0++;
    static const sl_window bad_windows[][2] = {
        {{600, 660}, {600, 600}}, {{600, 660}, {700, 600}}, {{-5, 60}, {600, 660}}, {{0, 1441}, {600, 660}},
    };
    for (size_t i = 0; i < sizeof(bad_windows) / sizeof(bad_windows[0]); i++)
        ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-05"), bad_windows[i], 2, 1), SL_EINVAL);
    ck_assert_fails(db, sl_override_set(db, NULL, 1, D("2026-03-05"), NULL, 3, 1), SL_EINVAL);
    ck_assert_uint_eq(n_overrides(db, 1), o0);

    /* The 49th live rule of a weekday (48 allowed). */
    for (int i = 1; i < SL_MAX_WINDOWS_PER_DAY; i++) /* Monday already has one */
        add_rule(db, 1, 1, i * 20, i * 20 + 10);
    ck_assert_fails(db, sl_rule_add(db, NULL, 1, 1, 1000, 1010, SL_DATE_MIN, SL_DATE_MAX, 1), SL_EINVAL);
    ck_assert_uint_eq(n_rules(db, 1), r0 + SL_MAX_WINDOWS_PER_DAY - 1);
    /* Another weekday is unaffected. */
    add_rule(db, 1, 2, 1000, 1010);

    /* Recurring counts. */
    static const uint32_t bad_counts[] = {0, SL_MAX_RECURRING + 1, 1000, UINT32_MAX};
    for (size_t i = 0; i < sizeof(bad_counts) / sizeof(bad_counts[0]); i++)
        ck_assert_fails(db, sl_book_recurring(db, out, &nb, NULL, 0, NULL, 1, 7, at(1, 10, 0), HOUR, 0, bad_counts[i],
                                              SL_RECUR_ALL_OR_NOTHING, NULL, NOW), SL_EINVAL);

    ck_assert_uint_eq(n_sessions(db, 1, MON), s0);
    sl_close(db);
}
END_TEST

Suite *suite_slots(void);
Suite *suite_slots(void)
{
    Suite *s = suite_create("slots");

    TCase *tc = tcase_create("cases");
    tcase_add_loop_test(tc, test_data_case, 0, (int)SLOT_CASES_COUNT);
    tcase_add_test(tc, test_clamp);
    suite_add_tcase(s, tc);

    tc = tcase_create("zones");
    tcase_add_test(tc, test_dst_london);
    tcase_add_test(tc, test_dst_new_york);
    tcase_add_test(tc, test_dst_sydney);
    tcase_add_test(tc, test_dst_lord_howe);
    tcase_add_test(tc, test_no_dst_kolkata);
    tcase_add_test(tc, test_kiritimati_date_line);
    tcase_add_test(tc, test_dst_tongatapu);
    tcase_add_test(tc, test_apia_skipped_date);
    tcase_add_test(tc, test_overnight_across_fold);
    suite_add_tcase(s, tc);

    tc = tcase_create("availability");
    tcase_add_test(tc, test_overrides);
    tcase_add_test(tc, test_rule_validity_and_update);
    tcase_add_test(tc, test_notice_and_horizon_boundaries);
    tcase_add_test(tc, test_step_differs_from_duration);
    tcase_add_test(tc, test_buffers_both_sides);
    suite_add_tcase(s, tc);

    tc = tcase_create("properties");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_prop_reference);
    tcase_add_test(tc, test_prop_query_independent);
    tcase_add_test(tc, test_prop_book_invariant);
    suite_add_tcase(s, tc);

    tc = tcase_create("many-windows");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_many_windows_long_query);
    tcase_add_test(tc, test_windows_per_day_limit);
    tcase_add_test(tc, test_prop_many_windows);
    suite_add_tcase(s, tc);

    tc = tcase_create("booking");
    tcase_add_test(tc, test_book);
    tcase_add_test(tc, test_book_many);
    tcase_add_test(tc, test_book_trial);
    tcase_add_test(tc, test_schedule_manual);
    tcase_add_test(tc, test_reschedule);
    tcase_add_test(tc, test_recurring_across_dst);
    tcase_add_test(tc, test_recurring_policies);
    tcase_add_test(tc, test_status_machine);
    tcase_add_test(tc, test_idempotency);
    tcase_add_test(tc, test_queries);
    suite_add_tcase(s, tc);

    tc = tcase_create("softdelete");
    tcase_add_test(tc, test_softdelete_rules);
    tcase_add_test(tc, test_softdelete_overrides);
    tcase_add_test(tc, test_softdelete_sessions);
    tcase_add_test(tc, test_purge);
    suite_add_tcase(s, tc);

    tc = tcase_create("isolation-and-input");
    tcase_add_test(tc, test_tenant_isolation);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
