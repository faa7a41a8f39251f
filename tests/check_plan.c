/*
 * tests/check_plan.c - the SQLite store's queries use their indexes.
 *
 * Opens a database file through sl_open (which creates the schema), then
 * runs EXPLAIN QUERY PLAN on every query text the store prepares
 * (sl__sqlite_query) over a raw connection to the same file. No query may
 * scan a table ("SCAN t" without "USING [COVERING] INDEX"); hot queries
 * (slots, booking, single-row reads) may not sort either, since their order
 * must come from the index; purge must use the deleted_at index; the
 * accounts scan of verification must search the primary key. The plans
 * are checked on the empty schema and again after ANALYZE of a populated
 * file, whose statistics could steer the planner elsewhere.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "support.h"
#include "store/sqlite_queries.h"

static char path[512];
static sl_db *db;
static sqlite3 *raw;

static void setup(void)
{
    snprintf(path, sizeof(path), "%s", sl_test_path("plan.db"));
    ck_assert_msg(sl_open(&db, path, NULL) == SL_OK, "sl_open: %s", sl_errmsg(NULL));
    ck_assert_int_eq(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
}

static void teardown(void)
{
    sqlite3_close(raw);
    raw = NULL;
    sl_close(db);
    db = NULL;
}

static void raw_exec(const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(raw, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    sqlite3_free(err);
}

/* Does one plan line read a table without an index? */
static int scans_table(const char *detail)
{
    if (strncmp(detail, "SCAN ", 5) != 0 && !strstr(detail, " SCAN "))
        return 0;
    if (strcmp(detail, "SCAN CONSTANT ROW") == 0) /* a SELECT without FROM (key_probe) */
        return 0;
    return !strstr(detail, "USING INDEX") && !strstr(detail, "USING COVERING INDEX") &&
           !strstr(detail, "USING INTEGER PRIMARY KEY");
}

static const struct {
    const char *query, *index;
} expected[] = {
    {"sessions_blocking", "sessions_time"},
    {"overrides_live", "overrides_live"},
    {"session_by_key", "sessions_key"},
    {"student_live", "sessions_student"},
    {"series", "sessions_series"},
    {"sessions_live", "sessions_time"},
    {"sessions_all", "sessions_time"},
    /* Entries are keyed by (tenant, seq): the head and the chain walk. */
    {"entry_last", "entries_seq"},
    {"entries_tenant", "entries_seq"},
};

/* Text the plan of a query must hold, and what it means when it does not. */
static const struct {
    const char *query, *needle, *what;
} plan_holds[] = {
    /* The conflict scan of every slot query and booking reads the
     * covering index alone, no table rows. */
    {"sessions_busy", "USING COVERING INDEX sessions_time ",
     "the conflict scan should be answered from its index alone"},
    {"sessions_busy_narrow", "USING COVERING INDEX sessions_time ",
     "a booking's conflict scan should be answered from its index alone"},
    /* Every slot query and booking reads all live rules of its
     * tenant: from the index alone, in id order (schema migration 9). */
    {"rules_live", "USING COVERING INDEX rules_live ", "the rules scan should be answered from its index alone"},
    /* A new session's id: the table's last rowid and the purge floor,
     * two searches (no sqlite_sequence: sessions have no AUTOINCREMENT). */
    {"session_insert", "SEARCH id_floors USING PRIMARY KEY (name=?)",
     "session_insert should find the id floor by its key"},
    /* Verification reads every account of a tenant, deleted ones too:
     * a range of the primary key, in student order without a sort. */
    {"accounts_tenant", "USING PRIMARY KEY (tenant=?)", "accounts_tenant should search the primary key"},
    /* A new idempotency key: one search of each key index, no row read. */
    {"key_probe", "SEARCH sessions USING COVERING INDEX sessions_key (tenant=? AND idem_key=?)",
     "key_probe should search sessions_key alone"},
    {"key_probe", "SEARCH entries USING COVERING INDEX entries_key (tenant=? AND idem_key=?)",
     "key_probe should search entries_key alone"},
    {"key_probe", "SEARCH holds USING COVERING INDEX holds_key (tenant=? AND idem_key=?)",
     "key_probe should search holds_key alone"},
    {"key_probe", "SEARCH seats USING COVERING INDEX seats_key (tenant=? AND idem_key=?)",
     "key_probe should search seats_key alone"},
    {"key_probe", "SEARCH seats USING COVERING INDEX seats_wkey (tenant=? AND withdraw_key=?)",
     "key_probe should search seats_wkey alone"},
};

