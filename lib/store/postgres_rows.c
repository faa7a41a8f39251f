/*
 * lib/store/postgres_rows.c - the PostgreSQL store's table-driven rows:
 * one reader and one binder for every entity (column descriptions in
 * columns.c, shared with the SQLite store), and the one scan loop. Results
 * are binary: int8 big-endian, bytea raw; NULL reads as 0 / empty.
 */
#include <stdio.h>
#include <string.h>

#include "postgres_internal.h"

void sl__pg_read(const PGresult *r, int row, const sl__entity *e, void *out)
{
    unsigned char *rec = out;
    sl__row_init(e, rec);
    for (int i = 0; i < e->n; i++) {
        const sl__col *c = &e->cols[i];
        unsigned char *f = rec + c->off;
        if (c->type == SL__COL_I64 || c->type == SL__COL_DELETED) {
            int64_t v = sl__pg_i64(r, row, i);
            memcpy(f, &v, sizeof(v));
        } else if (c->type == SL__COL_I32) {
            int32_t v = (int32_t)sl__pg_i64(r, row, i);
            memcpy(f, &v, sizeof(v));
        } else if (c->type == SL__COL_TEXT) {
            sl__pg_text(r, row, i, (char *)f, c->size);
        } else if (c->type == SL__COL_BLOB) {
            sl__pg_blob(r, row, i, f, c->size);
        } else {
            sl__windows_decode(out, (const unsigned char *)PQgetvalue(r, row, i), PQgetlength(r, row, i));
        }
    }
}

void sl__pg_bind(pg_params *p, const sl__entity *e, const void *row, int first, unsigned char *windows)
{
    const unsigned char *rec = row;
    for (int i = first; i < e->n; i++) {
        const sl__col *c = &e->cols[i];
        const unsigned char *f = rec + c->off;
        int64_t v64;
        int32_t v32;
        if (c->type == SL__COL_I64 || c->type == SL__COL_DELETED) {
            memcpy(&v64, f, sizeof(v64));
            if (c->type == SL__COL_DELETED)
                sl__pg_p_deleted(p, v64);
            else
                sl__pg_p_i64(p, v64);
        } else if (c->type == SL__COL_I32) {
            memcpy(&v32, f, sizeof(v32));
            sl__pg_p_i64(p, v32);
        } else if (c->type == SL__COL_TEXT) {
            sl__pg_p_str(p, (const char *)f);
        } else if (c->type == SL__COL_BLOB) {
            sl__pg_p_bytes(p, f, c->size);
        } else {
            sl__pg_p_bytes(p, windows, sl__windows_encode(windows, row));
        }
    }
}

int sl__pg_rows(PGresult *r, const sl__entity *e, int (*keep)(const void *row, const void *arg), const void *arg,
                void (*cb)(void), void *ctx)
{
    sl__any_row row;
    int rc = SL_OK;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        sl__pg_read(r, i, e, &row);
        if (!keep || keep(&row, arg))
            rc = e->call(cb, ctx, &row);
    }
    PQclear(r);
    return rc;
}

int sl__pg_scan(sl_store *st, int which, const pg_params *p, const sl__entity *e, void (*cb)(void), void *ctx,
                const char *what)
{
    int rc;
    PGresult *r = sl__pg_run(st, which, p, what, &rc);
    if (!r)
        return rc;
    return sl__pg_rows(r, e, NULL, NULL, cb, ctx);
}

/* SL_EINVAL naming `what` and arg (out, a callback) when it is missing. */
static int null_arg(sl_store *st, int missing, const char *what, const char *arg)
{
    char msg[PG_MSG_SIZE];
    if (!missing)
        return SL_OK;
    snprintf(msg, sizeof(msg), "postgres: %s: %s is NULL", what, arg);
    return pg_invalid(st, msg);
}

int sl__pg_scan_by(sl_store *st, int which, const sl__entity *e, void (*cb)(void), void *ctx, const char *what, int n,
                   const int64_t *args)
{
    int rc = null_arg(st, cb == NULL, what, "callback");
    if (rc != SL_OK)
        return rc;
    pg_params p = {0};
    sl__pg_p_i64s(&p, n, args);
    return sl__pg_scan(st, which, &p, e, cb, ctx, what);
}

int sl__pg_get(sl_store *st, int which, int64_t a, int64_t b, const sl__entity *e, void *out, const char *what)
{
    int rc = null_arg(st, out == NULL, what, "out");
    if (rc != SL_OK)
        return rc;
    pg_params p = {0};
    PG_P_I64S(&p, a, b);
    return sl__pg_row_one(st, which, &p, e, out, what);
}

int sl__pg_put_keyed(sl_store *st, const pg_keyed *k, const void *row, sl_id *id, sl_id tenant, const char *key)
{
    char msg[PG_MSG_SIZE];
    pg_params p = {0};
    sl__pg_bind(&p, k->e, row, 0, NULL);
    if (*id == 0 && sl__pg_may_defer(st, tenant) && sl__pg_key_absent(st, k->kt, tenant, key))
        return sl__pg_defer(st, k->insert, &p, k->table, 0, id, k->kt, key);
    snprintf(msg, sizeof(msg), "%s a %s", *id == 0 ? "inserting" : "replacing", k->noun);
    int rc = sl__pg_put(st, *id == 0 ? k->insert : k->update, &p, k->table, 0, id, msg);
    if (rc != SL_EEXISTS)
        return rc;
    snprintf(msg, sizeof(msg), "postgres: tenant %lld already has a %s with key \"%s\"", (long long)tenant, k->noun,
             key);
    return sl_store_error(st, SL_EEXISTS, msg);
}
