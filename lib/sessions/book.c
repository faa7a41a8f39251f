/*
 * lib/sessions/book.c - booking operations. Each one validates, then in one
 * write transaction: idempotency first, then the slot predicate shared with
 * sl_slots, then the write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idem.h"
#include "ledger/ledger_internal.h"
#include "sessions_internal.h"

int sl__booking_check(sl_db *db, sl_id tenant, sl_id student, sl_time start, int64_t duration,
                         int64_t credits, sl_time now)
{
    int rc;
    if (tenant <= 0 || student <= 0)
        return sl__err(db, SL_EINVAL, "%s id must be positive", tenant <= 0 ? "tenant" : "student");
    if ((rc = sl__check_duration(db, duration)) != SL_OK)
        return rc;
    if ((rc = sl__check_time(db, "start", start)) != SL_OK || (rc = sl__check_time(db, "end", start + duration)) != SL_OK ||
        (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if (credits < 0 || credits > INT32_MAX)
        return sl__err(db, SL_EINVAL, "credits %lld must be 0..%d", (long long)credits, INT32_MAX);
    return SL_OK;
}

const char *sl__session_differs(const void *req, const void *row)
{
    const book_req *r = req;
    const sl_session *orig = row;
    /* A batch is named by its first booking; a session may have been
     * rescheduled since (then "start" is the honest answer too). */
    return orig->student != r->student                 ? "student"
           : orig->end - orig->start != r->duration ? "duration"
           : orig->credits != r->credits             ? "credits"
           : orig->start != r->start                 ? "start"
                                                     : "request";
}

/* The legacy encoding of a single booking, only when a stored session
 * needs it (sl__idem legacy_fill). */
static void book_legacy(uint8_t legacy[16], sl__op op, const void *req)
{
    const book_req *r = req;
    sl__fp_legacy_session(legacy, op, r->student, r->start, r->duration, r->credits);
}

/*
 * Looks the key up (q->fp and q->legacy or q->legacy_fill set by the caller): SL_OK with
 * *found = 0 when unused or NULL; *found = 1 and the original session in
 * *orig on a replay; SL_EIDEMPOTENCY when the key belongs to another
 * request (sl__idem_lookup).
 */
static int key_lookup(sl_db *db, int *found, sl_session *orig, sl_id tenant, const char *key, sl__idem *q,
                      const book_req *r)
{
    int rc;
    *found = 0;
    if (!key)
        return SL_OK;
    q->key = key;
    q->differs = sl__session_differs;
    q->req = r;
    if ((rc = sl__idem_lookup(db, q, tenant)) != SL_OK)
        return rc;
    if (q->found) {
        *found = 1;
        *orig = q->session;
    }
    return SL_OK;
}

void sl__session_fill(sl_session *s, sl_id tenant, sl_id student, sl_time start, int64_t duration,
                      int64_t credits, int32_t kind, int32_t status, const char *key, const uint8_t hash[16],
                      sl_time now)
{
    memset(s, 0, sizeof(*s));
    s->version = SL_SESSION_VERSION;
    s->tenant = tenant;
    s->student = student;
    s->start = start;
    s->end = start + duration;
    s->kind = kind;
    s->status = status;
    s->credits = credits;
    s->created_at = s->updated_at = now;
    if (key) {
        snprintf(s->key, sizeof(s->key), "%s", key);
        memcpy(s->request_hash, hash, 16);
    }
}

int sl__session_insert(sl_db *db, sl_session *s, sl_id tenant, sl_id student, sl_time start,
                          int64_t duration, int64_t credits, int32_t kind, int32_t status, const char *key,
                          const uint8_t hash[16], sl_time now)
{
    sl__session_fill(s, tenant, student, start, duration, credits, kind, status, key, hash, now);
    /* The credits are reserved in the same transaction: both or neither.
     * Trials are free; the hold lasts until the session resolves it. */
    if (credits > 0 && kind != SL_KIND_TRIAL) {
        sl_credit_hold h;
        static const uint8_t none[16];
        int rc = sl__hold_place(db, &h, tenant, student, credits, SL__TIME_MAX, NULL, none, now);
        if (rc != SL_OK)
            return rc;
        s->hold_id = h.id;
    }
    return sl__session_write(db, s, SL_EVENT_BOOKED);
}

