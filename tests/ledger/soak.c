/*
 * tests/ledger/soak.c - a seeded soak against a model (SL_TEST_SEED reruns
 * it): a table of small operations, each checked against the model, drawn
 * at random by one loop that checks the invariants after every step.
 */
#include "ledger_test.h"

#define SK_ACCTS 4
#define SK_TENANT 3
#define SK_LATE (5 * DAY)
#define SK_SLOT(k) (BASE + 2 * DAY + (sl_time)(k) * HOUR)

typedef struct sk_hold {
    sl_id id;
    sl_id account;
    int64_t amount;
    sl_time expires;
    int done;
    char key[24];       /* sl_hold key, "" for bookings */
    char ckey[24];      /* the capture's key, "" if none */
    int64_t camount;
    sl_id centry;
} sk_hold;

typedef struct sk_post {
    char key[24];
    sl_id account;
    int32_t kind;
    int64_t amount;
    sl_id id;
    int64_t seq;
    sl_time at;
    int linked; /* posted by sl_ledger_post_many: replayed by it (its own key space) */
} sk_post;

typedef struct sk_sess {
    sl_id id;
    sl_time start;
    size_t hold;        /* index + 1 into holds, 0 = none */
    int live;
} sk_sess;

typedef struct soak {
    uint64_t rng;
    sl_time now;
    int64_t posted[SK_ACCTS + 1], floor[SK_ACCTS + 1];
    int64_t seen_sum[SK_ACCTS + 1], seen_seq[SK_ACCTS + 1];
    sk_hold *holds;
    size_t nh, caph;
    sk_post *posts;
    size_t np, capp;
    sk_sess *sess;
    size_t ns, caps;
    int64_t entries;
    long keyno, slot;
    long ops[16], fails[16];
} soak;

static uint64_t rnd(soak *m, uint64_t n)
{
    return sl_test_rand(&m->rng) % n;
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 64;
    p = realloc(p, *cap * size);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Whether item i of the model is live: a hold neither resolved nor lapsed,
 * a session not yet settled. */
typedef int (*sk_is_live)(const soak *m, size_t i);

static int sk_hold_live(const soak *m, size_t i)
{
    return !m->holds[i].done && m->holds[i].expires > m->now;
}

static int sk_session_live(const soak *m, size_t i)
{
    return m->sess[i].live;
}

/* How many of items 0..n-1 are live. */
static size_t sk_count_live(const soak *m, size_t n, sk_is_live live)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += live(m, i) != 0;
    return count;
}

/* The index of the pick-th (from 0) live item; there must be one. */
static size_t sk_nth_live(const soak *m, sk_is_live live, size_t pick)
{
    size_t i = 0;
    for (;; i++)
        if (live(m, i) && pick-- == 0)
            return i;
}

static int64_t sk_held(const soak *m, sl_id a)
{
    int64_t held = 0;
    for (size_t i = 0; i < m->nh; i++)
        if (m->holds[i].account == a && sk_hold_live(m, i))
            held += m->holds[i].amount;
    return held;
}

static int sign_ok(int32_t kind, int64_t amount)
{
    if (amount == 0 || kind < 1 || kind > 6)
        return 0;
    if (kind == SL_ENTRY_PURCHASE || kind == SL_ENTRY_GRANT || kind == SL_ENTRY_REFUND)
        return amount > 0;
    if (kind == SL_ENTRY_CONSUME || kind == SL_ENTRY_EXPIRE)
        return amount < 0;
    return 1;
}

/* The model's answer to a new post, applied to posted[] on success. */
static int sk_expect_post(const soak *m, int64_t *posted, sl_id a, int32_t kind, int64_t amount)
{
    if (!sign_ok(kind, amount))
        return SL_EINVAL;
    if (amount < 0 && posted[a] - sk_held(m, a) + amount < m->floor[a])
        return SL_EINSUFFICIENT;
    posted[a] += amount;
    return SL_OK;
}

