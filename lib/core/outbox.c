/*
 * lib/core/outbox.c - the calendar-sync outbox (slotledger/outbox.h): the
 * emit point every session change goes through, and the consumer calls.
 * Every rule lives here: sequence numbers, which event a claim may lease
 * (the store's outbox_heads finds the heads of the sessions; leasing them
 * is ours), tokens, lease checks, backoff with jitter, dead events. The
 * stores only store, find and lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "outbox_internal.h"

#define ATTEMPTS_MAX 1000
#define BASE_MAX 86400
#define CAP_MAX 2592000

/* ---- names -------------------------------------------------------------------- */

#define NAME_CASE(macro, value, name) case value: return name;
const char *sl_event_kind_name(int32_t kind)
{
    switch (kind) { SL_OUTBOX_EVENT_KINDS(NAME_CASE) default: return NULL; }
}

const char *sl_outbox_state_name(int32_t state)
{
    switch (state) { SL_OUTBOX_STATES(NAME_CASE) default: return NULL; }
}
#undef NAME_CASE

#define CHECK_VALUE(macro, value, name) _Static_assert(macro == value, #macro " differs from its list");
SL_OUTBOX_EVENT_KINDS(CHECK_VALUE)
SL_OUTBOX_STATES(CHECK_VALUE)
#undef CHECK_VALUE

static const char *state_name(int32_t state)
{
    const char *n = sl_outbox_state_name(state);
    return n ? n : "unknown";
}

/* ---- emitting ----------------------------------------------------------------- */

int sl__outbox_emit(sl_db *db, const sl_session *after, int32_t kind, sl_time now)
{
    sl_outbox_event last, e;
    int rc = SL_ENOTFOUND;
    if (!sl__st_has_outbox(db))
        return SL_OK;
    /* A booking made the session: its first event, nothing to look up. */
    if (kind != SL_EVENT_BOOKED && (rc = sl__st_outbox_last(db, &last, after->tenant, after->id)) != SL_OK &&
        rc != SL_ENOTFOUND)
        return rc;
    e = (sl_outbox_event){
        .version = SL_OUTBOX_EVENT_VERSION,
        .kind = kind,
        .tenant = after->tenant,
        .session = after->id,
        .seq = rc == SL_OK ? last.seq + 1 : 1,
        .status = after->status,
        .session_kind = after->kind,
        .student = after->student,
        .start = after->start,
        .end = after->end,
        .credits = after->credits,
        .deleted_at = after->deleted_at,
        .created_at = now,
        .state = SL_OUTBOX_PENDING,
        .available_at = now,
    };
    return sl__st_outbox_append(db, &e);
}

/* ---- options ------------------------------------------------------------------ */

int sl_outbox_options_init(sl_outbox_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > SL_OUTBOX_OPTIONS_VERSION)
        return SL_EINVAL;
    sl_outbox_options d = SL_OUTBOX_OPTIONS_INIT;
    *opts = d;
    return SL_OK;
}

int sl_outbox_configure(sl_db *db, const sl_outbox_options *opts)
{
    sl_outbox_options d = SL_OUTBOX_OPTIONS_INIT;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (!opts)
        opts = &d;
    if (opts->version == 0 || opts->version > SL_OUTBOX_OPTIONS_VERSION)
        return sl__err(db, SL_EINVAL, "outbox options version %u is not supported", opts->version);
    if (opts->attempts < 1 || opts->attempts > ATTEMPTS_MAX)
        return sl__err(db, SL_EINVAL, "outbox attempts must be 1..%d (got %d)", ATTEMPTS_MAX, (int)opts->attempts);
    if (opts->backoff_base < 1 || opts->backoff_base > BASE_MAX)
        return sl__err(db, SL_EINVAL, "outbox backoff_base must be 1..%d seconds (got %lld)", BASE_MAX,
                       (long long)opts->backoff_base);
    if (opts->backoff_cap < opts->backoff_base || opts->backoff_cap > CAP_MAX)
        return sl__err(db, SL_EINVAL, "outbox backoff_cap must be backoff_base..%d seconds (got %lld)", CAP_MAX,
                       (long long)opts->backoff_cap);
    db->outbox = *opts;
    return sl__ok(db);
}

static sl_outbox_options policy(const sl_db *db)
{
    sl_outbox_options d = SL_OUTBOX_OPTIONS_INIT;
    return db->outbox.version ? db->outbox : d;
}

