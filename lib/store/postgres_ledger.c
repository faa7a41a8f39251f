/*
 * lib/store/postgres_ledger.c - the ledger tables of the PostgreSQL store:
 * accounts, entries, holds and webhook events. Shared declarations are in
 * postgres_internal.h; the SQL is in postgres_queries.sql. Scans read the whole
 * result, then call back once per row (so holds_expired_scan's callback
 * may write the hold it was given).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

/* ---- accounts ------------------------------------------------------------- */

static int pg_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    return sl__pg_get(st, PQ_ACCOUNT_GET, tenant, student, &sl__ent_account, out, "reading an account");
}

static int pg_account_put(sl_store *st, const sl_account *a)
{
    pg_params p = {0};
    sl__pg_bind(&p, &sl__ent_account, a, 0, NULL);
    if (sl__pg_may_defer(st, a->tenant)) /* an upsert: it cannot be refused */
        return sl__pg_defer(st, PQ_ACCOUNT_PUT, &p, 0, 0, NULL, 0, NULL);
    return sl__pg_write(st, PQ_ACCOUNT_PUT, &p, "writing an account", NULL);
}

static int pg_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    return PG_SCAN(st, PQ_ACCOUNTS_TENANT, &sl__ent_account, cb, ctx, "scanning accounts", tenant);
}

/* ---- entries -------------------------------------------------------------- */

static int pg_entry_append(sl_store *st, sl_entry *e)
{
    int rc;
    pg_params p = {0};
    sl__pg_bind(&p, &sl__ent_entry, e, 1, NULL); /* $1 tenant .. $12 hash */
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

SL__BY_KEY_METHOD(pg, "postgres", entry, sl_entry, PQ_ENTRY_BY_KEY, sl__ent_entry, "looking an entry up by key")

static int pg_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    if (!out)
        return pg_invalid(st, "postgres: entry_last: out is NULL");
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    int rc = sl__pg_row_one(st, PQ_ENTRY_LAST, &p, &sl__ent_entry, out, "reading the ledger head");
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
    PG_P_I64S(&p, tenant, after_seq);
    if (account != 0)
        sl__pg_p_i64(&p, account);
    return sl__pg_scan(st, account != 0 ? PQ_ENTRIES_ACCOUNT : PQ_ENTRIES_TENANT, &p, &sl__ent_entry, PG_CB(cb), ctx,
                       "scanning the ledger");
}

/* ---- holds ---------------------------------------------------------------- */

static int pg_hold_put(sl_store *st, sl_credit_hold *h)
{
    static const pg_keyed k = {&sl__ent_hold, PQ_HOLD_INSERT, PQ_HOLD_UPDATE, PG_ID_HOLD, 2, "hold"};
    return sl__pg_put_keyed(st, &k, h, &h->id, h->tenant, h->key);
}

SL__GET_METHOD(pg, hold, sl_credit_hold, PQ_HOLD_GET, sl__ent_hold, "reading a hold")
SL__BY_KEY_METHOD(pg, "postgres", hold, sl_credit_hold, PQ_HOLD_BY_KEY, sl__ent_hold, "looking a hold up by key")

/* The filter of PQ_HOLDS_EXPIRED, for the active holds read ahead. */
static int lapsed(const void *row, const void *before)
{
    return ((const sl_credit_hold *)row)->expires_at <= *(const sl_time *)before;
}

/* Whether r, the first PG_HOLDS_AHEAD active holds by expiry, holds every
 * one lapsed by before: it is not full, or its last hold has not lapsed. */
static int ahead_complete(const PGresult *r, sl_time before)
{
    int n = PQntuples(r);
    if (n < PG_HOLDS_AHEAD)
        return 1;
    sl_credit_hold last;
    sl__pg_read(r, n - 1, &sl__ent_hold, &last);
    return last.expires_at > before;
}

static int pg_holds_expired_scan(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                                 int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (!cb)
        return pg_invalid(st, "postgres: holds_expired_scan: callback is NULL");
    pg_params p = {0};
    PG_P_I64S(&p, tenant, account, before);
    int rc = SL_OK;
    /* The account's first active holds, read ahead with the account, or
     * read now (the result is ours: a callback's hold_put cannot clear it). */
    PGresult *r = sl__pg_ahead_take(st, PQ_HOLDS_AHEAD, tenant, account);
    if (r && !ahead_complete(r, before)) {
        PQclear(r);
        r = NULL;
    }
    if (!r && !(r = sl__pg_run(st, PQ_HOLDS_EXPIRED, &p, "scanning lapsed holds", &rc)))
        return rc;
    return sl__pg_rows(r, &sl__ent_hold, lapsed, &before, PG_CB(cb), ctx);
}

static int pg_holds_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    return PG_SCAN(st, PQ_HOLDS_TENANT, &sl__ent_hold, cb, ctx, "scanning holds", tenant);
}

/* ---- row MACs ------------------------------------------------------------- */

static int pg_mac_put(sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m)
{
    if (!m)
        return pg_invalid(st, "postgres: mac_put: the record is NULL");
    pg_params p = {0};
    int64_t n = 0;
    PG_P_I64S(&p, tenant, id, m->head_seq);
    sl__pg_p_bytes(&p, m->mac, sizeof(m->mac));
    int rc = sl__pg_write(st, what == SL_MAC_ACCOUNT ? PQ_ACCOUNT_MAC_PUT : PQ_HOLD_MAC_PUT, &p, "writing a row MAC", &n);
    if (rc != SL_OK)
        return rc;
    return n == 0 ? SL_ENOTFOUND : SL_OK;
}

/* A MAC record of row 0 of r; SL_ENOTFOUND for no row or NULL columns. */
static int pg_mac_get(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    if (!out)
        return pg_invalid(st, "postgres: mac_get: out is NULL");
    pg_params p = {0};
    PG_P_I64S(&p, tenant, id);
    int rc;
    PGresult *r = sl__pg_run(st, what == SL_MAC_ACCOUNT ? PQ_ACCOUNT_MAC_GET : PQ_HOLD_MAC_GET, &p,
                             "reading a row MAC", &rc);
    if (!r)
        return rc;
    rc = SL_ENOTFOUND;
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) && PQgetlength(r, 0, 1) == (int)sizeof(out->mac)) {
        memset(out, 0, sizeof(*out));
        out->head_seq = sl__pg_i64(r, 0, 0);
        sl__pg_blob(r, 0, 1, out->mac, sizeof(out->mac));
        rc = SL_OK;
    }
    PQclear(r);
    return rc;
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
    SL__SET_METHODS(st, SL__LEDGER_METHODS, pg);
}
