'use strict';
// Slots as packed arrays. The library returns slots as sl_interval, (start,
// end) int64 pairs of Unix seconds, into a buffer reused by synchronous
// calls; they are read in one go into a Float64Array of milliseconds, with
// no object per slot (db.slotsEpoch, engineSlotsEpoch), or straight into
// the {start, end} Date objects of db.slots, which is cheaper than koffi
// decoding one struct object per slot.
//
// The hot path (issue 16: the epoch variant within 1.5x of the C call, the
// Date variant within 3x): the koffi function itself outside an async run,
// count and flags as typed arrays (no _Out_ array to read back), the
// buffers and their Int32Array view made once, one allocation for the
// result. What stays is V8's: a Float64Array of more than 64 bytes has its
// own backing store (1-1.5 us here), and each Date is made by a C++ builtin.

const os = require('node:os');
const { koffi, C, RAW } = require('./ffi');
const E = require('./errors');
const V = require('./convert');
const { MAX_SLOTS, SIZE } = require('./enums');
const { check } = require('./util');
const { replaying } = require('./async');

const { CODES } = E;
const ITEM = SIZE.interval; // bytes per slot: two int64
const CAP = 1024;           // slots in the buffers reused by synchronous calls
const LITTLE_ENDIAN = os.endianness() === 'LE';
const TWO32 = 4294967296;

/** The memory of one sl_slots call: the result buffer for cap slots
 * (bytes, and words, its Int32Array view) and the size_t count (two uint32
 * words) and uint32 flags it writes, all typed arrays that koffi passes as
 * pointers. */
class SlotBuffers {
    constructor(cap) {
        const data = new ArrayBuffer(Math.max(cap, 1) * ITEM);
        this.bytes = new Uint8Array(data);
        this.words = new Int32Array(data);
        const meta = new ArrayBuffer(16);
        this.count = new Uint32Array(meta, 0, 2);
        this.flags = new Uint32Array(meta, 8, 1);
    }

    /** The size_t count the call wrote. */
    total() {
        const c = this.count;
        return LITTLE_ENDIAN ? c[0] + c[1] * TWO32 : c[1] + c[0] * TWO32;
    }
}

let shared = null;

/** The buffers of one call for cap slots: the ones reused by synchronous
 * calls (count and flags zeroed) when cap <= CAP, else new ones, and new
 * ones inside an async run (its C call runs on a worker thread, perhaps
 * beside another handle's, and the run's buffers must stay its own until
 * it has been replayed). */
function slotBuffers(cap) {
    if (cap > CAP || replaying()) return new SlotBuffers(cap);
    const b = shared || (shared = new SlotBuffers(CAP));
    b.count[0] = 0;
    b.count[1] = 0;
    b.flags[0] = 0;
    return b;
}

/** n int64 values at the start of words (the Int32Array view of a
 * little-endian buffer), each times 1000, as a new Float64Array. The values
 * are exact: every instant a Date can hold is below 2^53 ms. */
function msOfWords(words, n) {
    const out = new Float64Array(n);
    for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (words[j + 1] * TWO32 + (words[j] >>> 0)) * 1000;
    return out;
}

/** n int64 Unix seconds at the start of bytes (a Uint8Array whose
 * byteOffset is a multiple of 8) -> a Float64Array of n milliseconds. */
function msOf(bytes, n) {
    if (LITTLE_ENDIAN) return msOfWords(new Int32Array(bytes.buffer, bytes.byteOffset, 2 * n), n);
    const out = new Float64Array(n);
    const b = new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = Number(b[i]) * 1000;
    return out;
}

/** [{start: Date, end: Date}] of a Float64Array of (start, end) ms pairs. */
function slotObjects(ms) {
    const n = ms.length >> 1;
    const list = new Array(n);
    for (let i = 0, j = 0; i < n; i++, j += 2) list[i] = { start: new Date(ms[j]), end: new Date(ms[j + 1]) };
    return list;
}

/** slotObjects of the n slots at the start of words (the Int32Array view
 * of a little-endian buffer of int64 seconds), without the Float64Array. */
function slotObjectsOfWords(words, n) {
    const list = new Array(n);
    for (let i = 0, j = 0; i < n; i++, j += 4) {
        list[i] = {
            start: new Date((words[j + 1] * TWO32 + (words[j] >>> 0)) * 1000),
            end: new Date((words[j + 3] * TWO32 + (words[j + 2] >>> 0)) * 1000),
        };
    }
    return list;
}

