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

#include "core/internal.h"
#include "memtable.h"

enum { SEQ_RULE, SEQ_OVERRIDE, SEQ_SESSION, SEQ_ENTRY, SEQ_HOLD };

typedef struct seq_row {
    int32_t table;
    int32_t reserved;
    sl_id last; /* largest id handed out */
} seq_row;

typedef struct override_id_row {
    sl_id id;
    sl_id tenant;
    sl_date date;
} override_id_row;

typedef struct session_id_row {
    sl_id id;
    sl_id tenant;
    sl_time start;
} session_id_row;

/* A key index row: (tenant, key) -> seq of an entry or id of a hold. The
 * whole row is zeroed before use, so its padding compares and copies
 * deterministically. */
typedef struct key_row {
    sl_id tenant;
    int64_t target;
    char key[SL_KEY_MAX + 1];
} key_row;

typedef struct active_row {
    sl_id tenant;
    sl_id account;
    sl_time expires_at;
    sl_id id;
} active_row;

typedef struct webhook_row {
    sl_id tenant;
    sl_time claimed_at;
    char source[SL_KEY_MAX + 1];
    char event_id[SL_KEY_MAX + 1];
} webhook_row;

typedef struct mem_store {
    sl_store base; /* first member: the core sees a plain sl_store */
    int in_tx, write;
    sl__mt_journal journal;
    sl__mt tenants;
    sl__mt seq;
    sl__mt rules;
    sl__mt overrides;
    sl__mt override_ids;
    sl__mt sessions;
    sl__mt session_ids;
    sl__mt accounts;
    sl__mt entries;
    sl__mt entry_keys;
    sl__mt holds;
    sl__mt hold_keys;
    sl__mt holds_active;
    sl__mt webhooks;
} mem_store;

static mem_store *M(sl_store *st)
{
    return (mem_store *)st;
}

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
    free(m);
}

/* ---- helpers ------------------------------------------------------------- */

static int need_write(sl_store *st, const char *what)
{
    mem_store *m = M(st);
    if (m->in_tx && m->write)
        return SL_OK;
    char msg[128];
    snprintf(msg, sizeof(msg), "memory store: %s outside a write transaction", what);
    return sl_store_error(st, SL_EMISUSE, msg);
}

static int oom(sl_store *st, size_t mark, const char *what)
{
    char msg[128];
    sl__mt_journal_undo_to(&M(st)->journal, mark);
    snprintf(msg, sizeof(msg), "memory store: out of memory %s", what);
    return sl_store_error(st, SL_ENOMEM, msg);
}

static int invalid(sl_store *st, const char *msg)
{
    return sl_store_error(st, SL_EINVAL, msg);
}

/* The next id of a table: journalled, so a rollback gives it back. */
static int next_id(mem_store *m, int table, sl_id *out)
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

/* Index of the first session not less than (tenant, start, id). */
static size_t sessions_lower(const mem_store *m, sl_id tenant, sl_time start, sl_id id)
{
    sl_session key;
    key.tenant = tenant;
    key.start = start;
    key.id = id;
    return sl__mt_find(&m->sessions, &key, NULL);
}

/* One past the tenant's last session. */
static size_t sessions_tenant_end(const mem_store *m, sl_id tenant)
{
    if (tenant == INT64_MAX)
        return m->sessions.n;
    return sessions_lower(m, tenant + 1, INT64_MIN, INT64_MIN);
}

static const sl_session *session_at(const mem_store *m, size_t i)
{
    return sl__mt_at(&m->sessions, i);
}

/* Index of session id of tenant in m->sessions, or SIZE_MAX. */
static size_t session_index(const mem_store *m, sl_id tenant, sl_id id)
{
    session_id_row key = {id, 0, 0};
    int found;
    size_t k = sl__mt_find(&m->session_ids, &key, &found);
    if (!found)
        return SIZE_MAX;
    const session_id_row *r = sl__mt_at(&m->session_ids, k);
    if (r->tenant != tenant)
        return SIZE_MAX;
    size_t i = sessions_lower(m, tenant, r->start, id);
    return i < m->sessions.n && session_at(m, i)->id == id ? i : SIZE_MAX;
}

static int blocking_status(int32_t status)
{
    return status == SL_STATUS_PENDING || status == SL_STATUS_CONFIRMED ||
           status == SL_STATUS_COMPLETED || status == SL_STATUS_NO_SHOW;
}

