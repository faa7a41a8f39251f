/*
 * slotledger/tenant.h - tenant (teacher) settings.
 *
 * The tenant is the unit of isolation: every row carries a tenant id and
 * every call takes one; another tenant's rows are SL_ENOTFOUND.
 */
#ifndef SLOTLEDGER_TENANT_H
#define SLOTLEDGER_TENANT_H

#include "slotledger/common.h"
#include "slotledger/tz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds enforced by sl_tenant_put. */
#define SL_MAX_BUFFER_SECONDS   86400      /**< buffer_before / buffer_after */
#define SL_MAX_NOTICE_SECONDS   31536000   /**< min_notice: 365 days */
#define SL_MIN_STEP_SECONDS     60         /**< step, when not 0 */
#define SL_MAX_STEP_SECONDS     86400
#define SL_MAX_ADVANCE_DAYS     3650
#define SL_MAX_LATE_CANCEL_SECONDS 2592000 /**< 30 days */

#define SL_TENANT_VERSION 1
typedef struct sl_tenant {
    unsigned int version;            /**< SL_TENANT_VERSION */
    int32_t max_advance_days;        /**< bookable horizon in days; 0 = none */
    sl_id id;                        /**< > 0, chosen by the host */
    char tz[SL_TZ_NAME_MAX + 1];     /**< IANA zone of the availability, NUL-terminated */
    int64_t buffer_before;           /**< seconds kept free before a session, >= 0 */
    int64_t buffer_after;            /**< seconds kept free after a session, >= 0 */
    int64_t min_notice;              /**< seconds between now and the earliest bookable start */
    int64_t step;                    /**< seconds between slot starts; 0 = the duration */
    int64_t late_cancel;             /**< cancelling later than this before the start forfeits the credit */
    sl_time created_at;              /**< set by the library */
    sl_time updated_at;              /**< set by the library */
} sl_tenant;

/** Defaults: tz "UTC", everything else 0. Errors: SL_EINVAL (NULL, version). */
SL_API int sl_tenant_init(sl_tenant *t, unsigned int version);

/**
 * Create or update tenant t->id with the settings in t (created_at and
 * updated_at are ignored and set from now).
 * Errors: SL_EINVAL (NULL, id <= 0, negative or too-large values, unterminated
 * tz), SL_ETZ (unknown or malicious zone name), SL_ESTORE, SL_EBUSY.
 * Nothing is written on failure.
 */
SL_API int sl_tenant_put(sl_db *db, const sl_tenant *t, sl_time now);

/** Read tenant id into out. Errors: SL_EINVAL, SL_ENOTFOUND, SL_ESTORE, SL_EBUSY. */
SL_API int sl_tenant_get(sl_db *db, sl_tenant *out, sl_id id);

#ifdef __cplusplus
}
#endif

#endif
