'use strict';
// Database methods: weekly rules, date overrides and slots (attached to
// Database.prototype by ../database.js).

const { C, T } = require('../ffi');
const V = require('../convert');
const { DATE_MIN, DATE_MAX, MAX_WINDOWS_PER_DAY } = require('../enums');
const { HANDLE, check, listed, made } = require('../util');
const { civilDate } = require('../civil');
const { Rule, Override } = require('../records');
const { slotQuery, readSlots, objectResult } = require('../packed');

class AvailabilityMethods {

    /** Add a weekly rule; returns its id. */
    addRule(tenant, rule) {
        const h = this[HANDLE]();
        const r = V.options(rule, 'rule', ['weekday', 'start', 'end', 'validFrom', 'validUntil', 'now']);
        const out = [0];
        check(C.sl_rule_add(h, out, V.int64(tenant, 'tenant'), V.int32(r.weekday, 'weekday'),
            V.minuteOfDay(r.start, 'start'), V.minuteOfDay(r.end, 'end'),
            r.validFrom == null ? DATE_MIN : civilDate(r.validFrom, 'validFrom'),
            r.validUntil == null ? DATE_MAX : civilDate(r.validUntil, 'validUntil'), V.now(r)), h);
        return V.num(out[0]);
    }

    /** Change a live rule; fields left out keep their current values
     * (validFrom / validUntil: null means open-ended). Returns the Rule. */
    updateRule(tenant, id, changes) {
        const h = this[HANDLE]();
        const c = V.options(changes, 'changes', ['weekday', 'start', 'end', 'validFrom', 'validUntil', 'now']);
        const cur = {};
        const t = V.int64(tenant, 'tenant');
        const rid = V.int64(id, 'rule id');
        check(C.sl_rule_get(h, cur, t, rid, 0), h);
        const pick = (k, conv, fallback) => (c[k] === undefined ? fallback : conv(c[k], k));
        const date = (v, k) => (v === null ? (k === 'validFrom' ? DATE_MIN : DATE_MAX) : civilDate(v, k));
        check(C.sl_rule_update(h, t, rid,
            pick('weekday', V.int32, cur.weekday),
            pick('start', V.minuteOfDay, cur.start_min),
            pick('end', V.minuteOfDay, cur.end_min),
            pick('validFrom', date, cur.valid_from),
            pick('validUntil', date, cur.valid_until), V.now(c)), h);
        return this.rule(tenant, id);
    }

    rule(tenant, id, opts) {
        return made(this, Rule, (h, out) =>
            C.sl_rule_get(h, out, V.int64(tenant, 'tenant'), V.int64(id, 'rule id'), V.readFlags(opts)));
    }

    rules(tenant, opts) {
        const h = this[HANDLE]();
        return listed(h, T.sl_rule, (out, count) =>
            C.sl_rules_list(h, out, count, V.int64(tenant, 'tenant'), V.readFlags(opts))).map((r) => new Rule(r));
    }

    /** Replace one local date's availability by `windows` ([] = a day off):
     * [["10:00", "12:00"], ...] or [{start, end}, ...]. Returns its id. */
    setOverride(tenant, date, windows, opts) {
        const h = this[HANDLE]();
        if (!Array.isArray(windows)) throw new TypeError('windows must be an array of [start, end] pairs');
        const ws = V.denseArray(windows, 'windows', 0, MAX_WINDOWS_PER_DAY).map((w, i) => {
            if (Array.isArray(w) && w.length === 2)
                return { start_min: V.minuteOfDay(w[0], `windows[${i}][0]`), end_min: V.minuteOfDay(w[1], `windows[${i}][1]`) };
            if (w && typeof w === 'object' && !Array.isArray(w))
                return { start_min: V.minuteOfDay(w.start, `windows[${i}].start`), end_min: V.minuteOfDay(w.end, `windows[${i}].end`) };
            throw new TypeError(`windows[${i}] must be a [start, end] pair or {start, end}`);
        });
        const out = [0];
        check(C.sl_override_set(h, out, V.int64(tenant, 'tenant'), civilDate(date, 'date'),
            ws.length ? ws : null, ws.length, V.nowOnly(opts)), h);
        return V.num(out[0]);
    }

    override(tenant, date, opts) {
        return made(this, Override, (h, out) =>
            C.sl_override_get(h, out, V.int64(tenant, 'tenant'), civilDate(date, 'date'), V.readFlags(opts)));
    }

    /** Overrides of dates from..to (inclusive). */
    overrides(tenant, from, to, opts) {
        const h = this[HANDLE]();
        return listed(h, T.sl_override, (out, count) =>
            C.sl_overrides_list(h, out, count, V.int64(tenant, 'tenant'), civilDate(from, 'from'),
                civilDate(to, 'to'), V.readFlags(opts))).map((o) => new Override(o));
    }

    // -- slots -------------------------------------------------------------

    /** Bookable slots starting in [start, end) as [{start, end}] (Dates).
     * The array has .clamped = true when the range was cut to 14 days.
     * With { limit } at most that many come back (then .total is the full
     * count and .truncated is set when it was larger). */
    slots(tenant, start, end, opts) {
        const h = this[HANDLE]();
        return objectResult(readSlots(h, slotQuery(tenant, start, end, opts)));
    }
}

module.exports = AvailabilityMethods;
