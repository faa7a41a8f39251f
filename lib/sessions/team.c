/*
 * lib/sessions/team.c - who is free at one time (sl_free_at) and booking
 * a team (sl_book_any, sl_book_all). Every per-tenant answer is the one
 * slot predicate (sl__slot_classify / sl__slot_check, shared with sl_slots
 * and sl_book); this file only adds the list, the choice and the locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idem.h"
#include "sessions_internal.h"
#include "slots/many.h"

/* Half of the window of the fairness count: sessions overlapping
 * [start - 7 days, start + 7 days) (teams.h). */
#define FAIR_HALF ((sl_time)7 * 86400)

/* ---- sl_free_at ---------------------------------------------------------- */

static int free_at_check(sl_db *db, const sl_id *tenants, size_t n, sl_time start, int64_t duration, sl_time now)
{
    int rc;
    if ((rc = sl__team_list_check(db, "sl_free_at", tenants, n, SL_MAX_TEAM)) != SL_OK ||
        (rc = sl__check_duration(db, duration)) != SL_OK || (rc = sl__check_time(db, "start", start)) != SL_OK ||
        (rc = sl__check_time(db, "end", start + duration)) != SL_OK || (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    return SL_OK;
}

/* Inside a transaction: status[i] for every tenant; SL_OK or a store error. */
/* What the walk over the tenants fills. */
typedef struct free_walk {
    sl_db *db;
    int32_t *status;
    size_t n_free;
    sl_time start, now;
    int64_t duration;
} free_walk;

/* Whether one tenant can take the slot: the one predicate (the engine's
 * check over the rows sl__slot_classify would read for it alone). */
static int free_one(void *ctx, size_t i, int st, const sl__avail_rows *rows)
{
    free_walk *w = ctx;
    sl__avail a;
    int verdict = st;
    if (st == SL_OK) {
        int rc = sl__slot_classify_rows(w->db, &a, &verdict, rows, w->start, w->duration, w->now);
        if (rc != SL_OK)
            return rc;
        if (verdict != SL_OK && verdict != SL_ECONFLICT && verdict != SL_EUNAVAILABLE)
            return sl__err(w->db, verdict, "slot engine refused the input of tenant %lld (%s)",
                           (long long)rows->tenant->id, sl_strerror(verdict));
    }
    w->status[i] = verdict;
    w->n_free += verdict == SL_OK;
    return SL_OK;
}

static int free_at_fill(sl_db *db, int32_t *status, const sl_id *tenants, size_t n, sl_time start,
                        int64_t duration, sl_time now, size_t *n_free)
{
    free_walk w = {db, status, 0, start, now, duration};
    int rc = sl__avail_each(db, tenants, n, start, start + 1, duration, free_one, &w);
    *n_free = w.n_free;
    return rc;
}

int sl_free_at(sl_db *db, sl_free_at_result **out, const sl_id *tenants, size_t n, sl_time start,
               int64_t duration, sl_time now)
{
    size_t n_free = 0;
    int rc;
    SL__CLEAR_OUT(out);
    if ((rc = sl__team_out_check(db, "sl_free_at", out)) != SL_OK)
        return rc;
    if ((rc = free_at_check(db, tenants, n, start, duration, now)) != SL_OK)
        return rc;
    /* One block: the struct, tenants, free (both at most n ids), status. */
    size_t at_t = sl__align8(sizeof(sl_free_at_result)), at_free = at_t + n * sizeof(sl_id),
           at_status = at_free + n * sizeof(sl_id);
    unsigned char *blk = calloc(1, at_status + n * sizeof(int32_t));
    if (!blk)
        return sl__err(db, SL_ENOMEM, "out of memory for the answers of %zu tenants", n);
    sl_free_at_result *r = (sl_free_at_result *)(void *)blk;
    sl_id *t = (sl_id *)(void *)(blk + at_t), *fr = (sl_id *)(void *)(blk + at_free);
    int32_t *status = (int32_t *)(void *)(blk + at_status);
    if ((rc = sl__tx_begin(db, tenants[0], 0)) != SL_OK)
        goto out_free_block;
    rc = free_at_fill(db, status, tenants, n, start, duration, now, &n_free);
    sl__tx_rollback(db); /* read-only */
    if (rc != SL_OK)
        goto out_free_block;
    memcpy(t, tenants, n * sizeof(*t));
    for (size_t i = 0, k = 0; i < n; i++)
        if (status[i] == SL_OK)
            fr[k++] = tenants[i];
    r->version = SL_FREE_AT_VERSION;
    r->n_tenants = n;
    r->n_free = n_free;
    r->tenants = t;
    r->status = status;
    r->free = n_free ? fr : NULL;
    *out = r;
    return sl__ok(db);

out_free_block:
    free(blk);
    return rc;
}

/* ---- booking a team -------------------------------------------------------- */

/* What differs between a team request and the session its key names:
 * a field of the booking, else the list (which the fingerprint holds).
 * Only the first session of a collective booking carries its credits. */
static const char *team_differs(const void *req, const void *row)
{
    const sl_session *s = row;
    book_req r = *(const book_req *)req;
    if (s->series_id && s->id != s->series_id)
        r.credits = s->credits;
    const char *field = sl__session_differs(&r, row);
    return strcmp(field, "request") == 0 ? "tenant list" : field;
}

/* The fingerprint of a team booking: the list (in its order), then the
 * booking's fields. */
static void team_fingerprint(sl__idem *q, sl__op op, const sl_id *tenants, size_t n, const book_req *r,
                             const char *key)
{
    sl__fp fp;
    memset(q, 0, sizeof(*q));
    q->op = op;
    q->key = key;
    q->differs = team_differs;
    q->req = r;
    sl__fp_begin(&fp, op);
    sl__fp_i64(&fp, (int64_t)n);
    for (size_t i = 0; i < n; i++)
        sl__fp_i64(&fp, tenants[i]);
    sl__fp_i64(&fp, r->student);
    sl__fp_i64(&fp, r->start);
    sl__fp_i64(&fp, r->duration);
    sl__fp_i64(&fp, r->credits);
    sl__fp_end(&fp, q->fp);
    /* q->legacy stays zero: these kinds were tagged from the start. */
}

/* The write transaction of a team: it must exclude every other writer of
 * each listed tenant. The locks are taken in ascending id order
 * (sl__tx_begin_tenants), so that no two team calls wait for each other in
 * a cycle. */
static int team_tx_begin(sl_db *db, const sl_id *tenants, size_t n)
{
    if (n == 1)
        return sl__tx_begin(db, tenants[0], 1);
    sl_id *sorted = malloc(n * sizeof(*sorted));
    if (!sorted)
        return sl__err(db, SL_ENOMEM, "out of memory sorting %zu tenants", n);
    memcpy(sorted, tenants, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), sl__cmp_id);
    int rc = sl__tx_begin_tenants(db, sorted, n);
    free(sorted);
    return rc;
}

/* Every listed tenant must exist (inside the transaction). */
static int team_tenants_exist(sl_db *db, const sl_id *tenants, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++) {
        sl_tenant t;
        int rc = sl__tenant_load(db, &t, tenants[i]);
        if (rc != SL_OK) {
            *bad = i;
            return rc;
        }
    }
    return SL_OK;
}

