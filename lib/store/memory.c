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
 *   classes      sl_class      by (tenant, id); seats sl_seat by (tenant,
 *                              class_id, position) (memory_class.c)
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

typedef struct seq_row {
    int32_t table;
    int32_t reserved;
    sl_id last; /* largest id handed out */
} seq_row;

/* Every table of the store: where it lives in mem_store, its row size and
 * its sort key (the orders the header comment above describes). */
#define K(T, type, field) {offsetof(T, field), SL__MT_##type}
static const struct {
    size_t table;
    size_t size;
    int nkeys;
    sl__mt_key keys[SL__MT_KEYS_MAX];
} tables[] = {
    {offsetof(mem_store, tenants), sizeof(sl_tenant), 1, {K(sl_tenant, I64, id)}},
    {offsetof(mem_store, seq), sizeof(seq_row), 1, {K(seq_row, I32, table)}},
    {offsetof(mem_store, rules), sizeof(sl_rule), 2, {K(sl_rule, I64, tenant), K(sl_rule, I64, id)}},
    {offsetof(mem_store, overrides), sizeof(sl_override), 2,
     {K(sl_override, I64, tenant), K(sl_override, I32, date)}},
    {offsetof(mem_store, override_ids), sizeof(override_id_row), 1, {K(override_id_row, I64, id)}},
    {offsetof(mem_store, sessions), sizeof(sl_session), 3,
     {K(sl_session, I64, tenant), K(sl_session, I64, start), K(sl_session, I64, id)}},
    {offsetof(mem_store, session_ids), sizeof(session_id_row), 1, {K(session_id_row, I64, id)}},
    {offsetof(mem_store, accounts), sizeof(sl_account), 2, {K(sl_account, I64, tenant), K(sl_account, I64, student)}},
    {offsetof(mem_store, entries), sizeof(sl_entry), 2, {K(sl_entry, I64, tenant), K(sl_entry, I64, seq)}},
    {offsetof(mem_store, entry_keys), sizeof(key_row), 2, {K(key_row, I64, tenant), K(key_row, STR, key)}},
    {offsetof(mem_store, holds), sizeof(sl_credit_hold), 2,
     {K(sl_credit_hold, I64, tenant), K(sl_credit_hold, I64, id)}},
    {offsetof(mem_store, hold_keys), sizeof(key_row), 2, {K(key_row, I64, tenant), K(key_row, STR, key)}},
    {offsetof(mem_store, holds_active), sizeof(active_row), 4,
     {K(active_row, I64, tenant), K(active_row, I64, account), K(active_row, I64, expires_at), K(active_row, I64, id)}},
    {offsetof(mem_store, webhooks), sizeof(webhook_row), 3,
     {K(webhook_row, I64, tenant), K(webhook_row, STR, source), K(webhook_row, STR, event_id)}},
    {offsetof(mem_store, macs), sizeof(mac_row), 3, {K(mac_row, I32, what), K(mac_row, I64, tenant), K(mac_row, I64, id)}},
    {offsetof(mem_store, outbox), sizeof(sl_outbox_event), 1, {K(sl_outbox_event, I64, id)}},
    {offsetof(mem_store, outbox_seqs), sizeof(outbox_seq_row), 3,
     {K(outbox_seq_row, I64, tenant), K(outbox_seq_row, I64, session), K(outbox_seq_row, I64, seq)}},
    {offsetof(mem_store, classes), sizeof(sl_class), 2, {K(sl_class, I64, tenant), K(sl_class, I64, id)}},
    {offsetof(mem_store, seats), sizeof(sl_seat), 3,
     {K(sl_seat, I64, tenant), K(sl_seat, I64, class_id), K(sl_seat, I64, position)}},
};
#undef K
#define N_TABLES (sizeof(tables) / sizeof(tables[0]))

