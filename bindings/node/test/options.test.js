'use strict';
// Every options / settings / request object is checked against the names
// its method reads: an unknown key is a TypeError naming it and the accepted
// ones (a typo would otherwise do nothing). Also: includeDeleted must be a
// boolean, array arguments must have no holes, outbox max takes a BigInt.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sl, at } = require('./helpers');

const NOW = at('2026-11-29T12:00:00Z');
const T0 = at('2026-11-30T09:00:00Z');
const T1 = at('2026-12-07T09:00:00Z');
const BOOK = ['student', 'start', 'duration', 'credits', 'key', 'now'];
const RULE = ['weekday', 'start', 'end', 'validFrom', 'validUntil', 'now'];
const ICS = ['domain', 'prodid', 'includeDeleted', 'summary'];
const win = [['10:00', '11:00']];

// [name, accepted names, call with the given options object]
const TABLE = [
    ['open', ['durability', 'tzdir', 'busyTimeoutMs', 'ledgerKey'], (db, o) => sl.open(':memory:', o).close()],
    ['openMemory', ['durability', 'tzdir', 'busyTimeoutMs', 'ledgerKey'], (db, o) => sl.openMemory(o).close()],
    ['webhookVerify', ['tolerance', 'now'], (db, o) => sl.webhookVerify('s', 't=1,v1=00', 'p', o)],
    ['engineSlots', ['duration', 'step', 'bufferBefore', 'bufferAfter', 'from', 'to', 'earliest', 'horizon', 'limit'],
        (db, o) => sl.engineSlots([], [], { duration: 60, from: T0, to: T1, ...o })],
    ['localToUtc', ['year', 'month', 'day', 'hour', 'minute', 'second'],
        (db, o) => sl.localToUtc('UTC', { year: 2026, month: 1, day: 1, ...o })],
    ['db.localToUtc', ['year', 'month', 'day', 'hour', 'minute', 'second'],
        (db, o) => db.localToUtc('UTC', { year: 2026, month: 1, day: 1, ...o })],
    ['setTenant', ['tz', 'bufferBefore', 'bufferAfter', 'minNotice', 'step', 'lateCancel', 'maxAdvanceDays', 'now'],
        (db, o) => db.setTenant(8, o)],
    ['addRule', RULE, (db, o) => db.addRule(7, { weekday: 2, start: '09:00', end: '10:00', ...o })],
    ['updateRule', RULE, (db, o) => db.updateRule(7, 1, o)],
    ['rule', ['includeDeleted'], (db, o) => db.rule(7, 1, o)],
    ['rules', ['includeDeleted'], (db, o) => db.rules(7, o)],
    ['setOverride', ['now'], (db, o) => db.setOverride(7, '2026-12-24', win, o)],
    ['override', ['includeDeleted'], (db, o) => db.override(7, '2026-12-24', o)],
    ['overrides', ['includeDeleted'], (db, o) => db.overrides(7, '2026-12-01', '2026-12-31', o)],
    ['slots', ['duration', 'now', 'limit'], (db, o) => db.slots(7, T0, T1, { duration: 3600, ...o })],
    ['slotsEpoch', ['duration', 'now', 'limit'], (db, o) => db.slotsEpoch(7, T0, T1, { duration: 3600, ...o })],
    ['slotsMany', ['duration', 'now'], (db, o) => db.slotsMany([7], T0, T1, { duration: 3600, ...o })],
    ['slotsManyEpoch', ['duration', 'now'], (db, o) => db.slotsManyEpoch([7], T0, T1, { duration: 3600, ...o })],
    ['teamSlots', ['duration', 'mode', 'now'], (db, o) => db.teamSlots([7], T0, T1, { duration: 3600, ...o })],
    ['freeAt', ['duration', 'detail', 'now'], (db, o) => db.freeAt([7], T0, { duration: 3600, ...o })],
    ['bookAny', BOOK, (db, o) => db.bookAny([7], { student: 1, start: T0, duration: 3600, ...o })],
    ['bookAll', BOOK, (db, o) => db.bookAll([7], { student: 1, start: T0, duration: 3600, ...o })],
    ['book', BOOK, (db, o) => db.book(7, { student: 1, start: T0, duration: 3600, ...o })],
    ['bookMany', ['key', 'now'], (db, o) => db.bookMany(7, [], o)],
    ['bookMany[i]', ['student', 'start', 'duration', 'credits'],
        (db, o) => db.bookMany(7, [{ student: 1, start: T0, duration: 3600, ...o }], { now: NOW })],
    ['bookTrial', ['student', 'start', 'duration', 'key', 'now'],
        (db, o) => db.bookTrial(7, { student: 1, start: T0, duration: 3600, ...o })],
    ['scheduleManual', BOOK, (db, o) => db.scheduleManual(7, { student: 1, start: T0, duration: 3600, ...o })],
    ['bookRecurring', ['student', 'start', 'duration', 'credits', 'count', 'policy', 'key', 'now'],
        (db, o) => db.bookRecurring(7, { student: 1, start: T0, duration: 3600, count: 1, ...o })],
    ['reschedule', ['now'], (db, o) => db.reschedule(7, 1, T1, o)],
    ['confirm', ['now'], (db, o) => db.confirm(7, 1, o)],
    ['cancel', ['now'], (db, o) => db.cancel(7, 1, o)],
    ['complete', ['now'], (db, o) => db.complete(7, 1, o)],
    ['markNoShow', ['now'], (db, o) => db.markNoShow(7, 1, o)],
    ['session', ['includeDeleted'], (db, o) => db.session(7, 1, o)],
    ['sessions', ['includeDeleted'], (db, o) => db.sessions(7, T0, T1, o)],
    ['sessionsByStudent', ['includeDeleted'], (db, o) => db.sessionsByStudent(7, 1, o)],
    ['softDelete', ['now'], (db, o) => db.softDelete(7, 'rule', 99, o)],
    ['restore', ['now'], (db, o) => db.restore(7, 'rule', 99, o)],
    ['sessionIcs', ICS, (db, o) => db.sessionIcs(7, 1, { domain: 'x.test', ...o })],
    ['calendarIcs', ICS.concat('student'), (db, o) => db.calendarIcs(7, T0, T1, { domain: 'x.test', ...o })],
    ['createClass', ['start', 'duration', 'capacity', 'creditsPerSeat', 'key', 'now'],
        (db, o) => db.createClass(7, { start: T0, duration: 3600, capacity: 2, ...o })],
    ['classInfo', ['includeDeleted'], (db, o) => db.classInfo(7, 1, o)],
    ['enroll', ['waitlist', 'key', 'now'], (db, o) => db.enroll(7, 1, 1, o)],
    ['withdraw', ['key', 'now'], (db, o) => db.withdraw(7, 1, 1, o)],
    ['classNoShow', ['now'], (db, o) => db.classNoShow(7, 1, 1, o)],
    ['post', ['account', 'kind', 'amount', 'key', 'reference', 'now'],
        (db, o) => db.post(7, { account: 1, kind: 'purchase', amount: 5, key: 'k', ...o })],
    ['postMany', ['now'], (db, o) => db.postMany(7, [], o)],
    ['postMany[i]', ['account', 'kind', 'amount', 'key', 'reference'],
        (db, o) => db.postMany(7, [{ account: 1, kind: 'purchase', amount: 5, key: 'k2', ...o }])],
    ['balance', ['now'], (db, o) => db.balance(7, 1, o)],
    ['setFloor', ['now'], (db, o) => db.setFloor(7, 1, 0, o)],
    ['account', ['includeDeleted'], (db, o) => db.account(7, 1, o)],
    ['hold', ['account', 'amount', 'expiresAt', 'ttl', 'key', 'now'],
        (db, o) => db.hold(7, { account: 1, amount: 1, ttl: 60, key: 'h', ...o })],
    ['capture', ['amount', 'key', 'now'], (db, o) => db.capture(7, 1, o)],
    ['release', ['now'], (db, o) => db.release(7, 1, o)],
    ['history', ['limit', 'account', 'afterSeq'], (db, o) => db.history(7, o)],
    ['webhookClaim', ['now'], (db, o) => db.webhookClaim(7, 'src', 'ev', o)],
    ['outboxConfigure', ['attempts', 'backoffBase', 'backoffCap'], (db, o) => db.outboxConfigure(o)],
    ['outboxClaim', ['tenant', 'max', 'lease', 'now'], (db, o) => db.outboxClaim('c', o)],
    ['outboxAck', ['tenant', 'token', 'now'], (db, o) => db.outboxAck(1, { tenant: 7, token: 1, ...o })],
    ['outboxFail', ['tenant', 'token', 'now'], (db, o) => db.outboxFail(1, 'm', { tenant: 7, token: 1, ...o })],
    ['outboxDead', ['tenant', 'max'], (db, o) => db.outboxDead(o)],
    ['outboxRetry', ['now'], (db, o) => db.outboxRetry(7, 1, o)],
    ['outboxStats', ['tenant', 'now'], (db, o) => db.outboxStats(o)],
];

