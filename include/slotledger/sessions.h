/*
 * slotledger/sessions.h - sessions, booking operations, soft delete.
 *
 * The invariant: sl_book succeeds exactly for the starts that sl_slots lists
 * for the same tenant, duration and now; any other start is SL_ECONFLICT
 * (the footprint overlaps a blocking session) or SL_EUNAVAILABLE (outside
 * availability, off the grid, inside the notice, past the horizon). Each
 * operation checks and writes inside one write transaction that excludes
 * every other writer of the tenant, so two handles or processes can never
 * both take a time. Blocking statuses: pending, confirmed, completed,
 * no_show (not cancelled, not soft-deleted).
 *
 * Idempotency keys (1..SL_KEY_MAX bytes of valid UTF-8, or NULL for none;
 * keys starting with "sl:" are reserved for the library's own entries, such
 * as a session's capture "sl:session:<id>:capture"). Each tenant has ONE key
 * space, shared by every keyed operation: sl_book, sl_book_trial,
 * sl_schedule_manual, sl_book_many, sl_book_recurring, sl_ledger_post,
 * sl_ledger_post_many, sl_hold and sl_hold_capture (sl_hold_release takes no
 * key). A key belongs to the first request that used it, for good:
 *  - the same operation with the same request is a replay: SL_OK, the
 *    original result, replayed = 1;
 *  - the same operation with another request is SL_EIDEMPOTENCY, the
 *    message naming the field that differs;
 *  - any other operation is SL_EIDEMPOTENCY, the message naming the owner
 *    ("idempotency key "K" belongs to a hold capture (entry 12); this
 *    request is a ledger post"), even when it would be stored elsewhere
 *    (a hold's key reused by its capture, a post's by a booking).
 * sl_ledger_post and sl_ledger_post_many are different operations here.
 * The key check comes first, inside the write transaction, and writes
 * nothing when it refuses.
 */
#ifndef SLOTLEDGER_SESSIONS_H
#define SLOTLEDGER_SESSIONS_H

#include "slotledger/common.h"
#include "slotledger/slots.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_MAX_RECURRING 52      /**< most occurrences of sl_book_recurring */
#define SL_MAX_BATCH 100         /**< most bookings in one sl_book_many */

/* Session status. */
#define SL_STATUS_PENDING   1
#define SL_STATUS_CONFIRMED 2
#define SL_STATUS_CANCELLED 3
#define SL_STATUS_COMPLETED 4
#define SL_STATUS_NO_SHOW   5

/* Session kind. */
#define SL_KIND_REGULAR 1
#define SL_KIND_TRIAL   2
#define SL_KIND_MANUAL  3
#define SL_KIND_CLASS   4  /**< a group class (slotledger/classes.h) */

#define SL_SESSION_VERSION 1
typedef struct sl_session {
    unsigned int version;        /**< SL_SESSION_VERSION */
    int32_t status;              /**< SL_STATUS_* */
    sl_id id;
    sl_id tenant;
    sl_id student;
    sl_time start;
    sl_time end;                 /**< start < end <= start + 86400 */
    int32_t kind;                /**< SL_KIND_* */
    int32_t replayed;            /**< 1 when a booking call replayed its key */
    int64_t credits;             /**< credits the session costs (held at booking) */
    sl_id hold_id;               /**< ledger hold, 0 = none */
    sl_id series_id;             /**< recurring series (the first session's id), 0 = none */
    sl_time created_at;
    sl_time updated_at;
    sl_time deleted_at;          /**< 0 = live */
    char key[SL_KEY_MAX + 1];    /**< idempotency key, "" = none */
    uint8_t request_hash[16];    /**< fingerprint of the booking request */
} sl_session;

/** One booking of sl_book_many. */
typedef struct sl_booking {
    sl_id student;
    sl_time start;
    int64_t duration;
    int64_t credits;
} sl_booking;

