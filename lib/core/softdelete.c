/*
 * lib/core/softdelete.c - soft delete, restore and purge of every
 * soft-deletable entity (rules, overrides, sessions, accounts; docs/design.md
 * "Soft delete"): the rules in one place. Nothing is lost by a delete; purge
 * is explicit and never touches accounts (their entries are kept forever).
 *
 * Each entity is one row of `entities`: whether it may be purged, what a
 * delete or restore must check or do besides setting deleted_at (before),
 * and what must follow it (after); row_load reads a row by id.
 * sl_soft_delete and sl_restore run the same steps in one write
 * transaction; any failure rolls everything back.
 */
#include <string.h>

#include "ledger/ledger_internal.h"
#include "core/outbox_internal.h"
#include "sessions/classes_internal.h"
#include "sessions/sessions_internal.h"
#include "slots/avail.h"

/* The row being deleted or restored, as read at the start. */
typedef struct sd_row {
    sl_id tenant, id;
    sl_time deleted_at;
    union {
        sl_rule rule;
        sl_override override;
        sl_session session;
        sl_account account;
    } u;
} sd_row;

/* ---- reading a row ---------------------------------------------------------- */

/* The row and its deleted_at, deleted or not, or SL_ENOTFOUND. An
 * override is found by id (the store's override_by_id, or a scan of every
 * date without it); an account's id is the student. */
static int row_load(sl_db *db, int32_t entity, sd_row *r)
{
    int rc;
    switch (entity) {
    case SL_ENTITY_RULE:
        rc = sl__st_rule_get(db, &r->u.rule, r->tenant, r->id);
        r->deleted_at = r->u.rule.deleted_at;
        return rc;
    case SL_ENTITY_OVERRIDE:
        rc = sl__st_override_by_id(db, &r->u.override, r->tenant, r->id);
        r->deleted_at = r->u.override.deleted_at;
        return rc;
    case SL_ENTITY_SESSION:
        rc = sl__st_session_get(db, &r->u.session, r->tenant, r->id);
        r->deleted_at = r->u.session.deleted_at;
        return rc;
    default:
        rc = sl__st_account_get(db, &r->u.account, r->tenant, r->id);
        r->deleted_at = r->u.account.deleted_at;
        return rc;
    }
}

/* ---- what a delete or restore checks and does besides deleted_at ------------ */

/* A restored rule counts against its weekday's cap like a new one. (An
 * override holds its windows itself, capped when written, and its date
 * stays taken while it is deleted: restoring one has nothing to check.) */
static int rule_before(sl_db *db, sd_row *r, int restore, sl_time now)
{
    (void)now;
    if (!restore)
        return SL_OK;
    return sl__rule_cap_check(db, r->tenant, r->u.rule.weekday, r->id);
}

/*
 * A deleted session gives its reserved credits back (its hold is released);
 * restoring a session that still blocks time reserves them again, which
 * can fail with SL_EINSUFFICIENT, or SL_ENOTFOUND while the student's
 * account is deleted (a new hold is new business). Releasing works on a
 * deleted account. Captured credits stay captured.
 */
static int session_credits(sl_db *db, sl_session *sess, int restore, sl_time now)
{
    sl_credit_hold h;
    int rc = sl__hold_load(db, &h, sess->tenant, sess->hold_id);
    if (rc != SL_OK)
        return rc;
    if (!restore)
        return h.status == SL_HOLD_ACTIVE ? sl__hold_release(db, &h, now) : SL_OK;
    if (h.status == SL_HOLD_ACTIVE || h.status == SL_HOLD_CAPTURED || !sl__status_blocking(sess->status) ||
        sess->status == SL_STATUS_COMPLETED || sess->status == SL_STATUS_NO_SHOW)
        return SL_OK;
    static const uint8_t none[16];
    if ((rc = sl__hold_place(db, &h, sess->tenant, sess->student, sess->credits, SL__TIME_MAX, NULL, none, now)) !=
        SL_OK)
        return rc;
    sess->hold_id = h.id;
    sess->updated_at = now;
    return sl__session_write(db, sess, 0); /* the restore emits its event */
}

/* A restored session takes its time again (conflicts re-checked), a
 * restored trial its one live trial per student (a deleted trial does not
 * count, so meanwhile the student may have booked another), and either way
 * its credits follow it. */
static int session_before(sl_db *db, sd_row *r, int restore, sl_time now)
{
    sl_session *s = &r->u.session;
    int rc;
    if (restore && sl__status_blocking(s->status) &&
        (rc = sl__footprint_check(db, r->tenant, s->start, s->end - s->start, r->id)) != SL_OK)
        return rc;
    if (restore && s->kind == SL_KIND_TRIAL && s->status != SL_STATUS_CANCELLED &&
        (rc = sl__trial_check(db, r->tenant, s->student)) != SL_OK)
        return rc;
    if (s->kind == SL_KIND_CLASS) /* the seats' holds follow the class */
        return sl__class_soft_delete(db, s, restore, now);
    if (s->hold_id)
        return session_credits(db, s, restore, now);
    return SL_OK;
}

