/*
 * tests/fuzz_api.h - private header of the public-API fuzz harness: its
 * state, the input reader, the hostile argument pickers and the snapshot
 * and invariant checks (fuzz_api_state.c), used by the operations and the
 * entry point (fuzz_api.c). Public API only.
 */
#ifndef SL_TESTS_FUZZ_API_H
#define SL_TESTS_FUZZ_API_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slotledger.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_TENANTS 3                 /* tenants 1..3 are observed */
#define N_STUDENTS 5                /* students 1..4 and INT64_MAX */
#define MAX_OPS 64
#define MAX_IDS 16
#define MAX_TRACKED 4096            /* session ids tracked for placement order */
#define T0 1700000000LL             /* 2023-11-14T22:13:20Z */

/* Saturating addition for hostile values (the harness itself must not
 * overflow: UBSan would blame it). */
int64_t sadd(int64_t a, int64_t b);

/* ---- input reader ---- */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

/* The next input bytes, 0 once the input is used up. */
uint8_t u8(reader *r);
uint16_t u16(reader *r);

/* ---- harness state ---- */

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

typedef struct state {
    sl_db *db;
    sl_time now;
    sl_id sessions[MAX_IDS], holds[MAX_IDS], rules[MAX_IDS], overrides[MAX_IDS];
    sl_date dates[MAX_IDS];
    unsigned n_sessions, n_holds, n_rules, n_overrides, n_dates;
    sl_id max_hold;
    int64_t min_before[N_TENANTS + 1], min_after[N_TENANTS + 1];
    int tenant_seen[N_TENANTS + 1];
    unsigned long placed[MAX_TRACKED]; /* op number of the last placement */
    unsigned long op_no;
    buf snap, prev;
    /* available at the call's now before the call, per (tenant, student) */
    int64_t avail_before[N_TENANTS + 1][N_STUDENTS];
    int avail_known[N_TENANTS + 1][N_STUDENTS];
} state;

extern state S;

/* $SL_FUZZ_AVOID: a bit mask of known defects to steer around, so that a
 * campaign on a tree that still has them explores past them (0 = none). */
#define AVOID_LONG_REF   0x1 /* reference > SL_REF_MAX in posts (issue 9 #1) */
#define AVOID_MIN_ADJUST 0x2 /* amount INT64_MIN in posts (issue 9 #8) */
#define AVOID_EXTREME_NOW 0x4 /* now = INT64_MIN / INT64_MAX (issue 9 #7) */
#define AVOID_DENSE      0x8 /* > 48 windows a day (issue 9 #3) */
#define AVOID_STRANDED   0x10 /* soft-deleted accounts (issue 9 #4) */
extern unsigned avoid;
#define TEXT_CAP 4097        /* room for pick_text's longest text */
extern sl_interval slot_buf[SL_MAX_SLOTS];

#define FAIL(...)                                                                      \
    do {                                                                               \
        fprintf(stderr, "fuzz_api: invariant violated after op %lu: ", S.op_no);       \
        fprintf(stderr, __VA_ARGS__);                                                  \
        fprintf(stderr, "\n  last message: %s\n", sl_errmsg(S.db));                    \
        abort();                                                                       \
    } while (0)

/* Ids the harness remembers for later calls to pick. */
void remember(sl_id *ids, unsigned *n, sl_id id);
void note_hold(sl_id id);
void note_session(const sl_session *s, int placed);

/* ---- hostile argument pickers ---- */

sl_id pick_tenant(reader *r);
sl_id pick_student(reader *r);
sl_id pick_id(reader *r, const sl_id *ids, unsigned n);
sl_time pick_time(reader *r);
int64_t pick_duration(reader *r);
int64_t pick_amount(reader *r);
int64_t pick_small(reader *r, const int64_t *vals, size_t n);
const char *pick_text(reader *r, char *scratch);
sl_date pick_date(reader *r);
int32_t pick_minute(reader *r);
sl_time next_now(reader *r);

/* ---- snapshot and invariants ---- */

/* The observable state of tenants 1..N_TENANTS, serialised into b;
 * checks the invariants that need no earlier state on the way. */
void snapshot(buf *b);
/* Remembers each account's available at now, before a call. */
void balances_before(sl_time now);
/* Invariant 2 after a call (floor_call: sl_account_set_floor). */
void check_balances(sl_time now, int floor_call);

#endif
