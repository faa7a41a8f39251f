/*
 * lib/store/memory.c - the in-memory reference store. Simple on purpose:
 * sorted arrays and an undo journal, so that it can serve as the oracle the
 * SQLite store is tested against. Private to the handle that owns it (a
 * handle is used by one thread at a time), so it needs no lock.
 *
 * Tables (each an sl__mt, every mutation journalled):
 *   tenants      sl_tenant     by id
 *   seq          id counters   by table; journalled too, so that rollback
 *                              restores them and ids match the SQLite store's
 *                              AUTOINCREMENT (the largest committed id + 1)
 *   rules        sl_rule       by (tenant, id)
 *   overrides    sl_override   by (tenant, date), unique like SQLite's index
 *   override_ids {id -> tenant, date}, so soft delete by id is a lookup
 *   sessions     sl_session    by (tenant, start, id): a range scan is a
 *                              binary search plus a walk
 *   session_ids  {id -> tenant, start}, so get by id is two lookups
 * Idempotency keys, students and series are found by walking the tenant's
 * sessions (linear within one tenant, never across tenants). Purge walks
 * every row of the entity: it is an administrative operation.
 *
 * The ledger:
 *   accounts     sl_account    by (tenant, student): accounts_scan is a
 *                              binary search plus a walk
 *   entries      sl_entry      by (tenant, seq): entry_last and
 *                              entries_scan(after_seq) are binary searches
 *   entry_keys   {tenant, key -> seq}, so entry_by_key and the key's
 *                              uniqueness are lookups, not walks
 *   holds        sl_credit_hold by (tenant, id): get and replace in place
 *   hold_keys    {tenant, key -> id} for non-empty keys
 *   holds_active {tenant, account, expires_at, id} of active holds only:
 *                              holds_expired_scan is a binary search plus a
 *                              walk over the account's lapsed holds
 *   webhooks     {tenant, source, event_id, claimed_at}, unique
 *   macs         {what, tenant, id -> sl_row_mac}: the MAC record of an
 *                              account or hold, by (what, tenant, id)
 * entries_scan of one account walks the tenant's entries after after_seq
 * and skips other accounts' (linear within one tenant).
 *
 * Every write method takes a journal mark first and undoes to it on any
 * failure, so a failed put writes nothing even when it had already moved a
 * row. Records are normalised on the way in (version set, unused windows,
 * reserved fields and the bytes after a key's NUL zeroed) so that a read
 * returns exactly what the SQLite store would.
 *
 * Scan callbacks receive a copy of the row: the callback cannot corrupt the
 * table through a cast. Callbacks must not write to the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

typedef struct seq_row {
    int32_t table;
    int32_t reserved;
    sl_id last; /* largest id handed out */
} seq_row;

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int cmp_tenant(const void *key, const void *row)
{
    return CMP(((const sl_tenant *)key)->id, ((const sl_tenant *)row)->id);
}

static int cmp_seq(const void *key, const void *row)
{
    return CMP(((const seq_row *)key)->table, ((const seq_row *)row)->table);
}

static int cmp_rule(const void *key, const void *row)
{
    const sl_rule *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    return c ? c : CMP(a->id, b->id);
}

static int cmp_override(const void *key, const void *row)
{
    const sl_override *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    return c ? c : CMP(a->date, b->date);
}

static int cmp_override_id(const void *key, const void *row)
{
    return CMP(((const override_id_row *)key)->id, ((const override_id_row *)row)->id);
}

static int cmp_session(const void *key, const void *row)
{
    const sl_session *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    if (!c)
        c = CMP(a->start, b->start);
    return c ? c : CMP(a->id, b->id);
}

static int cmp_session_id(const void *key, const void *row)
{
    return CMP(((const session_id_row *)key)->id, ((const session_id_row *)row)->id);
}

static int cmp_account(const void *key, const void *row)
{
    const sl_account *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    return c ? c : CMP(a->student, b->student);
}

static int cmp_entry(const void *key, const void *row)
{
    const sl_entry *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    return c ? c : CMP(a->seq, b->seq);
}

static int cmp_key(const void *key, const void *row)
{
    const key_row *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    return c ? c : strcmp(a->key, b->key);
}

