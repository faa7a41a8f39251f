/* tests/tz/tzif.c - the TZif reader against generated good and corrupt bytes, and the POSIX footer rules. */
#include "tz_test.h"

START_TEST(test_parse_v1_only)
{
    /* Type 0 is not used by any transition, yet rules before the first. */
    static const int64_t tr[] = {0, 1000000, 2000000};
    static const uint8_t ix[] = {1, 2, 1};
    static const int32_t of[] = {1234, 3600, 7200};
    static const uint8_t ds[] = {0, 0, 1};
    tzspec s = {1, 3, tr, ix, 3, of, ds, NULL, 0};
    sl__zone *z;
    int kind;

    z = zone_of(&s);
    ck_assert_int_eq(sl__zone_offset(z, -1), 1234);
    ck_assert_int_eq(sl__zone_offset(z, INT64_MIN), 1234);
    ck_assert_int_eq(sl__zone_offset(z, 0), 3600);
    ck_assert_int_eq(sl__zone_offset(z, 999999), 3600);
    ck_assert_int_eq(sl__zone_offset(z, 1000000), 7200);
    ck_assert_int_eq(sl__zone_offset(z, 2000000), 3600);
    /* No footer in v1: the last type stays. */
    ck_assert_int_eq(sl__zone_offset(z, 4000000000LL), 3600);
    /* 1000000 + 3600 .. + 7200 is skipped. */
    ck_assert_int_eq(sl__zone_to_utc(z, 1000000 + 5000, &kind), 1000000 + 5000 - 3600);
    ck_assert_int_eq(kind, SL_TZ_GAP);
    ck_assert_int_eq(sl__zone_to_utc(z, 2000000 + 5000, &kind), 2000000 + 5000 - 7200);
    ck_assert_int_eq(kind, SL_TZ_FOLD);
    ck_assert_int_eq(sl__zone_to_utc(z, 500000, &kind), 500000 - 3600);
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    sl__zone_free(z);

    /* Also with indicator arrays and a leap-second record to skip. */
    s.indicators = 1;
    z = zone_of(&s);
    ck_assert_int_eq(sl__zone_offset(z, 1500000), 7200);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_parse_slim_footer_only)
{
    static const int32_t of[] = {-18000};
    tzspec s = {2, 0, NULL, NULL, 1, of, NULL, "EST5EDT,M3.2.0,M11.1.0", 0};
    sl__zone *z;
    int kind;

    z = zone_of(&s);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 1, 15, 12, 0)), -18000);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 7, 1, 12, 0)), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(1850, 7, 1, 12, 0)), -14400);
    /* 2024-03-10 07:00Z exactly: EDT starts. */
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 3, 10, 6, 59) + 59), -18000);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 3, 10, 7, 0)), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 11, 3, 5, 59) + 59), -14400);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 11, 3, 6, 0)), -18000);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2024, 3, 10, 2, 30), &kind), at(2024, 3, 10, 7, 30));
    ck_assert_int_eq(kind, SL_TZ_GAP);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2024, 11, 3, 1, 30), &kind), at(2024, 11, 3, 5, 30));
    ck_assert_int_eq(kind, SL_TZ_FOLD);
    sl__zone_free(z);

    /* An empty footer after a table: the last type stays in force. */
    s.footer = "";
    z = zone_of(&s);
    ck_assert_int_eq(sl__zone_offset(z, at(2024, 7, 1, 12, 0)), -18000);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_parse_slim_table_and_footer)
{
    tzspec s = cet_spec(2);
    sl__zone *z;
    int kind;

    z = zone_of(&s);
    ck_assert_int_eq(sl__zone_offset(z, -3000000000LL), 3208);      /* LMT */
    ck_assert_int_eq(sl__zone_offset(z, at(2000, 7, 1, 0, 0)), 3600); /* table: no DST */
    ck_assert_int_eq(sl__zone_offset(z, at(2019, 7, 1, 0, 0)), 7200);
    ck_assert_int_eq(sl__zone_offset(z, 1572138000), 3600);          /* last transition */
    ck_assert_int_eq(sl__zone_offset(z, at(2020, 1, 1, 0, 0)), 3600); /* footer */
    ck_assert_int_eq(sl__zone_offset(z, at(2020, 7, 1, 0, 0)), 7200);
    ck_assert_int_eq(sl__zone_offset(z, at(2090, 7, 1, 0, 0)), 7200);
    /* Across the seam: 2020-03-29 02:30 is skipped. */
    ck_assert_int_eq(sl__zone_to_utc(z, at(2020, 3, 29, 2, 30), &kind), at(2020, 3, 29, 1, 30));
    ck_assert_int_eq(kind, SL_TZ_GAP);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2019, 10, 27, 2, 30), &kind),
                     at(2019, 10, 27, 0, 30));
    ck_assert_int_eq(kind, SL_TZ_FOLD);
    sl__zone_free(z);

    s.version = 3;
    s.indicators = 1;
    z = zone_of(&s);
    ck_assert_int_eq(sl__zone_offset(z, at(2090, 1, 1, 0, 0)), 3600);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_parse_every_truncation)
{
    int versions[] = {1, 2, 3};
    size_t v;

    for (v = 0; v < 3; v++) {
        tzspec s = cet_spec(versions[v]);
        tzbuf t, cut;
        size_t n, full;
        sl__zone *z;
        char err[256];

        s.indicators = (int)v;
        build(&t, &s);
        full = t.n;
        ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
        sl__zone_free(z);
        for (n = 0; n < full; n++) {
            /* A fresh heap copy of exactly n bytes, so ASan sees overreads. */
            uint8_t *p = malloc(n ? n : 1);
            memcpy(p, t.b, n);
            err[0] = '\0';
            z = NULL;
            ck_assert_msg(sl__tzif_parse(&z, p, n, err, sizeof err) == SL_ETZ,
                          "v%d prefix %zu of %zu parsed", versions[v], n, full);
            ck_assert_ptr_null(z);
            ck_assert(err[0] != '\0');
            free(p);
        }
        /* Trailing garbage is refused too. */
        cut = t;
        put8(&cut, 'x');
        expect_corrupt(&cut, "trailing byte");
    }
    {
        sl__zone *z = (sl__zone *)1;
        char err[64];
        ck_assert_int_eq(sl__tzif_parse(&z, NULL, 0, err, sizeof err), SL_ETZ);
        ck_assert_ptr_null(z);
    }
}
END_TEST