static void sk_random_post(soak *m, sl_post *p, char *key)
{
    p->account = 1 + (sl_id)rnd(m, SK_ACCTS);
    p->kind = 1 + (int32_t)rnd(m, 6);
    int64_t amt = 1 + (int64_t)rnd(m, 12);
    int neg = p->kind == SL_ENTRY_CONSUME || p->kind == SL_ENTRY_EXPIRE ||
              (p->kind == SL_ENTRY_ADJUST && rnd(m, 2));
    p->amount = neg ? -amt : amt;
    if (rnd(m, 25) == 0)
        p->amount = rnd(m, 2) ? 0 : -p->amount; /* an invalid one now and then */
    snprintf(key, 24, "sk%ld", m->keyno++);
    p->key = key;
    p->reference = NULL;
    p->reserved = 0;
}

static void sk_record_post(soak *m, const sl_post *p, const sl_entry *e)
{
    m->posts = grow(m->posts, &m->capp, m->np, sizeof(*m->posts));
    sk_post *r = &m->posts[m->np++];
    snprintf(r->key, sizeof(r->key), "%s", p->key);
    r->account = p->account;
    r->kind = p->kind;
    r->amount = p->amount;
    r->id = e->id;
    r->seq = e->seq;
    r->at = e->created_at;
    r->linked = 0;
    m->entries++;
}

/* Repeats post r (amount changed by delta) the way it was made: a linked
 * post's key is not a plain post's, and the other way round. */
static int sk_repost(const sk_post *r, sl_entry *e, int64_t delta, sl_time now)
{
    sl_post p = {r->account, r->kind, 0, r->amount + delta, r->key, NULL};
    if (r->linked)
        return sl_ledger_post_many(db, e, NULL, SK_TENANT, &p, 1, now);
    return sl_ledger_post(db, e, SK_TENANT, p.account, p.kind, p.amount, p.key, NULL, now);
}

static size_t sk_add_hold(soak *m, sl_id id, sl_id account, int64_t amount, sl_time expires, const char *key)
{
    m->holds = grow(m->holds, &m->caph, m->nh, sizeof(*m->holds));
    sk_hold *h = &m->holds[m->nh++];
    memset(h, 0, sizeof(*h));
    h->id = id;
    h->account = account;
    h->amount = amount;
    h->expires = expires;
    snprintf(h->key, sizeof(h->key), "%s", key ? key : "");
    return m->nh;
}

/* A new live session of the model, with the hold of its credits if any. */
static void sk_add_session(soak *m, sl_id id, sl_time start, sl_id student, int64_t credits, sl_id hold_id)
{
    m->sess = grow(m->sess, &m->caps, m->ns, sizeof(*m->sess));
    sk_sess *x = &m->sess[m->ns++];
    x->id = id;
    x->start = start;
    x->live = 1;
    x->hold = credits ? sk_add_hold(m, hold_id, student, credits, NEVER, NULL) : 0;
}

#define SK_CHECK(m, rc, want, what)                                                                  \
    ck_assert_msg((rc) == (want), "soak step %ld (%s): %s, model expected %s: %s", step, (what),      \
                  sl_strerror(rc), sl_strerror(want), sl_errmsg(db))

/* After every step: balances equal the model, the entries sum to posted,
 * available >= floor, and the chain verifies. */
static void sk_invariants(soak *m, long step, int full)
{
    for (sl_id a = 1; a <= SK_ACCTS; a++) {
        sl_balance b;
        ck_assert_ok_db(db, sl_ledger_balance(db, &b, SK_TENANT, a, m->now));
        ck_assert_msg(b.posted == m->posted[a] && b.held == sk_held(m, a) && b.available == b.posted - b.held,
                      "soak step %ld: account %lld posted %lld held %lld available %lld; model %lld / %lld", step,
                      (long long)a, (long long)b.posted, (long long)b.held, (long long)b.available,
                      (long long)m->posted[a], (long long)sk_held(m, a));
        ck_assert_msg(b.available >= b.floor && b.floor == m->floor[a],
                      "soak step %ld: account %lld available %lld below floor %lld", step, (long long)a,
                      (long long)b.available, (long long)b.floor);
        /* New entries since the last step, by keyset pages... */
        sl_entry page[8];
        size_t got;
        do {
            ck_assert_ok_db(db, sl_ledger_history(db, page, 8, &got, SK_TENANT, a, m->seen_seq[a]));
            for (size_t i = 0; i < got; i++) {
                ck_assert_int_eq(page[i].account, a);
                ck_assert_int_gt(page[i].seq, m->seen_seq[a]);
                m->seen_sum[a] += page[i].amount;
                m->seen_seq[a] = page[i].seq;
                ck_assert_int_eq(page[i].balance_after, m->seen_sum[a]);
            }
        } while (got == 8);
        ck_assert_msg(m->seen_sum[a] == b.posted, "soak step %ld: account %lld entries sum to %lld, posted %lld",
                      step, (long long)a, (long long)m->seen_sum[a], (long long)b.posted);
        /* ...and now and then all of them again. */
        if (full) {
            hist h = history_of(db, SK_TENANT, a);
            ck_assert_int_eq(h.sum, b.posted);
        }
    }
    sl_verify_report r;
    int rc = sl_ledger_verify(db, &r, SK_TENANT);
    ck_assert_msg(rc == SL_OK, "soak step %ld: verify: %s", step, sl_errmsg(db));
    ck_assert_int_eq(r.entries, m->entries);
}

