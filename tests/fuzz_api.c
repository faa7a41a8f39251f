/*
 * tests/fuzz_api.c - libFuzzer harness for the public API on the memory
 * store: the input is a program of calls with hostile arguments; after
 * each call the harness checks the library's invariants and abort()s on a
 * violation (libFuzzer then saves the input). Public API only.
 *
 * Invariants checked after every call (see tests/fuzz/README.md):
 *  1. no two blocking, live sessions of a tenant overlap in footprint,
 *     unless the later-placed one is manual (manual sessions never conflict);
 *     footprints use the smallest buffers the tenant ever had, since a later
 *     larger buffer may make old sessions overlap legitimately;
 *  2. per account: posted == sum of its entries (and each balance_after is
 *     the running sum), held == sum of its active holds, available ==
 *     posted - held, and no call but sl_account_set_floor lowers available
 *     when that leaves it below the floor;
 *  3. sl_ledger_verify is SL_OK for every tenant;
 *  4. a call that fails, or only reads, changes nothing: the observable
 *     state (tenants, rules, overrides, sessions, accounts, holds, entries)
 *     is serialised before and after and compared byte for byte;
 *  5. sl_book succeeds for a start that sl_slots has just listed;
 *  6. what a call returns is what was asked: a post, capture, hold or
 *     booking (replayed or not) returns a row with the request's account,
 *     amount, hold, times and key, and a successful capture leaves its hold
 *     captured;
 *  7. a live pending or confirmed session can always be cancelled,
 *     completed or marked no-show: never SL_ENOTFOUND;
 *  8. a write that takes a now never succeeds with now = INT64_MIN or
 *     INT64_MAX.
 */
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

static const sl_id students[N_STUDENTS] = {1, 2, 3, 4, INT64_MAX};

/* Saturating arithmetic for hostile values (the harness itself must not
 * overflow: UBSan would blame it). */
static int64_t sadd(int64_t a, int64_t b)
{
    int64_t v;
    if (__builtin_add_overflow(a, b, &v))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return v;
}

static int64_t ssub(int64_t a, int64_t b)
{
    int64_t v;
    if (__builtin_sub_overflow(a, b, &v))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return v;
}

/* ---- input reader ---- */

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t u8(reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint16_t u16(reader *r)
{
    uint16_t v = u8(r);
    return (uint16_t)(v | (uint16_t)u8(r) << 8);
}

static uint64_t u64(reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)u8(r) << (8 * i);
    return v;
}

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

static state S;

/* $SL_FUZZ_AVOID: a bit mask of known defects to steer around, so that a
 * campaign on a tree that still has them explores past them (0 = none). */
#define AVOID_LONG_REF   0x1 /* reference > SL_REF_MAX in posts (issue 9 #1) */
#define AVOID_MIN_ADJUST 0x2 /* amount INT64_MIN in posts (issue 9 #8) */
#define AVOID_EXTREME_NOW 0x4 /* now = INT64_MIN / INT64_MAX (issue 9 #7) */
#define AVOID_DENSE      0x8 /* > 48 windows a day (issue 9 #3) */
#define AVOID_STRANDED   0x10 /* soft-deleted accounts (issue 9 #4) */
static unsigned avoid;
#define TEXT_CAP 4097        /* room for pick_text's longest text */
static sl_interval slot_buf[SL_MAX_SLOTS];

#define FAIL(...)                                                                      \
    do {                                                                               \
        fprintf(stderr, "fuzz_api: invariant violated after op %lu: ", S.op_no);       \
        fprintf(stderr, __VA_ARGS__);                                                  \
        fprintf(stderr, "\n  last message: %s\n", sl_errmsg(S.db));                    \
        abort();                                                                       \
    } while (0)