/* Where the 64-bit header of a built v2+ file starts: after the slim v1
 * block (header, one ttinfo, four abbreviation bytes). */
#define V2_HEADER (44 + 6 + 4)

static void set32(tzbuf *t, size_t pos, uint32_t v)
{
    t->b[pos] = (uint8_t)(v >> 24);
    t->b[pos + 1] = (uint8_t)(v >> 16);
    t->b[pos + 2] = (uint8_t)(v >> 8);
    t->b[pos + 3] = (uint8_t)v;
}

/* good with the 32-bit field at pos set to v must be refused. */
static void expect_corrupt32(const tzbuf *good, size_t pos, uint32_t v, const char *what)
{
    static tzbuf t;
    t = *good;
    set32(&t, pos, v);
    expect_corrupt(&t, what);
}

START_TEST(test_parse_corrupt_headers)
{
    tzspec s = cet_spec(2);
    tzbuf good, t;
    size_t h2, i;
    sl__zone *z;
    char err[256];

    build(&good, &s);
    h2 = V2_HEADER;
    ck_assert(memcmp(good.b + h2, "TZif2", 5) == 0);
    for (i = 0; i < 4; i++) {
        t = good;
        t.b[i] ^= 0x20;
        expect_corrupt(&t, "magic");
        t = good;
        t.b[h2 + i] ^= 0x01;
        expect_corrupt(&t, "second magic");
    }
    t = good;
    t.b[4] = '5';
    expect_corrupt(&t, "version 5");
    t = good;
    t.b[4] = '1';
    expect_corrupt(&t, "version '1'");
    t = good;
    t.b[h2 + 4] = 0;
    expect_corrupt(&t, "second header v1");

    /* Huge counts, in each position of each header. */
    for (i = 20; i < 44; i += 4) {
        static const uint32_t huge[] = {0xFFFFFFFFu, 0x80000000u, 0x10000000u, 1u << 20};
        size_t k;
        for (k = 0; k < 4; k++) {
            expect_corrupt32(&good, i, huge[k], "huge v1 count");
            expect_corrupt32(&good, h2 + i, huge[k], "huge v2 count");
        }
    }
    expect_corrupt32(&good, h2 + 36, 0, "typecnt 0");
    expect_corrupt32(&good, h2 + 40, 0, "charcnt 0");
    expect_corrupt32(&good, h2 + 20, 1, "isutcnt mismatch");
    expect_corrupt32(&good, h2 + 24, 2, "isstdcnt mismatch");

    /* More than 256 types (the file really holds them). */
    {
        static int32_t offs[300];
        static const int64_t tr[] = {0};
        static const uint8_t ix[] = {0};
        tzspec many = {2, 1, tr, ix, 300, offs, NULL, "UTC0", 0};
        build(&t, &many);
        expect_corrupt(&t, "300 types");
        many.ntypes = 257;
        build(&t, &many);
        expect_corrupt(&t, "257 types");
        ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_ETZ);
        ck_assert_msg(strstr(err, "more than 256 local time types") != NULL, "257 types: %s", err);
        many.ntypes = 256;
        build(&t, &many);
        ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_OK);
        sl__zone_free(z);
    }
    /* A file over the 1 MiB limit is refused before it is looked at. */
    {
        size_t big = ((size_t)1 << 20) + 1;
        uint8_t *p = calloc(1, big);
        memcpy(p, good.b, good.n);
        ck_assert_int_eq(sl__tzif_parse(&z, p, big, err, sizeof err), SL_ETZ);
        ck_assert_ptr_nonnull(strstr(err, "1 MiB"));
        free(p);
    }
}
END_TEST

