/*
 * lib/store/columns.c - one column description per entity, shared by the
 * SQL stores (sqlite*.c, postgres*.c: their SELECTs list the columns in
 * this order, see the *_COLS lists), and what their table-driven code
 * shares besides (rowcall.h). Public headers only.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "rowcall.h"

#define COL(T, type, field) {SL__COL_##type, offsetof(T, field), sizeof(((T *)0)->field)}
#define ENTITY(T, version, cols, call) {sizeof(T), version, (int)(sizeof(cols) / sizeof(cols[0])), cols, sl__##call}

static const sl__col tenant_cols[] = { /* TENANT_COLS */
    COL(sl_tenant, I64, id),         COL(sl_tenant, TEXT, tz),          COL(sl_tenant, I64, buffer_before),
    COL(sl_tenant, I64, buffer_after), COL(sl_tenant, I64, min_notice), COL(sl_tenant, I64, step),
    COL(sl_tenant, I32, max_advance_days), COL(sl_tenant, I64, late_cancel),
    COL(sl_tenant, I64, created_at), COL(sl_tenant, I64, updated_at),
};
static const sl__col rule_cols[] = { /* RULE_COLS */
    COL(sl_rule, I64, id),          COL(sl_rule, I64, tenant),     COL(sl_rule, I32, weekday),
    COL(sl_rule, I32, start_min),   COL(sl_rule, I32, end_min),    COL(sl_rule, I32, valid_from),
    COL(sl_rule, I32, valid_until), COL(sl_rule, I64, created_at), COL(sl_rule, I64, updated_at),
    COL(sl_rule, DELETED, deleted_at),
};
static const sl__col override_cols[] = { /* OVERRIDE_COLS */
    COL(sl_override, I64, id),         COL(sl_override, I64, tenant),     COL(sl_override, I32, date),
    COL(sl_override, WINDOWS, windows), COL(sl_override, I64, created_at), COL(sl_override, I64, updated_at),
    COL(sl_override, DELETED, deleted_at),
};
static const sl__col session_cols[] = { /* SESSION_COLS */
    COL(sl_session, I64, id),         COL(sl_session, I64, tenant),     COL(sl_session, I64, student),
    COL(sl_session, I64, start),      COL(sl_session, I64, end),        COL(sl_session, I32, status),
    COL(sl_session, I32, kind),       COL(sl_session, I64, credits),    COL(sl_session, I64, hold_id),
    COL(sl_session, I64, series_id),  COL(sl_session, I64, created_at), COL(sl_session, I64, updated_at),
    COL(sl_session, DELETED, deleted_at), COL(sl_session, TEXT, key), COL(sl_session, BLOB, request_hash),
};
/* Q_SESSIONS_BUSY's rows (SL_SCAN_TIMES_ONLY): the rest stays zero. */
static const sl__col busy_cols[] = {
    COL(sl_session, I64, id), COL(sl_session, I64, tenant), COL(sl_session, I64, start),
    COL(sl_session, I64, end),
};
static const sl__col account_cols[] = { /* ACCOUNT_COLS */
    COL(sl_account, I64, tenant),     COL(sl_account, I64, student),    COL(sl_account, I64, floor),
    COL(sl_account, I64, posted),     COL(sl_account, I64, held),       COL(sl_account, I64, created_at),
    COL(sl_account, I64, updated_at), COL(sl_account, DELETED, deleted_at),
};
static const sl__col entry_cols[] = { /* ENTRY_COLS */
    COL(sl_entry, I64, id),         COL(sl_entry, I64, tenant),       COL(sl_entry, I64, seq),
    COL(sl_entry, I64, account),    COL(sl_entry, I32, kind),         COL(sl_entry, I64, amount),
    COL(sl_entry, I64, balance_after), COL(sl_entry, I64, hold_id),   COL(sl_entry, I64, created_at),
    COL(sl_entry, TEXT, key),       COL(sl_entry, TEXT, reference),   COL(sl_entry, BLOB, request_hash),
    COL(sl_entry, BLOB, hash),
};
static const sl__col hold_cols[] = { /* HOLD_COLS */
    COL(sl_credit_hold, I64, id),         COL(sl_credit_hold, I64, tenant),
    COL(sl_credit_hold, I64, account),    COL(sl_credit_hold, I32, status),
    COL(sl_credit_hold, I64, amount),     COL(sl_credit_hold, I64, captured),
    COL(sl_credit_hold, I64, expires_at), COL(sl_credit_hold, I64, created_at),
    COL(sl_credit_hold, I64, resolved_at), COL(sl_credit_hold, I64, entry_id),
    COL(sl_credit_hold, TEXT, key),       COL(sl_credit_hold, BLOB, request_hash),
};