/* The wait after failure number k (>= 1): uniform in [d/2, d], d =
 * min(cap, base * 2^(k-1)). Jitter spreads the retries of many events
 * that failed together (a calendar outage) instead of replaying the storm. */
static int64_t backoff_max(const sl_outbox_options *o, int32_t k)
{
    int64_t d = o->backoff_base;
    for (int32_t i = 1; i < k && d < o->backoff_cap; i++)
        d *= 2;
    return d > o->backoff_cap ? o->backoff_cap : d;
}

static int64_t backoff(const sl_outbox_options *o, int32_t k)
{
    int64_t d = backoff_max(o, k);
    int64_t half = d / 2;
    return half + (int64_t)randombytes_uniform((uint32_t)(d - half + 1));
}

/* A fresh lease token: random, 1..SL_OUTBOX_TOKEN_MAX. */
static int64_t new_token(void)
{
    uint64_t u;
    randombytes_buf(&u, sizeof(u));
    int64_t t = (int64_t)(u & (uint64_t)SL_OUTBOX_TOKEN_MAX);
    return t ? t : 1;
}

/* ---- argument checks ---------------------------------------------------------- */

static int ids_check(sl_db *db, sl_id tenant, sl_id event)
{
    if (tenant <= 0 || event <= 0)
        return sl__err(db, SL_EINVAL, "tenant and event ids must be positive");
    return SL_OK;
}

static int max_check(sl_db *db, size_t max)
{
    if (max == 0 || max > SL_OUTBOX_CLAIM_MAX)
        return sl__err(db, SL_EINVAL, "max must be 1..%d (got %zu)", SL_OUTBOX_CLAIM_MAX, max);
    return SL_OK;
}

static int claim_check(sl_db *db, const char *consumer, sl_id tenant, size_t max, int64_t lease, sl_time now)
{
    int rc;
    if (!consumer)
        return sl__err(db, SL_EINVAL, "consumer is NULL");
    size_t len = strlen(consumer);
    if (len == 0 || len >= SL_OUTBOX_CONSUMER_SIZE || !sl__utf8_valid((const unsigned char *)consumer, len))
        return sl__err(db, SL_EINVAL, "consumer must be 1..%d bytes of UTF-8", SL_OUTBOX_CONSUMER_SIZE - 1);
    if (tenant < 0)
        return sl__err(db, SL_EINVAL, "tenant must be 0 (every tenant) or positive");
    if ((rc = max_check(db, max)) != SL_OK)
        return rc;
    if (lease < 1 || lease > SL_OUTBOX_LEASE_MAX)
        return sl__err(db, SL_EINVAL, "lease_seconds must be 1..%d (got %lld)", SL_OUTBOX_LEASE_MAX,
                       (long long)lease);
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if (now > SL_TIME_MAX - lease) /* both in range: no overflow */
        return sl__err(db, SL_ERANGE, "a lease of %lld s from %lld would end past 9999-12-31T23:59:59Z",
                       (long long)lease, (long long)now);
    return SL_OK;
}

/* ---- claiming ----------------------------------------------------------------- */

static int push_event(void *p, const sl_outbox_event *e)
{
    return sl__grow_push(p, e);
}

/* Inside the claim's transaction: the heads, each leased. */
static int lease_heads(sl_db *db, sl__grow *g, const char *consumer, sl_id tenant, size_t max, int64_t lease,
                       sl_time now)
{
    int rc = sl__st_outbox_heads(db, tenant, now, max, push_event, g);
    if (g->failed)
        return sl__err(db, SL_ENOMEM, "out of memory claiming outbox events");
    for (size_t i = 0; rc == SL_OK && i < g->n; i++) {
        sl_outbox_event *e = (sl_outbox_event *)g->p + i;
        e->state = SL_OUTBOX_LEASED;
        e->lease_until = now + lease;
        e->token = new_token();
        snprintf(e->consumer, sizeof(e->consumer), "%s", consumer);
        rc = sl__st_outbox_update(db, e);
    }
    return rc;
}

