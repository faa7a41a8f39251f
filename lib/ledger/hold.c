/*
 * lib/ledger/hold.c - two-phase holds: reserve, then capture (all or part)
 * or release, exactly once; a lapsed hold gives its credits back.
 */
#include <stdio.h>
#include <string.h>

#include "core/idem.h"
#include "ledger_internal.h"

int sl__hold_load(sl_db *db, sl_credit_hold *h, sl_id tenant, sl_id id)
{
    int rc = sl__st_hold_get(db, h, tenant, id);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "hold %lld of tenant %lld not found", (long long)id, (long long)tenant);
    return rc;
}

static int hold_write(sl_db *db, sl_credit_hold *h)
{
    int rc = sl__st_hold_put(db, h);
    if (rc == SL_EEXISTS)
        return sl__err(db, SL_EIDEMPOTENCY, "idempotency key \"%s\" is already used by another hold", h->key);
    if (rc != SL_OK)
        return rc;
    return sl__row_seal(db, SL_MAC_HOLD, h);
}

int sl__hold_place(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id account, int64_t amount,
                   sl_time expires_at, const char *key, const uint8_t req_hash[16], sl_time now)
{
    sl_account a;
    sl_balance bal;
    int rc, is_new;
    int64_t held;
    if (amount <= 0)
        return sl__err(db, SL_EINVAL, "a hold must reserve a positive amount (got %lld)", (long long)amount);
    if (expires_at <= now)
        return sl__err(db, SL_EINVAL, "a hold must expire after now");
    if ((rc = sl__account_load(db, &a, &is_new, tenant, account, now)) != SL_OK ||
        (rc = sl__account_expire_holds(db, &a, now)) != SL_OK ||
        (rc = sl__account_available(db, &a, &bal.available)) != SL_OK)
        return rc;
    if (__builtin_add_overflow(a.held, amount, &held))
        return sl__err(db, SL_ERANGE, "account %lld: held credits would overflow", (long long)account);
    /* available - amount may leave int64 when the floor is very low. */
    int64_t left;
    if (__builtin_sub_overflow(bal.available, amount, &left))
        return sl__err(db, SL_ERANGE, "account %lld: the available balance would overflow", (long long)account);
    if (left < a.floor)
        return sl__err(db, SL_EINSUFFICIENT, "account %lld has %lld credits available (floor %lld); %lld requested",
                       (long long)account, (long long)bal.available, (long long)a.floor, (long long)amount);
    memset(out, 0, sizeof(*out));
    out->version = SL_HOLD_VERSION;
    out->status = SL_HOLD_ACTIVE;
    out->tenant = tenant;
    out->account = account;
    out->amount = amount;
    out->expires_at = expires_at;
    out->created_at = now;
    if (key) {
        snprintf(out->key, sizeof(out->key), "%s", key);
        memcpy(out->request_hash, req_hash, 16);
    }
    if ((rc = hold_write(db, out)) != SL_OK)
        return rc;
    a.held = held;
    a.updated_at = now;
    return sl__account_write(db, &a);
}

/* Whether h can still be resolved at now: SL_ESTATE / SL_EEXPIRED. */
static int hold_resolvable(sl_db *db, const sl_credit_hold *h, sl_time now)
{
    if (h->status == SL_HOLD_EXPIRED || (h->status == SL_HOLD_ACTIVE && now >= h->expires_at))
        return sl__err(db, SL_EEXPIRED, "hold %lld expired; its credits are available again", (long long)h->id);
    if (h->status != SL_HOLD_ACTIVE)
        return sl__err(db, SL_ESTATE, "hold %lld is already %s", (long long)h->id,
                       h->status == SL_HOLD_CAPTURED ? "captured" : "released");
    return SL_OK;
}

/* Resolves h (captured or released) and takes it out of the account's held. */
static int hold_resolve(sl_db *db, sl_credit_hold *h, sl_account *a, int32_t status, sl_time now)
{
    int rc;
    h->status = status;
    h->resolved_at = now;
    a->held -= h->amount;
    a->updated_at = now;
    if ((rc = hold_write(db, h)) != SL_OK)
        return rc;
    return sl__account_write(db, a);
}

int sl__hold_capture(sl_db *db, sl_entry *out, sl_credit_hold *h, int64_t amount, const char *key,
                     const uint8_t req_hash[16], sl_time now)
{
    sl__chain_head head = {0, 0, {0}};
    sl_account a;
    int rc;
    if ((rc = hold_resolvable(db, h, now)) != SL_OK)
        return rc;
    if (amount <= 0 || amount > h->amount)
        return sl__err(db, SL_EINVAL, "capture of %lld credits from hold %lld of %lld", (long long)amount,
                       (long long)h->id, (long long)h->amount);
    /* The credits were promised when the hold was placed: a capture posts
     * its consume entry even when the account was deleted since. -amount
     * cannot overflow: 0 < amount <= h->amount. */
    if ((rc = sl__account_load_holder(db, &a, h, now)) != SL_OK ||
        (rc = sl__entry_post(db, out, &head, &a, SL_ENTRY_CONSUME, -amount, key, NULL, h->id, req_hash, now)) !=
            SL_OK)
        return rc;
    h->captured = amount;
    h->entry_id = out->id;
    return hold_resolve(db, h, &a, SL_HOLD_CAPTURED, now);
}

int sl__hold_release(sl_db *db, sl_credit_hold *h, sl_time now)
{
    sl_account a;
    int rc;
    if ((rc = hold_resolvable(db, h, now)) != SL_OK)
        return rc;
    if ((rc = sl__account_load_holder(db, &a, h, now)) != SL_OK)
        return rc;
    return hold_resolve(db, h, &a, SL_HOLD_RELEASED, now);
}