#define OB(type, field) COL(sl_outbox_event, type, field)
static const sl__col outbox_cols[] = { /* the outbox stores' OUTBOX_COLS */
    OB(I64, id),          OB(I64, tenant),     OB(I64, session),      OB(I64, seq),
    OB(I32, kind),        OB(I32, status),     OB(I32, session_kind), OB(I64, student),
    OB(I64, start),       OB(I64, end),        OB(I64, credits),      OB(I64, deleted_at),
    OB(I64, created_at),  OB(I32, state),      OB(I32, attempts),     OB(I64, available_at),
    OB(I64, lease_until), OB(I64, token),      OB(I64, acked_at),     OB(TEXT, consumer),
    OB(TEXT, error),
};
#undef OB
#define SEAT(type, field) COL(sl_seat, type, field)
static const sl__col seat_cols[] = { /* SEAT_COLS */
    SEAT(I64, id),         SEAT(I64, tenant),      SEAT(I64, class_id),     SEAT(I64, student),
    SEAT(I64, position),   SEAT(I32, status),      SEAT(I64, hold_id),      SEAT(I64, created_at),
    SEAT(I64, updated_at), SEAT(TEXT, key),        SEAT(BLOB, request_hash), SEAT(TEXT, withdraw_key),
    SEAT(BLOB, withdraw_hash),
};
#undef SEAT

const sl__entity sl__ent_tenant = ENTITY(sl_tenant, SL_TENANT_VERSION, tenant_cols, call_tenant);
const sl__entity sl__ent_rule = ENTITY(sl_rule, SL_RULE_VERSION, rule_cols, call_rule);
const sl__entity sl__ent_override = ENTITY(sl_override, SL_OVERRIDE_VERSION, override_cols, call_override);
const sl__entity sl__ent_session = ENTITY(sl_session, SL_SESSION_VERSION, session_cols, call_session);
const sl__entity sl__ent_busy = ENTITY(sl_session, SL_SESSION_VERSION, busy_cols, call_session);
const sl__entity sl__ent_account = ENTITY(sl_account, SL_ACCOUNT_VERSION, account_cols, call_account);
const sl__entity sl__ent_entry = ENTITY(sl_entry, SL_ENTRY_VERSION, entry_cols, call_entry);
const sl__entity sl__ent_hold = ENTITY(sl_credit_hold, SL_HOLD_VERSION, hold_cols, call_hold);
/* No scan callback: the outbox stores run their own loops. */
const sl__entity sl__ent_outbox = {sizeof(sl_outbox_event), SL_OUTBOX_EVENT_VERSION,
                                   (int)(sizeof(outbox_cols) / sizeof(outbox_cols[0])), outbox_cols, NULL};
const sl__entity sl__ent_seat = {sizeof(sl_seat), SL_SEAT_VERSION, (int)(sizeof(seat_cols) / sizeof(seat_cols[0])),
                                 seat_cols, NULL};
#undef COL
#undef ENTITY

void sl__row_init(const sl__entity *e, void *row)
{
    memset(row, 0, e->size);
    memcpy(row, &e->version, sizeof(e->version)); /* every record opens with its version */
}

void sl__row_copy(const sl__entity *e, void *dst, const void *src)
{
    sl__row_init(e, dst);
    for (int i = 0; i < e->n; i++) {
        const sl__col *c = &e->cols[i];
        const char *f = (const char *)src + c->off;
        memcpy((char *)dst + c->off, f, c->type == SL__COL_TEXT ? strnlen(f, c->size - 1u) : c->size);
    }
}

static void put_i32(unsigned char *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int i = 0; i < 4; i++, u >>= 8)
        p[i] = (unsigned char)u;
}

