/*
 * lib/sessions/classes.c - group classes (slotledger/classes.h): the rules
 * of seats, holds and the waitlist, all in the core. A backend only stores
 * the class row and the seats (sys/store.h, version 3).
 *
 * Every call runs in one write transaction of the tenant: idempotency
 * first, then the checks, then the writes. The class row's `taken` is the
 * counter the stores CHECK against the capacity (SQLite, PostgreSQL), so
 * even a core bug could not oversell; it is written in the same
 * transaction as every seat that changes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes_internal.h"
#include "core/idem.h"
#include "ledger/ledger_internal.h"
#include "sessions_internal.h"
#include "core/outbox_internal.h"

/* ---- helpers ------------------------------------------------------------------ */

/* A seat changed (what: its new SL_SEAT_* status). */
/* The outbox event of a seat change (outbox.h): the class's state with
 * the student whose place changed; the kind follows the seat's new status
 * (SL_SEAT_SEATED .. SL_SEAT_CANCELLED map in order onto SL_EVENT_SEATED ..
 * SL_EVENT_SEAT_CANCELLED). */
static int seat_event(sl_db *db, const sl_session *cls, sl_id student, int32_t what, sl_time now)
{
    sl_session after = *cls;
    after.student = student;
    return sl__outbox_emit(db, &after, SL_EVENT_SEATED + (what - SL_SEAT_SEATED), now);
}
_Static_assert(SL_EVENT_SEAT_CANCELLED - SL_EVENT_SEATED == SL_SEAT_CANCELLED - SL_SEAT_SEATED,
               "seat statuses and seat events are listed in the same order");

static int seat_taken(int32_t status)
{
    return status == SL_SEAT_SEATED || status == SL_SEAT_PRESENT || status == SL_SEAT_NO_SHOW;
}

/* The class session and its row; not_class (SL_EINVAL for the calls that
 * act on a class, SL_ENOTFOUND for sl_class_get) for a session of another
 * kind. */
static int class_load(sl_db *db, sl_session *s, sl_class *c, sl_id tenant, sl_id id, int include_deleted,
                      int not_class)
{
    int rc;
    if (!sl__st_has_classes(db))
        return sl__err(db, SL_EMISUSE, "the store has no group classes (version-3 class methods)");
    if ((rc = sl__session_load(db, s, tenant, id, include_deleted)) != SL_OK)
        return rc;
    if (s->kind != SL_KIND_CLASS)
        return sl__err(db, not_class, "session %lld is a %s session, not a class", (long long)id,
                       sl_kind_name(s->kind) ? sl_kind_name(s->kind) : "unknown");
    rc = sl__st_class_get(db, c, tenant, id);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, SL_ESTORE, "class %lld has a session but no class row", (long long)id);
    return rc;
}

/* Seats, waitlist places and ended places can only change while the class
 * is still to happen. */
static int class_open(sl_db *db, const sl_session *s)
{
    if (s->status == SL_STATUS_PENDING || s->status == SL_STATUS_CONFIRMED)
        return SL_OK;
    return sl__err(db, SL_ESTATE, "class %lld is %s", (long long)s->id, sl_status_name(s->status));
}

static int push_seat(void *ctx, const sl_seat *s)
{
    return sl__grow_push(ctx, s);
}

/* Every seat of the class, by position, in g (freed by the caller). */
static int seats_load(sl_db *db, sl__grow *g, sl_id tenant, sl_id class_id)
{
    int rc = sl__st_seats_scan(db, tenant, class_id, push_seat, g);
    if (g->failed)
        return sl__err(db, SL_ENOMEM, "out of memory reading the seats of class %lld", (long long)class_id);
    return rc;
}

typedef struct live_ctx {
    sl_id student;
    sl_seat *out;
} live_ctx;

/* A student's place in a class still to happen: a seat, a waitlist
 * place, or a no-show's seat, which stays taken and stays the student's
 * (it is not given up, re-taken or marked again). */
static int find_live(void *ctx, const sl_seat *s)
{
    live_ctx *l = ctx;
    if (s->student != l->student ||
        (s->status != SL_SEAT_SEATED && s->status != SL_SEAT_WAITLISTED && s->status != SL_SEAT_NO_SHOW))
        return 0;
    *l->out = *s;
    return 1;
}

static const char *place_name(int32_t status)
{
    return status == SL_SEAT_SEATED ? "seated" : status == SL_SEAT_WAITLISTED ? "on the waitlist"
                                                                             : "marked a no-show";
}