/* cet_spec(2) on tables of its own, for a test to spoil one entry. */
typedef struct cet_copy {
    tzspec s;
    int64_t tr[5];
    uint8_t ix[5];
    int32_t of[3];
    uint8_t ds[3];
} cet_copy;

static void cet_copy_init(cet_copy *c)
{
    c->s = cet_spec(2);
    memcpy(c->tr, cet_trans, sizeof c->tr);
    memcpy(c->ix, cet_idx, sizeof c->ix);
    memcpy(c->of, cet_off, sizeof c->of);
    memcpy(c->ds, cet_dst, sizeof c->ds);
    c->s.trans = c->tr;
    c->s.idx = c->ix;
    c->s.utoff = c->of;
    c->s.isdst = c->ds;
}

START_TEST(test_parse_corrupt_data)
{
    static const int32_t bad_offsets[] = {INT32_MIN, INT32_MAX, 93600, -93600, 1000000};
    cet_copy c;
    tzbuf t;
    size_t i;
    char err[256];
    sl__zone *z;

    /* Type index out of range. */
    cet_copy_init(&c);
    c.ix[3] = 3;
    build(&t, &c.s);
    expect_corrupt(&t, "type index");
    ck_assert_int_eq(parse(&t, &z, err, sizeof err), SL_ETZ);
    ck_assert_ptr_nonnull(strstr(err, "index"));
    c.ix[3] = 255;
    build(&t, &c.s);
    expect_corrupt(&t, "type index 255");

    /* Unsorted and duplicate transitions. */
    cet_copy_init(&c);
    c.tr[2] = c.tr[3];
    build(&t, &c.s);
    expect_corrupt(&t, "duplicate transition");
    c.tr[2] = c.tr[3] + 1;
    build(&t, &c.s);
    expect_corrupt(&t, "unsorted transitions");
    c.s.version = 1;
    build(&t, &c.s);
    expect_corrupt(&t, "unsorted v1 transitions");

    /* Offsets out of range, including -2^31. */
    for (i = 0; i < sizeof bad_offsets / sizeof bad_offsets[0]; i++) {
        cet_copy_init(&c);
        c.of[1] = bad_offsets[i];
        build(&t, &c.s);
        expect_corrupt(&t, "offset");
    }
    /* isdst other than 0/1. */
    cet_copy_init(&c);
    c.ds[2] = 2;
    build(&t, &c.s);
    expect_corrupt(&t, "isdst 2");
    /* Abbreviation index past charcnt (4). */
    cet_copy_init(&c);
    build(&t, &c.s);
    t.b[t.n - strlen(c.s.footer) - 2 - 4 - 6 * 3 + 6 + 5] = 4;  /* type 1 desigidx */
    expect_corrupt(&t, "desigidx");
}
END_TEST

