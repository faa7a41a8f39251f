/*
 * tests/slots/slots_test.h - private header of the slots suite
 * (the files of tests/slots/): scheduling through the public API, run against every
 * store backend. The helpers its test cases share, the random model and
 * brute-force reference of the property tests (model.c), and one TCase
 * constructor per file.
 *
 * Times in comments: "Z" is UTC; local wall times name their offset.
 */
#ifndef SL_TESTS_SLOTS_TEST_H
#define SL_TESTS_SLOTS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MINUTE 60
#define HOUR 3600
#define DAY 86400

/* An ISO instant or date of the test, which must parse. */
sl_time T(const char *iso);
sl_date D(const char *iso);
/* t as ISO text, in one of 8 rotating buffers. */
const char *fmt(sl_time t);

typedef struct settings {
    const char *tz;
    int64_t step, buffer_before, buffer_after, min_notice, late_cancel;
    int32_t max_advance_days;
} settings;

void put_tenant(sl_db *db, sl_id id, settings s);
/* A fresh store (sl_test_open) holding tenant 1 with settings s. */
sl_db *open_tenant(settings s);
sl_id add_rule(sl_db *db, sl_id tenant, int32_t wd, int32_t start, int32_t end);
void add_rule_every_day(sl_db *db, sl_id tenant, int32_t start, int32_t end);

/* Slots of a query, checked for the shape every caller relies on: sorted,
 * distinct, each end = start + duration. *flags receives the out-flags. */
sl_interval *query(sl_db *db, size_t *n, uint32_t *flags, sl_id tenant, sl_time from, sl_time to,
                   int64_t duration, sl_time now);
/* The slots of [from, to) equal the NULL-terminated list of ISO instants. */
void expect_slots(sl_db *db, sl_id tenant, const char *from, const char *to, int64_t duration, sl_time now,
                  const char *const *expect);
#define SLOTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_SLOTS ((const char *const[]){NULL})

/* Every session of tenant within 180 days of `around`, deleted or not:
 * the "nothing was written" probe. */
size_t n_sessions(sl_db *db, sl_id tenant, sl_time around);
size_t n_rules(sl_db *db, sl_id tenant);
size_t n_overrides(sl_db *db, sl_id tenant);
/* Buys credits for a student (bookings with credits place a hold, which
 * needs an available balance). */
void fund(sl_db *db, sl_id tenant, sl_id student, int64_t amount);
/* Credits currently held for a student. */
int64_t held(sl_db *db, sl_id tenant, sl_id student);
/* Whether start is offered as a slot of duration at now. */
int listed(sl_db *db, sl_id tenant, sl_time start, int64_t duration, sl_time now);

#define ck_assert_msg_has(db, needle)                                                              \
    ck_assert_msg(strstr(sl_errmsg(db), (needle)) != NULL, "message \"%s\" lacks \"%s\"", sl_errmsg(db), \
                  (needle))

