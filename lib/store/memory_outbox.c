/*
 * lib/store/memory_outbox.c - the outbox of the memory store: events by id
 * (m->outbox) and an index by (tenant, session, seq) (m->outbox_seqs), both
 * journalled like every table, so a rolled-back change leaves no event.
 * Stores, finds, locks nothing more: the rules are the core's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory_internal.h"

#define STATE_BIT(s) (1u << (s))

static const sl_outbox_event *event_at(const mem_store *m, sl_id id)
{
    sl_outbox_event key;
    int found;
    key.id = id;
    size_t i = sl__mt_find(&m->outbox, &key, &found);
    return found ? sl__mt_at(&m->outbox, i) : NULL;
}

static int mem_outbox_append(sl_store *st, sl_outbox_event *e)
{
    mem_store *m = M(st);
    int rc, found;
    if ((rc = sl__mem_need_write(st, "appending an outbox event")) != SL_OK)
        return rc;
    outbox_seq_row k;
    memset(&k, 0, sizeof(k));
    k.tenant = e->tenant;
    k.session = e->session;
    k.seq = e->seq;
    sl__mt_find(&m->outbox_seqs, &k, &found);
    if (found) {
        char msg[SL__MEM_MSG_SIZE];
        snprintf(msg, sizeof(msg), "memory store: session %lld of tenant %lld already has outbox event seq %lld",
                 (long long)e->session, (long long)e->tenant, (long long)e->seq);
        return sl_store_error(st, SL_EEXISTS, msg);
    }
    size_t mark = sl__mt_journal_mark(&m->journal);
    sl_outbox_event row = *e;
    if (sl__mem_next_id(m, SEQ_OUTBOX, &row.id) != 0)
        return sl__mem_oom(st, mark, "allocating an outbox event id");
    k.id = row.id;
    if (sl__mt_put(&m->outbox, &m->journal, &row) != 0 || sl__mt_put(&m->outbox_seqs, &m->journal, &k) != 0)
        return sl__mem_oom(st, mark, "appending an outbox event");
    e->id = row.id;
    return SL_OK;
}

static int mem_outbox_get(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id id)
{
    const sl_outbox_event *e = event_at(M(st), id);
    if (!e || e->tenant != tenant)
        return SL_ENOTFOUND;
    *out = *e;
    return SL_OK;
}

static int mem_outbox_update(sl_store *st, const sl_outbox_event *e)
{
    mem_store *m = M(st);
    int rc;
    if ((rc = sl__mem_need_write(st, "updating an outbox event")) != SL_OK)
        return rc;
    const sl_outbox_event *old = event_at(m, e->id);
    if (!old || old->tenant != e->tenant)
        return SL_ENOTFOUND;
    sl_outbox_event row = *old;
    row.state = e->state;
    row.attempts = e->attempts;
    row.available_at = e->available_at;
    row.lease_until = e->lease_until;
    row.token = e->token;
    row.acked_at = e->acked_at;
    memcpy(row.consumer, e->consumer, sizeof(row.consumer));
    memcpy(row.error, e->error, sizeof(row.error));
    if (sl__mt_put(&m->outbox, &m->journal, &row) != 0)
        return sl_store_error(st, SL_ENOMEM, "memory store: out of memory updating an outbox event");
    return SL_OK;
}

/* Index of the first row of m->outbox_seqs at or after (tenant, session, seq). */
static size_t seq_find(const mem_store *m, sl_id tenant, sl_id session, int64_t seq)
{
    outbox_seq_row k;
    memset(&k, 0, sizeof(k));
    k.tenant = tenant;
    k.session = session;
    k.seq = seq;
    return sl__mt_find(&m->outbox_seqs, &k, NULL);
}

static const outbox_seq_row *seq_at(const mem_store *m, size_t i)
{
    return i < m->outbox_seqs.n ? sl__mt_at(&m->outbox_seqs, i) : NULL;
}

static int mem_outbox_last(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id session)
{
    mem_store *m = M(st);
    size_t i = seq_find(m, tenant, session, INT64_MAX);
    const outbox_seq_row *r = i > 0 ? seq_at(m, i - 1) : NULL;
    return r && r->tenant == tenant && r->session == session ? mem_outbox_get(st, out, tenant, r->id) : SL_ENOTFOUND;
}

