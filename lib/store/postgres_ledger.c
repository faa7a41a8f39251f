/*
 * lib/store/postgres_ledger.c - the ledger tables of the PostgreSQL store:
 * accounts, entries, holds and webhook events. Shared declarations are in
 * postgres_internal.h; the SQL is in postgres.c. Scans read the whole
 * result, then call back once per row (so holds_expired_scan's callback
 * may write the hold it was given).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* ---- accounts ------------------------------------------------------------- */

static void read_account(const PGresult *r, int row, void *out)
{
    sl_account *a = out;
    memset(a, 0, sizeof(*a));
    a->version = SL_ACCOUNT_VERSION;
    a->tenant = sl__pg_i64(r, row, 0);
    a->student = sl__pg_i64(r, row, 1);
    a->floor = sl__pg_i64(r, row, 2);
    a->posted = sl__pg_i64(r, row, 3);
    a->held = sl__pg_i64(r, row, 4);
    a->created_at = sl__pg_i64(r, row, 5);
    a->updated_at = sl__pg_i64(r, row, 6);
    a->deleted_at = sl__pg_i64(r, row, 7); /* NULL reads as 0 */
}

static int pg_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    if (!out)
        return pg_invalid(st, "postgres: account_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, student);
    return sl__pg_row_one(st, PQ_ACCOUNT_GET, &p, read_account, out, "reading an account");
}

static int pg_account_put(sl_store *st, const sl_account *a)
{
    pg_params p = {0};
    sl__pg_p_i64(&p, a->tenant);
    sl__pg_p_i64(&p, a->student);
    sl__pg_p_i64(&p, a->floor);
    sl__pg_p_i64(&p, a->posted);
    sl__pg_p_i64(&p, a->held);
    sl__pg_p_i64(&p, a->created_at);
    sl__pg_p_i64(&p, a->updated_at);
    sl__pg_p_deleted(&p, a->deleted_at);
    if (sl__pg_may_defer(st, a->tenant)) /* an upsert: it cannot be refused */
        return sl__pg_defer(st, PQ_ACCOUNT_PUT, &p, 0, 0, NULL, 0, NULL);
    return sl__pg_write(st, PQ_ACCOUNT_PUT, &p, "writing an account", NULL);
}

static int pg_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: accounts_scan: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl_account a;
    int rc;
    PGresult *r = sl__pg_run(st, PQ_ACCOUNTS_TENANT, &p, "scanning accounts", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_account(r, i, &a);
        rc = cb(ctx, &a);
    }
    PQclear(r);
    return rc;
}

/* ---- entries -------------------------------------------------------------- */

static void read_entry(const PGresult *r, int row, void *out)
{
    sl_entry *e = out;
    memset(e, 0, sizeof(*e));
    e->version = SL_ENTRY_VERSION;
    e->id = sl__pg_i64(r, row, 0);
    e->tenant = sl__pg_i64(r, row, 1);
    e->seq = sl__pg_i64(r, row, 2);
    e->account = sl__pg_i64(r, row, 3);
    e->kind = (int32_t)sl__pg_i64(r, row, 4);
    e->amount = sl__pg_i64(r, row, 5);
    e->balance_after = sl__pg_i64(r, row, 6);
    e->hold_id = sl__pg_i64(r, row, 7);
    e->created_at = sl__pg_i64(r, row, 8);
    sl__pg_text(r, row, 9, e->key, sizeof(e->key));
    sl__pg_text(r, row, 10, e->reference, sizeof(e->reference));
    sl__pg_blob(r, row, 11, e->request_hash, sizeof(e->request_hash));
    sl__pg_blob(r, row, 12, e->hash, sizeof(e->hash));
}

