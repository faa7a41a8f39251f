/*
 * slotledger/civil.h - civil (proleptic Gregorian) dates and ISO-8601 text.
 *
 * Pure functions: no handle, no allocation, thread-safe. They never consult
 * the process time zone.
 */
#ifndef SLOTLEDGER_CIVIL_H
#define SLOTLEDGER_CIVIL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Seconds in a civil day, and the largest query range in days. */
#define SL_DAY_SECONDS 86400

/**
 * Days since 1970-01-01 of the civil date year-month-day.
 * Errors: SL_EINVAL if out is NULL, month is not 1..12 or day is not a day
 * of that month; SL_ERANGE if year is outside -1000000..1000000.
 */
SL_API int sl_date_from_civil(sl_date *out, int32_t year, int32_t month, int32_t day);

/**
 * The civil date of day number d. Any out-parameter may be NULL.
 * Never fails for any sl_date; returns SL_OK.
 */
SL_API int sl_date_to_civil(int32_t *year, int32_t *month, int32_t *day, sl_date d);

/** ISO weekday of day d: 1 = Monday .. 7 = Sunday. Never fails. */
SL_API int sl_date_weekday(sl_date d);

/** The civil date (UTC) of instant t: floor(t / 86400). Never fails. */
SL_API sl_date sl_date_of_time(sl_time t);

/**
 * Format a UTC instant as "YYYY-MM-DDTHH:MM:SSZ" (20 bytes plus NUL; buf
 * needs SL_TIME_TEXT_SIZE bytes).
 * Errors: SL_EINVAL for NULL buf or cap too small; SL_ERANGE for an instant
 * outside years 0000..9999. On error buf holds "" when cap > 0.
 */
#define SL_TIME_TEXT_SIZE 21
SL_API int sl_time_format(char *buf, size_t cap, sl_time t);

/**
 * Strictly parse an ISO-8601 instant: "YYYY-MM-DDTHH:MM:SS" followed by
 * "Z" or a numeric offset "+HH:MM" / "-HH:MM" (offset up to 23:59).
 * Nothing else is accepted: no lowercase, no spaces, no fractions, no
 * leap seconds, no trailing text, years 0000..9999 only.
 * Errors: SL_EINVAL (NULL or malformed text); SL_ERANGE when the offset
 * takes the instant outside years 0000..9999 in UTC (SL_TIME_MIN ..
 * SL_TIME_MAX: "9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00").
 * *out is written only on success.
 */
SL_API int sl_time_parse(sl_time *out, const char *text);

/** Format a civil date as "YYYY-MM-DD" (SL_DATE_TEXT_SIZE bytes with NUL).
 * Errors as sl_time_format. */
#define SL_DATE_TEXT_SIZE 11
SL_API int sl_date_format(char *buf, size_t cap, sl_date d);

/** Strictly parse "YYYY-MM-DD" (years 0000..9999, a real day of the month).
 * Errors: SL_EINVAL. *out is written only on success. */
SL_API int sl_date_parse(sl_date *out, const char *text);

#ifdef __cplusplus
}
#endif

#endif
