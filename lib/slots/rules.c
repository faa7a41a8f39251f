/*
 * lib/slots/rules.c - weekly rules and date overrides: validation and
 * storage. Every rule of what a valid window is lives here.
 */
#include <stdlib.h>
#include <string.h>

#include "avail.h"

static int window_check(sl_db *db, const char *what, int32_t start, int32_t end)
{
    if (start < 0 || end > 1440 || start >= end)
        return sl__err(db, SL_EINVAL, "%s %d..%d is not a window 0 <= start < end <= 1440 (minutes)", what,
                       (int)start, (int)end);
    return SL_OK;
}

static int rule_check(sl_db *db, sl_id tenant, int32_t weekday, int32_t start, int32_t end,
                      sl_date from, sl_date until)
{
    int rc;
    if ((rc = sl__check_tenant(db, tenant)) != SL_OK)
        return rc;
    if (weekday < 1 || weekday > 7)
        return sl__err(db, SL_EINVAL, "weekday %d is not 1 (Monday) .. 7 (Sunday)", (int)weekday);
    if (from > until)
        return sl__err(db, SL_EINVAL, "valid_from is after valid_until");
    return window_check(db, "rule", start, end);
}

typedef struct count_ctx {
    int32_t weekday;
    sl_id skip;
    int n;
} count_ctx;

static int count_weekday(void *ctx, const sl_rule *r)
{
    count_ctx *c = ctx;
    if (r->deleted_at == 0 && r->weekday == c->weekday && r->id != c->skip)
        c->n++;
    return 0;
}

int sl__rule_cap_check(sl_db *db, sl_id tenant, int32_t weekday, sl_id skip)
{
    count_ctx c = {weekday, skip, 0};
    int rc = sl__st_rules_scan(db, tenant, 0, count_weekday, &c);
    if (rc != SL_OK)
        return rc;
    if (c.n >= SL_MAX_WINDOWS_PER_DAY)
        return sl__err(db, SL_EINVAL, "weekday %d already has %d live rules, the most one date may have",
                       (int)weekday, SL_MAX_WINDOWS_PER_DAY);
    return SL_OK;
}

/* Ends the write transaction of a rule or override write the way rc says
 * (sl__tx_end); on success hands out the written row's id. */
static int write_end(sl_db *db, int rc, sl_id *out_id, sl_id id)
{
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (out_id)
        *out_id = id;
    return sl__ok(db);
}

/* Shared body of add and update (rule == 0 adds). */
static int rule_write(sl_db *db, sl_id *out_id, sl_id tenant, sl_id rule, int32_t weekday, int32_t start,
                      int32_t end, sl_date from, sl_date until, sl_time now)
{
    sl_tenant t;
    sl_rule r;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = rule_check(db, tenant, weekday, start, end, from, until)) != SL_OK)
        return rc;
    memset(&r, 0, sizeof(r)); /* write_end reads r.id on every path */
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
        goto out_end_tx;
    if (rule) {
        rc = sl__st_rule_get(db, &r, tenant, rule);
        if (rc == SL_OK && r.deleted_at != 0)
            rc = SL_ENOTFOUND;
        if (rc == SL_ENOTFOUND) {
            rc = sl__err(db, rc, "rule %lld of tenant %lld not found", (long long)rule, (long long)tenant);
            goto out_end_tx;
        }
        if (rc != SL_OK)
            goto out_end_tx;
    } else {
        r.version = SL_RULE_VERSION;
        r.tenant = tenant;
        r.created_at = now;
    }
    if ((rc = sl__rule_cap_check(db, tenant, weekday, rule)) != SL_OK)
        goto out_end_tx;
    r.weekday = weekday;
    r.start_min = start;
    r.end_min = end;
    r.valid_from = from;
    r.valid_until = until;
    r.updated_at = now;
    rc = sl__st_rule_put(db, &r);
out_end_tx:
    return write_end(db, rc, out_id, r.id);
}

int sl_rule_add(sl_db *db, sl_id *out_id, sl_id tenant, int32_t weekday, int32_t start_min,
                int32_t end_min, sl_date valid_from, sl_date valid_until, sl_time now)
{
    SL__CLEAR_OUT(out_id);
    return rule_write(db, out_id, tenant, 0, weekday, start_min, end_min, valid_from, valid_until, now);
}

int sl_rule_update(sl_db *db, sl_id tenant, sl_id rule, int32_t weekday, int32_t start_min,
                   int32_t end_min, sl_date valid_from, sl_date valid_until, sl_time now)
{
    if (db && rule <= 0)
        return sl__err(db, SL_EINVAL, "rule id %lld must be positive", (long long)rule);
    return rule_write(db, NULL, tenant, rule, weekday, start_min, end_min, valid_from, valid_until, now);
}

/* Runs a read of one row inside a read transaction; hides deleted rows
 * unless flags asks for them. */
