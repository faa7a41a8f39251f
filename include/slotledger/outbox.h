/*
 * slotledger/outbox.h - the calendar-sync outbox: every change of a session,
 * as an event appended in the same transaction as the change.
 *
 * Producing: nothing to call. Every operation that changes a session
 * (sl_book, sl_book_many, sl_book_recurring, sl_book_trial,
 * sl_schedule_manual, sl_reschedule, sl_confirm, sl_cancel, sl_complete,
 * sl_mark_no_show, sl_soft_delete and sl_restore of a session, sl_purge of
 * sessions; for classes also sl_class_create and every seat change:
 * sl_class_enroll, sl_class_withdraw, sl_class_no_show, see classes.h)
 * appends one event per session it changed (a class: one more per seat
 * or waitlist place it changed), inside its own write
 * transaction: the event commits exactly when the change does. A call that
 * fails, a call of a group that is rolled back (sl_group_rollback, a failed
 * sl_group_commit) and an idempotent replay append nothing. Each event
 * carries the session's state after the change and a per-session sequence
 * number `seq` (1, 2, 3, ... in the order of the changes), so that applying
 * a session's events in seq order gives its current state, and a consumer
 * that already applied seq N of a session can drop any event of it with
 * seq <= N (delivery is at least once).
 *
 * Consuming: sl_outbox_claim leases due events to a consumer, each with a
 * lease token; the consumer delivers each and calls sl_outbox_ack (done) or
 * sl_outbox_fail (retry later, with exponential backoff and jitter). After
 * the configured number of failures an event is dead: kept, listed by
 * sl_outbox_dead, re-queued by sl_outbox_retry. A lease that lapses (the
 * consumer crashed or is too slow) makes the event claimable again; the
 * old token is then stale and refused (SL_ESTATE). Nothing is lost by a
 * crash of the consumer.
 *
 * Ordering: a claim never hands out an event of a session while an earlier
 * event of that session is not acknowledged (pending, leased, or dead:
 * a dead event holds its session's later events back until it is retried
 * and acknowledged), so at most one event per session is ever leased, and
 * every consumer sees each session's events in seq order.
 *
 * Stores: the memory, SQLite and PostgreSQL stores keep the outbox.
 * SQLite claims under its write lock; PostgreSQL locks the claimed rows
 * (FOR UPDATE SKIP LOCKED), so claims on many connections run
 * concurrently without waiting for each other or for bookings. Either
 * way many processes claim safely: no event is leased twice at once. A
 * custom store without the outbox methods (sys/store.h, version 3
 * "outbox") keeps none: there changes append nothing and every
 * sl_outbox_* call that reads or writes events fails with SL_EMISUSE
 * (sl_outbox_configure and the name functions still work).
 *
 * Events written before the outbox existed: a database opened by an older
 * library has no events for its earlier changes; its sessions' seq numbers
 * start at 1 with their first change afterwards, and sl_purge emits a
 * "purged" event only for sessions whose deletion is in the outbox.
 *
 * Thread-safety: as every call on a handle (one thread at a time). Many
 * handles (threads, processes) may claim from one SQLite file at once.
 */
#ifndef SLOTLEDGER_OUTBOX_H
#define SLOTLEDGER_OUTBOX_H

#include "slotledger/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(macro, value, name): event kinds (sl_outbox_event.kind). Values 10..19
 * are reserved for class and seat events; new kinds are only appended. */
#define SL_OUTBOX_EVENT_KINDS(X)                                                              \
    X(SL_EVENT_BOOKED, 1, "booked")                                                           \
    X(SL_EVENT_RESCHEDULED, 2, "rescheduled")                                                 \
    X(SL_EVENT_CONFIRMED, 3, "confirmed")                                                     \
    X(SL_EVENT_CANCELLED, 4, "cancelled")                                                     \
    X(SL_EVENT_COMPLETED, 5, "completed")                                                     \
    X(SL_EVENT_NO_SHOW, 6, "no_show")                                                         \
    X(SL_EVENT_DELETED, 7, "deleted")                                                         \
    X(SL_EVENT_RESTORED, 8, "restored")                                                       \
    X(SL_EVENT_PURGED, 9, "purged")                                                           \
    X(SL_EVENT_SEATED, 10, "seated")                                                          \
    X(SL_EVENT_WAITLISTED, 11, "waitlisted")                                                  \
    X(SL_EVENT_WITHDRAWN, 12, "withdrawn")                                                    \
    X(SL_EVENT_PRESENT, 13, "present")                                                        \
    X(SL_EVENT_SEAT_NO_SHOW, 14, "seat_no_show")                                              \
    X(SL_EVENT_SEAT_CANCELLED, 15, "seat_cancelled")