static void put(buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            abort();
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put64(buf *b, int64_t v)
{
    put(b, &v, sizeof v);
}

static void put_str(buf *b, const char *s)
{
    put(b, s, strlen(s) + 1);
}

static void remember(sl_id *ids, unsigned *n, sl_id id)
{
    ids[*n % MAX_IDS] = id;
    (*n)++;
}

static void note_hold(sl_id id)
{
    if (id > 0) {
        if (id > S.max_hold && id < 100000)
            S.max_hold = id;
        remember(S.holds, &S.n_holds, id);
    }
}

static void note_session(const sl_session *s, int placed)
{
    remember(S.sessions, &S.n_sessions, s->id);
    note_hold(s->hold_id);
    if (placed && s->id > 0 && s->id < MAX_TRACKED && !s->replayed)
        S.placed[s->id] = S.op_no;
}

/* ---- hostile argument pickers ---- */

static const int64_t hostile64[] = {INT64_MIN, INT64_MAX, 0, -1, INT64_MIN + 1, INT64_MAX - 1,
                                    1, 253402300800LL, -62167219200LL};
#define NHOSTILE (sizeof hostile64 / sizeof hostile64[0])

static sl_id pick_tenant(reader *r)
{
    static const sl_id t[] = {1, 1, 2, 3, 1, 2, 0, -1, INT64_MIN, 4, 1, 2, 3, 3, 1, 2};
    return t[u8(r) % 16];
}

static sl_id pick_student(reader *r)
{
    static const sl_id s[] = {1, 2, 3, 4, 1, 2, 1, 2, 3, 0, -1, INT64_MAX, INT64_MIN, 1, 2, 3};
    return s[u8(r) % 16];
}

static sl_id pick_id(reader *r, const sl_id *ids, unsigned n)
{
    uint8_t c = u8(r);
    if (c < 200 && n > 0)
        return ids[(c % (n < MAX_IDS ? n : MAX_IDS))];
    if (c < 220)
        return (sl_id)(c % 8) + 1;
    return hostile64[c % NHOSTILE];
}

static sl_time pick_time(reader *r)
{
    uint8_t c = u8(r);
    if (c < 160) /* on a quarter-hour grid from T0 rounded to the hour */
        return (T0 / 3600) * 3600 + (int64_t)(u16(r) % 2048) * 900;
    if (c < 200)
        return T0 + (int64_t)(int16_t)u16(r) * 60;
    if (c < 240)
        return hostile64[c % NHOSTILE];
    return (sl_time)u64(r);
}

static int64_t pick_duration(reader *r)
{
    static const int64_t d[] = {3600, 1800, 2700, 60, 86400, 5400, 3600, 1800,
                                0, -1, 59, 86401, INT64_MAX, INT64_MIN, 7200, 900};
    return d[u8(r) % 16];
}

static int64_t pick_amount(reader *r)
{
    static const int64_t a[] = {1, 2, 3, 5, 10, 100, 1, 2, 0, -1, -5, INT64_MIN, INT64_MAX,
                                INT64_MAX / 2 + 1, INT64_MIN / 2, -100};
    uint8_t c = u8(r);
    if (c >= 248)
        return (int64_t)u64(r);
    return a[c % 16];
}

static int64_t pick_small(reader *r, const int64_t *vals, size_t n)
{
    uint8_t c = u8(r);
    if (c >= 240)
        return hostile64[c % NHOSTILE];
    return vals[c % n];
}

/* Keys and references: reused short keys, boundary lengths, bad UTF-8.
 * scratch has TEXT_CAP bytes; the result may point into it. */
static const char *pick_text(reader *r, char *scratch)
{
    static const char *shorts[] = {"k0", "k1", "k2", "k3", "k4", "k5", "sl:x", "\xff\xfe",
                                   "\xc3\x28", "caf\xc3\xa9", "\xed\xa0\x80", "a\0b"};
    uint8_t c = u8(r);
    if (c < 20)
        return NULL;
    if (c < 160)
        return shorts[c % (sizeof shorts / sizeof shorts[0])];
    size_t len;
    switch (c % 6) {
    case 0: len = 0; break;
    case 1: len = 128; break;
    case 2: len = 129; break;
    case 3: len = 4096; break;
    default: {
        size_t n = u8(r) % 24;
        for (size_t i = 0; i < n; i++)
            scratch[i] = (char)(u8(r) | 1); /* no NUL inside */
        scratch[n] = '\0';
        return scratch;
    }
    }
    memset(scratch, 'a' + (c % 3), len);
    scratch[len] = '\0';
    return scratch;
}

static sl_date pick_date(reader *r)
{
    uint8_t c = u8(r);
    sl_date base = (sl_date)(T0 / 86400);
    if (c < 220)
        return base + (sl_date)(c % 24) - 2;
    static const sl_date h[] = {SL_DATE_MIN, SL_DATE_MAX, 0, -1, SL_DATE_MAX - 1, SL_DATE_MIN + 1};
    return h[c % 6];
}

static int32_t pick_minute(reader *r)
{
    uint8_t c = u8(r);
    if (c < 230)
        return (int32_t)(c % 97) * 15; /* 0..1440 */
    static const int32_t h[] = {-1, 1441, INT32_MIN, INT32_MAX, 1439, 1};
    return h[c % 6];
}

/* The `now` of the next call: mostly forward, sometimes back, rarely hostile. */
static sl_time next_now(reader *r)
{
    uint8_t c = u8(r);
    if (c < 150)
        S.now += (int64_t)(c % 16) * 600;
    else if (c < 200)
        S.now += (int64_t)(c % 8) * 86400;
    else if (c < 240)
        S.now -= (int64_t)(c % 8) * 3600;
    else if (!(avoid & AVOID_EXTREME_NOW) || (hostile64[c % NHOSTILE] != INT64_MIN &&
                                               hostile64[c % NHOSTILE] != INT64_MAX))
        return hostile64[c % NHOSTILE];
    return S.now;
}

/* ---- snapshot and invariants ---- */

static void snap_session(buf *b, const sl_session *s)
{
    put64(b, s->id);
    put64(b, s->status);
    put64(b, s->tenant);
    put64(b, s->student);
    put64(b, s->start);
    put64(b, s->end);
    put64(b, s->kind);
    put64(b, s->credits);
    put64(b, s->hold_id);
    put64(b, s->series_id);
    put64(b, s->created_at);
    put64(b, s->updated_at);
    put64(b, s->deleted_at);
    put_str(b, s->key);
    put(b, s->request_hash, sizeof s->request_hash);
}

static int blocking(const sl_session *s)
{
    return s->deleted_at == 0 && (s->status == SL_STATUS_PENDING || s->status == SL_STATUS_CONFIRMED ||
                                  s->status == SL_STATUS_COMPLETED || s->status == SL_STATUS_NO_SHOW);
}

static unsigned long placed_at(const sl_session *s)
{
    return s->id > 0 && s->id < MAX_TRACKED ? S.placed[s->id] : 0;
}

/* Invariant 1 over the live blocking sessions of one tenant. */
static void check_overlap(sl_id t, const sl_session *all, size_t n)
{
    int64_t bb = S.min_before[t], ba = S.min_after[t];
    for (size_t i = 0; i < n; i++) {
        const sl_session *a = &all[i];
        if (!blocking(a))
            continue;
        for (size_t j = i + 1; j < n; j++) {
            const sl_session *c = &all[j];
            if (!blocking(c) || a->id == c->id)
                continue;
            if (!(ssub(a->start, bb) < sadd(c->end, ba) && ssub(c->start, bb) < sadd(a->end, ba)))
                continue;
            const sl_session *later = placed_at(a) > placed_at(c) ? a : c;
            if (later->kind == SL_KIND_MANUAL || placed_at(a) == 0 || placed_at(c) == 0)
                continue;
            FAIL("tenant %lld: sessions %lld [%lld,%lld) and %lld [%lld,%lld) overlap (buffers %lld/%lld)",
                 (long long)t, (long long)a->id, (long long)a->start, (long long)a->end,
                 (long long)c->id, (long long)c->start, (long long)c->end, (long long)bb, (long long)ba);
        }
    }
}

static void snap_sessions(buf *b, sl_id t)
{
    sl_session *all = NULL;
    size_t n_all = 0;
    for (int i = 0; i < N_STUDENTS; i++) {
        sl_session *list = NULL;
        size_t n = 0;
        int rc = sl_sessions_by_student(S.db, &list, &n, t, students[i], SL_INCLUDE_DELETED);
        put64(b, rc);
        if (rc != SL_OK)
            continue;
        put64(b, (int64_t)n);
        sl_session *na = realloc(all, (n_all + n + 1) * sizeof *all);
        if (!na)
            abort();
        all = na;
        for (size_t k = 0; k < n; k++) {
            snap_session(b, &list[k]);
            all[n_all++] = list[k];
        }
        sl_free(list);
    }
    check_overlap(t, all, n_all);
    free(all);
}

static void snap_schedule(buf *b, sl_id t)
{
    sl_tenant tn;
    int rc = sl_tenant_get(S.db, &tn, t);
    put64(b, rc);
    if (rc == SL_OK) {
        put64(b, tn.max_advance_days);
        put_str(b, tn.tz);
        put64(b, tn.buffer_before);
        put64(b, tn.buffer_after);
        put64(b, tn.min_notice);
        put64(b, tn.step);
        put64(b, tn.late_cancel);
        put64(b, tn.created_at);
        put64(b, tn.updated_at);
    }
    sl_rule *rules = NULL;
    size_t n = 0;
    rc = sl_rules_list(S.db, &rules, &n, t, SL_INCLUDE_DELETED);
    put64(b, rc);
    for (size_t i = 0; rc == SL_OK && i < n; i++) {
        const sl_rule *x = &rules[i];
        int64_t v[] = {x->id, x->weekday, x->start_min, x->end_min, x->valid_from, x->valid_until,
                       x->created_at, x->updated_at, x->deleted_at};
        put(b, v, sizeof v);
    }
    sl_free(rules);
    sl_override *ovs = NULL;
    rc = sl_overrides_list(S.db, &ovs, &n, t, SL_DATE_MIN, SL_DATE_MAX, SL_INCLUDE_DELETED);
    put64(b, rc);
    for (size_t i = 0; rc == SL_OK && i < n; i++) {
        const sl_override *o = &ovs[i];
        int64_t v[] = {o->id, o->date, o->n_windows, o->created_at, o->updated_at, o->deleted_at};
        put(b, v, sizeof v);
        for (int32_t w = 0; w < o->n_windows && w < SL_MAX_WINDOWS_PER_DAY; w++)
            put(b, &o->windows[w], sizeof o->windows[w]);
    }
    sl_free(ovs);
}

/* Entries of tenant t: serialised, summed per observed student. */
static void snap_entries(buf *b, sl_id t, int64_t sums[N_STUDENTS], int64_t *n_entries)
{
    static sl_entry page[64];
    int64_t after = 0, running[N_STUDENTS] = {0};
    size_t count;
    for (;;) {
        int rc = sl_ledger_history(S.db, page, 64, &count, t, 0, after);
        put64(b, rc);
        if (rc != SL_OK || count == 0)
            break;
        for (size_t i = 0; i < count; i++) {
            const sl_entry *e = &page[i];
            int64_t v[] = {e->id, e->kind, e->account, e->seq, e->amount, e->balance_after, e->hold_id,
                           e->created_at};
            put(b, v, sizeof v);
            put_str(b, e->key);
            put_str(b, e->reference);
            put(b, e->hash, sizeof e->hash);
            (*n_entries)++;
            if (e->seq != after + 1)
                FAIL("tenant %lld: history seq %lld after %lld", (long long)t, (long long)e->seq, (long long)after);
            after = e->seq;
            for (int k = 0; k < N_STUDENTS; k++) {
                if (students[k] != e->account)
                    continue;
                if (__builtin_add_overflow(running[k], e->amount, &running[k]))
                    FAIL("tenant %lld account %lld: entries overflow int64", (long long)t, (long long)e->account);
                if (running[k] != e->balance_after)
                    FAIL("tenant %lld entry %lld: balance_after %lld, running sum %lld", (long long)t,
                         (long long)e->id, (long long)e->balance_after, (long long)running[k]);
            }
        }
        if (count < 64)
            break;
    }
    memcpy(sums, running, sizeof running);
}

/* Active holds per observed student, serialising every hold of t. */
static void snap_holds(buf *b, sl_id t, int64_t held[N_STUDENTS])
{
    for (sl_id id = 1; id <= S.max_hold + 1; id++) {
        sl_credit_hold h;
        int rc = sl_hold_get(S.db, &h, t, id);
        put64(b, rc);
        if (rc != SL_OK)
            continue;
        int64_t v[] = {h.id, h.status, h.account, h.amount, h.captured, h.expires_at, h.created_at,
                       h.resolved_at, h.entry_id};
        put(b, v, sizeof v);
        put_str(b, h.key);
        if (h.status != SL_HOLD_ACTIVE)
            continue;
        for (int k = 0; k < N_STUDENTS; k++)
            if (students[k] == h.account && __builtin_add_overflow(held[k], h.amount, &held[k]))
                FAIL("tenant %lld: active holds of %lld overflow", (long long)t, (long long)h.account);
    }
}

static void snap_ledger(buf *b, sl_id t)
{
    int64_t sums[N_STUDENTS], held[N_STUDENTS] = {0}, n_entries = 0;
    snap_entries(b, t, sums, &n_entries);
    snap_holds(b, t, held);
    put64(b, n_entries);
    for (int k = 0; k < N_STUDENTS; k++) {
        sl_account a;
        int rc = sl_account_get(S.db, &a, t, students[k], SL_INCLUDE_DELETED);
        put64(b, rc);
        if (rc == SL_ENOTFOUND) {
            if (sums[k] != 0 || held[k] != 0)
                FAIL("tenant %lld: account %lld has entries or holds but no row", (long long)t,
                     (long long)students[k]);
            continue;
        }
        if (rc != SL_OK)
            FAIL("sl_account_get: %s", sl_strerror(rc));
        int64_t v[] = {a.floor, a.posted, a.held, a.created_at, a.updated_at, a.deleted_at};
        put(b, v, sizeof v);
        if (a.posted != sums[k])
            FAIL("tenant %lld account %lld: posted %lld, entries sum to %lld", (long long)t,
                 (long long)students[k], (long long)a.posted, (long long)sums[k]);
        if (a.held != held[k])
            FAIL("tenant %lld account %lld: held %lld, active holds sum to %lld", (long long)t,
                 (long long)students[k], (long long)a.held, (long long)held[k]);
    }
    sl_verify_report rep;
    int rc = sl_ledger_verify(S.db, &rep, t);
    if (rc != SL_OK && !(rc == SL_ENOTFOUND && !S.tenant_seen[t]))
        FAIL("sl_ledger_verify(tenant %lld) = %s (seq %lld)", (long long)t, sl_strerror(rc),
             (long long)rep.first_bad_seq);
}

static void snapshot(buf *b)
{
    b->len = 0;
    for (sl_id t = 1; t <= N_TENANTS; t++) {
        snap_schedule(b, t);
        snap_sessions(b, t);
        snap_ledger(b, t);
    }
}

/* Balances at `now`, before a call (for the floor rule). */
static void balances_before(sl_time now)
{
    for (sl_id t = 1; t <= N_TENANTS; t++)
        for (int k = 0; k < N_STUDENTS; k++) {
            sl_balance bal;
            S.avail_known[t][k] = sl_ledger_balance(S.db, &bal, t, students[k], now) == SL_OK;
            S.avail_before[t][k] = S.avail_known[t][k] ? bal.available : 0;
        }
}

static void check_balances(sl_time now, int floor_call)
{
    for (sl_id t = 1; t <= N_TENANTS; t++)
        for (int k = 0; k < N_STUDENTS; k++) {
            sl_balance bal;
            if (sl_ledger_balance(S.db, &bal, t, students[k], now) != SL_OK)
                continue;
            int64_t avail;
            if (__builtin_sub_overflow(bal.posted, bal.held, &avail) || avail != bal.available)
                FAIL("tenant %lld account %lld: available %lld != posted %lld - held %lld", (long long)t,
                     (long long)students[k], (long long)bal.available, (long long)bal.posted,
                     (long long)bal.held);
            if (floor_call || bal.available >= bal.floor || !S.avail_known[t][k])
                continue;
            if (bal.available < S.avail_before[t][k])
                FAIL("tenant %lld account %lld: available fell from %lld to %lld below floor %lld",
                     (long long)t, (long long)students[k], (long long)S.avail_before[t][k],
                     (long long)bal.available, (long long)bal.floor);
        }
}

/* ---- operations ---- */

enum {
    OP_TENANT, OP_RULE_ADD, OP_RULE_UPDATE, OP_OVERRIDE, OP_SLOTS, OP_SLOTS_BOOK, OP_BOOK, OP_TRIAL,
    OP_MANUAL, OP_MANY, OP_RECURRING, OP_RESCHEDULE, OP_CONFIRM, OP_CANCEL, OP_COMPLETE, OP_NO_SHOW,
    OP_DELETE, OP_RESTORE, OP_PURGE, OP_POST, OP_POST_MANY, OP_HOLD, OP_CAPTURE, OP_RELEASE,
    OP_FLOOR, OP_BALANCE, OP_HISTORY, OP_VERIFY, OP_CLAIM, OP_READS, OP_DENSE, OP_COUNT
};

/* Whether op only reads (it must not change anything even on success). */
static int read_only(int op)
{
    return op == OP_SLOTS || op == OP_BALANCE || op == OP_HISTORY || op == OP_VERIFY || op == OP_READS;
}

static int op_tenant(reader *r, sl_time now)
{
    static const char *zones[] = {"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                                  "Asia/Kathmandu", "Pacific/Chatham", "America/Sao_Paulo", "UTC",
                                  "../etc/passwd", "", "Nope/Zone", "Europe/Berlin\x80", "/etc/UTC",
                                  "Europe//Berlin", "posixrules",
                                  "A234567890123456789012345678901234567890123456789012345678901234"};
    static const int64_t bufs[] = {0, 0, 300, 600, 900, 1800, 0, 86400, 86401, -1};
    static const int64_t steps[] = {0, 0, 900, 1800, 3600, 60, 59, 86400, 86401, -60};
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    t.id = pick_tenant(r);
    snprintf(t.tz, sizeof t.tz, "%s", zones[u8(r) % 16]);
    t.buffer_before = pick_small(r, bufs, 10);
    t.buffer_after = pick_small(r, bufs, 10);
    t.min_notice = pick_small(r, bufs, 10);
    t.step = pick_small(r, steps, 10);
    t.late_cancel = pick_small(r, bufs, 10);
    t.late_cancel = sadd(t.late_cancel, t.late_cancel);
    t.max_advance_days = (int32_t)(u8(r) % 8 == 0 ? (int32_t)u16(r) - 100 : (u8(r) % 3) * 30);
    int rc = sl_tenant_put(S.db, &t, now);
    if (rc == SL_OK && t.id >= 1 && t.id <= N_TENANTS) {
        if (!S.tenant_seen[t.id] || t.buffer_before < S.min_before[t.id])
            S.min_before[t.id] = t.buffer_before;
        if (!S.tenant_seen[t.id] || t.buffer_after < S.min_after[t.id])
            S.min_after[t.id] = t.buffer_after;
        S.tenant_seen[t.id] = 1;
    }
    return rc;
}

static int op_rule(reader *r, sl_time now, int update)
{
    sl_id t = pick_tenant(r), id = 0;
    sl_id rule = update ? pick_id(r, S.rules, S.n_rules) : 0;
    int32_t wd = (u8(r) % 9), a = pick_minute(r), e = pick_minute(r);
    sl_date from = u8(r) % 4 ? SL_DATE_MIN : pick_date(r);
    sl_date until = u8(r) % 4 ? SL_DATE_MAX : pick_date(r);
    int rc;
    if (update)
        return sl_rule_update(S.db, t, rule, wd, a, e, from, until, now);
    rc = sl_rule_add(S.db, &id, t, wd, a, e, from, until, now);
    if (rc == SL_OK)
        remember(S.rules, &S.n_rules, id);
    return rc;
}

static int op_override(reader *r, sl_time now)
{
    sl_window w[64];
    sl_id t = pick_tenant(r), id = 0;
    sl_date d = pick_date(r);
    uint8_t c = u8(r);
    size_t n = c < 200 ? c % 6 : (c < 240 ? 48 + c % 3 : 64);
    if ((avoid & AVOID_DENSE) && n > 47)
        n = 47;
    uint8_t mode = u8(r);
    for (size_t i = 0; i < n; i++) {
        if (mode & 1) { /* many small, separate windows (the scratch-array pressure) */
            w[i].start_min = (int32_t)(i * 30) % 1440;
            w[i].end_min = w[i].start_min + 15;
        } else {
            w[i].start_min = pick_minute(r);
            w[i].end_min = pick_minute(r);
        }
    }
    int rc = sl_override_set(S.db, &id, t, d, n ? w : (mode & 2 ? NULL : w), n, now);
    if (rc == SL_OK) {
        S.dates[S.n_dates++ % MAX_IDS] = d;
        remember(S.overrides, &S.n_overrides, id);
    }
    return rc;
}

static int op_slots(reader *r, sl_time now, int then_book)
{
    sl_id t = pick_tenant(r);
    sl_time from = pick_time(r);
    uint8_t c = u8(r);
    sl_time to = c < 200 ? sadd(from, (int64_t)(c % 16) * 86400 + 3600) : pick_time(r);
    int64_t dur = pick_duration(r);
    size_t count = 0;
    uint32_t flags = 0;
    int rc;
    if (!then_book && u8(r) < 40) {
        sl_interval *out = NULL;
        rc = sl_slots_alloc(S.db, &out, &count, &flags, t, from, to, dur, now);
        sl_free(out);
        return rc;
    }
    rc = sl_slots(S.db, slot_buf, SL_MAX_SLOTS, &count, &flags, t, from, to, dur, now);
    if (rc == SL_OK && count > SL_MAX_SLOTS)
        FAIL("sl_slots: count %zu over SL_MAX_SLOTS", count);
    for (size_t i = 1; rc == SL_OK && i < count; i++)
        if (slot_buf[i].start <= slot_buf[i - 1].start || slot_buf[i].end != sadd(slot_buf[i].start, dur))
            FAIL("sl_slots: slot %zu unsorted or wrong end", i);
    if (!then_book || rc != SL_OK || count == 0)
        return rc;
    /* Invariant 5: a listed start is bookable with the same now. */
    sl_interval s = slot_buf[u16(r) % count];
    sl_id student = (sl_id)(u8(r) % 4) + 1;
    sl_session out;
    S.op_no++; /* the booking is a call of its own */
    int brc = sl_book(S.db, &out, t, student, s.start, dur, 0, NULL, now);
    if (brc == SL_OK) {
        note_session(&out, 1);
        return brc;
    }
    sl_account a;
    if (brc == SL_ENOTFOUND && sl_account_get(S.db, &a, t, student, SL_INCLUDE_DELETED) == SL_OK && a.deleted_at)
        return brc; /* a deleted account may refuse new bookings */
    FAIL("sl_slots listed %lld (tenant %lld, duration %lld, now %lld) but sl_book says %s", (long long)s.start,
         (long long)t, (long long)dur, (long long)now, sl_strerror(brc));
}

static int op_book(reader *r, sl_time now, int op)
{
    char scratch[TEXT_CAP];
    sl_session out;
    sl_id t = pick_tenant(r), st = pick_student(r);
    sl_time start = pick_time(r);
    int64_t dur = pick_duration(r), credits = u8(r) < 128 ? 0 : pick_amount(r);
    const char *key = pick_text(r, scratch);
    int rc;
    if (op == OP_BOOK)
        rc = sl_book(S.db, &out, t, st, start, dur, credits, key, now);
    else if (op == OP_TRIAL)
        rc = sl_book_trial(S.db, &out, t, st, start, dur, key, now);
    else
        rc = sl_schedule_manual(S.db, &out, t, st, start, dur, credits, key, now);
    if (rc != SL_OK)
        return rc;
    int kind = op == OP_BOOK ? SL_KIND_REGULAR : op == OP_TRIAL ? SL_KIND_TRIAL : SL_KIND_MANUAL;
    if (out.tenant != t || out.student != st || out.start != start || out.end != sadd(start, dur) ||
        out.kind != kind || (op != OP_TRIAL && out.credits != credits) || strcmp(out.key, key ? key : "") != 0)
        FAIL("booking (kind %d, student %lld, start %lld, key \"%.40s\") returned session %lld: kind %d, "
             "student %lld, start %lld, replayed %d", kind, (long long)st, (long long)start, key ? key : "",
             (long long)out.id, out.kind, (long long)out.student, (long long)out.start, out.replayed);
    note_session(&out, 1);
    return rc;
}

static int op_many(reader *r, sl_time now)
{
    static sl_booking b[SL_MAX_BATCH + 1];
    static sl_session out[SL_MAX_BATCH + 1];
    char scratch[TEXT_CAP];
    sl_id t = pick_tenant(r);
    uint8_t c = u8(r);
    size_t n = c < 240 ? c % 5 + 1 : (c % 2 ? 0 : SL_MAX_BATCH + 1), failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (i >= 6) { /* keep the input short: repeat the first ones a week later */
            b[i] = b[i % 6];
            b[i].start = sadd(b[i].start, (int64_t)(i / 6) * 7 * 86400);
            continue;
        }
        b[i].student = pick_student(r);
        b[i].start = pick_time(r);
        b[i].duration = pick_duration(r);
        b[i].credits = u8(r) < 160 ? 0 : pick_amount(r);
    }
    const char *key = pick_text(r, scratch);
    int rc = sl_book_many(S.db, out, &failed, t, b, n, key, now);
    for (size_t i = 0; rc == SL_OK && i < n; i++)
        note_session(&out[i], 1);
    return rc;
}

