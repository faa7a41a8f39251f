/*
 * tests/fault_teams.c - team bookings under injected backend failures
 * (the method of tests/check_fault.c, fault_check.h): every backend call
 * of sl_book_any and sl_book_all fails in turn -- the key lookups in every
 * listed tenant, the tenant reads, the slot checks, the session writes,
 * the hold, the series link, the outbox events, the commit -- and each
 * failed call must leave sessions, holds, balances, entries and the
 * outbox exactly as they were, after which a retry with the same key
 * books exactly once (the reference result). Replays and refusals write
 * nothing under any fault.
 *
 * The fixture is check_fault.c's ledger fixture (tenant 1 in UTC open all
 * day, tenant 2 in Europe/Berlin open 08:00-20:00, both on a 30-minute
 * grid; account 1 of tenant 1 with 10 credits, account 1 of tenant 2 with
 * 3) plus one booking of each kind made with keys "fx-any" and "fx-all".
 */
#include <stdlib.h>

#include "fault_check.h"

#define TF_DAY 86400
#define TF_HOUR 3600
#define TF_B ((sl_time)1898812800) /* 2030-03-04T00:00Z, a Monday (check_fault.c) */
#define TF_NOW (TF_B - TF_DAY)
#define TF_AT (TF_B + 2 * TF_DAY + 10 * TF_HOUR) /* Wednesday 10:00Z = 11:00 in Berlin */
#define TF_DUR 3600

static const sl_id team_21[] = {2, 1}, team_12[] = {1, 2};

static sl_db *team_fixture(sl_store **fs, sl_fault_ids *ids)
{
    sl_db *d = sl_fault_ledger_fixture(fs);
    sl_session s, all[2];
    ck_assert_ok_db(d, sl_book_any(d, &s, team_21, 2, 1, TF_AT + 3 * TF_HOUR, TF_DUR, 1, "fx-any", TF_NOW - 1));
    ids->v[0] = s.id;
    ck_assert_ok_db(d, sl_book_all(d, all, NULL, team_12, 2, 1, TF_AT + 5 * TF_HOUR, TF_DUR, 1, "fx-all",
                                   TF_NOW - 1));
    ids->v[1] = all[0].id;
    return d;
}

static void dump_events(sbuf *b, sl_db *d, sl_id tenant, sl_id session)
{
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    ck_assert_ok_db(d, sl_outbox_session_events(d, &ev, &n, tenant, session));
    for (size_t i = 0; i < n; i++) {
        const sl_outbox_event *e = &ev[i];
        sb_printf(b, "  ev %lld seq%lld kind%d status%d st%lld %lld-%lld cr%lld at%lld state%d\n", (long long)e->id,
                  (long long)e->seq, (int)e->kind, (int)e->status, (long long)e->student, (long long)e->start,
                  (long long)e->end, (long long)e->credits, (long long)e->created_at, (int)e->state);
    }
    sl_outbox_free(ev);
}

/* The ledger dump (sessions, accounts, entries, holds of both tenants),
 * then every event of every session id of both tenants and the outbox
 * counts. */
static char *team_dump(sl_db *d)
{
    char *ledger = sl_fault_ledger_dump(d);
    sbuf b = {NULL, 0, 0};
    sb_printf(&b, "%s", ledger);
    free(ledger);
    for (sl_id tenant = 1; tenant <= 2; tenant++) {
        for (sl_id id = 1; id <= 40; id++) {
            sb_printf(&b, "events of %lld/%lld\n", (long long)tenant, (long long)id);
            dump_events(&b, d, tenant, id);
        }
        sl_outbox_counts oc;
        ck_assert_ok_db(d, sl_outbox_stats(d, &oc, tenant, TF_NOW));
        sb_printf(&b, "outbox %lld due%lld waiting%lld acked%lld\n", (long long)tenant, (long long)oc.due,
                  (long long)oc.waiting, (long long)oc.acked);
    }
    return b.p;
}

/* ---- the operations ----------------------------------------------------------- */

/* Tenant 2 has no session near TF_AT, tenant 1 several: 2 is chosen and
 * the hold is on (2, 1). */
