'use strict';
// Tables read from the loaded library at load time (codes, descriptions,
// enumerations, struct sizes), the load-time struct check, and the names
// shared with the Python binding (sessionId/holdId, codeName, codes, ...).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { sl, at } = require('./helpers');
const ffi = require('../lib/ffi');
const errors = require('../lib/errors');

const NOW = at('2026-11-26T12:00:00Z');

test('codes and descriptions come from the library', () => {
    assert.equal(Math.min(...Object.values(sl.codes)), ffi.C.sl_error_min());
    for (const [name, code] of Object.entries(sl.codes)) {
        assert.equal(ffi.C.sl_strerror(code), name);
        assert.equal(errors.DESCRIPTIONS[code], ffi.C.sl_code_description(code));
    }
    assert.equal(sl.codes.SL_OK, 0);
    assert.equal(sl.codeDescription(-4), 'the time is taken by another session');
    assert.equal(sl.codeDescription(1), 'unknown result code');
    assert.equal(new sl.Conflict('x').description, 'the time is taken by another session');
    assert.throws(() => sl.codeDescription('SL_ECONFLICT'), TypeError);
});

test('enumerations come from the library', () => {
    assert.deepEqual({ ...sl.STATUS }, { pending: 1, confirmed: 2, cancelled: 3, completed: 4, no_show: 5 });
    assert.deepEqual({ ...sl.SESSION_KIND }, { regular: 1, trial: 2, manual: 3, class: 4 });
    assert.deepEqual({ ...sl.ENTRY_KIND }, { purchase: 1, grant: 2, consume: 3, refund: 4, adjust: 5, expire: 6 });
    assert.deepEqual({ ...sl.HOLD_STATUS }, { active: 1, captured: 2, released: 3, expired: 4 });
    assert.deepEqual({ ...sl.ENTITY }, { rule: 1, override: 2, session: 3, account: 4 });
    for (const [name, v] of Object.entries(sl.STATUS)) assert.equal(ffi.C.sl_status_name(v), name);
    assert.equal(ffi.C.sl_status_name(0), null);
    assert.ok(Object.isFrozen(sl.STATUS));
});

test('every declared struct has the size the library reports', () => {
    for (const [name, type] of Object.entries(ffi.T)) {
        if (name === 'sl_db') continue;
        assert.equal(ffi.koffi.sizeof(type), Number(ffi.C.sl_struct_size(name)), name);
        assert.equal(ffi.C_SIZES[name], ffi.koffi.sizeof(type), name);
    }
    assert.equal(Number(ffi.C.sl_struct_size('no_such_struct')), 0);
});

test('a size mismatch is an Error naming the struct', () => {
    const fake = (name) => (name === 'sl_session' ? 248 : ffi.C.sl_struct_size(name));
    assert.throws(() => ffi.checkStructSizes(ffi.T, fake),
        (err) => err.code === 'SLOTLEDGER_LAYOUT' && err.struct === 'sl_session' &&
            /struct sl_session is 248 bytes in the loaded library .* but 256 bytes in the Node binding/.test(err.message));
    assert.throws(() => ffi.checkStructSizes({ sl_future: ffi.T.sl_session }, () => 0),
        /does not know struct sl_future/);
});

test('loading refuses a binding whose layout does not match the library', () => {
    // koffi.sizeof patched before the binding loads, as if a header had
    // grown a field that lib/ffi.js lacks.
    const code = `
        const koffi = require('koffi');
        const real = koffi.sizeof;
        koffi.sizeof = (t) => (koffi.introspect(t).name === 'sl_entry' ? real(t) - 8 : real(t));
        try { require('./index.js'); console.log('loaded'); }
        catch (e) { console.log('Error:', e.message); }`;
    const r = spawnSync(process.execPath, ['-e', code], { cwd: path.join(__dirname, '..'), encoding: 'utf8', env: process.env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Error: slotledger: struct sl_entry is \d+ bytes in the loaded library .* Node binding/);
});

test('a code without a JS name gets a generic subclass', () => {
    const table = errors.buildByCode({ ...errors.CODES, SL_ENEWTHING: -99 });
    const cls = table[-99];
    assert.equal(cls.name, 'SL_ENEWTHING');
    assert.equal(cls.codeName, 'SL_ENEWTHING');
    const e = new cls('boom');
    assert.ok(e instanceof sl.Error);
    assert.equal(e.code, -99);
    assert.equal(table[-4], sl.Conflict);
});

test('sessionId / holdId name the argument in messages, as in Python', () => {
    const db = sl.openMemory();
    try {
        assert.throws(() => db.confirm(1, 'x', { now: NOW }), /sessionId/);
        assert.throws(() => db.reschedule(1, 1.5, NOW, { now: NOW }), /sessionId/);
        assert.throws(() => db.holdGet(1, 'x'), /holdId/);
        assert.throws(() => db.release(1, null, { now: NOW }), /holdId/);
        // codeName, the common name of Python's .code_name
        assert.throws(() => db.tenant(12345), (err) => err.codeName === 'SL_ENOTFOUND' && err.description === 'no such row for this tenant');
    } finally {
        db.close();
    }
});

test('methods stay on the prototype, non-enumerable, as class methods', () => {
    const proto = sl.Database.prototype;
    for (const m of ['book', 'post', 'hold', 'slots', 'setTenant', 'softDelete', 'verifyHead', 'close'])
        assert.equal(typeof proto[m], 'function', m);
    assert.deepEqual(Object.keys(proto), []);
});
