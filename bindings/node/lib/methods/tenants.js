'use strict';
// Database methods: tenants (attached to Database.prototype by ../database.js).

const { C } = require('../ffi');
const E = require('../errors');
const V = require('../convert');
const { TZ_NAME_MAX } = require('../enums');
const { HANDLE, check, made } = require('../util');
const { Tenant } = require('../records');

class TenantMethods {

    /** Create or replace tenant `id`'s settings (fields left out take their
     * defaults: tz "UTC", everything else 0). Returns the stored Tenant. */
    setTenant(id, settings) {
        const h = this[HANDLE]();
        const s = V.options(settings, 'settings',
            ['tz', 'bufferBefore', 'bufferAfter', 'minNotice', 'step', 'lateCancel', 'maxAdvanceDays', 'now']);
        const t = {};
        check(C.sl_tenant_init(t, 1), h);
        t.id = V.int64(id, 'tenant id');
        if (s.tz !== undefined) {
            const tz = V.str(s.tz, 'tz');
            // char tz[65]: koffi would truncate a longer name into another
            // (valid!) zone name; let the library judge it instead.
            if (Buffer.byteLength(tz, 'utf8') > TZ_NAME_MAX) {
                check(C.sl_tz_check(h, tz), h);
                throw new E.TimeZoneError(`time zone name longer than ${TZ_NAME_MAX} bytes`);
            }
            t.tz = tz;
        }
        t.buffer_before = V.optDuration(s.bufferBefore, 'bufferBefore');
        t.buffer_after = V.optDuration(s.bufferAfter, 'bufferAfter');
        t.min_notice = V.optDuration(s.minNotice, 'minNotice');
        t.step = V.optDuration(s.step, 'step');
        t.late_cancel = V.optDuration(s.lateCancel, 'lateCancel');
        t.max_advance_days = s.maxAdvanceDays === undefined ? 0 : V.int32(s.maxAdvanceDays, 'maxAdvanceDays');
        check(C.sl_tenant_put(h, t, V.now(s)), h);
        return this.tenant(id);
    }

    tenant(id) {
        return made(this, Tenant, (h, out) => C.sl_tenant_get(h, out, V.int64(id, 'tenant id')));
    }
}

module.exports = TenantMethods;
