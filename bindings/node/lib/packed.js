'use strict';
// Slots as packed arrays. The library returns slots as sl_interval, (start,
// end) int64 pairs of Unix seconds; they are read in one go into a
// Float64Array of milliseconds, with no object per slot (db.slotsEpoch,
// engineSlotsEpoch). The Date variants (db.slots, engineSlots) build their
// {start, end} objects from that array, which is cheaper than koffi
// decoding one struct object per slot.

const os = require('node:os');
const { koffi, C } = require('./ffi');
const E = require('./errors');
const V = require('./convert');
const { MAX_SLOTS, SIZE } = require('./enums');
const { check } = require('./util');
const { replaying } = require('./async');

const { CODES } = E;
const ITEM = SIZE.interval; // bytes per slot: two int64
const CAP = 1024;           // slots in the buffer reused by synchronous calls
const LITTLE_ENDIAN = os.endianness() === 'LE';
let shared = null;

/** A zeroed buffer for cap slots: the one reused by synchronous calls, or
 * a new one inside an async run (its C call runs on a worker thread,
 * perhaps beside another handle's). */
function resultBuffer(cap) {
    if (cap === CAP && !replaying()) return shared || (shared = Buffer.alloc(CAP * ITEM));
    return Buffer.alloc(Math.max(cap, 1) * ITEM);
}

/** n int64 Unix seconds at the start of bytes (a Uint8Array whose
 * byteOffset is a multiple of 8) -> a Float64Array of n milliseconds. The
 * values are exact: every instant a Date can hold is below 2^53 ms. */
function msOf(bytes, n) {
    const out = new Float64Array(n);
    if (LITTLE_ENDIAN) {
        const w = new Int32Array(bytes.buffer, bytes.byteOffset, 2 * n);
        for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (w[j + 1] * 4294967296 + (w[j] >>> 0)) * 1000;
    } else {
        const b = new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
        for (let i = 0; i < n; i++) out[i] = Number(b[i]) * 1000;
    }
    return out;
}

/** [{start: Date, end: Date}] of a Float64Array of (start, end) ms pairs. */
function slotObjects(ms) {
    const n = ms.length >> 1;
    const list = new Array(n);
    for (let i = 0, j = 0; i < n; i++, j += 2) list[i] = { start: new Date(ms[j]), end: new Date(ms[j + 1]) };
    return list;
}

/** The checked arguments of db.slots(tenant, start, end, opts) (and of
 * slotsEpoch): { args: sl_slots's arguments after the handle, limit }. */
function slotQuery(tenant, start, end, opts) {
    const o = V.options(opts);
    if (o.duration === undefined) throw new TypeError('slots: options.duration is required');
    const args = [V.int64(tenant, 'tenant'), V.time(start, 'start'), V.time(end, 'end'),
        V.duration(o.duration, 'duration'), V.now(o)];
    let limit;
    if (o.limit !== undefined) {
        limit = V.int32(o.limit, 'limit');
        if (limit < 0 || limit > MAX_SLOTS) throw new E.InvalidArgument(`limit must be 0..${MAX_SLOTS}`);
    }
    return { args, limit };
}

/** A result larger than the reused buffer, through sl_slots_alloc: its
 * bytes copied out, the library's array released with sl_free. */
function slotsAlloc(h, args, count, flags) {
    const out = [null];
    check(C.sl_slots_alloc(h, out, count, flags, ...args), h);
    const len = V.num(count[0]) * ITEM;
    const bytes = new Uint8Array(len);
    if (out[0]) {
        try {
            bytes.set(new Uint8Array(koffi.view(out[0], len)));
        } finally {
            C.sl_free(out[0]);
        }
    }
    return bytes;
}

/** sl_slots on handle h for a slotQuery: { ms: Float64Array of (start,
 * end) ms pairs, clamped, total, truncated }. With a limit at most that
 * many slots come back (then total is the full count and truncated is set
 * when it was larger); without one, every slot. */
function readSlots(h, { args, limit }) {
    const cap = limit === undefined ? CAP : limit;
    const count = [0];
    const flags = [0];
    let bytes = resultBuffer(cap);
    let truncated = false;
    const rc = C.sl_slots(h, bytes, cap, count, flags, ...args);
    if (rc === CODES.SL_ERANGE && V.num(count[0]) > cap) {
        if (limit === undefined) bytes = slotsAlloc(h, args, count, flags);
        else truncated = true;
    } else {
        check(rc, h);
    }
    const total = V.num(count[0]);
    const n = truncated ? cap : total;
    return { ms: msOf(bytes, 2 * n), clamped: (flags[0] & 1) !== 0, total, truncated };
}

/** r.ms with r's clamped, total and truncated as properties (what
 * slotsEpoch returns). */
function epochResult(r) {
    const a = r.ms;
    a.clamped = r.clamped;
    a.total = r.total;
    a.truncated = r.truncated;
    return a;
}

module.exports = { ITEM, msOf, slotObjects, slotQuery, readSlots, epochResult };