/* Whether a session passes a scan's flags. */
static int session_visible(const sl_session *s, uint32_t flags)
{
    if (flags & SL_SCAN_BLOCKING)
        return s->deleted_at == 0 && blocking_status(s->status);
    return s->deleted_at == 0 || (flags & SL_INCLUDE_DELETED);
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

/* ---- rules ------------------------------------------------------------------- */

static int mem_rule_put(sl_store *st, sl_rule *r)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = need_write(st, "writing a rule")) != SL_OK)
        return rc;
    if (!r || r->id < 0 || r->tenant <= 0)
        return invalid(st, "memory store: a rule needs a tenant > 0 and an id >= 0");
    if (r->weekday < 1 || r->weekday > 7)
        return invalid(st, "memory store: a rule's weekday must be 1..7");

    size_t mark = sl__mt_journal_mark(&m->journal);
    sl_rule row = *r;
    row.version = SL_RULE_VERSION;
    if (row.id == 0) {
        if (next_id(m, SEQ_RULE, &row.id) != 0)
            return oom(st, mark, "allocating a rule id");
    } else {
        sl__mt_find(&m->rules, &row, &found);
        if (!found)
            return SL_ENOTFOUND; /* unknown id, or another tenant's */
    }
    if (sl__mt_put(&m->rules, &m->journal, &row) != 0)
        return oom(st, mark, "writing a rule");
    r->id = row.id;
    return SL_OK;
}

static int mem_rule_get(sl_store *st, sl_rule *out, sl_id tenant, sl_id id)
{
    mem_store *m = M(st);
    sl_rule key;
    int found;
    if (!out)
        return invalid(st, "memory store: rule_get: out is NULL");
    key.tenant = tenant;
    key.id = id;
    size_t i = sl__mt_find(&m->rules, &key, &found);
    if (!found)
        return SL_ENOTFOUND;
    *out = *(const sl_rule *)sl__mt_at(&m->rules, i);
    return SL_OK;
}

static int mem_rules_scan(sl_store *st, sl_id tenant, uint32_t flags,
                          int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    mem_store *m = M(st);
    sl_rule key, row;
    if (!cb)
        return invalid(st, "memory store: rules_scan: callback is NULL");
    key.tenant = tenant;
    key.id = INT64_MIN;
    for (size_t i = sl__mt_find(&m->rules, &key, NULL); i < m->rules.n; i++) {
        row = *(const sl_rule *)sl__mt_at(&m->rules, i);
        if (row.tenant != tenant)
            break;
        if (row.deleted_at != 0 && !(flags & SL_INCLUDE_DELETED))
            continue;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

/* ---- overrides ----------------------------------------------------------------- */

static int mem_override_put(sl_store *st, sl_override *o)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = need_write(st, "writing an override")) != SL_OK)
        return rc;
    if (!o || o->id < 0 || o->tenant <= 0)
        return invalid(st, "memory store: an override needs a tenant > 0 and an id >= 0");
    if (o->n_windows < 0 || o->n_windows > SL_MAX_WINDOWS_PER_DAY)
        return invalid(st, "memory store: an override has 0..48 windows");

    sl_override row = *o;
    row.version = SL_OVERRIDE_VERSION;
    row.reserved = 0;
    memset(row.windows + row.n_windows, 0,
           (size_t)(SL_MAX_WINDOWS_PER_DAY - row.n_windows) * sizeof(row.windows[0]));

    /* A replaced row must exist in this tenant (checked first, as the
     * SQLite store's UPDATE ... WHERE id AND tenant does). */
    const override_id_row *old = NULL;
    override_id_row idrow = {row.id, row.tenant, row.date};
    if (row.id != 0) {
        size_t k = sl__mt_find(&m->override_ids, &idrow, &found);
        if (!found || (old = sl__mt_at(&m->override_ids, k))->tenant != row.tenant)
            return SL_ENOTFOUND;
    }
    /* (tenant, date) is unique: it may be taken only by this very row. */
    size_t at = sl__mt_find(&m->overrides, &row, &found);
    if (found && ((const sl_override *)sl__mt_at(&m->overrides, at))->id != row.id) {
        char msg[160];
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already has an override of date %ld",
                 (long long)row.tenant, (long)row.date);
        return sl_store_error(st, SL_EEXISTS, msg);
    }

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (row.id == 0) {
        if (next_id(m, SEQ_OVERRIDE, &row.id) != 0)
            return oom(st, mark, "allocating an override id");
        idrow.id = row.id;
    } else if (old->date != row.date) {
        /* The date is the sort key: move the row. */
        sl_override oldkey;
        oldkey.tenant = old->tenant;
        oldkey.date = old->date;
        size_t i = sl__mt_find(&m->overrides, &oldkey, NULL);
        if (sl__mt_remove(&m->overrides, &m->journal, i) != 0)
            return oom(st, mark, "moving an override");
    }
    if (sl__mt_put(&m->overrides, &m->journal, &row) != 0 ||
        sl__mt_put(&m->override_ids, &m->journal, &idrow) != 0)
        return oom(st, mark, "writing an override");
    o->id = row.id;
    return SL_OK;
}

