/*
 * tests/diff_api_ops.c - the steps of the differential walk (diff_api.h):
 * drawing one, applying it through the public API, and dumping what a
 * caller can read back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_api.h"

void da_printf(da_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(len, 0);
    if (t->n + (size_t)len + 1 > t->cap) {
        size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)len;
        t->p = realloc(t->p, cap);
        ck_assert_ptr_nonnull(t->p);
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)len;
}

static const char *const op_names[DA_OPS] = {
    "book", "book_trial", "book_many", "book_recurring", "confirm", "cancel", "complete", "mark_no_show",
    "reschedule", "soft_delete session", "restore session", "ledger_post", "hold", "hold_release",
    "hold_capture", "class_create", "class_enroll", "class_withdraw", "class_no_show", "book_any", "book_all",
    "soft_delete rule", "restore rule", "group_begin", "group_commit", "group_rollback", "outbox_claim",
    "outbox_ack", "outbox_fail", "outbox_retry", "purge", "account delete/restore"};

const char *da_op_name(int op)
{
    return op >= 0 && op < DA_OPS ? op_names[op] : "?";
}

static int64_t pick(uint64_t *rng, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(sl_test_rand(rng) % (uint64_t)(hi - lo + 1));
}

/* A recent id of one kind from the ring (n made so far), or any small id. */
static sl_id recent(uint64_t *rng, const sl_id *ring, unsigned n)
{
    if (n == 0 || pick(rng, 1, 5) == 1)
        return pick(rng, 1, 30);
    if (pick(rng, 1, 2) == 1)
        return ring[(n - 1) % 8]; /* the latest */
    return ring[pick(rng, 0, (n < 8 ? n : 8) - 1)];
}

static void remember(sl_id *ring, unsigned *n, sl_id id)
{
    if (id > 0)
        ring[(*n)++ % 8] = id;
}

void da_draw(da_step *s, uint64_t *rng, long i, const da_memo *m)
{
    memset(s, 0, sizeof(*s));
    s->op = (int)pick(rng, 0, DA_OPS - 1);
    s->tenant = pick(rng, 1, 12) == 1 ? 3 : pick(rng, 1, DA_TENANTS); /* 3 does not exist */
    s->student = pick(rng, 1, DA_STUDENTS);
    int classy = s->op >= 16 && s->op <= 18, holdy = s->op == 13 || s->op == 14, eventy = s->op == 27 || s->op == 28;
    s->id = classy      ? recent(rng, m->cls, m->n_cls)
            : holdy     ? recent(rng, m->hold, m->n_hold)
            : eventy    ? recent(rng, m->event, m->n_event)
            : s->op == 29 ? recent(rng, m->dead, m->n_dead)
                        : recent(rng, m->session, m->n_session);
    /* Classes and outbox events are acted on in their own tenant, mostly. */
    for (unsigned k = 0; s->tenant != 3 && k < 8; k++) {
        if (classy && k < m->n_cls && m->cls[k] == s->id)
            s->tenant = m->cls_tenant[k];
        if (eventy && k < m->n_event && m->event[k] == s->id)
            s->tenant = m->event_tenant[k];
        if (s->op == 29 && k < m->n_dead && m->dead[k] == s->id)
            s->tenant = m->dead_tenant[k];
    }
    s->other = pick(rng, 1, 30);
    s->now = DA_NOW0 + i * 120;
    /* On the grid mostly, sometimes off it or in the past. */
    s->start = DA_BASE + pick(rng, 0, 6) * DA_DAY + pick(rng, 14, 38) * 1800 + (pick(rng, 1, 10) == 1 ? 600 : 0);
    if (pick(rng, 1, 20) == 1)
        s->start = DA_NOW0 - DA_DAY;
    s->duration = pick(rng, 1, 2) * 1800;
    s->amount = pick(rng, -3, 6);
    s->n = pick(rng, 1, 3);
    /* A few keys that collide across operations, or one of this step alone. */
    int64_t k = pick(rng, 1, 6);
    if (k <= 2)
        snprintf(s->key_buf, sizeof(s->key_buf), "k%d", (int)pick(rng, 0, 7));
    else if (k <= 4 || s->op == 11)
        snprintf(s->key_buf, sizeof(s->key_buf), "u%ld", i);
    s->key = s->key_buf[0] ? s->key_buf : NULL;
}

