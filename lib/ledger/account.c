/*
 * lib/ledger/account.c - accounts, floors and balances. Balances are
 * stored running sums; only holds that lapsed since the last write are
 * looked up at read time (an indexed scan that is empty in the common case).
 */
#include <string.h>

#include "ledger_internal.h"

/* A deleted account takes nothing new. The code stays SL_ENOTFOUND (what
 * ledger.h and sessions.h have always promised); the message says why. */
static int account_deleted(sl_db *db, sl_id tenant, sl_id student)
{
    return sl__err(db, SL_ENOTFOUND,
                   "account %lld of tenant %lld is deleted: it takes no new posts, holds or bookings with credits "
                   "until restored (sl_restore); its existing holds can still be resolved",
                   (long long)student, (long long)tenant);
}

int sl__account_load(sl_db *db, sl_account *a, int *is_new, sl_id tenant, sl_id student, sl_time now)
{
    int rc = sl__st_account_get(db, a, tenant, student);
    *is_new = 0;
    if (rc == SL_OK && a->deleted_at != 0)
        return account_deleted(db, tenant, student);
    if (rc == SL_ENOTFOUND) {
        memset(a, 0, sizeof(*a));
        a->version = SL_ACCOUNT_VERSION;
        a->tenant = tenant;
        a->student = student;
        a->created_at = a->updated_at = now;
        *is_new = 1;
        return SL_OK;
    }
    return rc;
}

int sl__account_load_holder(sl_db *db, sl_account *a, const sl_credit_hold *h, sl_time now)
{
    int rc = sl__st_account_get(db, a, h->tenant, h->account);
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "account %lld of tenant %lld, which hold %lld reserves credits of, is missing",
                       (long long)h->account, (long long)h->tenant, (long long)h->id);
    if (rc != SL_OK)
        return rc;
    /* Deleted or not: resolving what the account already holds is not new
     * business, and refusing it would strand the sessions that hold it. */
    return sl__account_expire_holds(db, a, now);
}

int sl__account_write(sl_db *db, sl_account *a)
{
    int rc = sl__st_account_put(db, a);
    return rc == SL_OK ? sl__row_seal(db, SL_MAC_ACCOUNT, a) : rc;
}

int sl__account_reseal(sl_db *db, sl_id tenant, sl_id student)
{
    sl_account a;
    if (db->ledger_key_len == 0 || !sl__st_has_macs(db))
        return SL_OK;
    int rc = sl__st_account_get(db, &a, tenant, student);
    if (rc != SL_OK)
        return rc == SL_ENOTFOUND ? SL_ESTORE : rc;
    return sl__row_seal(db, SL_MAC_ACCOUNT, &a);
}

typedef struct lapsed_ctx {
    sl_db *db;
    int64_t sum;
    int write;        /* mark them expired too */
    sl_time now;
    int rc;
} lapsed_ctx;

static int on_lapsed(void *ctx, const sl_credit_hold *h)
{
    lapsed_ctx *c = ctx;
    c->sum += h->amount;
    if (c->write) {
        sl_credit_hold x = *h;
        x.status = SL_HOLD_EXPIRED;
        x.resolved_at = x.expires_at;
        int rc = sl__st_hold_put(c->db, &x);
        if (rc != SL_OK) {
            c->rc = rc;
            return rc;
        }
        if ((rc = sl__row_seal(c->db, SL_MAC_HOLD, &x)) != SL_OK) {
            c->rc = rc;
            return rc;
        }
    }
    return 0;
}

/* Sum (and optionally expire) the account's active holds lapsed by now.
 * held is the sum of the active holds, each of a positive amount
 * (sl_ledger_verify checks both): an account holding nothing has none to
 * scan, the common case of a ledger post. */
static int lapsed_holds(sl_db *db, const sl_account *a, sl_time now, int write, int64_t *sum)
{
    lapsed_ctx c = {db, 0, write, now, SL_OK};
    if (a->held == 0) {
        *sum = 0;
        return SL_OK;
    }
    int rc = sl__st_holds_expired_scan(db, a->tenant, a->student, now, on_lapsed, &c);
    if (c.rc != SL_OK)
        return c.rc;
    if (rc != SL_OK)
        return rc;
    *sum = c.sum;
    return SL_OK;
}