#define SL_EVENT_BOOKED      1 /**< created by any booking operation */
#define SL_EVENT_RESCHEDULED 2 /**< start and end moved */
#define SL_EVENT_CONFIRMED   3
#define SL_EVENT_CANCELLED   4
#define SL_EVENT_COMPLETED   5
#define SL_EVENT_NO_SHOW     6
#define SL_EVENT_DELETED     7 /**< soft-deleted: deleted_at set */
#define SL_EVENT_RESTORED    8 /**< soft delete undone: deleted_at 0 */
#define SL_EVENT_PURGED      9 /**< hard-deleted by sl_purge: the session is gone */
/* Seat changes of a group class (classes.h): the event carries the class
 * session's state, with `student` the student whose place changed (the
 * class session's own student is 0); the kind is the place's new status. */
#define SL_EVENT_SEATED         10 /**< took a seat (enrolled, or promoted from the waitlist) */
#define SL_EVENT_WAITLISTED     11 /**< joined the waitlist */
#define SL_EVENT_WITHDRAWN      12 /**< left the class or its waitlist */
#define SL_EVENT_PRESENT        13 /**< attended: the class completed */
#define SL_EVENT_SEAT_NO_SHOW   14 /**< did not come (sl_class_no_show) */
#define SL_EVENT_SEAT_CANCELLED 15 /**< the place ended with the class's cancellation */

/** X(macro, value, name): delivery states (sl_outbox_event.state). */
#define SL_OUTBOX_STATES(X)                                                                   \
    X(SL_OUTBOX_PENDING, 1, "pending")                                                        \
    X(SL_OUTBOX_LEASED, 2, "leased")                                                          \
    X(SL_OUTBOX_ACKED, 3, "acked")                                                            \
    X(SL_OUTBOX_DEAD, 4, "dead")

#define SL_OUTBOX_PENDING 1 /**< waiting; due once available_at <= now */
#define SL_OUTBOX_LEASED  2 /**< claimed by `consumer` until lease_until */
#define SL_OUTBOX_ACKED   3 /**< delivered (sl_outbox_ack) at acked_at */
#define SL_OUTBOX_DEAD    4 /**< failed `attempts` times; kept until retried */

/** Most events one sl_outbox_claim or sl_outbox_dead returns. */
#define SL_OUTBOX_CLAIM_MAX 1000
/** Longest lease, seconds. */
#define SL_OUTBOX_LEASE_MAX 86400
/** Bytes of a consumer name, its NUL included (names are 1..63 bytes). */
#define SL_OUTBOX_CONSUMER_SIZE 64
/** Bytes of the last error message, its NUL included (longer ones are cut
 * at a UTF-8 character boundary). */
#define SL_OUTBOX_ERROR_SIZE 256
/** Tokens are 1 .. SL_OUTBOX_TOKEN_MAX (2^53 - 1, exact in a double). */
#define SL_OUTBOX_TOKEN_MAX 9007199254740991LL

#define SL_OUTBOX_EVENT_VERSION 1
/** One outbox event: a change of one session, and its delivery. */
typedef struct sl_outbox_event {
    unsigned int version;        /**< SL_OUTBOX_EVENT_VERSION */
    int32_t kind;                /**< SL_EVENT_* */
    sl_id id;                    /**< > 0, increasing in the order events were appended (per store) */
    sl_id tenant;
    sl_id session;
    int64_t seq;                 /**< per session: 1, 2, 3, ... in the order of its changes */
    /* The session's state after the change (for SL_EVENT_PURGED: as it
     * was when purged). */
    int32_t status;              /**< SL_STATUS_* */
    int32_t session_kind;        /**< SL_KIND_* */
    sl_id student;
    sl_time start;
    sl_time end;
    int64_t credits;
    sl_time deleted_at;          /**< 0 = live */
    sl_time created_at;          /**< when the change was made (the operation's now) */
    /* Delivery. */
    int32_t state;               /**< SL_OUTBOX_* */
    int32_t attempts;            /**< failures so far (sl_outbox_fail) */
    sl_time available_at;        /**< pending: due from then on */
    sl_time lease_until;         /**< leased: the lease lapses at this instant */
    int64_t token;               /**< leased: the lease token (1..SL_OUTBOX_TOKEN_MAX), else 0 */
    sl_time acked_at;            /**< acked: when, else 0 */
    char consumer[SL_OUTBOX_CONSUMER_SIZE]; /**< last consumer that claimed it, "" = none */
    char error[SL_OUTBOX_ERROR_SIZE];       /**< last failure message, "" = none */
} sl_outbox_event;

