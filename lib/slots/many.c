/*
 * lib/slots/many.c - the slots of many tenants in one read snapshot
 * (sl_slots_many) and team availability over them (sl_team_slots).
 *
 * Every tenant's slots come from the same two steps as sl_slots
 * (sl__avail_load, then the pure engine), so "equal to N single calls"
 * holds by construction; what a list of tenants adds is one transaction
 * for all of them, the handle's scratch arrays reused from tenant to
 * tenant, and one result block grown in place as the slots arrive.
 */
#include <stdlib.h>
#include <string.h>

#include "avail.h"
#include "many.h"

int sl__cmp_id(const void *a, const void *b)
{
    sl_id x = *(const sl_id *)a, y = *(const sl_id *)b;
    return (x > y) - (x < y);
}

/* The indices of the first id of tenants[0..n) that appears twice. */
static void find_twice(const sl_id *tenants, size_t n, sl_id id, size_t *i, size_t *j)
{
    *i = *j = n;
    for (size_t k = 0; k < n; k++) {
        if (tenants[k] != id)
            continue;
        if (*i == n)
            *i = k;
        else {
            *j = k;
            return;
        }
    }
}

int sl__team_list_check(sl_db *db, const char *what, const sl_id *tenants, size_t n, size_t max)
{
    if (!tenants || n == 0 || n > max)
        return sl__err(db, SL_EINVAL, "%s needs a list of 1..%zu tenants (got %zu%s)", what, max, n,
                       tenants ? "" : ", NULL array");
    for (size_t k = 0; k < n; k++)
        if (tenants[k] <= 0)
            return sl__err(db, SL_EINVAL, "%s: tenant id %lld at index %zu must be positive", what,
                           (long long)tenants[k], k);
    if (n == 1)
        return SL_OK;
    sl_id *sorted = malloc(n * sizeof(*sorted));
    if (!sorted)
        return sl__err(db, SL_ENOMEM, "out of memory checking a list of %zu tenants", n);
    memcpy(sorted, tenants, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), sl__cmp_id);
    int rc = SL_OK;
    for (size_t k = 1; k < n && rc == SL_OK; k++) {
        if (sorted[k] == sorted[k - 1]) {
            size_t i, j;
            find_twice(tenants, n, sorted[k], &i, &j);
            rc = sl__err(db, SL_EINVAL, "%s: tenant %lld is listed twice (indices %zu and %zu)", what,
                         (long long)sorted[k], i, j);
        }
    }
    free(sorted);
    return rc;
}

int sl__team_out_check(sl_db *db, const char *what, const void *out)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "%s: db is NULL", what);
    if (!out)
        return sl__err(db, SL_EINVAL, "%s: out is NULL", what);
    return SL_OK;
}

/* ---- sl_slots_many ------------------------------------------------------- */

/* Byte offsets of the arrays after the struct in a result block. */
typedef struct many_layout {
    size_t tenants, offsets, status, slots;
} many_layout;

static many_layout layout_of(size_t n)
{
    many_layout l;
    l.tenants = sl__align8(sizeof(sl_many_slots));
    l.offsets = l.tenants + n * sizeof(sl_id);
    l.status = l.offsets + (n + 1) * sizeof(uint64_t);
    l.slots = sl__align8(l.status + n * sizeof(int32_t));
    return l;
}

/* The block being filled: its arrays move when it grows. */
typedef struct many_build {
    unsigned char *blk;
    many_layout l;
    size_t cap;         /* slots the block has room for */
    size_t n_slots;
} many_build;

static sl_interval *build_slots(many_build *b)
{
    return (sl_interval *)(void *)(b->blk + b->l.slots);
}

/* Room for `want` slots in total (the block is realloc'd). */
static int build_reserve(sl_db *db, many_build *b, size_t want)
{
    if (want <= b->cap && b->blk)
        return SL_OK;
    size_t cap = want > 2 * b->cap ? want : 2 * b->cap;
    if (cap > (SIZE_MAX - b->l.slots) / sizeof(sl_interval))
        return sl__err(db, SL_ENOMEM, "%zu slots do not fit in memory", want);
    unsigned char *p = realloc(b->blk, b->l.slots + cap * sizeof(sl_interval));
    if (!p)
        return sl__err(db, SL_ENOMEM, "out of memory for %zu slots", want);
    if (!b->blk)
        memset(p, 0, b->l.slots);
    b->blk = p;
    b->cap = cap;
    return SL_OK;
}

/* What the walk over the tenants fills. */
typedef struct many_walk {
    sl_db *db;
    many_build *b;
    sl_time from, to, now;
    int64_t duration;
} many_walk;

/* One tenant's slots appended to the block (inside the transaction). An
 * unknown tenant or an unreadable zone becomes its status. */