static int mem_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    mem_store *m = M(st);
    sl_override key;
    int found;
    if (!out)
        return invalid(st, "memory store: override_get: out is NULL");
    key.tenant = tenant;
    key.date = date;
    size_t i = sl__mt_find(&m->overrides, &key, &found);
    if (!found)
        return SL_ENOTFOUND;
    memcpy(out, sl__mt_at(&m->overrides, i), sizeof(*out));
    return SL_OK;
}

static int mem_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                              int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    mem_store *m = M(st);
    sl_override key, row;
    if (!cb)
        return invalid(st, "memory store: overrides_scan: callback is NULL");
    key.tenant = tenant;
    key.date = from;
    for (size_t i = sl__mt_find(&m->overrides, &key, NULL); i < m->overrides.n; i++) {
        memcpy(&row, sl__mt_at(&m->overrides, i), sizeof(row));
        if (row.tenant != tenant || row.date > to)
            break;
        if (row.deleted_at != 0 && !(flags & SL_INCLUDE_DELETED))
            continue;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

/* ---- sessions -------------------------------------------------------------------- */

static int session_check(sl_store *st, const sl_session *s)
{
    if (!s || s->id < 0 || s->tenant <= 0)
        return invalid(st, "memory store: a session needs a tenant > 0 and an id >= 0");
    if (!(s->start < s->end && s->end - s->start <= SL_MAX_DURATION_SECONDS))
        return invalid(st, "memory store: a session must end after its start and last at most 86400 s");
    if (s->status < SL_STATUS_PENDING || s->status > SL_STATUS_NO_SHOW ||
        s->kind < SL_KIND_REGULAR || s->kind > SL_KIND_MANUAL)
        return invalid(st, "memory store: a session has an unknown status or kind");
    if (memchr(s->key, '\0', sizeof(s->key)) == NULL)
        return invalid(st, "memory store: a session's key is not NUL-terminated within 128 bytes");
    return SL_OK;
}

/* The session of tenant holding key, other than `except`, or NULL. */
static const sl_session *session_with_key(const mem_store *m, sl_id tenant, const char *key, sl_id except)
{
    size_t end = sessions_tenant_end(m, tenant);
    for (size_t i = sessions_lower(m, tenant, INT64_MIN, INT64_MIN); i < end; i++) {
        const sl_session *s = session_at(m, i);
        if (s->id != except && strcmp(s->key, key) == 0)
            return s;
    }
    return NULL;
}

static int mem_session_put(sl_store *st, sl_session *s)
{
    mem_store *m = M(st);
    int rc;
    if ((rc = need_write(st, "writing a session")) != SL_OK)
        return rc;
    if ((rc = session_check(st, s)) != SL_OK)
        return rc;

    sl_session row;
    memset(&row, 0, sizeof(row)); /* padding and the key's tail compare equal */
    row.version = SL_SESSION_VERSION;
    row.status = s->status;
    row.id = s->id;
    row.tenant = s->tenant;
    row.student = s->student;
    row.start = s->start;
    row.end = s->end;
    row.kind = s->kind;
    row.credits = s->credits;
    row.hold_id = s->hold_id;
    row.series_id = s->series_id;
    row.created_at = s->created_at;
    row.updated_at = s->updated_at;
    row.deleted_at = s->deleted_at;
    memcpy(row.key, s->key, strlen(s->key));
    memcpy(row.request_hash, s->request_hash, sizeof(row.request_hash));

    size_t old = SIZE_MAX;
    if (row.id != 0 && (old = session_index(m, row.tenant, row.id)) == SIZE_MAX)
        return SL_ENOTFOUND;
    if (row.key[0] && session_with_key(m, row.tenant, row.key, row.id)) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already has a session with key \"%s\"",
                 (long long)row.tenant, row.key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (row.id == 0) {
        if (next_id(m, SEQ_SESSION, &row.id) != 0)
            return oom(st, mark, "allocating a session id");
    } else if (session_at(m, old)->start != row.start) {
        /* The start is part of the sort key: move the row. */
        if (sl__mt_remove(&m->sessions, &m->journal, old) != 0)
            return oom(st, mark, "moving a session");
    }
    session_id_row idrow = {row.id, row.tenant, row.start};
    if (sl__mt_put(&m->sessions, &m->journal, &row) != 0 ||
        sl__mt_put(&m->session_ids, &m->journal, &idrow) != 0)
        return oom(st, mark, "writing a session");
    s->id = row.id;
    return SL_OK;
}

static int mem_session_get(sl_store *st, sl_session *out, sl_id tenant, sl_id id)
{
    mem_store *m = M(st);
    if (!out)
        return invalid(st, "memory store: session_get: out is NULL");
    size_t i = session_index(m, tenant, id);
    if (i == SIZE_MAX)
        return SL_ENOTFOUND;
    *out = *session_at(m, i);
    return SL_OK;
}

static int mem_session_by_key(sl_store *st, sl_session *out, sl_id tenant, const char *key)
{
    mem_store *m = M(st);
    if (!out || !key)
        return invalid(st, "memory store: session_by_key: out or key is NULL");
    if (!key[0])
        return SL_ENOTFOUND; /* "" means "no key": it never matches */
    const sl_session *s = session_with_key(m, tenant, key, 0);
    if (!s)
        return SL_ENOTFOUND;
    *out = *s;
    return SL_OK;
}

/* Calls cb on sessions [lo, hi) of m passing keep(); stops on non-zero. */
static int walk_sessions(const mem_store *m, size_t lo, size_t hi, uint32_t flags,
                         int (*keep)(const sl_session *s, const void *arg), const void *arg,
                         int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    sl_session row;
    for (size_t i = lo; i < hi; i++) {
        const sl_session *s = session_at(m, i);
        if (!session_visible(s, flags) || (keep && !keep(s, arg)))
            continue;
        row = *s;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

static int mem_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                             int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    mem_store *m = M(st);
    if (!cb)
        return invalid(st, "memory store: sessions_scan: callback is NULL");
    /* Sessions last at most a day, so one overlapping [from, to) starts
     * after from - 86400 (saturating: from may be near INT64_MIN). */
    sl_time lo_start = from > INT64_MIN + SL_MAX_DURATION_SECONDS ? from - SL_MAX_DURATION_SECONDS + 1
                                                                  : INT64_MIN;
    size_t lo = sessions_lower(m, tenant, lo_start, INT64_MIN);
    size_t hi = sessions_lower(m, tenant, to, INT64_MIN); /* first start >= to */
    sl_session row;
    for (size_t i = lo; i < hi; i++) {
        const sl_session *s = session_at(m, i);
        if (s->end <= from || !session_visible(s, flags))
            continue;
        row = *s;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

static int same_student(const sl_session *s, const void *arg)
{
    return s->student == *(const sl_id *)arg;
}

static int same_series(const sl_session *s, const void *arg)
{
    return s->series_id == *(const sl_id *)arg;
}

static int mem_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                                   int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    mem_store *m = M(st);
    if (!cb)
        return invalid(st, "memory store: sessions_by_student: callback is NULL");
    return walk_sessions(m, sessions_lower(m, tenant, INT64_MIN, INT64_MIN), sessions_tenant_end(m, tenant),
                         flags & SL_INCLUDE_DELETED, same_student, &student, cb, ctx);
}

static int mem_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,
                                  int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    mem_store *m = M(st);
    if (!cb)
        return invalid(st, "memory store: sessions_by_series: callback is NULL");
    /* No flags in the signature: a series is reported whole, deleted and
     * cancelled members included, so that a replay sees what was booked.
     * Series 0 means "none": it is not a series. */
    if (series == 0)
        return SL_OK;
    return walk_sessions(m, sessions_lower(m, tenant, INT64_MIN, INT64_MIN), sessions_tenant_end(m, tenant),
                         SL_INCLUDE_DELETED, same_series, &series, cb, ctx);
}

/* ---- soft delete and purge --------------------------------------------------- */

static int bad_entity(sl_store *st, int32_t entity)
{
    char msg[128];
    snprintf(msg, sizeof(msg), "memory store: entity %d is not a soft-deletable entity of this store",
             (int)entity);
    return sl_store_error(st, SL_EINVAL, msg);
}

static int mem_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = need_write(st, "a soft delete")) != SL_OK)
        return rc;
    size_t mark = sl__mt_journal_mark(&m->journal);
    switch (entity) {
    case SL_ENTITY_RULE: {
        sl_rule key;
        key.tenant = tenant;
        key.id = id;
        size_t i = sl__mt_find(&m->rules, &key, &found);
        if (!found)
            return SL_ENOTFOUND;
        sl_rule row = *(const sl_rule *)sl__mt_at(&m->rules, i);
        row.deleted_at = deleted_at;
        rc = sl__mt_put(&m->rules, &m->journal, &row);
        break;
    }
    case SL_ENTITY_OVERRIDE: {
        override_id_row idkey = {id, 0, 0};
        size_t k = sl__mt_find(&m->override_ids, &idkey, &found);
        if (!found || ((const override_id_row *)sl__mt_at(&m->override_ids, k))->tenant != tenant)
            return SL_ENOTFOUND;
        sl_override row;
        row.tenant = tenant;
        row.date = ((const override_id_row *)sl__mt_at(&m->override_ids, k))->date;
        size_t i = sl__mt_find(&m->overrides, &row, NULL);
        memcpy(&row, sl__mt_at(&m->overrides, i), sizeof(row));
        row.deleted_at = deleted_at;
        rc = sl__mt_put(&m->overrides, &m->journal, &row);
        break;
    }
    case SL_ENTITY_SESSION: {
        size_t i = session_index(m, tenant, id);
        if (i == SIZE_MAX)
            return SL_ENOTFOUND;
        sl_session row = *session_at(m, i);
        row.deleted_at = deleted_at;
        rc = sl__mt_put(&m->sessions, &m->journal, &row);
        break;
    }
    case SL_ENTITY_ACCOUNT: { /* the id is the student */
        sl_account key;
        key.tenant = tenant;
        key.student = id;
        size_t i = sl__mt_find(&m->accounts, &key, &found);
        if (!found)
            return SL_ENOTFOUND;
        sl_account row = *(const sl_account *)sl__mt_at(&m->accounts, i);
        row.deleted_at = deleted_at;
        rc = sl__mt_put(&m->accounts, &m->journal, &row);
        break;
    }
    default:
        return bad_entity(st, entity);
    }
    return rc == 0 ? SL_OK : oom(st, mark, "in a soft delete");
}

