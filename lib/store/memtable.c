/* lib/store/memtable.c - see memtable.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memtable.h"

enum { UNDO_REMOVE_INSERTED, UNDO_RESTORE_REPLACED, UNDO_REINSERT_REMOVED };

void sl__mt_init(sl__mt *t, size_t row_size, const sl__mt_key *keys, int nkeys)
{
    memset(t, 0, sizeof(*t));
    t->size = row_size;
    t->nkeys = nkeys < SL__MT_KEYS_MAX ? nkeys : SL__MT_KEYS_MAX;
    memcpy(t->keys, keys, (size_t)t->nkeys * sizeof(*keys));
}

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* Orders key against row by the table's key fields. */
int sl__mt_cmp(const sl__mt *t, const void *key, const void *row)
{
    for (int i = 0; i < t->nkeys; i++) {
        const unsigned char *a = (const unsigned char *)key + t->keys[i].off;
        const unsigned char *b = (const unsigned char *)row + t->keys[i].off;
        int c;
        if (t->keys[i].type == SL__MT_STR) {
            c = strcmp((const char *)a, (const char *)b);
        } else if (t->keys[i].type == SL__MT_I32) {
            int32_t x, y;
            memcpy(&x, a, sizeof(x));
            memcpy(&y, b, sizeof(y));
            c = CMP(x, y);
        } else {
            int64_t x, y;
            memcpy(&x, a, sizeof(x));
            memcpy(&y, b, sizeof(y));
            c = CMP(x, y);
        }
        if (c)
            return c;
    }
    return 0;
}

void sl__mt_free(sl__mt *t)
{
    free(t->rows);
    t->rows = NULL;
    t->n = t->cap = 0;
}

void *sl__mt_at(const sl__mt *t, size_t i)
{
    return t->rows + i * t->size;
}

size_t sl__mt_find(const sl__mt *t, const void *key, int *found)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sl__mt_cmp(t, key, sl__mt_at(t, mid)) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (found)
        *found = lo < t->n && sl__mt_cmp(t, key, sl__mt_at(t, lo)) == 0;
    return lo;
}

int sl__mt_reserve(void *pp, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    void *old;
    memcpy(&old, pp, sizeof(old));
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / size)
        return -1;
    void *p = realloc(old, ncap * size);
    if (!p)
        return -1;
    memcpy(pp, &p, sizeof(p));
    *cap = ncap;
    return 0;
}

int sl__mt_push(sl__mt_vec *v, const void *row)
{
    if (sl__mt_reserve(&v->rows, &v->cap, v->n, v->size) != 0)
        return -1;
    memcpy(v->rows + v->n++ * v->size, row, v->size);
    return 0;
}

int sl__mt_get(const sl__mt *t, const void *key, void *out)
{
    int found;
    size_t i = sl__mt_find(t, key, &found);
    if (found)
        memcpy(out, sl__mt_at(t, i), t->size);
    return found;
}

static int reserve_rows(sl__mt *t)
{
    return sl__mt_reserve(&t->rows, &t->cap, t->n, t->size);
}

static sl__mt_undo *journal_push(sl__mt_journal *j)
{
    if (!j || sl__mt_reserve(&j->u, &j->cap, j->n, sizeof(*j->u)) != 0)
        return NULL;
    return &j->u[j->n];
}

static void insert_at(sl__mt *t, size_t i, const void *row)
{
    memmove(t->rows + (i + 1) * t->size, t->rows + i * t->size, (t->n - i) * t->size);
    memcpy(t->rows + i * t->size, row, t->size);
    t->n++;
}

static void remove_at(sl__mt *t, size_t i)
{
    memmove(t->rows + i * t->size, t->rows + (i + 1) * t->size, (t->n - i - 1) * t->size);
    t->n--;
}

int sl__mt_put(sl__mt *t, sl__mt_journal *j, const void *row)
{
    int found;
    size_t i = sl__mt_find(t, row, &found);
    sl__mt_undo *u = journal_push(j);
    if (j && !u)
        return -1;
    if (found) {
        unsigned char *old = NULL;
        if (u) {
            if (!(old = malloc(t->size)))
                return -1;
            memcpy(old, sl__mt_at(t, i), t->size);
            *u = (sl__mt_undo){t, i, UNDO_RESTORE_REPLACED, old};
            j->n++;
        }
        memcpy(sl__mt_at(t, i), row, t->size);
        return 0;
    }
    if (reserve_rows(t) != 0)
        return -1;
    if (u) {
        *u = (sl__mt_undo){t, i, UNDO_REMOVE_INSERTED, NULL};
        j->n++;
    }
    insert_at(t, i, row);
    return 0;
}

int sl__mt_remove(sl__mt *t, sl__mt_journal *j, size_t i)
{
    sl__mt_undo *u = journal_push(j);
    if (j && !u)
        return -1;
    if (u) {
        unsigned char *old = malloc(t->size);
        if (!old)
            return -1;
        memcpy(old, sl__mt_at(t, i), t->size);
        *u = (sl__mt_undo){t, i, UNDO_REINSERT_REMOVED, old};
        j->n++;
    }
    remove_at(t, i);
    return 0;
}

void sl__mt_journal_clear(sl__mt_journal *j)
{
    for (size_t k = 0; k < j->n; k++)
        free(j->u[k].old);
    j->n = 0;
}

size_t sl__mt_journal_mark(const sl__mt_journal *j)
{
    return j->n;
}

void sl__mt_journal_undo(sl__mt_journal *j)
{
    sl__mt_journal_undo_to(j, 0);
}

void sl__mt_journal_undo_to(sl__mt_journal *j, size_t mark)
{
    while (j->n > mark) {
        sl__mt_undo *u = &j->u[--j->n];
        switch (u->op) {
        case UNDO_REMOVE_INSERTED:
            remove_at(u->t, u->index);
            break;
        case UNDO_RESTORE_REPLACED:
            memcpy(sl__mt_at(u->t, u->index), u->old, u->t->size);
            break;
        case UNDO_REINSERT_REMOVED:
            /* The slot was freed by the removal; capacity is still there. */
            insert_at(u->t, u->index, u->old);
            break;
        }
        free(u->old);
    }
}

void sl__mt_journal_free(sl__mt_journal *j)
{
    sl__mt_journal_clear(j);
    free(j->u);
    j->u = NULL;
    j->cap = 0;
}