/* The first steps of a team booking `what` (op): the list (at most max
 * tenants) and the key, the request's fingerprint into q, and the write
 * transaction. */
static int team_begin(sl_db *db, sl__idem *q, sl__op op, const char *what, const sl_id *tenants, size_t n,
                      size_t max, const book_req *r, const char *key)
{
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "%s: db is NULL", what);
    if ((rc = sl__team_list_check(db, what, tenants, n, max)) != SL_OK || (rc = sl__key_check(db, key, 0)) != SL_OK)
        return rc;
    team_fingerprint(q, op, tenants, n, r, key);
    return team_tx_begin(db, tenants, n);
}

typedef struct count_ctx {
    size_t n;
} count_ctx;

static int count_session(void *ctx, const sl_session *s)
{
    (void)s;
    ((count_ctx *)ctx)->n++;
    return 0;
}

/* Why no tenant of sl_book_any is free: how many had the start but were
 * taken; the first whose zone cannot be read (n: none) and why. */
typedef struct none_why {
    size_t taken;
    size_t no_zone;
    char zone_msg[256];
} none_why;

/* The fairness choice of sl_book_any among the tenants free at start:
 * fewest blocking sessions around it, then lowest id. *chosen = n when no
 * tenant is free, *why saying why. A tenant whose zone cannot be read is
 * not free (sl_free_at's SL_ETZ), as one outside its availability. */