static int purgeable(sl_time deleted_at, sl_time before)
{
    return deleted_at > 0 && deleted_at < before;
}

static int mem_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    mem_store *m = M(st);
    int rc, found;
    size_t n = 0;
    if ((rc = need_write(st, "a purge")) != SL_OK)
        return rc;
    if (!purged)
        return invalid(st, "memory store: purge: purged is NULL");
    size_t mark = sl__mt_journal_mark(&m->journal);
    /* Walk backwards so that removing row i leaves rows < i in place. */
    switch (entity) {
    case SL_ENTITY_RULE:
        for (size_t i = m->rules.n; i-- > 0;) {
            if (!purgeable(((const sl_rule *)sl__mt_at(&m->rules, i))->deleted_at, before))
                continue;
            if (sl__mt_remove(&m->rules, &m->journal, i) != 0)
                return oom(st, mark, "purging rules");
            n++;
        }
        break;
    case SL_ENTITY_OVERRIDE:
        for (size_t i = m->overrides.n; i-- > 0;) {
            const sl_override *o = sl__mt_at(&m->overrides, i);
            if (!purgeable(o->deleted_at, before))
                continue;
            override_id_row idkey = {o->id, 0, 0};
            size_t k = sl__mt_find(&m->override_ids, &idkey, &found);
            if (sl__mt_remove(&m->overrides, &m->journal, i) != 0 ||
                (found && sl__mt_remove(&m->override_ids, &m->journal, k) != 0))
                return oom(st, mark, "purging overrides");
            n++;
        }
        break;
    case SL_ENTITY_SESSION:
        for (size_t i = m->sessions.n; i-- > 0;) {
            const sl_session *s = session_at(m, i);
            if (!purgeable(s->deleted_at, before))
                continue;
            session_id_row idkey = {s->id, 0, 0};
            size_t k = sl__mt_find(&m->session_ids, &idkey, &found);
            if (sl__mt_remove(&m->sessions, &m->journal, i) != 0 ||
                (found && sl__mt_remove(&m->session_ids, &m->journal, k) != 0))
                return oom(st, mark, "purging sessions");
            n++;
        }
        break;
    case SL_ENTITY_ACCOUNT:
        return invalid(st, "memory store: accounts are never purged (their ledger entries are kept forever)");
    default:
        return bad_entity(st, entity);
    }
    *purged = n;
    return SL_OK;
}

