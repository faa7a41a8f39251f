/*
 * lib/store/sqlite_ledger.c - the ledger tables of the SQLite store:
 * accounts, entries, holds and webhook events. Shared declarations are in
 * sqlite_internal.h; see sqlite.c for how statements are prepared and how
 * scans may call back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtable.h"
#include "sqlite_internal.h"

/* ---- ledger: accounts --------------------------------------------------- */

static int sq_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    return sl__sq_get(st, Q_ACCOUNT_GET, tenant, student, &sl__ent_account, out, "reading an account");
}

/* Nearly every put is of an account that exists (each post, hold and
 * capture): UPDATE it, and insert only when no row changed. */
static int sq_account_put(sl_store *st, const sl_account *a)
{
    sl__sq_bind(Q(st)->q[Q_ACCOUNT_UPDATE], &sl__ent_account, a, 0);
    int rc = sl__sq_write_q(st, Q_ACCOUNT_UPDATE, "writing an account");
    if (rc != SL_OK || sqlite3_changes(Q(st)->h) > 0)
        return rc;
    sl__sq_bind(Q(st)->q[Q_ACCOUNT_PUT], &sl__ent_account, a, 0);
    return sl__sq_write_q(st, Q_ACCOUNT_PUT, "writing an account");
}

static int sq_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    return SQ_SCAN(st, Q_ACCOUNTS_TENANT, &sl__ent_account, cb, ctx, "scanning accounts", tenant);
}

/* ---- ledger: entries ---------------------------------------------------- */

/*
 * Ledger heads. Every post reads its tenant's last entry (the chain's
 * seq and hash) right after the previous post of that tenant wrote it.
 * The store keeps the head each transaction read or appended and, once that
 * transaction commits, answers entry_last from it for as long as PRAGMA
 * data_version says no other connection has committed (this connection's
 * own commits leave data_version as it is, and only they append through
 * here). Entries are append-only (triggers refuse UPDATE and DELETE), so
 * nothing else moves a head. Heads are used inside transactions only; a
 * head the open transaction appended answers at once (a ROLLBACK TO drops
 * it with the rest of the transaction's heads).
 */
void sl__sq_heads_after(sl_store *st, int which, int ok)
{
    sq_store *q = Q(st);
    if (ok && (which == Q_SAVEPOINT || which == Q_RELEASE))
        return; /* the transaction goes on: what it appended stays pending */
    int keep = ok && which == Q_COMMIT;
    /* The slots made pending, listed while they fit (a transaction that
     * touched more tenants walks every slot). */
    int all = q->n_pending > SL__SQ_PENDING_LIST;
    for (int k = 0; k < (all ? SL__SQ_HEADS : q->n_pending); k++) {
        int i = all ? k : q->pending[k];
        if (q->head[i].state == SL__SQ_HEAD_PENDING)
            q->head[i].state = keep ? SL__SQ_HEAD_KEPT : SL__SQ_HEAD_NONE;
    }
    q->n_pending = 0;
    q->tx_dv = -1;
}

/* The data_version of the open transaction (read once per transaction)
 * into *dv. A failed read is the caller's error, never skipped: SQLite may
 * have rolled the transaction back (SQLITE_NOMEM, IOERR), and the call's
 * next statements would then run outside it, each committing on its own. */
int sl__sq_tx_data_version(sl_store *st, int64_t *dv)
{
    sq_store *q = Q(st);
    if (q->tx_dv < 0) {
        sqlite3_stmt *s = q->q[Q_DATA_VERSION];
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            q->tx_dv = sqlite3_column_int64(s, 0);
        rc = sl__sq_finish_q(st, s, rc, "reading the data version");
        if (rc != SL_OK)
            return rc;
    }
    *dv = q->tx_dv;
    return SL_OK;
}

/* *out: the slot of tenant's head when it holds that head, true in the
 * open transaction (read or appended by it: PENDING; or kept from an
 * earlier one while data_version has not moved), else NULL. */
static int head_of(sl_store *st, sl_id tenant, const sl_entry **out)
{
    sq_store *q = Q(st);
    int i = (int)((uint64_t)tenant % SL__SQ_HEADS);
    int64_t dv = -1;
    *out = NULL;
    if (q->head[i].state == SL__SQ_HEAD_NONE || q->head[i].e.tenant != tenant || sqlite3_get_autocommit(q->h))
        return SL_OK;
    if (q->head[i].state == SL__SQ_HEAD_KEPT) {
        int rc = sl__sq_tx_data_version(st, &dv);
        if (rc != SL_OK || dv < 0 || dv != q->head[i].dv)
            return rc;
    }
    *out = &q->head[i].e;
    return SL_OK;
}

/* Holds e (a copy as a read gives it back) as tenant's head for the open
 * transaction. */
static int head_set(sl_store *st, const sl_entry *e)
{
    sq_store *q = Q(st);
    int i = (int)((uint64_t)e->tenant % SL__SQ_HEADS);
    q->head[i].state = SL__SQ_HEAD_NONE;
    if (sqlite3_get_autocommit(q->h))
        return SL_OK;
    int rc = sl__sq_tx_data_version(st, &q->head[i].dv);
    if (rc != SL_OK || q->head[i].dv < 0)
        return rc;
    sl__row_copy(&sl__ent_entry, &q->head[i].e, e);
    q->head[i].state = SL__SQ_HEAD_PENDING;
    if (q->n_pending < SL__SQ_PENDING_LIST)
        q->pending[q->n_pending] = (unsigned char)i;
    if (q->n_pending <= SL__SQ_PENDING_LIST)
        q->n_pending++;
    return SL_OK;
}

