'use strict';
// Nonsense from JS never crashes the process: wrong types are TypeError
// before the call; values C cannot hold are InvalidArgument; the rest is
// the library's own error. Also: lock contention is Busy.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { sl, at, tempPath, tmpRoot } = require('./helpers');

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

// A lone surrogate has no UTF-8 form; sent anyway it would arrive as U+FFFD,
// and 'k\uD800' would be the same key as 'k\uFFFD'.
const LONE = [['lone high surrogate', '\uD800'], ['lone low surrogate', '\uDC00'], ['reversed pair', '\uDC00\uD800']];

function storeState(db, holdId) {
    return JSON.stringify({
        tenant: db.tenant(7),
        rules: db.rules(7, { includeDeleted: true }),
        overrides: db.overrides(7, '2026-11-01', '2027-01-31', { includeDeleted: true }),
        sessions: db.sessions(7, at('2026-11-01T00:00:00Z'), at('2027-06-01T00:00:00Z'), { includeDeleted: true }),
        history: db.history(7, { limit: 10000 }),
        balance: db.balance(7, 1, { now: NOW }),
        hold: db.holdGet(7, holdId),
    });
}

test('every string argument that is not well-formed Unicode is InvalidArgument and writes nothing', () => {
    const db = sl.openMemory();
    db.setTenant(7, { tz: 'UTC', now: NOW });
    const ruleId = db.addRule(7, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
    db.post(7, { account: 1, amount: 20, kind: 'grant', key: 'seed', now: NOW });
    const holdId = db.hold(7, { account: 1, amount: 2, ttl: 3600, key: 'seed-hold', now: NOW }).id;
    const MON = at('2026-11-30T09:00:00Z');
    const booking = { student: 1, start: MON, duration: 3600, now: NOW };
    const payload = Buffer.from('{}');
    // [label, the argument's name in the message, valid text the bad part is appended to, call]
    const cases = [
        ['setTenant', 'tz', 'Europe/Berlin', (s) => db.setTenant(7, { tz: s, now: NOW })],
        ['addRule', 'start', '10:00', (s) => db.addRule(7, { weekday: 2, start: s, end: '11:00', now: NOW })],
        ['addRule', 'end', '11:00', (s) => db.addRule(7, { weekday: 2, start: '10:00', end: s, now: NOW })],
        ['addRule', 'validFrom', '2026-12-01', (s) => db.addRule(7, { weekday: 2, start: '10:00', end: '11:00', validFrom: s, now: NOW })],
        ['addRule', 'validUntil', '2026-12-31', (s) => db.addRule(7, { weekday: 2, start: '10:00', end: '11:00', validUntil: s, now: NOW })],
        ['updateRule', 'start', '08:00', (s) => db.updateRule(7, ruleId, { start: s, now: NOW })],
        ['updateRule', 'end', '18:00', (s) => db.updateRule(7, ruleId, { end: s, now: NOW })],
        ['updateRule', 'validFrom', '2026-12-01', (s) => db.updateRule(7, ruleId, { validFrom: s, now: NOW })],
        ['updateRule', 'validUntil', '2026-12-31', (s) => db.updateRule(7, ruleId, { validUntil: s, now: NOW })],
        ['setOverride', 'date', '2026-12-01', (s) => db.setOverride(7, s, [], { now: NOW })],
        ['setOverride', 'windows\\[0\\]\\[0\\]', '10:00', (s) => db.setOverride(7, '2026-12-01', [[s, '12:00']], { now: NOW })],
        ['setOverride', 'windows\\[0\\]\\.end', '12:00', (s) => db.setOverride(7, '2026-12-01', [{ start: '10:00', end: s }], { now: NOW })],
        ['override', 'date', '2026-12-01', (s) => db.override(7, s)],
        ['overrides', 'from', '2026-12-01', (s) => db.overrides(7, s, '2026-12-31')],
        ['overrides', 'to', '2026-12-31', (s) => db.overrides(7, '2026-12-01', s)],
        ['book', 'key', 'k', (s) => db.book(7, { ...booking, key: s })],
        ['bookMany', 'key', 'k', (s) => db.bookMany(7, [{ student: 1, start: MON, duration: 3600 }], { key: s, now: NOW })],
        ['bookTrial', 'key', 'k', (s) => db.bookTrial(7, { ...booking, key: s })],
        ['scheduleManual', 'key', 'k', (s) => db.scheduleManual(7, { ...booking, key: s })],
        ['bookRecurring', 'key', 'k', (s) => db.bookRecurring(7, { ...booking, count: 2, key: s })],
        ['bookRecurring', 'policy', 'skip-conflicts', (s) => db.bookRecurring(7, { ...booking, count: 2, policy: s })],
        ['softDelete', 'entity', 'rule', (s) => db.softDelete(7, s, ruleId, { now: NOW })],
        ['restore', 'entity', 'rule', (s) => db.restore(7, s, ruleId, { now: NOW })],
        ['purge', 'entity', 'rule', (s) => db.purge(s, NOW)],
        ['post', 'key', 'k', (s) => db.post(7, { account: 1, amount: 1, kind: 'grant', key: s, now: NOW })],
        ['post', 'reference', 'order 1', (s) => db.post(7, { account: 1, amount: 1, kind: 'grant', key: 'r', reference: s, now: NOW })],
        ['post', 'kind', 'grant', (s) => db.post(7, { account: 1, amount: 1, kind: s, key: 'r', now: NOW })],
        ['postMany', 'posts\\[0\\]\\.key', 'k', (s) => db.postMany(7, [{ account: 1, amount: 1, kind: 'grant', key: s }], { now: NOW })],
        ['postMany', 'posts\\[0\\]\\.reference', 'ref', (s) => db.postMany(7, [{ account: 1, amount: 1, kind: 'grant', key: 'm', reference: s }], { now: NOW })],
        ['postMany', 'posts\\[0\\]\\.kind', 'grant', (s) => db.postMany(7, [{ account: 1, amount: 1, kind: s, key: 'm' }], { now: NOW })],
        ['hold', 'key', 'k', (s) => db.hold(7, { account: 1, amount: 1, ttl: 60, key: s, now: NOW })],
        ['capture', 'key', 'k', (s) => db.capture(7, holdId, { amount: 1, key: s, now: NOW })],
        ['webhookClaim', 'source', 'stripe', (s) => db.webhookClaim(7, s, 'evt_1', { now: NOW })],
        ['webhookClaim', 'eventId', 'evt_1', (s) => db.webhookClaim(7, 'stripe', s, { now: NOW })],
        ['db.checkZone', 'zone', 'UTC', (s) => db.checkZone(s)],
        ['db.utcOffset', 'zone', 'UTC', (s) => db.utcOffset(s, NOW)],
        ['db.utcToLocal', 'zone', 'UTC', (s) => db.utcToLocal(s, NOW)],
        ['db.localToUtc', 'zone', 'UTC', (s) => db.localToUtc(s, { year: 2026, month: 11, day: 30 })],
        ['checkZone', 'zone', 'UTC', (s) => sl.checkZone(s)],
        ['utcOffset', 'zone', 'UTC', (s) => sl.utcOffset(s, NOW)],
        ['utcToLocal', 'zone', 'UTC', (s) => sl.utcToLocal(s, NOW)],
        ['localToUtc', 'zone', 'UTC', (s) => sl.localToUtc(s, { year: 2026, month: 11, day: 30 })],
        ['parseTime', 'text', '2026-11-30T09:00:00Z', (s) => sl.parseTime(s)],
        ['parseDate', 'text', '2026-11-30', (s) => sl.parseDate(s)],
        ['webhookVerify', 'secret', 'whsec', (s) => sl.webhookVerify(s, 't=1,v1=00', payload, { now: NOW })],
        ['webhookVerify', 'header', 't=1,v1=00', (s) => sl.webhookVerify('whsec', s, payload, { now: NOW })],
        ['webhookVerify', 'payload', '{}', (s) => sl.webhookVerify('whsec', 't=1,v1=00', s, { now: NOW })],
        ['open', 'path', path.join(tmpRoot, 'surrogate'), (s) => sl.open(s)],
        ['open', 'tzdir', '/usr/share/zoneinfo', (s) => sl.open(':memory:', { tzdir: s })],
        ['openMemory', 'tzdir', '/usr/share/zoneinfo', (s) => sl.openMemory({ tzdir: s })],
        ['openMemory', 'ledgerKey', 'a ledger key of 16+ bytes', (s) => sl.openMemory({ ledgerKey: s })],
        ['openMemory', 'durability', 'fast', (s) => sl.openMemory({ durability: s })],
    ];
    const before = storeState(db, holdId);
    for (const [fn, arg, base, call] of cases) {
        for (const [kind, bad] of LONE) {
            const label = `${fn} ${arg.replace(/\\/g, '')} with a ${kind}`;
            let result;
            assert.throws(() => { result = call(base + bad); },
                (err) => err instanceof sl.InvalidArgument && err.code === sl.codes.SL_EINVAL &&
                    new RegExp(`^${arg} is not well-formed Unicode`).test(err.message),
                `${label}: ${result && typeof result.close === 'function' ? (result.close(), 'opened') : 'no InvalidArgument'}`);
            assert.equal(storeState(db, holdId), before, `${label} changed the store`);
        }
    }
    // nothing was created under the name the surrogate would have become
    assert.equal(fs.existsSync(path.join(tmpRoot, 'surrogate\uFFFD')), false);
    assert.equal(fs.existsSync(path.join(tmpRoot, 'surrogate\uFFFD\uFFFD')), false);
    db.close();
});

test('a key with a lone surrogate is refused, so it cannot replay as the key with U+FFFD', () => {
    const db = sl.openMemory();
    db.setTenant(7, { now: NOW });
    db.addRule(7, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
    db.post(7, { account: 1, amount: 5, kind: 'grant', key: 'seed', now: NOW });
    for (const [kind, bad] of LONE) {
        assert.throws(() => db.post(7, { account: 1, amount: 1, kind: 'grant', key: `k${bad}`, now: NOW }), sl.InvalidArgument, kind);
    }
    assert.equal(db.balance(7, 1, { now: NOW }).posted, 5);
    const e = db.post(7, { account: 1, amount: 1, kind: 'grant', key: 'k\uFFFD', now: NOW });
    assert.deepEqual([e.replayed, e.key, e.balanceAfter], [false, 'k\uFFFD', 6]);
    // a well-formed pair crosses unchanged, and is its own key
    const p = db.post(7, { account: 1, amount: 1, kind: 'grant', key: 'k\uD83D\uDE00', reference: '\u{1F600}', now: NOW });
    assert.deepEqual([p.replayed, p.key, p.reference, p.balanceAfter], [false, 'k\u{1F600}', '\u{1F600}', 7]);
    // the same for a booking key and a webhook event id
    const start = at('2026-11-30T09:00:00Z');
    assert.throws(() => db.book(7, { student: 1, start, duration: 3600, key: 'b\uDC00', now: NOW }), sl.InvalidArgument);
    assert.deepEqual(db.sessions(7, start, at('2026-12-01T00:00:00Z')), []);
    const s = db.book(7, { student: 1, start, duration: 3600, key: 'b\uFFFD', now: NOW });
    assert.deepEqual([s.replayed, s.key], [false, 'b\uFFFD']);
    assert.throws(() => db.webhookClaim(7, 'stripe', 'evt\uD800', { now: NOW }), sl.InvalidArgument);
    assert.equal(db.webhookClaim(7, 'stripe', 'evt\uFFFD', { now: NOW }), true);
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

test('close() from code a call runs is Misuse, never a freed handle', () => {
    const db = sl.openMemory();
    db.setTenant(1, { now: NOW });
    const start = at('2026-11-30T09:00:00Z');
    // getters of two methods' arguments, then a callback
    const calls = [
        () => db.createClass(1, { get start() { db.close(); return start; }, duration: 3600, capacity: 2, now: NOW }),
        () => db.setTenant(1, { get tz() { db.close(); return 'UTC'; }, now: NOW }),
        () => db.group(() => { db.close(); }),
    ];
    for (const call of calls) {
        assert.throws(call, (err) => err instanceof sl.Misuse && /close\(\) inside a call/.test(err.message));
        assert.equal(db.closed, false);
    }
    db.createClass(1, { start, duration: 3600, capacity: 2, now: NOW }); // the handle still works
    db.close();
    assert.equal(db.closed, true);
});

test('a Database\'s name and messages never carry a password', () => {
    // A file whose name looks like a keyword connection string: the name a
    // Database keeps for its messages is redacted as a connection string's.
    const dir = path.join(tmpRoot, 'password=hunter2');
    fs.mkdirSync(dir, { recursive: true });
    const db = sl.open(path.join(dir, 'x.db'));
    db.close();
    assert.equal(db.name.includes('hunter2'), false, db.name);
    assert.throws(() => db.tenant(1), (err) => err instanceof sl.Misuse && !err.message.includes('hunter2')
        && /password=\*\*\*/.test(err.message));
});

if (process.env.SL_TEST_PG) {
    test('PostgreSQL: no password of a URI or keyword connection string in a Database\'s messages', () => {
        const kv = Object.fromEntries(process.env.SL_TEST_PG.split(' ').map((w) => w.split('=')));
        const q = `host=${encodeURIComponent(kv.host)}&port=${kv.port}&schema=node_pw_${process.pid}`;
        const strings = [
            `${process.env.SL_TEST_PG} password='hun ter2' schema=node_pw_${process.pid}`,
            `postgresql://${kv.user}:hunter2@/${kv.dbname}?${q}`,
            `postgresql://${kv.user}@/${kv.dbname}?password=hunter2&${q}`,
            `postgresql://${kv.user}@/${kv.dbname}?%70assword=hunter2&${q}`,
        ];
        for (const conninfo of strings) {
            const db = sl.open(conninfo); // trust authentication: the password is ignored
            db.close();
            assert.equal(/hunter2|ter2/.test(db.name), false, db.name);
            assert.throws(() => db.tenant(1), (err) => err instanceof sl.Misuse && !/hunter2|ter2/.test(err.message));
        }
    });
}