/* Checks the plans of every query; `when` names the state for messages. */
static void check_all_plans(const char *when)
{
    const char *name, *sql;
    int kind, n_checked = 0;
    for (int i = 0; (sql = sl__sqlite_query(i, &name, &kind)) != NULL; i++) {
        if (kind == SL__QUERY_CONTROL)
            continue;
        char text[4096];
        snprintf(text, sizeof(text), "EXPLAIN QUERY PLAN %s", sql);
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(raw, text, -1, &s, NULL);
        ck_assert_msg(rc == SQLITE_OK, "%s: %s: %s", when, name, sqlite3_errmsg(raw));
        char plan[2048] = "";
        int used_deleted_index = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(s, 3);
            ck_assert_ptr_nonnull(detail);
            size_t len = strlen(plan);
            snprintf(plan + len, sizeof(plan) - len, "%s%s", len ? "; " : "", detail);
            ck_assert_msg(!scans_table(detail), "%s: query %s scans a table: %s\n  %s", when, name,
                          detail, sql);
            if (kind == SL__QUERY_HOT)
                ck_assert_msg(!strstr(detail, "TEMP B-TREE"), "%s: hot query %s sorts: %s", when,
                              name, detail);
            if (strstr(detail, "_deleted"))
                used_deleted_index = 1;
        }
        ck_assert_int_eq(rc, SQLITE_DONE);
        sqlite3_finalize(s);
        if (kind == SL__QUERY_ADMIN)
            ck_assert_msg(used_deleted_index, "%s: purge query %s does not use a deleted_at index: %s",
                          when, name, plan);
        /* Queries with a dedicated (partial or unique) index must use it:
         * the conflict scan runs on every slot query and booking. */
        for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
            if (strcmp(name, expected[k].query) == 0) {
                char want[80];
                snprintf(want, sizeof(want), "USING INDEX %s ", expected[k].index);
                ck_assert_msg(strstr(plan, want) != NULL, "%s: %s should use index %s: %s", when,
                              name, expected[k].index, plan);
            }
        for (size_t k = 0; k < sizeof(plan_holds) / sizeof(plan_holds[0]); k++)
            if (strcmp(name, plan_holds[k].query) == 0)
                ck_assert_msg(strstr(plan, plan_holds[k].needle) != NULL, "%s: %s: %s", when, plan_holds[k].what,
                              plan);
        n_checked++;
    }
    ck_assert_int_ge(n_checked, 20);
}

START_TEST(test_no_query_scans_a_table)
{
    check_all_plans("empty schema");
}
END_TEST

START_TEST(test_plans_survive_analyze)
{
    /* A skewed population: many tenants, one busy tenant, many deleted and
     * cancelled sessions, few keys, so that ANALYZE has something to say. */
    raw_exec("BEGIN");
    char sql[1024];
    for (int i = 0; i < 3000; i++) {
        int tenant = i % 3 == 0 ? 1 : 2 + i % 50;
        char key[32] = "";
        if (i % 10 != 0)
            snprintf(key, sizeof(key), "k%d", i); /* unique per tenant */
        snprintf(sql, sizeof(sql),
                 "INSERT INTO sessions (tenant, student, start_at, end_at, status, kind, credits,"
                 " hold_id, series_id, created_at, updated_at, deleted_at, idem_key, request_hash)"
                 " VALUES (%d, %d, %d, %d, %d, 1, 1, 0, %d, 1, 1, %s, '%s', zeroblob(16))",
                 tenant, i % 40, 1000000 + i * 1800, 1000000 + i * 1800 + 3600, 1 + i % 5,
                 i % 7 == 0 ? i / 7 : 0, i % 4 == 0 ? "500" : "NULL", key);
        raw_exec(sql);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO rules (tenant, weekday, start_min, end_min, valid_from, valid_until,"
                 " created_at, updated_at, deleted_at) VALUES (%d, %d, 540, 1020, 0, 100000, 1, 1, %s)",
                 tenant, 1 + i % 7, i % 3 == 0 ? "7" : "NULL");
        raw_exec(sql);
        snprintf(sql, sizeof(sql),
                 "INSERT OR IGNORE INTO overrides (tenant, date, windows, created_at, updated_at, deleted_at)"
                 " VALUES (%d, %d, x'', 1, 1, %s)",
                 tenant, 19000 + i, i % 5 == 0 ? "9" : "NULL");
        raw_exec(sql);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO accounts (tenant, student, floor, posted, held, created_at, updated_at, deleted_at)"
                 " VALUES (%d, %d, 0, %d, 0, 1, 1, %s)",
                 tenant, i, i % 100, i % 6 == 0 ? "11" : "NULL");
        raw_exec(sql);
    }
    raw_exec("COMMIT");
    raw_exec("ANALYZE");
    check_all_plans("after ANALYZE");
}
END_TEST

START_TEST(test_query_list_is_well_formed)
{
    const char *name = NULL;
    int kind = -1;
    ck_assert_ptr_nonnull(sl__sqlite_query(0, &name, &kind));
    ck_assert_ptr_nonnull(name);
    ck_assert_ptr_null(sl__sqlite_query(-1, NULL, NULL));
    ck_assert_ptr_null(sl__sqlite_query(100000, NULL, NULL));
    /* The detector itself. */
    ck_assert(scans_table("SCAN sessions"));
    ck_assert(scans_table("SCAN TABLE sessions"));
    ck_assert(!scans_table("SCAN CONSTANT ROW"));
    ck_assert(scans_table("SCAN CONSTANT ROWS"));
    ck_assert(!scans_table("SCAN sessions USING INDEX sessions_range"));
    ck_assert(!scans_table("SCAN sessions USING COVERING INDEX sessions_key"));
    ck_assert(!scans_table("SEARCH sessions USING INDEX sessions_blocking (tenant=? AND start_at>?)"));
    /* Names are unique: they are how a failure names its query. */
    const char *a, *b;
    for (int i = 0; sl__sqlite_query(i, &a, NULL); i++)
        for (int j = i + 1; sl__sqlite_query(j, &b, NULL); j++)
            ck_assert_msg(strcmp(a, b) != 0, "two queries are named %s", a);
}
END_TEST

static SL_TEST_TCASE(tcase_plans, "plans", setup, teardown, 120, test_query_list_is_well_formed,
                     test_no_query_scans_a_table, test_plans_survive_analyze)

SL_TEST_SUITE(plan, tcase_plans)
