'use strict';
// JS <-> C value conversion. Everything here validates before a value goes
// near the library: wrong JS types are TypeError; values of the right type
// that a C parameter cannot hold are InvalidArgument. Koffi would otherwise
// turn an out-of-range number into an unspecified C value, and a long string
// into a silently truncated char array.

const { InvalidArgument } = require('./errors');
const { runClock } = require('./async');

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function describe(v) {
    if (v === null) return 'null';
    if (typeof v === 'object') return typeof v.constructor === 'function' ? v.constructor.name : 'object';
    return typeof v;
}

/** The type and, where it has one, the string form of a refused value:
 * String() throws for Object.create(null) or a throwing toString, which
 * must not replace the error being raised. */
function shown(v) {
    let text;
    try { text = String(v); } catch { text = '(no string form)'; }
    return `${describe(v)} ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`;
}

/** An int64 argument: a Number holding an integer, or a BigInt. */
function int64(v, what) {
    if (typeof v === 'bigint') {
        if (v < INT64_MIN || v > INT64_MAX) throw new InvalidArgument(`${what} does not fit in 64 bits`);
        return v;
    }
    if (typeof v !== 'number' || !Number.isInteger(v))
        throw new TypeError(`${what} must be an integer (Number or BigInt), got ${shown(v)}`);
    if (!Number.isSafeInteger(v)) {
        const b = BigInt(v);
        if (b < INT64_MIN || b > INT64_MAX) throw new InvalidArgument(`${what} does not fit in 64 bits`);
        return b;
    }
    return v;
}

function int32(v, what) {
    if (typeof v === 'bigint') v = Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v))
        throw new TypeError(`${what} must be an integer, got ${shown(v)}`);
    if (v < INT32_MIN || v > INT32_MAX) throw new InvalidArgument(`${what} is out of range (${v})`);
    return v;
}

function uint32(v, what) {
    v = int32Like(v, what);
    if (v < 0 || v > 0xffffffff) throw new InvalidArgument(`${what} is out of range (${v})`);
    return v;
}

function int32Like(v, what) {
    if (typeof v === 'bigint') v = Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v))
        throw new TypeError(`${what} must be an integer, got ${shown(v)}`);
    return v;
}

/** Int64 from C (Number, or BigInt past 2^53) as a Number. Ids, amounts and
 * times stay far below 2^53 in practice; larger values lose precision. */
function num(v) {
    return typeof v === 'bigint' ? Number(v) : v;
}

const dateValue = Date.prototype.getTime;

/** The time value (ms) of a real Date, read from the Date itself: an own or
 * inherited getTime that answers otherwise is not called. undefined for
 * anything else (a Proxy of a Date, an object made from Date.prototype). */
function dateMs(v) {
    if (!(v instanceof Date)) return undefined;
    try {
        return dateValue.call(v);
    } catch (_) {
        return undefined;
    }
}

/** A UTC instant: a valid Date, as Unix seconds (sub-second part floored). */
function time(v, what) {
    const ms = dateMs(v);
    if (ms === undefined) {
        const got = v instanceof Date ? 'an object that only looks like one (a Proxy, or made from Date.prototype)'
            : describe(v);
        throw new TypeError(`${what} must be a Date, got ${got}`);
    }
    if (Number.isNaN(ms)) throw new TypeError(`${what} is an invalid Date`);
    return Math.floor(ms / 1000);
}

function now(opts) {
    return opts && opts.now !== undefined ? time(opts.now, 'now') : Math.floor(runClock() / 1000);
}

/** The `now` of an options object that may hold nothing else. */
function nowOnly(opts) {
    return now(options(opts, 'options', ['now']));
}

function date(sec) {
    return new Date(num(sec) * 1000);
}

function dateOrNull(sec) {
    const n = num(sec);
    return n === 0 ? null : new Date(n * 1000);
}

/** A duration in seconds: an integer Number (or BigInt), or an object
 * {hours, minutes, seconds} (each optional, integers). */
function duration(v, what) {
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
        const keys = Object.keys(v);
        for (const k of keys) {
            if (k !== 'hours' && k !== 'minutes' && k !== 'seconds')
                throw new TypeError(`${what}: unknown field "${k}" (use hours, minutes, seconds)`);
        }
        if (keys.length === 0) throw new TypeError(`${what} must name hours, minutes or seconds`);
        const part = (k, mult) => (v[k] === undefined ? 0 : int32Like(v[k], `${what}.${k}`) * mult);
        const total = part('hours', 3600) + part('minutes', 60) + part('seconds', 1);
        return int64(total, what);
    }
    return int64(v, what);
}

function optDuration(v, what, dflt = 0) {
    return v === undefined || v === null ? dflt : duration(v, what);
}

