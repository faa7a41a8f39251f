'use strict';
// Time zones: with a handle (its tzdir) or without (h = null).

const { C } = require('./ffi');
const E = require('./errors');
const V = require('./convert');
const { TZ_KIND_NAME } = require('./enums');
const { check } = require('./util');
const { dateFromCivil } = require('./civil');

function tzCheck(h, zone) {
    check(C.sl_tz_check(h, V.str(zone, 'zone')), h);
    return true;
}

function tzOffset(h, zone, d) {
    const out = [0];
    check(C.sl_tz_utc_offset(h, out, V.str(zone, 'zone'), V.time(d, 'date')), h);
    return out[0];
}

function splitLocal(local) {
    const days = Math.floor(local / 86400);
    const secs = local - days * 86400;
    const y = [0];
    const m = [0];
    const d = [0];
    C.sl_date_to_civil(y, m, d, V.int32(days, 'local date'));
    return {
        year: y[0], month: m[0], day: d[0],
        hour: Math.floor(secs / 3600), minute: Math.floor((secs % 3600) / 60), second: secs % 60,
        weekday: C.sl_date_weekday(days),
    };
}

function tzToLocal(h, zone, date) {
    const out = [0];
    check(C.sl_tz_utc_to_local(h, out, V.str(zone, 'zone'), V.time(date, 'date')), h);
    return splitLocal(V.num(out[0]));
}

function tzToUtc(h, zone, local) {
    const l = V.options(local, 'local', ['year', 'month', 'day', 'hour', 'minute', 'second']);
    const part = (k, lo, hi, dflt) => {
        if (l[k] === undefined) {
            if (dflt === undefined) throw new TypeError(`local.${k} is required`);
            return dflt;
        }
        const v = V.int32(l[k], `local.${k}`);
        if (v < lo || v > hi) throw new E.InvalidArgument(`local.${k} must be ${lo}..${hi}, got ${v}`);
        return v;
    };
    const days = dateFromCivil(V.int32(l.year, 'local.year'), V.int32(l.month, 'local.month'), V.int32(l.day, 'local.day'));
    const secs = part('hour', 0, 23, 0) * 3600 + part('minute', 0, 59, 0) * 60 + part('second', 0, 59, 0);
    const out = [0];
    const kind = [0];
    check(C.sl_tz_local_to_utc(h, out, kind, V.str(zone, 'zone'), days * 86400 + secs), h);
    return { date: V.date(out[0]), kind: TZ_KIND_NAME[kind[0]] || `unknown(${kind[0]})` };
}

/** true, or throws TimeZoneError naming the zone and the reason. */
function checkZone(zone) { return tzCheck(null, zone); }
/** Offset from UTC in seconds (east positive) of `zone` at instant `date`. */
function utcOffset(zone, date) { return tzOffset(null, zone, date); }
/** The wall clock of `zone` at instant `date`: {year, month, day, hour,
 * minute, second, weekday}. */
function utcToLocal(zone, date) { return tzToLocal(null, zone, date); }
/** The instant of a wall-clock time in `zone` (compatible rule):
 * { date, kind: "unique" | "gap" | "fold" }. */
function localToUtc(zone, local) { return tzToUtc(null, zone, local); }

module.exports = { tzCheck, tzOffset, tzToLocal, tzToUtc, checkZone, utcOffset, utcToLocal, localToUtc };