START_TEST(test_parse_bad_footers)
{
    static const char *bad[] = {
        "CET", "CE-1", "CET-", "CET-1CEST", "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,",
        "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M0.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5,M10.5.0",
        "CET-25", "CET-1:60", "CET-1:00:60", "CET-1CEST,J0,J365", "CET-1CEST,J366,J365",
        "CET-1CEST,366,J365", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST,M3.5.0/-168,M10.5.0",
        "<CET-1", "<CE>-1", "<C_T>-1", "CET-1CEST,M3.5.0,M10.5.0x", "CET-1 ",
        "CET-1CEST-2-3,M3.5.0,M10.5.0", "CET1000", "CET-1CEST,M3.5.0/2:,M10.5.0",
        ":Europe/Paris", "CET-1\rCEST,M3.5.0,M10.5.0", "CET-1CEST,M03.5.0,M10.5.0x",
        "CET-1CEST,M3.5.0/0002,M10.5.0",
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tzspec s = cet_spec(2);
        tzbuf t;
        char what[96];
        s.footer = bad[i];
        build(&t, &s);
        snprintf(what, sizeof what, "footer \"%s\"", bad[i]);
        expect_corrupt(&t, what);
    }
    /* The footer must start right after the data and end the file. */
    {
        tzspec s = cet_spec(2);
        tzbuf t;
        build(&t, &s);
        t.b[t.n - 1] = ' ';
        expect_corrupt(&t, "no closing newline");
        build(&t, &s);
        t.b[t.n - strlen(s.footer) - 2] = 'x';
        expect_corrupt(&t, "no opening newline");
        build(&t, &s);
        t.b[t.n - 5] = '\n';
        expect_corrupt(&t, "newline inside footer");
    }
}
END_TEST

START_TEST(test_parse_good_footers)
{
    static const char *good[] = {
        "UTC0", "<+0330>-3:30", "<-03>3", "EST5EDT,M3.2.0,M11.1.0", "CET-1CEST,M3.5.0,M10.5.0/3",
        "IST-1GMT0,M10.5.0,M3.5.0/1", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
        "EET-2EEST,M3.4.4/50,M10.4.4/50", "IST-2IDT,M3.4.4/26,M10.5.0",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "XXX3YYY,J60/2,J300/2",
        "XXX3YYY,59,300/+2:30:15", "EST5EDT,0/0,J365/25", "AAA+3BBB+2,M3.5.0/167,M10.5.0/-167",
        "<A1+>-0:0:1",
    };
    size_t i;

    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        tzspec s = cet_spec(3);
        s.footer = good[i];
        sl__zone_free(zone_of(&s));
    }
}
END_TEST

static sl__zone *footer_zone(const char *footer)
{
    static const int32_t of[] = {0};
    tzspec s = {3, 0, NULL, NULL, 1, of, NULL, footer, 0};
    return zone_of(&s);
}

/* Unix seconds of "YYYY-MM-DD hh:mm:ss" (UTC, or local wall time). */
static int64_t seconds_of(const char *civil)
{
    int y, mo, d, h, mi, sec;
    ck_assert_int_eq(sscanf(civil, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec), 6);
    return at(y, mo, d, h, mi) + sec;
}

/* The zone of footer alone is offset ("+hh:mm") from UTC at utc. */
typedef struct footer_offset {
    const char *footer, *utc, *offset;
} footer_offset;

static void expect_footer_offsets(const footer_offset *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int oh, om;
        char sign;
        ck_assert_int_eq(sscanf(c[i].offset, "%c%d:%d", &sign, &oh, &om), 3);
        int32_t want = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        sl__zone *z = footer_zone(c[i].footer);
        int32_t got = sl__zone_offset(z, seconds_of(c[i].utc));
        ck_assert_msg(got == want, "footer \"%s\" at %s: offset %ld s, expected %s", c[i].footer, c[i].utc,
                      (long)got, c[i].offset);
        sl__zone_free(z);
    }
}