static int cmp_hold(const void *key, const void *row)
{
    const sl_credit_hold *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    return c ? c : CMP(a->id, b->id);
}

static int cmp_active(const void *key, const void *row)
{
    const active_row *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    if (!c)
        c = CMP(a->account, b->account);
    if (!c)
        c = CMP(a->expires_at, b->expires_at);
    return c ? c : CMP(a->id, b->id);
}

static int cmp_mac(const void *key, const void *row)
{
    const mac_row *a = key, *b = row;
    int c = CMP(a->what, b->what);
    if (!c)
        c = CMP(a->tenant, b->tenant);
    return c ? c : CMP(a->id, b->id);
}

static int cmp_webhook(const void *key, const void *row)
{
    const webhook_row *a = key, *b = row;
    int c = CMP(a->tenant, b->tenant);
    if (!c)
        c = strcmp(a->source, b->source);
    return c ? c : strcmp(a->event_id, b->event_id);
}

/* ---- transactions ------------------------------------------------------ */

static int mem_begin(sl_store *st, sl_id tenant, int write)
{
    (void)tenant;
    mem_store *m = M(st);
    if (m->in_tx)
        return sl_store_error(st, SL_EMISUSE, "memory store: transaction already open");
    m->in_tx = 1;
    m->write = write;
    return SL_OK;
}

static int mem_commit(sl_store *st)
{
    mem_store *m = M(st);
    sl__mt_journal_clear(&m->journal);
    m->in_tx = 0;
    m->write = 0;
    return SL_OK;
}

static int mem_rollback(sl_store *st)
{
    mem_store *m = M(st);
    sl__mt_journal_undo(&m->journal);
    m->in_tx = 0;
    m->write = 0;
    return SL_OK;
}

/* Groups: the journal spans the group; a savepoint is a mark in it. */
static int mem_group_begin(sl_store *st)
{
    mem_store *m = M(st);
    if (m->in_tx || m->group)
        return sl_store_error(st, SL_EMISUSE, "memory store: a transaction or group is already open");
    m->group = 1;
    return SL_OK;
}

static int mem_group_commit(sl_store *st)
{
    mem_store *m = M(st);
    sl__mt_journal_clear(&m->journal);
    m->group = m->in_tx = m->write = 0;
    return SL_OK;
}

static int mem_group_rollback(sl_store *st)
{
    mem_store *m = M(st);
    sl__mt_journal_undo(&m->journal);
    m->group = m->in_tx = m->write = 0;
    return SL_OK;
}

static int mem_savepoint_begin(sl_store *st, sl_id tenant, int write)
{
    (void)tenant;
    mem_store *m = M(st);
    if (!m->group || m->in_tx)
        return sl_store_error(st, SL_EMISUSE, "memory store: savepoint outside a group, or one already open");
    m->savepoint = sl__mt_journal_mark(&m->journal);
    m->in_tx = 1;
    m->write = write;
    return SL_OK;
}

static int mem_savepoint_end(sl_store *st, int keep)
{
    mem_store *m = M(st);
    if (!keep)
        sl__mt_journal_undo_to(&m->journal, m->savepoint);
    m->in_tx = m->write = 0;
    return SL_OK;
}

static void mem_free(sl_store *st)
{
    mem_store *m = M(st);
    sl__mt_journal_free(&m->journal);
    sl__mt_free(&m->tenants);
    sl__mt_free(&m->seq);
    sl__mt_free(&m->rules);
    sl__mt_free(&m->overrides);
    sl__mt_free(&m->override_ids);
    sl__mt_free(&m->sessions);
    sl__mt_free(&m->session_ids);
    sl__mt_free(&m->accounts);
    sl__mt_free(&m->entries);
    sl__mt_free(&m->entry_keys);
    sl__mt_free(&m->holds);
    sl__mt_free(&m->hold_keys);
    sl__mt_free(&m->holds_active);
    sl__mt_free(&m->webhooks);
    sl__mt_free(&m->macs);
    free(m);
}

/* ---- helpers ------------------------------------------------------------- */