/* One regular, trial or manual booking: the whole operation. */
static int book_single(sl_db *db, sl_session *out, sl__op op, sl_id tenant, sl_id student, sl_time start,
                       int64_t duration, int64_t credits, const char *key, sl_time now)
{
    sl_session s;
    sl__idem q;
    sl__fp fp;
    book_req r = {student, start, duration, credits};
    int rc, found = 0;

    memset(&q, 0, sizeof(q));
    q.op = op;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = sl__key_check(db, key, 0)) != SL_OK)
        return rc;
    const int64_t v[] = {student, start, duration, credits};
    sl__fp_begin(&fp, op);
    sl__fp_i64s(&fp, sizeof(v) / sizeof(v[0]), v);
    sl__fp_end(&fp, q.fp);
    q.legacy_fill = book_legacy;

    if ((rc = sl__tx_begin(db, tenant > 0 ? tenant : 0, 1)) != SL_OK)
        return rc;
    if ((rc = sl__st_read_hint(db, tenant, key, credits > 0 ? student : 0, start, duration)) != SL_OK)
        goto out_end_tx;
    /* The key comes first: a replay answers even if its payload would no
     * longer validate. */
    if (tenant > 0 && (rc = key_lookup(db, &found, &s, tenant, key, &q, &r)) != SL_OK)
        goto out_end_tx;
    if (tenant > 0 && found) {
        sl__tx_rollback(db);
        if (out)
            *out = s;
        return sl__ok(db);
    }
    if ((rc = sl__booking_check(db, tenant, student, start, duration, credits, now)) != SL_OK)
        goto out_end_tx;
    if (op == SL__OP_TRIAL) {
        if ((rc = sl__trial_check(db, tenant, student)) != SL_OK)
            goto out_end_tx;
    }
    if (op == SL__OP_MANUAL) {
        sl_tenant t;
        if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
            goto out_end_tx;
    } else if ((rc = sl__slot_check(db, tenant, start, duration, now, 0)) != SL_OK) {
        goto out_end_tx;
    }
    int32_t kind = op == SL__OP_TRIAL ? SL_KIND_TRIAL : op == SL__OP_MANUAL ? SL_KIND_MANUAL : SL_KIND_REGULAR;
    int32_t status = op == SL__OP_MANUAL ? SL_STATUS_CONFIRMED : SL_STATUS_PENDING;
    rc = sl__session_insert(db, &s, tenant, student, start, duration, credits, kind, status, key, q.fp, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (out)
        *out = s;
    return sl__ok(db);
}

int sl_book(sl_db *db, sl_session *out, sl_id tenant, sl_id student, sl_time start, int64_t duration,
            int64_t credits, const char *key, sl_time now)
{
    return book_single(db, out, SL__OP_BOOK, tenant, student, start, duration, credits, key, now);
}

int sl_book_trial(sl_db *db, sl_session *out, sl_id tenant, sl_id student, sl_time start, int64_t duration,
                  const char *key, sl_time now)
{
    return book_single(db, out, SL__OP_TRIAL, tenant, student, start, duration, 0, key, now);
}

int sl_schedule_manual(sl_db *db, sl_session *out, sl_id tenant, sl_id student, sl_time start,
                       int64_t duration, int64_t credits, const char *key, sl_time now)
{
    return book_single(db, out, SL__OP_MANUAL, tenant, student, start, duration, credits, key, now);
}

/* Collects the sessions of a series (replays of batches and series). */
static int collect_series(void *page, const sl_session *s)
{
    sl_session x = *s;
    x.replayed = 1;
    sl__page_put(page, &x);
    return 0; /* every member is counted */
}

