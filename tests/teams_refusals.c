/*
 * tests/teams_refusals.c - team bookings at their limits, per backend:
 *
 *  - the longest list sl_book_any takes (SL_MAX_TEAM ids) is locked and
 *    answered as a short one: on PostgreSQL one advisory lock per tenant
 *    would fill the server's shared lock table (max_locks_per_transaction
 *    per connection) and fail the call with SQLSTATE 53200, so a list
 *    that long takes the store's write over every tenant instead;
 *  - sl_book_all's failed_index when the store fails while reading a
 *    tenant's keys: that tenant's index (a memory store whose key lookup
 *    fails for one tenant, whatever backend the suite runs);
 *  - a tenant whose time zone cannot be read (its zone file missing from
 *    the handle's zoneinfo directory) is one that is not free (sl_free_at's
 *    SL_ETZ status), so sl_book_any books another listed tenant that is
 *    free, as the fairness policy chooses "among those free at the start".
 *    The zone must be readable when the tenant is written and unreadable
 *    later: a SQLite file in the test's directory, written through one
 *    zoneinfo directory and read through another (the zone cache is keyed
 *    by directory), whatever backend the suite runs.
 */
#include <sys/stat.h>

#include "slots/slots_test.h"

#define TR_NOW T("2026-01-01T00:00:00Z")
#define TR_AT T("2026-01-05T10:00:00Z")

