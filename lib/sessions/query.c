/* lib/sessions/query.c - reading sessions. */
#include <string.h>

#include "sessions_internal.h"

int sl_session_get(sl_db *db, sl_session *out, sl_id tenant, sl_id session, uint32_t flags)
{
    int rc = sl__read_begin(db, out && tenant > 0 && session > 0 && SL__READ_FLAGS_OK(flags), tenant,
                            "sl_session_get: NULL out, non-positive id or unknown flags");
    if (rc != SL_OK)
        return rc;
    rc = sl__session_load(db, out, tenant, session, (flags & SL_INCLUDE_DELETED) != 0);
    sl__tx_rollback(db);
    return rc == SL_OK ? sl__ok(db) : rc;
}

static int push_session(void *ctx, const sl_session *s)
{
    return sl__grow_push(ctx, s);
}

int sl_sessions_list(sl_db *db, sl_session **out, size_t *count, sl_id tenant, sl_time from, sl_time to,
                     uint32_t flags)
{
    sl__grow g;
    int rc;
    if ((rc = sl__list_begin(db, &g, sizeof(sl_session), (void **)out, count,
                             tenant > 0 && SL__READ_FLAGS_OK(flags),
                             "sl_sessions_list: NULL out/count, non-positive tenant or unknown flags")) != SL_OK)
        return rc;
    if ((rc = sl__range_check(db, from, to, "a session listing")) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_sessions_scan(db, tenant, from, to, flags & SL_INCLUDE_DELETED, push_session, &g);
    return sl__list_end(db, &g, rc, (void **)out, count);
}

int sl_sessions_by_student(sl_db *db, sl_session **out, size_t *count, sl_id tenant, sl_id student,
                           uint32_t flags)
{
    sl__grow g;
    int rc;
    if ((rc = sl__list_begin(db, &g, sizeof(sl_session), (void **)out, count,
                             tenant > 0 && student > 0 && SL__READ_FLAGS_OK(flags),
                             "sl_sessions_by_student: NULL out/count, non-positive id or unknown flags")) != SL_OK ||
        (rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_sessions_by_student(db, tenant, student, flags & SL_INCLUDE_DELETED, push_session, &g);
    return sl__list_end(db, &g, rc, (void **)out, count);
}
