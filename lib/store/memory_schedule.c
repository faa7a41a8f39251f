/*
 * lib/store/memory_schedule.c - the scheduling tables of the memory store:
 * rules, overrides, sessions, soft delete and purge. The tables and the
 * rules every write method follows are described in memory.c; shared
 * declarations are in memory_internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

/* ---- sessions: lookup helpers ---------------------------------------------- */

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

/* The row of an id index (session_ids, override_ids: rows that open with
 * the id and the tenant) equal to key, when it is tenant's; else NULL. */
_Static_assert(offsetof(session_id_row, tenant) == offsetof(override_id_row, tenant), "id rows differ");
static const void *id_row(const sl__mt *ids, const void *key, sl_id tenant)
{
    int found;
    sl_id owner;
    size_t k = sl__mt_find(ids, key, &found);
    if (!found)
        return NULL;
    const unsigned char *r = sl__mt_at(ids, k);
    memcpy(&owner, r + offsetof(session_id_row, tenant), sizeof(owner));
    return owner == tenant ? r : NULL;
}

/* Index of session id of tenant in m->sessions, or SIZE_MAX. */
static size_t session_index(const mem_store *m, sl_id tenant, sl_id id)
{
    session_id_row key = {id, 0, 0};
    const session_id_row *r = id_row(&m->session_ids, &key, tenant);
    if (!r)
        return SIZE_MAX;
    size_t i = sessions_lower(m, tenant, r->start, id);
    return i < m->sessions.n && session_at(m, i)->id == id ? i : SIZE_MAX;
}

/* Whether a session passes a scan's flags (the status set of
 * SL_SCAN_BLOCKING comes from the core). */
static int session_visible(const sl_session *s, uint32_t flags)
{
    if (flags & SL_SCAN_BLOCKING)
        return s->deleted_at == 0 && s->status >= 1 && s->status <= 15 && (flags & SL_SCAN_STATUS(s->status));
    return s->deleted_at == 0 || (flags & SL_INCLUDE_DELETED);
}

/* ---- rules ------------------------------------------------------------------- */

static int mem_rule_put(sl_store *st, sl_rule *r)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = sl__mem_need_write(st, "writing a rule")) != SL_OK)
        return rc;
    size_t mark = sl__mt_journal_mark(&m->journal);
    sl_rule row = *r;
    row.version = SL_RULE_VERSION;
    if (row.id == 0) {
        if (sl__mem_next_id(m, SEQ_RULE, &row.id) != 0)
            return sl__mem_oom(st, mark, "allocating a rule id");
    } else {
        sl__mt_find(&m->rules, &row, &found);
        if (!found)
            return SL_ENOTFOUND; /* unknown id, or another tenant's */
    }
    return sl__mem_put_indexed(st, &m->rules, &row, NULL, NULL, mark, "writing a rule", &r->id, row.id);
}

static int mem_rule_get(sl_store *st, sl_rule *out, sl_id tenant, sl_id id)
{
    return sl__mem_get(st, &M(st)->rules, out, tenant, id, "rule_get");
}

static int mem_rules_scan(sl_store *st, sl_id tenant, uint32_t flags,
                          int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    return sl__mem_scan(st, &M(st)->rules, tenant, INT64_MIN, INT64_MAX, offsetof(sl_rule, deleted_at), flags,
                        sl__call_rule, SL__CB(cb), ctx, "rules_scan");
}

/* ---- overrides ----------------------------------------------------------------- */

static int mem_override_put(sl_store *st, sl_override *o)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = sl__mem_need_write(st, "writing an override")) != SL_OK)
        return rc;
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
        if (sl__mem_next_id(m, SEQ_OVERRIDE, &row.id) != 0)
            return sl__mem_oom(st, mark, "allocating an override id");
        idrow.id = row.id;
    } else if (old->date != row.date) {
        /* The date is the sort key: move the row. */
        sl_override oldkey;
        oldkey.tenant = old->tenant;
        oldkey.date = old->date;
        size_t i = sl__mt_find(&m->overrides, &oldkey, NULL);
        if (sl__mt_remove(&m->overrides, &m->journal, i) != 0)
            return sl__mem_oom(st, mark, "moving an override");
    }
    return sl__mem_put_indexed(st, &m->overrides, &row, &m->override_ids, &idrow, mark, "writing an override", &o->id,
                               row.id);
}