/* The student's place in the class (find_live): 1, 0 (none) or an error. */
static int live_seat(sl_db *db, sl_seat *out, sl_id tenant, sl_id class_id, sl_id student)
{
    live_ctx l = {student, out};
    int rc = sl__st_seats_scan(db, tenant, class_id, find_live, &l);
    return rc == 1 ? 1 : rc;
}

static int seat_write(sl_db *db, sl_seat *s)
{
    int rc = sl__st_seat_put(db, s);
    if (rc == SL_EEXISTS)
        return sl__err(db, SL_EEXISTS, "student %lld already has a place in class %lld", (long long)s->student,
                       (long long)s->class_id);
    return rc;
}

/* Resolves a seat's hold: capture or release; a hold the host already
 * resolved is left as it is (as for sessions). */
static int seat_settle(sl_db *db, const sl_seat *seat, int capture, sl_time now)
{
    sl_credit_hold h;
    int rc;
    if (!seat->hold_id)
        return SL_OK;
    if ((rc = sl__hold_load(db, &h, seat->tenant, seat->hold_id)) != SL_OK)
        return rc;
    if (h.status != SL_HOLD_ACTIVE)
        return SL_OK;
    return capture ? sl__hold_capture_own(db, &h, "seat", seat->id, now) : sl__hold_release(db, &h, now);
}

/* Holds credits_per_seat for a student taking a seat (nothing when free). */
static int seat_hold(sl_db *db, sl_seat *seat, const sl_class *c, sl_time now)
{
    static const uint8_t none[16];
    sl_credit_hold h;
    seat->hold_id = 0;
    if (c->credits_per_seat == 0)
        return SL_OK;
    int rc = sl__hold_place(db, &h, c->tenant, seat->student, c->credits_per_seat, SL__TIME_MAX, NULL, none, now);
    if (rc == SL_OK)
        seat->hold_id = h.id;
    return rc;
}

/* The start of a keyed class call (create, enroll, withdraw): checks db
 * and key, fingerprints the request (op, then its fields f[0..n)) into q,
 * opens the write transaction and looks key up for q's op and
 * fingerprint: SL_OK with the transaction open (q->found set on a
 * replay), or an error with nothing open. */
static int class_begin(sl_db *db, sl__idem *q, sl__op op, sl_id tenant, const char *key, const int64_t *f, size_t n,
                       const char *(*differs)(const void *, const void *), const void *req)
{
    sl__fp fp;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = sl__key_check(db, key, 0)) != SL_OK)
        return rc;
    memset(q, 0, sizeof(*q));
    q->op = op;
    sl__fp_begin(&fp, op);
    for (size_t i = 0; i < n; i++)
        sl__fp_i64(&fp, f[i]);
    sl__fp_end(&fp, q->fp);
    if ((rc = sl__tx_begin(db, tenant > 0 ? tenant : 0, 1)) != SL_OK)
        return rc;
    if (tenant <= 0 || !key)
        return SL_OK;
    q->key = key;
    q->differs = differs;
    q->req = req;
    if ((rc = sl__idem_lookup(db, q, tenant)) != SL_OK)
        return sl__tx_end(db, rc);
    return SL_OK;
}

/* ---- create --------------------------------------------------------------------- */

/* A class's request: its session as a booking of no student would ask for
 * it (sessions_internal.h), and its capacity. */
typedef struct create_req {
    book_req session;
    int32_t capacity;
} create_req;

/* A class session differs where a booking would (sl__session_differs),
 * named as sl_class_create names its arguments; capacity, which no
 * session field holds, is what is left. */
static const char *create_differs(const void *req, const void *row)
{
    const create_req *r = req;
    const char *field = sl__session_differs(&r->session, row);
    return strcmp(field, "credits") == 0 ? "credits_per_seat" : strcmp(field, "request") == 0 ? "capacity" : field;
}

