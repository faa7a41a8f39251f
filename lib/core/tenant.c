/*
 * lib/core/tenant.c - tenant settings: validation and storage.
 */
#include <string.h>

#include "internal.h"

int sl_tenant_init(sl_tenant *t, unsigned int version)
{
    if (!t || version == 0 || version > SL_TENANT_VERSION)
        return SL_EINVAL;
    memset(t, 0, sizeof(*t));
    t->version = SL_TENANT_VERSION;
    strcpy(t->tz, "UTC");
    return SL_OK;
}

/* Every rule of tenant settings lives here. */
static int tenant_check(sl_db *db, const sl_tenant *t)
{
    int rc;
    if (t->version == 0 || t->version > SL_TENANT_VERSION)
        return sl__err(db, SL_EINVAL, "sl_tenant.version %u is not supported", t->version);
    if ((rc = sl__check_tenant(db, t->id)) != SL_OK)
        return rc;
    if (!sl__fixed_str_ok(t->tz, sizeof(t->tz)))
        return sl__err(db, SL_EINVAL, "tenant %lld: tz is not NUL-terminated within %d bytes",
                       (long long)t->id, SL_TZ_NAME_MAX + 1);
    struct { const char *name; int64_t v, max; } range[] = {
        {"buffer_before", t->buffer_before, SL_MAX_BUFFER_SECONDS},
        {"buffer_after", t->buffer_after, SL_MAX_BUFFER_SECONDS},
        {"min_notice", t->min_notice, SL_MAX_NOTICE_SECONDS},
        {"step", t->step, SL_MAX_STEP_SECONDS},
        {"max_advance_days", t->max_advance_days, SL_MAX_ADVANCE_DAYS},
        {"late_cancel", t->late_cancel, SL_MAX_LATE_CANCEL_SECONDS},
    };
    for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
        if (range[i].v < 0 || range[i].v > range[i].max)
            return sl__err(db, SL_EINVAL, "tenant %lld: %s = %lld is outside 0..%lld",
                           (long long)t->id, range[i].name, (long long)range[i].v,
                           (long long)range[i].max);
    if (t->step != 0 && t->step < SL_MIN_STEP_SECONDS)
        return sl__err(db, SL_EINVAL, "tenant %lld: step = %lld must be 0 or at least %d seconds",
                       (long long)t->id, (long long)t->step, SL_MIN_STEP_SECONDS);
    /* sl_tz_check records its own SL_ETZ message. */
    return sl_tz_check(db, t->tz);
}

int sl_tenant_put(sl_db *db, const sl_tenant *t, sl_time now)
{
    sl_tenant row, old;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_tenant_put: db is NULL");
    if (!t)
        return sl__err(db, SL_EINVAL, "sl_tenant_put: tenant is NULL");
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = tenant_check(db, t)) != SL_OK)
        return rc;
    row = *t;
    row.version = SL_TENANT_VERSION;
    row.updated_at = now;
    if ((rc = sl__tx_begin(db, t->id, 1)) != SL_OK)
        return rc;
    rc = sl__st_tenant_get(db, &old, t->id);
    if (rc == SL_OK)
        row.created_at = old.created_at;
    else if (rc == SL_ENOTFOUND)
        row.created_at = now;
    else
        goto out_end_tx;
    rc = sl__st_tenant_put(db, &row);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    return sl__ok(db);
}

int sl_tenant_get(sl_db *db, sl_tenant *out, sl_id id)
{
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_tenant_get: db is NULL");
    if (!out)
        return sl__err(db, SL_EINVAL, "sl_tenant_get: out is NULL");
    if ((rc = sl__check_tenant(db, id)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, id, 0)) != SL_OK)
        return rc;
    rc = sl__st_tenant_get(db, out, id);
    if (rc != SL_OK) {
        sl__tx_rollback(db);
        if (rc == SL_ENOTFOUND)
            return sl__err(db, rc, "tenant %lld not found", (long long)id);
        return rc;
    }
    if ((rc = sl__tx_commit(db)) != SL_OK)
        return rc;
    return sl__ok(db);
}

int sl__tenant_load(sl_db *db, sl_tenant *t, sl_id tenant)
{
    int rc = sl__st_tenant_get(db, t, tenant);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "tenant %lld not found", (long long)tenant);
    return rc;
}
