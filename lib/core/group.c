/*
 * lib/core/group.c - groups: many calls, one commit (DESIGN.md "Groups").
 *
 * Between sl_group_begin and sl_group_commit every call opens a savepoint
 * of the group's one transaction instead of a transaction of its own (the
 * sl__tx_* helpers in lib/store/store.c decide), so a failed call undoes
 * only itself and the group goes on, and the group costs one commit.
 */
#include "internal.h"

int sl_group_begin(sl_db *db)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "sl_group_begin: db is NULL");
    if (db->group != SL__GROUP_NONE)
        return sl__err(db, SL_EMISUSE, "sl_group_begin: a group is already open on this handle "
                                       "(groups do not nest: commit or roll back the open one first)");
    if (db->in_tx)
        return sl__err(db, SL_EMISUSE, "sl_group_begin: a transaction is open on this handle");
    if (!sl__st_has_groups(db))
        return sl__err(db, SL_EMISUSE, "sl_group_begin: this store does not support groups "
                                       "(it lacks the version-3 group methods of sys/store.h)");
    int rc = sl__st_group_begin(db);
    if (rc != SL_OK)
        return rc;
    db->group = SL__GROUP_OPEN;
    db->group_busy = 0;
    return sl__ok(db);
}

/* SL_OK when db has a group open; else SL_EINVAL or SL_EMISUSE naming fn. */
static int group_open(sl_db *db, const char *fn)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "%s: db is NULL", fn);
    if (db->group == SL__GROUP_NONE)
        return sl__err(db, SL_EMISUSE, "%s: no group is open on this handle", fn);
    return SL_OK;
}

int sl_group_commit(sl_db *db)
{
    int rc = group_open(db, "sl_group_commit");
    if (rc != SL_OK)
        return rc;
    if (db->group == SL__GROUP_ABORTED) {
        db->group = SL__GROUP_NONE;
        return sl__err(db, SL_EBUSY, "sl_group_commit: the group had been given up and rolled back (a call "
                                     "of it met a failed lock wait or a store failure): nothing of it remains; "
                                     "retry the group");
    }
    db->group = SL__GROUP_NONE;
    rc = sl__st_group_commit(db);
    if (rc != SL_OK)
        return rc; /* rolled back: nothing of the group remains */
    return sl__ok(db);
}

int sl_group_rollback(sl_db *db)
{
    int rc = group_open(db, "sl_group_rollback");
    if (rc != SL_OK)
        return rc;
    if (db->group == SL__GROUP_OPEN)
        sl__st_group_rollback(db);
    db->group = SL__GROUP_NONE;
    return sl__ok(db);
}

int sl_group_active(sl_db *db)
{
    return db && db->group != SL__GROUP_NONE;
}