static int create_check(sl_db *db, sl_id tenant, const create_req *r, sl_time now)
{
    const book_req *b = &r->session;
    int rc;
    if ((rc = sl__check_tenant(db, tenant)) != SL_OK)
        return rc;
    if ((rc = sl__check_duration(db, b->duration)) != SL_OK || (rc = sl__check_time(db, "start", b->start)) != SL_OK)
        return rc;
    if ((rc = sl__check_time(db, "end", b->start + b->duration)) != SL_OK ||
        (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if (r->capacity < 1 || r->capacity > SL_CLASS_CAPACITY_MAX)
        return sl__err(db, SL_EINVAL, "capacity %d must be 1..%d", (int)r->capacity, SL_CLASS_CAPACITY_MAX);
    if (b->credits < 0 || b->credits > INT32_MAX)
        return sl__err(db, SL_EINVAL, "credits_per_seat %lld must be 0..%d", (long long)b->credits, INT32_MAX);
    if (!sl__st_has_classes(db))
        return sl__err(db, SL_EMISUSE, "the store has no group classes (version-3 class methods)");
    return SL_OK;
}

/* The class session and its row (after the checks passed). */
static int create_write(sl_db *db, sl_session *s, sl_id tenant, const create_req *r, const char *key,
                        const uint8_t fp[16], sl_time now)
{
    const book_req *b = &r->session;
    int rc;
    sl__session_fill(s, tenant, 0, b->start, b->duration, b->credits, SL_KIND_CLASS, SL_STATUS_CONFIRMED, key, fp, now);
    if ((rc = sl__session_write(db, s, SL_EVENT_BOOKED)) != SL_OK)
        return rc;
    sl_class c = {SL_CLASS_VERSION, r->capacity, s->id, tenant, b->credits, 0, 0, 0};
    return sl__st_class_put(db, &c);
}

int sl_class_create(sl_db *db, sl_session *out, sl_id tenant, sl_time start, int64_t duration, int32_t capacity,
                    int64_t credits_per_seat, const char *key, sl_time now)
{
    create_req r = {{0, start, duration, credits_per_seat}, capacity};
    const int64_t f[] = {start, duration, capacity, credits_per_seat};
    sl__idem q;
    sl_session s;
    int rc;
    rc = class_begin(db, &q, SL__OP_CLASS_CREATE, tenant, key, f, sizeof f / sizeof f[0], create_differs, &r);
    if (rc != SL_OK)
        return rc;
    if (q.found) {
        s = q.session;
        goto out_end_tx;
    }
    if ((rc = create_check(db, tenant, &r, now)) != SL_OK)
        goto out_end_tx;
    sl_tenant t;
    if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
        goto out_end_tx;
    /* Teacher-made: no availability or grid, but the one conflict
     * predicate still decides whether the time is free. */
    if ((rc = sl__footprint_check(db, tenant, start, duration, 0)) != SL_OK)
        goto out_end_tx;
    rc = create_write(db, &s, tenant, &r, key, q.fp, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (out)
        *out = s;
    return sl__ok(db);
}

int sl_class_get(sl_db *db, sl_class *out, sl_id tenant, sl_id class_id, uint32_t flags)
{
    sl_session s;
    sl_class c;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out || tenant <= 0 || class_id <= 0 || !SL__READ_FLAGS_OK(flags))
        return sl__err(db, SL_EINVAL, "sl_class_get: NULL out, non-positive id or unknown flags");
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = class_load(db, &s, &c, tenant, class_id, (flags & SL_INCLUDE_DELETED) != 0, SL_ENOTFOUND);
    sl__tx_rollback(db);
    if (rc != SL_OK)
        return rc;
    *out = c;
    return sl__ok(db);
}

/* ---- enroll ---------------------------------------------------------------------- */

typedef struct seat_req {
    sl_id class_id, student;
    uint32_t flags;
} seat_req;

static const char *seat_differs(const void *req, const void *row)
{
    const seat_req *r = req;
    const sl_seat *s = row;
    return s->class_id != r->class_id ? "class" : s->student != r->student ? "student" : "flags";
}

/* class_begin for a seat call (enroll, withdraw). */
static int seat_begin(sl_db *db, sl__idem *q, sl__op op, sl_id tenant, const char *key, const seat_req *r)
{
    const int64_t f[] = {r->class_id, r->student, r->flags};
    return class_begin(db, q, op, tenant, key, f, sizeof f / sizeof f[0], seat_differs, r);
}

/* The checks every seat call starts with: its arguments, then a live
 * class still to happen (its session and row into s and c). */
static int seat_open(sl_db *db, sl_session *s, sl_class *c, sl_id tenant, const seat_req *r, sl_time now)
{
    int rc;
    if (tenant <= 0 || r->class_id <= 0 || r->student <= 0)
        return sl__err(db, SL_EINVAL, "tenant, class and student ids must be positive");
    if (r->flags & ~SL_WAITLIST)
        return sl__err(db, SL_EINVAL, "unknown flags 0x%x (only SL_WAITLIST)", (unsigned)r->flags);
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = class_load(db, s, c, tenant, r->class_id, 0, SL_EINVAL)) != SL_OK)
        return rc;
    return class_open(db, s);
}