static int pg_entry_append(sl_store *st, sl_entry *e)
{
    int rc;
    pg_params p = {0};
    sl__pg_p_i64(&p, e->tenant);
    sl__pg_p_i64(&p, e->seq);
    sl__pg_p_i64(&p, e->account);
    sl__pg_p_i64(&p, e->kind);
    sl__pg_p_i64(&p, e->amount);
    sl__pg_p_i64(&p, e->balance_after);
    sl__pg_p_i64(&p, e->hold_id);
    sl__pg_p_i64(&p, e->created_at);
    sl__pg_p_str(&p, e->key);
    sl__pg_p_str(&p, e->reference);
    sl__pg_p_bytes(&p, e->request_hash, sizeof(e->request_hash));
    sl__pg_p_bytes(&p, e->hash, sizeof(e->hash));
    sl__pg_p_i64(&p, 0); /* $13: the id, from the pool */
    sl_id id = 0;
    if (sl__pg_may_defer(st, e->tenant) && sl__pg_key_absent(st, 1, e->tenant, e->key) &&
        sl__pg_seq_free(st, e->tenant, e->seq)) {
        rc = sl__pg_defer(st, PQ_ENTRY_INSERT, &p, PG_ID_ENTRY, 12, &e->id, 1, e->key);
        if (rc == SL_OK)
            sl__pg_note_head(st, e->tenant, e->seq);
        return rc;
    }
    rc = sl__pg_put(st, PQ_ENTRY_INSERT, &p, PG_ID_ENTRY, 12, &id, "appending an entry");
    if (rc == SL_EEXISTS) {
        char msg[PG_MSG_SIZE];
        snprintf(msg, sizeof(msg), "postgres: tenant %lld already has an entry with key \"%s\" or seq %lld",
                 (long long)e->tenant, e->key, (long long)e->seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc == SL_OK)
        e->id = id;
    return rc;
}

static int pg_entry_by_key(sl_store *st, sl_entry *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return pg_invalid(st, "postgres: entry_by_key: out or key is NULL");
    return sl__pg_row_by_key(st, PQ_ENTRY_BY_KEY, tenant, key, read_entry, out, "looking an entry up by key");
}

static int pg_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    if (!out)
        return pg_invalid(st, "postgres: entry_last: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    int rc = sl__pg_row_one(st, PQ_ENTRY_LAST, &p, read_entry, out, "reading the ledger head");
    if (rc == SL_OK || rc == SL_ENOTFOUND)
        sl__pg_note_head(st, tenant, rc == SL_OK ? out->seq : 0);
    return rc;
}

static int pg_entries_scan(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                           int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: entries_scan: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, after_seq);
    if (account != 0)
        sl__pg_p_i64(&p, account);
    sl_entry e;
    int rc;
    PGresult *r = sl__pg_run(st, account != 0 ? PQ_ENTRIES_ACCOUNT : PQ_ENTRIES_TENANT, &p, "scanning the ledger", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_entry(r, i, &e);
        rc = cb(ctx, &e);
    }
    PQclear(r);
    return rc;
}

/* ---- holds ---------------------------------------------------------------- */

static void read_hold(const PGresult *r, int row, void *out)
{
    sl_credit_hold *h = out;
    memset(h, 0, sizeof(*h));
    h->version = SL_HOLD_VERSION;
    h->id = sl__pg_i64(r, row, 0);
    h->tenant = sl__pg_i64(r, row, 1);
    h->account = sl__pg_i64(r, row, 2);
    h->status = (int32_t)sl__pg_i64(r, row, 3);
    h->amount = sl__pg_i64(r, row, 4);
    h->captured = sl__pg_i64(r, row, 5);
    h->expires_at = sl__pg_i64(r, row, 6);
    h->created_at = sl__pg_i64(r, row, 7);
    h->resolved_at = sl__pg_i64(r, row, 8);
    h->entry_id = sl__pg_i64(r, row, 9);
    sl__pg_text(r, row, 10, h->key, sizeof(h->key));
    sl__pg_blob(r, row, 11, h->request_hash, sizeof(h->request_hash));
}

static int pg_hold_put(sl_store *st, sl_credit_hold *h)
{
    int rc;
    pg_params p = {0};
    sl__pg_p_i64(&p, h->id);
    sl__pg_p_i64(&p, h->tenant);
    sl__pg_p_i64(&p, h->account);
    sl__pg_p_i64(&p, h->status);
    sl__pg_p_i64(&p, h->amount);
    sl__pg_p_i64(&p, h->captured);
    sl__pg_p_i64(&p, h->expires_at);
    sl__pg_p_i64(&p, h->created_at);
    sl__pg_p_i64(&p, h->resolved_at);
    sl__pg_p_i64(&p, h->entry_id);
    sl__pg_p_str(&p, h->key);
    sl__pg_p_bytes(&p, h->request_hash, sizeof(h->request_hash));
    if (h->id == 0 && sl__pg_may_defer(st, h->tenant) && sl__pg_key_absent(st, 2, h->tenant, h->key))
        return sl__pg_defer(st, PQ_HOLD_INSERT, &p, PG_ID_HOLD, 0, &h->id, 2, h->key);
    rc = sl__pg_put(st, h->id == 0 ? PQ_HOLD_INSERT : PQ_HOLD_UPDATE, &p, PG_ID_HOLD, 0, &h->id,
                    h->id == 0 ? "inserting a hold" : "replacing a hold");
    if (rc == SL_EEXISTS) {
        char msg[PG_MSG_SIZE];
        snprintf(msg, sizeof(msg), "postgres: tenant %lld already has a hold with key \"%s\"", (long long)h->tenant,
                 h->key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    return rc;
}

static int pg_hold_get(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: hold_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, id);
    sl__pg_p_i64(&p, tenant);
    return sl__pg_row_one(st, PQ_HOLD_GET, &p, read_hold, out, "reading a hold");
}

static int pg_hold_by_key(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return pg_invalid(st, "postgres: hold_by_key: out or key is NULL");
    return sl__pg_row_by_key(st, PQ_HOLD_BY_KEY, tenant, key, read_hold, out, "looking a hold up by key");
}

static int pg_holds_expired_scan(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                                 int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: holds_expired_scan: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, account);
    sl__pg_p_i64(&p, before);
    sl_credit_hold h;
    int rc = SL_OK;
    /* The account's active holds, read ahead with the account, or read now
     * (the result is ours: a callback's hold_put cannot clear it). */
    PGresult *r = sl__pg_ahead_take(st, PQ_HOLDS_ACTIVE, tenant, account);
    if (!r && !(r = sl__pg_run(st, PQ_HOLDS_EXPIRED, &p, "scanning lapsed holds", &rc)))
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_hold(r, i, &h);
        if (h.expires_at <= before) /* the filter of PQ_HOLDS_EXPIRED */
            rc = cb(ctx, &h);
    }
    PQclear(r);
    return rc;
}