int sl__account_expire_holds(sl_db *db, sl_account *a, sl_time now)
{
    int64_t sum = 0;
    int rc = lapsed_holds(db, a, now, 1, &sum);
    if (rc == SL_OK)
        a->held -= sum;
    return rc;
}

int sl__account_available(sl_db *db, const sl_account *a, int64_t *available)
{
    if (__builtin_sub_overflow(a->posted, a->held, available))
        return sl__err(db, SL_ERANGE, "account %lld: the available balance leaves int64", (long long)a->student);
    return SL_OK;
}

int sl__account_balance(sl_db *db, sl_balance *out, const sl_account *a, sl_time now)
{
    int64_t lapsed = 0;
    int rc = lapsed_holds(db, a, now, 0, &lapsed);
    if (rc != SL_OK)
        return rc;
    out->posted = a->posted;
    out->held = a->held - lapsed;
    if (__builtin_sub_overflow(a->posted, out->held, &out->available))
        return sl__err(db, SL_ERANGE, "account %lld: the available balance leaves int64", (long long)a->student);
    out->floor = a->floor;
    return SL_OK;
}

static int ids_check(sl_db *db, sl_id tenant, sl_id account)
{
    if (tenant <= 0 || account <= 0)
        return sl__err(db, SL_EINVAL, "%s id must be positive", tenant <= 0 ? "tenant" : "account");
    return SL_OK;
}

int sl_ledger_balance(sl_db *db, sl_balance *out, sl_id tenant, sl_id account, sl_time now)
{
    sl_account a;
    sl_tenant t;
    int rc, is_new;
    if ((rc = sl__args(db, out != NULL, "sl_ledger_balance: out is NULL")) != SL_OK)
        return rc;
    if ((rc = ids_check(db, tenant, account)) != SL_OK || (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &t, tenant)) == SL_OK && (rc = sl__account_load(db, &a, &is_new, tenant, account, now)) == SL_OK)
        rc = sl__account_balance(db, out, &a, now);
    sl__tx_rollback(db);
    return rc == SL_OK ? sl__ok(db) : rc;
}

int sl_account_get(sl_db *db, sl_account *out, sl_id tenant, sl_id account, uint32_t flags)
{
    int rc;
    if ((rc = sl__args(db, out != NULL && SL__READ_FLAGS_OK(flags), "sl_account_get: out is NULL or unknown flags")) !=
        SL_OK)
        return rc;
    if ((rc = ids_check(db, tenant, account)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 0)) != SL_OK)
        return rc;
    rc = sl__st_account_get(db, out, tenant, account);
    sl__tx_rollback(db);
    if (rc == SL_OK && out->deleted_at != 0 && !(flags & SL_INCLUDE_DELETED))
        rc = SL_ENOTFOUND;
    if (rc == SL_ENOTFOUND)
        return sl__err(db, rc, "account %lld of tenant %lld not found", (long long)account, (long long)tenant);
    if (rc != SL_OK)
        return rc;
    return sl__ok(db);
}

int sl_account_set_floor(sl_db *db, sl_id tenant, sl_id account, int64_t floor, sl_time now)
{
    sl_account a;
    sl_tenant t;
    int rc, is_new;
    if (!db)
        return sl__err(NULL, SL_EINVAL, "db is NULL");
    if ((rc = ids_check(db, tenant, account)) != SL_OK || (rc = sl__check_time(db, "now", now)) != SL_OK)
        return rc;
    if ((rc = sl__tx_begin(db, tenant, 1)) != SL_OK)
        return rc;
    if ((rc = sl__tenant_load(db, &t, tenant)) != SL_OK ||
        (rc = sl__account_load(db, &a, &is_new, tenant, account, now)) != SL_OK)
        goto out_end_tx;
    a.floor = floor;
    a.updated_at = now;
    rc = sl__account_write(db, &a);
out_end_tx:
    if ((rc = sl__tx_end(db, rc)) != SL_OK)
        return rc;
    return sl__ok(db);
}