static int cmp_session_id(const void *a, const void *b)
{
    const sl_session *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* The store yields a series by (start, id); a replay must answer like the
 * original call, whose out[] followed the request (batches need not be in
 * time order, and a member may have been rescheduled since). Sessions of a
 * series are inserted in request order in one transaction, so id order is
 * request order. */
static int series_load(sl_db *db, sl__page *c, sl_id tenant, sl_id series)
{
    int rc = sl__st_sessions_by_series(db, tenant, series, collect_series, c);
    if (rc == SL_OK && c->out)
        qsort(c->out, c->n < c->cap ? c->n : c->cap, sizeof(sl_session), cmp_session_id);
    return rc;
}

int sl__series_link(sl_db *db, sl_session *s, size_t n)
{
    int rc;
    for (size_t i = 0; i < n; i++) {
        s[i].series_id = s[0].id;
        if ((rc = sl__session_write(db, &s[i], 0)) != SL_OK) /* booked already */
            return rc;
    }
    return SL_OK;
}

/* The fingerprints (tagged and legacy) of a batch, into q. */
static void many_fingerprint(sl__idem *q, const sl_booking *bookings, size_t n)
{
    sl__fp fp;
    memset(q, 0, sizeof(*q));
    q->op = SL__OP_MANY;
    sl__fp_begin(&fp, SL__OP_MANY);
    sl__fp_i64(&fp, (int64_t)n);
    for (size_t k = 0; k < n; k++) {
        sl__fp_i64(&fp, bookings[k].student);
        sl__fp_i64(&fp, bookings[k].start);
        sl__fp_i64(&fp, bookings[k].duration);
        sl__fp_i64(&fp, bookings[k].credits);
    }
    sl__fp_end(&fp, q->fp);
    sl__fp_legacy_many(q->legacy, bookings, n);
}

/* The fingerprints (tagged and legacy) of a series, into q. */
static void recurring_fingerprint(sl__idem *q, sl_id student, sl_time first_start, int64_t duration, int64_t credits,
                                  uint32_t count, int32_t policy)
{
    sl__fp fp;
    memset(q, 0, sizeof(*q));
    q->op = SL__OP_RECURRING;
    const int64_t v[] = {student, first_start, duration, credits, count, policy};
    sl__fp_begin(&fp, SL__OP_RECURRING);
    sl__fp_i64s(&fp, sizeof(v) / sizeof(v[0]), v);
    sl__fp_end(&fp, q->fp);
    sl__fp_legacy_recurring(q->legacy, student, first_start, duration, credits, count, policy);
}

int sl_book_many(sl_db *db, sl_session *out, size_t *failed_index, sl_id tenant, const sl_booking *bookings,
                 size_t n, const char *key, sl_time now)
{
    static _Thread_local sl_session made[SL_MAX_BATCH];
    sl__idem q;
    size_t i = n;
    int rc, found = 0;
    sl_session orig;

    if ((rc = sl__batch_args(db, failed_index, bookings, n, SL_MAX_BATCH, "sl_book_many", "bookings", tenant)) != SL_OK)
        return rc;
    if ((rc = sl__key_check(db, key, 0)) != SL_OK)
        return rc;
    many_fingerprint(&q, bookings, n);
    book_req r = {bookings[0].student, bookings[0].start, bookings[0].duration, bookings[0].credits};

    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = key_lookup(db, &found, &orig, tenant, key, &q, &r)) != SL_OK)
        goto out_rollback;
    if (found) {
        sl__page sc = {out, 0, n, sizeof(*out)};
        rc = orig.series_id ? series_load(db, &sc, tenant, orig.series_id) : SL_OK;
        sl__tx_rollback(db);
        return rc == SL_OK ? sl__ok(db) : rc;
    }
    for (i = 0; i < n; i++) {
        const sl_booking *b = &bookings[i];
        /* Earlier bookings of the batch are already in the transaction, so
         * the batch cannot conflict with itself either. */
        if ((rc = sl__booking_check(db, tenant, b->student, b->start, b->duration, b->credits, now)) != SL_OK ||
            (rc = sl__slot_check(db, tenant, b->start, b->duration, now, 0)) != SL_OK)
            goto out_rollback;
        if ((rc = sl__session_insert(db, &made[i], tenant, b->student, b->start, b->duration, b->credits,
                                 SL_KIND_REGULAR, SL_STATUS_PENDING, i == 0 ? key : NULL, q.fp, now)) != SL_OK)
            goto out_rollback;
    }
    i = n;
    if ((rc = sl__series_link(db, made, n)) != SL_OK)
        goto out_rollback;
    if ((rc = sl__tx_commit(db)) != SL_OK)
        return rc;
    if (out)
        memcpy(out, made, n * sizeof(*out));
    return sl__ok(db);

out_rollback:
    if (failed_index)
        *failed_index = i;
    sl__tx_rollback(db);
    return rc;
}

/* The starts of a weekly series: the same local wall time every week, in
 * the tenant's zone. */
static int series_starts(sl_db *db, sl_time *starts, const sl_tenant *t, sl_time first_start, uint32_t count)
{
    char err[SL__ERRMSG_SIZE];
    const sl__zone *z;
    int rc = sl__zone_load(&z, sl__tz_dir(db->tzdir), t->tz, err, sizeof(err));
    if (rc != SL_OK)
        return sl__err(db, rc, "%s", err);
    int64_t local = first_start + sl__zone_offset(z, first_start);
    for (uint32_t k = 0; k < count; k++)
        starts[k] = sl__zone_to_utc(z, local + (int64_t)k * 7 * 86400, NULL);
    return SL_OK;
}

/* A new series must end by SL_TIME_MAX: SL_ERANGE naming the first
 * occurrence that would not (the starts ascend, so the last decides). */
static int series_range(sl_db *db, const sl_time *starts, uint32_t count, int64_t duration)
{
    if (starts[count - 1] <= SL__TIME_MAX - duration)
        return SL_OK;
    uint32_t k = 0;
    while (starts[k] <= SL__TIME_MAX - duration)
        k++;
    return sl__err(db, SL_ERANGE, "occurrence %u of %u would end past 9999-12-31T23:59:59Z; nothing was booked",
                   k + 1, count);
}

/* The starts a replayed series lacks (those refused when it was booked):
 * copies up to cap into skipped, returns how many there are. */
