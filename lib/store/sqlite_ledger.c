/*
 * lib/store/sqlite_ledger.c - the ledger tables of the SQLite store:
 * accounts, entries, holds and webhook events. Shared declarations are in
 * sqlite_internal.h; see sqlite.c for how statements are prepared and how
 * scans may call back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

/* ---- ledger: accounts --------------------------------------------------- */

static void read_account(sqlite3_stmt *s, void *out)
{
    sl_account *a = out;
    memset(a, 0, sizeof(*a));
    a->version = SL_ACCOUNT_VERSION;
    a->tenant = sqlite3_column_int64(s, 0);
    a->student = sqlite3_column_int64(s, 1);
    a->floor = sqlite3_column_int64(s, 2);
    a->posted = sqlite3_column_int64(s, 3);
    a->held = sqlite3_column_int64(s, 4);
    a->created_at = sqlite3_column_int64(s, 5);
    a->updated_at = sqlite3_column_int64(s, 6);
    a->deleted_at = sqlite3_column_int64(s, 7); /* NULL reads as 0 */
}

static int sq_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    if (!out)
        return invalid(st, "sqlite: account_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_ACCOUNT_GET];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, student);
    return sl__sq_row_one(st, s, read_account, out, "reading an account");
}

static int sq_account_put(sl_store *st, const sl_account *a)
{
    sqlite3_stmt *s = Q(st)->q[Q_ACCOUNT_PUT];
    sqlite3_bind_int64(s, 1, a->tenant);
    sqlite3_bind_int64(s, 2, a->student);
    sqlite3_bind_int64(s, 3, a->floor);
    sqlite3_bind_int64(s, 4, a->posted);
    sqlite3_bind_int64(s, 5, a->held);
    sqlite3_bind_int64(s, 6, a->created_at);
    sqlite3_bind_int64(s, 7, a->updated_at);
    bind_deleted(s, 8, a->deleted_at);
    return sl__sq_write_q(st, Q_ACCOUNT_PUT, "writing an account");
}

static int sq_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: accounts_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_ACCOUNTS_TENANT];
    sl_account a;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_account(s, &a);
        int stop = cb(ctx, &a);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, "scanning accounts");
}

/* ---- ledger: entries ---------------------------------------------------- */

static void read_entry(sqlite3_stmt *s, void *out)
{
    sl_entry *e = out;
    memset(e, 0, sizeof(*e));
    e->version = SL_ENTRY_VERSION;
    e->id = sqlite3_column_int64(s, 0);
    e->tenant = sqlite3_column_int64(s, 1);
    e->seq = sqlite3_column_int64(s, 2);
    e->account = sqlite3_column_int64(s, 3);
    e->kind = (int32_t)sqlite3_column_int64(s, 4);
    e->amount = sqlite3_column_int64(s, 5);
    e->balance_after = sqlite3_column_int64(s, 6);
    e->hold_id = sqlite3_column_int64(s, 7);
    e->created_at = sqlite3_column_int64(s, 8);
    sl__sq_read_text(s, 9, e->key, sizeof(e->key));
    sl__sq_read_text(s, 10, e->reference, sizeof(e->reference));
    sl__sq_read_blob(s, 11, e->request_hash, sizeof(e->request_hash));
    sl__sq_read_blob(s, 12, e->hash, sizeof(e->hash));
}

static int sq_entry_append(sl_store *st, sl_entry *e)
{
    int rc;
    sqlite3_stmt *s = Q(st)->q[Q_ENTRY_INSERT];
    sqlite3_bind_int64(s, 1, e->tenant);
    sqlite3_bind_int64(s, 2, e->seq);
    sqlite3_bind_int64(s, 3, e->account);
    sqlite3_bind_int64(s, 4, e->kind);
    sqlite3_bind_int64(s, 5, e->amount);
    sqlite3_bind_int64(s, 6, e->balance_after);
    sqlite3_bind_int64(s, 7, e->hold_id);
    sqlite3_bind_int64(s, 8, e->created_at);
    sqlite3_bind_text(s, 9, e->key, (int)strlen(e->key), SQLITE_STATIC);
    sqlite3_bind_text(s, 10, e->reference, (int)strlen(e->reference), SQLITE_STATIC);
    sqlite3_bind_blob(s, 11, e->request_hash, (int)sizeof(e->request_hash), SQLITE_STATIC);
    sqlite3_bind_blob(s, 12, e->hash, (int)sizeof(e->hash), SQLITE_STATIC);
    rc = sl__sq_write_q(st, Q_ENTRY_INSERT, "appending an entry");
    if (rc == SL_EEXISTS) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has an entry with key \"%s\" or seq %lld",
                 (long long)e->tenant, e->key, (long long)e->seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    e->id = sqlite3_last_insert_rowid(Q(st)->h);
    return SL_OK;
}