static void put_session(da_text *o, const sl_session *s)
{
    da_printf(o, "S %lld t%lld st%lld %lld-%lld status%d kind%d cr%lld hold%lld series%lld %lld %lld %lld '%s' r%d\n",
              (long long)s->id, (long long)s->tenant, (long long)s->student, (long long)s->start, (long long)s->end,
              (int)s->status, (int)s->kind, (long long)s->credits, (long long)s->hold_id, (long long)s->series_id,
              (long long)s->created_at, (long long)s->updated_at, (long long)s->deleted_at, s->key,
              (int)s->replayed);
}

static void put_entry(da_text *o, const sl_entry *e)
{
    da_printf(o, "E %lld t%lld seq%lld acc%lld k%d %lld =%lld hold%lld %lld '%s' '%s' r%d ", (long long)e->id,
              (long long)e->tenant, (long long)e->seq, (long long)e->account, (int)e->kind, (long long)e->amount,
              (long long)e->balance_after, (long long)e->hold_id, (long long)e->created_at, e->key, e->reference,
              (int)e->replayed);
    for (int k = 0; k < SL_HASH_BYTES; k++)
        da_printf(o, "%02x", e->hash[k]);
    da_printf(o, "\n");
}

static void put_hold(da_text *o, const sl_credit_hold *h)
{
    da_printf(o, "H %lld t%lld acc%lld st%d %lld/%lld exp%lld %lld res%lld entry%lld '%s' r%d\n", (long long)h->id,
              (long long)h->tenant, (long long)h->account, (int)h->status, (long long)h->captured,
              (long long)h->amount, (long long)h->expires_at, (long long)h->created_at, (long long)h->resolved_at,
              (long long)h->entry_id, h->key, (int)h->replayed);
}

static void put_seat(da_text *o, const sl_seat *s)
{
    da_printf(o, "  seat %lld c%lld st%lld pos%lld status%d hold%lld %lld %lld '%s' '%s' r%d\n", (long long)s->id,
              (long long)s->class_id, (long long)s->student, (long long)s->position, (int)s->status,
              (long long)s->hold_id, (long long)s->created_at, (long long)s->updated_at, s->key, s->withdraw_key,
              (int)s->replayed);
}

/* The session calls that take (tenant, id, now) and give a session. */
static int transition(sl_db *d, const da_step *s, sl_session *out)
{
    switch (s->op) {
    case 4: return sl_confirm(d, out, s->tenant, s->id, s->now);
    case 5: return sl_cancel(d, out, s->tenant, s->id, s->now);
    case 6: return sl_complete(d, out, s->tenant, s->id, s->start + DA_HOUR);
    case 7: return sl_mark_no_show(d, out, s->tenant, s->id, s->start + DA_HOUR);
    default: return sl_reschedule(d, out, s->tenant, s->id, s->start, s->now);
    }
}

static int book_ops(sl_db *d, const da_step *s, da_text *o, da_memo *m)
{
    sl_session out[4];
    size_t n = 0, skipped = 0, failed = 99;
    sl_time skip[4];
    int rc;
    memset(out, 0, sizeof(out));
    if (s->op == 0) {
        rc = sl_book(d, out, s->tenant, s->student, s->start, s->duration, s->amount > 0 ? s->amount : 0, s->key,
                     s->now);
        n = rc == SL_OK;
    } else if (s->op == 1) {
        rc = sl_book_trial(d, out, s->tenant, s->student, s->start, s->duration, s->key, s->now);
        n = rc == SL_OK;
    } else if (s->op == 2) {
        sl_booking b[3];
        for (int64_t k = 0; k < s->n; k++)
            b[k] = (sl_booking){s->student, s->start + k * 2 * DA_HOUR, s->duration, k == 0 && s->amount > 0};
        rc = sl_book_many(d, out, &failed, s->tenant, b, (size_t)s->n, s->key, s->now);
        n = rc == SL_OK ? (size_t)s->n : 0;
    } else {
        rc = sl_book_recurring(d, out, &n, skip, 4, &skipped, s->tenant, s->student, s->start, s->duration,
                               s->amount > 0, (uint32_t)s->n, s->amount & 1, s->key, s->now);
        for (size_t k = 0; k < skipped && k < 4; k++)
            da_printf(o, "skipped %lld\n", (long long)skip[k]);
    }
    da_printf(o, "n%zu skipped%zu failed%zu\n", n, skipped, failed);
    for (size_t k = 0; k < n; k++) {
        put_session(o, &out[k]);
        if (m) {
            remember(m->session, &m->n_session, out[k].id);
            remember(m->hold, &m->n_hold, out[k].hold_id);
        }
    }
    return rc;
}