#define READ_ONE(db, tenant, what, call, deleted_at, flags)                                          \
    do {                                                                                            \
        int rc_;                                                                                    \
        if ((rc_ = sl__tx_begin(db, tenant, 0)) != SL_OK)                                           \
            return rc_;                                                                             \
        rc_ = (call);                                                                               \
        sl__tx_rollback(db);                                                                        \
        if (rc_ == SL_OK && (deleted_at) != 0 && !((flags) & SL_INCLUDE_DELETED))                    \
            rc_ = SL_ENOTFOUND;                                                                     \
        if (rc_ == SL_ENOTFOUND)                                                                    \
            return sl__err(db, rc_, "%s not found", what);                                          \
        if (rc_ != SL_OK)                                                                           \
            return rc_;                                                                             \
        return sl__ok(db);                                                                          \
    } while (0)

int sl_rule_get(sl_db *db, sl_rule *out, sl_id tenant, sl_id rule, uint32_t flags)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out || tenant <= 0 || rule <= 0)
        return sl__err(db, SL_EINVAL, "sl_rule_get: NULL out or non-positive id");
    READ_ONE(db, tenant, "rule", sl__st_rule_get(db, out, tenant, rule), out->deleted_at, flags);
}

int sl_override_get(sl_db *db, sl_override *out, sl_id tenant, sl_date date, uint32_t flags)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out || tenant <= 0)
        return sl__err(db, SL_EINVAL, "sl_override_get: NULL out or non-positive tenant");
    READ_ONE(db, tenant, "override", sl__st_override_get(db, out, tenant, date), out->deleted_at,
             flags);
}

static int push_rule(void *ctx, const sl_rule *r) { return sl__grow_push(ctx, r); }
static int push_override(void *ctx, const sl_override *o) { return sl__grow_push(ctx, o); }

static int cmp_rule(const void *a, const void *b)
{
    const sl_rule *x = a, *y = b;
    if (x->weekday != y->weekday)
        return x->weekday - y->weekday;
    if (x->start_min != y->start_min)
        return x->start_min - y->start_min;
    return (x->id > y->id) - (x->id < y->id);
}

int sl_rules_list(sl_db *db, sl_rule **out, size_t *count, sl_id tenant, uint32_t flags)
{
    sl__grow g;
    int rc;
    if ((rc = sl__list_begin(db, &g, sizeof(sl_rule), (void **)out, count, tenant > 0 && SL__READ_FLAGS_OK(flags),
                             "sl_rules_list: NULL out/count, non-positive tenant or unknown flags")) != SL_OK ||
        (rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_rules_scan(db, tenant, flags & SL_INCLUDE_DELETED, push_rule, &g);
    if (rc == SL_OK && g.n > 1) /* g.p is NULL when empty: qsort(NULL, ...) is undefined */
        qsort(g.p, g.n, g.size, cmp_rule);
    return sl__list_end(db, &g, rc, (void **)out, count);
}

int sl_overrides_list(sl_db *db, sl_override **out, size_t *count, sl_id tenant, sl_date from, sl_date to,
                      uint32_t flags)
{
    sl__grow g;
    int rc;
    if ((rc = sl__list_begin(db, &g, sizeof(sl_override), (void **)out, count,
                             tenant > 0 && from <= to && SL__READ_FLAGS_OK(flags),
                             "sl_overrides_list: NULL out/count, non-positive tenant, from > to or unknown flags")) !=
            SL_OK ||
        (rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_overrides_scan(db, tenant, from, to, flags & SL_INCLUDE_DELETED, push_override, &g);
    return sl__list_end(db, &g, rc, (void **)out, count);
}

static int cmp_window(const void *a, const void *b)
{
    const sl_window *x = a, *y = b;
    if (x->start_min != y->start_min)
        return x->start_min - y->start_min;
    return x->end_min - y->end_min;
}

int sl_override_set(sl_db *db, sl_id *out_id, sl_id tenant, sl_date date, const sl_window *windows,
                    size_t n, sl_time now)
{
    sl_override o, old;
    sl_tenant t;
    int rc;
    SL__CLEAR_OUT(out_id);
    if ((rc = sl__tenant_args(db, 1, tenant, "")) != SL_OK)
        return rc;
    if (n > 0 && !windows)
        return sl__err(db, SL_EINVAL, "sl_override_set: windows is NULL but n = %zu", n);
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if (n > SL_MAX_WINDOWS_PER_DAY)
        return sl__err(db, SL_EINVAL, "%zu windows exceed the %d allowed per date", n, SL_MAX_WINDOWS_PER_DAY);
    for (size_t i = 0; i < n; i++)
        if ((rc = window_check(db, "override window", windows[i].start_min, windows[i].end_min)) != SL_OK)
            return rc;
    memset(&o, 0, sizeof(o));
    o.version = SL_OVERRIDE_VERSION;
    o.tenant = tenant;
    o.date = date;
    o.n_windows = (int32_t)n;
    if (n)
        memcpy(o.windows, windows, n * sizeof(*windows));
    qsort(o.windows, n, sizeof(o.windows[0]), cmp_window);
    o.created_at = o.updated_at = now;

    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
        goto out_end_tx;
    rc = sl__st_override_get(db, &old, tenant, date);
    if (rc == SL_OK) {
        o.id = old.id; /* one row per date: replace it (and revive it) */
        o.created_at = old.created_at;
    } else if (rc != SL_ENOTFOUND) {
        goto out_end_tx;
    }
    rc = sl__st_override_put(db, &o);
out_end_tx:
    return write_end(db, rc, out_id, o.id);
}
