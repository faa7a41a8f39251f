/*
 * tests/support_tamper.c - helpers of the tamper-evidence suites
 * (support_tamper.h).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "support_tamper.h"

void sl_test_six_entries(sl_db *d, sl_id tenant, sl_id first_account, sl_time now0, sl_id ids[7])
{
    for (int i = 1; i <= 6; i++) {
        char k[8];
        sl_entry e;
        snprintf(k, sizeof(k), "e%d", i);
        sl_id account = i % 2 ? first_account : 3 - first_account;
        ck_assert_ok_db(d, sl_ledger_post(d, &e, tenant, account, SL_ENTRY_PURCHASE, 10 * i, k, NULL, now0 + i));
        ck_assert_int_eq(e.replayed, 0);
        if (ids)
            ids[i] = e.id;
    }
}

void sl_test_forge(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    char drops[4096] = "", *err = NULL;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_schema WHERE type = 'trigger'", -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = strlen(drops);
        snprintf(drops + n, sizeof(drops) - n, "DROP TRIGGER IF EXISTS \"%s\";", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    int rc = sqlite3_exec(h, drops, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", drops, err ? err : "?");
    rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, err ? err : "?");
    ck_assert_msg(sqlite3_total_changes(h) > 0, "the forgery changed nothing: %s", sql);
    sqlite3_close(h);
}

sl_verify_report sl_test_expect_tamper(sl_db *d, sl_id tenant, int64_t bad_seq, sl_id bad_entry, const char *what,
                                       const char *why)
{
    sl_verify_report r;
    int rc = sl_ledger_verify(d, &r, tenant);
    ck_assert_msg(rc == SL_ETAMPER, "verify returned %s (%s), expected SL_ETAMPER", sl_strerror(rc), sl_errmsg(d));
    ck_assert_msg(r.first_bad_seq == bad_seq && (bad_entry < 0 || r.first_bad_entry == bad_entry),
                  "first bad seq %lld entry %lld, expected seq %lld entry %lld: %s", (long long)r.first_bad_seq,
                  (long long)r.first_bad_entry, (long long)bad_seq, (long long)bad_entry, sl_errmsg(d));
    ck_assert_msg(!what || strstr(sl_errmsg(d), what), "message does not name %s: %s", what, sl_errmsg(d));
    ck_assert_msg(!why || strstr(sl_errmsg(d), why), "message does not say \"%s\": %s", why, sl_errmsg(d));
    return r;
}