static size_t series_missing(const sl_session *booked, size_t n, const sl_time *starts, uint32_t count,
                             sl_time *skipped, size_t cap)
{
    size_t nskip = 0;
    for (uint32_t k = 0; k < count; k++) {
        int hit = 0;
        for (size_t j = 0; j < n; j++)
            hit |= booked[j].start == starts[k];
        if (!hit) {
            if (nskip < cap)
                skipped[nskip] = starts[k];
            nskip++;
        }
    }
    return nskip;
}

/* sl_book_recurring's arguments, checked before anything is read. */
static int recurring_args_check(sl_db *db, const sl_session *out, const size_t *n_booked, const sl_time *skipped,
                                size_t skipped_cap, uint32_t count, int32_t policy, const char *key)
{
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!out || !n_booked || (skipped_cap > 0 && !skipped))
        return sl__err(db, SL_EINVAL, "sl_book_recurring: out, n_booked or skipped is NULL");
    if (count == 0 || count > SL_MAX_RECURRING)
        return sl__err(db, SL_EINVAL, "count %u is outside 1..%d", count, SL_MAX_RECURRING);
    if (policy != SL_RECUR_ALL_OR_NOTHING && policy != SL_RECUR_SKIP_CONFLICTS)
        return sl__err(db, SL_EINVAL, "policy %d is neither SL_RECUR_ALL_OR_NOTHING nor SL_RECUR_SKIP_CONFLICTS",
                       (int)policy);
    return sl__key_check(db, key, 0);
}

int sl_book_recurring(sl_db *db, sl_session *out, size_t *n_booked, sl_time *skipped, size_t skipped_cap,
                      size_t *n_skipped, sl_id tenant, sl_id student, sl_time first_start, int64_t duration,
                      int64_t credits, uint32_t count, int32_t policy, const char *key, sl_time now)
{
    static _Thread_local sl_session made[SL_MAX_RECURRING];
    sl_time starts[SL_MAX_RECURRING];
    sl__idem q;
    book_req r = {student, first_start, duration, credits};
    size_t booked = 0, nskip = 0;
    int rc, found = 0;
    sl_session orig;
    sl_tenant t;

    if (n_booked)
        *n_booked = 0;
    if (n_skipped)
        *n_skipped = 0;
    if ((rc = recurring_args_check(db, out, n_booked, skipped, skipped_cap, count, policy, key)) != SL_OK)
        return rc;
    recurring_fingerprint(&q, student, first_start, duration, credits, count, policy);

    if ((rc = sl__tx_begin(db, tenant > 0 ? tenant : 0, 1)) != SL_OK)
        return rc;
    if (tenant > 0 && (rc = key_lookup(db, &found, &orig, tenant, key, &q, &r)) != SL_OK)
        goto out_end_tx;
    if (!found && (rc = sl__booking_check(db, tenant, student, first_start, duration, credits, now)) != SL_OK)
        goto out_end_tx;
    if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK)
        goto out_end_tx;
    if ((rc = series_starts(db, starts, &t, first_start, count)) != SL_OK ||
        (!found && (rc = series_range(db, starts, count, duration)) != SL_OK))
        goto out_end_tx;
    if (found) {
        /* Replay: the series as stored; skipped = the starts it lacks. */
        sl__page sc = {out, 0, count, sizeof(*out)};
        rc = series_load(db, &sc, tenant, orig.series_id);
        sl__tx_rollback(db);
        if (rc != SL_OK)
            return rc;
        booked = sc.n < count ? sc.n : count;
        nskip = series_missing(out, booked, starts, count, skipped, skipped_cap);
        *n_booked = booked;
        if (n_skipped)
            *n_skipped = nskip;
        return sl__ok(db);
    }
    for (uint32_t k = 0; k < count; k++) {
        rc = sl__check_time(db, "start", starts[k]);
        if (rc == SL_OK)
            rc = sl__slot_check(db, tenant, starts[k], duration, now, 0);
        if (rc == SL_ECONFLICT || rc == SL_EUNAVAILABLE) {
            if (policy == SL_RECUR_ALL_OR_NOTHING)
                goto out_end_tx;
            if (nskip < skipped_cap)
                skipped[nskip] = starts[k];
            nskip++;
            continue;
        }
        if (rc != SL_OK)
            goto out_end_tx;
        if ((rc = sl__session_insert(db, &made[booked], tenant, student, starts[k], duration, credits,
                                 SL_KIND_REGULAR, SL_STATUS_PENDING, booked == 0 ? key : NULL, q.fp, now)) != SL_OK)
            goto out_end_tx;
        booked++;
    }
    if (booked)
        rc = sl__series_link(db, made, booked);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    memcpy(out, made, booked * sizeof(*out));
    *n_booked = booked;
    if (n_skipped)
        *n_skipped = nskip;
    return sl__ok(db);
}