#define SL_OUTBOX_OPTIONS_VERSION 1
/** Retry policy of a handle (sl_outbox_configure). */
typedef struct sl_outbox_options {
    unsigned int version;        /**< SL_OUTBOX_OPTIONS_VERSION */
    int32_t attempts;            /**< failures until dead: 1..1000; default 10 */
    int64_t backoff_base;        /**< seconds before the first retry: 1..86400; default 5 */
    int64_t backoff_cap;         /**< longest wait, seconds: backoff_base..2592000 (30 days); default 3600 */
} sl_outbox_options;
#define SL_OUTBOX_OPTIONS_INIT { SL_OUTBOX_OPTIONS_VERSION, 10, 5, 3600 }

/** Counts of sl_outbox_stats (the function; the record is sl_outbox_counts). */
#define SL_OUTBOX_COUNTS_VERSION 1
typedef struct sl_outbox_counts {
    unsigned int version;        /**< SL_OUTBOX_COUNTS_VERSION */
    int32_t reserved;            /**< 0 */
    int64_t due;                 /**< pending with available_at <= now, or leased with a lapsed lease
                                      (some may wait behind an earlier event of their session) */
    int64_t waiting;             /**< pending, backing off (available_at > now) */
    int64_t leased;              /**< leased, lease live */
    int64_t dead;
    int64_t acked;               /**< acknowledged and not yet purged */
    int64_t oldest_age;          /**< now - created_at of the oldest event neither acked nor dead; 0 if none */
} sl_outbox_counts;

/** Fill opts with the defaults. Errors: SL_EINVAL (NULL, unknown version). */
SL_API int sl_outbox_options_init(sl_outbox_options *opts, unsigned int version);

/**
 * Set db's retry policy (copied; NULL restores the defaults). It applies to
 * the sl_outbox_fail calls made on this handle: each worker's handle
 * carries its own. Backoff after failure number k (1, 2, ...): a random
 * wait in [d/2, d] where d = min(backoff_cap, backoff_base * 2^(k-1)); the
 * failure number `attempts` makes the event dead instead.
 * Errors: SL_EINVAL (db NULL, unknown version, a value out of range; the
 * policy is then unchanged).
 */
SL_API int sl_outbox_configure(sl_db *db, const sl_outbox_options *opts);

/**
 * Lease up to max due events to consumer for lease_seconds.
 *
 * Due: pending with available_at <= now, or leased with lease_until <= now
 * (a lapsed lease), and no earlier event of the same session unacknowledged
 * (so at most one event per session is in the result, and none of a
 * session whose earlier event is leased, waiting or dead). Oldest first
 * (by id). tenant 0 claims across every tenant (a worker pool), else only
 * tenant's events. Each returned event is leased: state
 * SL_OUTBOX_LEASED, lease_until = now + lease_seconds, consumer set, and a
 * fresh random token that sl_outbox_ack / sl_outbox_fail require.
 *
 * *events receives a library-allocated array of *n events (NULL and 0 when
 * none are due: not an error); free it with sl_outbox_free.
 * Errors: SL_EINVAL (db, events or n NULL; consumer NULL, "" or longer than
 * 63 bytes or not UTF-8; tenant < 0; max 0 or > SL_OUTBOX_CLAIM_MAX;
 * lease_seconds < 1 or > SL_OUTBOX_LEASE_MAX; now out of range),
 * SL_ERANGE (now + lease_seconds past SL_TIME_MAX, 9999-12-31T23:59:59Z),
 * SL_EMISUSE (the store keeps no outbox), SL_EBUSY, SL_ESTORE, SL_ENOMEM.
 * On failure nothing is leased, *events is NULL and *n 0.
 */
SL_API int sl_outbox_claim(sl_db *db, sl_outbox_event **events, size_t *n, const char *consumer, sl_id tenant,
                           size_t max, int64_t lease_seconds, sl_time now);

/**
 * Acknowledge event of tenant, leased with token: it is delivered (state
 * SL_OUTBOX_ACKED, acked_at = now); the next event of its session becomes
 * claimable. Errors: SL_EINVAL (db NULL, tenant or event <= 0, token
 * outside 1..SL_OUTBOX_TOKEN_MAX, now out of range), SL_ENOTFOUND (no such
 * event of tenant), SL_ESTATE (the event is not leased, the token is not
 * its current lease's -- stale: the lease lapsed and the event was claimed
 * again -- or the lease has lapsed: now >= lease_until), SL_EMISUSE, SL_EBUSY,
 * SL_ESTORE. On failure nothing changes.
 */