static int op_recurring(reader *r, sl_time now)
{
    static sl_session out[SL_MAX_RECURRING + 1];
    sl_time skipped[8];
    char scratch[TEXT_CAP];
    size_t booked = 0, n_skipped = 0;
    sl_id t = pick_tenant(r), st = pick_student(r);
    sl_time first = pick_time(r);
    int64_t dur = pick_duration(r), credits = u8(r) < 160 ? 0 : pick_amount(r);
    uint8_t c = u8(r);
    uint32_t count = c < 240 ? c % 6 + 1 : (c % 2 ? 0 : SL_MAX_RECURRING + 1);
    int32_t policy = u8(r) % 3;
    const char *key = pick_text(r, scratch);
    size_t cap = u8(r) % 2 ? 8 : 0;
    int rc = sl_book_recurring(S.db, out, &booked, cap ? skipped : NULL, cap, &n_skipped, t, st, first, dur,
                               credits, count, policy, key, now);
    if (rc == SL_OK && booked > count)
        FAIL("sl_book_recurring: %zu booked of %u", booked, count);
    for (size_t i = 0; rc == SL_OK && i < booked; i++)
        note_session(&out[i], 1);
    return rc;
}

static int op_transition(reader *r, sl_time now, int op)
{
    sl_session out, before;
    sl_id t = pick_tenant(r), id = pick_id(r, S.sessions, S.n_sessions);
    int live = t > 0 && id > 0 && sl_session_get(S.db, &before, t, id, 0) == SL_OK &&
               (before.status == SL_STATUS_PENDING || before.status == SL_STATUS_CONFIRMED);
    int rc;
    switch (op) {
    case OP_RESCHEDULE: rc = sl_reschedule(S.db, &out, t, id, pick_time(r), now); break;
    case OP_CONFIRM: rc = sl_confirm(S.db, &out, t, id, now); break;
    case OP_CANCEL: rc = sl_cancel(S.db, &out, t, id, now); break;
    case OP_COMPLETE: rc = sl_complete(S.db, &out, t, id, now); break;
    default: rc = sl_mark_no_show(S.db, &out, t, id, now); break;
    }
    if (rc == SL_ENOTFOUND && live && op != OP_RESCHEDULE && op != OP_CONFIRM)
        FAIL("session %lld (tenant %lld) is live and %s, yet op %d says SL_ENOTFOUND: stranded", (long long)id,
             (long long)t, before.status == SL_STATUS_PENDING ? "pending" : "confirmed", op);
    if (rc == SL_OK)
        note_session(&out, op == OP_RESCHEDULE);
    return rc;
}

