/* lib/core/civil_internal.h - calendar helpers shared inside the library. */
#ifndef SL_CORE_CIVIL_INTERNAL_H
#define SL_CORE_CIVIL_INTERNAL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12, d 1..31). */
int64_t sl__days_from_civil(int64_t y, int64_t m, int64_t d);
/* Inverse of sl__days_from_civil. */
void sl__civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);
int sl__is_leap(int64_t y);
int sl__days_in_month(int64_t y, int64_t m);
/* Floor division (b > 0 or b < 0), rounding toward negative infinity. */
int64_t sl__floor_div(int64_t a, int64_t b);

#endif