static int many_one(void *ctx, size_t i, int st, const sl__avail_rows *rows)
{
    many_walk *w = ctx;
    sl_db *db = w->db;
    many_build *b = w->b;
    sl__avail a;
    size_t cnt = 0;
    int rc = st == SL_OK ? sl__avail_build(db, &a, rows, w->from, w->to, w->duration, w->now) : SL_OK;
    if (rc != SL_OK)
        return rc;
    if (st == SL_OK) {
        rc = sl_engine_slots(build_slots(b) + b->n_slots, b->cap - b->n_slots, &cnt, a.days.v, a.days.n, a.busy.v,
                             a.busy.n, &a.params);
        if (rc == SL_ERANGE) { /* grow, then run the same engine over the same inputs again */
            if ((rc = build_reserve(db, b, b->n_slots + cnt)) != SL_OK)
                return rc;
            rc = sl_engine_slots(build_slots(b) + b->n_slots, b->cap - b->n_slots, &cnt, a.days.v, a.days.n,
                                 a.busy.v, a.busy.n, &a.params);
        }
        if (rc != SL_OK)
            return sl__err(db, rc, "slot engine refused the input of tenant %lld (%s)", (long long)rows->tenant->id,
                           sl_strerror(rc));
    }
    ((int32_t *)(void *)(b->blk + b->l.status))[i] = st; /* the block may have moved */
    b->n_slots += cnt;
    ((uint64_t *)(void *)(b->blk + b->l.offsets))[i + 1] = b->n_slots;
    return SL_OK;
}

/* Sets the struct's fields and pointers (after the last move). */
static sl_many_slots *many_finish(many_build *b, const sl_id *tenants, size_t n, uint32_t flags)
{
    sl_many_slots *m = (sl_many_slots *)(void *)b->blk;
    sl_id *t = (sl_id *)(void *)(b->blk + b->l.tenants);
    memcpy(t, tenants, n * sizeof(*t));
    m->version = SL_MANY_SLOTS_VERSION;
    m->flags = flags;
    m->n_tenants = n;
    m->n_slots = b->n_slots;
    m->tenants = t;
    m->status = (const int32_t *)(void *)(b->blk + b->l.status);
    m->offsets = (const uint64_t *)(void *)(b->blk + b->l.offsets);
    m->slots = b->n_slots ? build_slots(b) : NULL;
    return m;
}

int sl__slots_many(sl_db *db, sl_many_slots **out, const char *what, const sl_id *tenants, size_t n,
                   sl_time from, sl_time to, int64_t duration, sl_time now)
{
    uint32_t flags = 0;
    int rc;
    if ((rc = sl__team_list_check(db, what, tenants, n, SL_MAX_TEAM)) != SL_OK ||
        (rc = sl__slots_query_check(db, tenants[0], from, &to, duration, now, &flags)) != SL_OK)
        return rc;
    many_build b = {NULL, layout_of(n), 0, 0};
    if ((rc = build_reserve(db, &b, 16 * n)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenants[0], 0)) != SL_OK)
        goto out_free_block;
    many_walk w = {db, &b, from, to, now, duration};
    rc = sl__avail_each(db, tenants, n, from, to, duration, many_one, &w);
    sl__tx_rollback(db); /* read-only: nothing to keep */
    if (rc != SL_OK)
        goto out_free_block;
    unsigned char *fit = realloc(b.blk, b.l.slots + b.n_slots * sizeof(sl_interval));
    if (fit) /* shrinking cannot fail in practice; keeping the larger block is fine */
        b.blk = fit;
    *out = many_finish(&b, tenants, n, flags);
    return sl__ok(db);

out_free_block:
    free(b.blk);
    return rc;
}

int sl_slots_many(sl_db *db, sl_many_slots **out, const sl_id *tenants, size_t n, sl_time from, sl_time to,
                  int64_t duration, sl_time now)
{
    int rc;
    SL__CLEAR_OUT(out);
    if ((rc = sl__team_out_check(db, "sl_slots_many", out)) != SL_OK)
        return rc;
    return sl__slots_many(db, out, "sl_slots_many", tenants, n, from, to, duration, now);
}

/* ---- sl_team_slots ------------------------------------------------------- */

/* Where the merge writes: NULL arrays count only. */
typedef struct team_out {
    sl_time *starts;
    uint64_t *offsets;
    sl_id *who;
    size_t n_starts, n_who;
} team_out;

static void emit_start(team_out *o, sl_time start)
{
    if (o->starts) {
        o->starts[o->n_starts] = start;
        o->offsets[o->n_starts] = o->n_who;
    }
    o->n_starts++;
}

static void emit_who(team_out *o, sl_id tenant)
{
    if (o->who)
        o->who[o->n_who] = tenant;
    o->n_who++;
}

/* The next slot start of tenant i at cursor cur[i] (INT64_MAX: none left). */
static sl_time head_of(const sl_many_slots *m, const size_t *cur, size_t i)
{
    return cur[i] < m->offsets[i + 1] ? m->slots[cur[i]].start : INT64_MAX;
}

/* Any-of: a k-way merge of the tenants' sorted lists, on a binary heap of
 * tenant indices ordered by (next start, index), so that the tenants of
 * one start come out in list order. */