static int op_soft(reader *r, sl_time now, int op)
{
    sl_id t = pick_tenant(r);
    int32_t entity = u8(r) % 6; /* 0 and 5 are not entities */
    sl_id id;
    switch (entity) {
    case SL_ENTITY_RULE: id = pick_id(r, S.rules, S.n_rules); break;
    case SL_ENTITY_OVERRIDE: id = pick_id(r, S.overrides, S.n_overrides); break;
    case SL_ENTITY_SESSION: id = pick_id(r, S.sessions, S.n_sessions); break;
    default: id = pick_student(r); break;
    }
    if (op == OP_PURGE) {
        size_t purged = 0;
        return sl_purge(S.db, u8(r) % 2 ? &purged : NULL, entity, pick_time(r));
    }
    if (op == OP_DELETE && entity == SL_ENTITY_ACCOUNT && (avoid & AVOID_STRANDED))
        return SL_OK;
    if (op == OP_DELETE)
        return sl_soft_delete(S.db, t, entity, id, now);
    int rc = sl_restore(S.db, t, entity, id, now);
    if (rc == SL_OK && entity == SL_ENTITY_SESSION && id > 0 && id < MAX_TRACKED)
        S.placed[id] = S.op_no;
    return rc;
}

static int op_post(reader *r, sl_time now)
{
    char ks[TEXT_CAP], rs[TEXT_CAP];
    sl_entry out;
    sl_id t = pick_tenant(r), acc = pick_student(r);
    int32_t kind = u8(r) % 8;
    int64_t amount = pick_amount(r);
    if (u8(r) < 128 && amount > 0 && amount != INT64_MIN && (kind == SL_ENTRY_CONSUME || kind == SL_ENTRY_EXPIRE))
        amount = -amount; /* mostly the right sign for the kind */
    const char *key = pick_text(r, ks), *ref = pick_text(r, rs);
    if ((avoid & AVOID_LONG_REF) && ref && strlen(ref) > SL_REF_MAX)
        ref = "r";
    if ((avoid & AVOID_MIN_ADJUST) && amount == INT64_MIN)
        amount = INT64_MIN + 1;
    int rc = sl_ledger_post(S.db, &out, t, acc, kind, amount, key, ref, now);
    if (rc == SL_OK && (out.tenant != t || out.account != acc || out.kind != kind || out.amount != amount ||
                        out.hold_id != 0 || strcmp(out.key, key ? key : "") != 0 || strcmp(out.reference, ref ? ref : "") != 0))
        FAIL("post (account %lld, kind %d, amount %lld, key \"%.40s\") returned entry %lld: account %lld, "
             "kind %d, amount %lld, hold %lld, replayed %d", (long long)acc, kind, (long long)amount, key,
             (long long)out.id, (long long)out.account, out.kind, (long long)out.amount, (long long)out.hold_id,
             out.replayed);
    return rc;
}