/* A hold request (op SL__OP_HOLD: an account) or a capture request
 * (SL__OP_CAPTURE: a hold; expires_at unused). */
typedef struct hold_req {
    sl__op op;
    sl_id account_or_hold;
    int64_t amount;
    sl_time expires_at;
} hold_req;

/* The field in which the stored row of r's kind (a hold, or a capture's
 * entry) differs from r. */
static const char *hold_differs(const void *req, const void *row)
{
    const hold_req *r = req;
    if (r->op == SL__OP_CAPTURE)
        return ((const sl_entry *)row)->hold_id != r->account_or_hold ? "hold" : "amount";
    const sl_credit_hold *orig = row;
    return orig->account != r->account_or_hold ? "account" : orig->amount != r->amount ? "amount" : "expiry";
}

/* Fingerprints of a hold or a capture request in q, and the key lookup. */
static int hold_key_lookup(sl_db *db, sl__idem *q, sl_id tenant, const char *key, const hold_req *r)
{
    sl__fp fp;
    sl__op op = r->op;
    memset(q, 0, sizeof(*q));
    sl__fp_begin(&fp, op);
    sl__fp_i64(&fp, r->account_or_hold);
    sl__fp_i64(&fp, r->amount);
    if (op == SL__OP_HOLD) {
        sl__fp_i64(&fp, r->expires_at);
        sl__fp_legacy_hold(q->legacy, r->account_or_hold, r->amount, r->expires_at);
    } else {
        sl__fp_legacy_capture(q->legacy, r->account_or_hold, r->amount);
    }
    sl__fp_end(&fp, q->fp);
    q->op = op;
    q->key = key;
    q->differs = hold_differs;
    q->req = r;
    return sl__idem_lookup(db, q, tenant);
}

/* The start sl_hold and sl_hold_capture share: db, the key and tenant
 * checked, a write transaction opened, the key looked up, then the
 * request's account (hold) or hold (capture) id checked. SL_OK leaves the
 * transaction open for the caller; 1 is a replay (q->found: the
 * transaction already ended); any other result ended it. */
static int hold_call_begin(sl_db *db, sl__idem *q, sl_id tenant, const char *key, const hold_req *r)
{
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = sl__key_check(db, key, 1)) != SL_OK)
        return rc;
    if ((rc = sl__check_tenant(db, tenant)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = hold_key_lookup(db, q, tenant, key, r)) != SL_OK)
        return sl__tx_end(db, rc);
    if (q->found) {
        sl__tx_rollback(db);
        return 1;
    }
    if (r->account_or_hold <= 0)
        return sl__tx_end(db, sl__err(db, SL_EINVAL, r->op == SL__OP_HOLD ? "account id must be positive"
                                                                          : "hold id must be positive"));
    return SL_OK;
}

/* A call's answer: its row (size bytes) to out, when not NULL. */
static int answer(sl_db *db, void *out, const void *row, size_t size)
{
    if (out)
        memcpy(out, row, size);
    return sl__ok(db);
}

int sl_hold(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id account, int64_t amount, sl_time expires_at,
            const char *key, sl_time now)
{
    sl_credit_hold h;
    sl_tenant t;
    sl__idem q;
    hold_req r = {SL__OP_HOLD, account, amount, expires_at};
    int rc = hold_call_begin(db, &q, tenant, key, &r);
    if (rc != SL_OK)
        return rc == 1 ? answer(db, out, &q.hold, sizeof(q.hold)) : rc;
    if ((rc = sl__check_time(db, "now", now)) == SL_OK &&
        (rc = sl__check_time(db, "expires_at", expires_at)) == SL_OK && (rc = sl__tenant_load(db, &t, tenant)) == SL_OK)
        rc = sl__hold_place(db, &h, tenant, account, amount, expires_at, key, q.fp, now);
    rc = sl__tx_end(db, rc);
    return rc != SL_OK ? rc : answer(db, out, &h, sizeof(h));
}

int sl_hold_capture(sl_db *db, sl_entry *out, sl_id tenant, sl_id hold, int64_t amount, const char *key,
                    sl_time now)
{
    sl_credit_hold h;
    sl_entry e;
    sl__idem q;
    hold_req r = {SL__OP_CAPTURE, hold, amount, 0};
    int rc = hold_call_begin(db, &q, tenant, key, &r);
    if (rc != SL_OK)
        return rc == 1 ? answer(db, out, &q.entry, sizeof(q.entry)) : rc;
    if ((rc = sl__check_time(db, "now", now)) == SL_OK && (rc = sl__hold_load(db, &h, tenant, hold)) == SL_OK)
        rc = sl__hold_capture(db, &e, &h, amount, key, q.fp, now);
    rc = sl__tx_end(db, rc);
    return rc != SL_OK ? rc : answer(db, out, &e, sizeof(e));
}

int sl_hold_release(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id hold, sl_time now)
{
    sl_credit_hold h;
    int rc;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if (tenant <= 0 || hold <= 0)
        return sl__err(db, SL_EINVAL, "tenant and hold ids must be positive");
    if ((rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__hold_load(db, &h, tenant, hold)) == SL_OK)
        rc = sl__hold_release(db, &h, now);
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    if (out)
        *out = h;
    return sl__ok(db);
}

int sl_hold_get(sl_db *db, sl_credit_hold *out, sl_id tenant, sl_id hold)
{
    int rc = sl__read_begin(db, out && tenant > 0 && hold > 0, tenant, "sl_hold_get: NULL out or non-positive id");
    if (rc != SL_OK)
        return rc;
    rc = sl__hold_load(db, out, tenant, hold);
    sl__tx_rollback(db);
    return rc == SL_OK ? sl__ok(db) : rc;
}