/* ---- the operations: each makes one call, checks it against the model,
 * and returns the call's result (SL_OK when it had nothing to do). ------- */

static int op_post(soak *m, long step)
{
    sl_post p;
    sl_entry e;
    char key[24];
    sk_random_post(m, &p, key);
    int want = sk_expect_post(m, m->posted, p.account, p.kind, p.amount);
    int rc = sl_ledger_post(db, &e, SK_TENANT, p.account, p.kind, p.amount, p.key, NULL, m->now);
    SK_CHECK(m, rc, want, "post");
    if (rc == SL_OK) {
        ck_assert_int_eq(e.seq, m->entries + 1);
        sk_record_post(m, &p, &e);
    }
    return rc;
}

static int op_replay(soak *m, long step)
{
    if (!m->np)
        return SL_OK;
    sk_post *r = &m->posts[rnd(m, m->np)];
    sl_entry e;
    int rc = sk_repost(r, &e, 0, m->now);
    SK_CHECK(m, rc, SL_OK, "replay");
    ck_assert_int_eq(e.replayed, 1);
    ck_assert_int_eq(e.id, r->id);
    ck_assert_int_eq(e.seq, r->seq);
    ck_assert_int_eq(e.created_at, r->at);
    return rc;
}

static int op_mismatch(soak *m, long step)
{
    if (!m->np)
        return SL_OK;
    sk_post *r = &m->posts[rnd(m, m->np)];
    int rc = sk_repost(r, NULL, r->amount > 0 ? 1 : -1, m->now);
    SK_CHECK(m, rc, SL_EIDEMPOTENCY, "mismatched replay");
    ERRMSG_HAS(db, "the amount differs");
    return rc;
}

static int op_hold(soak *m, long step)
{
    sl_id a = 1 + (sl_id)rnd(m, SK_ACCTS);
    int64_t amt = 1 + (int64_t)rnd(m, 8);
    sl_time exp = m->now + 1 + (sl_time)rnd(m, 400);
    sl_credit_hold h;
    char key[24];
    snprintf(key, sizeof(key), "sk%ld", m->keyno++);
    int want = m->posted[a] - sk_held(m, a) - amt < m->floor[a] ? SL_EINSUFFICIENT : SL_OK;
    int rc = sl_hold(db, &h, SK_TENANT, a, amt, exp, key, m->now);
    SK_CHECK(m, rc, want, "hold");
    if (rc == SL_OK)
        sk_add_hold(m, h.id, a, amt, exp, key);
    return rc;
}

/* Mostly a live hold, sometimes any (resolved, lapsed); NULL if none. */
static sk_hold *sk_pick_hold(soak *m)
{
    if (!m->nh)
        return NULL;
    size_t i = rnd(m, m->nh), live = sk_count_live(m, m->nh, sk_hold_live);
    if (live && rnd(m, 4))
        i = sk_nth_live(m, sk_hold_live, rnd(m, live));
    return &m->holds[i];
}

/* What capture and release of h must answer: a resolved hold is final, a
 * lapsed one expired. */
static int sk_resolve_want(const soak *m, const sk_hold *h)
{
    return h->done ? SL_ESTATE : m->now >= h->expires ? SL_EEXPIRED : SL_OK;
}