static int32_t get_i32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)u; /* two's complement on every platform we build for */
}

size_t sl__windows_encode(unsigned char *blob, const sl_override *o)
{
    for (int k = 0; k < o->n_windows; k++) {
        put_i32(blob + 8 * k, o->windows[k].start_min);
        put_i32(blob + 8 * k + 4, o->windows[k].end_min);
    }
    return 8 * (size_t)o->n_windows;
}

void sl__windows_decode(sl_override *o, const unsigned char *w, int bytes)
{
    int n = bytes / 8;
    if (n > SL_MAX_WINDOWS_PER_DAY) /* the CHECK constraint forbids it */
        n = SL_MAX_WINDOWS_PER_DAY;
    for (int k = 0; w && k < n; k++) {
        o->windows[k].start_min = get_i32(w + 8 * k);
        o->windows[k].end_min = get_i32(w + 8 * k + 4);
    }
    o->n_windows = n;
}

static int sessions_plan(uint32_t flags, uint32_t indexed, int *filter)
{
    uint32_t statuses = flags & SL_SCAN_STATUS_MASK;
    int blocking = (flags & SL_SCAN_BLOCKING) != 0;
    int is_indexed = blocking && statuses == indexed;
    *filter = blocking && !is_indexed;
    if (blocking && !statuses)
        return SL__SCAN_NOTHING;
    if (is_indexed)
        return flags & SL_SCAN_TIMES_ONLY ? SL__SCAN_BUSY : SL__SCAN_BLOCKING;
    return !blocking && flags & SL_INCLUDE_DELETED ? SL__SCAN_ALL : SL__SCAN_LIVE;
}

/* The filter of a scan whose status set is not the indexed one: passes on
 * to cb the sessions whose status is in statuses. */
typedef struct status_filter {
    uint32_t statuses;
    int (*cb)(void *ctx, const sl_session *x);
    void *ctx;
} status_filter;

static int status_filtered(void *ctx, const sl_session *x)
{
    const status_filter *f = ctx;
    if (!(x->status >= 1 && x->status <= 15 && (f->statuses & SL_SCAN_STATUS(x->status))))
        return 0;
    return f->cb(f->ctx, x);
}

int sl__sessions_scan(sl_store *st, const char *backend, uint32_t indexed, sl_time from, sl_time to, uint32_t flags,
                      int (*cb)(void *ctx, const sl_session *x), void *ctx, sl__scan_run run, const void *arg)
{
    char msg[128];
    int filter = 0;
    if (!cb) {
        snprintf(msg, sizeof(msg), "%s: sessions_scan: callback is NULL", backend);
        return sl_store_error(st, SL_EINVAL, msg);
    }
    int plan = sessions_plan(flags, indexed, &filter);
    if (plan == SL__SCAN_NOTHING)
        return SL_OK;
    status_filter f = {flags & SL_SCAN_STATUS_MASK, cb, ctx};
    if (filter)
        cb = status_filtered, ctx = &f;
    sl_time lo = from > INT64_MIN + SL_MAX_DURATION_SECONDS ? from - SL_MAX_DURATION_SECONDS : INT64_MIN;
    const int64_t args[3] = {lo, to, from};
    return run(st, plan, args, plan == SL__SCAN_BUSY ? &sl__ent_busy : &sl__ent_session, SL__CB(cb), ctx, arg);
}

int sl__soft_entity(sl_store *st, const char *backend, int32_t entity, const int queries[4])
{
    static const int32_t order[] = {SL_ENTITY_RULE, SL_ENTITY_OVERRIDE, SL_ENTITY_SESSION, SL_ENTITY_ACCOUNT};
    char msg[128];
    for (int i = 0; i < 4; i++) {
        if (order[i] != entity)
            continue;
        if (queries[i] < 0) { /* an account: soft delete by student; never purged */
            snprintf(msg, sizeof(msg), "%s: this entity has no purge", backend);
            return sl_store_error(st, SL_EINVAL, msg);
        }
        return queries[i];
    }
    snprintf(msg, sizeof(msg), "%s: entity %d is not a soft-deletable entity of this store", backend, (int)entity);
    return sl_store_error(st, SL_EINVAL, msg);
}