static sl__mt *table_of(mem_store *m, size_t i)
{
    return (sl__mt *)((unsigned char *)m + tables[i].table);
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

/* Ends the open transaction (and with group set the group): its writes
 * kept (keep set) or undone. */
static int tx_end(sl_store *st, int keep, int group)
{
    mem_store *m = M(st);
    if (keep)
        sl__mt_journal_clear(&m->journal);
    else
        sl__mt_journal_undo(&m->journal);
    m->in_tx = m->write = 0;
    if (group)
        m->group = 0;
    return SL_OK;
}

static int mem_commit(sl_store *st) { return tx_end(st, 1, 0); }
static int mem_rollback(sl_store *st) { return tx_end(st, 0, 0); }

/* Groups: the journal spans the group; a savepoint is a mark in it. */
static int mem_group_begin(sl_store *st)
{
    mem_store *m = M(st);
    if (m->in_tx || m->group)
        return sl_store_error(st, SL_EMISUSE, "memory store: a transaction or group is already open");
    m->group = 1;
    return SL_OK;
}

static int mem_group_commit(sl_store *st) { return tx_end(st, 1, 1); }
static int mem_group_rollback(sl_store *st) { return tx_end(st, 0, 1); }

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
    for (size_t i = 0; i < N_TABLES; i++)
        sl__mt_free(table_of(m, i));
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

mem_store *sl__mem_writer(sl_store *st, const char *what, const sl__entity *e, void *row, const void *src)
{
    if (sl__mem_need_write(st, what) != SL_OK)
        return NULL;
    sl__row_copy(e, row, src);
    return M(st);
}

int sl__mem_oom(sl_store *st, size_t mark, const char *what)
{
    char msg[128];
    sl__mt_journal_undo_to(&M(st)->journal, mark);
    snprintf(msg, sizeof(msg), "memory store: out of memory %s", what);
    return sl_store_error(st, SL_ENOMEM, msg);
}

int sl__mem_key_taken(sl_store *st, sl_id tenant, const char *noun, const char *key)
{
    char msg[SL__MEM_MSG_SIZE];
    snprintf(msg, sizeof(msg), "memory store: tenant %lld already has %s with key \"%s\"", (long long)tenant, noun,
             key);
    return sl_store_error(st, SL_EEXISTS, msg);
}

int sl__mem_put_indexed(sl_store *st, sl__mt *t, const void *row, sl__mt *ids, const void *idrow, size_t mark,
                        const char *what, sl_id *id, sl_id new_id)
{
    mem_store *m = M(st);
    if (sl__mt_put(t, &m->journal, row) != 0 || (ids && sl__mt_put(ids, &m->journal, idrow) != 0))
        return sl__mem_oom(st, mark, what);
    *id = new_id;
    return SL_OK;
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

int sl__mem_walk(const sl__mt *t, const void *from, const void *to, size_t deleted_off, uint32_t flags,
                 sl__rowcall call, void (*cb)(void), void *ctx)
{
    sl__mem_row row;
    if (t->size > sizeof(row))
        return SL_EMISUSE;
    for (size_t i = sl__mt_find(t, from, NULL); i < t->n; i++) {
        const unsigned char *p = sl__mt_at(t, i);
        if (sl__mt_cmp(t, to, p) < 0)
            break;
        if (deleted_off && !(flags & SL_INCLUDE_DELETED)) {
            sl_time d;
            memcpy(&d, p + deleted_off, sizeof(d));
            if (d != 0)
                continue;
        }
        memcpy(&row, p, t->size);
        int rc = call(cb, ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

/* A zeroed row of t whose first two key fields (64- or 32-bit) are a, b. */
static void key_pair(const sl__mt *t, sl__mem_row *row, int64_t a, int64_t b)
{
    const int64_t v[2] = {a, b};
    memset(row, 0, sizeof(*row));
    for (int k = 0; k < 2 && k < t->nkeys; k++) {
        unsigned char *f = (unsigned char *)row + t->keys[k].off;
        int32_t v32 = (int32_t)v[k];
        if (t->keys[k].type == SL__MT_I32)
            memcpy(f, &v32, sizeof(v32));
        else
            memcpy(f, &v[k], sizeof(v[k]));
    }
}

static int null_arg(sl_store *st, const char *method, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof(msg), "memory store: %s: %s is NULL", method, what);
    return invalid(st, msg);
}

int sl__mem_get(sl_store *st, const sl__mt *t, void *out, int64_t a, int64_t b, const char *method)
{
    sl__mem_row key;
    if (!out)
        return null_arg(st, method, "out");
    key_pair(t, &key, a, b);
    return sl__mt_get(t, &key, out) ? SL_OK : SL_ENOTFOUND;
}

size_t sl__mem_index(const sl__mt *t, int64_t a, int64_t b)
{
    sl__mem_row key;
    int found;
    key_pair(t, &key, a, b);
    size_t i = sl__mt_find(t, &key, &found);
    return found ? i : SIZE_MAX;
}

int sl__mem_scan(sl_store *st, const sl__mt *t, sl_id tenant, int64_t lo, int64_t hi, size_t deleted_off,
                 uint32_t flags, sl__rowcall call, void (*cb)(void), void *ctx, const char *method)
{
    sl__mem_row from, to;
    if (!cb)
        return null_arg(st, method, "callback");
    key_pair(t, &from, tenant, lo);
    key_pair(t, &to, tenant, hi);
    return sl__mem_walk(t, &from, &to, deleted_off, flags, call, cb, ctx);
}

/* ---- tenants --------------------------------------------------------------- */

static int mem_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    mem_store *m = M(st);
    sl_tenant key;
    key.id = id;
    return sl__mt_get(&m->tenants, &key, out) ? SL_OK : SL_ENOTFOUND;
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
    SL__SET_METHODS(&m->base, SL__MAIN_METHODS, mem);
    sl__memory_schedule_methods(&m->base);
    sl__memory_ledger_methods(&m->base);
    sl__memory_outbox_methods(&m->base);
    sl__memory_class_methods(&m->base);
    for (size_t i = 0; i < N_TABLES; i++)
        sl__mt_init(table_of(m, i), tables[i].size, tables[i].keys, tables[i].nkeys);
    *out = &m->base;
    return SL_OK;
}