static int ledger_ops(sl_db *d, const da_step *s, da_text *o, da_memo *m)
{
    static const int32_t kinds[] = {SL_ENTRY_PURCHASE, SL_ENTRY_GRANT, SL_ENTRY_CONSUME, SL_ENTRY_ADJUST};
    sl_entry e;
    sl_credit_hold h;
    int rc;
    memset(&e, 0, sizeof(e));
    memset(&h, 0, sizeof(h));
    if (s->op == 11) {
        int32_t kind = kinds[(s->id + s->other) % 4];
        int64_t amount = kind == SL_ENTRY_CONSUME ? -(s->amount < 0 ? -s->amount : s->amount) - 1
                         : kind == SL_ENTRY_ADJUST ? s->amount : s->amount + 4;
        rc = sl_ledger_post(d, &e, s->tenant, s->student, kind, amount, s->key, "ref", s->now);
    } else if (s->op == 12) {
        rc = sl_hold(d, &h, s->tenant, s->student, s->n, s->now + (s->amount + 4) * DA_HOUR, s->key, s->now);
    } else if (s->op == 13) {
        rc = sl_hold_release(d, &h, s->tenant, s->id, s->now);
    } else {
        rc = sl_hold_capture(d, &e, s->tenant, s->id, s->amount > 0 ? s->amount : 1, s->key, s->now);
    }
    if (rc == SL_OK && (s->op == 11 || s->op == 14))
        put_entry(o, &e);
    if (rc == SL_OK && (s->op == 12 || s->op == 13))
        put_hold(o, &h);
    if (rc == SL_OK && m && s->op == 12)
        remember(m->hold, &m->n_hold, h.id);
    return rc;
}

static int class_ops(sl_db *d, const da_step *s, da_text *o, da_memo *m)
{
    sl_session c;
    sl_seat seat;
    int rc;
    memset(&seat, 0, sizeof(seat));
    if (s->op == 15) {
        rc = sl_class_create(d, &c, s->tenant, s->start, s->duration, (int32_t)s->n, s->amount > 0, s->key, s->now);
        if (rc == SL_OK)
            put_session(o, &c);
        if (rc == SL_OK && m) { /* the session calls act on classes too (cancel, complete, delete, ...) */
            m->cls_tenant[m->n_cls % 8] = s->tenant;
            remember(m->cls, &m->n_cls, c.id);
            remember(m->session, &m->n_session, c.id);
        }
        return rc;
    }
    if (s->op == 16)
        rc = sl_class_enroll(d, &seat, s->tenant, s->id, s->student, s->amount & 1 ? SL_WAITLIST : 0, s->key, s->now);
    else if (s->op == 17)
        rc = sl_class_withdraw(d, s->tenant, s->id, s->student, s->key, s->now);
    else
        rc = sl_class_no_show(d, &seat, s->tenant, s->id, s->student, s->now);
    if (rc == SL_OK && s->op != 17)
        put_seat(o, &seat);
    if (rc == SL_OK && m && s->op == 16)
        remember(m->hold, &m->n_hold, seat.hold_id);
    return rc;
}