/* ---- ledger: accounts ------------------------------------------------------- */

static int mem_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    mem_store *m = M(st);
    sl_account key;
    int found;
    if (!out)
        return invalid(st, "memory store: account_get: out is NULL");
    key.tenant = tenant;
    key.student = student;
    size_t i = sl__mt_find(&m->accounts, &key, &found);
    if (!found)
        return SL_ENOTFOUND;
    *out = *(const sl_account *)sl__mt_at(&m->accounts, i);
    return SL_OK;
}

static int mem_account_put(sl_store *st, const sl_account *a)
{
    mem_store *m = M(st);
    int rc;
    if ((rc = need_write(st, "writing an account")) != SL_OK)
        return rc;
    if (!a || a->tenant <= 0 || a->student <= 0)
        return invalid(st, "memory store: an account needs a tenant > 0 and a student > 0");
    sl_account row = *a;
    row.version = SL_ACCOUNT_VERSION;
    row.reserved = 0;
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mt_put(&m->accounts, &m->journal, &row) != 0)
        return oom(st, mark, "writing an account");
    return SL_OK;
}

static int mem_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    mem_store *m = M(st);
    sl_account key, row;
    if (!cb)
        return invalid(st, "memory store: accounts_scan: callback is NULL");
    /* A binary search to the tenant's first account, then a walk in
     * (tenant, student) order; deleted accounts included. */
    key.tenant = tenant;
    key.student = INT64_MIN;
    for (size_t i = sl__mt_find(&m->accounts, &key, NULL); i < m->accounts.n; i++) {
        row = *(const sl_account *)sl__mt_at(&m->accounts, i);
        if (row.tenant != tenant)
            break;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
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

static int entry_check(sl_store *st, const sl_entry *e)
{
    if (!e || e->tenant <= 0 || e->account <= 0 || e->seq <= 0 || e->hold_id < 0)
        return invalid(st, "memory store: an entry needs a tenant, an account and a seq > 0 (and hold_id >= 0)");
    if (e->id != 0)
        return invalid(st, "memory store: entry_append assigns the id: e->id must be 0");
    if (e->kind < SL_ENTRY_PURCHASE || e->kind > SL_ENTRY_EXPIRE)
        return invalid(st, "memory store: an entry has an unknown kind");
    size_t n = strnlen(e->key, sizeof(e->key));
    if (n == 0 || n > SL_KEY_MAX)
        return invalid(st, "memory store: an entry's key must be 1..128 bytes, NUL-terminated");
    if (memchr(e->reference, '\0', sizeof(e->reference)) == NULL)
        return invalid(st, "memory store: an entry's reference is not NUL-terminated within 128 bytes");
    return SL_OK;
}

static int mem_entry_append(sl_store *st, sl_entry *e)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = need_write(st, "appending an entry")) != SL_OK)
        return rc;
    if ((rc = entry_check(st, e)) != SL_OK)
        return rc;

    sl_entry row;
    memset(&row, 0, sizeof(row)); /* padding and the texts' tails compare equal */
    row.version = SL_ENTRY_VERSION;
    row.kind = e->kind;
    row.tenant = e->tenant;
    row.account = e->account;
    row.seq = e->seq;
    row.amount = e->amount;
    row.balance_after = e->balance_after;
    row.hold_id = e->hold_id;
    row.created_at = e->created_at;
    memcpy(row.key, e->key, strlen(e->key));
    memcpy(row.reference, e->reference, strlen(e->reference));
    memcpy(row.request_hash, e->request_hash, sizeof(row.request_hash));
    memcpy(row.hash, e->hash, sizeof(row.hash));

    char msg[SL__ERRMSG_SIZE];
    if (key_lookup(&m->entry_keys, row.tenant, row.key) >= 0) {
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already has an entry with key \"%s\"",
                 (long long)row.tenant, row.key);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    sl__mt_find(&m->entries, &row, &found);
    if (found) {
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already has an entry with seq %lld",
                 (long long)row.tenant, (long long)row.seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (next_id(m, SEQ_ENTRY, &row.id) != 0)
        return oom(st, mark, "allocating an entry id");
    key_row k = key_of(row.tenant, row.key, row.seq);
    if (sl__mt_put(&m->entries, &m->journal, &row) != 0 || sl__mt_put(&m->entry_keys, &m->journal, &k) != 0)
        return oom(st, mark, "appending an entry");
    e->id = row.id;
    return SL_OK;
}