static int mem_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    return sl__mem_get(st, &M(st)->overrides, out, tenant, date, "override_get");
}

/* The index in m->overrides of override id of tenant, or SIZE_MAX. */
static size_t override_index(mem_store *m, sl_id tenant, sl_id id)
{
    int found;
    override_id_row idkey = {id, 0, 0};
    const override_id_row *ref = id_row(&m->override_ids, &idkey, tenant);
    if (!ref)
        return SIZE_MAX;
    sl_override key;
    key.tenant = tenant;
    key.date = ref->date;
    size_t i = sl__mt_find(&m->overrides, &key, &found);
    return found ? i : SIZE_MAX;
}

static int mem_override_by_id(sl_store *st, sl_override *out, sl_id tenant, sl_id id)
{
    if (!out)
        return invalid(st, "memory store: override_by_id: out is NULL");
    size_t i = override_index(M(st), tenant, id);
    if (i == SIZE_MAX)
        return SL_ENOTFOUND;
    memcpy(out, sl__mt_at(&M(st)->overrides, i), sizeof(*out));
    return SL_OK;
}

static int mem_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                              int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    return sl__mem_scan(st, &M(st)->overrides, tenant, from, to, offsetof(sl_override, deleted_at), flags,
                        sl__call_override, SL__CB(cb), ctx, "overrides_scan");
}

/* ---- sessions -------------------------------------------------------------------- */

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
    sl_session row;
    size_t old = SIZE_MAX; /* the replaced row's index */
    mem_store *m = sl__mem_writer(st, "writing a session", &sl__ent_session, &row, s);
    if (!m)
        return SL_EMISUSE;
    if (row.id != 0 && (old = session_index(m, row.tenant, row.id)) == SIZE_MAX)
        return SL_ENOTFOUND;
    if (row.key[0] && session_with_key(m, row.tenant, row.key, row.id))
        return sl__mem_key_taken(st, row.tenant, "a session", row.key);

    size_t mark = sl__mt_journal_mark(&m->journal);
    if (row.id == 0) {
        if (sl__mem_next_id(m, SEQ_SESSION, &row.id) != 0)
            return sl__mem_oom(st, mark, "allocating a session id");
    } else if (session_at(m, old)->start != row.start) {
        /* The start is part of the sort key: move the row. */
        if (sl__mt_remove(&m->sessions, &m->journal, old) != 0)
            return sl__mem_oom(st, mark, "moving a session");
    }
    session_id_row idrow = {row.id, row.tenant, row.start};
    return sl__mem_put_indexed(st, &m->sessions, &row, &m->session_ids, &idrow, mark, "writing a session", &s->id,
                               row.id);
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

static int ends_after(const sl_session *s, const void *from)
{
    return s->end > *(const sl_time *)from;
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
    return walk_sessions(m, lo, hi, flags, ends_after, &from, cb, ctx);
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
    snprintf(msg, sizeof(msg), "memory store: entity %d has no rows this method can reach", (int)entity);
    return sl_store_error(st, SL_EINVAL, msg);
}