int sl_outbox_claim(sl_db *db, sl_outbox_event **events, size_t *n, const char *consumer, sl_id tenant,
                    size_t max, int64_t lease_seconds, sl_time now)
{
    sl__grow g = {NULL, 0, 0, sizeof(sl_outbox_event), 0};
    int rc;
    if ((rc = sl__outbox_list_out(db, events, n)) != SL_OK)
        return rc;
    if ((rc = claim_check(db, consumer, tenant, max, lease_seconds, now)) != SL_OK)
        return rc;
    if ((rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    if ((rc = sl__crypto_init()) != SL_OK)
        return sl__err(db, rc, "libsodium failed to initialise");
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    rc = lease_heads(db, &g, consumer, tenant, max, lease_seconds, now);
    rc = sl__tx_end(db, rc);
    return sl__grow_finish(db, &g, rc, (void **)events, n);
}

void sl_outbox_free(sl_outbox_event *events)
{
    free(events);
}

/* ---- ack, fail, retry --------------------------------------------------------- */

/* The lease token proves the caller holds the event now. */
static int lease_check(sl_db *db, const sl_outbox_event *e, int64_t token, sl_time now)
{
    if (e->state != SL_OUTBOX_LEASED)
        return sl__err(db, SL_ESTATE, "outbox event %lld is %s, not leased", (long long)e->id,
                       state_name(e->state));
    if (e->token != token)
        return sl__err(db, SL_ESTATE, "lease token %lld is not the current lease of outbox event %lld (leased to "
                       "\"%s\"): a stale token (its lease lapsed and the event was claimed again) or a wrong one",
                       (long long)token, (long long)e->id, e->consumer);
    if (now >= e->lease_until)
        return sl__err(db, SL_ESTATE, "the lease of outbox event %lld lapsed at %lld (now %lld); claim it again",
                       (long long)e->id, (long long)e->lease_until, (long long)now);
    return SL_OK;
}

/* Copies msg into dst (cap bytes), cut at a UTF-8 character boundary. */
static void copy_message(char *dst, size_t cap, const char *msg)
{
    size_t len = msg ? strlen(msg) : 0;
    if (len >= cap) {
        len = cap - 1;
        while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
            len--;
    }
    if (len)
        memcpy(dst, msg, len);
    dst[len] = '\0';
}

enum { SETTLE_ACK, SETTLE_FAIL, SETTLE_RETRY };

typedef struct settle_req {
    int op;
    sl_id tenant, event;
    int64_t token;
    const char *message;
    sl_time now;
} settle_req;

/* Inside the transaction: the event's next delivery state. */
static int settle_tx(sl_db *db, const settle_req *q)
{
    sl_outbox_event e;
    int rc = sl__st_outbox_get(db, &e, q->tenant, q->event);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "outbox event %lld of tenant %lld not found", (long long)q->event,
                       (long long)q->tenant);
    if (rc != SL_OK)
        return rc;
    if (q->op == SETTLE_RETRY) {
        if (e.state != SL_OUTBOX_DEAD)
            return sl__err(db, SL_ESTATE, "outbox event %lld is %s, not dead", (long long)e.id, state_name(e.state));
        e.state = SL_OUTBOX_PENDING;
        e.attempts = 0;
        e.available_at = q->now;
        return sl__st_outbox_update(db, &e);
    }
    if ((rc = lease_check(db, &e, q->token, q->now)) != SL_OK)
        return rc;
    e.token = 0;
    e.lease_until = 0;
    if (q->op == SETTLE_ACK) {
        e.state = SL_OUTBOX_ACKED;
        e.acked_at = q->now;
        return sl__st_outbox_update(db, &e);
    }
    sl_outbox_options o = policy(db);
    e.attempts++;
    copy_message(e.error, sizeof(e.error), q->message);
    e.state = e.attempts >= o.attempts ? SL_OUTBOX_DEAD : SL_OUTBOX_PENDING;
    /* The longest wait decides, so that the answer does not depend on the jitter. */
    if (e.state == SL_OUTBOX_PENDING && q->now > SL_TIME_MAX - backoff_max(&o, e.attempts))
        return sl__err(db, SL_ERANGE, "outbox event %lld: a retry wait of up to %lld s from %lld would end past "
                       "9999-12-31T23:59:59Z", (long long)e.id, (long long)backoff_max(&o, e.attempts),
                       (long long)q->now);
    e.available_at = e.state == SL_OUTBOX_DEAD ? q->now : q->now + backoff(&o, e.attempts);
    return sl__st_outbox_update(db, &e);
}

static int settle(sl_db *db, const settle_req *q)
{
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = ids_check(db, q->tenant, q->event)) != SL_OK || (rc = sl__check_time(db, "now", q->now)) != SL_OK)
        return rc;
    if (q->op != SETTLE_RETRY && (q->token < 1 || q->token > SL_OUTBOX_TOKEN_MAX))
        return sl__err(db, SL_EINVAL, "token must be 1..%lld (got %lld)", (long long)SL_OUTBOX_TOKEN_MAX,
                       (long long)q->token);
    if (q->message && !sl__utf8_valid((const unsigned char *)q->message, strlen(q->message)))
        return sl__err(db, SL_EINVAL, "message is not valid UTF-8");
    if (q->op == SETTLE_FAIL && (rc = sl__crypto_init()) != SL_OK)
        return sl__err(db, rc, "libsodium failed to initialise");
    if ((rc = sl__st_outbox_need(db)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, q->tenant, 1)) != SL_OK)
        return rc;
    rc = settle_tx(db, q);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    return sl__ok(db);
}