static int team_ops(sl_db *d, const da_step *s, da_text *o, da_memo *m)
{
    const sl_id team[] = {s->tenant, s->tenant == 1 ? 2 : 1};
    sl_session out[2];
    size_t failed = 99;
    int rc;
    memset(out, 0, sizeof(out));
    if (s->op == 19) {
        rc = sl_book_any(d, out, team, (size_t)(s->n > 1 ? 2 : 1), s->student, s->start, s->duration,
                         s->amount > 0, s->key, s->now);
        if (rc == SL_OK)
            put_session(o, &out[0]);
        if (rc == SL_OK && m)
            remember(m->session, &m->n_session, out[0].id);
        return rc;
    }
    size_t n = s->n > 1 ? 2 : 1;
    rc = sl_book_all(d, out, &failed, team, n, s->student, s->start, s->duration, s->amount > 0, s->key, s->now);
    da_printf(o, "failed%zu\n", failed);
    for (size_t k = 0; rc == SL_OK && k < n; k++) {
        put_session(o, &out[k]);
        if (m)
            remember(m->session, &m->n_session, out[k].id);
    }
    return rc;
}

void da_put_message(da_text *o, sl_db *d, int rc)
{
    const char *msg = rc == SL_OK ? "" : sl_errmsg(d);
    const char *tok = strstr(msg, "lease token ");
    if (!tok) {
        da_printf(o, "rc %s: %s\n", sl_strerror(rc), msg);
        return;
    }
    tok += strlen("lease token ");
    da_printf(o, "rc %s: %.*sN%s\n", sl_strerror(rc), (int)(tok - msg), msg, tok + strspn(tok, "0123456789"));
}

void da_outbox_policy(sl_db *d, int32_t attempts)
{
    sl_outbox_options o = SL_OUTBOX_OPTIONS_INIT;
    o.attempts = attempts;
    o.backoff_base = 20;
    o.backoff_cap = 60; /* every wait ends before the next step (120 s later) */
    ck_assert_ok_db(d, sl_outbox_configure(d, &o));
}

/* One outbox event. The token is random (drawn by each store's claim) and
 * so is a retry's wait: only whether there is a token, and whether a
 * waiting event is due at now, are the same on every store. */
static void put_event(da_text *o, const sl_outbox_event *e, sl_time now)
{
    da_printf(o, "O %lld t%lld s%lld seq%lld k%d st%d sk%d stu%lld %lld-%lld cr%lld del%lld %lld state%d att%d ",
              (long long)e->id, (long long)e->tenant, (long long)e->session, (long long)e->seq, (int)e->kind,
              (int)e->status, (int)e->session_kind, (long long)e->student, (long long)e->start, (long long)e->end,
              (long long)e->credits, (long long)e->deleted_at, (long long)e->created_at, (int)e->state,
              (int)e->attempts);
    if (e->attempts > 0 && e->state == SL_OUTBOX_PENDING)
        da_printf(o, "avail %s", e->available_at <= now ? "due" : "later");
    else if (e->attempts == 0)
        da_printf(o, "avail %lld", (long long)e->available_at);
    da_printf(o, " lease%lld tok%d acked%lld '%s' '%s'\n", (long long)e->lease_until, e->token != 0,
              (long long)e->acked_at, e->consumer, e->error);
}

static void lease_put(da_leases *l, sl_id event, int64_t token)
{
    l->event[l->n % 64] = event;
    l->token[l->n % 64] = token;
    l->n++;
}

/* The token d's latest claim of event got (1 if none), or, one step in
 * six, a token no claim gave. */
static int64_t lease_token(const da_leases *l, const da_step *s)
{
    if (s->other % 6 == 0)
        return 12345;
    for (unsigned k = l->n; k > 0 && k + 64 > l->n; k--)
        if (l->event[(k - 1) % 64] == s->id)
            return l->token[(k - 1) % 64];
    return 1;
}