static int op_post_many(reader *r, sl_time now)
{
    static sl_post p[8];
    static sl_entry out[8];
    static char ks[8][TEXT_CAP], rs[8][TEXT_CAP];
    size_t n = u8(r) % 9, failed = 0;
    sl_id t = pick_tenant(r);
    for (size_t i = 0; i < n; i++) {
        p[i].account = pick_student(r);
        p[i].kind = u8(r) % 8;
        p[i].reserved = u8(r) < 250 ? 0 : 1;
        p[i].amount = pick_amount(r);
        if (p[i].kind == SL_ENTRY_CONSUME && p[i].amount > 0)
            p[i].amount = -p[i].amount;
        p[i].key = pick_text(r, ks[i]);
        if (p[i].key == NULL && u8(r) % 2)
            p[i].key = "k0";
        p[i].reference = pick_text(r, rs[i]);
        if ((avoid & AVOID_LONG_REF) && p[i].reference && strlen(p[i].reference) > SL_REF_MAX)
            p[i].reference = "r";
        if ((avoid & AVOID_MIN_ADJUST) && p[i].amount == INT64_MIN)
            p[i].amount = INT64_MIN + 1;
    }
    return sl_ledger_post_many(S.db, out, &failed, t, n ? p : NULL, n, now);
}

