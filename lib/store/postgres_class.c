/*
 * lib/store/postgres_class.c - group classes in the PostgreSQL store
 * (tables classes and seats, migration 4 in postgres_schema.c; statements
 * PQ_CLASS_* and PQ_SEAT* in postgres_queries.sql). The server enforces the seat
 * count by itself (classes_taken, sl_seats_capacity): SL_EFULL. A seat's
 * key is read with the other tables' in one pipelined round trip
 * (sl__pg_key_result), so the one key space costs keyed bookings nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "postgres_internal.h"

static int pg_class_put(sl_store *st, const sl_class *c)
{
    int rc;
    pg_params p = {0};
    const int64_t v[] = {c->tenant, c->id, c->capacity, c->credits_per_seat, c->taken, c->waitlisted,
                         c->last_position};
    for (int i = 0; i < 7; i++)
        sl__pg_p_i64(&p, v[i]);
    PGresult *r = sl__pg_run(st, PQ_CLASS_PUT, &p, "writing a class", &rc);
    PQclear(r);
    return rc;
}

static int pg_class_get(sl_store *st, sl_class *out, sl_id tenant, sl_id id)
{
    int rc;
    pg_params p = {0};
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, id);
    PGresult *r = sl__pg_run(st, PQ_CLASS_GET, &p, "reading a class", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return SL_ENOTFOUND;
    }
    memset(out, 0, sizeof(*out));
    out->version = SL_CLASS_VERSION;
    out->tenant = sl__pg_i64(r, 0, 0);
    out->id = sl__pg_i64(r, 0, 1);
    out->capacity = (int32_t)sl__pg_i64(r, 0, 2);
    out->credits_per_seat = sl__pg_i64(r, 0, 3);
    out->taken = (int32_t)sl__pg_i64(r, 0, 4);
    out->waitlisted = (int32_t)sl__pg_i64(r, 0, 5);
    out->last_position = sl__pg_i64(r, 0, 6);
    PQclear(r);
    return SL_OK;
}

static void read_seat(const PGresult *r, int row, sl_seat *s)
{
    sl__pg_read(r, row, &sl__ent_seat, s);
}

static int pg_seat_put(sl_store *st, sl_seat *s)
{
    int rc;
    pg_params p = {0};
    sl__pg_p_i64(&p, s->id); /* an insert's id comes from the pool (sl__pg_put) */
    const int64_t v[] = {s->tenant, s->class_id, s->student, s->position, s->status, s->hold_id, s->created_at,
                         s->updated_at};
    for (int i = 0; i < 8; i++)
        sl__pg_p_i64(&p, v[i]);
    sl__pg_p_str(&p, s->key);
    sl__pg_p_bytes(&p, s->request_hash, sizeof(s->request_hash));
    sl__pg_p_str(&p, s->withdraw_key);
    sl__pg_p_bytes(&p, s->withdraw_hash, sizeof(s->withdraw_hash));
    /* Ids from the connection's pool, as every other table's: a rolled
     * back insert gives its id back, so one connection numbers seats as
     * the other stores do (tests/classes_ids.c). */
    if (!s->id)
        return sl__pg_put(st, PQ_SEAT_INSERT, &p, PG_ID_SEAT, 0, &s->id, "writing a seat");
    PGresult *r = sl__pg_run(st, PQ_SEAT_UPDATE, &p, "writing a seat", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 0)
        rc = SL_ENOTFOUND; /* a replace of an unknown seat */
    PQclear(r);
    return rc;
}

static int pg_seats_scan(sl_store *st, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s),
                         void *ctx)
{
    int rc;
    sl_seat row;
    pg_params p = {0};
    if (!cb)
        return sl_store_error(st, SL_EINVAL, "postgres: seats_scan: callback is NULL");
    sl__pg_p_i64(&p, tenant);
    sl__pg_p_i64(&p, class_id);
    PGresult *r = sl__pg_run(st, PQ_SEATS, &p, "reading seats", &rc);
    if (!r)
        return rc;
    /* The whole result is read first: the callback may write. */
    for (int i = 0; rc == SL_OK && i < PQntuples(r); i++) {
        read_seat(r, i, &row);
        rc = cb(ctx, &row);
    }
    PQclear(r);
    return rc;
}

static int pg_seat_by_key(sl_store *st, sl_seat *out, sl_id tenant, const char *key)
{
    int rc;
    const PGresult *r = sl__pg_key_result(st, PQ_SEAT_BY_KEY, tenant, key, "looking up a seat key", &rc);
    if (!r)
        return rc;
    if (PQntuples(r) == 0)
        return SL_ENOTFOUND;
    read_seat(r, 0, out);
    return SL_OK;
}

int sl__pg_class_purge(sl_store *st, sl_time before)
{
    pg_params p = {0};
    sl__pg_p_i64(&p, before);
    return sl__pg_write(st, PQ_CLASS_PURGE, &p, "purging the classes of deleted sessions", NULL);
}

void sl__pg_class_methods(sl_store *st)
{
    SL__SET_METHODS(st, SL__CLASS_METHODS, pg);
}