static int op_capture(soak *m, long step)
{
    sk_hold *h = sk_pick_hold(m);
    if (!h)
        return SL_OK;
    int want = sk_resolve_want(m, h);
    int64_t amt = 1 + (int64_t)rnd(m, (uint64_t)h->amount);
    sl_entry e;
    char key[24];
    snprintf(key, sizeof(key), "sk%ld", m->keyno++);
    int rc = sl_hold_capture(db, &e, SK_TENANT, h->id, amt, key, m->now);
    SK_CHECK(m, rc, want, "capture");
    if (rc == SL_OK) {
        ck_assert_int_eq(e.amount, -amt);
        ck_assert_int_eq(e.hold_id, h->id);
        h->done = 1;
        snprintf(h->ckey, sizeof(h->ckey), "%s", key);
        h->camount = amt;
        h->centry = e.id;
        m->posted[h->account] -= amt;
        m->entries++;
    }
    return rc;
}

static int op_release(soak *m, long step)
{
    sk_hold *h = sk_pick_hold(m);
    if (!h)
        return SL_OK;
    int want = sk_resolve_want(m, h);
    int rc = sl_hold_release(db, NULL, SK_TENANT, h->id, m->now);
    SK_CHECK(m, rc, want, "release");
    if (rc == SL_OK)
        h->done = 1;
    return rc;
}

/* A hold drawn at random, up to 16 draws, until one has a key: its
 * capture's (capture) or its own; NULL if no draw had one. */
static sk_hold *sk_draw_keyed_hold(soak *m, int capture)
{
    for (size_t tries = 0; tries < 16 && m->nh; tries++) {
        sk_hold *h = &m->holds[rnd(m, m->nh)];
        if ((capture ? h->ckey : h->key)[0])
            return h;
    }
    return NULL;
}

/* Repeats a keyed call of a hold drawn at random, its capture (capture)
 * or the hold itself: a replay, answering the first call's row. */
static int sk_keyed_replay(soak *m, long step, int capture)
{
    sk_hold *h = sk_draw_keyed_hold(m, capture);
    if (!h)
        return SL_OK;
    sl_entry e;
    sl_credit_hold got;
    int rc = capture ? sl_hold_capture(db, &e, SK_TENANT, h->id, h->camount, h->ckey, m->now)
                     : sl_hold(db, &got, SK_TENANT, h->account, h->amount, h->expires, h->key, m->now);
    SK_CHECK(m, rc, SL_OK, capture ? "capture replay" : "hold replay");
    ck_assert_int_eq(capture ? e.replayed : got.replayed, 1);
    ck_assert_int_eq(capture ? e.id : got.id, capture ? h->centry : h->id);
    return rc;
}

static int op_capture_replay(soak *m, long step)
{
    return sk_keyed_replay(m, step, 1);
}

static int op_hold_replay(soak *m, long step)
{
    return sk_keyed_replay(m, step, 0);
}

static int op_batch(soak *m, long step)
{
    sl_post p[4];
    sl_entry out[4];
    char keys[4][24];
    int64_t posted[SK_ACCTS + 1];
    size_t n = 2 + rnd(m, 3), failed = 99, want_idx = n;
    int want = SL_OK;
    memcpy(posted, m->posted, sizeof(posted));
    int replay_at = m->np && rnd(m, 3) == 0 ? (int)rnd(m, n) : -1;
    sk_post *replayed = replay_at >= 0 ? &m->posts[rnd(m, m->np)] : NULL;
    if (replayed && !replayed->linked)
        replay_at = -1; /* only a linked post replays inside a batch */
    for (size_t i = 0; i < n; i++) {
        if ((int)i == replay_at) {
            sk_post *r = replayed;
            p[i] = (sl_post){r->account, r->kind, 0, r->amount, r->key, NULL};
            continue;
        }
        sk_random_post(m, &p[i], keys[i]);
        if (want == SL_OK && (want = sk_expect_post(m, posted, p[i].account, p[i].kind, p[i].amount)) != SL_OK)
            want_idx = i;
    }
    int rc = sl_ledger_post_many(db, out, &failed, SK_TENANT, p, n, m->now);
    SK_CHECK(m, rc, want, "linked batch");
    ck_assert_uint_eq(failed, want_idx);
    if (rc == SL_OK) {
        memcpy(m->posted, posted, sizeof(posted));
        for (size_t i = 0; i < n; i++) {
            if ((int)i == replay_at) {
                ck_assert_int_eq(out[i].replayed, 1);
                continue;
            }
            ck_assert_int_eq(out[i].replayed, 0);
            sk_record_post(m, &p[i], &out[i]);
            m->posts[m->np - 1].linked = 1;
        }
    }
    return rc;
}

