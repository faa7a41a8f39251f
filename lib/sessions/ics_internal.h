/*
 * lib/sessions/ics_internal.h - the iCalendar writer's text helpers
 * (lib/sessions/ics_text.c), used by lib/sessions/ics.c.
 */
#ifndef SL_SESSIONS_ICS_INTERNAL_H
#define SL_SESSIONS_ICS_INTERNAL_H

#include "core/internal.h"

/* Octets of a content line before its CRLF (RFC 5545 3.1). */
#define SL__ICS_LINE_MAX 75
/* "YYYYMMDDTHHMMSSZ" and its NUL. */
#define SL__ICS_UTC_SIZE 17

/* A growing output buffer. `failed` sticks after an allocation failure;
 * the writers then do nothing, and the caller checks it once at the end. */
typedef struct sl__ics_buf {
    char *p;
    size_t n, cap;
    int failed;
} sl__ics_buf;

void sl__ics_put(sl__ics_buf *b, const char *s, size_t n);
void sl__ics_puts(sl__ics_buf *b, const char *s);
/* Appends s[0..n) (valid UTF-8) as content line(s) folded at 75 octets,
 * never inside a UTF-8 sequence, each ended by CRLF. */
void sl__ics_fold(sl__ics_buf *out, const char *s, size_t n);
/* Appends s[0..n) escaped as an RFC 5545 TEXT value. */
void sl__ics_escape(sl__ics_buf *b, const char *s, size_t n);
/* Appends the content line "name:value" to out, the value escaped as TEXT
 * when text is set; tmp is scratch space. */
void sl__ics_line(sl__ics_buf *out, sl__ics_buf *tmp, const char *name, const char *value, size_t n, int text);
/* Formats t as a UTC DATE-TIME "20261201T090000Z" (t in SL_TIME range). */
void sl__ics_utc(char buf[SL__ICS_UTC_SIZE], sl_time t);
/* Text the host hands in (template, PRODID, callback summary): at most
 * SL_ICS_TEXT_MAX bytes before the NUL (checked before anything else
 * reads it), valid UTF-8, no control characters but tab, CR and LF.
 * *len receives the length. SL_EINVAL + a message naming `what`. */
int sl__ics_text_check(sl_db *db, const char *what, const char *s, size_t *len);
/* Checks the summary template t[0..n) (s NULL) or appends its expansion
 * for s to b. SL_EINVAL + message for a bad brace or placeholder. */
int sl__ics_template(sl_db *db, const char *t, size_t n, const sl_session *s, sl__ics_buf *b);

#endif
