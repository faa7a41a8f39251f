/*
 * lib/tz/api.c - the public sl_tz_* functions: argument checks, the zone
 * directory of the handle, and messages recorded through sl__err.
 *
 * Range: instants and local seconds must lie within +-2^58 s (about nine
 * billion years); outside it these functions return SL_ERANGE rather than
 * answer for a clamped value. Within it no result can overflow, because
 * offsets are bounded by 26 hours.
 */
#include "core/internal.h"
#include "tz_private.h"

#define ERRLEN 256

static int get_zone(sl_db *db, const sl__zone **z, const char *fn,
                    const char *zone)
{
    char err[ERRLEN];
    int rc;

    if (!zone)
        return sl__err(db, SL_EINVAL, "%s: zone is NULL", fn);
    rc = sl__zone_load(z, sl__tz_dir(db ? db->tzdir : NULL), zone, err, sizeof err);
    if (rc)
        return sl__err(db, rc, "%s", err);
    return SL_OK;
}

static int in_range(int64_t t)
{
    return t >= -SL__TZ_TIME_LIMIT && t <= SL__TZ_TIME_LIMIT;
}

int sl_tz_check(sl_db *db, const char *zone)
{
    const sl__zone *z;
    int rc = get_zone(db, &z, "sl_tz_check", zone);
    return rc ? rc : sl__ok(db);
}

/* sl_tz_utc_offset (offset set) and sl_tz_utc_to_local (local set): the
 * UTC offset of zone at instant utc, or the local time it makes. fn and
 * out_name name the call and its output in messages. */
static int offset_at(sl_db *db, const char *fn, const char *out_name, int32_t *offset, int64_t *local,
                     const char *zone, sl_time utc)
{
    const sl__zone *z;
    int rc;

    if (!offset && !local)
        return sl__err(db, SL_EINVAL, "%s: %s is NULL", fn, out_name);
    rc = get_zone(db, &z, fn, zone);
    if (rc)
        return rc;
    if (!in_range(utc))
        return sl__err(db, SL_ERANGE, "%s: instant %lld is outside +-2^58 s", fn, (long long)utc);
    int32_t off = sl__zone_offset(z, utc);
    if (offset)
        *offset = off;
    else
        *local = utc + off;
    return sl__ok(db);
}

int sl_tz_utc_offset(sl_db *db, int32_t *offset, const char *zone, sl_time utc)
{
    return offset_at(db, "sl_tz_utc_offset", "offset", offset, NULL, zone, utc);
}

int sl_tz_utc_to_local(sl_db *db, int64_t *local, const char *zone, sl_time utc)
{
    return offset_at(db, "sl_tz_utc_to_local", "local", NULL, local, zone, utc);
}

int sl_tz_local_to_utc(sl_db *db, sl_time *utc, int *kind, const char *zone, int64_t local)
{
    const sl__zone *z;
    int rc;

    if (!utc)
        return sl__err(db, SL_EINVAL, "sl_tz_local_to_utc: utc is NULL");
    rc = get_zone(db, &z, "sl_tz_local_to_utc", zone);
    if (rc)
        return rc;
    if (!in_range(local))
        return sl__err(db, SL_ERANGE,
                       "sl_tz_local_to_utc: local time %lld is outside +-2^58 s",
                       (long long)local);
    *utc = sl__zone_to_utc(z, local, kind);
    return sl__ok(db);
}
