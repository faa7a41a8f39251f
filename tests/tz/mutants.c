/*
 * tests/tz/mutants.c - documented behaviours of the time-zone code that
 * the standard mutation sample (./run mutate: 8 mutants per file, seed 17;
 * issue 17) showed no test pinned down: which changes of a POSIX footer
 * fall into a window (its edges, and the cut of a window spanning years),
 * the cap on the pieces of a local -> UTC window, and where the footer
 * takes over from the transitions. Each test names the mutant it kills.
 */
#include "tz_test.h"

/* A Central-European footer: DST from the last Sunday of March 01:00Z to
 * the last Sunday of October 01:00Z. */
static sl__tzrule eu_rule(void)
{
    static const char s[] = "CET-1CEST,M3.5.0,M10.5.0/3";
    sl__tzrule r;
    char err[128];
    ck_assert_int_eq(sl__tzrule_parse(&r, s, sizeof(s) - 1, err, sizeof err), SL_OK);
    return r;
}

/* posix.c:320 (`at > lo && at <= hi` -> `>=` / `<`): the changes
 * sl__tzrule_changes returns are those with after < at <= upto
 * (tz_private.h): a change exactly at `after` is not one, a change exactly
 * at `upto` is. */
START_TEST(test_mutant_rule_changes_window_edges)
{
    sl__tzrule r = eu_rule();
    sl__tzchange ch[8];
    const int64_t spring = at(2030, 3, 31, 1, 0), autumn = at(2030, 10, 27, 1, 0);
    /* Window starting at the change: excluded. */
    ck_assert_uint_eq(sl__tzrule_changes(&r, spring, spring + 2 * 86400, ch, 8), 0);
    ck_assert_uint_eq(sl__tzrule_changes(&r, autumn, autumn + 86400, ch, 8), 0);
    /* Window ending at the change: included, with the offset after it. */
    ck_assert_uint_eq(sl__tzrule_changes(&r, spring - 2 * 86400, spring, ch, 8), 1);
    ck_assert_int_eq(ch[0].at, spring);
    ck_assert_int_eq(ch[0].off, 7200);
    ck_assert_uint_eq(sl__tzrule_changes(&r, autumn - 86400, autumn, ch, 8), 1);
    ck_assert_int_eq(ch[0].at, autumn);
    ck_assert_int_eq(ch[0].off, 3600);
    /* One second either side. */
    ck_assert_uint_eq(sl__tzrule_changes(&r, spring - 1, spring + 1, ch, 8), 1);
    ck_assert_uint_eq(sl__tzrule_changes(&r, spring - 1, spring - 1 + 1, ch, 8), 1);
    ck_assert_uint_eq(sl__tzrule_changes(&r, spring - 2, spring - 1, ch, 8), 0);
}
END_TEST

/* posix.c:317 (the cut of a window over more than two calendar years
 * dropped): sl__tzrule_changes is for windows of a few days; a longer one
 * is cut 366 days after its start, so it returns at most that year's
 * changes, in order, and never more than fit its table. */
START_TEST(test_mutant_rule_changes_long_window_cut)
{
    sl__tzrule r = eu_rule();
    sl__tzchange ch[16];
    const int64_t lo = at(2030, 6, 1, 0, 0);
    size_t n = sl__tzrule_changes(&r, lo, at(2033, 6, 1, 0, 0), ch, 16);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ch[0].at, at(2030, 10, 27, 1, 0));
    ck_assert_int_eq(ch[0].off, 3600);
    ck_assert_int_eq(ch[1].at, at(2031, 3, 30, 1, 0));
    ck_assert_int_eq(ch[1].off, 7200);
    /* Two calendar years apart (2030-12-31 .. 2032-01-01): cut as well. */
    n = sl__tzrule_changes(&r, at(2030, 12, 31, 0, 0), at(2032, 12, 31, 0, 0), ch, 16);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(ch[0].at, at(2031, 3, 30, 1, 0));
    ck_assert_int_eq(ch[1].at, at(2031, 10, 26, 1, 0));
    /* One year boundary: not cut. */
    n = sl__tzrule_changes(&r, at(2030, 6, 1, 0, 0), at(2031, 12, 1, 0, 0), ch, 16);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(ch[2].at, at(2031, 10, 26, 1, 0));
}
END_TEST