static int op_hold(reader *r, sl_time now, int op)
{
    char ks[TEXT_CAP];
    sl_id t = pick_tenant(r);
    int rc;
    if (op == OP_HOLD) {
        sl_credit_hold h;
        sl_id acc = pick_student(r);
        int64_t amount = pick_amount(r);
        uint8_t c = u8(r);
        sl_time exp = c < 200 ? sadd(now, (int64_t)(c % 10) * 1800) : pick_time(r);
        const char *key = pick_text(r, ks);
        rc = sl_hold(S.db, &h, t, acc, amount, exp, key, now);
        if (rc != SL_OK)
            return rc;
        if (h.tenant != t || h.account != acc || h.amount != amount || h.expires_at != exp ||
            strcmp(h.key, key ? key : "") != 0)
            FAIL("hold (account %lld, amount %lld, key \"%.40s\") returned hold %lld: account %lld, amount "
                 "%lld, replayed %d", (long long)acc, (long long)amount, key, (long long)h.id,
                 (long long)h.account, (long long)h.amount, h.replayed);
        note_hold(h.id);
        return rc;
    }
    sl_id id = pick_id(r, S.holds, S.n_holds);
    if (op == OP_RELEASE) {
        sl_credit_hold h;
        return sl_hold_release(S.db, u8(r) % 2 ? &h : NULL, t, id, now);
    }
    sl_entry e;
    sl_credit_hold h;
    int64_t amount = pick_amount(r);
    const char *key = pick_text(r, ks);
    rc = sl_hold_capture(S.db, &e, t, id, amount, key, now);
    if (rc != SL_OK)
        return rc;
    if (e.hold_id != id || e.amount != -amount || strcmp(e.key, key ? key : "") != 0 || sl_hold_get(S.db, &h, t, id) != SL_OK ||
        h.status != SL_HOLD_CAPTURED || h.entry_id != e.id)
        FAIL("capture of hold %lld (amount %lld, key \"%.40s\") returned entry %lld: hold %lld, amount %lld, "
             "replayed %d; the hold is in status %d", (long long)id, (long long)amount, key, (long long)e.id,
             (long long)e.hold_id, (long long)e.amount, e.replayed, h.status);
    return rc;
}