static int choose_tenant(sl_db *db, size_t *chosen, none_why *why, const sl_id *tenants, size_t n,
                         sl_time start, int64_t duration, sl_time now)
{
    size_t best_count = 0;
    *chosen = n;
    why->taken = 0;
    why->no_zone = n;
    for (size_t i = 0; i < n; i++) {
        sl__avail a;
        int verdict = SL_OK, rc = sl__slot_classify(db, &a, &verdict, tenants[i], start, duration, now, 0);
        if (rc == SL_ETZ) { /* not free; the first such tenant names the cause */
            if (why->no_zone == n) {
                why->no_zone = i;
                snprintf(why->zone_msg, sizeof(why->zone_msg), "%s", sl_errmsg(db));
            }
            continue;
        }
        if (rc != SL_OK)
            return rc;
        why->taken += verdict == SL_ECONFLICT;
        if (verdict != SL_OK)
            continue;
        count_ctx c = {0};
        if ((rc = sl__st_sessions_scan(db, tenants[i], start - FAIR_HALF, start + FAIR_HALF,
                                       sl__blocking_scan() | SL_SCAN_TIMES_ONLY, count_session, &c)) != SL_OK)
            return rc;
        if (*chosen == n || c.n < best_count || (c.n == best_count && tenants[i] < tenants[*chosen])) {
            *chosen = i;
            best_count = c.n;
        }
    }
    return SL_OK;
}

/* The refusal when no tenant is free: taken (SL_ECONFLICT) before an
 * unreadable zone (SL_ETZ) before unavailable. */
static int none_free(sl_db *db, const none_why *why, const sl_id *tenants, size_t n, sl_time start,
                     int64_t duration)
{
    char slot[64];
    sl__slot_text(slot, sizeof(slot), start, start + duration);
    if (why->taken)
        return sl__err(db, SL_ECONFLICT, "slot %s is taken for every one of the %zu tenants (of %zu) that offer it",
                       slot, why->taken, n);
    if (why->no_zone < n)
        return sl__err(db, SL_ETZ, "none of the %zu tenants can take slot %s; the zone of tenant %lld cannot be "
                       "read: %s", n, slot, (long long)tenants[why->no_zone], why->zone_msg);
    return sl__err(db, SL_EUNAVAILABLE, "none of the %zu tenants offers slot %s (availability, grid, notice or "
                   "horizon)", n, slot);
}

/* The key of a team booking, looked up in every listed tenant: *found
 * counts the tenants where it is a replay of this request (their sessions
 * into out[i] when out is not NULL, else into *one). With replay_wins
 * (sl_book_any: one tenant holds the booking's key) a tenant whose key is
 * another request's does not hide a replay in another listed tenant (keys
 * are per tenant: the tenants not chosen may use the key since); without a
 * replay, the first such tenant's refusal is the answer, looked up again
 * for its message. A store failure sets *at (when not NULL) to the index
 * of the tenant being read. */
static int team_key_lookup(sl_db *db, sl__idem *q, const sl_id *tenants, size_t n, sl_session *out,
                           sl_session *one, size_t *found, int replay_wins, size_t *at)
{
    size_t refused = n;
    *found = 0;
    for (size_t i = 0; q->key && i < n; i++) {
        int rc = sl__idem_lookup(db, q, tenants[i]);
        if (rc == SL_EIDEMPOTENCY && replay_wins) {
            if (refused == n)
                refused = i;
            continue;
        }
        if (rc != SL_OK && rc != SL_EIDEMPOTENCY && at)
            *at = i;
        if (rc != SL_OK)
            return rc;
        if (q->found != SL__IDEM_SESSION)
            continue;
        (*found)++;
        *(out ? &out[i] : one) = q->session;
    }
    return *found == 0 && refused < n ? sl__idem_lookup(db, q, tenants[refused]) : SL_OK;
}