static int sq_entry_by_key(sl_store *st, sl_entry *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return invalid(st, "sqlite: entry_by_key: out or key is NULL");
    return sl__sq_row_by_key(st, Q_ENTRY_BY_KEY, tenant, key, read_entry, out, "looking an entry up by key");
}

static int sq_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    if (!out)
        return invalid(st, "sqlite: entry_last: out is NULL");
    sqlite3_bind_int64(Q(st)->q[Q_ENTRY_LAST], 1, tenant);
    return sl__sq_row_one(st, Q(st)->q[Q_ENTRY_LAST], read_entry, out, "reading the ledger head");
}

static int sq_entries_scan(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                           int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: entries_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[account != 0 ? Q_ENTRIES_ACCOUNT : Q_ENTRIES_TENANT];
    sl_entry e;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, after_seq);
    if (account != 0)
        sqlite3_bind_int64(s, 3, account);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_entry(s, &e);
        int stop = cb(ctx, &e);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, "scanning the ledger");
}

/* ---- ledger: holds ------------------------------------------------------ */

static void read_hold(sqlite3_stmt *s, void *out)
{
    sl_credit_hold *h = out;
    memset(h, 0, sizeof(*h));
    h->version = SL_HOLD_VERSION;
    h->id = sqlite3_column_int64(s, 0);
    h->tenant = sqlite3_column_int64(s, 1);
    h->account = sqlite3_column_int64(s, 2);
    h->status = (int32_t)sqlite3_column_int64(s, 3);
    h->amount = sqlite3_column_int64(s, 4);
    h->captured = sqlite3_column_int64(s, 5);
    h->expires_at = sqlite3_column_int64(s, 6);
    h->created_at = sqlite3_column_int64(s, 7);
    h->resolved_at = sqlite3_column_int64(s, 8);
    h->entry_id = sqlite3_column_int64(s, 9);
    sl__sq_read_text(s, 10, h->key, sizeof(h->key));
    sl__sq_read_blob(s, 11, h->request_hash, sizeof(h->request_hash));
}

static int sq_hold_put(sl_store *st, sl_credit_hold *h)
{
    int rc, which = h->id == 0 ? Q_HOLD_INSERT : Q_HOLD_UPDATE;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, h->id);
    sqlite3_bind_int64(s, 2, h->tenant);
    sqlite3_bind_int64(s, 3, h->account);
    sqlite3_bind_int64(s, 4, h->status);
    sqlite3_bind_int64(s, 5, h->amount);
    sqlite3_bind_int64(s, 6, h->captured);
    sqlite3_bind_int64(s, 7, h->expires_at);
    sqlite3_bind_int64(s, 8, h->created_at);
    sqlite3_bind_int64(s, 9, h->resolved_at);
    sqlite3_bind_int64(s, 10, h->entry_id);
    sqlite3_bind_text(s, 11, h->key, (int)strlen(h->key), SQLITE_STATIC);
    sqlite3_bind_blob(s, 12, h->request_hash, (int)sizeof(h->request_hash), SQLITE_STATIC);
    rc = sl__sq_write_q(st, which, h->id == 0 ? "inserting a hold" : "replacing a hold");
    if (rc == SL_EEXISTS) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has a hold with key \"%s\"",
                 (long long)h->tenant, h->key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    return sl__sq_put_done(st, &h->id);
}

static int sq_hold_get(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: hold_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_HOLD_GET];
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, tenant);
    return sl__sq_row_one(st, s, read_hold, out, "reading a hold");
}

static int sq_hold_by_key(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key)
{
    if (!out || !key)
        return invalid(st, "sqlite: hold_by_key: out or key is NULL");
    return sl__sq_row_by_key(st, Q_HOLD_BY_KEY, tenant, key, read_hold, out, "looking a hold up by key");
}