/**
 * Book a regular session of `duration` seconds at `start` for student,
 * status pending; with credits > 0 a credit hold is placed in the same
 * transaction. out (may be NULL) receives the session.
 * Errors: SL_EINVAL (NULL db, ids <= 0, duration outside 60..86400,
 * credits < 0, bad key), SL_ENOTFOUND (tenant, or with credits > 0 a
 * soft-deleted account, the message saying so), SL_EUNAVAILABLE,
 * SL_ECONFLICT, SL_EIDEMPOTENCY, SL_EINSUFFICIENT, SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_book(sl_db *db, sl_session *out, sl_id tenant, sl_id student, sl_time start,
                   int64_t duration, int64_t credits, const char *key, sl_time now);

/**
 * Book n regular sessions all or nothing (they must not conflict with one
 * another either). out (may be NULL) receives n sessions. On failure
 * *failed_index (may be NULL) names the booking that failed (n for a
 * failure not tied to one) and nothing is written.
 * Errors: as sl_book; SL_EINVAL for n == 0 or n > SL_MAX_BATCH.
 */
SL_API int sl_book_many(sl_db *db, sl_session *out, size_t *failed_index, sl_id tenant,
                        const sl_booking *bookings, size_t n, const char *key, sl_time now);

/**
 * Book a free trial (kind trial, no credits). One live trial per student
 * per tenant: a second is SL_ESTATE while the first is not cancelled or
 * deleted. Otherwise as sl_book.
 */
SL_API int sl_book_trial(sl_db *db, sl_session *out, sl_id tenant, sl_id student, sl_time start,
                         int64_t duration, const char *key, sl_time now);

/**
 * A teacher-made session (kind manual, status confirmed): skips
 * availability, grid, notice and horizon, and never conflicts. Errors:
 * SL_EINVAL, SL_ENOTFOUND, SL_EIDEMPOTENCY, SL_EINSUFFICIENT, SL_ESTORE.
 */
SL_API int sl_schedule_manual(sl_db *db, sl_session *out, sl_id tenant, sl_id student,
                              sl_time start, int64_t duration, int64_t credits,
                              const char *key, sl_time now);

/**
 * Move a pending or confirmed session to new_start, keeping its duration
 * and hold, atomically. The session does not conflict with itself; the new
 * start must be a slot by the rules of sl_book (manual sessions skip them).
 * Errors: SL_ENOTFOUND, SL_ESTATE, SL_EUNAVAILABLE, SL_ECONFLICT, ...
 */
SL_API int sl_reschedule(sl_db *db, sl_session *out, sl_id tenant, sl_id session,
                         sl_time new_start, sl_time now);

/* Policies of sl_book_recurring. */
#define SL_RECUR_ALL_OR_NOTHING 0
#define SL_RECUR_SKIP_CONFLICTS 1

/**
 * Book `count` weekly sessions starting at first_start, each at the same
 * local wall time in the tenant's zone (across DST changes). With
 * SL_RECUR_ALL_OR_NOTHING any refusal fails the whole call; with
 * SL_RECUR_SKIP_CONFLICTS refused occurrences are skipped and reported in
 * skipped (cap skipped_cap; may be NULL when 0), the rest booked.
 * out receives the booked sessions (room for count). All booked sessions
 * share series_id = the first booked session's id.
 * Errors: SL_EINVAL (count 0 or > SL_MAX_RECURRING, bad policy), SL_ERANGE
 * (an occurrence would end past SL_TIME_MAX, 9999-12-31T23:59:59Z: the whole
 * call is refused whatever the policy, nothing booked), and those of
 * sl_book. An idempotency key covers the whole series.
 */
SL_API int sl_book_recurring(sl_db *db, sl_session *out, size_t *n_booked,
                             sl_time *skipped, size_t skipped_cap, size_t *n_skipped,
                             sl_id tenant, sl_id student, sl_time first_start,
                             int64_t duration, int64_t credits, uint32_t count,
                             int32_t policy, const char *key, sl_time now);