int sl_book_any(sl_db *db, sl_session *out, const sl_id *tenants, size_t n, sl_id student, sl_time start,
                int64_t duration, int64_t credits, const char *key, sl_time now)
{
    book_req r = {student, start, duration, credits};
    sl__idem q;
    sl_session s;
    size_t found = 0, chosen = n, bad = n;
    none_why why;
    int rc;

    if ((rc = team_begin(db, &q, SL__OP_BOOK_ANY, "sl_book_any", tenants, n, SL_MAX_TEAM, &r, key)) != SL_OK)
        return rc;
    /* The key first: a replay names the tenant chosen the first time. */
    if ((rc = team_key_lookup(db, &q, tenants, n, NULL, &s, &found, 1, NULL)) != SL_OK)
        goto out_end_tx;
    if (found) {
        sl__tx_rollback(db);
        if (out)
            *out = s;
        return sl__ok(db);
    }
    if ((rc = sl__booking_check(db, tenants[0], student, start, duration, credits, now)) != SL_OK)
        goto out_end_tx;
    if ((rc = team_tenants_exist(db, tenants, n, &bad)) != SL_OK)
        goto out_end_tx;
    if ((rc = choose_tenant(db, &chosen, &why, tenants, n, start, duration, now)) != SL_OK)
        goto out_end_tx;
    if (chosen == n) {
        rc = none_free(db, &why, tenants, n, start, duration);
        goto out_end_tx;
    }
    rc = sl__session_insert(db, &s, tenants[chosen], student, start, duration, credits, SL_KIND_REGULAR,
                            SL_STATUS_PENDING, key, q.fp, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (out)
        *out = s;
    return sl__ok(db);
}

/* Checks and inserts the sessions of a collective booking (inside the
 * transaction); *failed receives the index of a tenant that refused. */
static int book_all_write(sl_db *db, sl_session *made, size_t *failed, const sl_id *tenants, size_t n,
                          const book_req *r, const sl__idem *q, const char *key, sl_time now)
{
    int rc;
    for (size_t i = 0; i < n; i++) {
        if ((rc = sl__slot_check(db, tenants[i], r->start, r->duration, now, 0)) != SL_OK) {
            *failed = i;
            return rc;
        }
    }
    for (size_t i = 0; i < n; i++) {
        /* One hold, on the first tenant's account: tenants[0]'s session
         * carries it and the credits; the others carry none. */
        if ((rc = sl__session_insert(db, &made[i], tenants[i], r->student, r->start, r->duration,
                                     i == 0 ? r->credits : 0, SL_KIND_REGULAR, SL_STATUS_PENDING, key, q->fp,
                                     now)) != SL_OK) {
            *failed = i;
            return rc;
        }
    }
    return sl__series_link(db, made, n);
}

int sl_book_all(sl_db *db, sl_session *out, size_t *failed_index, const sl_id *tenants, size_t n, sl_id student,
                sl_time start, int64_t duration, int64_t credits, const char *key, sl_time now)
{
    static _Thread_local sl_session made[SL_MAX_TEAM_BOOK];
    book_req r = {student, start, duration, credits};
    sl__idem q;
    size_t found = 0, failed = n;
    int rc;

    if (failed_index)
        *failed_index = n;
    if ((rc = team_begin(db, &q, SL__OP_BOOK_ALL, "sl_book_all", tenants, n, SL_MAX_TEAM_BOOK, &r, key)) != SL_OK)
        return rc;
    if ((rc = team_key_lookup(db, &q, tenants, n, made, NULL, &found, 0, &failed)) != SL_OK)
        goto out_end_tx;
    if (found == n) {
        sl__tx_rollback(db);
        if (out)
            memcpy(out, made, n * sizeof(*out));
        return sl__ok(db);
    }
    if (found) {
        rc = sl__err(db, SL_EIDEMPOTENCY, "idempotency key \"%s\" names a collective booking of %zu of these %zu "
                     "tenants only", key, found, n);
        goto out_end_tx;
    }
    if ((rc = sl__booking_check(db, tenants[0], student, start, duration, credits, now)) != SL_OK ||
        (rc = team_tenants_exist(db, tenants, n, &failed)) != SL_OK)
        goto out_end_tx;
    rc = book_all_write(db, made, &failed, tenants, n, &r, &q, key, now);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK) {
        if (failed_index)
            *failed_index = failed;
        return rc;
    }
    if (out)
        memcpy(out, made, n * sizeof(*out));
    return sl__ok(db);
}
