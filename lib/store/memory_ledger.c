/*
 * lib/store/memory_ledger.c - the ledger tables of the memory store:
 * accounts, entries, holds and webhook events. The tables and the rules
 * every write method follows are described in memory.c; shared
 * declarations are in memory_internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

/* ---- ledger: accounts ------------------------------------------------------- */

static int mem_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    return sl__mem_get(st, &M(st)->accounts, out, tenant, student, "account_get");
}

static int mem_account_put(sl_store *st, const sl_account *a)
{
    mem_store *m = M(st);
    int rc;
    if ((rc = sl__mem_need_write(st, "writing an account")) != SL_OK)
        return rc;
    sl_account row = *a;
    row.version = SL_ACCOUNT_VERSION;
    row.reserved = 0;
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mt_put(&m->accounts, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "writing an account");
    return SL_OK;
}

static int mem_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    /* A binary search to the tenant's first account, then a walk in
     * (tenant, student) order; deleted accounts included. */
    return sl__mem_scan(st, &M(st)->accounts, tenant, INT64_MIN, INT64_MAX, 0, 0, sl__call_account, SL__CB(cb), ctx,
                        "accounts_scan");
}

/* ---- ledger: entries ---------------------------------------------------------- */

/* A key row for (tenant, key), zeroed so that its bytes are deterministic;
 * key must fit (checked by the caller). */
static key_row key_of(sl_id tenant, const char *key, int64_t target)
{
    key_row k;
    memset(&k, 0, sizeof(k));
    k.tenant = tenant;
    k.target = target;
    memcpy(k.key, key, strlen(key));
    return k;
}

/* Looks (tenant, key) up in a key index: the row's target, or -1. */
static int64_t key_lookup(const sl__mt *t, sl_id tenant, const char *key)
{
    size_t n = strnlen(key, SL_KEY_MAX + 1);
    if (n == 0 || n > SL_KEY_MAX)
        return -1; /* "" is "no key"; a longer key is never stored */
    key_row k = key_of(tenant, key, 0);
    int found;
    size_t i = sl__mt_find(t, &k, &found);
    return found ? ((const key_row *)sl__mt_at(t, i))->target : -1;
}

/* The start of a read by key: SL_EINVAL (naming method) when out or key
 * is NULL, SL_ENOTFOUND when key index t holds no (tenant, key), else
 * SL_OK with the key's target in *target. */
static int key_target(sl_store *st, const sl__mt *t, const void *out, sl_id tenant, const char *key,
                      const char *method, int64_t *target)
{
    char msg[SL__MEM_MSG_SIZE];
    *target = -1;
    if (!out || !key) {
        snprintf(msg, sizeof(msg), "memory store: %s: out or key is NULL", method);
        return invalid(st, msg);
    }
    *target = key_lookup(t, tenant, key);
    return *target < 0 ? SL_ENOTFOUND : SL_OK;
}

/* Index of the first entry not less than (tenant, seq). */
static size_t entries_lower(const mem_store *m, sl_id tenant, int64_t seq)
{
    sl_entry key;
    key.tenant = tenant;
    key.seq = seq;
    return sl__mt_find(&m->entries, &key, NULL);
}

static const sl_entry *entry_at(const mem_store *m, size_t i)
{
    return sl__mt_at(&m->entries, i);
}

static int mem_entry_append(sl_store *st, sl_entry *e)
{
    sl_entry row; /* the id is the store's (below) */
    mem_store *m = sl__mem_writer(st, "appending an entry", &sl__ent_entry, &row, e);
    if (!m)
        return SL_EMISUSE;
    if (key_lookup(&m->entry_keys, row.tenant, row.key) >= 0)
        return sl__mem_key_taken(st, row.tenant, "an entry", row.key);
    int found;
    sl__mt_find(&m->entries, &row, &found);
    if (found) {
        char msg[SL__MEM_MSG_SIZE];
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already has an entry with seq %lld",
                 (long long)row.tenant, (long long)row.seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mem_next_id(m, SEQ_ENTRY, &row.id) != 0)
        return sl__mem_oom(st, mark, "allocating an entry id");
    key_row k = key_of(row.tenant, row.key, row.seq);
    return sl__mem_put_indexed(st, &m->entries, &row, &m->entry_keys, &k, mark, "appending an entry", &e->id, row.id);
}