/* The POSIX footer rules, zone by zone. */
START_TEST(test_footer_rules)
{
    static const footer_offset cases[] = {
        /* DST all year (RFC 8536 3.3.1), even around new year. */
        {"EST5EDT,0/0,J365/25", "2023-12-31 23:30:00", "-04:00"},
        {"EST5EDT,0/0,J365/25", "2024-01-01 04:30:00", "-04:00"},
        {"EST5EDT,0/0,J365/25", "2024-07-01 00:00:00", "-04:00"},
        /* Jn never counts Feb 29: J60 is March 1 in any year. */
        {"XXX3YYY,J60/2,J300/2", "2024-03-01 04:59:59", "-03:00"},
        {"XXX3YYY,J60/2,J300/2", "2024-03-01 05:00:00", "-02:00"},
        {"XXX3YYY,J60/2,J300/2", "2023-03-01 05:00:00", "-02:00"},
        /* Zero-based n counts Feb 29: 59 is Feb 29 in a leap year. */
        {"XXX3YYY,59,300", "2024-02-29 05:00:00", "-02:00"},
        {"XXX3YYY,59,300", "2024-02-29 04:00:00", "-03:00"},
        {"XXX3YYY,59,300", "2023-03-01 05:00:00", "-02:00"},
        {"XXX3YYY,59,300", "2023-03-01 04:00:00", "-03:00"},
        /* v3: Thursday "/50" is Saturday 02:00 (Gaza style). 2030-03-28 is
         * the fourth Thursday of March, so DST starts 2030-03-30 00:00Z. */
        {"EET-2EEST,M3.4.4/50,M10.4.4/50", "2030-03-29 23:59:59", "+02:00"},
        {"EET-2EEST,M3.4.4/50,M10.4.4/50", "2030-03-30 00:00:00", "+03:00"},
        /* Negative rule time: "/-1" is 23:00 the day before. 2030-03-31 is
         * the last Sunday of March. */
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2030-03-31 00:59:59", "-02:00"},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "2030-03-31 01:00:00", "-01:00"},
        /* Negative DST (Dublin): winter is the "DST" of the rule. */
        {"IST-1GMT0,M10.5.0,M3.5.0/1", "2030-01-15 00:00:00", "+00:00"},
        {"IST-1GMT0,M10.5.0,M3.5.0/1", "2030-07-15 00:00:00", "+01:00"},
        /* Southern hemisphere (Chatham): DST spans the new year. */
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "2030-01-01 00:00:00", "+13:45"},
        {"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45", "2030-06-01 00:00:00", "+12:45"},
        /* All-year DST is recognised only for exactly Jan 1 00:00 to Dec 31
         * 24:00 plus the shift; each near miss keeps its hour of standard
         * time. Julian J1/0 to J365/25 is all year too: no gap at new year. */
        {"EST5EDT,J1/0,J365/25", "2031-01-01 04:30:00", "-04:00"},
        /* Starts on the second day (zero-based 1, or J2): Jan 1 is standard. */
        {"EST5EDT,1/0,J365/25", "2031-01-01 12:00:00", "-05:00"},
        {"EST5EDT,1/0,J365/25", "2031-01-02 05:00:00", "-04:00"},
        {"EST5EDT,J2/0,J365/25", "2031-01-01 12:00:00", "-05:00"},
        /* Starts at 00:00:01: the first second of the year is standard. */
        {"EST5EDT,0/0:00:01,J365/25", "2031-01-01 05:00:00", "-05:00"},
        {"EST5EDT,0/0:00:01,J365/25", "2031-01-01 05:00:01", "-04:00"},
        /* Ends at 24:00 DST (an hour early): 04:00Z-05:00Z Jan 1 is standard. */
        {"EST5EDT,J1/0,J365/24", "2031-01-01 03:59:00", "-04:00"},
        {"EST5EDT,J1/0,J365/24", "2031-01-01 04:30:00", "-05:00"},
        {"EST5EDT,J1/0,J365/24", "2031-01-01 05:00:00", "-04:00"},
        /* Ends a day early (J364). */
        {"EST5EDT,J1/0,J364/25", "2031-12-31 12:00:00", "-05:00"},
        /* Zero-based 365 is valid: Dec 31 of a leap year, Jan 1 of the next
         * year otherwise; a non-hour transition time is kept to the second. */
        {"XXX3YYY,J60/2,365/2:30:15", "2032-12-31 04:30:14", "-02:00"},
        {"XXX3YYY,J60/2,365/2:30:15", "2032-12-31 04:30:15", "-03:00"},
        {"XXX3YYY,J60/2,365/2:30:15", "2032-01-01 04:30:14", "-02:00"},
        {"XXX3YYY,J60/2,365/2:30:15", "2032-01-01 04:30:15", "-03:00"},
    };

    /* Local times: all-year DST has no gap at new year; Dublin's spring gap. */
    static const struct {
        const char *footer, *local, *utc;
        int kind;
    } locals[] = {
        {"EST5EDT,0/0,J365/25", "2024-01-01 00:30:00", "2024-01-01 04:30:00", SL_TZ_UNIQUE},
        {"EST5EDT,J1/0,J365/25", "2031-01-01 00:30:00", "2031-01-01 04:30:00", SL_TZ_UNIQUE},
        {"IST-1GMT0,M10.5.0,M3.5.0/1", "2030-03-31 01:30:00", "2030-03-31 01:30:00", SL_TZ_GAP},
    };

    expect_footer_offsets(cases, sizeof cases / sizeof cases[0]);
    for (size_t i = 0; i < sizeof locals / sizeof locals[0]; i++) {
        sl__zone *z = footer_zone(locals[i].footer);
        int kind;
        ck_assert_int_eq(sl__zone_to_utc(z, seconds_of(locals[i].local), &kind), seconds_of(locals[i].utc));
        ck_assert_int_eq(kind, locals[i].kind);
        sl__zone_free(z);
    }
}
END_TEST

