/*
 * slotledger/classes.h - group classes: a session with a capacity, seats
 * that each hold the student's credits, and a first-come waitlist.
 *
 * A class is a session of kind SL_KIND_CLASS (sessions.h) whose `credits`
 * is the price of one seat and whose `student` is 0 (it belongs to no one
 * student). It blocks the teacher's time in sl_slots like any blocking
 * session, and the one conflict predicate (the one sl_book uses) refuses a
 * class that would overlap another blocking session.
 *
 * The guarantees, under any concurrency (threads, processes, servers):
 *  - never more taken seats (seated, present, no-show) than the capacity;
 *  - at most one place (seated, waitlisted or no-show) per student per
 *    class: a no-show keeps the place, its seat stays taken and stays the
 *    student's (the class is not re-opened for it);
 *  - a seated student holds exactly credits_per_seat (one credit hold per
 *    seat, placed in the same transaction as the seat), a waitlisted one
 *    holds nothing;
 *  - the waitlist is first come, first served: when a seat frees, the
 *    first waitlisted student whose account can cover the hold takes it in
 *    the same transaction; students who cannot pay are skipped and keep
 *    their place (a later free seat tries them again).
 * Every call checks and writes inside one write transaction that excludes
 * every other writer of the tenant; a failed call writes nothing.
 *
 * The existing session calls work on a class too (they dispatch on the
 * kind), so a host needs no second set of them:
 *  - sl_confirm: pending -> confirmed (seats unchanged);
 *  - sl_cancel: the class is cancelled, every seated student's hold is
 *    released (late-cancel window or not: the teacher cancelled) and every
 *    seat and waitlist place ends as SL_SEAT_CANCELLED, except a no-show's
 *    seat: it stays SL_SEAT_NO_SHOW (its hold was captured) and taken;
 *  - sl_complete: every seated student becomes present and their hold is
 *    captured; no-show seats were captured already;
 *  - sl_mark_no_show on a class is SL_EINVAL (use sl_class_no_show: it is a
 *    student's outcome, not the class's);
 *  - sl_reschedule moves the class and with it every seat (seats belong to
 *    the class, not to a time); like a manual session it skips availability
 *    and grid, but the conflict predicate is re-checked (SL_ECONFLICT);
 *  - sl_soft_delete releases every seated student's hold (seats and
 *    waitlist kept as they are); sl_restore re-checks conflicts and holds
 *    credits_per_seat again for every seated student, all or nothing
 *    (SL_ECONFLICT / SL_EINSUFFICIENT leave the class deleted); a seat
 *    whose hold the host captured (sl_hold_capture) is paid and held
 *    nothing again, as for a session;
 *  - sl_purge of sessions removes a purged class's row and every seat and
 *    waitlist place with it, in the same transaction (their keys become
 *    free; seat ids are never reused). Holds and ledger entries stay, as
 *    for any purged session.
 * Every seat change (enroll, promotion, withdrawal, no-show, the end of a
 * class) appends a seat event of the class session to the calendar-sync
 * outbox (outbox.h: SL_EVENT_SEATED .. SL_EVENT_SEAT_CANCELLED, its student
 * the one whose place changed) inside the transaction of the change.
 *
 * Idempotency keys (1..SL_KEY_MAX bytes, or NULL) follow sessions.h: one
 * key space per tenant shared with every keyed call; sl_class_create,
 * sl_class_enroll and sl_class_withdraw are three distinct operations
 * there (a key of one refused by the others and by bookings and posts with
 * SL_EIDEMPOTENCY naming the owner). A replay returns SL_OK and the
 * original result (replayed = 1) even when the class has changed since.
 *
 * A store needs the version-3 class methods (sys/store.h) for any of this:
 * without them every class call is SL_EMISUSE. Thread-safety: as every
 * call on a handle (one thread at a time per handle).
 */
#ifndef SLOTLEDGER_CLASSES_H
#define SLOTLEDGER_CLASSES_H

#include "slotledger/common.h"
#include "slotledger/sessions.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_CLASS_CAPACITY_MAX 1000 /**< most seats of one class */

/** Flag of sl_class_enroll: when the class is full, join its waitlist
 * instead of failing with SL_EFULL. */
#define SL_WAITLIST 0x1u

/* Seat statuses (the list SL_SEAT_STATUSES in codes.h). */
#define SL_SEAT_SEATED     1 /**< has a seat and holds credits_per_seat */
#define SL_SEAT_WAITLISTED 2 /**< waits for a seat, holds nothing */
#define SL_SEAT_WITHDRAWN  3 /**< left (sl_class_withdraw) */
#define SL_SEAT_PRESENT    4 /**< attended: the class completed, hold captured */
#define SL_SEAT_NO_SHOW    5 /**< did not come (sl_class_no_show), hold captured */
#define SL_SEAT_CANCELLED  6 /**< the class was cancelled, hold released */

#define SL_CLASS_VERSION 1
/** The class's own row, next to its session (same id). */
typedef struct sl_class {
    unsigned int version;     /**< SL_CLASS_VERSION */
    int32_t capacity;         /**< 1..SL_CLASS_CAPACITY_MAX */
    sl_id id;                 /**< the class session's id */
    sl_id tenant;
    int64_t credits_per_seat; /**< 0 = free */
    int32_t taken;            /**< seats taken: seated, present or no-show (<= capacity) */
    int32_t waitlisted;       /**< length of the waitlist */
    int64_t last_position;    /**< the highest seat position handed out */
} sl_class;