static int mem_outbox_scan(sl_store *st, sl_id tenant, sl_id session, uint32_t states,
                           int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    mem_store *m = M(st);
    sl_outbox_event row;
    if (!cb)
        return invalid(st, "memory store: outbox_scan: callback is NULL");
    if (session != 0) { /* a session's events: seq order is id order */
        for (size_t i = seq_find(m, tenant, session, INT64_MIN);; i++) {
            const outbox_seq_row *r = seq_at(m, i);
            if (!r || r->tenant != tenant || r->session != session)
                return SL_OK;
            row = *event_at(m, r->id);
            int rc = (states & STATE_BIT(row.state)) ? cb(ctx, &row) : 0;
            if (rc != 0)
                return rc;
        }
    }
    for (size_t i = 0; i < m->outbox.n; i++) {
        row = *(const sl_outbox_event *)sl__mt_at(&m->outbox, i);
        if ((tenant != 0 && row.tenant != tenant) || !(states & STATE_BIT(row.state)))
            continue;
        int rc = cb(ctx, &row);
        if (rc != 0)
            return rc;
    }
    return SL_OK;
}

static int cmp_id(const void *a, const void *b)
{
    sl_id x = *(const sl_id *)a, y = *(const sl_id *)b;
    return (x > y) - (x < y);
}

/* The claimable heads' ids: one walk of the session index. */
static int heads_collect(mem_store *m, sl_id tenant, sl_time now, sl_id **ids, size_t *n, size_t *cap)
{
    sl_id t = 0, s = 0;
    int seen = 0; /* the current session's head was found */
    for (size_t i = tenant ? seq_find(m, tenant, INT64_MIN, INT64_MIN) : 0;; i++) {
        const outbox_seq_row *r = seq_at(m, i);
        if (!r || (tenant && r->tenant != tenant))
            return 0;
        if (r->tenant != t || r->session != s) {
            t = r->tenant;
            s = r->session;
            seen = 0;
        }
        const sl_outbox_event *e = event_at(m, r->id);
        if (seen || e->state == SL_OUTBOX_ACKED)
            continue;
        seen = 1;
        if (!((e->state == SL_OUTBOX_PENDING && e->available_at <= now) ||
              (e->state == SL_OUTBOX_LEASED && e->lease_until <= now)))
            continue;
        if (sl__mt_reserve(ids, cap, *n, sizeof(**ids)) != 0)
            return -1;
        (*ids)[(*n)++] = e->id;
    }
}

static int mem_outbox_heads(sl_store *st, sl_id tenant, sl_time now, size_t limit,
                            int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    mem_store *m = M(st);
    sl_id *ids = NULL;
    size_t n = 0, cap = 0;
    int rc = SL_OK;
    if (!cb)
        return invalid(st, "memory store: outbox_heads: callback is NULL");
    if (heads_collect(m, tenant, now, &ids, &n, &cap) != 0) {
        rc = sl_store_error(st, SL_ENOMEM, "memory store: out of memory finding due outbox events");
        goto out_free_ids;
    }
    if (n)
        qsort(ids, n, sizeof(*ids), cmp_id);
    for (size_t i = 0; i < n && i < limit && rc == SL_OK; i++) {
        sl_outbox_event row = *event_at(m, ids[i]);
        rc = cb(ctx, &row);
    }
out_free_ids:
    free(ids);
    return rc;
}

static int mem_outbox_purge(sl_store *st, sl_time before, size_t *purged)
{
    mem_store *m = M(st);
    int rc;
    *purged = 0;
    if ((rc = sl__mem_need_write(st, "purging outbox events")) != SL_OK)
        return rc;
    size_t mark = sl__mt_journal_mark(&m->journal);
    for (size_t i = 0; i < m->outbox_seqs.n;) {
        const outbox_seq_row *r = seq_at(m, i), *next = seq_at(m, i + 1);
        const sl_outbox_event *e = event_at(m, r->id);
        int last = !next || next->tenant != r->tenant || next->session != r->session;
        if (last || e->state != SL_OUTBOX_ACKED || e->acked_at >= before) {
            i++;
            continue;
        }
        sl_outbox_event key;
        key.id = r->id;
        size_t at = sl__mt_find(&m->outbox, &key, NULL);
        if (sl__mt_remove(&m->outbox, &m->journal, at) != 0 || sl__mt_remove(&m->outbox_seqs, &m->journal, i) != 0)
            return sl__mem_oom(st, mark, "purging outbox events");
        (*purged)++;
    }
    return SL_OK;
}

void sl__memory_outbox_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__OUTBOX_METHODS, mem);
}