static int op_reads(reader *r, sl_time now, int op)
{
    sl_id t = pick_tenant(r);
    switch (op) {
    case OP_FLOOR: {
        static const int64_t f[] = {0, -10, -1, 5, 100, 0, -100, 1};
        return sl_account_set_floor(S.db, t, pick_student(r), pick_small(r, f, 8), now);
    }
    case OP_BALANCE: {
        sl_balance b;
        return sl_ledger_balance(S.db, &b, t, pick_student(r), now);
    }
    case OP_HISTORY: {
        static sl_entry page[4];
        size_t count = 0;
        static const int64_t after[] = {0, 1, 2, 5, -1, 0, 3, 0};
        return sl_ledger_history(S.db, u8(r) % 8 ? page : NULL, u8(r) % 5, &count, t, pick_student(r),
                                 pick_small(r, after, 8));
    }
    case OP_VERIFY:
        return sl_ledger_verify(S.db, u8(r) % 2 ? NULL : &(sl_verify_report){0}, t);
    case OP_CLAIM: {
        char s1[TEXT_CAP], s2[TEXT_CAP];
        int claimed = -1;
        const char *src = pick_text(r, s1);
        const char *ev = pick_text(r, s2);
        return sl_webhook_claim(S.db, &claimed, t, src, ev, now);
    }
    default:
        break;
    }
    /* OP_READS: single-row reads and lists with hostile ids and ranges. */
    union {
        sl_session s;
        sl_rule ru;
        sl_override o;
        sl_account a;
        sl_credit_hold h;
    } u;
    uint32_t flags = u8(r) % 3;
    switch (u8(r) % 7) {
    case 0: return sl_session_get(S.db, &u.s, t, pick_id(r, S.sessions, S.n_sessions), flags);
    case 1: return sl_rule_get(S.db, &u.ru, t, pick_id(r, S.rules, S.n_rules), flags);
    case 2: return sl_override_get(S.db, &u.o, t, S.n_dates ? S.dates[u8(r) % MAX_IDS] : pick_date(r), flags);
    case 3: return sl_account_get(S.db, &u.a, t, pick_student(r), flags);
    case 4: return sl_hold_get(S.db, &u.h, t, pick_id(r, S.holds, S.n_holds));
    case 5: {
        sl_session *list = NULL;
        size_t n = 0;
        sl_time from = pick_time(r);
        int rc = sl_sessions_list(S.db, &list, &n, t, from, u8(r) < 200 ? sadd(from, 7 * 86400) : pick_time(r), flags);
        sl_free(list);
        return rc;
    }
    default: {
        static const uint8_t secret[] = "whsec";
        const char *hdr = u8(r) % 2 ? "t=1700000000,v1=00" : "t=-9223372036854775808,v1=";
        return sl_webhook_verify(secret, 5, hdr, secret, 5, now, pick_amount(r));
    }
    }
}