/** The checked arguments of db.slots(tenant, start, end, opts) (and of
 * slotsEpoch): sl_slots's arguments after the handle (tenant, from, to,
 * duration, now) and limit (undefined: none). */
function slotQuery(tenant, start, end, opts) {
    const o = V.options(opts, 'options', ['duration', 'now', 'limit']);
    if (o.duration === undefined) throw new TypeError('slots: options.duration is required');
    const q = {
        tenant: V.int64(tenant, 'tenant'), from: V.time(start, 'start'), to: V.time(end, 'end'),
        duration: V.duration(o.duration, 'duration'), now: V.now(o), limit: undefined,
    };
    if (o.limit !== undefined) {
        const limit = V.int32(o.limit, 'limit');
        if (limit < 0 || limit > MAX_SLOTS) throw new E.InvalidArgument(`limit must be 0..${MAX_SLOTS}`);
        q.limit = limit;
    }
    return q;
}

/** A result larger than the reused buffer, through sl_slots_alloc:
 * { bytes: its slots copied out, clamped }; the library's array released
 * with sl_free. */
function slotsAlloc(h, q) {
    const out = [null];
    const count = [0];
    const flags = [0];
    check(C.sl_slots_alloc(h, out, count, flags, q.tenant, q.from, q.to, q.duration, q.now), h);
    const len = V.num(count[0]) * ITEM;
    const bytes = new Uint8Array(len);
    if (out[0]) {
        try {
            bytes.set(new Uint8Array(koffi.view(out[0], len)));
        } finally {
            C.sl_free(out[0]);
        }
    }
    return { bytes, clamped: (flags[0] & 1) !== 0 };
}

/** sl_slots on handle h for a slotQuery q: { bytes, words (its Int32Array
 * view, little-endian hosts) holding n (start, end) int64 pairs of Unix
 * seconds, clamped, total, truncated }. bytes may be the buffer reused by
 * synchronous calls: read it (epochResult, objectResult) before the next
 * call. With a limit at most that many slots come back (then total is the
 * full count and truncated is set when it was larger); without one, every
 * slot. */
function readSlots(h, q) {
    const limit = q.limit;
    const cap = limit === undefined ? CAP : limit;
    const b = slotBuffers(cap);
    // Outside an async run, the koffi function itself (C.sl_slots is the
    // same call through lib/async.js's replayable wrapper).
    const fn = replaying() ? C.sl_slots : RAW.sl_slots;
    const rc = fn(h, b.bytes, cap, b.count, b.flags, q.tenant, q.from, q.to, q.duration, q.now);
    const r = { bytes: b.bytes, words: b.words, n: 0, clamped: (b.flags[0] & 1) !== 0, total: b.total(), truncated: false };
    if (rc === CODES.SL_ERANGE && r.total > cap) {
        if (limit === undefined) {
            const all = slotsAlloc(h, q);
            r.bytes = all.bytes;
            r.words = new Int32Array(all.bytes.buffer, 0, all.bytes.length >> 2);
            r.total = all.bytes.length / ITEM;
            r.clamped = all.clamped;
        } else {
            r.truncated = true;
        }
    } else {
        check(rc, h);
    }
    r.n = r.truncated ? cap : r.total;
    return r;
}

/** The array of a readSlots result r with r's clamped, total and truncated
 * as properties. */
function withFlags(a, r) {
    a.clamped = r.clamped;
    a.total = r.total;
    a.truncated = r.truncated;
    return a;
}

/** What slotsEpoch returns: a Float64Array of (start, end) ms pairs. */
function epochResult(r) {
    return withFlags(LITTLE_ENDIAN ? msOfWords(r.words, 2 * r.n) : msOf(r.bytes, 2 * r.n), r);
}

/** What slots returns: [{start: Date, end: Date}]. */
function objectResult(r) {
    return withFlags(LITTLE_ENDIAN ? slotObjectsOfWords(r.words, r.n) : slotObjects(msOf(r.bytes, 2 * r.n)), r);
}

module.exports = { ITEM, msOf, slotObjects, slotObjectsOfWords, slotQuery, readSlots, epochResult, objectResult };