SL_API int sl_outbox_ack(sl_db *db, sl_id tenant, sl_id event, int64_t token, sl_time now);

/**
 * Report that delivering event failed: attempts grows by one and message
 * (NULL for none; cut to SL_OUTBOX_ERROR_SIZE - 1 bytes) is kept in
 * `error`. Below the handle's `attempts` the event waits a backoff
 * (sl_outbox_configure) and is pending again; at it, the event is dead
 * (sl_outbox_dead, sl_outbox_retry). Errors as sl_outbox_ack, plus
 * SL_EINVAL for a message that is not valid UTF-8 and SL_ERANGE when the
 * event would wait and now + the longest wait of this failure (d above,
 * whatever the jitter draws) is past SL_TIME_MAX (a failure that makes the
 * event dead waits for nothing and is accepted). On failure nothing
 * changes.
 */
SL_API int sl_outbox_fail(sl_db *db, sl_id tenant, sl_id event, int64_t token, const char *message, sl_time now);

/**
 * The dead events of tenant (0: every tenant), oldest first, at most max
 * (1..SL_OUTBOX_CLAIM_MAX). *events: library-allocated, sl_outbox_free
 * (NULL and 0 when none). Errors: SL_EINVAL (NULL outputs or db, tenant < 0,
 * max out of range), SL_EMISUSE, SL_EBUSY, SL_ESTORE, SL_ENOMEM.
 */
SL_API int sl_outbox_dead(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, size_t max);

/**
 * Re-queue dead event of tenant: pending, due at now, attempts 0, error
 * kept. Errors: SL_EINVAL (db NULL, ids <= 0, now out of range),
 * SL_ENOTFOUND, SL_ESTATE (the event is not dead), SL_EMISUSE, SL_EBUSY,
 * SL_ESTORE. On failure nothing changes.
 */
SL_API int sl_outbox_retry(sl_db *db, sl_id tenant, sl_id event, sl_time now);

/**
 * Counts of tenant's events (0: every tenant) by delivery state, as seen at
 * now (see sl_outbox_stats). Errors: SL_EINVAL (NULL, tenant < 0, now out of
 * range), SL_EMISUSE, SL_EBUSY, SL_ESTORE. Reads every event it counts:
 * meant for monitoring, not for a hot path.
 */
SL_API int sl_outbox_stats(sl_db *db, sl_outbox_counts *out, sl_id tenant, sl_time now);

/**
 * Delete acknowledged events with acked_at < before, of every tenant,
 * except the last event of each session (it carries the session's
 * sequence, which must never restart). *purged (may be NULL) receives the
 * count. Errors: SL_EINVAL (db NULL, before out of range), SL_EMISUSE,
 * SL_EBUSY, SL_ESTORE. On failure nothing is deleted and *purged is 0.
 */
SL_API int sl_outbox_purge(sl_db *db, size_t *purged, sl_time before);

/**
 * Read one event of tenant. Errors: SL_EINVAL (NULL, ids <= 0),
 * SL_ENOTFOUND, SL_EMISUSE, SL_EBUSY, SL_ESTORE.
 */
SL_API int sl_outbox_get(sl_db *db, sl_outbox_event *out, sl_id tenant, sl_id event);

/**
 * Every event of one session of tenant still in the outbox, in seq order
 * (a session's history; acked events purged by sl_outbox_purge are gone).
 * *events: library-allocated, sl_outbox_free (NULL and 0 when none).
 * Errors: SL_EINVAL (NULL outputs or db, ids <= 0), SL_EMISUSE, SL_EBUSY,
 * SL_ESTORE, SL_ENOMEM.
 */
SL_API int sl_outbox_session_events(sl_db *db, sl_outbox_event **events, size_t *n, sl_id tenant, sl_id session);

/** Free an array of sl_outbox_claim, sl_outbox_dead or
 * sl_outbox_session_events. NULL is harmless. Thread-safe. */
SL_API void sl_outbox_free(sl_outbox_event *events);

/** The lower-case name of an event kind ("booked") or delivery state
 * ("leased"), NULL for any other value. Static strings. Thread-safe. */
SL_API const char *sl_event_kind_name(int32_t kind);
SL_API const char *sl_outbox_state_name(int32_t state);

#ifdef __cplusplus
}
#endif

#endif