int sl__mem_need_write(sl_store *st, const char *what)
{
    mem_store *m = M(st);
    if (m->in_tx && m->write)
        return SL_OK;
    char msg[128];
    snprintf(msg, sizeof(msg), "memory store: %s outside a write transaction", what);
    return sl_store_error(st, SL_EMISUSE, msg);
}

int sl__mem_oom(sl_store *st, size_t mark, const char *what)
{
    char msg[128];
    sl__mt_journal_undo_to(&M(st)->journal, mark);
    snprintf(msg, sizeof(msg), "memory store: out of memory %s", what);
    return sl_store_error(st, SL_ENOMEM, msg);
}

/* The next id of a table: journalled, so a rollback gives it back. */
int sl__mem_next_id(mem_store *m, int table, sl_id *out)
{
    seq_row key = {table, 0, 0}, row;
    int found;
    size_t i = sl__mt_find(&m->seq, &key, &found);
    row = key;
    if (found)
        row.last = ((const seq_row *)sl__mt_at(&m->seq, i))->last;
    if (row.last == INT64_MAX)
        return -1;
    row.last++;
    if (sl__mt_put(&m->seq, &m->journal, &row) != 0)
        return -1;
    *out = row.last;
    return 0;
}

/* ---- tenants --------------------------------------------------------------- */

static int mem_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    mem_store *m = M(st);
    sl_tenant key;
    int found;
    key.id = id;
    size_t i = sl__mt_find(&m->tenants, &key, &found);
    if (!found)
        return SL_ENOTFOUND;
    memcpy(out, sl__mt_at(&m->tenants, i), sizeof(*out));
    return SL_OK;
}

static int mem_tenant_put(sl_store *st, const sl_tenant *t)
{
    mem_store *m = M(st);
    if (!m->write)
        return sl_store_error(st, SL_EMISUSE, "memory store: write outside a write transaction");
    if (sl__mt_put(&m->tenants, &m->journal, t) != 0)
        return sl_store_error(st, SL_ENOMEM, "memory store: out of memory");
    return SL_OK;
}

int sl_store_memory_new(sl_store **out)
{
    if (!out)
        return SL_EINVAL;
    *out = NULL;
    mem_store *m = calloc(1, sizeof(*m));
    if (!m)
        return SL_ENOMEM;
    sl_store_init(&m->base, SL_STORE_VERSION);
    m->base.begin = mem_begin;
    m->base.commit = mem_commit;
    m->base.rollback = mem_rollback;
    m->base.free = mem_free;
    m->base.group_begin = mem_group_begin;
    m->base.group_commit = mem_group_commit;
    m->base.group_rollback = mem_group_rollback;
    m->base.savepoint_begin = mem_savepoint_begin;
    m->base.savepoint_end = mem_savepoint_end;
    m->base.tenant_get = mem_tenant_get;
    m->base.tenant_put = mem_tenant_put;
    sl__memory_schedule_methods(&m->base);
    sl__memory_ledger_methods(&m->base);
    sl__mt_init(&m->tenants, sizeof(sl_tenant), cmp_tenant);
    sl__mt_init(&m->seq, sizeof(seq_row), cmp_seq);
    sl__mt_init(&m->rules, sizeof(sl_rule), cmp_rule);
    sl__mt_init(&m->overrides, sizeof(sl_override), cmp_override);
    sl__mt_init(&m->override_ids, sizeof(override_id_row), cmp_override_id);
    sl__mt_init(&m->sessions, sizeof(sl_session), cmp_session);
    sl__mt_init(&m->session_ids, sizeof(session_id_row), cmp_session_id);
    sl__mt_init(&m->accounts, sizeof(sl_account), cmp_account);
    sl__mt_init(&m->entries, sizeof(sl_entry), cmp_entry);
    sl__mt_init(&m->entry_keys, sizeof(key_row), cmp_key);
    sl__mt_init(&m->holds, sizeof(sl_credit_hold), cmp_hold);
    sl__mt_init(&m->hold_keys, sizeof(key_row), cmp_key);
    sl__mt_init(&m->holds_active, sizeof(active_row), cmp_active);
    sl__mt_init(&m->webhooks, sizeof(webhook_row), cmp_webhook);
    sl__mt_init(&m->macs, sizeof(mac_row), cmp_mac);
    *out = &m->base;
    return SL_OK;
}