static int pg_holds_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: holds_scan: callback is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl_credit_hold h;
    int rc;
    PGresult *r = sl__pg_run(st, PQ_HOLDS_TENANT, &p, "scanning holds", &rc);
    if (!r)
        return rc;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        read_hold(r, i, &h);
        rc = cb(ctx, &h);
    }
    PQclear(r);
    return rc;
}

/* ---- row MACs ------------------------------------------------------------- */

static int pg_mac_put(sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m)
{
    if (!m)
        return pg_invalid(st, "postgres: mac_put: the record is NULL");
    pg_params p = {0};
    int64_t n = 0;
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, id);
    sl__pg_p_i64(&p, m->head_seq);
    sl__pg_p_bytes(&p, m->mac, sizeof(m->mac));
    int rc = sl__pg_write(st, what == SL_MAC_ACCOUNT ? PQ_ACCOUNT_MAC_PUT : PQ_HOLD_MAC_PUT, &p, "writing a row MAC", &n);
    if (rc != SL_OK)
        return rc;
    return n == 0 ? SL_ENOTFOUND : SL_OK;
}

/* A MAC record; head_seq -1 marks "no MAC" (NULL columns). */
static void read_mac(const PGresult *r, int row, void *out)
{
    sl_row_mac *m = out;
    memset(m, 0, sizeof(*m));
    if (PQgetisnull(r, row, 0) || PQgetisnull(r, row, 1) || PQgetlength(r, row, 1) != (int)sizeof(m->mac)) {
        m->head_seq = -1;
        return;
    }
    m->head_seq = sl__pg_i64(r, row, 0);
    sl__pg_blob(r, row, 1, m->mac, sizeof(m->mac));
}

static int pg_mac_get(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: mac_get: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, id);
    int rc = sl__pg_row_one(st, what == SL_MAC_ACCOUNT ? PQ_ACCOUNT_MAC_GET : PQ_HOLD_MAC_GET, &p, read_mac, out,
                            "reading a row MAC");
    return rc == SL_OK && out->head_seq < 0 ? SL_ENOTFOUND : rc;
}

/* ---- webhook events ------------------------------------------------------- */

static int pg_webhook_claim(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    if (tenant <= 0 || !source || !event_id)
        return pg_invalid(st, "postgres: webhook_claim needs a tenant > 0, a source and an event id");
    size_t ns = strnlen(source, SL_KEY_MAX + 1), ne = strnlen(event_id, SL_KEY_MAX + 1);
    if (ns == 0 || ns > SL_KEY_MAX || ne == 0 || ne > SL_KEY_MAX)
        return pg_invalid(st, "postgres: a webhook source and event id are 1..128 bytes");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_bytes(&p, source, ns);
    sl__pg_p_bytes(&p, event_id, ne);
    sl__pg_p_i64(&p, now);
    int rc;
    PGresult *r = sl__pg_run(st, PQ_WEBHOOK_CLAIM, &p, "claiming a webhook event", &rc);
    if (!r)
        return rc;
    int claimed = PQntuples(r) == 1;
    PQclear(r);
    if (!claimed) {
        char msg[PG_MSG_SIZE];
        snprintf(msg, sizeof(msg), "postgres: tenant %lld already claimed event \"%s\" of \"%s\"", (long long)tenant,
                 event_id, source);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    return SL_OK;
}

void sl__pg_ledger_methods(sl_store *st)
{
    st->account_get = pg_account_get;
    st->account_put = pg_account_put;
    st->entry_append = pg_entry_append;
    st->entry_by_key = pg_entry_by_key;
    st->entry_last = pg_entry_last;
    st->entries_scan = pg_entries_scan;
    st->hold_put = pg_hold_put;
    st->hold_get = pg_hold_get;
    st->hold_by_key = pg_hold_by_key;
    st->holds_expired_scan = pg_holds_expired_scan;
    st->webhook_claim = pg_webhook_claim;
    st->accounts_scan = pg_accounts_scan;
    st->mac_put = pg_mac_put;
    st->mac_get = pg_mac_get;
    st->holds_scan = pg_holds_scan;
}