/* A failed call left a message. */
#define ck_assert_fails(db, expr, code)                                                            \
    do {                                                                                           \
        ck_assert_sl(expr, code);                                                                  \
        ck_assert_msg(sl_errmsg(db)[0] != '\0', "%s: no message", #expr);                          \
    } while (0)

/* The booking fixture: tenant 1, UTC, every day 08:00-20:00, step 30 min;
 * sessions of an hour; now is well before. MON is a Monday. */
#define MON T("2026-03-02T00:00:00Z")
#define NOW T("2026-01-01T00:00:00Z")
sl_db *fixture(void);
/* The fixture with one session in *s: student 7, MON 10:00-11:00Z, booked
 * at NOW without credits or key. */
sl_db *fixture_booked(sl_session *s);
/* Puts tenant id as the fixture's tenant 1 (into any store). */
void put_fixture_tenant(sl_db *db, sl_id id);
/* MON + day days, at hour:minute UTC. */
sl_time at(int day, int hour, int minute);

/* ---- the model of the property tests (model.c) ---- */

extern const char *const zones[];
extern const size_t n_zones;
#define N_ZONES n_zones

#define M_RULES (7 * SL_MAX_WINDOWS_PER_DAY) /* the dense models fill every weekday */
#define M_OVR 6
#define M_SESS 16

typedef struct m_rule {
    int32_t wd, s, e;
    sl_date vf, vu;
} m_rule;

typedef struct m_ovr {
    sl_date date;
    size_t n;
    sl_window w[SL_MAX_WINDOWS_PER_DAY];
} m_ovr;

typedef struct m_sess {
    sl_time start, end;
    int blocking;
} m_sess;

/* What the test believes the tenant holds (live rows only). */
typedef struct model {
    const char *tz;
    int64_t step, bb, ba, notice;
    int32_t adv;
    m_rule rules[M_RULES];
    size_t n_rules;
    m_ovr ovr[M_OVR];
    size_t n_ovr;
    m_sess sess[M_SESS];
    size_t n_sess;
    int64_t duration;
    sl_time now, from, to;
} model;

/* A number below n from the seeded PRNG st. */
uint64_t rnd(uint64_t *st, uint64_t n);
/* A time near an offset change of tz after base (base itself when the zone
 * has none within 400 days). */
sl_time near_change(const char *tz, sl_time base);
/* The local date of t in tz. */
sl_date local_date(const char *tz, sl_time t);
/* A random window [s, e) of a day, in minutes. */
void random_window(uint64_t *st, int32_t *s, int32_t *e);
/* A random tenant around a random (often DST-changing) range. short_range:
 * a 1-2 day range (for the booking invariant, where every start costs a
 * transaction). */
void gen_model(uint64_t *st, model *m, int short_range);
/* Prints m and how to rerun it. */
void dump_model(const model *m, uint64_t seed, long iter);
/* Writes m as tenant `tenant` of db. */
void apply_model(sl_db *db, sl_id tenant, model *m, uint64_t *st);
/* The reference: per local date, its windows -> UTC by sl_tz_local_to_utc,
 * merged per date ("day intervals"); appended in date order. */
typedef struct ref {
    sl_interval days[2048];
    size_t n_days;
    sl_interval runs[2048]; /* union of all day intervals */
    size_t n_runs;
} ref;

/* The reference of m over [lo, hi). */
void ref_build(ref *r, const model *m, sl_time lo, sl_time hi);
/* Why start t is not bookable (0: it is), by brute force. */
enum { F_GRID = 1, F_COVER = 2, F_NOTICE = 4, F_HORIZON = 8, F_BUSY = 16 };
int ref_classify(const ref *r, const model *m, sl_time t);
/* The slots of m's range equal the reference's; returns how many. */
size_t check_reference(sl_db *db, sl_id tenant, const model *m, uint64_t seed, long iter, const char *what);

/* One random tenant of a property test, as each_model hands it on. */
typedef struct prop_tenant {
    sl_db *db;
    sl_id tenant; /* 1 + it, written from m */
    model m;
    uint64_t *st; /* the PRNG, carried on from tenant to tenant */
    uint64_t seed;
    long it;
    const char *what;
} prop_tenant;

/* The loop of the property tests: iters (scaled) random tenants made by
 * gen (the seed printed under `what`), each written as tenant 1 + it of
 * one store and handed to check, which adds to counts[i]; then prints
 * "# what: N tenants, counts[0] counted[0], ..." (counted: NULL-terminated,
 * at most 4 names). */
void each_model(const char *what, long iters, void (*gen)(uint64_t *st, model *m),
                void (*check)(prop_tenant *p, long *counts), const char *const *counted);
#define COUNTED(...) ((const char *const[]){__VA_ARGS__, NULL})
/* A check for each_model: check_reference; counts[0] += the slots compared. */
void check_reference_of(prop_tenant *p, long *counts);

/* One test case per file. */
TCase *tcase_slots_cases(void);        /* cases.c: the data cases (tests/cases_slots.json) */
TCase *tcase_slots_zones(void);        /* zones.c: DST and zones */
TCase *tcase_slots_availability(void); /* availability.c: overrides, validity, notice, step, buffers */
TCase *tcase_slots_properties(void);   /* properties.c: against the reference */
TCase *tcase_slots_many_windows(void); /* many_windows.c: many windows per day */
TCase *tcase_slots_booking(void);      /* booking.c: booking operations */
TCase *tcase_slots_softdelete(void);   /* softdelete.c: soft delete, restore, purge */
TCase *tcase_slots_isolation(void);    /* isolation.c: tenant isolation and bad input */
TCase *tcase_slots_mutants(void);      /* mutants.c: what the mutation sample found unpinned */
TCase *tcase_slots_upper_bound(void);  /* upper_bound.c: slots, bookings and series next to SL_TIME_MAX */

#endif