static int op_book(soak *m, long step)
{
    sl_id a = 1 + (sl_id)rnd(m, SK_ACCTS);
    int64_t credits = (int64_t)rnd(m, 4);
    sl_time start = SK_SLOT(m->slot);
    sl_session s;
    int want = credits && m->posted[a] - sk_held(m, a) - credits < m->floor[a] ? SL_EINSUFFICIENT : SL_OK;
    int rc = sl_book(db, &s, SK_TENANT, a, start, HOUR, credits, NULL, m->now);
    SK_CHECK(m, rc, want, "book");
    if (rc == SL_OK) {
        m->slot++;
        sk_add_session(m, s.id, start, a, credits, s.hold_id);
        ck_assert_int_eq(s.hold_id != 0, credits != 0);
    }
    return rc;
}

static int op_book_many(soak *m, long step)
{
    sl_booking b[3];
    sl_session out[3];
    int64_t held_extra[SK_ACCTS + 1] = {0};
    size_t n = 2 + rnd(m, 2), failed = 99, want_idx = n;
    int want = SL_OK;
    for (size_t i = 0; i < n; i++) {
        b[i] = (sl_booking){1 + (sl_id)rnd(m, SK_ACCTS), SK_SLOT(m->slot + (long)i), HOUR, (int64_t)rnd(m, 3)};
        sl_id a = b[i].student;
        if (want == SL_OK && b[i].credits &&
            m->posted[a] - sk_held(m, a) - held_extra[a] - b[i].credits < m->floor[a]) {
            want = SL_EINSUFFICIENT;
            want_idx = i;
        }
        held_extra[a] += b[i].credits;
    }
    int rc = sl_book_many(db, out, &failed, SK_TENANT, b, n, NULL, m->now);
    SK_CHECK(m, rc, want, "book many");
    ck_assert_uint_eq(failed, want_idx);
    if (rc == SL_OK) {
        m->slot += (long)n;
        for (size_t i = 0; i < n; i++)
            sk_add_session(m, out[i].id, b[i].start, b[i].student, b[i].credits, out[i].hold_id);
    }
    return rc;
}

/* An operation on session x of the model and h, the model's hold of its
 * credits (NULL if it has none). */
typedef int (*sk_session_op)(soak *m, long step, sk_sess *x, sk_hold *h);

/* Runs op on a live session of the model drawn at random; SL_OK when there
 * is none. */
static int sk_on_live_session(soak *m, long step, sk_session_op op)
{
    size_t live = sk_count_live(m, m->ns, sk_session_live);
    if (!live)
        return SL_OK;
    sk_sess *x = &m->sess[sk_nth_live(m, sk_session_live, rnd(m, live))];
    return op(m, step, x, x->hold ? &m->holds[x->hold - 1] : NULL);
}

static int sk_reschedule(soak *m, long step, sk_sess *x, sk_hold *h)
{
    sl_session s;
    sl_time start = SK_SLOT(m->slot);
    int rc = sl_reschedule(db, &s, SK_TENANT, x->id, start, m->now);
    SK_CHECK(m, rc, SL_OK, "reschedule");
    ck_assert_int_eq(s.hold_id, h ? h->id : 0);
    m->slot++;
    x->start = start;
    return rc;
}