// A surrogate code unit without its partner: a high one not followed by a
// low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every JS string bound for the library passes here. A lone surrogate has
 * no UTF-8 form: koffi and Buffer.from would send U+FFFD in its place, so
 * 'k\uD800' and 'k\uFFFD' would reach C as the same idempotency key (or
 * the same file, zone, event id). Refuse it, as Python's encode does. */
function wellFormed(v, what) {
    if (typeof v.isWellFormed === 'function' ? v.isWellFormed() : !LONE_SURROGATE.test(v)) return v;
    const at = LONE_SURROGATE.exec(v).index;
    const unit = v.charCodeAt(at).toString(16).toUpperCase();
    throw new InvalidArgument(`${what} is not well-formed Unicode: lone surrogate U+${unit} at index ${at}`);
}

/** A string that can cross as a C string: well-formed, no NUL inside. */
function str(v, what) {
    if (typeof v !== 'string') throw new TypeError(`${what} must be a string, got ${describe(v)}`);
    wellFormed(v, what);
    if (v.includes('\0')) throw new InvalidArgument(`${what} must not contain a NUL character`);
    return v;
}

function optStr(v, what) {
    return v === undefined || v === null ? null : str(v, what);
}

/** Bytes: a Buffer, a Uint8Array or a string (encoded as UTF-8). */
function bytes(v, what) {
    if (typeof v === 'string') return Buffer.from(wellFormed(v, what), 'utf8');
    if (Buffer.isBuffer(v)) return v;
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    throw new TypeError(`${what} must be a Buffer, Uint8Array or string, got ${describe(v)}`);
}

/** A wall-clock time: "HH:MM" (00:00..24:00) or minutes after midnight. */
function minuteOfDay(v, what) {
    if (typeof v === 'string') {
        const m = /^(\d{1,2}):(\d{2})$/.exec(str(v, what));
        if (!m) throw new InvalidArgument(`${what} must look like "HH:MM", got "${v}"`);
        const h = Number(m[1]);
        const mm = Number(m[2]);
        if (mm > 59) throw new InvalidArgument(`${what}: minutes must be 00..59, got "${v}"`);
        return h * 60 + mm;
    }
    return int32(v, what);
}

function hhmm(min) {
    const h = Math.floor(min / 60);
    const m = min % 60;
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

const FLAG_INCLUDE_DELETED = 1;

/** includeDeleted: a boolean or undefined (as Python requires a bool). */
function includeDeleted(v) {
    if (v === undefined) return false;
    if (typeof v !== 'boolean')
        throw new TypeError(`includeDeleted must be a boolean, got ${shown(v)}`);
    return v;
}

function readFlags(opts) {
    const o = options(opts, 'options', ['includeDeleted']);
    return includeDeleted(o.includeDeleted) ? FLAG_INCLUDE_DELETED : 0;
}

/** An options object: undefined/null mean {}. `known` lists the names the
 * caller reads; any other own enumerable key is a TypeError (a typo such as
 * {minNotise: 3600} would otherwise do nothing). */
function options(v, what = 'options', known = undefined) {
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${what} must be an object`);
    if (known !== undefined) {
        for (const k of Object.keys(v)) {
            if (!known.includes(k))
                throw new TypeError(`${what}: unknown option "${k}" (accepted: ${known.join(', ') || 'none'})`);
        }
    }
    return v;
}

/** A copy of an array argument, each element read once, with no holes or
 * undefined elements (koffi would otherwise fail with an unclear
 * "Unexpected Undefined value"). A copy: a getter that shrinks or refills
 * the caller's array while it is read cannot put a hole in what is sent. */
/** A copy of array v, refusing holes; with most given, an array of other
 * than least..most items is refused by its length before an item is read
 * (InvalidArgument naming the limit: "posts: 2000 items; give 1..1000"). */
function denseArray(v, what, least = 0, most = Infinity, noun = 'items') {
    if (!Array.isArray(v)) throw new TypeError(`${what} must be an array, got ${describe(v)}`);
    const n = v.length;
    if (n < least || n > most) throw new InvalidArgument(`${what}: ${n} ${noun}; give ${least}..${most}`);
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
        const x = v[i];
        if (x === undefined) throw new TypeError(`${what}[${i}] is missing (undefined or a hole)`);
        out[i] = x;
    }
    return out;
}

function lookup(map, v, what) {
    if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(map, str(v, what))) return map[v];
    if (typeof v === 'number' && Number.isInteger(v) && Object.values(map).includes(v)) return v;
    throw new TypeError(`${what} must be one of ${Object.keys(map).map((k) => `"${k}"`).join(', ')}, got ${shown(v)}`);
}

function reverse(map) {
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k]));
}

module.exports = {
    INT32_MIN, INT32_MAX, INT64_MAX, int64, int32, uint32, num, dateMs, time, now, nowOnly, date, dateOrNull,
    duration, optDuration, wellFormed, str, optStr, bytes, minuteOfDay, hhmm, readFlags, options,
    includeDeleted, denseArray,
    lookup, reverse, describe, shown,
};
