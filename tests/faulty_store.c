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

static int f_begin(sl_store *st, sl_id tenant, int write)
{
    return trip(st) ? injected(st) : F(st)->inner->begin(F(st)->inner, tenant, write);
}

static int f_commit(sl_store *st)
{
    return trip(st) ? injected(st) : F(st)->inner->commit(F(st)->inner);
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

static int f_tenant_get(sl_store *st, sl_tenant *out, sl_id id)
{
    return trip(st) ? injected(st) : F(st)->inner->tenant_get(F(st)->inner, out, id);
}

static int f_tenant_put(sl_store *st, const sl_tenant *t)
{
    return trip(st) ? injected(st) : F(st)->inner->tenant_put(F(st)->inner, t);
}

/* Every other method: count the call, then fail it or forward it. */
#define INNER F(st)->inner

static int f_rule_put(sl_store *st, sl_rule *r)
{
    return trip(st) ? injected(st) : INNER->rule_put(INNER, r);
}

static int f_rule_get(sl_store *st, sl_rule *out, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->rule_get(INNER, out, tenant, id);
}

static int f_rules_scan(sl_store *st, sl_id tenant, uint32_t flags,
                        int (*cb)(void *ctx, const sl_rule *r), void *ctx)
{
    return trip(st) ? injected(st) : INNER->rules_scan(INNER, tenant, flags, cb, ctx);
}

static int f_override_put(sl_store *st, sl_override *o)
{
    return trip(st) ? injected(st) : INNER->override_put(INNER, o);
}

static int f_override_get(sl_store *st, sl_override *out, sl_id tenant, sl_date date)
{
    return trip(st) ? injected(st) : INNER->override_get(INNER, out, tenant, date);
}

static int f_override_by_id(sl_store *st, sl_override *out, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->override_by_id(INNER, out, tenant, id);
}

static int f_overrides_scan(sl_store *st, sl_id tenant, sl_date from, sl_date to, uint32_t flags,
                            int (*cb)(void *ctx, const sl_override *o), void *ctx)
{
    return trip(st) ? injected(st) : INNER->overrides_scan(INNER, tenant, from, to, flags, cb, ctx);
}

static int f_session_put(sl_store *st, sl_session *s)
{
    return trip(st) ? injected(st) : INNER->session_put(INNER, s);
}

static int f_session_get(sl_store *st, sl_session *out, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->session_get(INNER, out, tenant, id);
}

static int f_session_by_key(sl_store *st, sl_session *out, sl_id tenant, const char *key)
{
    return trip(st) ? injected(st) : INNER->session_by_key(INNER, out, tenant, key);
}

static int f_sessions_scan(sl_store *st, sl_id tenant, sl_time from, sl_time to, uint32_t flags,
                           int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    return trip(st) ? injected(st) : INNER->sessions_scan(INNER, tenant, from, to, flags, cb, ctx);
}

static int f_sessions_by_student(sl_store *st, sl_id tenant, sl_id student, uint32_t flags,
                                 int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    return trip(st) ? injected(st) : INNER->sessions_by_student(INNER, tenant, student, flags, cb, ctx);
}

static int f_sessions_by_series(sl_store *st, sl_id tenant, sl_id series,
                                int (*cb)(void *ctx, const sl_session *s), void *ctx)
{
    return trip(st) ? injected(st) : INNER->sessions_by_series(INNER, tenant, series, cb, ctx);
}

static int f_soft_delete(sl_store *st, int32_t entity, sl_id tenant, sl_id id, sl_time deleted_at)
{
    return trip(st) ? injected(st) : INNER->soft_delete(INNER, entity, tenant, id, deleted_at);
}

static int f_purge(sl_store *st, int32_t entity, sl_time before, size_t *purged)
{
    return trip(st) ? injected(st) : INNER->purge(INNER, entity, before, purged);
}

static int f_account_get(sl_store *st, sl_account *out, sl_id tenant, sl_id student)
{
    return trip(st) ? injected(st) : INNER->account_get(INNER, out, tenant, student);
}

static int f_account_put(sl_store *st, const sl_account *a)
{
    return trip(st) ? injected(st) : INNER->account_put(INNER, a);
}

static int f_entry_append(sl_store *st, sl_entry *e)
{
    return trip(st) ? injected(st) : INNER->entry_append(INNER, e);
}

static int f_entry_by_key(sl_store *st, sl_entry *out, sl_id tenant, const char *key)
{
    return trip(st) ? injected(st) : INNER->entry_by_key(INNER, out, tenant, key);
}

static int f_entry_last(sl_store *st, sl_entry *out, sl_id tenant)
{
    return trip(st) ? injected(st) : INNER->entry_last(INNER, out, tenant);
}

static int f_entries_scan(sl_store *st, sl_id tenant, sl_id account, int64_t after_seq,
                          int (*cb)(void *ctx, const sl_entry *e), void *ctx)
{
    return trip(st) ? injected(st) : INNER->entries_scan(INNER, tenant, account, after_seq, cb, ctx);
}

static int f_hold_put(sl_store *st, sl_credit_hold *h)
{
    return trip(st) ? injected(st) : INNER->hold_put(INNER, h);
}

static int f_hold_get(sl_store *st, sl_credit_hold *out, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->hold_get(INNER, out, tenant, id);
}

static int f_hold_by_key(sl_store *st, sl_credit_hold *out, sl_id tenant, const char *key)
{
    return trip(st) ? injected(st) : INNER->hold_by_key(INNER, out, tenant, key);
}

static int f_holds_expired_scan(sl_store *st, sl_id tenant, sl_id account, sl_time before,
                                int (*cb)(void *ctx, const sl_credit_hold *h), void *ctx)
{
    return trip(st) ? injected(st) : INNER->holds_expired_scan(INNER, tenant, account, before, cb, ctx);
}

static int f_webhook_claim(sl_store *st, sl_id tenant, const char *source, const char *event_id, sl_time now)
{
    return trip(st) ? injected(st) : INNER->webhook_claim(INNER, tenant, source, event_id, now);
}

static int f_accounts_scan(sl_store *st, sl_id tenant, int (*cb)(void *ctx, const sl_account *a), void *ctx)
{
    return trip(st) ? injected(st) : INNER->accounts_scan(INNER, tenant, cb, ctx);
}


static int f_mac_put(sl_store *st, int32_t what, sl_id tenant, sl_id id, const sl_row_mac *m)
{
    return trip(st) ? injected(st) : INNER->mac_put(INNER, what, tenant, id, m);
}

static int f_mac_get(sl_store *st, sl_row_mac *out, int32_t what, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->mac_get(INNER, out, what, tenant, id);
}

void sl_test_faulty_with_macs(sl_store *st)
{
    if (INNER->mac_put && INNER->mac_get) {
        st->mac_put = f_mac_put;
        st->mac_get = f_mac_get;
    }
}

/* The group classes (version 3): forwarded when the inner store has them. */
static int f_class_put(sl_store *st, const sl_class *c)
{
    return trip(st) ? injected(st) : INNER->class_put(INNER, c);
}

static int f_class_get(sl_store *st, sl_class *out, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->class_get(INNER, out, tenant, id);
}

static int f_seat_put(sl_store *st, sl_seat *s)
{
    return trip(st) ? injected(st) : INNER->seat_put(INNER, s);
}

static int f_seats_scan(sl_store *st, sl_id tenant, sl_id class_id, int (*cb)(void *ctx, const sl_seat *s),
                        void *ctx)
{
    return trip(st) ? injected(st) : INNER->seats_scan(INNER, tenant, class_id, cb, ctx);
}

static int f_seat_by_key(sl_store *st, sl_seat *out, sl_id tenant, const char *key)
{
    return trip(st) ? injected(st) : INNER->seat_by_key(INNER, out, tenant, key);
}

/* The calendar-sync outbox (version 3): forwarded on request. */
static int f_outbox_append(sl_store *st, sl_outbox_event *e)
{
    return trip(st) ? injected(st) : INNER->outbox_append(INNER, e);
}

static int f_outbox_get(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id id)
{
    return trip(st) ? injected(st) : INNER->outbox_get(INNER, out, tenant, id);
}

static int f_outbox_update(sl_store *st, const sl_outbox_event *e)
{
    return trip(st) ? injected(st) : INNER->outbox_update(INNER, e);
}

static int f_outbox_last(sl_store *st, sl_outbox_event *out, sl_id tenant, sl_id session)
{
    return trip(st) ? injected(st) : INNER->outbox_last(INNER, out, tenant, session);
}

static int f_outbox_scan(sl_store *st, sl_id tenant, sl_id session, uint32_t states,
                         int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    return trip(st) ? injected(st) : INNER->outbox_scan(INNER, tenant, session, states, cb, ctx);
}

static int f_outbox_heads(sl_store *st, sl_id tenant, sl_time now, size_t limit,
                          int (*cb)(void *ctx, const sl_outbox_event *e), void *ctx)
{
    return trip(st) ? injected(st) : INNER->outbox_heads(INNER, tenant, now, limit, cb, ctx);
}

static int f_outbox_purge(sl_store *st, sl_time before, size_t *purged)
{
    return trip(st) ? injected(st) : INNER->outbox_purge(INNER, before, purged);
}

void sl_test_faulty_with_outbox(sl_store *st)
{
    if (!INNER->outbox_append || !INNER->outbox_get || !INNER->outbox_update || !INNER->outbox_last ||
        !INNER->outbox_scan || !INNER->outbox_heads || !INNER->outbox_purge)
        return;
    st->outbox_append = f_outbox_append;
    st->outbox_get = f_outbox_get;
    st->outbox_update = f_outbox_update;
    st->outbox_last = f_outbox_last;
    st->outbox_scan = f_outbox_scan;
    st->outbox_heads = f_outbox_heads;
    st->outbox_purge = f_outbox_purge;
}

static void with_classes(sl_store *st)
{
    if (!INNER->class_put || !INNER->class_get || !INNER->seat_put || !INNER->seats_scan || !INNER->seat_by_key)
        return;
    st->class_put = f_class_put;
    st->class_get = f_class_get;
    st->seat_put = f_seat_put;
    st->seats_scan = f_seats_scan;
    st->seat_by_key = f_seat_by_key;
}

#undef INNER

sl_store *sl_test_faulty_new(sl_store *inner)
{
    faulty *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    sl_store_init(&f->base, SL_STORE_VERSION);
    f->inner = inner;
    f->base.begin = f_begin;
    f->base.commit = f_commit;
    f->base.rollback = f_rollback;
    f->base.free = f_free;
    f->base.tenant_get = f_tenant_get;
    f->base.tenant_put = f_tenant_put;
    f->base.rule_put = f_rule_put;
    f->base.rule_get = f_rule_get;
    f->base.rules_scan = f_rules_scan;
    f->base.override_put = f_override_put;
    f->base.override_get = f_override_get;
    f->base.overrides_scan = f_overrides_scan;
    f->base.override_by_id = f_override_by_id;
    f->base.session_put = f_session_put;
    f->base.session_get = f_session_get;
    f->base.session_by_key = f_session_by_key;
    f->base.sessions_scan = f_sessions_scan;
    f->base.sessions_by_student = f_sessions_by_student;
    f->base.sessions_by_series = f_sessions_by_series;
    f->base.soft_delete = f_soft_delete;
    f->base.purge = f_purge;
    f->base.account_get = f_account_get;
    f->base.account_put = f_account_put;
    f->base.entry_append = f_entry_append;
    f->base.entry_by_key = f_entry_by_key;
    f->base.entry_last = f_entry_last;
    f->base.entries_scan = f_entries_scan;
    f->base.hold_put = f_hold_put;
    f->base.hold_get = f_hold_get;
    f->base.hold_by_key = f_hold_by_key;
    f->base.holds_expired_scan = f_holds_expired_scan;
    f->base.webhook_claim = f_webhook_claim;
    f->base.accounts_scan = f_accounts_scan;
    with_classes(&f->base);
    return &f->base;
}

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
