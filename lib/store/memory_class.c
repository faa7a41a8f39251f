/*
 * lib/store/memory_class.c - group classes in the memory store: the class
 * rows (by tenant, id) and the seats (by tenant, class_id, position; a
 * class's positions are unique, so a seat is found by them). Keys and a
 * student's live seat are found by walking the tenant's or the class's
 * seats: linear within one tenant, never across tenants. Like every other
 * write of the store, a failed put writes nothing (journal marks).
 */
#include <stdio.h>
#include <string.h>

#include "memory_internal.h"

static int mem_class_put(sl_store *st, const sl_class *c)
{
    mem_store *m = M(st);
    int rc;
    if ((rc = sl__mem_need_write(st, "writing a class")) != SL_OK)
        return rc;
    if (c->taken > c->capacity) /* the stores' own CHECK (sys/store.h) */
        return sl_store_error(st, SL_EFULL, "memory store: a class cannot take more seats than its capacity");
    sl_class row;
    memset(&row, 0, sizeof(row));
    row = *c;
    row.version = SL_CLASS_VERSION;
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (sl__mt_put(&m->classes, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "writing a class");
    return SL_OK;
}

static int mem_class_get(sl_store *st, sl_class *out, sl_id tenant, sl_id id)
{
    sl_class key;
    if (!out)
        return invalid(st, "memory store: class_get: out is NULL");
    key.tenant = tenant;
    key.id = id;
    return sl__mt_get(&M(st)->classes, &key, out) ? SL_OK : SL_ENOTFOUND;
}

/* The first seat index of (tenant, class_id) (class_id 0: of the tenant). */
static size_t seats_from(const mem_store *m, sl_id tenant, sl_id class_id)
{
    sl_seat key;
    key.tenant = tenant;
    key.class_id = class_id;
    key.position = INT64_MIN;
    return sl__mt_find(&m->seats, &key, NULL);
}

static int key_clash(const sl_seat *other, const sl_seat *row, const char *key)
{
    return key[0] && other->id != row->id && (strcmp(other->key, key) == 0 || strcmp(other->withdraw_key, key) == 0);
}

static int live(int32_t status)
{
    return status == SL_SEAT_SEATED || status == SL_SEAT_WAITLISTED;
}

/* SL_EEXISTS when row would give its student a second live seat, or reuse a
 * key of another seat of the tenant. */
static int seat_unique(sl_store *st, const mem_store *m, const sl_seat *row)
{
    char msg[SL__MEM_MSG_SIZE];
    for (size_t i = seats_from(m, row->tenant, 0); i < m->seats.n; i++) {
        const sl_seat *o = sl__mt_at(&m->seats, i);
        if (o->tenant != row->tenant)
            break;
        if (o->class_id == row->class_id && o->id != row->id && o->student == row->student && live(o->status) &&
            live(row->status)) {
            snprintf(msg, sizeof(msg), "memory store: student %lld already has a live seat in class %lld",
                     (long long)row->student, (long long)row->class_id);
            return sl_store_error(st, SL_EEXISTS, msg);
        }
        if (key_clash(o, row, row->key) || key_clash(o, row, row->withdraw_key)) {
            snprintf(msg, sizeof(msg), "memory store: tenant %lld already has a seat with that key",
                     (long long)row->tenant);
            return sl_store_error(st, SL_EEXISTS, msg);
        }
    }
    return SL_OK;
}

static int mem_seat_put(sl_store *st, sl_seat *s)
{
    sl_seat row;
    mem_store *m = sl__mem_writer(st, "writing a seat", &sl__ent_seat, &row, s);
    if (!m)
        return SL_EMISUSE;
    if (row.id != 0) {
        /* A seat never moves: the one at its position must be it. */
        int found;
        size_t i = sl__mt_find(&m->seats, &row, &found);
        if (!found || ((const sl_seat *)sl__mt_at(&m->seats, i))->id != row.id)
            return SL_ENOTFOUND;
    }
    int rc = seat_unique(st, m, &row);
    if (rc != SL_OK)
        return rc;
    size_t mark = sl__mt_journal_mark(&m->journal);
    if (row.id == 0) {
        int taken;
        sl__mt_find(&m->seats, &row, &taken);
        if (taken)
            return sl_store_error(st, SL_EEXISTS, "memory store: the class already has a seat at that position");
        if (sl__mem_next_id(m, SEQ_SEAT, &row.id) != 0)
            return sl__mem_oom(st, mark, "allocating a seat id");
    }
    if (sl__mt_put(&m->seats, &m->journal, &row) != 0)
        return sl__mem_oom(st, mark, "writing a seat");
    s->id = row.id;
    return SL_OK;
}

static int mem_seats_scan(sl_store *st, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s),
                          void *ctx)
{
    sl_seat from, to;
    if (!cb)
        return invalid(st, "memory store: seats_scan: callback is NULL");
    from.tenant = to.tenant = tenant;
    from.class_id = to.class_id = class_id;
    from.position = INT64_MIN;
    to.position = INT64_MAX;
    return sl__mem_walk(&M(st)->seats, &from, &to, 0, 0, sl__call_seat, SL__CB(cb), ctx);
}

static int mem_seat_by_key(sl_store *st, sl_seat *out, sl_id tenant, const char *key)
{
    mem_store *m = M(st);
    if (!out || !key)
        return invalid(st, "memory store: seat_by_key: out or key is NULL");
    for (size_t i = seats_from(m, tenant, 0); i < m->seats.n; i++) {
        const sl_seat *s = sl__mt_at(&m->seats, i);
        if (s->tenant != tenant)
            break;
        if (strcmp(s->key, key) == 0 || strcmp(s->withdraw_key, key) == 0) {
            *out = *s;
            return SL_OK;
        }
    }
    return SL_ENOTFOUND;
}

int sl__mem_class_drop(mem_store *m, sl_id tenant, sl_id id)
{
    size_t i = sl__mem_index(&m->classes, tenant, id);
    if (i != SIZE_MAX && sl__mt_remove(&m->classes, &m->journal, i) != 0)
        return -1;
    /* The class's seats are contiguous from seats_from: remove the first
     * until none is left. */
    for (i = seats_from(m, tenant, id); i < m->seats.n;) {
        const sl_seat *s = sl__mt_at(&m->seats, i);
        if (s->tenant != tenant || s->class_id != id)
            break;
        if (sl__mt_remove(&m->seats, &m->journal, i) != 0)
            return -1;
    }
    return 0;
}

void sl__memory_class_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__CLASS_METHODS, mem);
}