static int mem_entry_by_key(sl_store *st, sl_entry *out, sl_id tenant, const char *key)
{
    mem_store *m = M(st);
    if (!out || !key)
        return invalid(st, "memory store: entry_by_key: out or key is NULL");
    int64_t seq = key_lookup(&m->entry_keys, tenant, key);
    if (seq < 0)
        return SL_ENOTFOUND;
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
    sl_entry row;
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
        row = *e;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

/* ---- ledger: holds ------------------------------------------------------------ */

static int hold_check(sl_store *st, const sl_credit_hold *h)
{
    if (!h || h->id < 0 || h->tenant <= 0 || h->account <= 0)
        return invalid(st, "memory store: a hold needs a tenant > 0, an account > 0 and an id >= 0");
    if (h->status < SL_HOLD_ACTIVE || h->status > SL_HOLD_EXPIRED)
        return invalid(st, "memory store: a hold has an unknown status");
    if (memchr(h->key, '\0', sizeof(h->key)) == NULL)
        return invalid(st, "memory store: a hold's key is not NUL-terminated within 128 bytes");
    return SL_OK;
}

static active_row active_of(const sl_credit_hold *h)
{
    active_row a;
    memset(&a, 0, sizeof(a));
    a.tenant = h->tenant;
    a.account = h->account;
    a.expires_at = h->expires_at;
    a.id = h->id;
    return a;
}

static int mem_hold_put(sl_store *st, sl_credit_hold *h)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = need_write(st, "writing a hold")) != SL_OK)
        return rc;
    if ((rc = hold_check(st, h)) != SL_OK)
        return rc;

    sl_credit_hold row;
    memset(&row, 0, sizeof(row));
    row.version = SL_HOLD_VERSION;
    row.status = h->status;
    row.id = h->id;
    row.tenant = h->tenant;
    row.account = h->account;
    row.amount = h->amount;
    row.captured = h->captured;
    row.expires_at = h->expires_at;
    row.created_at = h->created_at;
    row.resolved_at = h->resolved_at;
    row.entry_id = h->entry_id;
    memcpy(row.key, h->key, strlen(h->key));
    memcpy(row.request_hash, h->request_hash, sizeof(row.request_hash));

    /* A replaced row must exist in this tenant (checked first, as the
     * SQLite store's UPDATE ... WHERE id AND tenant does). */
    sl_credit_hold old;
    memset(&old, 0, sizeof(old));
    if (row.id != 0) {
        size_t i = sl__mt_find(&m->holds, &row, &found);
        if (!found)
            return SL_ENOTFOUND;
        old = *(const sl_credit_hold *)sl__mt_at(&m->holds, i);
    }
    if (row.key[0]) {
        int64_t owner = key_lookup(&m->hold_keys, row.tenant, row.key);
        if (owner >= 0 && owner != row.id) {
            char msg[SL__ERRMSG_SIZE];
            snprintf(msg, sizeof(msg), "memory store: tenant %lld already has a hold with key \"%s\"",
                     (long long)row.tenant, row.key);
            return sl_store_error(st, SL_EEXISTS, msg);
        }
    }

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (row.id == 0) {
        if (next_id(m, SEQ_HOLD, &row.id) != 0)
            return oom(st, mark, "allocating a hold id");
    } else {
        /* Take the old row out of the key and active indexes; the new one
         * goes back in below. */
        size_t i;
        if (old.key[0]) {
            key_row k = key_of(old.tenant, old.key, 0);
            i = sl__mt_find(&m->hold_keys, &k, &found);
            if (found && sl__mt_remove(&m->hold_keys, &m->journal, i) != 0)
                return oom(st, mark, "rekeying a hold");
        }
        if (old.status == SL_HOLD_ACTIVE) {
            active_row a = active_of(&old);
            i = sl__mt_find(&m->holds_active, &a, &found);
            if (found && sl__mt_remove(&m->holds_active, &m->journal, i) != 0)
                return oom(st, mark, "resolving a hold");
        }
    }
    if (sl__mt_put(&m->holds, &m->journal, &row) != 0)
        return oom(st, mark, "writing a hold");
    if (row.key[0]) {
        key_row k = key_of(row.tenant, row.key, row.id);
        if (sl__mt_put(&m->hold_keys, &m->journal, &k) != 0)
            return oom(st, mark, "writing a hold");
    }
    if (row.status == SL_HOLD_ACTIVE) {
        active_row a = active_of(&row);
        if (sl__mt_put(&m->holds_active, &m->journal, &a) != 0)
            return oom(st, mark, "writing a hold");
    }
    h->id = row.id;
    return SL_OK;
}