/* Cancel, complete or no-show: the session's hold is captured or released. */
static int sk_settle(soak *m, long step, sk_sess *x, sk_hold *h)
{
    sl_session s;
    int what = (int)rnd(m, 3);
    int capture = what != 0 || (x->start - SK_LATE < m->now);
    int rc = what == 0 ? sl_cancel(db, &s, SK_TENANT, x->id, m->now)
             : what == 1 ? sl_complete(db, &s, SK_TENANT, x->id, m->now)
                         : sl_mark_no_show(db, &s, SK_TENANT, x->id, m->now);
    SK_CHECK(m, rc, SL_OK, what == 0 ? "cancel" : what == 1 ? "complete" : "no-show");
    x->live = 0;
    if (h && h->done) {
        /* Resolved directly by a capture or release op earlier:
         * the session moves on, the hold is left as it was. */
        ck_assert_int_ne(hold_get(db, SK_TENANT, h->id).status, SL_HOLD_ACTIVE);
    } else if (h) {
        sl_credit_hold got = hold_get(db, SK_TENANT, h->id);
        ck_assert_int_eq(got.status, capture ? SL_HOLD_CAPTURED : SL_HOLD_RELEASED);
        h->done = 1;
        if (capture) {
            m->posted[h->account] -= h->amount;
            m->entries++;
        }
    }
    return rc;
}

static int op_reschedule(soak *m, long step)
{
    return sk_on_live_session(m, step, sk_reschedule);
}

static int op_settle(soak *m, long step)
{
    return sk_on_live_session(m, step, sk_settle);
}

static int op_floor(soak *m, long step)
{
    sl_id a = 1 + (sl_id)rnd(m, SK_ACCTS);
    int64_t f = -(int64_t)rnd(m, 6), avail = m->posted[a] - sk_held(m, a);
    if (f > avail)
        f = avail;
    int rc = sl_account_set_floor(db, SK_TENANT, a, f, m->now);
    SK_CHECK(m, rc, SL_OK, "set floor");
    m->floor[a] = f;
    return rc;
}

static int op_tick(soak *m, long step)
{
    (void)step;
    m->now += 100 + (sl_time)rnd(m, 300);
    return SL_OK;
}

/* The operations and how often each is drawn: a draw d in [0, 100) runs
 * the first operation with d < upto. */
static const struct sk_op {
    const char *name;
    int upto;
    int (*run)(soak *m, long step);
} sk_ops[] = {
    {"post", 24, op_post},
    {"replay", 30, op_replay},
    {"mismatch", 33, op_mismatch},
    {"hold", 45, op_hold},
    {"capture", 53, op_capture},
    {"capture-replay", 56, op_capture_replay},
    {"release", 62, op_release},
    {"batch", 68, op_batch},
    {"book", 76, op_book},
    {"book-many", 79, op_book_many},
    {"complete/cancel", 87, op_settle},
    {"reschedule", 89, op_reschedule},
    {"floor", 91, op_floor},
    {"hold-replay", 93, op_hold_replay},
    {"tick", 100, op_tick},
};
#define SK_N_OPS (sizeof(sk_ops) / sizeof(sk_ops[0]))

START_TEST(test_soak)
{
    soak m;
    memset(&m, 0, sizeof(m));
    m.rng = sl_test_seed("ledger soak");
    m.now = NOW0;
    put_tenant(db, SK_TENANT, SK_LATE);
    long steps = sl_test_scale(3000);

    for (long step = 0; step < steps; step++) {
        int dice = (int)rnd(&m, 100);
        size_t op = 0;
        while (dice >= sk_ops[op].upto)
            op++;
        m.ops[op]++;
        if (sk_ops[op].run(&m, step) != SL_OK)
            m.fails[op]++;
        m.now += (sl_time)rnd(&m, 20);
        sk_invariants(&m, step, step % 200 == 199 || step == steps - 1);
    }
    fprintf(stderr, "# ledger soak on %s: %ld steps, %lld entries, %zu holds, %zu sessions, final now +%lld s\n#  ",
            sl_test_backend, steps, (long long)m.entries, m.nh, m.ns, (long long)(m.now - NOW0));
    for (size_t op = 0; op < SK_N_OPS; op++)
        fprintf(stderr, " %s %ld (%ld refused)", sk_ops[op].name, m.ops[op], m.fails[op]);
    fprintf(stderr, "\n");
    free(m.holds);
    free(m.posts);
    free(m.sess);
}
END_TEST

SL_TEST_TCASE(tcase_ledger_soak, "soak", setup, teardown, 240, test_soak)
