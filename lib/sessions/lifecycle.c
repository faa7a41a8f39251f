/*
 * lib/sessions/lifecycle.c - the status machine and rescheduling.
 *
 *   pending -> confirmed | cancelled | completed | no_show
 *   confirmed -> cancelled | completed | no_show
 *   cancelled, completed, no_show: final
 */
#include <stdio.h>
#include <string.h>

#include "classes_internal.h"
#include "core/fingerprint.h"
#include "ledger/ledger_internal.h"
#include "sessions_internal.h"

/* The name from the one status list (slotledger/codes.h). */
static const char *status_name(int32_t s)
{
    const char *name = sl_status_name(s);
    return name ? name : "unknown";
}

static int transition_allowed(int32_t from, int32_t to)
{
    if (from == SL_STATUS_PENDING)
        return to != SL_STATUS_PENDING;
    if (from == SL_STATUS_CONFIRMED)
        return to == SL_STATUS_CANCELLED || to == SL_STATUS_COMPLETED || to == SL_STATUS_NO_SHOW;
    return 0;
}

typedef struct trial_ctx {
    sl_id found;
} trial_ctx;

static int find_live_trial(void *ctx, const sl_session *s)
{
    trial_ctx *t = ctx;
    if (s->kind == SL_KIND_TRIAL && s->status != SL_STATUS_CANCELLED && s->deleted_at == 0) {
        t->found = s->id;
        return 1;
    }
    return 0;
}

int sl__trial_check(sl_db *db, sl_id tenant, sl_id student)
{
    trial_ctx t = {0};
    int rc = sl__st_sessions_by_student(db, tenant, student, 0, find_live_trial, &t);
    if (rc < 0)
        return rc;
    if (t.found)
        return sl__err(db, SL_ESTATE, "student %lld already has a trial (session %lld)", (long long)student,
                       (long long)t.found);
    return SL_OK;
}

/*
 * The credits of a session follow its outcome: completed and no-show
 * capture the hold; cancelling releases it, unless the tenant's late-cancel
 * window has begun, which captures it instead. Confirming keeps it.
 * This holds for a soft-deleted account too (the hold resolution loads it
 * regardless): otherwise its sessions would block the time for good.
 */
static int settle_hold(sl_db *db, const sl_session *s, int32_t to, sl_time now)
{
    sl_credit_hold h;
    sl_tenant t;
    int rc;
    if (to == SL_STATUS_CONFIRMED)
        return SL_OK;
    if ((rc = sl__hold_load(db, &h, s->tenant, s->hold_id)) != SL_OK)
        return rc;
    /* The host resolved the hold itself (sl_hold_capture / sl_hold_release):
     * its credits are settled, and the session must still be able to move
     * on rather than stay pending forever. */
    if (h.status != SL_HOLD_ACTIVE)
        return SL_OK;
    int capture = to != SL_STATUS_CANCELLED;
    if (!capture) {
        if ((rc = sl__tenant_load(db, &t, s->tenant)) != SL_OK)
            return rc;
        capture = t.late_cancel > 0 && now > s->start - t.late_cancel;
    }
    if (!capture)
        return sl__hold_release(db, &h, now);
    return sl__hold_capture_own(db, &h, "session", s->id, now);
}

int sl__hold_capture_own(sl_db *db, sl_credit_hold *h, const char *owner, sl_id id, sl_time now)
{
    /* "sl:<owner>:<int64>:capture" fits in 64 bytes; the library's own
     * key space, so no host request can own it (sl__key_check). */
    char key[64];
    sl_entry e;
    sl__fp fp;
    uint8_t hash[16];
    snprintf(key, sizeof(key), SL__KEY_PREFIX "%s:%lld:capture", owner, (long long)id);
    sl__fp_begin(&fp, SL__OP_SESSION_CAPTURE);
    sl__fp_i64(&fp, id);
    sl__fp_i64(&fp, h->id);
    sl__fp_i64(&fp, h->amount);
    sl__fp_end(&fp, hash);
    return sl__hold_capture(db, &e, h, h->amount, key, hash, now);
}

