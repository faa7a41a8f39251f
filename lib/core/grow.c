/* lib/core/grow.c - growable arrays for list calls; see internal.h. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int sl__grow_push(sl__grow *g, const void *row)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        unsigned char *p = realloc(g->p, cap * g->size);
        if (!p) {
            g->failed = 1;
            return SL_ENOMEM;
        }
        g->p = p;
        g->cap = cap;
    }
    memcpy(g->p + g->n * g->size, row, g->size);
    g->n++;
    return 0;
}

int sl__page_put(sl__page *p, const void *row)
{
    if (p->out && p->n < p->cap)
        memcpy((unsigned char *)p->out + p->n * p->size, row, p->size);
    p->n++;
    return p->n >= p->cap;
}

int sl__grow_finish(sl_db *db, sl__grow *g, int rc, void **out, size_t *count)
{
    if (rc != SL_OK) {
        free(g->p);
        g->p = NULL;
        if (g->failed)
            return sl__err(db, SL_ENOMEM, "out of memory listing rows");
        return rc;
    }
    if (!g->n) {
        free(g->p);
        g->p = NULL;
    }
    *out = g->p;
    *count = g->n;
    return sl__ok(db);
}

int sl__list_begin(sl_db *db, sl__grow *g, size_t size, void **out, size_t *count, int args_ok, const char *msg)
{
    memset(g, 0, sizeof(*g));
    g->size = size;
    SL__CLEAR_OUT(out);
    SL__CLEAR_OUT(count);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out || !count || !args_ok)
        return sl__err(db, SL_EINVAL, "%s", msg);
    return SL_OK;
}

int sl__list_end(sl_db *db, sl__grow *g, int rc, void **out, size_t *count)
{
    sl__tx_rollback(db);
    return sl__grow_finish(db, g, rc, out, count);
}