function fixture() {
    const db = sl.openMemory();
    db.setTenant(7, { now: NOW });
    db.addRule(7, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
    return db;
}

test('every options-taking call refuses an unknown key, naming it and the accepted ones', () => {
    for (const [name, keys, call] of TABLE) {
        const db = fixture();
        assert.throws(() => call(db, { bogus: 1 }), (err) => err instanceof TypeError
            && err.message.includes('"bogus"') && err.message.includes(`accepted: ${keys.join(', ')})`),
        `${name} with {bogus: 1}`);
        // Every accepted name passes the check (undefined = not given).
        const known = Object.fromEntries(keys.map((k) => [k, undefined]));
        try {
            call(db, known);
        } catch (err) {
            assert.ok(!/unknown option/.test(err.message), `${name}: a known key refused: ${err.message}`);
        }
        db.close();
    }
});

test('a typo in setTenant writes nothing', () => {
    const db = fixture();
    assert.throws(() => db.setTenant(9, { minNotise: 3600 }), /unknown option "minNotise".*minNotice/);
    assert.throws(() => db.tenant(9), sl.NotFound);
    assert.throws(() => db.book(7, { student: 1, start: T0, duration: 3600, credit: 5, now: NOW }), TypeError);
    assert.equal(db.sessions(7, T0, T1).length, 0);
    db.close();
});

test('includeDeleted must be a boolean wherever it is read', () => {
    const db = fixture();
    for (const v of [1, 'yes', {}, 0, null]) {
        assert.throws(() => db.rules(7, { includeDeleted: v }), /includeDeleted must be a boolean/, String(v));
        assert.throws(() => db.sessions(7, T0, T1, { includeDeleted: v }), /includeDeleted must be a boolean/);
        assert.throws(() => db.calendarIcs(7, T0, T1, { domain: 'x.test', includeDeleted: v }),
            /includeDeleted must be a boolean/);
    }
    assert.equal(db.rules(7, { includeDeleted: true }).length, 1);
    assert.equal(db.rules(7, { includeDeleted: false }).length, 1);
    assert.equal(db.rules(7, { includeDeleted: undefined }).length, 1);
    db.close();
});

test('holes and undefined elements in array arguments name the argument and index', () => {
    const db = fixture();
    const sparse = (n, at, v) => { const a = new Array(n); a[at] = v; return a; };
    const cases = [
        ['windows[0]', () => db.setOverride(7, '2026-12-24', sparse(2, 1, ['10:00', '11:00']), { now: NOW })],
        ['windows[1]', () => db.setOverride(7, '2026-12-24', [['10:00', '11:00'], undefined], { now: NOW })],
        ['bookings[0]', () => db.bookMany(7, sparse(2, 1, { student: 1, start: T0, duration: 60 }), { now: NOW })],
        ['posts[1]', () => db.postMany(7, [{ account: 1, kind: 'purchase', amount: 1, key: 'a' }, undefined])],
        ['tenants[0]', () => db.slotsMany(sparse(2, 1, 7), T0, T1, { duration: 3600 })],
        ['tenants[1]', () => db.bookAll([7, undefined], { student: 1, start: T0, duration: 60, now: NOW })],
        ['avail[0]', () => sl.engineSlots(sparse(1, 5, null), [], { duration: 60, from: T0, to: T1 })],
    ];
    for (const [what, fn] of cases) {
        assert.throws(fn, (err) => err instanceof TypeError && err.message.startsWith(what), what);
    }
    assert.equal(db.overrides(7, '2026-12-01', '2026-12-31').length, 0);
    assert.equal(db.sessions(7, T0, T1).length, 0);
    db.close();
});

test('outbox max takes a BigInt like the other integer arguments', () => {
    const db = fixture();
    assert.deepEqual(db.outboxClaim('c', { max: 5n, now: NOW }), []);
    assert.deepEqual(db.outboxDead({ max: 5n }), []);
    assert.throws(() => db.outboxClaim('c', { max: 2n ** 40n, now: NOW }), sl.InvalidArgument);
    // A negative count is a wrong value (InvalidArgument, as in Python), not a wrong type.
    assert.throws(() => db.outboxDead({ max: -1n }), sl.InvalidArgument);
    db.close();
});
