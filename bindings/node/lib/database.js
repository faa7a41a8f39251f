'use strict';
// open(), openMemory() and Database: the handle, its lifecycle and the
// FinalizationRegistry backstop. The methods live in lib/methods/*.js, one
// file per concern, and are attached to Database.prototype here (as
// better-sqlite3 does with lib/methods).

const { C } = require('./ffi');
const E = require('./errors');
const V = require('./convert');
const { DURABILITY } = require('./enums');
const { HANDLE, GROUP_BODY, IN_GROUP_BODY } = require('./util');
const { runAsync, replaying, runOwner } = require('./async');
const { snapshotArgs } = require('./snapshot');
const { tzCheck, tzOffset, tzToLocal, tzToUtc } = require('./tz');

const { errorFor } = E;

// ---- options --------------------------------------------------------------

function openOptions(opts) {
    opts = V.options(opts, 'options', ['durability', 'tzdir', 'busyTimeoutMs', 'ledgerKey']);
    const o = {};
    if (C.sl_options_init(o, 1) !== 0) throw new E.Misuse('sl_options_init refused version 1');
    if (opts.durability !== undefined) o.durability = V.lookup(DURABILITY, opts.durability, 'durability');
    if (opts.tzdir !== undefined && opts.tzdir !== null) o.tzdir = V.str(opts.tzdir, 'tzdir');
    if (opts.busyTimeoutMs !== undefined) o.busy_timeout_ms = V.int32(opts.busyTimeoutMs, 'busyTimeoutMs');
    if (opts.ledgerKey !== undefined && opts.ledgerKey !== null) {
        const key = V.bytes(opts.ledgerKey, 'ledgerKey');
        // A zero-length Buffer may cross as NULL; keep one spare byte.
        o.ledger_key = key.length ? key : Buffer.alloc(1);
        o.ledger_key_len = key.length;
    } else {
        o.ledger_key = null;
        o.ledger_key_len = 0;
    }
    return o;
}

// Leaked handles are closed when their Database is collected. close() is the
// real interface; this is the backstop.
const finalized = { count: 0 };
const registry = new FinalizationRegistry((h) => {
    finalized.count++;
    C.sl_close(h);
});
const RUN_ASYNC = Symbol('slotledger.runAsync');
const GUARD = Symbol('slotledger.guard');
// Only open() and openMemory() may make a Database: a forged pointer would
// crash the process.
const TOKEN = Symbol('slotledger.handle');

/** A connection string's name for messages: any password replaced by ***
 * (the URI's user:password@, its ?password= parameter, the keyword
 * password=...), as the library's own messages never carry one. */
function redacted(name) {
    if (!name.includes('://'))
        return name.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/g, '$1***');
    const key = (k) => { try { return decodeURIComponent(k); } catch (_) { return k; } };
    return name.replace(/(:\/\/[^/@:]*):[^/@]*@/, '$1:***@')
        .replace(/([?&])([^=&]*)=[^&]*/g, (m, sep, k) => (key(k) === 'password' ? `${sep}${k}=***` : m));
}

function openWith(fn, label) {
    const out = [null];
    let rc;
    try {
        rc = fn(out);
    } catch (err) {
        if (out[0]) C.sl_close(out[0]);
        throw err;
    }
    if (rc < 0) {
        const msg = C.sl_errmsg(null);
        if (out[0]) C.sl_close(out[0]);
        throw errorFor(rc, msg);
    }
    if (!out[0]) throw new E.Misuse(`${label} returned no handle`);
    return new Database(TOKEN, out[0], label);
}

/** Open (creating if needed) a SQLite database file; ":memory:" is a
 * private in-memory SQLite database. */
function open(path, opts) {
    V.str(path, 'path');
    const o = openOptions(opts);
    return openWith((out) => C.sl_open(out, path, o), path);
}

/** Open a private in-memory reference store (no SQLite). */
function openMemory(opts) {
    const o = openOptions(opts);
    return openWith((out) => C.sl_open_memory(out, o), '<memory>');
}

// A failed open keeps its message per thread, and the async open ran on a
// worker thread: the failure is rerun here to report the library's sentence.
function openAsyncWith(sync, given) {
    let args;
    try {
        args = snapshotArgs(given);
    } catch (err) {
        return Promise.reject(err);
    }
    return runAsync(() => sync(...args)).catch((err) => {
        if (!(err instanceof E.SlotledgerError)) throw err;
        sync(...args).close(); // a failure that has gone away meanwhile: still report the first
        throw err;
    });
}