static void sift_down(const sl_many_slots *m, const size_t *cur, size_t *heap, size_t nh, size_t k)
{
    for (;;) {
        size_t c = 2 * k + 1, best = k;
        for (size_t d = c; d < c + 2 && d < nh; d++) {
            sl_time hd = head_of(m, cur, heap[d]), hb = head_of(m, cur, heap[best]);
            if (hd < hb || (hd == hb && heap[d] < heap[best]))
                best = d;
        }
        if (best == k)
            return;
        size_t t = heap[k];
        heap[k] = heap[best];
        heap[best] = t;
        k = best;
    }
}

static void merge_any(const sl_many_slots *m, size_t *cur, size_t *heap, team_out *o)
{
    size_t n = (size_t)m->n_tenants, nh = n;
    for (size_t i = 0; i < n; i++) {
        cur[i] = (size_t)m->offsets[i];
        heap[i] = i;
    }
    for (size_t k = nh / 2; k-- > 0;)
        sift_down(m, cur, heap, nh, k);
    sl_time last = INT64_MIN;
    while (nh > 0 && head_of(m, cur, heap[0]) != INT64_MAX) {
        size_t i = heap[0];
        sl_time s = head_of(m, cur, i);
        if (o->n_starts == 0 || s != last)
            emit_start(o, s);
        last = s;
        emit_who(o, m->tenants[i]);
        cur[i]++;
        sift_down(m, cur, heap, nh, 0);
    }
}

/* All-of: the starts of tenant 0 that every other tenant lists too. */
static void merge_all(const sl_many_slots *m, size_t *cur, team_out *o)
{
    size_t n = (size_t)m->n_tenants;
    for (size_t i = 0; i < n; i++) {
        if (m->status[i] != SL_OK)
            return;
        cur[i] = (size_t)m->offsets[i];
    }
    for (; cur[0] < m->offsets[1]; cur[0]++) {
        sl_time s = m->slots[cur[0]].start;
        int all = 1;
        for (size_t i = 1; i < n && all; i++) {
            while (head_of(m, cur, i) < s)
                cur[i]++;
            all = head_of(m, cur, i) == s;
        }
        if (!all)
            continue;
        emit_start(o, s);
        for (size_t i = 0; i < n; i++)
            emit_who(o, m->tenants[i]);
    }
}

static void team_merge(const sl_many_slots *m, int32_t mode, size_t *cur, size_t *heap, team_out *o)
{
    o->n_starts = o->n_who = 0;
    if (mode == SL_TEAM_ANY)
        merge_any(m, cur, heap, o);
    else
        merge_all(m, cur, o);
    if (o->offsets)
        o->offsets[o->n_starts] = o->n_who;
}

/* Counts, allocates the result block, fills it. */
static int team_build(sl_db *db, sl_team_avail **out, const sl_many_slots *m, int32_t mode, size_t *cur,
                      size_t *heap)
{
    team_out o = {NULL, NULL, NULL, 0, 0};
    team_merge(m, mode, cur, heap, &o);
    size_t head = sl__align8(sizeof(sl_team_avail)), at_off = head + o.n_starts * sizeof(sl_time),
           at_who = at_off + (o.n_starts + 1) * sizeof(uint64_t);
    unsigned char *blk = calloc(1, at_who + o.n_who * sizeof(sl_id));
    if (!blk)
        return sl__err(db, SL_ENOMEM, "out of memory for %zu team starts", o.n_starts);
    sl_team_avail *t = (sl_team_avail *)(void *)blk;
    team_out f = {(sl_time *)(void *)(blk + head), (uint64_t *)(void *)(blk + at_off),
                  (sl_id *)(void *)(blk + at_who), 0, 0};
    team_merge(m, mode, cur, heap, &f);
    t->version = SL_TEAM_AVAIL_VERSION;
    t->flags = m->flags;
    t->mode = mode;
    t->n_starts = f.n_starts;
    t->n_who = f.n_who;
    t->starts = f.n_starts ? f.starts : NULL;
    t->offsets = f.offsets;
    t->who = f.n_who ? f.who : NULL;
    *out = t;
    return SL_OK;
}

int sl_team_slots(sl_db *db, sl_team_avail **out, const sl_id *tenants, size_t n, sl_time from, sl_time to,
                  int64_t duration, int32_t mode, sl_time now)
{
    sl_many_slots *m = NULL;
    int rc;
    SL__CLEAR_OUT(out);
    if ((rc = sl__team_out_check(db, "sl_team_slots", out)) != SL_OK)
        return rc;
    if (mode != SL_TEAM_ANY && mode != SL_TEAM_ALL)
        return sl__err(db, SL_EINVAL, "sl_team_slots: mode %d is neither SL_TEAM_ANY nor SL_TEAM_ALL", (int)mode);
    if ((rc = sl__slots_many(db, &m, "sl_team_slots", tenants, n, from, to, duration, now)) != SL_OK)
        return rc;
    size_t *cur = malloc(2 * n * sizeof(size_t));
    if (!cur) {
        rc = sl__err(db, SL_ENOMEM, "out of memory merging %zu tenants", n);
        goto out_free_many;
    }
    rc = team_build(db, out, m, mode, cur, cur + n);
    free(cur);
out_free_many:
    free(m);
    return rc == SL_OK ? sl__ok(db) : rc;
}
