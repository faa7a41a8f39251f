/*
 * slotledger/ics.h - sessions as iCalendar (RFC 5545) text, for calendar
 * subscriptions and sync workers.
 *
 * Output: one VCALENDAR (VERSION:2.0, PRODID, CALSCALE:GREGORIAN) holding
 * one VEVENT per session, CRLF line ends, content lines folded at 75
 * octets (never inside a UTF-8 sequence), TEXT values escaped (`\` `;` `,`
 * and newlines). No METHOD property: the text is a published calendar,
 * not a scheduling message. Each VEVENT carries:
 *  - UID "sl-<tenant>-<session>@<domain>": stable for the session's life,
 *    unique across tenants and across hosts that use their own domain;
 *  - DTSTAMP and LAST-MODIFIED: the session's last change (RFC 5545
 *    3.8.7.2: without METHOD, DTSTAMP is when the event was last revised
 *    in the store), i.e. the later of updated_at and deleted_at; CREATED:
 *    created_at. So the same data gives byte-identical text;
 *  - SEQUENCE: 3 * (last change - created_at, in seconds) + the status
 *    rank (pending 0, confirmed 1, cancelled/completed/no-show 2), capped
 *    at 2147483647. Sessions carry no change counter, so this is derived
 *    from data that grows with each change: statuses only move forward,
 *    and every change stamps `now`. It grows with every status change,
 *    and with every other change (reschedule, delete) made at a later
 *    `now` than the previous change; a reschedule in the same second as
 *    the previous change, or a restore (which stamps nothing), leaves it
 *    as it was. The calendar-sync outbox replaces it with the outbox's
 *    per-session sequence;
 *  - DTSTART/DTEND in UTC ("20261201T090000Z"): the zone never matters to
 *    the reader, and DST-crossing sessions need no VTIMEZONE;
 *  - STATUS: TENTATIVE (pending), CONFIRMED (confirmed, completed,
 *    no-show: the time was taken), CANCELLED (cancelled, and soft-deleted
 *    sessions when SL_INCLUDE_DELETED lists them); TRANSP OPAQUE for
 *    sessions that block time, TRANSPARENT otherwise;
 *  - SUMMARY from the options' template or callback.
 * A calendar with no session in range is a VCALENDAR without components:
 * RFC 5545 asks for at least one, but subscription clients accept the
 * empty feed, and an invented placeholder event would be worse.
 *
 * Thread-safety: as every call on a handle (common.h). The summary
 * callback is called after the read transaction ended, so it may use the
 * handle itself.
 */
#ifndef SLOTLEDGER_ICS_H
#define SLOTLEDGER_ICS_H

#include "slotledger/common.h"
#include "slotledger/sessions.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest SUMMARY template, PRODID and callback summary, in bytes. */
#define SL_ICS_TEXT_MAX 1024
/** Longest UID domain, in bytes (a DNS name). */
#define SL_ICS_DOMAIN_MAX 253

/**
 * A host's summary for session s: write NUL-terminated UTF-8 text of at
 * most SL_ICS_TEXT_MAX bytes into buf (cap = SL_ICS_TEXT_MAX + 1 bytes)
 * and return 0; any other return fails the whole call with SL_EINVAL.
 * Newlines (LF, CR LF, CR) and tabs are allowed; other control
 * characters are not (SL_EINVAL). s is valid only during the call.
 */
typedef int (*sl_ics_summary_fn)(void *ctx, const sl_session *s, char *buf, size_t cap);

#define SL_ICS_OPTIONS_VERSION 1
typedef struct sl_ics_options {
    unsigned int version;          /**< SL_ICS_OPTIONS_VERSION */
    uint32_t flags;                /**< SL_INCLUDE_DELETED: deleted sessions too (as CANCELLED) */
    sl_id student;                 /**< sl_calendar_ics: only the sessions booked for this student (their
                                        student field); 0 = all. Group classes hold students in seats, not
                                        in the session, so a class the student is seated in is not among
                                        them: list it with sl_class_seats. */
    const char *domain;            /**< required: UID domain, 1..SL_ICS_DOMAIN_MAX bytes of
                                        [A-Za-z0-9.-] ("lessons.example.com") */
    const char *prodid;            /**< PRODID text; NULL = "-//slotledger//slotledger//EN" */
    /** SUMMARY template, UTF-8, at most SL_ICS_TEXT_MAX bytes; NULL (and
     * no summary_fn) = "Session {id}". Placeholders: {id} {tenant}
     * {student} (ids), {status} {kind} (names as sl_status_name,
     * sl_kind_name), {start} {end} ("2026-12-01T09:00:00Z"); "{{" and "}}"
     * are literal braces. Any other brace is SL_EINVAL. */
    const char *summary;
    sl_ics_summary_fn summary_fn;  /**< or a callback (not both: SL_EINVAL) */
    void *summary_ctx;             /**< passed to summary_fn */
} sl_ics_options;

/** Defaults: every field 0/NULL (the domain must still be set).
 * Errors: SL_EINVAL (NULL, version 0 or newer than the library). */
SL_API int sl_ics_options_init(sl_ics_options *o, unsigned int version);

/**
 * One session of tenant as a VCALENDAR with one VEVENT. *out receives a
 * new NUL-terminated buffer of *len bytes (the NUL not counted), freed
 * with sl_free; on failure *out is NULL and *len 0.
 * A soft-deleted session only with SL_INCLUDE_DELETED in opts->flags.
 * opts->student is ignored. Options are checked before anything is read,
 * and the summary callback is never called when the call fails before
 * rendering.
 * Errors: SL_EINVAL (NULL db/out/len/opts, ids <= 0, bad options: version,
 * domain, prodid, template, callback and template both, a callback that
 * fails or returns bad text), SL_ENOTFOUND (no such session for this
 * tenant: another tenant's session is not found either), SL_ENOMEM,
 * SL_ESTORE, SL_EBUSY.
 */
SL_API int sl_session_ics(sl_db *db, char **out, size_t *len, sl_id tenant, sl_id session,
                          const sl_ics_options *opts);

/**
 * Every session of tenant overlapping [from, to) (as sl_sessions_list: at
 * most 366 days, sorted by start, id), only opts->student's when it is
 * not 0, as one VCALENDAR. Output and ownership as sl_session_ics.
 * Errors: as sl_session_ics; SL_EINVAL (times out of range, from > to,
 * student < 0), SL_ERANGE (more than 366 days), SL_ENOTFOUND (tenant).
 */
SL_API int sl_calendar_ics(sl_db *db, char **out, size_t *len, sl_id tenant, sl_time from, sl_time to,
                           const sl_ics_options *opts);

#ifdef __cplusplus
}
#endif

#endif
