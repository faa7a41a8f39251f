/* tests/store/snapshot.c - whole-store snapshots compared byte for byte: see store_test.h. */
#include "store_test.h"

void take_snapshot(sl_store *s, snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    for (int t = 0; t < 3; t++) {
        ck_assert_sl(s->rules_scan(s, t + 1, SL_INCLUDE_DELETED, collect_rule, &snap->rules[t]), SL_OK);
        ck_assert_sl(s->overrides_scan(s, t + 1, INT32_MIN, INT32_MAX, SL_INCLUDE_DELETED, collect_override,
                                       &snap->overrides[t]), SL_OK);
        ck_assert_sl(s->sessions_scan(s, t + 1, INT64_MIN, INT64_MAX, SL_INCLUDE_DELETED, collect_session,
                                      &snap->sessions[t]), SL_OK);
    }
}

void assert_same_snapshot(const snapshot *a, const snapshot *b, const char *what)
{
    for (int t = 0; t < 3; t++) {
        ck_assert_msg(a->rules[t].n == b->rules[t].n, "%s: tenant %d: %zu rules vs %zu", what, t + 1,
                      a->rules[t].n, b->rules[t].n);
        ck_assert_msg(memcmp(a->rules[t].rules, b->rules[t].rules, a->rules[t].n * sizeof(sl_rule)) == 0,
                      "%s: tenant %d: rules differ", what, t + 1);
        ck_assert_msg(a->overrides[t].n == b->overrides[t].n, "%s: tenant %d: %zu overrides vs %zu", what,
                      t + 1, a->overrides[t].n, b->overrides[t].n);
        ck_assert_msg(memcmp(a->overrides[t].overrides, b->overrides[t].overrides,
                             a->overrides[t].n * sizeof(sl_override)) == 0,
                      "%s: tenant %d: overrides differ", what, t + 1);
        ck_assert_msg(a->sessions[t].n == b->sessions[t].n, "%s: tenant %d: %zu sessions vs %zu", what,
                      t + 1, a->sessions[t].n, b->sessions[t].n);
        for (size_t i = 0; i < a->sessions[t].n; i++) {
            const sl_session *x = &a->sessions[t].sessions[i], *y = &b->sessions[t].sessions[i];
            ck_assert_msg(x->id == y->id && x->tenant == y->tenant && x->student == y->student &&
                              x->start == y->start && x->end == y->end && x->status == y->status &&
                              x->kind == y->kind && x->replayed == y->replayed && x->credits == y->credits &&
                              x->hold_id == y->hold_id && x->series_id == y->series_id &&
                              x->created_at == y->created_at && x->updated_at == y->updated_at &&
                              x->deleted_at == y->deleted_at && strcmp(x->key, y->key) == 0 &&
                              memcmp(x->request_hash, y->request_hash, sizeof(x->request_hash)) == 0,
                          "%s: tenant %d: session #%zu differs (id %lld vs %lld)", what, t + 1, i,
                          (long long)x->id, (long long)y->id);
        }
    }
}

void take_lsnapshot(sl_store *s, lsnapshot *snap, sl_id max_hold)
{
    memset(snap, 0, sizeof(*snap));
    for (int t = 0; t < 3; t++) {
        ck_assert_sl(s->entries_scan(s, t + 1, 0, 0, collect_entry, &snap->entries[t]), SL_OK);
        size_t first = snap->n_accounts;
        for (sl_id a = 1; a <= 5; a++) {
            int rc = s->account_get(s, &snap->accounts[snap->n_accounts], t + 1, a);
            ck_assert_msg(rc == SL_OK || rc == SL_ENOTFOUND, "account_get: %s", sl_strerror(rc));
            if (rc == SL_OK)
                snap->n_accounts++;
        }
        /* accounts_scan delivers the same rows (students 1..5 here), in order. */
        static lcollected scanned;
        memset(&scanned, 0, sizeof(scanned));
        ck_assert_sl(s->accounts_scan(s, t + 1, collect_account, &scanned), SL_OK);
        ck_assert_msg(scanned.n == snap->n_accounts - first, "tenant %d: accounts_scan gave %zu accounts, account_get %zu",
                      t + 1, scanned.n, snap->n_accounts - first);
        for (size_t i = 0; i < scanned.n; i++)
            ck_assert_msg(memcmp(&scanned.accounts[i], &snap->accounts[first + i], sizeof(sl_account)) == 0,
                          "tenant %d: accounts_scan row %zu (student %lld) differs from account_get", t + 1, i,
                          (long long)scanned.ids[i]);
    }
    for (sl_id id = 1; id <= max_hold; id++)
        for (sl_id t = 1; t <= 3; t++) {
            int rc = s->hold_get(s, &snap->holds[snap->n_holds], t, id);
            ck_assert_msg(rc == SL_OK || rc == SL_ENOTFOUND, "hold_get: %s", sl_strerror(rc));
            if (rc == SL_OK) {
                ck_assert_uint_lt(snap->n_holds, MAXROWS - 1);
                snap->n_holds++;
            }
        }
}

void assert_same_lsnapshot(const lsnapshot *a, const lsnapshot *b, const char *what)
{
    for (int t = 0; t < 3; t++) {
        ck_assert_msg(a->entries[t].n == b->entries[t].n, "%s: tenant %d: %zu entries vs %zu", what, t + 1,
                      a->entries[t].n, b->entries[t].n);
        for (size_t i = 0; i < a->entries[t].n; i++)
            ck_assert_msg(memcmp(&a->entries[t].entries[i], &b->entries[t].entries[i], sizeof(sl_entry)) == 0,
                          "%s: tenant %d: entry seq %lld differs", what, t + 1,
                          (long long)a->entries[t].entries[i].seq);
    }
    ck_assert_msg(a->n_accounts == b->n_accounts, "%s: %zu accounts vs %zu", what, a->n_accounts, b->n_accounts);
    for (size_t i = 0; i < a->n_accounts; i++)
        ck_assert_msg(memcmp(&a->accounts[i], &b->accounts[i], sizeof(sl_account)) == 0,
                      "%s: account (%lld, %lld) differs", what, (long long)a->accounts[i].tenant,
                      (long long)a->accounts[i].student);
    ck_assert_msg(a->n_holds == b->n_holds, "%s: %zu holds vs %zu", what, a->n_holds, b->n_holds);
    for (size_t i = 0; i < a->n_holds; i++)
        ck_assert_msg(memcmp(&a->holds[i], &b->holds[i], sizeof(sl_credit_hold)) == 0, "%s: hold %lld differs",
                      what, (long long)a->holds[i].id);
}