/** open() on a worker thread: a Promise of the Database. */
function openAsync(path, opts) { return openAsyncWith(open, [path, opts]); }

/** openMemory() on a worker thread: a Promise of the Database. */
function openMemoryAsync(opts) { return openAsyncWith(openMemory, [opts]); }

// ---- the handle ---------------------------------------------------------

class Database {
    #h;
    #name;
    #queue = Promise.resolve(); // this handle's async calls, one after another
    #pending = 0;               // async calls queued or running
    #depth = 0;                 // synchronous method calls running (nested ones count)
    #closing = false;           // closeAsync() was called: no more async calls
    #groupBody = null;          // group(fn) runs fn: { refused: the Misuse of an Async call made in it }

    /** Use sl.open() or sl.openMemory(). */
    constructor(token, handle, name) {
        if (token !== TOKEN || typeof handle !== 'bigint' || !handle)
            throw new TypeError('use slotledger.open() or slotledger.openMemory()');
        this.#h = handle;
        this.#name = redacted(name);
        registry.register(this, handle, this);
    }

    get name() { return this.#name; }
    get closed() { return this.#h === null; }

    /** Close the handle. Idempotent. Throws Misuse while async calls are
     * pending on the handle (await them, or use closeAsync()). */
    close() {
        const h = this.#h;
        if (h === null) return;
        if (this.#pending > 0 && !replaying(this)) {
            throw new E.Misuse(`database ${this.#name}: ${this.#pending} async call(s) pending; ` +
                'await them before close(), or use closeAsync()');
        }
        // From code a method runs (a getter or toString of an argument being
        // converted, a group() callback), closing would free the handle the
        // method is about to use.
        if (this.#depth > 0) {
            throw new E.Misuse(`database ${this.#name}: close() inside a call on this handle ` +
                '(from an argument\'s getter or conversion, or a callback); close it after the call returns');
        }
        this.#h = null;
        registry.unregister(this);
        C.sl_close(h);
    }

    /** Run method with args as a call on this handle: close() refuses
     * until it returns. */
    [GUARD](method, args) {
        this.#depth++;
        try {
            return method.apply(this, args);
        } finally {
            this.#depth--;
        }
    }

    /** Run fn(this) as the body of group(fn): an Async call on this handle
     * made meanwhile is refused (it would run after the group's commit, or
     * its rollback, outside the group); that refusal is thrown when fn
     * returns, so that group() rolls the group back. */
    [GROUP_BODY](fn) {
        const outer = this.#groupBody;
        const body = { refused: null };
        this.#groupBody = body;
        let result;
        try {
            result = fn(this);
        } finally {
            this.#groupBody = outer;
        }
        if (body.refused) {
            // An async fn awaiting the refused call rejects with it too: group()
            // throws the refusal, so that rejection is not left unhandled.
            if (result !== null && typeof result === 'object' && typeof result.then === 'function')
                Promise.resolve(result).catch(() => {});
            throw body.refused;
        }
        return result;
    }

    /** Whether a group(fn) callback of this handle is running. */
    [IN_GROUP_BODY]() { return this.#groupBody !== null; }

    /** The raw handle, for the methods of lib/methods (throws Misuse once closed). */
    [HANDLE]() { return this.#handle(); }

    #handle() {
        if (this.#h === null) throw new E.Misuse(`database ${this.#name} is closed`);
        // Only the Database whose async call is running may make C calls in
        // it: another handle's call would be recorded in this run and made
        // on its worker thread.
        if (replaying() && runOwner() !== this && runOwner() !== null) {
            throw new E.Misuse(`database ${this.#name}: a call on it from inside another handle's async call; ` +
                'make it outside');
        }
        // A synchronous call while an async one runs on a worker thread would
        // use the handle from two threads at once.
        if (this.#pending > 0 && !replaying(this)) {
            throw new E.Misuse(`database ${this.#name}: an async call is running on this handle; ` +
                'await it first (or use the ...Async variants throughout)');
        }
        return this.#h;
    }

    /** Run call() (a synchronous method call on this handle) with its database
     * calls on a worker thread, after this handle's earlier async calls. */
    [RUN_ASYNC](call) {
        if (this.#h === null || this.#closing) {
            const state = this.#h ? 'is closing (closeAsync)' : 'is closed';
            return Promise.reject(new E.Misuse(`database ${this.#name} ${state}`));
        }
        if (this.#groupBody !== null) {
            const err = new E.Misuse(`database ${this.#name}: an Async call inside db.group(fn) is refused (it ` +
                'would run after the group ended, outside it) and the group is rolled back; make synchronous ' +
                'calls in fn, or await groupBeginAsync(), the Async calls, then groupCommitAsync()');
            if (this.#groupBody.refused === null) this.#groupBody.refused = err;
            const p = Promise.reject(err);
            p.catch(() => {}); // group() throws it too: not an unhandled rejection when the promise is dropped
            return p;
        }
        this.#pending++;
        const done = () => { this.#pending--; };
        const p = this.#queue.then(() => runAsync(call, this));
        this.#queue = p.then(done, done);
        return p;
    }

    /** close() once this handle's pending async calls have finished; an
     * async call made after closeAsync() is Misuse (it would have kept the
     * handle open and made closeAsync fail). */
    closeAsync() {
        this.#closing = true;
        const p = this.#queue.then(() => this.close());
        this.#queue = p.catch(() => {});
        return p;
    }

    /** The code and sentence of the last failure on this handle. */
    errcode() { return C.sl_errcode(this.#handle()); }
    errmsg() { return C.sl_errmsg(this.#handle()); }

    // -- time zones, with this handle's tzdir ---------------------------------
    checkZone(zone) { return tzCheck(this[HANDLE](), zone); }
    utcOffset(zone, date) { return tzOffset(this[HANDLE](), zone, date); }
    utcToLocal(zone, date) { return tzToLocal(this[HANDLE](), zone, date); }
    localToUtc(zone, local) { return tzToUtc(this[HANDLE](), zone, local); }
}
if (typeof Symbol.dispose === 'symbol') Database.prototype[Symbol.dispose] = Database.prototype.close;
if (typeof Symbol.asyncDispose === 'symbol') Database.prototype[Symbol.asyncDispose] = Database.prototype.closeAsync;

/** Copy the methods of `source` (a class) onto `target`'s prototype,
 * non-enumerable as class methods are. */
function attach(target, source) {
    for (const key of Reflect.ownKeys(source.prototype)) {
        if (key === 'constructor') continue;
        Object.defineProperty(target.prototype, key, Object.getOwnPropertyDescriptor(source.prototype, key));
    }
}

attach(Database, require('./methods/tenants'));
attach(Database, require('./methods/availability'));
attach(Database, require('./methods/epoch'));
attach(Database, require('./methods/sessions'));
attach(Database, require('./methods/ledger'));
attach(Database, require('./methods/ics'));
attach(Database, require('./methods/groups'));
attach(Database, require('./methods/outbox'));
attach(Database, require('./methods/classes'));
attach(Database, require('./methods/teams'));

// Every database method runs guarded: close() from code it runs (an
// argument's getter, a callback) is Misuse rather than a freed handle.
const UNGUARDED = new Set(['constructor', 'close', 'closeAsync']);
for (const key of Reflect.ownKeys(Database.prototype)) {
    const d = Object.getOwnPropertyDescriptor(Database.prototype, key);
    if (UNGUARDED.has(key) || typeof key === 'symbol' || typeof d.value !== 'function') continue;
    const method = d.value;
    Object.defineProperty(Database.prototype, key, {
        ...d, value: { [key](...args) { return this[GUARD](method, args); } }[key],
    });
}

// The Promise API: every database method m also as mAsync, returning a
// Promise of m's result; its database calls run on a worker thread, one
// async call at a time per handle, in the order they were made. Not
// group(): an async run is rerun from the start after each C call, so its
// callback would run again each time (and group() would take the rerun's
// signal for a failure of the callback and roll back); groupBeginAsync,
// groupCommitAsync and groupRollbackAsync are there for awaited work.
const NOT_ASYNC = new Set(['constructor', 'close', 'closeAsync', 'errcode', 'errmsg', 'group']);
for (const key of Object.getOwnPropertyNames(Database.prototype)) {
    const d = Object.getOwnPropertyDescriptor(Database.prototype, key);
    if (NOT_ASYNC.has(key) || typeof d.value !== 'function') continue;
    const method = d.value;
    Object.defineProperty(Database.prototype, `${key}Async`, {
        value: {
            [`${key}Async`](...given) {
                let args;
                try {
                    args = snapshotArgs(given);
                } catch (err) {
                    return Promise.reject(err);
                }
                return this[RUN_ASYNC](() => method.apply(this, args));
            },
        }[`${key}Async`],
        writable: true, configurable: true, enumerable: false,
    });
}

module.exports = { open, openMemory, openAsync, openMemoryAsync, Database, finalized };