static int sq_holds_expired_scan(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                                 int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: holds_expired_scan: callback is NULL");
    /* The core writes each row back (expired) from the callback, which
     * would change the index this statement walks: read every row first
     * (none in the common case, so no allocation), then call back. */
    sqlite3_stmt *s = Q(st)->q[Q_HOLDS_EXPIRED];
    sl_credit_hold *rows = NULL;
    size_t n = 0, cap = 0;
    int rc, code = SL_OK;
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, account);
    sqlite3_bind_int64(s, 3, before);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            sl_credit_hold *p = realloc(rows, ncap * sizeof(*p));
            if (!p) {
                sqlite3_reset(s);
                code = sl_store_error(st, SL_ENOMEM, "sqlite: out of memory reading lapsed holds");
                goto out_free_rows;
            }
            rows = p;
            cap = ncap;
        }
        read_hold(s, &rows[n++]);
    }
    if ((code = sl__sq_finish_q(st, s, rc, "scanning lapsed holds")) != SL_OK)
        goto out_free_rows;
    for (size_t i = 0; i < n; i++) {
        sl_credit_hold h = rows[i]; /* the callback cannot touch our copy */
        if ((code = cb(ctx, &h)) != 0)
            break;
    }
out_free_rows:
    free(rows);
    return code;
}

static int sq_holds_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: holds_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_HOLDS_TENANT];
    sl_credit_hold h;
    int rc;
    sqlite3_bind_int64(s, 1, tenant);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_hold(s, &h);
        int stop = cb(ctx, &h);
        if (stop != 0) {
            sqlite3_reset(s);
            return stop;
        }
    }
    return sl__sq_finish_q(st, s, rc, "scanning holds");
}

/* ---- ledger: row MACs ---------------------------------------------------- */

static int sq_mac_put(sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m)
{
    if (!m)
        return invalid(st, "sqlite: mac_put: m is NULL");
    int which = what == SL_MAC_ACCOUNT ? Q_ACCOUNT_MAC_PUT : Q_HOLD_MAC_PUT;
    sqlite3_stmt *s = Q(st)->q[which];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int64(s, 3, m->head_seq);
    sqlite3_bind_blob(s, 4, m->mac, (int)sizeof(m->mac), SQLITE_STATIC);
    int rc = sl__sq_write_q(st, which, "writing a row MAC");
    if (rc != SL_OK)
        return rc;
    return sqlite3_changes(Q(st)->h) == 0 ? SL_ENOTFOUND : SL_OK;
}

static void read_mac(sqlite3_stmt *s, void *out)
{
    sl_row_mac *m = out;
    memset(m, 0, sizeof(*m));
    m->head_seq = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 0);
    if (sqlite3_column_type(s, 1) != SQLITE_BLOB || sqlite3_column_bytes(s, 1) != (int)sizeof(m->mac))
        m->head_seq = -1; /* no MAC (NULL) */
    else
        sl__sq_read_blob(s, 1, m->mac, sizeof(m->mac));
}

static int sq_mac_get(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: mac_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[what == SL_MAC_ACCOUNT ? Q_ACCOUNT_MAC_GET : Q_HOLD_MAC_GET];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, id);
    int rc = sl__sq_row_one(st, s, read_mac, out, "reading a row MAC");
    return rc == SL_OK && out->head_seq < 0 ? SL_ENOTFOUND : rc;
}

/* ---- ledger: webhook events --------------------------------------------- */

static int sq_webhook_claim(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    if (!source || !event_id)
        return invalid(st, "sqlite: webhook_claim: source or event id is NULL");
    sqlite3_stmt *s = Q(st)->q[Q_WEBHOOK_CLAIM];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, event_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int rc = sl__sq_write_q(st, Q_WEBHOOK_CLAIM, "claiming a webhook event");
    if (rc == SL_EEXISTS) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already claimed event \"%s\" of \"%s\"",
                 (long long)tenant, event_id, source);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    return rc;
}

void sl__sqlite_ledger_methods(sl_store *st)
{
    st->account_get = sq_account_get;
    st->account_put = sq_account_put;
    st->entry_append = sq_entry_append;
    st->entry_by_key = sq_entry_by_key;
    st->entry_last = sq_entry_last;
    st->entries_scan = sq_entries_scan;
    st->hold_put = sq_hold_put;
    st->hold_get = sq_hold_get;
    st->hold_by_key = sq_hold_by_key;
    st->holds_expired_scan = sq_holds_expired_scan;
    st->webhook_claim = sq_webhook_claim;
    st->accounts_scan = sq_accounts_scan;
    st->mac_put = sq_mac_put;
    st->mac_get = sq_mac_get;
    st->holds_scan = sq_holds_scan;
}