static int op_any(sl_db *d, const sl_fault_ids *ids)
{
    (void)ids;
    sl_session s;
    int rc = sl_book_any(d, &s, team_12, 2, 1, TF_AT, TF_DUR, 2, "f-any", TF_NOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(s.tenant, 2);
        ck_assert_int_eq(s.replayed, 0);
        ck_assert_int_gt(s.hold_id, 0);
    }
    return rc;
}

static int op_any_replay(sl_db *d, const sl_fault_ids *ids)
{
    sl_session s;
    int rc = sl_book_any(d, &s, team_21, 2, 1, TF_AT + 3 * TF_HOUR, TF_DUR, 1, "fx-any", TF_NOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(s.id, ids->v[0]);
        ck_assert_int_eq(s.replayed, 1);
    }
    return rc;
}

/* The key of the collective booking, for a team booking (any). */
static int op_any_other_key(sl_db *d, const sl_fault_ids *ids)
{
    (void)ids;
    return sl_book_any(d, NULL, team_12, 2, 1, TF_AT + 5 * TF_HOUR, TF_DUR, 1, "fx-all", TF_NOW);
}

/* Both tenants, one hold on (1, 1), a series. */
static int op_all(sl_db *d, const sl_fault_ids *ids)
{
    (void)ids;
    sl_session out[2];
    int rc = sl_book_all(d, out, NULL, team_12, 2, 1, TF_AT, TF_DUR, 2, "f-all", TF_NOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(out[1].series_id, out[0].id);
        ck_assert_int_gt(out[0].hold_id, 0);
        ck_assert_int_eq(out[1].hold_id, 0);
    }
    return rc;
}

static int op_all_replay(sl_db *d, const sl_fault_ids *ids)
{
    sl_session out[2];
    int rc = sl_book_all(d, out, NULL, team_12, 2, 1, TF_AT + 5 * TF_HOUR, TF_DUR, 1, "fx-all", TF_NOW);
    if (rc == SL_OK) {
        ck_assert_int_eq(out[0].id, ids->v[1]);
        ck_assert_int_eq(out[1].replayed, 1);
    }
    return rc;
}

/* Tenant 1 is busy at TF_B + 10:00 (the fixture's session a): all or nothing. */
static int op_all_conflict(sl_db *d, const sl_fault_ids *ids)
{
    (void)ids;
    size_t failed = 99;
    int rc = sl_book_all(d, NULL, &failed, team_21, 2, 1, TF_B + 10 * TF_HOUR, TF_DUR, 1, "f-all-c", TF_NOW);
    if (rc == SL_ECONFLICT)
        ck_assert_uint_eq(failed, 1);
    return rc;
}

static void check_team_op(const char *name, int (*run)(sl_db *, const sl_fault_ids *), int expect, int changes,
                          long min_calls)
{
    sl_fault_ops o = {name, team_fixture, team_dump, run};
    sl_fault_check(&o, expect, changes, min_calls);
}

START_TEST(test_book_any_is_atomic)
{
    check_team_op("sl_book_any", op_any, SL_OK, 1, 20);
}
END_TEST

START_TEST(test_book_any_replay_writes_nothing)
{
    check_team_op("sl_book_any (replay)", op_any_replay, SL_OK, 0, 4);
}
END_TEST

START_TEST(test_book_any_foreign_key_writes_nothing)
{
    check_team_op("sl_book_any (the key of a collective booking)", op_any_other_key, SL_EIDEMPOTENCY, 0, 2);
}
END_TEST

START_TEST(test_book_all_is_atomic)
{
    check_team_op("sl_book_all", op_all, SL_OK, 1, 24);
}
END_TEST

START_TEST(test_book_all_replay_writes_nothing)
{
    check_team_op("sl_book_all (replay)", op_all_replay, SL_OK, 0, 3);
}
END_TEST

START_TEST(test_book_all_conflict_writes_nothing)
{
    check_team_op("sl_book_all (one tenant taken)", op_all_conflict, SL_ECONFLICT, 0, 12);
}
END_TEST

SL_TEST_TCASE(sl_fault_tcase_teams, "teams", NULL, NULL, 120, test_book_any_is_atomic,
              test_book_any_replay_writes_nothing, test_book_any_foreign_key_writes_nothing, test_book_all_is_atomic,
              test_book_all_replay_writes_nothing, test_book_all_conflict_writes_nothing)
