'use strict';
// The arguments of an Async call, copied when the call is made. The call
// runs later (after the handle's earlier async calls) and its JavaScript is
// rerun after each C call (lib/async.js), so it must not read the caller's
// objects again: a caller changing them meanwhile (a Date's setTime, an
// array grown, an option replaced, a getter answering otherwise) would
// change what is written, or pair one run's buffers with another run's
// results. The copy is taken once, getters read once; what the copy holds
// belongs to the call alone.

const { dateMs } = require('./convert');

// Arrays longer than this are copied up to this index only (holes stay holes).
const SPARSE_FROM = 1 << 16;

/** A copy of v for an async call: primitives and functions as they are;
 * Dates, Buffers, typed arrays and ArrayBuffers copied; arrays (a long one
 * up to index SPARSE_FROM) and objects copied member by member (own
 * enumerable string keys, read once; the prototype kept, so a record such
 * as an OutboxEvent stays one). */
function snapshot(v, seen = new Map()) {
    if (v === null || (typeof v !== 'object')) return v;
    if (seen.has(v)) return seen.get(v);
    let out;
    const ms = dateMs(v);
    if (ms !== undefined) {
        out = new Date(ms);
    } else if (Buffer.isBuffer(v)) {
        out = Buffer.from(v);
    } else if (ArrayBuffer.isView(v)) {
        out = v instanceof DataView ? new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
            : v.slice();
    } else if (v instanceof ArrayBuffer) {
        out = v.slice(0);
    } else if (Array.isArray(v)) {
        const n = v.length;
        out = new Array(n);
        seen.set(v, out);
        if (n <= SPARSE_FROM) {
            for (let i = 0; i < n; i++) out[i] = snapshot(v[i], seen);
        } else {
            // Past any list a method takes (each refuses its length before
            // reading an item): copy the elements among the first
            // SPARSE_FROM indices and keep the length, not a slot per index
            // ([1] with length 2^32-1 would run the process out of memory)
            // nor every element (2e7 of them took 20 s and 1 GB).
            for (let i = 0; i < SPARSE_FROM; i++) {
                if (i in v) out[i] = snapshot(v[i], seen);
            }
        }
        return out;
    } else {
        out = Object.create(Object.getPrototypeOf(v));
        seen.set(v, out);
        for (const k of Object.keys(v)) {
            const value = snapshot(v[k], seen);
            Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
        }
        return out;
    }
    seen.set(v, out);
    return out;
}

/** The copied argument list of an Async call. */
function snapshotArgs(args) {
    const seen = new Map();
    return args.map((a) => snapshot(a, seen));
}

module.exports = { snapshot, snapshotArgs };
