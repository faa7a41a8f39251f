/*
 * tests/fuzz_api_state.c - the public-API fuzz harness's state, input
 * reader, hostile argument pickers, snapshot and invariants: see
 * fuzz_api.h and the invariants listed in fuzz_api.c.
 */
#include "fuzz_api.h"

static const sl_id students[N_STUDENTS] = {1, 2, 3, 4, INT64_MAX};

/* Saturating arithmetic for hostile values (the harness itself must not
 * overflow: UBSan would blame it). */
int64_t sadd(int64_t a, int64_t b)
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

uint8_t u8(reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

uint16_t u16(reader *r)
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

state S;
unsigned avoid;
sl_interval slot_buf[SL_MAX_SLOTS];


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

void remember(sl_id *ids, unsigned *n, sl_id id)
{
    ids[*n % MAX_IDS] = id;
    (*n)++;
}

void note_hold(sl_id id)
{
    if (id > 0) {
        if (id > S.max_hold && id < 100000)
            S.max_hold = id;
        remember(S.holds, &S.n_holds, id);
    }
}

void note_session(const sl_session *s, int placed)
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

sl_id pick_tenant(reader *r)
{
    static const sl_id t[] = {1, 1, 2, 3, 1, 2, 0, -1, INT64_MIN, 4, 1, 2, 3, 3, 1, 2};
    return t[u8(r) % 16];
}

sl_id pick_student(reader *r)
{
    static const sl_id s[] = {1, 2, 3, 4, 1, 2, 1, 2, 3, 0, -1, INT64_MAX, INT64_MIN, 1, 2, 3};
    return s[u8(r) % 16];
}

sl_id pick_id(reader *r, const sl_id *ids, unsigned n)
{
    uint8_t c = u8(r);
    if (c < 200 && n > 0)
        return ids[(c % (n < MAX_IDS ? n : MAX_IDS))];
    if (c < 220)
        return (sl_id)(c % 8) + 1;
    return hostile64[c % NHOSTILE];
}

sl_time pick_time(reader *r)
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

int64_t pick_duration(reader *r)
{
    static const int64_t d[] = {3600, 1800, 2700, 60, 86400, 5400, 3600, 1800,
                                0, -1, 59, 86401, INT64_MAX, INT64_MIN, 7200, 900};
    return d[u8(r) % 16];
}

int64_t pick_amount(reader *r)
{
    static const int64_t a[] = {1, 2, 3, 5, 10, 100, 1, 2, 0, -1, -5, INT64_MIN, INT64_MAX,
                                INT64_MAX / 2 + 1, INT64_MIN / 2, -100};
    uint8_t c = u8(r);
    if (c >= 248)
        return (int64_t)u64(r);
    return a[c % 16];
}

int64_t pick_small(reader *r, const int64_t *vals, size_t n)
{
    uint8_t c = u8(r);
    if (c >= 240)
        return hostile64[c % NHOSTILE];
    return vals[c % n];
}

/* Keys and references: reused short keys, boundary lengths, bad UTF-8.
 * scratch has TEXT_CAP bytes; the result may point into it. */
const char *pick_text(reader *r, char *scratch)
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

sl_date pick_date(reader *r)
{
    uint8_t c = u8(r);
    sl_date base = (sl_date)(T0 / 86400);
    if (c < 220)
        return base + (sl_date)(c % 24) - 2;
    static const sl_date h[] = {SL_DATE_MIN, SL_DATE_MAX, 0, -1, SL_DATE_MAX - 1, SL_DATE_MIN + 1};
    return h[c % 6];
}

int32_t pick_minute(reader *r)
{
    uint8_t c = u8(r);
    if (c < 230)
        return (int32_t)(c % 97) * 15; /* 0..1440 */
    static const int32_t h[] = {-1, 1441, INT32_MIN, INT32_MAX, 1439, 1};
    return h[c % 6];
}

/* The `now` of the next call: mostly forward, sometimes back, rarely hostile. */
sl_time next_now(reader *r)
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

void snapshot(buf *b)
{
    b->len = 0;
    for (sl_id t = 1; t <= N_TENANTS; t++) {
        snap_schedule(b, t);
        snap_sessions(b, t);
        snap_ledger(b, t);
    }
}

/* Balances at `now`, before a call (for the floor rule). */
void balances_before(sl_time now)
{
    for (sl_id t = 1; t <= N_TENANTS; t++)
        for (int k = 0; k < N_STUDENTS; k++) {
            sl_balance bal;
            S.avail_known[t][k] = sl_ledger_balance(S.db, &bal, t, students[k], now) == SL_OK;
            S.avail_before[t][k] = S.avail_known[t][k] ? bal.available : 0;
        }
}

void check_balances(sl_time now, int floor_call)
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
