'use strict';
// Error plumbing and library-owned memory: the helpers every method uses.

const { koffi, C } = require('./ffi');
const { errorFor, SlotledgerError } = require('./errors');
const V = require('./convert');

// The key of Database's handle accessor, shared with lib/methods/*.js only
// (it reads the handle; it cannot make a Database from a forged pointer).
const HANDLE = Symbol('slotledger.handleOf');
// The key of Database's runner of a group(fn) callback (lib/methods/groups.js).
const GROUP_BODY = Symbol('slotledger.groupBody');
// The key of Database's "is a group(fn) callback running?" (lib/methods/groups.js).
const IN_GROUP_BODY = Symbol('slotledger.inGroupBody');

/** Throw the Error of a failed call on handle h (null: a handle-less call). */
function check(rc, h) {
    if (rc >= 0) return rc;
    throw errorFor(rc, C.sl_errmsg(h));
}

/** For the pure functions that keep no message (civil.h, the engine). */
function checkPure(rc, what) {
    if (rc >= 0) return rc;
    throw errorFor(rc, `${what}: ${C.sl_strerror(rc)}`);
}

/** Decode a library-owned array and release it with sl_free, always. */
function takeArray(ptr, type, count) {
    try {
        const n = V.num(count);
        if (!ptr || n === 0) return [];
        return koffi.decode(ptr, type, n);
    } finally {
        if (ptr) C.sl_free(ptr);
    }
}

/** The struct a call on handle h fills: call(out) writes it into out. */
function filled(h, call) {
    const out = {};
    check(call(out), h);
    return out;
}

/** The record a call on db's handle fills, as a Cls: call(h, out); the
 * handle is taken (and checked open) before call converts its arguments. */
function made(db, Cls, call) {
    const h = db[HANDLE]();
    return new Cls(filled(h, (out) => call(h, out)));
}

/** The records of a call on handle h that returns a library-owned array:
 * call(out, count) sets out[0] and count[0]; decoded as type, then freed. */
function listed(h, type, call) {
    const out = [null];
    const count = [0];
    check(call(out, count), h);
    return takeArray(out[0], type, count[0]);
}

function decodeBuffer(buf, type, count) {
    const n = V.num(count);
    return n === 0 ? [] : koffi.decode(buf, type, n);
}

/** items.map(convert), a library error converting item i carrying
 * .failedIndex = i, as one the C call reports does (TypeErrors name the
 * item in their message). */
function batchItems(items, convert) {
    return items.map((x, i) => {
        try {
            return convert(x, i);
        } catch (err) {
            if (err instanceof SlotledgerError) err.failedIndex = i;
            throw err;
        }
    });
}

/** The n records (type, size bytes each) of an all-or-nothing batch call on
 * handle h: call(buf, failed) writes them into buf. A failure throws the
 * Error with .failedIndex: the item the library names in failed[0], or null. */
function batch(h, type, size, n, call) {
    const buf = Buffer.alloc(Math.max(n, 1) * size);
    const failed = [0];
    const rc = call(buf, failed);
    if (rc < 0) {
        const err = errorFor(rc, C.sl_errmsg(h));
        const fi = V.num(failed[0]);
        err.failedIndex = fi < n ? fi : null;
        throw err;
    }
    return decodeBuffer(buf, type, n);
}

module.exports = {
    HANDLE, GROUP_BODY, IN_GROUP_BODY, check, checkPure, takeArray, decodeBuffer, filled, made, listed, batch,
    batchItems,
};