/* The student's live place in the class, or SL_ENOTFOUND saying so. */
static int place_of(sl_db *db, sl_seat *seat, sl_id tenant, const seat_req *r)
{
    int rc = live_seat(db, seat, tenant, r->class_id, r->student);
    if (rc == 0)
        return sl__err(db, SL_ENOTFOUND, "student %lld has no seat or waitlist place in class %lld",
                       (long long)r->student, (long long)r->class_id);
    return rc == 1 ? SL_OK : rc;
}

/* A seat if one is free (with its hold), else a waitlist place if asked. */
static int enroll_place(sl_db *db, sl_seat *seat, const sl_session *s, sl_class *c, const seat_req *r,
                        const char *key, const uint8_t fp[16], sl_time now)
{
    int rc;
    memset(seat, 0, sizeof(*seat));
    seat->version = SL_SEAT_VERSION;
    seat->tenant = c->tenant;
    seat->class_id = c->id;
    seat->student = r->student;
    seat->created_at = seat->updated_at = now;
    if (key) {
        snprintf(seat->key, sizeof(seat->key), "%s", key);
        memcpy(seat->request_hash, fp, 16);
    }
    if (c->taken < c->capacity) {
        if ((rc = seat_hold(db, seat, c, now)) != SL_OK)
            return rc;
        seat->status = SL_SEAT_SEATED;
        c->taken++;
    } else if (r->flags & SL_WAITLIST) {
        seat->status = SL_SEAT_WAITLISTED;
        c->waitlisted++;
    } else {
        return sl__err(db, SL_EFULL, "class %lld is full (%d of %d seats taken)", (long long)c->id, (int)c->taken,
                       (int)c->capacity);
    }
    seat->position = ++c->last_position;
    if ((rc = seat_write(db, seat)) != SL_OK || (rc = sl__st_class_put(db, c)) != SL_OK)
        return rc;
    return seat_event(db, s, seat->student, seat->status, now);
}