static int mem_entry_by_key(sl_store *st, sl_entry *out, sl_id tenant, const char *key)
{
    mem_store *m = M(st);
    int64_t seq;
    int rc = key_target(st, &m->entry_keys, out, tenant, key, "entry_by_key", &seq);
    if (rc != SL_OK)
        return rc;
    size_t i = entries_lower(m, tenant, seq);
    if (i >= m->entries.n || entry_at(m, i)->tenant != tenant || entry_at(m, i)->seq != seq)
        return sl_store_error(st, SL_ESTORE, "memory store: the entry key index is inconsistent");
    *out = *entry_at(m, i);
    return SL_OK;
}

static int mem_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    mem_store *m = M(st);
    if (!out)
        return invalid(st, "memory store: entry_last: out is NULL");
    /* One before the next tenant's first entry. */
    size_t end = tenant == INT64_MAX ? m->entries.n : entries_lower(m, tenant + 1, INT64_MIN);
    if (end == 0 || entry_at(m, end - 1)->tenant != tenant)
        return SL_ENOTFOUND;
    *out = *entry_at(m, end - 1);
    return SL_OK;
}

static int mem_entries_scan(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                            int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    mem_store *m = M(st);
    if (!cb)
        return invalid(st, "memory store: entries_scan: callback is NULL");
    if (after_seq == INT64_MAX)
        return SL_OK;
    /* A binary search to seq > after_seq; with an account, the walk skips
     * the other accounts' entries of the tenant. */
    for (size_t i = entries_lower(m, tenant, after_seq + 1); i < m->entries.n; i++) {
        const sl_entry *e = entry_at(m, i);
        if (e->tenant != tenant)
            break;
        if (account != 0 && e->account != account)
            continue;
        sl_entry row = *e;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

/* ---- ledger: holds ------------------------------------------------------------ */

static active_row active_of(const sl_credit_hold *h)
{
    return (active_row){h->tenant, h->account, h->expires_at, h->id}; /* four int64: no padding */
}

static int mem_hold_put(sl_store *st, sl_credit_hold *h)
{
    sl_credit_hold row, old;
    mem_store *m = sl__mem_writer(st, "writing a hold", &sl__ent_hold, &row, h);
    if (!m)
        return SL_EMISUSE;
    /* A replaced row must exist in this tenant (checked first, as the
     * SQLite store's UPDATE ... WHERE id AND tenant does). */
    int found;
    memset(&old, 0, sizeof(old));
    if (row.id != 0) {
        size_t i = sl__mt_find(&m->holds, &row, &found);
        if (!found)
            return SL_ENOTFOUND;
        old = *(const sl_credit_hold *)sl__mt_at(&m->holds, i);
    }
    if (row.key[0]) {
        int64_t owner = key_lookup(&m->hold_keys, row.tenant, row.key);
        if (owner >= 0 && owner != row.id)
            return sl__mem_key_taken(st, row.tenant, "a hold", row.key);
    }

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (row.id == 0) {
        if (sl__mem_next_id(m, SEQ_HOLD, &row.id) != 0)
            return sl__mem_oom(st, mark, "allocating a hold id");
    } else {
        /* Take the old row out of the key and active indexes; the new one
         * goes back in below. */
        size_t i;
        if (old.key[0]) {
            key_row k = key_of(old.tenant, old.key, 0);
            i = sl__mt_find(&m->hold_keys, &k, &found);
            if (found && sl__mt_remove(&m->hold_keys, &m->journal, i) != 0)
                return sl__mem_oom(st, mark, "rekeying a hold");
        }
        if (old.status == SL_HOLD_ACTIVE) {
            active_row a = active_of(&old);
            i = sl__mt_find(&m->holds_active, &a, &found);
            if (found && sl__mt_remove(&m->holds_active, &m->journal, i) != 0)
                return sl__mem_oom(st, mark, "resolving a hold");
        }
    }
    if (sl__mt_put(&m->holds, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "writing a hold");
    if (row.key[0]) {
        key_row k = key_of(row.tenant, row.key, row.id);
        if (sl__mt_put(&m->hold_keys, &m->journal, &k) != 0)
            return sl__mem_oom(st, mark, "writing a hold");
    }
    if (row.status == SL_HOLD_ACTIVE) {
        active_row a = active_of(&row);
        if (sl__mt_put(&m->holds_active, &m->journal, &a) != 0)
            return sl__mem_oom(st, mark, "writing a hold");
    }
    h->id = row.id;
    return SL_OK;
}

static int mem_hold_get(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    return sl__mem_get(st, &M(st)->holds, out, tenant, id, "hold_get");
}

static int mem_hold_by_key(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key)
{
    int64_t id;
    int rc = key_target(st, &M(st)->hold_keys, out, tenant, key, "hold_by_key", &id);
    if (rc != SL_OK)
        return rc;
    rc = mem_hold_get(st, out, tenant, id);
    return rc == SL_ENOTFOUND ? sl_store_error(st, SL_ESTORE, "memory store: the hold key index is inconsistent")
                              : rc;
}

static int mem_holds_expired_scan(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                                  int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    mem_store *m = M(st);
    sl_credit_hold row;
    int found;
    if (!cb)
        return invalid(st, "memory store: holds_expired_scan: callback is NULL");
    active_row pos = {tenant, account, INT64_MIN, INT64_MIN};
    /* The one scan whose callback writes: the core marks each lapsed hold
     * expired (hold_put), which takes it out of holds_active under our
     * feet. So the walk does not keep an index: after each callback it
     * searches again for the first row after the one just reported. */
    for (size_t i = sl__mt_find(&m->holds_active, &pos, NULL); i < m->holds_active.n;) {
        const active_row *a = sl__mt_at(&m->holds_active, i);
        if (a->tenant != tenant || a->account != account || a->expires_at > before)
            break;
        pos = *a;
        row.tenant = tenant;
        row.id = a->id;
        size_t k = sl__mt_find(&m->holds, &row, &found);
        if (!found)
            return sl_store_error(st, SL_ESTORE, "memory store: the active hold index is inconsistent");
        row = *(const sl_credit_hold *)sl__mt_at(&m->holds, k);
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
        i = sl__mt_find(&m->holds_active, &pos, &found);
        if (found)
            i++;
    }
    return SL_OK;
}

static int mem_holds_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    return sl__mem_scan(st, &M(st)->holds, tenant, INT64_MIN, INT64_MAX, 0, 0, sl__call_hold, SL__CB(cb), ctx,
                        "holds_scan");
}

/* ---- ledger: row MACs ------------------------------------------------------- */

static mac_row mac_key(int32_t what, sl_id tenant, sl_id id)
{
    mac_row k;
    memset(&k, 0, sizeof(k));
    k.what = what;
    k.tenant = tenant;
    k.id = id;
    return k;
}

static int mem_mac_put(sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *mac)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = sl__mem_need_write(st, "writing a row MAC")) != SL_OK)
        return rc;
    if (!mac)
        return invalid(st, "memory store: mac_put: mac is NULL");
    if (what == SL_MAC_ACCOUNT) {
        sl_account a;
        a.tenant = tenant;
        a.student = id;
        sl__mt_find(&m->accounts, &a, &found);
    } else {
        sl_credit_hold h;
        h.tenant = tenant;
        h.id = id;
        sl__mt_find(&m->holds, &h, &found);
    }
    if (!found)
        return SL_ENOTFOUND;
    mac_row row = mac_key(what, tenant, id);
    row.m = *mac;
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mt_put(&m->macs, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "writing a row MAC");
    return SL_OK;
}

