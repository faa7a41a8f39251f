/* tests/faulty_store.c - see faulty_store.h. */
#include <stdio.h>
#include <stdlib.h>

#include "faulty_store.h"

typedef struct faulty {
    sl_store base;
    sl_store *inner;
    long arm, calls;
    int fired;
} faulty;

#define F(st) ((faulty *)(st))

/* Counts a call; returns nonzero when this one must fail. */
static int trip(sl_store *st)
{
    faulty *f = F(st);
    f->inner->core = st->core; /* errors of the inner store reach our handle */
    f->calls++;
    if (f->arm > 0 && f->calls == f->arm) {
        f->fired = 1;
        return 1;
    }
    return 0;
}

static int injected(sl_store *st)
{
    char msg[64];
    snprintf(msg, sizeof(msg), "injected fault at backend call %ld", F(st)->calls);
    return sl_store_error(st, SL_ESTORE, msg);
}

static int f_rollback(sl_store *st)
{
    F(st)->inner->core = st->core;
    return F(st)->inner->rollback(F(st)->inner);
}

static void f_free(sl_store *st)
{
    F(st)->inner->free(F(st)->inner);
    free(st);
}

/* Every other method: count the call, then fail it or forward it. One row
 * per method: its name, its parameters and the arguments it forwards. */
#define INNER F(st)->inner

/* The methods of version 1, which every store has. */
#define CORE_METHODS(X)                                                                                               \
    X(begin, (sl_store *st, sl_id tenant, int write), (INNER, tenant, write))                                         \
    X(commit, (sl_store *st), (INNER))                                                                                \
    X(tenant_get, (sl_store *st, sl_tenant *out, sl_id id), (INNER, out, id))                                         \
    X(tenant_put, (sl_store *st, const sl_tenant *t), (INNER, t))                                                     \
    X(rule_put, (sl_store *st, sl_rule *r), (INNER, r))                                                               \
    X(rule_get, (sl_store *st, sl_rule *out, sl_id tenant, sl_id id), (INNER, out, tenant, id))                       \
    X(rules_scan, (sl_store *st, sl_id tenant, uint32_t flags, int (*cb)(void *ctx, const sl_rule *r), void *ctx),    \
      (INNER, tenant, flags, cb, ctx))                                                                                \
    X(override_put, (sl_store *st, sl_override *o), (INNER, o))                                                       \
    X(override_get, (sl_store *st, sl_override *out, sl_id tenant, sl_date date), (INNER, out, tenant, date))         \
    X(override_by_id, (sl_store *st, sl_override *out, sl_id tenant, sl_id id), (INNER, out, tenant, id))             \
    X(overrides_scan,                                                                                                 \
      (sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,                                          \
       int (*cb)(void *ctx, const sl_override *o), void *ctx),                                                        \
      (INNER, tenant, from, to, flags, cb, ctx))                                                                      \
    X(session_put, (sl_store *st, sl_session *s), (INNER, s))                                                         \
    X(session_get, (sl_store *st, sl_session *out, sl_id tenant, sl_id id), (INNER, out, tenant, id))                 \
    X(session_by_key, (sl_store *st, sl_session *out, sl_id tenant, const char *key), (INNER, out, tenant, key))      \
    X(sessions_scan,                                                                                                  \
      (sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,                                          \
       int (*cb)(void *ctx, const sl_session *s), void *ctx),                                                         \
      (INNER, tenant, from, to, flags, cb, ctx))                                                                      \
    X(sessions_by_student,                                                                                            \
      (sl_store *st, sl_id tenant, sl_id student, uint32_t flags, int (*cb)(void *ctx, const sl_session *s),          \
       void *ctx),                                                                                                    \
      (INNER, tenant, student, flags, cb, ctx))                                                                       \
    X(sessions_by_series,                                                                                             \
      (sl_store *st, sl_id tenant, sl_id series, int (*cb)(void *ctx, const sl_session *s), void *ctx),               \
      (INNER, tenant, series, cb, ctx))                                                                               \
    X(soft_delete, (sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at),                        \
      (INNER, entity, tenant, id, deleted_at))                                                                        \
    X(purge, (sl_store *st, int32_t entity, sl_time before, size_t *purged), (INNER, entity, before, purged))         \
    X(account_get, (sl_store *st, sl_account *out, sl_id tenant, sl_id student), (INNER, out, tenant, student))       \
    X(account_put, (sl_store *st, const sl_account *a), (INNER, a))                                                   \
    X(entry_append, (sl_store *st, sl_entry *e), (INNER, e))                                                          \
    X(entry_by_key, (sl_store *st, sl_entry *out, sl_id tenant, const char *key), (INNER, out, tenant, key))          \
    X(entry_last, (sl_store *st, sl_entry *out, sl_id tenant), (INNER, out, tenant))                                  \
    X(entries_scan,                                                                                                   \
      (sl_store *st, sl_id tenant, sl_id account, int64_t after_seq, int (*cb)(void *ctx, const sl_entry *e),         \
       void *ctx),                                                                                                    \
      (INNER, tenant, account, after_seq, cb, ctx))                                                                   \
    X(hold_put, (sl_store *st, sl_credit_hold *h), (INNER, h))                                                        \
    X(hold_get, (sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id), (INNER, out, tenant, id))                \
    X(hold_by_key, (sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key), (INNER, out, tenant, key))     \
    X(holds_expired_scan,                                                                                             \
      (sl_store *st, sl_id tenant, sl_id account, sl_time before, int (*cb)(void *ctx, const sl_credit_hold *h),      \
       void *ctx),                                                                                                    \
      (INNER, tenant, account, before, cb, ctx))                                                                      \
    X(webhook_claim, (sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now),             \
      (INNER, tenant, source, event_id, now))                                                                         \
    X(accounts_scan, (sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx),              \
      (INNER, tenant, cb, ctx))