static int mem_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    mem_store *m = M(st);
    sl__mt *t;
    size_t i, off;
    sl__mem_row row;
    int rc;
    if ((rc = sl__mem_need_write(st, "a soft delete")) != SL_OK)
        return rc;
    switch (entity) {
    case SL_ENTITY_RULE:
        t = &m->rules, off = offsetof(sl_rule, deleted_at), i = sl__mem_index(t, tenant, id);
        break;
    case SL_ENTITY_OVERRIDE:
        t = &m->overrides, off = offsetof(sl_override, deleted_at), i = override_index(m, tenant, id);
        break;
    case SL_ENTITY_SESSION:
        t = &m->sessions, off = offsetof(sl_session, deleted_at), i = session_index(m, tenant, id);
        break;
    case SL_ENTITY_ACCOUNT: /* the id is the student */
        t = &m->accounts, off = offsetof(sl_account, deleted_at), i = sl__mem_index(t, tenant, id);
        break;
    default:
        return bad_entity(st, entity);
    }
    if (i == SIZE_MAX)
        return SL_ENOTFOUND;
    size_t mark = sl__mt_journal_mark(&m->journal);
    memcpy(&row, sl__mt_at(t, i), t->size);
    memcpy((unsigned char *)&row + off, &deleted_at, sizeof(deleted_at));
    if (sl__mt_put(t, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "in a soft delete");
    return SL_OK;
}

static int purgeable(sl_time deleted_at, sl_time before)
{
    return deleted_at > 0 && deleted_at < before;
}

/* Removes the rows of t soft-deleted before `before`, and with ids their
 * rows in that id index too; counts them in *n. Walks backwards so that
 * removing row i leaves rows < i in place. 0, or -1 when out of memory. */
static int purge_table(mem_store *m, sl__mt *t, size_t deleted_off, size_t id_off, sl__mt *ids, sl_time before,
                       size_t *n)
{
    for (size_t i = t->n; i-- > 0;) {
        const unsigned char *row = sl__mt_at(t, i);
        sl_time deleted_at;
        sl_id id;
        memcpy(&deleted_at, row + deleted_off, sizeof(deleted_at));
        if (!purgeable(deleted_at, before))
            continue;
        memcpy(&id, row + id_off, sizeof(id));
        size_t k = ids ? sl__mem_index(ids, id, 0) : SIZE_MAX;
        if (sl__mt_remove(t, &m->journal, i) != 0 || (k != SIZE_MAX && sl__mt_remove(ids, &m->journal, k) != 0))
            return -1;
        (*n)++;
    }
    return 0;
}

static int mem_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    mem_store *m = M(st);
    int rc;
    size_t n = 0;
    if ((rc = sl__mem_need_write(st, "a purge")) != SL_OK)
        return rc;
    if (!purged)
        return invalid(st, "memory store: purge: purged is NULL");
    size_t mark = sl__mt_journal_mark(&m->journal);
    const char *what = entity == SL_ENTITY_RULE ? "purging rules"
                       : entity == SL_ENTITY_OVERRIDE ? "purging overrides" : "purging sessions";
    switch (entity) {
    case SL_ENTITY_RULE:
        rc = purge_table(m, &m->rules, offsetof(sl_rule, deleted_at), offsetof(sl_rule, id), NULL, before, &n);
        break;
    case SL_ENTITY_OVERRIDE:
        rc = purge_table(m, &m->overrides, offsetof(sl_override, deleted_at), offsetof(sl_override, id),
                         &m->override_ids, before, &n);
        break;
    case SL_ENTITY_SESSION:
        /* A class's row and seats go with its session (sys/store.h). */
        for (size_t i = 0; i < m->sessions.n && rc == 0; i++) {
            const sl_session *s = sl__mt_at(&m->sessions, i);
            rc = purgeable(s->deleted_at, before) ? sl__mem_class_drop(m, s->tenant, s->id) : 0;
        }
        if (rc == 0)
            rc = purge_table(m, &m->sessions, offsetof(sl_session, deleted_at), offsetof(sl_session, id),
                             &m->session_ids, before, &n);
        break;
    default: /* accounts are never purged (the core refuses) */
        return bad_entity(st, entity);
    }
    if (rc != 0)
        return sl__mem_oom(st, mark, what);
    *purged = n;
    return SL_OK;
}

void sl__memory_schedule_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__SCHEDULE_METHODS, mem);
}