/* The outbox event of a session's delete or restore, with its new state. */
static int session_after(sl_db *db, sd_row *r, int restore, sl_time now)
{
    sl_session s = r->u.session;
    s.deleted_at = restore ? 0 : now;
    return sl__outbox_emit(db, &s, restore ? SL_EVENT_RESTORED : SL_EVENT_DELETED, now);
}

/* deleted_at is part of an account's row MAC. */
static int account_after(sl_db *db, sd_row *r, int restore, sl_time now)
{
    (void)restore;
    (void)now;
    return sl__account_reseal(db, r->tenant, r->id);
}

/* ---- the entities ----------------------------------------------------------- */

typedef struct sd_entity {
    int32_t entity;
    int purgeable;
    int (*before)(sl_db *db, sd_row *r, int restore, sl_time now); /* may be NULL */
    int (*after)(sl_db *db, sd_row *r, int restore, sl_time now);  /* may be NULL */
} sd_entity;

static const sd_entity entities[] = {
    {SL_ENTITY_RULE, 1, rule_before, NULL},
    {SL_ENTITY_OVERRIDE, 1, NULL, NULL},
    {SL_ENTITY_SESSION, 1, session_before, session_after},
    {SL_ENTITY_ACCOUNT, 0, NULL, account_after},
};

static const sd_entity *entity_find(int32_t entity)
{
    for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
        if (entities[i].entity == entity)
            return &entities[i];
    return NULL;
}

static int entity_check(sl_db *db, int32_t entity, const sd_entity **out)
{
    if (!(*out = entity_find(entity)))
        return sl__err(db, SL_EINVAL, "entity %d is not a soft-deletable entity", (int)entity);
    return SL_OK;
}

/* ---- delete, restore, purge ------------------------------------------------- */

static int args_check(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now, const sd_entity **e)
{
    int rc;
    if (tenant <= 0 || id <= 0)
        return sl__err(db, SL_EINVAL, "tenant and row ids must be positive");
    if ((rc = entity_check(db, entity, e)) != SL_OK)
        return rc;
    if (now <= 0 || now > SL__TIME_MAX)
        return sl__err(db, SL_EINVAL, "now must be a positive time before year 10000");
    return SL_OK;
}

/* Inside the transaction: read the row, check its state, run the entity's
 * steps and set deleted_at (0 to restore). */
static int set_deleted_tx(sl_db *db, const sd_entity *e, sd_row *r, int restore, sl_time now)
{
    const char *name = sl_entity_name(e->entity);
    int rc = row_load(db, e->entity, r);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "%s %lld of tenant %lld not found", name, (long long)r->id, (long long)r->tenant);
    if (rc != SL_OK)
        return rc;
    if (!restore && r->deleted_at != 0)
        return sl__err(db, SL_ESTATE, "%s %lld is already deleted", name, (long long)r->id);
    if (restore && r->deleted_at == 0)
        return sl__err(db, SL_ESTATE, "%s %lld is not deleted", name, (long long)r->id);
    if (e->before && (rc = e->before(db, r, restore, now)) != SL_OK)
        return rc;
    if ((rc = sl__st_soft_delete(db, e->entity, r->tenant, r->id, restore ? 0 : now)) != SL_OK)
        return rc;
    return e->after ? e->after(db, r, restore, now) : SL_OK;
}

static int set_deleted(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now, int restore)
{
    const sd_entity *e = NULL;
    sd_row r;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = args_check(db, tenant, entity, id, now, &e)) != SL_OK)
        return rc;
    memset(&r, 0, sizeof(r));
    r.tenant = tenant;
    r.id = id;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    rc = set_deleted_tx(db, e, &r, restore, now);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    return sl__ok(db);
}

int sl_soft_delete(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now)
{
    return set_deleted(db, tenant, entity, id, now, 0);
}

int sl_restore(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now)
{
    return set_deleted(db, tenant, entity, id, now, 1);
}

int sl_purge(sl_db *db, size_t *purged, int32_t entity, sl_time before)
{
    const sd_entity *e = NULL;
    size_t n = 0;
    int rc;
    if (purged)
        *purged = 0;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = entity_check(db, entity, &e)) != SL_OK)
        return rc;
    if (!e->purgeable)
        return sl__err(db, SL_EINVAL, "%ss are never purged: ledger entries are kept forever",
                       sl_entity_name(entity));
    if ((rc = sl__check_time(db, "before", before)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, 0, 1)) != SL_OK)
        return rc;
    /* Sessions: the store's purge takes a purged class's row and seats
     * with it (sys/store.h), in this transaction. */
    if (entity == SL_ENTITY_SESSION)
        rc = sl__outbox_purge_sessions(db, before, &n); /* the purge, and its events */
    else
        rc = sl__st_purge(db, entity, before, &n);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (purged)
        *purged = n;
    return sl__ok(db);
}