int sl_class_enroll(sl_db *db, sl_seat *seat, sl_id tenant, sl_id class_id, sl_id student, uint32_t flags,
                    const char *key, sl_time now)
{
    seat_req r = {class_id, student, flags};
    sl__idem q;
    sl_session s;
    sl_class c;
    sl_seat made, other;
    int rc;
    if ((rc = seat_begin(db, &q, SL__OP_ENROLL, tenant, key, &r)) != SL_OK)
        return rc;
    if (q.found) {
        made = q.seat;
        goto out_end_tx;
    }
    if ((rc = seat_open(db, &s, &c, tenant, &r, now)) != SL_OK)
        goto out_end_tx;
    if ((rc = live_seat(db, &other, tenant, class_id, student)) != 0) {
        if (rc == 1)
            rc = sl__err(db, SL_EEXISTS, "student %lld is already %s in class %lld (seat %lld)", (long long)student,
                         place_name(other.status), (long long)class_id, (long long)other.id);
        goto out_end_tx;
    }
    rc = enroll_place(db, &made, &s, &c, &r, key, q.fp, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (seat)
        *seat = made;
    return sl__ok(db);
}

/* ---- withdraw and promotion ------------------------------------------------------ */

/* A seat freed: every free seat goes, in waitlist position order, to the
 * first waitlisted students who can pay (a seat an earlier promotion could
 * not fill is filled now too). Those who cannot (too few credits, or a
 * deleted or missing account) keep their place. */
static int promote(sl_db *db, const sl_session *s, sl_class *c, sl_time now)
{
    sl__grow g = {NULL, 0, 0, sizeof(sl_seat), 0};
    int rc = seats_load(db, &g, c->tenant, c->id);
    for (size_t i = 0; rc == SL_OK && i < g.n && c->taken < c->capacity; i++) {
        sl_seat *w = (sl_seat *)g.p + i;
        if (w->status != SL_SEAT_WAITLISTED)
            continue;
        rc = seat_hold(db, w, c, now);
        if (rc == SL_EINSUFFICIENT || rc == SL_ENOTFOUND) {
            rc = SL_OK; /* skipped: keeps the place */
            continue;
        }
        if (rc != SL_OK)
            break;
        w->status = SL_SEAT_SEATED;
        w->updated_at = now;
        w->replayed = 0;
        c->taken++;
        c->waitlisted--;
        if ((rc = seat_write(db, w)) == SL_OK)
            rc = seat_event(db, s, w->student, w->status, now);
    }
    free(g.p);
    return rc;
}

/* Ends the student's place (after the checks): a seat's hold is released,
 * or captured inside the late-cancel window; a freed seat is offered to
 * the waitlist. */
static int withdraw_place(sl_db *db, sl_seat *seat, const sl_session *s, sl_class *c, const char *key,
                          const uint8_t fp[16], sl_time now)
{
    int rc;
    int was_seated = seat->status == SL_SEAT_SEATED;
    if (was_seated) {
        sl_tenant t;
        if ((rc = sl__tenant_load(db, &t, c->tenant)) != SL_OK)
            return rc;
        int late = t.late_cancel > 0 && now > s->start - t.late_cancel;
        if ((rc = seat_settle(db, seat, late, now)) != SL_OK)
            return rc;
        c->taken--;
    } else {
        c->waitlisted--;
    }
    seat->status = SL_SEAT_WITHDRAWN;
    seat->updated_at = now;
    seat->replayed = 0;
    if (key) {
        snprintf(seat->withdraw_key, sizeof(seat->withdraw_key), "%s", key);
        memcpy(seat->withdraw_hash, fp, 16);
    }
    if ((rc = seat_write(db, seat)) != SL_OK || (rc = seat_event(db, s, seat->student, seat->status, now)) != SL_OK)
        return rc;
    if (was_seated && (rc = promote(db, s, c, now)) != SL_OK)
        return rc;
    return sl__st_class_put(db, c);
}

int sl_class_withdraw(sl_db *db, sl_id tenant, sl_id class_id, sl_id student, const char *key, sl_time now)
{
    seat_req r = {class_id, student, 0};
    sl__idem q;
    sl_session s;
    sl_class c;
    sl_seat seat;
    int rc;
    if ((rc = seat_begin(db, &q, SL__OP_WITHDRAW, tenant, key, &r)) != SL_OK)
        return rc;
    if (q.found)
        goto out_end_tx;
    if ((rc = seat_open(db, &s, &c, tenant, &r, now)) != SL_OK)
        goto out_end_tx;
    if ((rc = place_of(db, &seat, tenant, &r)) != SL_OK)
        goto out_end_tx;
    if (seat.status == SL_SEAT_NO_SHOW)
        rc = sl__err(db, SL_ESTATE, "student %lld is marked a no-show in class %lld: the seat stays taken",
                     (long long)student, (long long)class_id);
    else
        rc = withdraw_place(db, &seat, &s, &c, key, q.fp, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    return sl__ok(db);
}

/* ---- no-show, reading ---------------------------------------------------------- */

int sl_class_no_show(sl_db *db, sl_seat *seat, sl_id tenant, sl_id class_id, sl_id student, sl_time now)
{
    seat_req r = {class_id, student, 0};
    sl_session s;
    sl_class c;
    sl_seat got;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = sl__tx_begin(db, tenant > 0 ? tenant : 0, 1)) != SL_OK)
        return rc;
    if ((rc = seat_open(db, &s, &c, tenant, &r, now)) != SL_OK)
        goto out_end_tx;
    if ((rc = place_of(db, &got, tenant, &r)) != SL_OK)
        goto out_end_tx;
    if (got.status != SL_SEAT_SEATED) {
        rc = sl__err(db, SL_ESTATE, got.status == SL_SEAT_NO_SHOW ? "student %lld is already marked a no-show in "
                     "class %lld" : "student %lld is on the waitlist of class %lld, not seated", (long long)student,
                     (long long)class_id);
        goto out_end_tx;
    }
    if ((rc = seat_settle(db, &got, 1, now)) != SL_OK)
        goto out_end_tx;
    got.status = SL_SEAT_NO_SHOW;
    got.updated_at = now;
    got.replayed = 0;
    if ((rc = seat_write(db, &got)) == SL_OK)
        rc = seat_event(db, &s, student, got.status, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (seat)
        *seat = got;
    return sl__ok(db);
}

/* Taken seats, then the waitlist, then ended places; by position within. */
static int seat_group(int32_t status)
{
    return seat_taken(status) ? 0 : status == SL_SEAT_WAITLISTED ? 1 : 2;
}

static int cmp_seat(const void *a, const void *b)
{
    const sl_seat *x = a, *y = b;
    int gx = seat_group(x->status), gy = seat_group(y->status);
    if (gx != gy)
        return gx - gy;
    return (x->position > y->position) - (x->position < y->position);
}

int sl_class_seats(sl_db *db, sl_seat **seats, size_t *n, sl_id tenant, sl_id class_id)
{
    sl__grow g = {NULL, 0, 0, sizeof(sl_seat), 0};
    sl_session s;
    sl_class c;
    int rc;
    SL__CLEAR_OUT(seats);
    SL__CLEAR_OUT(n);
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!seats || !n || tenant <= 0 || class_id <= 0)
        return sl__err(db, SL_EINVAL, "sl_class_seats: NULL seats/n or non-positive id");
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    if ((rc = class_load(db, &s, &c, tenant, class_id, 1, SL_EINVAL)) == SL_OK)
        rc = seats_load(db, &g, tenant, class_id);
    sl__tx_rollback(db);
    if (rc == SL_OK && g.n > 1)
        qsort(g.p, g.n, sizeof(sl_seat), cmp_seat);
    if ((rc = sl__grow_finish(db, &g, rc, (void **)seats, n)) != SL_OK)
        return rc;
    return sl__ok(db);
}