/** pending -> confirmed. Errors: SL_ENOTFOUND, SL_ESTATE. */
SL_API int sl_confirm(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now);
/** pending/confirmed -> cancelled; voids the hold, or captures it when
 * cancelled within the tenant's late_cancel window before the start.
 * Like sl_complete, sl_mark_no_show and deleting the session, this works
 * when the student's account is soft-deleted: its holds still resolve (a
 * capture posts its consume entry), so its sessions never block time for
 * good. A hold the host already resolved is left as it is.
 * Errors: SL_EINVAL, SL_ENOTFOUND (session), SL_ESTATE, SL_ESTORE, SL_EBUSY. */
SL_API int sl_cancel(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now);
/** pending/confirmed -> completed; captures the hold. Errors: as sl_cancel. */
SL_API int sl_complete(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now);
/** pending/confirmed -> no_show; captures the hold. Errors: as sl_cancel. */
SL_API int sl_mark_no_show(sl_db *db, sl_session *out, sl_id tenant, sl_id session, sl_time now);

/** Read one session (deleted only with SL_INCLUDE_DELETED). */
SL_API int sl_session_get(sl_db *db, sl_session *out, sl_id tenant, sl_id session, uint32_t flags);

/** Sessions overlapping [from, to) sorted by (start, id), in a new array
 * freed with sl_free. The range may span at most 366 days (SL_ERANGE). */
SL_API int sl_sessions_list(sl_db *db, sl_session **out, size_t *count, sl_id tenant,
                            sl_time from, sl_time to, uint32_t flags);

/** A student's sessions sorted by (start, id), in a new array freed with
 * sl_free: those booked for the student (sl_session.student). A group
 * class holds its students in seats (slotledger/classes.h), not in its
 * session, so the classes a student is seated in are not listed here. */
SL_API int sl_sessions_by_student(sl_db *db, sl_session **out, size_t *count, sl_id tenant,
                                  sl_id student, uint32_t flags);

/* Soft-deletable entities. */
#define SL_ENTITY_RULE     1
#define SL_ENTITY_OVERRIDE 2
#define SL_ENTITY_SESSION  3
#define SL_ENTITY_ACCOUNT  4

/**
 * Soft delete: set deleted_at = now (now > 0); reads hide the row unless
 * asked. A deleted session stops blocking time and its active credit hold
 * is released. Deleting a deleted row is SL_ESTATE. For accounts, id is the
 * student; a deleted account takes nothing new: posts, holds and bookings
 * with credits are SL_ENOTFOUND, the message saying the account is deleted,
 * and write nothing. What it already holds still resolves: its holds stay
 * active until its sessions are cancelled, completed, marked no-show or
 * deleted, or the host captures or releases them (sl_hold_capture posts
 * its entry), and its lapsed holds expire as usual. Its entries stay.
 * Errors: SL_EINVAL, SL_ENOTFOUND, SL_ESTATE.
 */
SL_API int sl_soft_delete(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now);

/**
 * Undo a soft delete. A restored blocking session re-checks conflicts
 * (SL_ECONFLICT leaves it deleted), a restored trial the one-live-trial
 * rule (SL_ESTATE), and a restored pending or confirmed session with
 * credits reserves them again (SL_EINSUFFICIENT, or SL_ENOTFOUND while
 * the student's account is deleted, leaves it deleted). A restored account
 * takes posts, holds and bookings again. Restoring a live row is SL_ESTATE.
 */
SL_API int sl_restore(sl_db *db, sl_id tenant, int32_t entity, sl_id id, sl_time now);

/**
 * Hard-delete every row of entity soft-deleted before `before`, across all
 * tenants; *purged (may be NULL) receives the count. Ledger entries are
 * never deleted; purging accounts is SL_EINVAL, so the account of a hold
 * always exists to resolve it; a purged session had its hold resolved when
 * it was deleted. Errors: SL_EINVAL, SL_ESTORE.
 */
SL_API int sl_purge(sl_db *db, size_t *purged, int32_t entity, sl_time before);

#ifdef __cplusplus
}
#endif

#endif
