'use strict';
// Module functions: webhook signatures, the pure slot engine, module info.

const { C } = require('./ffi');
const E = require('./errors');
const V = require('./convert');
const { MAX_SLOTS, SIZE } = require('./enums');
const { checkPure } = require('./util');
const { msOf, slotObjects } = require('./packed');

const { errorFor, CODES } = E;


/** Verify a Stripe-style "t=...,v1=..." signature header over the raw
 * payload. Returns true; throws TamperError (no signature matches), Expired
 * (timestamp outside tolerance seconds, default 300) or InvalidArgument. */
function webhookVerify(secret, header, payload, opts) {
    const o = V.options(opts, 'options', ['tolerance', 'now']);
    const s = V.bytes(secret, 'secret');
    const p = V.bytes(payload, 'payload');
    const tolerance = o.tolerance === undefined ? 300 : V.duration(o.tolerance, 'tolerance');
    const rc = C.sl_webhook_verify(s.length ? s : Buffer.alloc(1), s.length, V.str(header, 'header'),
        p.length ? p : Buffer.alloc(1), p.length, V.now(o), tolerance);
    if (rc < 0) {
        const reasons = {
            [CODES.SL_ETAMPER]: 'webhook signature does not match',
            [CODES.SL_EEXPIRED]: 'webhook timestamp is outside the tolerance',
            [CODES.SL_EINVAL]: 'malformed webhook signature header or empty secret',
        };
        throw errorFor(rc, reasons[rc] || `webhook verification failed: ${C.sl_strerror(rc)}`);
    }
    return true;
}

/** sl_engine_slots over checked arguments: the Float64Array of (start,
 * end) ms pairs it returned. */
function engineRun(avail, busy, params) {
    const p = V.options(params, 'params',
        ['duration', 'step', 'bufferBefore', 'bufferAfter', 'from', 'to', 'earliest', 'horizon', 'limit']);
    const iv = (list, what) => {
        if (!Array.isArray(list)) throw new TypeError(`${what} must be an array of {start, end}`);
        return V.denseArray(list, what).map((x, i) => ({
            start: V.time(x && x.start, `${what}[${i}].start`), end: V.time(x && x.end, `${what}[${i}].end`),
        }));
    };
    const a = iv(avail, 'avail');
    const b = iv(busy, 'busy');
    const dur = V.duration(p.duration, 'duration');
    const ep = {
        version: 1,
        reserved: 0,
        duration: dur,
        step: p.step === undefined || p.step === 0 ? dur : V.duration(p.step, 'step'),
        buffer_before: V.optDuration(p.bufferBefore, 'bufferBefore'),
        buffer_after: V.optDuration(p.bufferAfter, 'bufferAfter'),
        from: V.time(p.from, 'from'),
        to: V.time(p.to, 'to'),
        earliest: p.earliest === undefined ? V.time(p.from, 'from') : V.time(p.earliest, 'earliest'),
        horizon: p.horizon === undefined || p.horizon === null ? V.INT64_MAX : V.time(p.horizon, 'horizon'),
    };
    const limit = p.limit === undefined ? undefined : V.int32(p.limit, 'limit');
    if (limit !== undefined && (limit < 0 || limit > MAX_SLOTS))
        throw new E.InvalidArgument(`limit must be 0..${MAX_SLOTS}`);
    const run = (cap) => {
        const buf = Buffer.alloc(Math.max(cap, 1) * SIZE.interval);
        const count = [0];
        const rc = C.sl_engine_slots(buf, cap, count, a.length ? a : null, a.length, b.length ? b : null, b.length, ep);
        return { rc, buf, n: V.num(count[0]) };
    };
    // Without a limit, every slot: SL_MAX_SLOTS bounds sl_slots, not the
    // engine (a fine step over long intervals gives more), so a result
    // larger than the first buffer is read again into one of its size.
    let r = run(limit === undefined ? MAX_SLOTS : limit);
    if (r.rc === CODES.SL_ERANGE && limit === undefined && r.n > MAX_SLOTS) r = run(r.n);
    if (r.rc === CODES.SL_ERANGE && limit !== undefined && r.n > limit)
        throw errorFor(r.rc, `engineSlots: ${r.n} slots, more than limit ${limit}`);
    checkPure(r.rc, 'engineSlots');
    return msOf(r.buf, 2 * r.n);
}

/** The pure slot engine: no storage, no time zones. avail and busy are
 * [{start: Date, end: Date}] sorted by start. */
function engineSlots(avail, busy, params) {
    return slotObjects(engineRun(avail, busy, params));
}

/** engineSlots() as a Float64Array of Unix milliseconds in flat (start,
 * end) pairs, no object per slot. Same arguments, checks and errors. */
function engineSlotsEpoch(avail, busy, params) {
    return engineRun(avail, busy, params);
}

// ---- module info ------------------------------------------------------------

function version() { return C.sl_version_string(); }
function versionNumber() { return C.sl_version_number(); }
function strerror(code) { return C.sl_strerror(V.int32(code, 'code')); }
function errorMin() { return C.sl_error_min(); }
/** The library's sentence for a result code (sl_code_description). */
function codeDescription(code) { return C.sl_code_description(V.int32(code, 'code')); }

module.exports = { webhookVerify, engineSlots, engineSlotsEpoch, version, versionNumber, strerror, errorMin, codeDescription };
