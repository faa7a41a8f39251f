/* tests/slots/zones.c - DST and zones, expected UTC starts derived by hand. */
#include <sys/stat.h>

#include "slots_test.h"

/*
 * The zone cases as a table: a tenant of the zone (step 0, no buffers), its
 * weekly rules, queries whose slots are derived by hand in the comment above
 * each case, then the case's own further steps. Each case runs in a store
 * of its own.
 */
typedef struct zone_query {
    const char *from, *to;
    int64_t duration;
    const char *const *expect;
} zone_query;

typedef struct zone_case {
    const char *tz;
    int32_t rules[2][3];     /* weekday (0: every day), start_min, end_min; an end of 0: none */
    zone_query queries[4];   /* a NULL from ends the list */
    void (*then)(sl_db *db); /* or NULL */
} zone_case;

/* New York: a window starting inside the gap (see the case). */
static void new_york_gap_window(sl_db *db)
{
    const sl_window gap[] = {{150, 300}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-08"), gap, 1, 1));
    expect_slots(db, 1, "2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", 30 * MINUTE, 0,
                 SLOTS("2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z", "2026-03-08T08:30:00Z"));
}

/* Apia: the slot the skipped date shares with the next is bookable once. */
static void apia_book_shared_slot(sl_db *db)
{
    ck_assert_ok_db(db, sl_book(db, NULL, 1, 7, T("2011-12-30T19:00:00Z"), HOUR, 0, NULL, 0));
    ck_assert_sl(sl_book(db, NULL, 1, 8, T("2011-12-30T19:00:00Z"), HOUR, 0, NULL, 0), SL_ECONFLICT);
}

static const zone_case zone_cases[] = {
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
    {"Europe/London", {{7, 30, 180}, {1, 540, 1020}},
     {{"2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z", 30 * MINUTE,
       SLOTS("2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z")},
      {"2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z", 30 * MINUTE,
       SLOTS("2026-10-24T23:30:00Z", "2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:00:00Z",
             "2026-10-25T01:30:00Z", "2026-10-25T02:00:00Z", "2026-10-25T02:30:00Z")},
      {"2026-03-30T00:00:00Z", "2026-03-30T10:00:00Z", HOUR, SLOTS("2026-03-30T08:00:00Z", "2026-03-30T09:00:00Z")},
      {"2026-10-26T00:00:00Z", "2026-10-26T11:00:00Z", HOUR, SLOTS("2026-10-26T09:00:00Z", "2026-10-26T10:00:00Z")}},
     NULL},
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
    {"America/New_York", {{7, 60, 240}},
     {{"2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z", HOUR, SLOTS("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z")},
      {"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", HOUR,
       SLOTS("2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01T08:00:00Z")}},
     new_york_gap_window},
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
    {"Australia/Sydney", {{7, 60, 240}, {7, 540, 720}},
     {{"2026-04-04T12:00:00Z", "2026-04-05T12:00:00Z", HOUR,
       SLOTS("2026-04-04T14:00:00Z", "2026-04-04T15:00:00Z", "2026-04-04T16:00:00Z", "2026-04-04T17:00:00Z",
             "2026-04-04T23:00:00Z", "2026-04-05T00:00:00Z", "2026-04-05T01:00:00Z")},
      {"2026-10-03T12:00:00Z", "2026-10-04T12:00:00Z", HOUR,
       SLOTS("2026-10-03T15:00:00Z", "2026-10-03T16:00:00Z", "2026-10-03T22:00:00Z", "2026-10-03T23:00:00Z",
             "2026-10-04T00:00:00Z")},
      {"2026-03-28T20:00:00Z", "2026-03-28T23:00:00Z", HOUR, SLOTS("2026-03-28T22:00:00Z")}},
     NULL},
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
    {"Australia/Lord_Howe", {{7, 60, 180}},
     {{"2026-04-04T00:00:00Z", "2026-04-05T00:00:00Z", 30 * MINUTE,
       SLOTS("2026-04-04T14:00:00Z", "2026-04-04T14:30:00Z", "2026-04-04T15:00:00Z", "2026-04-04T15:30:00Z",
             "2026-04-04T16:00:00Z")},
      {"2026-10-03T00:00:00Z", "2026-10-04T00:00:00Z", 30 * MINUTE,
       SLOTS("2026-10-03T14:30:00Z", "2026-10-03T15:00:00Z", "2026-10-03T15:30:00Z")}},
     NULL},
    /*
     * Asia/Kolkata is +05:30 all year: on the European change days the slots
     * do not move. Daily 09:00-12:00, 60 min = 03:30, 04:30, 05:30Z.
     */
    {"Asia/Kolkata", {{0, 540, 720}},
     {{"2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", HOUR,
       SLOTS("2026-03-29T03:30:00Z", "2026-03-29T04:30:00Z", "2026-03-29T05:30:00Z")},
      {"2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z", HOUR,
       SLOTS("2026-10-25T03:30:00Z", "2026-10-25T04:30:00Z", "2026-10-25T05:30:00Z")}},
     NULL},
    /*
     * Pacific/Kiritimati is +14 (east of UTC+12): the local date is a day
     * ahead. A Monday-only rule 09:00-11:00 (local Monday 2026-03-30) lands on
     * UTC Sunday 2026-03-29 19:00Z and 20:00Z; nothing on the UTC Monday.
     */
    {"Pacific/Kiritimati", {{1, 540, 660}},
     {{"2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", HOUR, SLOTS("2026-03-29T19:00:00Z", "2026-03-29T20:00:00Z")},
      {"2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z", HOUR, NO_SLOTS}},
     NULL},
    /*
     * Pacific/Tongatapu (+13) had DST in 2016-17 (+14): 2016-11-06 02:00 +13
     * -> 03:00 +14; 2017-01-15 03:00 +14 -> 02:00 +13. Sunday 01:00-04:00,
     * 60 min:
     *  - 2016-11-06: 01:00 +13 = Nov 5 12:00Z; 04:00 +14 = 14:00Z: 12Z, 13Z.
     *  - 2017-01-15: 01:00 +14 = Jan 14 11:00Z; 04:00 +13 = 15:00Z: 11..14Z.
     */
    {"Pacific/Tongatapu", {{7, 60, 240}},
     {{"2016-11-05T00:00:00Z", "2016-11-06T00:00:00Z", HOUR, SLOTS("2016-11-05T12:00:00Z", "2016-11-05T13:00:00Z")},
      {"2017-01-14T00:00:00Z", "2017-01-15T00:00:00Z", HOUR,
       SLOTS("2017-01-14T11:00:00Z", "2017-01-14T12:00:00Z", "2017-01-14T13:00:00Z", "2017-01-14T14:00:00Z")}},
     NULL},
    /*
     * Pacific/Apia skipped a whole local date: 2011-12-29 24:00 -10 became
     * 2011-12-31 00:00 +14 (at 2011-12-30T10:00Z). Daily 09:00-10:00, 60 min:
     *  - Dec 29 09:00 -10 = Dec 29 19:00Z;
     *  - Dec 30 does not exist: 09:00 moves forward by the 24 h gap to Dec 31
     *    09:00 +14 = Dec 30 19:00Z, the same instant as Dec 31's own window;
     *  - Jan 1 09:00 +14 = Dec 31 19:00Z.
     * Three slots, the shared one listed once and bookable once.
     */
    {"Pacific/Apia", {{0, 540, 600}},
     {{"2011-12-29T00:00:00Z", "2012-01-01T00:00:00Z", HOUR,
       SLOTS("2011-12-29T19:00:00Z", "2011-12-30T19:00:00Z", "2011-12-31T19:00:00Z")}},
     apia_book_shared_slot},
};

START_TEST(test_zone_case)
{
    const zone_case *c = &zone_cases[_i];
    sl_db *db = open_tenant((settings){c->tz, 0, 0, 0, 0, 0, 0});
    for (size_t i = 0; i < 2 && c->rules[i][2] != 0; i++) {
        if (c->rules[i][0] == 0)
            add_rule_every_day(db, 1, c->rules[i][1], c->rules[i][2]);
        else
            add_rule(db, 1, c->rules[i][0], c->rules[i][1], c->rules[i][2]);
    }
    for (const zone_query *q = c->queries; q < c->queries + 4 && q->from; q++)
        expect_slots(db, 1, q->from, q->to, q->duration, 0, q->expect);
    if (c->then)
        c->then(db);
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
    sl_db *db = open_tenant((settings){"America/New_York", HOUR, 0, 0, 0, 0, 0});
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

/* A TZif v2 file of one transition at `when` from UTC offset `before` to
 * `after` (no footer rule), written as zone `name` into directory dir. */
static void write_zone(const char *dir, const char *name, int64_t when, int32_t before, int32_t after)
{
    uint8_t b[256];
    size_t n = 0;
#define PUT32(v) do { uint32_t v_ = (uint32_t)(v); for (int k_ = 3; k_ >= 0; k_--) b[n++] = (uint8_t)(v_ >> (8 * k_)); } while (0)
#define HEADER(timecnt, typecnt, charcnt) do { memcpy(b + n, "TZif2", 5); n += 5; memset(b + n, 0, 15); n += 15; \
        PUT32(0); PUT32(0); PUT32(0); PUT32(timecnt); PUT32(typecnt); PUT32(charcnt); } while (0)
    HEADER(0, 1, 4); /* the v1 block: one type, UTC */
    PUT32(0); b[n++] = 0; b[n++] = 0;
    memcpy(b + n, "UTC", 4); n += 4;
    HEADER(1, 2, 8);
    PUT32((uint64_t)when >> 32); PUT32((uint64_t)when & 0xffffffffu);
    b[n++] = 1;
    PUT32(before); b[n++] = 0; b[n++] = 0;
    PUT32(after); b[n++] = 0; b[n++] = 4;
    memcpy(b + n, "AAA\0BBB", 8); n += 8;
    memcpy(b + n, "\n\n", 2); n += 2;
#undef HEADER
#undef PUT32
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/*
 * The widest query the API allows (14 days, a day-long duration) in a zone
 * whose offset swings from -25:59:59 to +25:59:59 (the largest lib/tz
 * takes), from a start at 23:59:59 local: it spans the most local dates any
 * valid query can (21, margins included) and is answered, not refused.
 */
START_TEST(test_widest_query_in_the_widest_zone)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", sl_test_path("tzwide"));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    const int32_t wide = 93599;
    const sl_time from = T("2030-01-07T00:00:00Z") - 1 + wide; /* 2030-01-06T23:59:59 local */
    const sl_time to = from + SL_MAX_RANGE_DAYS * DAY;
    write_zone(dir, "Wide", from + 7 * DAY, -wide, wide);
    sl_options o = SL_OPTIONS_INIT;
    o.tzdir = dir;
    sl_db *db = NULL;
    ck_assert_int_eq(sl_open_memory(&db, &o), SL_OK);
    put_tenant(db, 1, (settings){"Wide", HOUR, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 0, 1440);
    int32_t off = 0;
    ck_assert_ok_db(db, sl_tz_utc_offset(db, &off, "Wide", from));
    ck_assert_int_eq(off, -wide);
    ck_assert_ok_db(db, sl_tz_utc_offset(db, &off, "Wide", to));
    ck_assert_int_eq(off, wide);
    size_t n = 0;
    uint32_t flags = 0;
    sl_interval *v = NULL;
    ck_assert_ok_db(db, sl_slots_alloc(db, &v, &n, &flags, 1, from, to, DAY, 0));
    ck_assert_uint_eq(flags, 0);
    ck_assert_uint_gt(n, 0);
    ck_assert_int_ge(v[0].start, from);
    ck_assert_int_lt(v[n - 1].start, to);
    sl_free(v);
    /* A second longer is cut back to the same query, and says so. */
    size_t again = 0;
    ck_assert_ok_db(db, sl_slots_alloc(db, &v, &again, &flags, 1, from, to + 1, DAY, 0));
    ck_assert_uint_eq(flags, SL_SLOTS_CLAMPED);
    ck_assert_uint_eq(again, n);
    sl_free(v);
    sl_close(db);
}
END_TEST

/*
 * Europe/London, windows whose edges are exactly the DST edges (overrides,
 * 60-min sessions on a 60-min grid). Compatible rule: a wall time in the
 * gap moves forward by the gap; one in the fold takes the earlier instant.
 *  - 2026-03-29, gap local [01:00, 02:00): 00:00-01:00 is [00:00Z, 01:00Z)
 *    (01:00 local -> 02:00 BST = 01:00Z), 02:00-03:00 is [01:00Z, 02:00Z):
 *    they touch, so a 2 h session at 00:00Z fits. A window that is exactly
 *    the gap (01:00-02:00) vanishes.
 *  - 2026-10-25, fold local [01:00, 02:00) twice (00:00Z-02:00Z): the
 *    window 01:00-02:00 is [00:00Z, 02:00Z), two hours; 00:00-01:00 is
 *    [Oct 24 23:00Z, 00:00Z); 02:00-03:00 is [02:00Z, 03:00Z).
 */
START_TEST(test_windows_on_dst_edges)
{
    sl_db *db = open_tenant((settings){"Europe/London", 0, 0, 0, 0, 0, 0});
    const sl_window around_gap[] = {{0, 60}, {120, 180}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-29"), around_gap, 2, 1));
    expect_slots(db, 1, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z", HOUR, 0,
                 SLOTS("2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"));
    expect_slots(db, 1, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z", 2 * HOUR, 0,
                 SLOTS("2026-03-29T00:00:00Z"));
    const sl_window the_gap[] = {{60, 120}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-03-29"), the_gap, 1, 2));
    expect_slots(db, 1, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z", 30 * MINUTE, 0, NO_SLOTS);

    const sl_window the_fold[] = {{60, 120}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-10-25"), the_fold, 1, 3));
    expect_slots(db, 1, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z", HOUR, 0,
                 SLOTS("2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"));
    const sl_window around_fold[] = {{0, 60}, {120, 180}};
    ck_assert_ok_db(db, sl_override_set(db, NULL, 1, D("2026-10-25"), around_fold, 2, 4));
    expect_slots(db, 1, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z", HOUR, 0,
                 SLOTS("2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z"));
    /* The two do not touch: nothing of two hours. */
    expect_slots(db, 1, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z", 2 * HOUR, 0, NO_SLOTS);
    sl_close(db);
}
END_TEST

TCase *tcase_slots_zones(void)
{
    const TTest *tests[] = {test_overnight_across_fold, test_widest_query_in_the_widest_zone, test_windows_on_dst_edges,
                            NULL};
    TCase *tc = sl_test_tcase("zones", NULL, NULL, 0, tests);
    tcase_add_loop_test(tc, test_zone_case, 0, (int)(sizeof(zone_cases) / sizeof(zone_cases[0])));
    return tc;
}