static int mem_mac_get(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    mem_store *m = M(st);
    int found;
    if (!out)
        return invalid(st, "memory store: mac_get: out is NULL");
    mac_row k = mac_key(what, tenant, id);
    size_t i = sl__mt_find(&m->macs, &k, &found);
    if (!found)
        return SL_ENOTFOUND;
    *out = ((const mac_row *)sl__mt_at(&m->macs, i))->m;
    return SL_OK;
}

/* ---- ledger: webhook events ----------------------------------------------------- */

static int mem_webhook_claim(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = sl__mem_need_write(st, "claiming a webhook event")) != SL_OK)
        return rc;
    if (!source || !event_id)
        return invalid(st, "memory store: webhook_claim: source or event id is NULL");
    /* At most SL_KEY_MAX bytes each: the core checked them. */
    size_t ns = strnlen(source, SL_KEY_MAX), ne = strnlen(event_id, SL_KEY_MAX);
    webhook_row row;
    memset(&row, 0, sizeof(row));
    row.tenant = tenant;
    row.claimed_at = now;
    memcpy(row.source, source, ns);
    memcpy(row.event_id, event_id, ne);
    sl__mt_find(&m->webhooks, &row, &found);
    if (found) {
        char msg[SL__MEM_MSG_SIZE];
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already claimed event \"%s\" of \"%s\"",
                 (long long)tenant, row.event_id, row.source);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mt_put(&m->webhooks, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "claiming a webhook event");
    return SL_OK;
}

void sl__memory_ledger_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__LEDGER_METHODS, mem);
}
