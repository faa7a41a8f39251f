'use strict';
// Nonsense from JS never crashes the process: wrong types are TypeError
// before the call; values C cannot hold are InvalidArgument; the rest is
// the library's own error. Also: lock contention is Busy.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { sl, at, tempPath } = require('./helpers');

const NOW = at('2026-11-29T12:00:00Z');
const BAD_IDS = ['7', 1.5, NaN, Infinity, -Infinity, null, undefined, {}, [], true, 2n ** 64n, -(2n ** 64n), 2 ** 64, Symbol('x')];
const BAD_DATES = [new Date(NaN), '2026-01-01T00:00:00Z', 1796000000, null, {}, 1796000000n];

function expectCleanError(fn, label) {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof TypeError || err instanceof sl.Error, `${label}: unexpected ${err && err.constructor.name}: ${err && err.message}`);
        return err;
    }
    return null;
}

test('bad ids, dates, durations and strings never crash', () => {
    const db = sl.openMemory();
    db.setTenant(7, { now: NOW });
    db.addRule(7, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
    const good = { student: 1, start: at('2026-11-30T09:00:00Z'), duration: 3600, now: NOW };
    for (const bad of BAD_IDS) {
        const l = `id ${String(bad)}`;
        assert.ok(expectCleanError(() => db.tenant(bad), l));
        assert.ok(expectCleanError(() => db.book(bad, good), l));
        assert.ok(expectCleanError(() => db.book(7, { ...good, student: bad }), l));
        assert.ok(expectCleanError(() => db.session(7, bad), l));
        assert.ok(expectCleanError(() => db.balance(7, bad), l));
        assert.ok(expectCleanError(() => db.post(7, { account: bad, amount: 1, kind: 'grant', key: 'k' }), l));
        assert.ok(expectCleanError(() => db.post(7, { account: 1, amount: bad, kind: 'grant', key: 'k' }), l));
        assert.ok(expectCleanError(() => db.rule(7, bad), l));
        assert.ok(expectCleanError(() => db.addRule(7, { weekday: bad, start: '09:00', end: '10:00' }), l));
        assert.ok(expectCleanError(() => db.softDelete(7, 'session', bad), l));
        assert.ok(expectCleanError(() => db.webhookClaim(bad, 's', 'e'), l));
        // undefined means "absent" for an optional field: a normal call
        if (bad !== undefined) assert.ok(expectCleanError(() => db.history(7, { afterSeq: bad }), l));
        else expectCleanError(() => db.history(7, { afterSeq: bad }), l);
    }
    for (const bad of BAD_DATES) {
        const l = `date ${String(bad)}`;
        assert.throws(() => db.book(7, { ...good, start: bad }), TypeError, l);
        assert.throws(() => db.slots(7, bad, NOW, { duration: 60 }), TypeError, l);
        assert.throws(() => db.book(7, { ...good, now: bad }), TypeError, l);
        assert.throws(() => db.purge('session', bad), TypeError, l);
        assert.throws(() => sl.utcOffset('UTC', bad), TypeError, l);
    }
    for (const bad of [-1, 0, 59, 86401, 1e15, 2 ** 62, -(2 ** 62)]) {
        assert.ok(expectCleanError(() => db.book(7, { ...good, duration: bad }), `duration ${bad}`) instanceof sl.Error);
        assert.ok(expectCleanError(() => db.slots(7, NOW, NOW, { duration: bad }), `duration ${bad}`) instanceof sl.Error);
    }
    for (const bad of ['60', 1.5, { weeks: 1 }, {}, [], null]) {
        assert.throws(() => db.book(7, { ...good, duration: bad }), TypeError, `duration ${JSON.stringify(bad)}`);
    }
    for (const bad of ['a\0b', 42, {}, ['k']]) {
        assert.ok(expectCleanError(() => db.book(7, { ...good, key: bad }), `key ${String(bad)}`));
        assert.ok(expectCleanError(() => db.post(7, { account: 1, amount: 1, kind: 'grant', key: bad }), `key ${String(bad)}`));
    }
    // lone surrogates: not valid UTF-8 once encoded; refused or replaced, never a crash
    expectCleanError(() => db.post(7, { account: 1, amount: 1, kind: 'grant', key: '\uD800x', now: NOW }), 'surrogate key');
    expectCleanError(() => db.setTenant(7, { tz: '\uD800', now: NOW }), 'surrogate tz');
    // huge and odd wall-clock times
    for (const bad of ['99:00', '-1:00', '09:60', 1e12, -5, '']) {
        assert.ok(expectCleanError(() => db.addRule(7, { weekday: 1, start: bad, end: '10:00', now: NOW }), `start ${bad}`));
    }
    for (const bad of [undefined, null, 42, 'x']) {
        assert.throws(() => db.book(7, bad), TypeError);
        assert.throws(() => db.setTenant(7, 'UTC'), TypeError);
    }
    assert.throws(() => db.slots(7, NOW, NOW, { duration: 60, limit: 10 ** 9 }), sl.InvalidArgument);
    assert.throws(() => db.history(7, { limit: 10 ** 9 }), sl.InvalidArgument);
    db.close();
});

test('the handle survives thousands of failing calls (no leak of messages, no crash)', () => {
    const db = sl.openMemory();
    db.setTenant(7, { now: NOW });
    for (let i = 0; i < 5000; i++) {
        assert.throws(() => db.book(7, { student: 1, start: NOW, duration: 3600, now: NOW }), sl.Unavailable);
    }
    assert.equal(db.errcode(), -5);
    assert.match(db.errmsg(), /\S/);
    db.tenant(7);
    db.close();
});

test('lock contention on a SQLite file is Busy', async () => {
    const file = tempPath('busy');
    // Creating the schema takes the write lock, so open first; reopening an
    // up-to-date database later does not wait behind a writer.
    const db = sl.open(file, { busyTimeoutMs: 50 });
    const holder = spawn('python3', ['-c', `
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute('BEGIN IMMEDIATE')
print('locked', flush=True)
sys.stdin.readline()
con.execute('ROLLBACK')
`, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
        await new Promise((resolve, reject) => {
            holder.stdout.once('data', (d) => (String(d).includes('locked') ? resolve() : reject(new Error(String(d)))));
            holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
        });
        assert.throws(() => db.setTenant(7, { now: NOW }), (err) => err instanceof sl.Busy && err.code === -12);
        const other = sl.open(file, { busyTimeoutMs: 50 });
        other.close();
    } finally {
        holder.stdin.end('\n');
        await new Promise((r) => holder.once('close', r));
    }
    // the lock is gone: the same handle writes
    assert.equal(db.setTenant(7, { now: NOW }).id, 7);
    db.close();
});