/* The row MACs: forwarded on request. */
#define MAC_METHODS(X)                                                                                                \
    X(mac_put, (sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m),                             \
      (INNER, what, tenant, id, m))                                                                                   \
    X(mac_get, (sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id), (INNER, out, what, tenant, id))

/* The group classes (version 3): forwarded when the inner store has them. */
#define CLASS_METHODS(X)                                                                                              \
    X(class_put, (sl_store *st, const sl_class *c), (INNER, c))                                                       \
    X(class_get, (sl_store *st, sl_class *out, sl_id tenant, sl_id id), (INNER, out, tenant, id))                     \
    X(seat_put, (sl_store *st, sl_seat *s), (INNER, s))                                                               \
    X(seats_scan, (sl_store *st, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s), void *ctx),    \
      (INNER, tenant, class_id, cb, ctx))                                                                             \
    X(seat_by_key, (sl_store *st, sl_seat *out, sl_id tenant, const char *key), (INNER, out, tenant, key))

/* The calendar-sync outbox (version 3): forwarded on request. */
#define OUTBOX_METHODS(X)                                                                                             \
    X(outbox_append, (sl_store *st, sl_outbox_event *e), (INNER, e))                                                  \
    X(outbox_get, (sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id id), (INNER, out, tenant, id))             \
    X(outbox_update, (sl_store *st, const sl_outbox_event *e), (INNER, e))                                            \
    X(outbox_last, (sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id session), (INNER, out, tenant, session))  \
    X(outbox_scan,                                                                                                    \
      (sl_store *st, sl_id tenant, sl_id session, uint32_t states, int (*cb)(void *ctx, const sl_outbox_event *e),    \
       void *ctx),                                                                                                    \
      (INNER, tenant, session, states, cb, ctx))                                                                      \
    X(outbox_heads,                                                                                                   \
      (sl_store *st, sl_id tenant, sl_time now, size_t limit, int (*cb)(void *ctx, const sl_outbox_event *e),         \
       void *ctx),                                                                                                    \
      (INNER, tenant, now, limit, cb, ctx))                                                                           \
    X(outbox_purge, (sl_store *st, sl_time before, size_t *purged), (INNER, before, purged))

#define FORWARD(method, params, args)                                                                                 \
    static int f_##method params                                                                                      \
    {                                                                                                                 \
        return trip(st) ? injected(st) : INNER->method args;                                                          \
    }
CORE_METHODS(FORWARD)
MAC_METHODS(FORWARD)
CLASS_METHODS(FORWARD)
OUTBOX_METHODS(FORWARD)

/* Used as `1 METHODS(HAS)`: whether the inner store has every method of a group. */
#define HAS(method, params, args) &&INNER->method
#define WIRE(method, params, args) st->method = f_##method;

void sl_test_faulty_with_macs(sl_store *st)
{
    if (1 MAC_METHODS(HAS)) {
        MAC_METHODS(WIRE)
    }
}

void sl_test_faulty_with_outbox(sl_store *st)
{
    if (1 OUTBOX_METHODS(HAS)) {
        OUTBOX_METHODS(WIRE)
    }
}

sl_store *sl_test_faulty_new(sl_store *inner)
{
    faulty *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    sl_store *st = &f->base;
    sl_store_init(st, SL_STORE_VERSION);
    f->inner = inner;
    st->rollback = f_rollback;
    st->free = f_free;
    CORE_METHODS(WIRE)
    if (1 CLASS_METHODS(HAS)) {
        CLASS_METHODS(WIRE)
    }
    return st;
}

#undef INNER

void sl_test_faulty_arm(sl_store *st, long n)
{
    F(st)->arm = n;
    F(st)->calls = 0;
    F(st)->fired = 0;
}

long sl_test_faulty_calls(const sl_store *st)
{
    return ((const faulty *)st)->calls;
}

int sl_test_faulty_fired(const sl_store *st)
{
    return ((const faulty *)st)->fired;
}