/* Footers of real files, alone in a slim zone, agree with the real (fat)
 * file wherever the file's footer rules, until 2100. */
START_TEST(test_footer_matches_system)
{
    static const char *zones[] = {"Europe/London", "America/New_York", "Australia/Lord_Howe",
                                  "Pacific/Chatham", "Europe/Dublin", "Asia/Jerusalem",
                                  "America/Nuuk", "Asia/Gaza", "America/Santiago",
                                  "Pacific/Easter", "America/Asuncion", "Africa/Cairo"};
    size_t i;

    for (i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        char path[512], footer[128];
        uint8_t buf[65536];
        const sl__zone *sys;
        sl__zone *slim;
        char err[256];
        FILE *f;
        size_t n, k;
        int64_t t;

        snprintf(path, sizeof path, "%s/%s", sl__tz_dir(NULL), zones[i]);
        f = fopen(path, "rb");
        if (!f)
            continue;
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        ck_assert_uint_gt(n, 2);
        ck_assert_uint_eq(buf[n - 1], '\n');
        k = n - 1;
        while (k > 0 && buf[k - 1] != '\n')
            k--;
        ck_assert_uint_lt(n - 1 - k, sizeof footer);
        memcpy(footer, buf + k, n - 1 - k);
        footer[n - 1 - k] = '\0';
        if (footer[0] == '\0')
            continue;
        ck_assert_int_eq(sl__zone_load(&sys, NULL, zones[i], err, sizeof err), SL_OK);
        slim = footer_zone(footer);
        /* Start two days past the table, clear of the seam. */
        t = sys->ntrans ? sys->trans[sys->ntrans - 1] + 2 * 86400 : 0;
        for (; t < at(2100, 1, 1, 0, 0); t += 86400 / 3 + 7) {
            int k1, k2;
            ck_assert_msg(sl__zone_offset(slim, t) == sl__zone_offset(sys, t), "%s at %lld",
                          zones[i], (long long)t);
            ck_assert_int_eq(sl__zone_to_utc(slim, t, &k1), sl__zone_to_utc(sys, t, &k2));
            ck_assert_int_eq(k1, k2);
        }
        sl__zone_free(slim);
    }
}
END_TEST

/* Random corruption never crashes; whatever parses can be queried. */
START_TEST(test_parse_random_corruption)
{
    uint64_t st = sl_test_seed("tz corruption");
    int round;

    for (round = 0; round < 3000; round++) {
        tzspec s = cet_spec(1 + round % 3);
        tzbuf t;
        sl__zone *z = NULL;
        char err[256];
        int flips = 1 + (int)(sl_test_rand(&st) % 4), f;
        uint8_t *p;

        build(&t, &s);
        for (f = 0; f < flips; f++) {
            size_t pos = (size_t)(sl_test_rand(&st) % t.n);
            t.b[pos] = (uint8_t)sl_test_rand(&st);
        }
        p = malloc(t.n);
        memcpy(p, t.b, t.n);
        if (sl__tzif_parse(&z, p, t.n, err, sizeof err) == SL_OK) {
            int64_t x;
            int kind;
            for (x = -4000000000LL; x < 5000000000LL; x += 123456789) {
                (void)sl__zone_offset(z, x);
                (void)sl__zone_to_utc(z, x, &kind);
            }
            sl__zone_free(z);
        } else {
            ck_assert_ptr_null(z);
        }
        free(p);
    }
}
END_TEST

