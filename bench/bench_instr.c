/*
 * bench/bench_instr.c - a fixed write workload for instruction counts under
 * callgrind (repeatable whatever the machine is doing; see bench/README.md,
 * "Instructions per operation").
 *
 *   bench_instr DB MODE     MODE 0: 2,000 keyed ledger posts over 50 accounts
 *                           MODE 1: 50 purchases, then 500 keyed bookings with
 *                                   a 1-credit hold each
 *                           MODE 2: setup only (open, tenant, 7 rules)
 *
 * SQLite file in SL_FAST mode. Per-operation cost = (MODE n - MODE 2) / ops.
 */
#include <slotledger.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s DB MODE\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int mode = atoi(argv[2]);
    unlink(path);
    sl_options o = SL_OPTIONS_INIT;
    o.durability = SL_FAST;
    sl_db *db;
    if (sl_open(&db, path, &o) != SL_OK)
        return 1;
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = 1;
    sl_time now = 1767225600; /* 2026-01-01T00:00Z */
    int rc = sl_tenant_put(db, &t, now);
    for (int d = 1; rc == SL_OK && d <= 7; d++)
        rc = sl_rule_add(db, NULL, 1, d, 0, 1440, SL_DATE_MIN, SL_DATE_MAX, now);
    char k[32];
    int grouped = mode >= 3; /* a group commit after every 10 calls */
    int posts = mode == 0 || mode == 3, books = mode == 1 || mode == 4;
    for (int i = 0; rc == SL_OK && posts && i < 2000; i++) {
        snprintf(k, sizeof(k), "p%d", i);
        if (grouped && i % 10 == 0)
            rc = sl_group_begin(db);
        if (rc == SL_OK)
            rc = sl_ledger_post(db, NULL, 1, 1 + i % 50, SL_ENTRY_PURCHASE, 5, k, NULL, now);
        if (rc == SL_OK && grouped && i % 10 == 9)
            rc = sl_group_commit(db);
    }
    for (int s = 1; rc == SL_OK && books && s <= 50; s++) {
        snprintf(k, sizeof(k), "b%d", s);
        rc = sl_ledger_post(db, NULL, 1, s, SL_ENTRY_PURCHASE, 1000, k, NULL, now);
    }
    for (int i = 0; rc == SL_OK && books && i < 500; i++) {
        snprintf(k, sizeof(k), "k%d", i);
        if (grouped && i % 10 == 0)
            rc = sl_group_begin(db);
        if (rc == SL_OK)
            rc = sl_book(db, NULL, 1, 1 + i % 50, now + 86400 + (sl_time)i * 3600, 3600, 1, k, now);
        if (rc == SL_OK && grouped && i % 10 == 9)
            rc = sl_group_commit(db);
    }
    if (rc != SL_OK)
        fprintf(stderr, "%s: %s\n", sl_strerror(rc), sl_errmsg(db));
    sl_close(db);
    return rc == SL_OK ? 0 : 1;
}
