/*
 * lib/slots/rowcache.c - the schedule rows of earlier reads over many
 * tenants, reused while the data version is unchanged (rowcache.h says
 * why that is safe). An open-addressing table of entries by tenant id;
 * each entry is one allocation holding its rows.
 */
#include <stdlib.h>
#include <string.h>

#include "rowcache.h"
#include "store/store_internal.h"
#include "tz/zone.h"

typedef struct entry {
    uint64_t version;    /* the data version the rows were read under */
    sl_date first, last; /* the overrides read: these dates */
    sl_time lo, hi;      /* the sessions read: these times */
    sl_tenant tenant;
    const sl__zone *zone; /* loaded zones live until the process exits */
    size_t n_ov, n_rules, n_busy;
    size_t bytes;
    sl_override *ov; /* the three arrays follow the struct */
    sl_rule *rules;
    sl_interval *busy;
} entry;

struct sl__rowcache {
    uint64_t version;
    char *tzdir;  /* the zone directory the zones were found in */
    entry **slot; /* cap slots, NULL or an entry; cap a power of two */
    size_t cap, n, bytes;
    size_t max;          /* the byte bound (SL__ROWCACHE_MAX_BYTES) */
    unsigned long kept;  /* tenants served from kept rows (tests) */
};

static void clear(sl__rowcache *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        free(c->slot[i]);
        c->slot[i] = NULL;
    }
    c->n = 0;
    c->bytes = 0;
}

void sl__rowcache_free(sl__rowcache *c)
{
    if (!c)
        return;
    clear(c);
    free(c->slot);
    free(c->tzdir);
    free(c);
}

/* The slot of tenant t: its entry, or the empty slot where it goes. */
static size_t find(const sl__rowcache *c, sl_id t)
{
    size_t mask = c->cap - 1, i = (size_t)((uint64_t)t * 0x9E3779B97F4A7C15u >> 20) & mask;
    while (c->slot[i] && c->slot[i]->tenant.id != t)
        i = (i + 1) & mask;
    return i;
}

int sl__rowcache_may(const sl_db *db)
{
    return db->group == SL__GROUP_NONE && db->in_tx && !db->tx_write && sl__st_has_data_version(db);
}

/* The handle's cache, created empty when it has none (NULL without
 * memory). */
static sl__rowcache *cache_of(sl_db *db)
{
    if (!db->rowcache && (db->rowcache = calloc(1, sizeof(*db->rowcache))) != NULL)
        db->rowcache->max = SL__ROWCACHE_MAX_BYTES;
    return db->rowcache;
}

int sl__rowcache_limit(sl_db *db, size_t max)
{
    sl__rowcache *c = cache_of(db);
    if (!c)
        return SL_ENOMEM;
    clear(c);
    c->max = max;
    return SL_OK;
}

unsigned long sl__rowcache_kept(const sl_db *db)
{
    return db->rowcache ? db->rowcache->kept : 0;
}

size_t sl__rowcache_bytes(const sl_db *db)
{
    return db->rowcache ? db->rowcache->bytes : 0;
}

int sl__rowcache_open(sl_db *db)
{
    uint64_t v = 0;
    if (!sl__rowcache_may(db))
        return 0;
    int rc = sl__st_data_version(db, &v);
    if (rc != SL_OK)
        return rc == 1 ? 0 : rc;
    sl__rowcache *c = cache_of(db);
    if (!c)
        return sl__err(db, SL_ENOMEM, "out of memory for the row cache");
    const char *dir = sl__tz_dir(db->tzdir); /* TZDIR may change between calls */
    /* Entries of another version are stale: lookups skip them and puts
     * replace them, so a version change costs nothing per entry; but when
     * they hold half the bound they are all freed, or stale rows could
     * keep fresh ones out. */
    int changed = c->version != v;
    c->version = v;
    if ((changed && c->bytes > c->max / 2) || !c->tzdir || strcmp(c->tzdir, dir) != 0) {
        char *copy = strdup(dir);
        clear(c);
        if (!copy)
            return sl__err(db, SL_ENOMEM, "out of memory for the row cache");
        free(c->tzdir);
        c->tzdir = copy;
    }
    return 1;
}