/* dir/name, a copy of the system's zone file. */
static void copy_zone(const char *dir, const char *name)
{
    char src[512], dst[1024];
    snprintf(src, sizeof src, "/usr/share/zoneinfo/%s", name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    sl_test_copy_file(src, dst);
}

/* A zoneinfo directory named `name` (in the test's directory) with UTC
 * and, when berlin, Europe/Berlin. */
static const char *zone_dir(const char *name, int berlin, char *dir, size_t cap)
{
    char eu[1024];
    snprintf(dir, cap, "%s", sl_test_path(name));
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    copy_zone(dir, "UTC");
    if (berlin) {
        snprintf(eu, sizeof eu, "%s/Europe", dir);
        ck_assert_int_eq(mkdir(eu, 0700), 0);
        copy_zone(dir, "Europe/Berlin");
    }
    return dir;
}

/* Tenants 1 (UTC) and 2 (Europe/Berlin), every day 08:00-20:00 local,
 * hourly; then a handle that cannot read tenant 2's zone. */
static sl_db *open_unreadable_zone(void)
{
    char with[512], without[512], path[1024];
    sl_options o = SL_OPTIONS_INIT;
    sl_db *db = NULL;
    o.tzdir = zone_dir("tz-with", 1, with, sizeof with);
    snprintf(path, sizeof path, "%s/teams-etz.db", with);
    ck_assert_int_eq(sl_open(&db, path, &o), SL_OK);
    put_tenant(db, 1, (settings){"UTC", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 1, 8 * 60, 20 * 60);
    put_tenant(db, 2, (settings){"Europe/Berlin", 0, 0, 0, 0, 0, 0});
    add_rule_every_day(db, 2, 8 * 60, 20 * 60);
    sl_close(db);
    o.tzdir = zone_dir("tz-without", 0, without, sizeof without);
    ck_assert_int_eq(sl_open(&db, path, &o), SL_OK);
    return db;
}

START_TEST(test_book_any_skips_an_unreadable_zone)
{
    sl_db *db = open_unreadable_zone();
    const sl_id ids[] = {2, 1}, only2[] = {2};
    sl_free_at_result *f = NULL;
    ck_assert_ok_db(db, sl_free_at(db, &f, ids, 2, TR_AT, HOUR, TR_NOW));
    ck_assert_int_eq(f->status[0], SL_ETZ);
    ck_assert_int_eq(f->status[1], SL_OK);
    sl_free(f);
    /* Tenant 1 is free: it is booked, as sl_free_at says. */
    sl_session s;
    ck_assert_ok_db(db, sl_book_any(db, &s, ids, 2, 5, TR_AT, HOUR, 0, NULL, TR_NOW));
    ck_assert_int_eq(s.tenant, 1);
    /* Now no one is free: tenant 1's start is taken (SL_ECONFLICT). */
    ck_assert_fails(db, sl_book_any(db, &s, ids, 2, 6, TR_AT, HOUR, 0, NULL, TR_NOW), SL_ECONFLICT);
    /* Off tenant 1's grid, with only the unreadable zone left: its SL_ETZ,
     * which says more than "no tenant offers the slot". */
    ck_assert_fails(db, sl_book_any(db, &s, ids, 2, 6, TR_AT + 30 * MINUTE, HOUR, 0, NULL, TR_NOW), SL_ETZ);
    ck_assert_msg_has(db, "Europe/Berlin");
    ck_assert_fails(db, sl_book_any(db, &s, only2, 1, 6, TR_AT, HOUR, 0, NULL, TR_NOW), SL_ETZ);
    ck_assert_uint_eq(n_sessions(db, 1, TR_AT), 1);
    sl_close(db);
}
END_TEST

/* SL_MAX_TEAM ids, of which only 1..3 exist: the first unknown is named
 * (SL_ENOTFOUND), nothing is written, and a short list still books. */
START_TEST(test_book_any_longest_list)
{
    static sl_id ids[SL_MAX_TEAM];
    sl_db *db = sl_test_open();
    for (sl_id t = 1; t <= 3; t++) {
        put_tenant(db, t, (settings){"UTC", 0, 0, 0, 0, 0, 0});
        add_rule_every_day(db, t, 8 * 60, 20 * 60);
    }
    for (size_t i = 0; i < SL_MAX_TEAM; i++)
        ids[i] = (sl_id)(SL_MAX_TEAM - i);
    sl_session s;
    size_t failed = 0;
    ck_assert_fails(db, sl_book_any(db, &s, ids, SL_MAX_TEAM, 5, TR_AT, HOUR, 0, NULL, TR_NOW), SL_ENOTFOUND);
    ck_assert_msg_has(db, "tenant 10000 not found");
    ck_assert_fails(db, sl_book_all(db, NULL, &failed, ids + SL_MAX_TEAM - SL_MAX_TEAM_BOOK, SL_MAX_TEAM_BOOK, 5,
                                    TR_AT, HOUR, 0, NULL, TR_NOW), SL_ENOTFOUND);
    ck_assert_uint_eq(failed, 0);
    ck_assert_uint_eq(n_sessions(db, 1, TR_AT) + n_sessions(db, 2, TR_AT) + n_sessions(db, 3, TR_AT), 0);
    ck_assert_ok_db(db, sl_book_any(db, &s, ids + SL_MAX_TEAM - 3, 3, 5, TR_AT, HOUR, 0, NULL, TR_NOW));
    ck_assert_int_eq(s.tenant, 1);
    sl_close(db);
}
END_TEST

/* A memory store whose key lookup in tenant 2's sessions fails (SL_ESTORE). */
static int (*inner_by_key)(sl_store *, sl_session *, sl_id, const char *);

static int by_key_fails_for_2(sl_store *st, sl_session *out, sl_id tenant, const char *key)
{
    if (tenant == 2)
        return sl_store_error(st, SL_ESTORE, "test: tenant 2's keys cannot be read");
    return inner_by_key(st, out, tenant, key);
}

/* sl_book_all's failed_index names the tenant being read when the store
 * failed: here while its key was looked up (index 1), not "no tenant". */
START_TEST(test_book_all_store_failure_names_the_tenant)
{
    sl_store *st = sl_test_memory_store();
    inner_by_key = st->session_by_key;
    st->session_by_key = by_key_fails_for_2;
    sl_db *db = sl_test_open_on(st);
    for (sl_id t = 1; t <= 2; t++) {
        put_tenant(db, t, (settings){"UTC", 0, 0, 0, 0, 0, 0});
        add_rule_every_day(db, t, 8 * 60, 20 * 60);
    }
    const sl_id ids[] = {1, 2};
    size_t failed = 0;
    ck_assert_fails(db, sl_book_all(db, NULL, &failed, ids, 2, 5, TR_AT, HOUR, 0, "k", TR_NOW), SL_ESTORE);
    ck_assert_uint_eq(failed, 1);
    ck_assert_uint_eq(n_sessions(db, 1, TR_AT), 0);
    sl_close(db);
}
END_TEST

/* SL_ECONFLICT counts the tenants that offer the start, not the list: of
 * [1, 2, 3], only 1 and 2 have 10:00 (3 opens at 12:00), both taken. */
START_TEST(test_book_any_conflict_counts_who_offers)
{
    sl_db *db = sl_test_open();
    for (sl_id t = 1; t <= 3; t++) {
        put_tenant(db, t, (settings){"UTC", 0, 0, 0, 0, 0, 0});
        add_rule_every_day(db, t, t == 3 ? 12 * 60 : 8 * 60, 20 * 60);
    }
    const sl_id ids[] = {1, 2, 3};
    ck_assert_ok_db(db, sl_book_any(db, NULL, ids, 3, 5, TR_AT, HOUR, 0, NULL, TR_NOW));
    ck_assert_ok_db(db, sl_book_any(db, NULL, ids, 3, 6, TR_AT, HOUR, 0, NULL, TR_NOW));
    ck_assert_fails(db, sl_book_any(db, NULL, ids, 3, 7, TR_AT, HOUR, 0, NULL, TR_NOW), SL_ECONFLICT);
    ck_assert_msg_has(db, "taken for every one of the 2 tenants (of 3) that offer it");
    sl_close(db);
}
END_TEST

TCase *tcase_teams_refusals(void);
SL_TEST_TCASE(tcase_teams_refusals, "refusals", NULL, NULL, 60, test_book_any_skips_an_unreadable_zone,
              test_book_any_longest_list, test_book_all_store_failure_names_the_tenant,
              test_book_any_conflict_counts_who_offers)