/* Many separate windows on every weekday at once (up to 48 rules a
 * weekday, the limit): the slot builder's scratch arrays under pressure.
 * Not one call but a burst of sl_rule_add, checked as a whole. */
static int op_dense(reader *r, sl_time now)
{
    sl_id t = pick_tenant(r);
    int32_t per_day = u8(r) % 2 ? SL_MAX_WINDOWS_PER_DAY : 24, gap = per_day == 24 ? 60 : 30;
    if (avoid & AVOID_DENSE)
        per_day = 20;
    int rc = SL_OK;
    for (int32_t wd = 1; wd <= 7 && rc == SL_OK; wd++)
        for (int32_t i = 0; i < per_day && rc == SL_OK; i++) {
            sl_id id;
            rc = sl_rule_add(S.db, &id, t, wd, i * gap, i * gap + 15, SL_DATE_MIN, SL_DATE_MAX, now);
            if (rc == SL_OK)
                remember(S.rules, &S.n_rules, id);
        }
    return rc == SL_OK ? SL_OK : -1000; /* partly applied: not a "failed call" */
}

static int run_op(reader *r, int op, sl_time now)
{
    switch (op) {
    case OP_TENANT: return op_tenant(r, now);
    case OP_RULE_ADD: return op_rule(r, now, 0);
    case OP_RULE_UPDATE: return op_rule(r, now, 1);
    case OP_OVERRIDE: return op_override(r, now);
    case OP_SLOTS: return op_slots(r, now, 0);
    case OP_SLOTS_BOOK: return op_slots(r, now, 1);
    case OP_BOOK: case OP_TRIAL: case OP_MANUAL: return op_book(r, now, op);
    case OP_MANY: return op_many(r, now);
    case OP_RECURRING: return op_recurring(r, now);
    case OP_RESCHEDULE: case OP_CONFIRM: case OP_CANCEL: case OP_COMPLETE: case OP_NO_SHOW:
        return op_transition(r, now, op);
    case OP_DELETE: case OP_RESTORE: case OP_PURGE: return op_soft(r, now, op);
    case OP_POST: return op_post(r, now);
    case OP_POST_MANY: return op_post_many(r, now);
    case OP_HOLD: case OP_CAPTURE: case OP_RELEASE: return op_hold(r, now, op);
    case OP_DENSE: return op_dense(r, now);
    default: return op_reads(r, now, op);
    }
}

/* Hold ids are global: find holds placed by calls the harness does not see
 * the id of (restores re-reserving, post-fix behaviour). */
static void probe_holds(void)
{
    for (int miss = 0; miss < 4;) {
        sl_credit_hold h;
        int found = 0;
        for (sl_id t = 1; t <= N_TENANTS && !found; t++)
            found = sl_hold_get(S.db, &h, t, S.max_hold + 1 + miss) == SL_OK;
        if (found) {
            S.max_hold += 1 + miss;
            miss = 0;
        } else {
            miss++;
        }
    }
}

/* Optional preamble (first byte odd): two tenants with weekday hours, so
 * short inputs reach bookings. */
static void preamble(void)
{
    sl_tenant t;
    sl_tenant_init(&t, SL_TENANT_VERSION);
    for (sl_id id = 1; id <= 2; id++) {
        t.id = id;
        snprintf(t.tz, sizeof t.tz, "%s", id == 1 ? "Europe/Berlin" : "UTC");
        t.buffer_after = id == 1 ? 600 : 0;
        if (sl_tenant_put(S.db, &t, T0) != SL_OK)
            FAIL("preamble: tenant %lld: %s", (long long)id, sl_errmsg(S.db));
        S.tenant_seen[id] = 1;
        S.min_after[id] = t.buffer_after;
        for (int32_t wd = 1; wd <= 7; wd++)
            if (sl_rule_add(S.db, NULL, id, wd, 8 * 60, 18 * 60, SL_DATE_MIN, SL_DATE_MAX, T0) != SL_OK)
                FAIL("preamble: rule: %s", sl_errmsg(S.db));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    reader r = {data, size};
    if (!init) {
        const char *a = getenv("SL_FUZZ_AVOID");
        avoid = a ? (unsigned)strtoul(a, NULL, 0) : 0;
        init = 1;
    }
    buf snap = S.snap, prev = S.prev;
    memset(&S, 0, sizeof S);
    S.snap = snap;
    S.prev = prev;
    S.now = T0;
    if (sl_open_memory(&S.db, NULL) != SL_OK)
        abort();
    if (u8(&r) & 1)
        preamble();
    snapshot(&S.prev);
    while (r.n > 0 && S.op_no < MAX_OPS) {
        int op = u8(&r) % OP_COUNT;
        sl_time now = next_now(&r);
        S.op_no++;
        balances_before(now);
        int rc = run_op(&r, op, now);
        if (rc == -1000) { /* a burst: may have partly applied */
            probe_holds();
            snapshot(&S.prev);
            continue;
        }
        if (rc > 0 || rc < SL_ERROR_MIN)
            FAIL("op %d returned %d, not a result code", op, rc);
        probe_holds();
        snapshot(&S.snap);
        if ((rc != SL_OK || read_only(op)) &&
            (S.snap.len != S.prev.len || memcmp(S.snap.p, S.prev.p, S.snap.len) != 0))
            FAIL("op %d %s (%s) changed the state", op, rc == SL_OK ? "read" : "failed", sl_strerror(rc));
        check_balances(now, op == OP_FLOOR);
        if (rc == SL_OK && !read_only(op) && op != OP_SLOTS_BOOK && op != OP_PURGE && (now == INT64_MIN || now == INT64_MAX))
            FAIL("op %d succeeded with now = %lld", op, (long long)now);
        buf tmp = S.prev;
        S.prev = S.snap;
        S.snap = tmp;
    }
    sl_close(S.db);
    S.db = NULL;
    return 0;
}