/* ---- the session calls on a class ------------------------------------------------ */

/* The row of class session cls into c and its seats into g. */
static int class_seats(sl_db *db, const sl_session *cls, sl_class *c, sl__grow *g)
{
    int rc = sl__st_class_get(db, c, cls->tenant, cls->id);
    return rc == SL_OK ? seats_load(db, g, cls->tenant, cls->id) : rc;
}

/* Ends every seat as the class ends: completing captures each seated
 * student's hold (present), cancelling releases it; waitlist places end
 * as cancelled either way. A no-show's seat stays a no-show (its hold was
 * captured) and stays taken, so a cancelled class counts only those. */
static int class_end(sl_db *db, const sl_session *cls, int complete, sl_time now)
{
    sl__grow g = {NULL, 0, 0, sizeof(sl_seat), 0};
    sl_class c;
    int rc = class_seats(db, cls, &c, &g);
    for (size_t i = 0; rc == SL_OK && i < g.n; i++) {
        sl_seat *seat = (sl_seat *)g.p + i;
        if (seat->status != SL_SEAT_SEATED && seat->status != SL_SEAT_WAITLISTED)
            continue;
        if (seat->status == SL_SEAT_SEATED && (rc = seat_settle(db, seat, complete, now)) != SL_OK)
            break;
        if (seat->status == SL_SEAT_SEATED && !complete)
            c.taken--;
        seat->status = complete && seat->status == SL_SEAT_SEATED ? SL_SEAT_PRESENT : SL_SEAT_CANCELLED;
        seat->updated_at = now;
        seat->replayed = 0;
        if ((rc = seat_write(db, seat)) == SL_OK)
            rc = seat_event(db, cls, seat->student, seat->status, now);
    }
    free(g.p);
    if (rc != SL_OK)
        return rc;
    c.waitlisted = 0;
    return sl__st_class_put(db, &c);
}

int sl__class_transition(sl_db *db, const sl_session *cls, int32_t to, sl_time now)
{
    if (to == SL_STATUS_NO_SHOW)
        return sl__err(db, SL_EINVAL, "session %lld is a class: mark its students with sl_class_no_show",
                       (long long)cls->id);
    if (to == SL_STATUS_CONFIRMED)
        return SL_OK;
    return class_end(db, cls, to == SL_STATUS_COMPLETED, now);
}

int sl__class_soft_delete(sl_db *db, const sl_session *cls, int restore, sl_time now)
{
    sl__grow g = {NULL, 0, 0, sizeof(sl_seat), 0};
    sl_class c;
    sl_credit_hold h;
    int rc = class_seats(db, cls, &c, &g);
    for (size_t i = 0; rc == SL_OK && i < g.n; i++) {
        sl_seat *seat = (sl_seat *)g.p + i;
        if (seat->status != SL_SEAT_SEATED)
            continue;
        if (!restore) {
            rc = seat_settle(db, seat, 0, now);
            continue;
        }
        /* As for a session (softdelete.c): a hold still active stays, and a
         * hold the host captured means the seat is paid; else a new one. */
        if (seat->hold_id && (rc = sl__hold_load(db, &h, cls->tenant, seat->hold_id)) == SL_OK &&
            (h.status == SL_HOLD_ACTIVE || h.status == SL_HOLD_CAPTURED))
            continue;
        if (rc == SL_OK && (rc = seat_hold(db, seat, &c, now)) == SL_OK) {
            seat->updated_at = now;
            rc = seat_write(db, seat);
        }
    }
    free(g.p);
    return rc;
}