static int mem_hold_get(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    mem_store *m = M(st);
    sl_credit_hold key;
    int found;
    if (!out)
        return invalid(st, "memory store: hold_get: out is NULL");
    key.tenant = tenant;
    key.id = id;
    size_t i = sl__mt_find(&m->holds, &key, &found);
    if (!found)
        return SL_ENOTFOUND;
    *out = *(const sl_credit_hold *)sl__mt_at(&m->holds, i);
    return SL_OK;
}

static int mem_hold_by_key(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key)
{
    mem_store *m = M(st);
    if (!out || !key)
        return invalid(st, "memory store: hold_by_key: out or key is NULL");
    int64_t id = key_lookup(&m->hold_keys, tenant, key);
    if (id < 0)
        return SL_ENOTFOUND;
    int rc = mem_hold_get(st, out, tenant, id);
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
    active_row pos;
    memset(&pos, 0, sizeof(pos));
    pos.tenant = tenant;
    pos.account = account;
    pos.expires_at = INT64_MIN;
    pos.id = INT64_MIN;
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

/* ---- ledger: webhook events ----------------------------------------------------- */

static int mem_webhook_claim(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = need_write(st, "claiming a webhook event")) != SL_OK)
        return rc;
    if (tenant <= 0 || !source || !event_id)
        return invalid(st, "memory store: webhook_claim needs a tenant > 0, a source and an event id");
    size_t ns = strnlen(source, SL_KEY_MAX + 1), ne = strnlen(event_id, SL_KEY_MAX + 1);
    if (ns == 0 || ns > SL_KEY_MAX || ne == 0 || ne > SL_KEY_MAX)
        return invalid(st, "memory store: a webhook source and event id are 1..128 bytes");
    webhook_row row;
    memset(&row, 0, sizeof(row));
    row.tenant = tenant;
    row.claimed_at = now;
    memcpy(row.source, source, ns);
    memcpy(row.event_id, event_id, ne);
    sl__mt_find(&m->webhooks, &row, &found);
    if (found) {
        char msg[SL__ERRMSG_SIZE];
        snprintf(msg, sizeof(msg), "memory store: tenant %lld already claimed event \"%s\" of \"%s\"",
                 (long long)tenant, row.event_id, row.source);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mt_put(&m->webhooks, &m->journal, &row) != 0)
        return oom(st, mark, "claiming a webhook event");
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
    m->base.tenant_get = mem_tenant_get;
    m->base.tenant_put = mem_tenant_put;
    m->base.rule_put = mem_rule_put;
    m->base.rule_get = mem_rule_get;
    m->base.rules_scan = mem_rules_scan;
    m->base.override_put = mem_override_put;
    m->base.override_get = mem_override_get;
    m->base.overrides_scan = mem_overrides_scan;
    m->base.session_put = mem_session_put;
    m->base.session_get = mem_session_get;
    m->base.session_by_key = mem_session_by_key;
    m->base.sessions_scan = mem_sessions_scan;
    m->base.sessions_by_student = mem_sessions_by_student;
    m->base.sessions_by_series = mem_sessions_by_series;
    m->base.soft_delete = mem_soft_delete;
    m->base.purge = mem_purge;
    m->base.account_get = mem_account_get;
    m->base.account_put = mem_account_put;
    m->base.entry_append = mem_entry_append;
    m->base.entry_by_key = mem_entry_by_key;
    m->base.entry_last = mem_entry_last;
    m->base.entries_scan = mem_entries_scan;
    m->base.hold_put = mem_hold_put;
    m->base.hold_get = mem_hold_get;
    m->base.hold_by_key = mem_hold_by_key;
    m->base.holds_expired_scan = mem_holds_expired_scan;
    m->base.webhook_claim = mem_webhook_claim;
    m->base.accounts_scan = mem_accounts_scan;
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
    *out = &m->base;
    return SL_OK;
}