static int sq_entry_append(sl_store *st, sl_entry *e)
{
    sq_store *q = Q(st);
    /* The head before the append, when known: e stays the head only when
     * it follows it (the store accepts any free seq). */
    const sl_entry *h;
    int rc = head_of(st, e->tenant, &h);
    if (rc != SL_OK)
        return rc;
    int follows = h && e->seq > h->seq;
    q->head[(uint64_t)e->tenant % SL__SQ_HEADS].state = SL__SQ_HEAD_NONE;
    /* Every column but the id, which SQLite assigns. */
    sl__sq_bind(q->q[Q_ENTRY_INSERT], &sl__ent_entry, e, 1);
    rc = sl__sq_write_q(st, Q_ENTRY_INSERT, "appending an entry");
    if (rc == SL_EEXISTS) {
        char msg[SL__SQ_MSG_SIZE];
        snprintf(msg, sizeof(msg), "sqlite: tenant %lld already has an entry with key \"%s\" or seq %lld",
                 (long long)e->tenant, e->key, (long long)e->seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    if (rc != SL_OK)
        return rc;
    e->id = sqlite3_last_insert_rowid(q->h);
    return follows ? head_set(st, e) : SL_OK;
}

SL__BY_KEY_METHOD(sq, "sqlite", entry, sl_entry, Q_ENTRY_BY_KEY, sl__ent_entry, "looking an entry up by key")

static int sq_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    if (!out)
        return invalid(st, "sqlite: entry_last: out is NULL");
    sq_store *q = Q(st);
    const sl_entry *h;
    int rc = head_of(st, tenant, &h);
    if (rc != SL_OK || h) {
        if (h)
            *out = *h;
        return rc;
    }
    sqlite3_bind_int64(q->q[Q_ENTRY_LAST], 1, tenant);
    rc = sl__sq_row_one(st, q->q[Q_ENTRY_LAST], &sl__ent_entry, out, "reading the ledger head");
    return rc == SL_OK ? head_set(st, out) : rc;
}

static int sq_entries_scan(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                           int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    if (!cb)
        return invalid(st, "sqlite: entries_scan: callback is NULL");
    sqlite3_stmt *s = Q(st)->q[account != 0 ? Q_ENTRIES_ACCOUNT : Q_ENTRIES_TENANT];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, after_seq);
    if (account != 0)
        sqlite3_bind_int64(s, 3, account);
    return sl__sq_scan(st, s, &sl__ent_entry, SQ_CB(cb), ctx, "scanning the ledger");
}

/* ---- ledger: holds ------------------------------------------------------ */

static int sq_hold_put(sl_store *st, sl_credit_hold *h)
{
    int which = h->id == 0 ? Q_HOLD_INSERT : Q_HOLD_UPDATE;
    int rc = sl__sq_put(st, which, &sl__ent_hold, h, &h->id, h->id == 0 ? "inserting a hold" : "replacing a hold");
    return rc == SL_EEXISTS ? sl__sq_key_taken(st, h->tenant, "a hold", h->key) : rc;
}

SL__GET_METHOD(sq, hold, sl_credit_hold, Q_HOLD_GET, sl__ent_hold, "reading a hold")
SL__BY_KEY_METHOD(sq, "sqlite", hold, sl_credit_hold, Q_HOLD_BY_KEY, sl__ent_hold, "looking a hold up by key")

/* Lapsed holds are read in full before the first callback (below); 1
 * stops the scan: out of memory. */
static int keep_hold(void *v, const sl_credit_hold *h)
{
    return sl__mt_push(v, h) != 0;
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
    sl__mt_vec v = {NULL, 0, 0, sizeof(sl_credit_hold)};
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, account);
    sqlite3_bind_int64(s, 3, before);
    int code = sl__sq_scan(st, s, &sl__ent_hold, SQ_CB(keep_hold), &v, "scanning lapsed holds");
    if (code == 1)
        code = sl_store_error(st, SL_ENOMEM, "sqlite: out of memory reading lapsed holds");
    for (size_t i = 0; code == SL_OK && i < v.n; i++) {
        sl_credit_hold h; /* the callback cannot touch our copy */
        memcpy(&h, v.rows + i * sizeof(h), sizeof(h));
        code = cb(ctx, &h);
    }
    free(v.rows);
    return code;
}

static int sq_holds_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    return SQ_SCAN(st, Q_HOLDS_TENANT, &sl__ent_hold, cb, ctx, "scanning holds", tenant);
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

static int sq_mac_get(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "sqlite: mac_get: out is NULL");
    sqlite3_stmt *s = Q(st)->q[what == SL_MAC_ACCOUNT ? Q_ACCOUNT_MAC_GET : Q_HOLD_MAC_GET];
    sqlite3_bind_int64(s, 1, tenant);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s), found = 0;
    memset(out, 0, sizeof(*out));
    /* A row without a MAC has NULLs (or a blob of another size): none. */
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL && sqlite3_column_type(s, 1) == SQLITE_BLOB &&
        sqlite3_column_bytes(s, 1) == (int)sizeof(out->mac)) {
        out->head_seq = sqlite3_column_int64(s, 0);
        sl__sq_read_blob(s, 1, out->mac, sizeof(out->mac));
        found = 1;
    }
    int code = sl__sq_finish_q(st, s, rc, "reading a row MAC");
    return code == SL_OK && !found ? SL_ENOTFOUND : code;
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
    SL__SET_METHODS(st, SL__LEDGER_METHODS, sq);
}