START_TEST(test_isdst_only_changes_do_not_crowd_out_real_ones)
{
    /* 80 transitions half an hour apart that only flip isdst (the wall
     * clock does not move), then a real change from +01:00 to +02:00: a
     * wall time after it converts with +02:00, and one before with +01:00. */
    enum { FLIPS = 80 };
    static int64_t tr[FLIPS + 1];
    static uint8_t ix[FLIPS + 1];
    static const int32_t of[] = {3600, 3600, 7200};
    static const uint8_t ds[] = {0, 1, 0};
    const int64_t t0 = at(2030, 1, 1, 0, 0), change = t0 + FLIPS * 1800 + 3600;
    for (int i = 0; i < FLIPS; i++) {
        tr[i] = t0 + (int64_t)i * 1800;
        ix[i] = (uint8_t)(1 - i % 2);
    }
    tr[FLIPS] = change;
    ix[FLIPS] = 2;
    tzspec s = {2, FLIPS + 1, tr, ix, 3, of, ds, "", 0};
    sl__zone *z = zone_of(&s);
    int kind;

    ck_assert_int_eq(sl__zone_offset(z, change - 1), 3600);
    ck_assert_int_eq(sl__zone_offset(z, change), 7200);
    ck_assert_int_eq(sl__zone_to_utc(z, change + 7200 + 600, &kind), change + 600);
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    ck_assert_int_eq(sl__zone_to_utc(z, change + 3600 - 600, &kind), change - 600);
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    ck_assert_int_eq(sl__zone_to_utc(z, change + 3600 + 600, &kind), change + 600);
    ck_assert_int_eq(kind, SL_TZ_GAP);
    sl__zone_free(z);
}
END_TEST

START_TEST(test_footer_governs_right_after_the_table)
{
    /* The footer takes over the instant after the last transition, even
     * where it disagrees with that transition's type (+02:00 in the table,
     * UTC in the footer): UTC -> local and local -> UTC agree on it, for
     * wall times up to and exactly at the edge of the conversion's two-day
     * search window. */
    static const int64_t tr[] = {1893456000}; /* 2030-01-01T00:00Z */
    static const uint8_t ix[] = {1};
    static const int32_t of[] = {3600, 7200};
    tzspec s = {2, 1, tr, ix, 2, of, NULL, "UTC0", 0};
    sl__zone *z = zone_of(&s);
    int kind;
    const int64_t last = tr[0];

    ck_assert_int_eq(sl__zone_offset(z, last), 7200);
    ck_assert_int_eq(sl__zone_offset(z, last + 1), 0);
    const int64_t locals[] = {last + 86400, last + 2 * 86400 - 1, last + 2 * 86400, last + 2 * 86400 + 1,
                              last + 3 * 86400};
    for (size_t i = 0; i < sizeof(locals) / sizeof(locals[0]); i++) {
        int64_t u = sl__zone_to_utc(z, locals[i], &kind);
        ck_assert_msg(u == locals[i] && kind == SL_TZ_UNIQUE, "local %lld -> %lld kind %d",
                      (long long)locals[i], (long long)u, kind);
    }
    sl__zone_free(z);
}
END_TEST

SL_TEST_TCASE(tcase_tz_tzif, "tzif", NULL, NULL, 120, test_parse_v1_only, test_parse_slim_footer_only,
              test_parse_slim_table_and_footer, test_parse_every_truncation, test_parse_corrupt_headers,
              test_parse_corrupt_data, test_parse_bad_footers, test_parse_good_footers, test_footer_rules,
              test_footer_matches_system, test_parse_random_corruption,
              test_isdst_only_changes_do_not_crowd_out_real_ones, test_footer_governs_right_after_the_table)