static int outbox_ops(sl_db *d, const da_step *s, da_text *o, da_memo *m, da_leases *l)
{
    if (s->op == 27)
        return sl_outbox_ack(d, s->tenant, s->id, lease_token(l, s), s->now);
    if (s->op == 28) {
        da_outbox_policy(d, (int32_t)s->n); /* dead at once one time in three */
        int rc = sl_outbox_fail(d, s->tenant, s->id, lease_token(l, s), s->amount & 1 ? "calendar down" : NULL,
                                s->now);
        sl_outbox_event e;
        if (rc == SL_OK && m && sl_outbox_get(d, &e, s->tenant, s->id) == SL_OK && e.state == SL_OUTBOX_DEAD) {
            m->dead_tenant[m->n_dead % 8] = s->tenant; /* for the retries to come */
            remember(m->dead, &m->n_dead, s->id);
        }
        return rc;
    }
    if (s->op == 29)
        return sl_outbox_retry(d, s->tenant, s->id, s->now);
    sl_outbox_event *ev = NULL;
    size_t n = 0;
    static const int64_t leases[] = {100, 1800, 7200}; /* 100: lapsed at the next step */
    sl_id tenant = s->other % 3 == 0 ? 0 : s->tenant; /* 0: every tenant */
    int rc = sl_outbox_claim(d, &ev, &n, s->key ? s->key : "worker", tenant, (size_t)(s->amount > 0 ? s->amount : 4),
                             leases[s->n - 1], s->now);
    da_printf(o, "claimed %zu\n", n);
    for (size_t k = 0; k < n; k++) {
        put_event(o, &ev[k], s->now);
        lease_put(l, ev[k].id, ev[k].token);
        if (m) {
            m->event_tenant[m->n_event % 8] = ev[k].tenant;
            remember(m->event, &m->n_event, ev[k].id);
        }
    }
    sl_outbox_free(ev);
    return rc;
}

/* Groups, purges, and soft delete and restore of accounts. */
static int other_ops(sl_db *d, const da_step *s, da_text *o)
{
    if (s->op == 23)
        return sl_group_begin(d);
    if (s->op == 24)
        return sl_group_commit(d);
    if (s->op == 25)
        return sl_group_rollback(d);
    if (s->op == 30) { /* rows of an entity (accounts: SL_EINVAL) or acknowledged outbox events */
        size_t purged = 99;
        sl_time before = s->now - (s->n - 1) * DA_HOUR;
        int rc = s->other % 5 == 0 ? sl_outbox_purge(d, &purged, before)
                                   : sl_purge(d, &purged, (int32_t)(s->other % 5), before);
        da_printf(o, "purged %zu\n", purged);
        return rc;
    }
    return (s->amount & 1 ? sl_restore : sl_soft_delete)(d, s->tenant, SL_ENTITY_ACCOUNT, s->student, s->now);
}

int da_apply(sl_db *d, const da_step *s, da_text *o, da_memo *m, da_leases *l)
{
    sl_session out;
    int rc;
    if (s->op <= 3)
        return book_ops(d, s, o, m);
    if (s->op <= 8) {
        memset(&out, 0, sizeof(out));
        rc = transition(d, s, &out);
        if (rc == SL_OK)
            put_session(o, &out);
        return rc;
    }
    if (s->op == 9 || s->op == 10)
        return (s->op == 9 ? sl_soft_delete : sl_restore)(d, s->tenant, SL_ENTITY_SESSION, s->id, s->now);
    if (s->op <= 14)
        return ledger_ops(d, s, o, m);
    if (s->op <= 18)
        return class_ops(d, s, o, m);
    if (s->op <= 20)
        return team_ops(d, s, o, m);
    if (s->op <= 22)
        return (s->op == 21 ? sl_soft_delete : sl_restore)(d, s->tenant, SL_ENTITY_RULE, s->id % 8 + 1, s->now);
    if (s->op >= 26 && s->op <= 29)
        return outbox_ops(d, s, o, m, l);
    return other_ops(d, s, o);
}

static void dump_ledger(sl_db *d, da_text *o, sl_id tenant, sl_time now, sl_id holds)
{
    for (sl_id acc = 1; acc <= DA_STUDENTS; acc++) {
        sl_account a;
        sl_balance b;
        memset(&b, 0, sizeof(b));
        int rc = sl_account_get(d, &a, tenant, acc, SL_INCLUDE_DELETED);
        da_printf(o, "A %lld %lld %s", (long long)tenant, (long long)acc, sl_strerror(rc));
        if (rc == SL_OK)
            da_printf(o, " floor%lld posted%lld held%lld %lld %lld", (long long)a.floor, (long long)a.posted,
                      (long long)a.held, (long long)a.created_at, (long long)a.updated_at);
        rc = sl_ledger_balance(d, &b, tenant, acc, now);
        da_printf(o, " | %s %lld %lld %lld\n", sl_strerror(rc), (long long)b.posted, (long long)b.held,
                  (long long)b.available);
    }
    sl_entry page[64];
    size_t got = 0;
    int64_t after = 0;
    do {
        ck_assert_ok_db(d, sl_ledger_history(d, page, 64, &got, tenant, 0, after));
        for (size_t i = 0; i < got; i++) {
            put_entry(o, &page[i]);
            after = page[i].seq;
        }
    } while (got == 64);
    for (sl_id id = 1; id <= holds; id++) {
        sl_credit_hold h;
        if (sl_hold_get(d, &h, tenant, id) == SL_OK)
            put_hold(o, &h);
    }
}