int sl_outbox_ack(sl_db *db, sl_id tenant, sl_id event, int64_t token, sl_time now)
{
    settle_req q = {SETTLE_ACK, tenant, event, token, NULL, now};
    return settle(db, &q);
}

int sl_outbox_fail(sl_db *db, sl_id tenant, sl_id event, int64_t token, const char *message, sl_time now)
{
    settle_req q = {SETTLE_FAIL, tenant, event, token, message, now};
    return settle(db, &q);
}

int sl_outbox_retry(sl_db *db, sl_id tenant, sl_id event, sl_time now)
{
    settle_req q = {SETTLE_RETRY, tenant, event, 0, NULL, now};
    return settle(db, &q);
}

/* ---- purged sessions ------------------------------------------------------------ */

/* The outbox's deletions older than the cutoff: candidates for a purge. */
static int keep_deleted(const sl__outbox_collect *c, const sl_outbox_event *e)
{
    return e->kind == SL_EVENT_DELETED && e->deleted_at > 0 && e->deleted_at < c->before;
}

/* Whether the session of deletion event d will be purged: d is still its
 * last event and the session row is still deleted before the cutoff. */
static int purge_candidate(sl_db *db, const sl_outbox_event *d, sl_time before, sl_session *s)
{
    sl_outbox_event last;
    int rc = sl__st_outbox_last(db, &last, d->tenant, d->session);
    if (rc != SL_OK || last.id != d->id)
        return rc == SL_ENOTFOUND ? 0 : rc;
    if ((rc = sl__st_session_get(db, s, d->tenant, d->session)) != SL_OK)
        return rc == SL_ENOTFOUND ? 0 : rc;
    return s->deleted_at > 0 && s->deleted_at < before;
}

int sl__outbox_purge_sessions(sl_db *db, sl_time before, size_t *purged)
{
    sl__outbox_collect c = {{NULL, 0, 0, sizeof(sl_outbox_event), 0}, 0, keep_deleted, before};
    sl__grow doomed = {NULL, 0, 0, sizeof(sl_session), 0};
    sl_session s;
    int rc = SL_OK;
    if (sl__st_has_outbox(db))
        rc = sl__st_outbox_scan(db, 0, 0, 1u << SL_OUTBOX_PENDING | 1u << SL_OUTBOX_LEASED | 1u << SL_OUTBOX_ACKED |
                                1u << SL_OUTBOX_DEAD, sl__outbox_collect_cb, &c);
    for (size_t i = 0; rc == SL_OK && i < c.g.n; i++) {
        int yes = purge_candidate(db, (const sl_outbox_event *)c.g.p + i, before, &s);
        rc = yes < 0 ? yes : yes ? sl__grow_push(&doomed, &s) : SL_OK;
    }
    if (c.g.failed || doomed.failed)
        rc = sl__err(db, SL_ENOMEM, "out of memory purging sessions");
    if (rc == SL_OK)
        rc = sl__st_purge(db, SL_ENTITY_SESSION, before, purged);
    for (size_t i = 0; rc == SL_OK && i < doomed.n; i++) {
        const sl_session *x = (const sl_session *)doomed.p + i;
        rc = sl__outbox_emit(db, x, SL_EVENT_PURGED, x->deleted_at);
    }
    free(doomed.p);
    free(c.g.p);
    return rc;
}
