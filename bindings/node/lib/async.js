'use strict';
// The Promise API's engine: run a synchronous API call with each of its
// database calls on one of koffi's worker threads (`fn.async`), so that a
// busy wait (another process holding the write lock) never blocks the
// event loop.
//
// How: the database functions of lib/ffi.js (those taking an sl_db) are
// wrapped by replayable(). runAsync(fn) runs fn; at its first database call
// the wrapper stops the run (a Suspend, thrown) and that call is made on a
// worker thread with the same arguments. When it completes, fn runs again
// from the start: the calls already made return their recorded results
// (their out-parameters copied into the new run's), the next one is made on
// a worker thread, and so on until fn returns or throws. fn's JavaScript
// (argument checks, conversions) is pure, so running it again changes
// nothing; only the C calls have effects, and each is made exactly once.
// JavaScript runs one thing at a time, so the one `current` run is enough.
//
// What keeps the reruns equal: the Async methods run on a copy of their
// arguments taken when they are called (lib/snapshot.js), the default `now`
// is read once per run (runClock), and a replayed call must be made with the
// arguments it was made with (sameArgs): a rerun that differs (code reading
// state that changed meanwhile) stops with an Error instead of pairing one
// call's results with another call's buffers.

let current = null;

class Suspend {
    constructor(name, fn, args) {
        this.name = name;
        this.fn = fn;
        this.args = args;
    }
}

/** Copy what a completed call wrote into its out-parameters (`from`) into
 * the same parameters of the rerun (`to`). */
function copyOut(from, to) {
    for (let i = 0; i < to.length; i++) {
        const a = from[i];
        const b = to[i];
        if (a === b || !a || !b || typeof a !== 'object' || typeof b !== 'object') continue;
        if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
            if (a.byteLength === b.byteLength) {
                new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
                    .set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
            }
        } else if (Array.isArray(a) && Array.isArray(b)) {
            for (let j = 0; j < a.length; j++) b[j] = a[j];
        } else {
            Object.assign(b, a);
        }
    }
}

/** Whether a rerun's arguments `b` are those the call was made with (`a`):
 * the same numbers, BigInts, strings and nulls, buffers and arrays of the
 * same lengths (their contents are out-parameters, copied by copyOut). */
function sameArgs(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
        const x = a[i];
        const y = b[i];
        if (x === y) continue;
        if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
        if (ArrayBuffer.isView(x) !== ArrayBuffer.isView(y) || Array.isArray(x) !== Array.isArray(y)) return false;
        if (ArrayBuffer.isView(x) ? x.byteLength !== y.byteLength : Array.isArray(x) && x.length !== y.length)
            return false;
    }
    return true;
}

/** Wrap the koffi function `fn` (named `name`) so that runAsync can move
 * its calls to a worker thread. Outside runAsync it is `fn` itself. */
function replayable(name, fn) {
    return function (...args) {
        const run = current;
        if (run === null) return fn(...args);
        const i = run.next++;
        if (i < run.done.length) {
            const d = run.done[i];
            if (d.name !== name) throw new Error(`slotledger: async rerun diverged (${d.name}, then ${name})`);
            if (!sameArgs(d.args, args))
                throw new Error(`slotledger: async rerun diverged (${name} again with other arguments)`);
            copyOut(d.args, args);
            return d.rc;
        }
        throw new Suspend(name, fn, args);
    };
}

/** True while runAsync is (re)running a call synchronously; with `owner`,
 * only while it runs a call of that owner (a Database). */
function replaying(owner) { return current !== null && (owner === undefined || current.owner === owner); }

/** The owner of the call runAsync is running (null: none, or an open). */
function runOwner() { return current === null ? null : current.owner; }

/** Date.now() in milliseconds, read once per async call: every rerun of
 * the call sees the same default `now`. */
function runClock() {
    if (current === null) return Date.now();
    if (current.clock === null) current.clock = Date.now();
    return current.clock;
}

function callOnWorker(s) {
    return new Promise((resolve, reject) => {
        try {
            s.fn.async(...s.args, (err, rc) => (err ? reject(err) : resolve(rc)));
        } catch (err) {
            reject(err);
        }
    });
}

/** A Promise of fn()'s result, fn's database calls made on worker threads;
 * owner is the Database whose call it is (null for an open). */
async function runAsync(fn, owner = null) {
    const run = { done: [], next: 0, owner, clock: null };
    for (;;) {
        let suspended = null;
        let result;
        run.next = 0;
        current = run;
        try {
            result = fn();
        } catch (err) {
            if (!(err instanceof Suspend)) throw err;
            suspended = err;
        } finally {
            current = null;
        }
        if (suspended === null) return result;
        const rc = await callOnWorker(suspended);
        run.done.push({ name: suspended.name, args: suspended.args, rc });
    }
}

module.exports = { replayable, replaying, runOwner, runClock, runAsync, sameArgs };