/* zone.c:63 (`ps->n < MAX_PIECES` -> `<=`): a (valid but absurd) zone
 * with more changes inside one local -> UTC window than the 64 pieces kept
 * gets approximate answers past the cap, never an out-of-bounds write:
 * 120 changes ten minutes apart, alternating +00 and +01. Times before
 * them and early among them convert exactly. */
START_TEST(test_mutant_zone_more_changes_than_pieces)
{
    enum { N = 120 };
    static int64_t tr[N];
    static uint8_t ix[N];
    static const int32_t of[] = {0, 3600};
    const int64_t base = at(2030, 1, 10, 0, 0);
    for (size_t i = 0; i < N; i++) {
        tr[i] = base + (int64_t)i * 600;
        ix[i] = (uint8_t)((i + 1) % 2);
    }
    tzspec s = {2, N, tr, ix, 2, of, NULL, "", 0};
    sl__zone *z = zone_of(&s);
    int kind;
    ck_assert_int_eq(sl__zone_offset(z, base + 300), 3600);
    ck_assert_int_eq(sl__zone_offset(z, base + 900), 0);
    /* Two hours before the first change: +00, unique. */
    ck_assert_int_eq(sl__zone_to_utc(z, base - 7200, &kind), base - 7200);
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    /* Inside the changes, every local time still gets an answer within the
     * window. */
    for (int64_t local = base - 3600; local < base + N * 600 + 7200; local += 450) {
        int64_t u = sl__zone_to_utc(z, local, &kind);
        ck_assert(u >= local - 3600 && u <= local);
        ck_assert(kind == SL_TZ_UNIQUE || kind == SL_TZ_GAP || kind == SL_TZ_FOLD);
    }
    sl__zone_free(z);
}
END_TEST

/* zone.c:92 (the footer's start at the last transition dropped): the
 * footer governs only after the last transition; before it the table
 * does, even where the footer's own rule would have changed the offset.
 * Here the table keeps +01 through the two days in which the footer (DST
 * from J90 00:00 to J91 12:00) has +02, and its last transition follows
 * them: 2030-03-31 12:00 local is 11:00Z, by the table. */
START_TEST(test_mutant_zone_footer_only_after_last_transition)
{
    static const int64_t tr[2] = {946684800 /* 2000-01-01 */, 0};
    static const uint8_t ix[2] = {0, 1};
    static const int32_t of[] = {3600, 3600};
    static const uint8_t ds[] = {0, 0};
    int64_t trans[2] = {tr[0], at(2030, 4, 1, 12, 0)};
    tzspec s = {2, 2, trans, ix, 2, of, ds, "AAA-1BBB,J90/0,J91/12", 0};
    sl__zone *z = zone_of(&s);
    int kind;
    ck_assert_int_eq(sl__zone_offset(z, at(2030, 3, 31, 11, 0)), 3600);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2030, 3, 31, 12, 0), &kind), at(2030, 3, 31, 11, 0));
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2030, 4, 1, 0, 30), &kind), at(2030, 3, 31, 23, 30));
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    /* After the last transition the footer rules: its next DST, 2031. */
    ck_assert_int_eq(sl__zone_offset(z, at(2031, 3, 31, 12, 0)), 7200);
    ck_assert_int_eq(sl__zone_to_utc(z, at(2031, 3, 31, 12, 0), &kind), at(2031, 3, 31, 10, 0));
    ck_assert_int_eq(kind, SL_TZ_UNIQUE);
    sl__zone_free(z);
}
END_TEST

SL_TEST_TCASE(tcase_tz_mutants, "mutants", NULL, NULL, 60, test_mutant_rule_changes_window_edges,
              test_mutant_rule_changes_long_window_cut, test_mutant_zone_more_changes_than_pieces,
              test_mutant_zone_footer_only_after_last_transition)
