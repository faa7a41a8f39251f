/*
 * tests/support_tamper.h - helpers of the two tamper-evidence suites
 * (tests/check_tamper.c, tests/ledger/tamper.c): a ledger to forge, a
 * forger with write access to the SQLite file, and what verify must say.
 */
#ifndef SL_TESTS_SUPPORT_TAMPER_H
#define SL_TESTS_SUPPORT_TAMPER_H

#include "support.h"

/* Six purchases on tenant (which must exist): seq i of 10 * i credits at
 * now0 + i, key "e<i>", alternating between accounts 1 and 2 with seq 1 on
 * first_account. ids (NULL, or 7 slots) receive each seq's entry id. */
void sl_test_six_entries(sl_db *d, sl_id tenant, sl_id first_account, sl_time now0, sl_id ids[7]);

/* What an attacker with the file does: drops every trigger (they only stop
 * honest mistakes), then runs sql with raw sqlite3; it must succeed and
 * change at least one row. */
void sl_test_forge(const char *path, const char *sql);

/* sl_ledger_verify of tenant is SL_ETAMPER with first_bad_seq bad_seq,
 * first_bad_entry bad_entry (unless bad_entry < 0), and a message that
 * contains what and why (each unless NULL). Returns the report. */
sl_verify_report sl_test_expect_tamper(sl_db *d, sl_id tenant, int64_t bad_seq, sl_id bad_entry, const char *what,
                                       const char *why);

#endif