static void dump_classes(sl_db *d, da_text *o, sl_id tenant, const sl_session *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].kind != SL_KIND_CLASS)
            continue;
        sl_class c;
        ck_assert_ok_db(d, sl_class_get(d, &c, tenant, s[i].id, SL_INCLUDE_DELETED));
        da_printf(o, "C %lld cap%d cr%lld taken%d wl%d last%lld\n", (long long)c.id, (int)c.capacity,
                  (long long)c.credits_per_seat, (int)c.taken, (int)c.waitlisted, (long long)c.last_position);
        sl_seat *seats = NULL;
        size_t ns = 0;
        ck_assert_ok_db(d, sl_class_seats(d, &seats, &ns, tenant, s[i].id));
        for (size_t k = 0; k < ns; k++)
            put_seat(o, &seats[k]);
        sl_free(seats);
    }
}

/* The outbox of tenant: its counts and dead events, and with events set
 * every event of the sessions s (n of them). */
static void dump_outbox(sl_db *d, da_text *o, sl_id tenant, const sl_session *s, size_t n, sl_time now, int events)
{
    sl_outbox_counts c;
    ck_assert_ok_db(d, sl_outbox_stats(d, &c, tenant, now));
    da_printf(o, "outbox %lld: due%lld wait%lld leased%lld dead%lld acked%lld age%lld\n", (long long)tenant,
              (long long)c.due, (long long)c.waiting, (long long)c.leased, (long long)c.dead, (long long)c.acked,
              (long long)c.oldest_age);
    sl_outbox_event *ev = NULL;
    size_t ne = 0;
    ck_assert_ok_db(d, sl_outbox_dead(d, &ev, &ne, tenant, SL_OUTBOX_CLAIM_MAX));
    for (size_t k = 0; k < ne; k++)
        put_event(o, &ev[k], now);
    sl_outbox_free(ev);
    for (size_t i = 0; events && i < n; i++) {
        ck_assert_ok_db(d, sl_outbox_session_events(d, &ev, &ne, tenant, s[i].id));
        for (size_t k = 0; k < ne; k++)
            put_event(o, &ev[k], now);
        sl_outbox_free(ev);
    }
}

void da_dump(sl_db *d, da_text *o, sl_time now, int events, sl_id holds)
{
    da_printf(o, "group %d\n", sl_group_active(d));
    for (sl_id tenant = 1; tenant <= DA_TENANTS; tenant++) {
        sl_session *s = NULL;
        size_t n = 0;
        ck_assert_ok_db(d, sl_sessions_list(d, &s, &n, tenant, DA_NOW0 - 2 * DA_DAY, DA_BASE + 60 * DA_DAY,
                                            SL_INCLUDE_DELETED));
        for (size_t i = 0; i < n; i++)
            put_session(o, &s[i]);
        dump_classes(d, o, tenant, s, n);
        dump_outbox(d, o, tenant, s, n, now, events);
        sl_free(s);
        sl_interval slots[SL_MAX_SLOTS];
        size_t ns = 0;
        ck_assert_ok_db(d, sl_slots(d, slots, SL_MAX_SLOTS, &ns, NULL, tenant, DA_BASE, DA_BASE + 7 * DA_DAY,
                                    DA_HOUR, now));
        da_printf(o, "slots %lld: %zu", (long long)tenant, ns);
        for (size_t i = 0; i < ns; i++)
            da_printf(o, " %lld", (long long)(slots[i].start - DA_BASE) / 60);
        da_printf(o, "\n");
        dump_ledger(d, o, tenant, now, holds);
    }
}
