/*
 * lib/sessions/softdelete.c - soft delete, restore and purge of rules,
 * overrides and sessions. Nothing is lost by a delete; purge is explicit.
 */
#include <string.h>

#include "ledger/ledger_internal.h"
#include "sessions_internal.h"

static const char *entity_name(int32_t e)
{
    switch (e) {
    case SL_ENTITY_RULE: return "rule";
    case SL_ENTITY_OVERRIDE: return "override";
    case SL_ENTITY_SESSION: return "session";
    case SL_ENTITY_ACCOUNT: return "account";
    default: return NULL;
    }
}

typedef struct find_override {
    sl_id id;
    sl_override found;
    int hit;
} find_override;

static int match_override(void *ctx, const sl_override *o)
{
    find_override *f = ctx;
    if (o->id != f->id)
        return 0;
    f->found = *o;
    f->hit = 1;
    return 1;
}

/* The row's deleted_at (and, for sessions, the row) or SL_ENOTFOUND. */
static int row_state(sl_db *db, int32_t entity, sl_id tenant, sl_id id, sl_time *deleted_at, sl_session *sess,
                     sl_rule *rule)
{
    int rc;
    switch (entity) {
    case SL_ENTITY_RULE:
        rc = sl__st_rule_get(db, rule, tenant, id);
        *deleted_at = rule->deleted_at;
        break;
    case SL_ENTITY_SESSION:
        rc = sl__st_session_get(db, sess, tenant, id);
        *deleted_at = sess->deleted_at;
        break;
    case SL_ENTITY_ACCOUNT: {
        sl_account a;
        rc = sl__st_account_get(db, &a, tenant, id);
        *deleted_at = a.deleted_at;
        break;
    }
    default: { /* overrides are keyed by date; an admin call may scan them */
        find_override f = {id, {0}, 0};
        rc = sl__st_overrides_scan(db, tenant, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED,
                                       match_override, &f);
        if (rc > 0)
            rc = SL_OK;
        if (rc == SL_OK && !f.hit)
            rc = SL_ENOTFOUND;
        *deleted_at = f.found.deleted_at;
        break;
    }
    }
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "%s %lld of tenant %lld not found", entity_name(entity), (long long)id,
                       (long long)tenant);
    return rc;
}

typedef struct count_ctx {
    int32_t weekday;
    int n;
} count_ctx;

static int count_weekday(void *ctx, const sl_rule *r)
{
    count_ctx *c = ctx;
    c->n += r->deleted_at == 0 && r->weekday == c->weekday;
    return 0;
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
    return sl__session_write(db, sess);
}

static int args_check(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now)
{
    if (tenant <= 0 || id <= 0)
        return sl__err(db, SL_EINVAL, "tenant and row ids must be positive");
    if (!entity_name(entity))
        return sl__err(db, SL_EINVAL, "entity %d is not a soft-deletable entity", (int)entity);
    if (now <= 0 || now > SL__TIME_MAX)
        return sl__err(db, SL_EINVAL, "now must be a positive time before year 10000");
    return SL_OK;
}

static int set_deleted(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now, int restore)
{
    sl_session sess;
    sl_rule rule;
    sl_time deleted_at = 0;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = args_check(db, tenant, entity, id, now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = row_state(db, entity, tenant, id, &deleted_at, &sess, &rule)) != SL_OK)
        goto out_end_tx;
    if (!restore && deleted_at != 0) {
        rc = sl__err(db, SL_ESTATE, "%s %lld is already deleted", entity_name(entity), (long long)id);
        goto out_end_tx;
    }
    if (restore && deleted_at == 0) {
        rc = sl__err(db, SL_ESTATE, "%s %lld is not deleted", entity_name(entity), (long long)id);
        goto out_end_tx;
    }
    if (restore && entity == SL_ENTITY_SESSION && sl__status_blocking(sess.status) &&
        (rc = sl__footprint_check(db, tenant, sess.start, sess.end - sess.start, id)) != SL_OK)
        goto out_end_tx;
    /* One live trial per student: a deleted trial does not count, so
     * while it was deleted the student may have booked another. */
    if (restore && entity == SL_ENTITY_SESSION && sess.kind == SL_KIND_TRIAL && sess.status != SL_STATUS_CANCELLED &&
        (rc = sl__trial_check(db, tenant, sess.student)) != SL_OK)
        goto out_end_tx;
    if (entity == SL_ENTITY_SESSION && sess.hold_id && (rc = session_credits(db, &sess, restore, now)) != SL_OK)
        goto out_end_tx;
    if (restore && entity == SL_ENTITY_RULE) {
        count_ctx c = {rule.weekday, 0};
        if ((rc = sl__st_rules_scan(db, tenant, 0, count_weekday, &c)) != SL_OK) {
            goto out_end_tx;
        }
        if (c.n >= SL_MAX_WINDOWS_PER_DAY) {
            rc = sl__err(db, SL_EINVAL, "weekday %d already has %d rules (the most allowed)", (int)rule.weekday,
                         SL_MAX_WINDOWS_PER_DAY);
            goto out_end_tx;
        }
    }
    if ((rc = sl__st_soft_delete(db, entity, tenant, id, restore ? 0 : now)) != SL_OK) {
        goto out_end_tx;
    }
    if (entity == SL_ENTITY_ACCOUNT)
        rc = sl__account_reseal(db, tenant, id);
out_end_tx:
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
    size_t n = 0;
    int rc;
    if (purged)
        *purged = 0;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!entity_name(entity))
        return sl__err(db, SL_EINVAL, "entity %d is not a soft-deletable entity", (int)entity);
    if (entity == SL_ENTITY_ACCOUNT)
        return sl__err(db, SL_EINVAL, "accounts are never purged: ledger entries are kept forever");
    if ((rc = sl__check_time(db, "before", before)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, 0, 1)) != SL_OK)
        return rc;
    rc = sl__st_purge(db, entity, before, &n);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (purged)
        *purged = n;
    return sl__ok(db);
}