int sl__rowcache_get(sl_db *db, sl_id tenant, sl_time from, sl_time to, int64_t duration, sl__avail_rows *rows)
{
    sl__rowcache *c = db->rowcache;
    if (!c || c->n == 0)
        return 0;
    const entry *e = c->slot[find(c, tenant)];
    if (!e || e->version != c->version)
        return 0;
    sl_date first, last;
    sl_time lo, hi;
    sl__avail_dates(e->zone, from, to, duration, &first, &last);
    sl__avail_busy_range(&e->tenant, from, to, duration, &lo, &hi);
    if (first < e->first || last > e->last || lo < e->lo || hi > e->hi)
        return 0;
    c->kept++;
    *rows = (sl__avail_rows){&e->tenant, e->zone, e->ov, e->n_ov, e->rules, e->n_rules, e->busy, e->n_busy};
    return 1;
}

/* Doubles the table (load kept at most 1/2). 0, or -1 without memory. */
static int grow(sl__rowcache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 1024;
    entry **old = c->slot, **slot = calloc(cap, sizeof(*slot));
    size_t old_cap = c->cap;
    if (!slot)
        return -1;
    c->slot = slot;
    c->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            c->slot[find(c, old[i]->tenant.id)] = old[i];
    free(old);
    return 0;
}

/* Removes the entry in slot i, moving later entries of its run back so
 * that every entry stays reachable from its home slot. */
static void remove_at(sl__rowcache *c, size_t i)
{
    size_t mask = c->cap - 1;
    c->bytes -= c->slot[i]->bytes;
    c->n--;
    free(c->slot[i]);
    c->slot[i] = NULL;
    for (size_t j = (i + 1) & mask; c->slot[j]; j = (j + 1) & mask) {
        entry *e = c->slot[j];
        c->slot[j] = NULL;
        c->slot[find(c, e->tenant.id)] = e;
    }
}

void sl__rowcache_put(sl_db *db, const sl__avail_rows *rows, sl_date first, sl_date last, sl_time lo, sl_time hi)
{
    sl__rowcache *c = db->rowcache;
    size_t bytes = sizeof(entry) + rows->n_ov * sizeof(sl_override) + rows->n_rules * sizeof(sl_rule) +
                   rows->n_busy * sizeof(sl_interval);
    if (!c || ((c->n + 1) * 2 > c->cap && grow(c) != 0))
        return;
    size_t i = find(c, rows->tenant->id);
    if (c->slot[i]) { /* stale, or too narrow: these rows replace it */
        remove_at(c, i);
        i = find(c, rows->tenant->id);
    }
    if (c->bytes + bytes > c->max)
        return;
    entry *e = malloc(bytes);
    if (!e)
        return;
    *e = (entry){c->version, first, last, lo, hi, *rows->tenant, rows->zone, rows->n_ov, rows->n_rules, rows->n_busy, bytes, NULL, NULL, NULL};
    e->ov = (sl_override *)(void *)(e + 1);
    e->rules = (sl_rule *)(void *)(e->ov + rows->n_ov);
    e->busy = (sl_interval *)(void *)(e->rules + rows->n_rules);
    if (rows->n_ov)
        memcpy(e->ov, rows->ov, rows->n_ov * sizeof(sl_override));
    if (rows->n_rules)
        memcpy(e->rules, rows->rules, rows->n_rules * sizeof(sl_rule));
    if (rows->n_busy)
        memcpy(e->busy, rows->busy, rows->n_busy * sizeof(sl_interval));
    c->slot[i] = e;
    c->n++;
    c->bytes += bytes;
}