/* The outbox event of a transition to status to. */
static int32_t status_event(int32_t to)
{
    switch (to) {
    case SL_STATUS_CONFIRMED:
        return SL_EVENT_CONFIRMED;
    case SL_STATUS_CANCELLED:
        return SL_EVENT_CANCELLED;
    case SL_STATUS_COMPLETED:
        return SL_EVENT_COMPLETED;
    default:
        return SL_EVENT_NO_SHOW;
    }
}

/* The start every session change shares: ids and times checked
 * (new_start only when given), a write transaction opened and the live
 * session loaded into s. Any failure has ended the transaction. */
static int change_begin(sl_db *db, sl_session *s, sl_id tenant, sl_id id, const sl_time *new_start, sl_time now)
{
    int rc;
    if (tenant <= 0 || id <= 0)
        return sl__err(db, SL_EINVAL, "tenant and session ids must be positive");
    if ((new_start && (rc = sl__check_time(db, "new_start", *new_start)) != SL_OK) ||
        (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__session_load(db, s, tenant, id, 0)) != SL_OK)
        return sl__tx_end(db, rc);
    return SL_OK;
}

/* The end every session change shares: when rc is SL_OK, s is stamped and
 * written with its outbox event; the transaction ends (committed only if
 * all went well), and then s is copied to out. */
static int change_end(sl_db *db, sl_session *out, sl_session *s, int rc, int32_t event, sl_time now)
{
    if (rc == SL_OK) {
        s->updated_at = now;
        s->replayed = 0;
        rc = sl__session_write(db, s, event);
    }
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (out)
        *out = *s;
    return sl__ok(db);
}

static int transition(sl_db *db, sl_session *out, sl_id tenant, sl_id id, int32_t to, sl_time now)
{
    sl_session s;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = change_begin(db, &s, tenant, id, NULL, now)) != SL_OK)
        return rc;
    if (!transition_allowed(s.status, to))
        rc = sl__err(db, SL_ESTATE, "session %lld is %s and cannot become %s", (long long)id,
                     status_name(s.status), status_name(to));
    else if (s.hold_id)
        rc = settle_hold(db, &s, to, now);
    /* The same calls work on a class: its seats follow it. */
    if (rc == SL_OK && s.kind == SL_KIND_CLASS)
        rc = sl__class_transition(db, &s, to, now);
    if (rc == SL_OK)
        s.status = to;
    return change_end(db, out, &s, rc, status_event(to), now);
}

int sl_confirm(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now)
{
    return transition(db, out, tenant, session, SL_STATUS_CONFIRMED, now);
}

int sl_cancel(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now)
{
    return transition(db, out, tenant, session, SL_STATUS_CANCELLED, now);
}

int sl_complete(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now)
{
    return transition(db, out, tenant, session, SL_STATUS_COMPLETED, now);
}

int sl_mark_no_show(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now)
{
    return transition(db, out, tenant, session, SL_STATUS_NO_SHOW, now);
}

int sl_reschedule(sl_db *db, sl_session *out, sl_id tenant, sl_id id, sl_time new_start, sl_time now)
{
    sl_session s;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = change_begin(db, &s, tenant, id, &new_start, now)) != SL_OK)
        return rc;
    int64_t duration = s.end - s.start;
    if (s.status != SL_STATUS_PENDING && s.status != SL_STATUS_CONFIRMED)
        rc = sl__err(db, SL_ESTATE, "session %lld is %s and cannot be rescheduled", (long long)id,
                     status_name(s.status));
    /* Manual sessions skip availability and never conflict, moved or not;
     * a class skips availability but not the conflict predicate. */
    else if ((rc = sl__check_time(db, "the new end", new_start + duration)) == SL_OK && s.kind == SL_KIND_CLASS)
        rc = sl__footprint_check(db, tenant, new_start, duration, id);
    else if (rc == SL_OK && s.kind != SL_KIND_MANUAL)
        rc = sl__slot_check(db, tenant, new_start, duration, now, id);
    if (rc == SL_OK) {
        s.start = new_start;
        s.end = new_start + duration;
    }
    return change_end(db, out, &s, rc, SL_EVENT_RESCHEDULED, now);
}