#define SL_SEAT_VERSION 1
/** One student's place in a class: a seat or a waitlist place. */
typedef struct sl_seat {
    unsigned int version;     /**< SL_SEAT_VERSION */
    int32_t status;           /**< SL_SEAT_* */
    sl_id id;
    sl_id tenant;
    sl_id class_id;           /**< the class session */
    sl_id student;
    int64_t position;         /**< first-come order within the class, from 1 */
    sl_id hold_id;            /**< the seat's credit hold, 0 = none */
    sl_time created_at;
    sl_time updated_at;
    int32_t replayed;         /**< 1 when the call replayed its key */
    int32_t reserved;         /**< 0 */
    char key[SL_KEY_MAX + 1];          /**< sl_class_enroll's key, "" = none */
    uint8_t request_hash[16];          /**< its request fingerprint */
    char withdraw_key[SL_KEY_MAX + 1]; /**< sl_class_withdraw's key, "" = none */
    uint8_t withdraw_hash[16];         /**< its request fingerprint */
} sl_seat;

/**
 * Create a class of `duration` seconds (60..86400) at `start` with
 * `capacity` seats (1..SL_CLASS_CAPACITY_MAX) at `credits_per_seat`
 * credits each (0..INT32_MAX). Teacher-made: availability, grid, notice
 * and horizon do not apply, but the class must not overlap (with the
 * tenant's buffers) another blocking session: SL_ECONFLICT naming it.
 * Status confirmed. out (may be NULL) receives the class's session (kind
 * SL_KIND_CLASS, credits = credits_per_seat, student 0); sl_class_get
 * reads its sl_class row.
 * Errors: SL_EINVAL (NULL db, ids <= 0, capacity or credits out of range,
 * bad duration or key, the message naming the field), SL_ENOTFOUND
 * (tenant), SL_ECONFLICT, SL_EIDEMPOTENCY, SL_EMISUSE (store without
 * classes), SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_class_create(sl_db *db, sl_session *out, sl_id tenant, sl_time start,
                           int64_t duration, int32_t capacity, int64_t credits_per_seat, const char *key,
                           sl_time now);

/**
 * Read class_id's row (its session through sl_session_get). Deleted classes
 * only with SL_INCLUDE_DELETED in flags. Errors: SL_EINVAL, SL_ENOTFOUND
 * (also for a session that is not a class), SL_EMISUSE, SL_ESTORE.
 */
SL_API int sl_class_get(sl_db *db, sl_class *out, sl_id tenant, sl_id class_id, uint32_t flags);

/**
 * Enroll student in class_id: a seat with a credit hold of
 * credits_per_seat (none when 0), in one transaction. When every seat is
 * taken: SL_EFULL, or with SL_WAITLIST in flags a waitlist place (status
 * SL_SEAT_WAITLISTED, no hold, no credit check: payment is checked when a
 * seat frees). seat (may be NULL) receives the seat.
 * Errors: SL_EINVAL (NULL db, ids <= 0, unknown flags, bad key, a session
 * that is not a class), SL_ENOTFOUND (tenant, class, deleted class, or a
 * deleted account when a hold is needed), SL_ESTATE (class cancelled or
 * completed), SL_EEXISTS (the student already has a seat or waitlist place
 * in this class, or was marked a no-show in it), SL_EFULL, SL_EINSUFFICIENT (the account's floor),
 * SL_EIDEMPOTENCY, SL_EMISUSE, SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_class_enroll(sl_db *db, sl_seat *seat, sl_id tenant, sl_id class_id, sl_id student, uint32_t flags,
                           const char *key, sl_time now);

/**
 * Take student out of class_id. A seated student's hold is released, or
 * captured when `now` is inside the tenant's late_cancel window before the
 * class starts; then, in the same transaction, the waitlist fills every
 * free seat: waitlisted students in position order whose accounts can cover
 * credits_per_seat take one each with a new hold, until the class is full
 * (students who cannot pay keep their place). A seat an earlier withdrawal
 * left free, because nobody waiting could pay then, is offered again here.
 * A waitlisted student simply leaves the waitlist.
 * Errors: SL_EINVAL, SL_ENOTFOUND (tenant, class, or the student has no
 * seat or waitlist place in it), SL_ESTATE (class cancelled or completed,
 * or the student was marked a no-show: that seat stays taken),
 * SL_EIDEMPOTENCY, SL_EMISUSE, SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_class_withdraw(sl_db *db, sl_id tenant, sl_id class_id, sl_id student, const char *key, sl_time now);

/**
 * Mark a seated student of a pending or confirmed class as a no-show:
 * the seat becomes SL_SEAT_NO_SHOW and its hold is captured. The seat stays
 * taken and the student's: it is not offered to the waitlist, and
 * enrolling the student again is SL_EEXISTS, withdrawing SL_ESTATE.
 * seat (may be NULL) receives it. Takes no key: a second call is
 * SL_ESTATE.
 * Errors: SL_EINVAL, SL_ENOTFOUND (class, or no place of the student),
 * SL_ESTATE (waitlisted, already a no-show, or class not pending/confirmed), SL_EMISUSE,
 * SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_class_no_show(sl_db *db, sl_seat *seat, sl_id tenant, sl_id class_id, sl_id student, sl_time now);

/**
 * Every seat of class_id (deleted classes included), in a new array freed
 * with sl_free: first the taken seats (seated, present, no-show) by
 * position, then the waitlist by position (its order of promotion), then
 * ended places (withdrawn, cancelled) by position. *n receives the count
 * (an empty class gives *seats NULL and *n 0).
 * Errors: SL_EINVAL (also for a session that is not a class), SL_ENOTFOUND,
 * SL_ENOMEM, SL_EMISUSE, SL_ESTORE.
 */
SL_API int sl_class_seats(sl_db *db, sl_seat **seats, size_t *n, sl_id tenant, sl_id class_id);

#ifdef __cplusplus
}
#endif

#endif
