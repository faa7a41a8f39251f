/*
 * lib/sessions/sessions_internal.h - helpers shared by the booking
 * operations, all called inside an open write transaction.
 */
#ifndef SL_SESSIONS_INTERNAL_H
#define SL_SESSIONS_INTERNAL_H

#include "core/internal.h"
#include "slots/avail.h"

/* Is start bookable for `duration` at `now` (the same predicate sl_slots
 * uses)? SL_OK, or SL_ECONFLICT / SL_EUNAVAILABLE with a message naming the
 * slot and the reason (the conflicting session's id for a conflict).
 * `exclude` is a session that does not count as busy (reschedule). */
int sl__slot_check(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_time now, sl_id exclude);

/* Does [start, start + duration) with the tenant's buffers overlap a
 * blocking session other than `exclude`? SL_OK or SL_ECONFLICT + message.
 * Used where availability does not apply (restore). */
int sl__footprint_check(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_id exclude);

/* Loads tenant's inputs into *a (sl__avail_load) and, when that
 * succeeds, puts the engine's verdict on start in *verdict: SL_OK (sl_slots
 * lists it), SL_ECONFLICT or SL_EUNAVAILABLE (sl__engine_check), without a
 * message. Returns the load's result (SL_ENOTFOUND, SL_ETZ, store errors,
 * with their messages). The one predicate: sl__slot_check and sl_free_at
 * both ask it. */
int sl__slot_classify(sl_db *db, sl__avail *a, int *verdict, sl_id tenant, sl_time start, int64_t duration,
                      sl_time now, sl_id exclude);
/* sl__slot_classify over rows gathered for many tenants (sl__avail_each). */
int sl__slot_classify_rows(sl_db *db, sl__avail *a, int *verdict, const sl__avail_rows *rows, sl_time start,
                           int64_t duration, sl_time now);

/* Common argument checks of a booking (ids > 0, duration, times, credits
 * 0..INT32_MAX): SL_OK or SL_EINVAL with a message (book.c). */
int sl__booking_check(sl_db *db, sl_id tenant, sl_id student, sl_time start, int64_t duration, int64_t credits,
                      sl_time now);

/* A new session's row in *s (every other field zero): times, kind, status,
 * credits, created_at = updated_at = now, and key (may be NULL) with its
 * request hash (book.c). Writes nothing. */
void sl__session_fill(sl_session *s, sl_id tenant, sl_id student, sl_time start, int64_t duration,
                      int64_t credits, int32_t kind, int32_t status, const char *key, const uint8_t hash[16],
                      sl_time now);

/* Builds and inserts one session after its checks passed, placing the
 * credit hold on (tenant, student) first when credits > 0 and the kind is
 * not a trial; key (may be NULL) and hash are stored with it (book.c). */
int sl__session_insert(sl_db *db, sl_session *s, sl_id tenant, sl_id student, sl_time start, int64_t duration,
                       int64_t credits, int32_t kind, int32_t status, const char *key, const uint8_t hash[16],
                       sl_time now);

/* A booking request, for the differing-field message of a key reused
 * with another request (sl__idem's differs). */
typedef struct book_req {
    sl_id student;
    sl_time start;
    int64_t duration, credits;
} book_req;
/* The first field of req (a book_req) that differs from the session row:
 * "student", "duration", "credits", "start" or "request" (book.c). */
const char *sl__session_differs(const void *req, const void *row);

/* Gives every session of s[0..n) the first one's id as series id and
 * writes them (book.c). */
int sl__series_link(sl_db *db, sl_session *s, size_t n);

/* Reads a live session of tenant (SL_ENOTFOUND + message otherwise). */
int sl__session_load(sl_db *db, sl_session *s, sl_id tenant, sl_id id, int include_deleted);

/* Writes s through the store (insert when s->id == 0) and, unless event
 * is 0, appends the outbox event `event` (SL_EVENT_*) for it, dated
 * s->updated_at (lib/core/outbox.c). Pass 0 only for a rewrite whose
 * operation emits its own event (a series link, a restore's new hold). */
int sl__session_write(sl_db *db, sl_session *s, int32_t event);

/* SL_ESTATE + message when student has a live (not cancelled, not
 * deleted) trial with tenant. */
int sl__trial_check(sl_db *db, sl_id tenant, sl_id student);

/* Captures all of active hold h, which a session or a class seat (owner
 * "session" / "seat", id) resolves, under the library's own key
 * "sl:<owner>:<id>:capture" (lifecycle.c). */
int sl__hold_capture_own(sl_db *db, sl_credit_hold *h, const char *owner, sl_id id, sl_time now);

/* Whether status blocks time. */
int sl__status_blocking(int32_t status);

/* Formats "2026-12-01T09:00Z-10:00Z" for messages. */
void sl__slot_text(char *buf, size_t cap, sl_time start, sl_time end);

#endif
