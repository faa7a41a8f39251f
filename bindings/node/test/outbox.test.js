'use strict';
// The calendar-sync outbox through the Node binding: events with the
// session's new state, claim/ack/fail under leases, dead and retry, bad
// input refused. Run on every backend (PostgreSQL under node-postgres).
const test = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at } = require('./helpers');

const NOW = at('2030-01-06T00:00:00Z');
const BASE = Date.parse('2030-01-07T00:00:00Z');
const H = 3600 * 1000;
const T = 1;
const T2 = 2;

function setup(open) {
    const db = open();
    for (const t of [T, T2]) {
        db.setTenant(t, { tz: 'Europe/Berlin', now: new Date(NOW - 86400000) });
        for (let wd = 1; wd <= 7; wd++) db.addRule(t, { weekday: wd, start: '00:00', end: '24:00', now: new Date(NOW - 86400000) });
    }
    return db;
}
const book = (db, hour, t = T) => db.book(t, { student: 6, start: new Date(BASE + hour * H), duration: 3600, now: NOW });

// The documented properties of OutboxEvent (index.d.ts), in order, with
// the type of their values: [name, typeof or Date, may be null].
const FIELDS = [
    ['id', 'number'], ['tenant', 'number'], ['session', 'number'], ['seq', 'number'], ['kind', 'string'],
    ['status', 'string'], ['sessionKind', 'string'], ['student', 'number'], ['start', Date], ['end', Date],
    ['credits', 'number'], ['deletedAt', Date, true], ['createdAt', Date], ['state', 'string'],
    ['attempts', 'number'], ['availableAt', Date], ['leaseUntil', Date, true], ['token', 'number', true],
    ['ackedAt', Date, true], ['consumer', 'string', true], ['error', 'string', true],
];

function assertEvent(e) {
    assert.ok(e instanceof sl.OutboxEvent);
    assert.deepEqual(Object.keys(e), FIELDS.map((f) => f[0]));
    for (const [key, type, nullable] of FIELDS) {
        const v = e[key];
        if (v === null) {
            assert.ok(nullable, `${key} is null`);
        } else if (type === Date) {
            assert.ok(v instanceof Date && !Number.isNaN(v.getTime()), key);
        } else {
            assert.equal(typeof v, type, key);
            if (type === 'number') assert.ok(Number.isSafeInteger(v), key);
        }
    }
    assert.ok(['booked', 'rescheduled', 'confirmed', 'cancelled', 'completed', 'no_show', 'deleted', 'restored',
        'purged'].includes(e.kind), e.kind);
    assert.ok(['pending', 'leased', 'acked', 'dead'].includes(e.state), e.state);
}

for (const [name, open] of BACKENDS) {
    test(`${name}: events have the documented properties and types`, () => {
        const db = setup(open);
        try {
            const s = book(db, 10);
            const [pending] = db.outboxEvents(T, s.id);
            assertEvent(pending);
            assert.deepEqual([pending.state, pending.token, pending.leaseUntil, pending.consumer, pending.error],
                ['pending', null, null, null, null]);
            const [leased] = db.outboxClaim('w\u00e9', { now: NOW });
            assertEvent(leased);
            assert.deepEqual([leased.state, leased.consumer, leased.leaseUntil.getTime()],
                ['leased', 'w\u00e9', NOW.getTime() + 60000]);
            assert.ok(leased.token > 0);
            // Kept to 255 bytes, cut at a character boundary: whole characters.
            db.outboxFail(leased, '\u00e9'.repeat(200), { now: NOW });
            const failed = db.outboxEvent(T, leased.id);
            assertEvent(failed);
            assert.deepEqual([failed.state, failed.attempts, failed.token, failed.error],
                ['pending', 1, null, '\u00e9'.repeat(127)]);
            const later = new Date(NOW.getTime() + 86400000);
            const [again] = db.outboxClaim('w', { now: later });
            db.outboxAck(again, { now: later });
            const acked = db.outboxEvent(T, again.id);
            assertEvent(acked);
            assert.deepEqual([acked.state, acked.ackedAt], ['acked', later]);
        } finally { db.close(); }
    });

    test(`${name}: every change is one event carrying the new state`, () => {
        const db = setup(open);
        try {
            const s = book(db, 10);
            db.confirm(T, s.id, { now: NOW });
            db.cancel(T, s.id, { now: NOW });
            const evs = db.outboxEvents(T, s.id);
            assert.deepEqual(evs.map((e) => [e.seq, e.kind, e.status]),
                [[1, 'booked', 'pending'], [2, 'confirmed', 'confirmed'], [3, 'cancelled', 'cancelled']]);
            assert.ok(evs[0] instanceof sl.OutboxEvent);
            assert.equal(evs[0].start.getTime(), BASE + 10 * H);
            book(db, 12);
            assert.throws(() => book(db, 12), sl.Conflict);
            assert.equal(db.outboxStats({ now: NOW }).due, 4); // the failed booking appended nothing
        } finally { db.close(); }
    });

    test(`${name}: claim, per-session order, ack, stale token`, () => {
        const db = setup(open);
        try {
            const s = book(db, 10);
            db.confirm(T, s.id, { now: NOW });
            const [a] = db.outboxClaim('w1', { max: 10, lease: 10, now: NOW });
            assert.deepEqual([a.session, a.seq, a.state, a.consumer], [s.id, 1, 'leased', 'w1']);
            assert.deepEqual(db.outboxClaim('w2', { now: NOW }), []);
            const later = new Date(NOW.getTime() + 10000);
            const [b] = db.outboxClaim('w2', { lease: 10, now: later });
            assert.equal(b.id, a.id);
            assert.throws(() => db.outboxAck(a, { now: later }), sl.StateError);
            db.outboxAck(b.id, { tenant: T, token: b.token, now: later });
            const [c] = db.outboxClaim('w2', { now: later });
            assert.deepEqual([c.seq, c.kind], [2, 'confirmed']);
            assert.equal(db.outboxEvent(T, a.id).state, 'acked');
        } finally { db.close(); }
    });

    test(`${name}: failures back off, die after attempts, retry requeues`, () => {
        const db = setup(open);
        try {
            db.outboxConfigure({ attempts: 2, backoffBase: 10, backoffCap: 10 });
            book(db, 10);
            let now = NOW;
            const [e] = db.outboxClaim('w', { now });
            db.outboxFail(e, 'HTTP 503', { now });
            const p = db.outboxEvent(T, e.id);
            assert.deepEqual([p.state, p.attempts, p.error], ['pending', 1, 'HTTP 503']);
            const wait = (p.availableAt - now) / 1000;
            assert.ok(wait >= 5 && wait <= 10, `wait ${wait}`);
            now = p.availableAt;
            const [e2] = db.outboxClaim('w', { now });
            db.outboxFail(e2, null, { now });
            assert.equal(db.outboxEvent(T, e.id).state, 'dead');
            assert.deepEqual(db.outboxDead().map((d) => d.id), [e.id]);
            db.outboxRetry(T, e.id, { now });
            const [e3] = db.outboxClaim('w', { now });
            assert.deepEqual([e3.id, e3.attempts], [e.id, 0]);
        } finally { db.close(); }
    });

    test(`${name}: bad input is refused and changes nothing`, () => {
        const db = setup(open);
        try {
            book(db, 10);
            const before = db.outboxStats({ now: NOW });
            for (const call of [
                () => db.outboxClaim('w', { max: 0, now: NOW }),
                () => db.outboxClaim('w', { max: 1001, now: NOW }),
                () => db.outboxClaim('w', { lease: -1, now: NOW }),
                () => db.outboxClaim('', { now: NOW }),
                () => db.outboxClaim('bad\ud800', { now: NOW }),
                () => db.outboxClaim(42, { now: NOW }),
                () => db.outboxAck(1, { now: NOW }),
                () => db.outboxClaim('w', { max: -1, now: NOW }),
                () => db.outboxClaim('w', { max: true, now: NOW }),
                () => db.outboxClaim('w', { max: '3', now: NOW }),
                () => db.outboxClaim('w', { lease: '60', now: NOW }),
                () => db.outboxClaim('w', { tenant: '1', now: NOW }),
                () => db.outboxClaim(Buffer.from([0xff]), { now: NOW }),
                () => db.outboxClaim('w\0x', { now: NOW }),
                () => db.outboxDead({ max: -5 }),
            ]) assert.throws(call, (err) => err instanceof sl.InvalidArgument || err instanceof TypeError || err instanceof sl.OutOfRange);
            assert.deepEqual(db.outboxStats({ now: NOW }), before);
            // Each refusal says what is wrong.
            assert.throws(() => db.outboxClaim('w', { max: -1, now: NOW }),
                (err) => err instanceof sl.InvalidArgument && /max must not be negative \(got -1\)/.test(err.message));
            assert.throws(() => db.outboxDead({ max: -1n }), sl.InvalidArgument);
            assert.throws(() => db.outboxClaim('w', { max: 1.5, now: NOW }), /max must be an integer/);
            assert.throws(() => db.outboxFail(1, 'bad\ud800', { tenant: T, token: 1, now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.outboxFail(1, Buffer.from([0xff]), { tenant: T, token: 1, now: NOW }), TypeError);
            assert.deepEqual(db.outboxStats({ now: NOW }), before);
            const [e] = db.outboxClaim('w', { now: NOW });
            // An event with a tenant or token beside it: which one was meant?
            assert.throws(() => db.outboxAck(e, { tenant: T2, now: NOW }), /OutboxEvent alone/);
            assert.throws(() => db.outboxFail(e, 'x', { token: 1, now: NOW }), /OutboxEvent alone/);
            assert.equal(db.outboxEvent(T, e.id).state, 'leased');
            assert.throws(() => db.outboxAck(e.id + 1000, { tenant: T, token: e.token, now: NOW }), sl.NotFound);
            assert.throws(() => db.outboxRetry(T, e.id, { now: NOW }), sl.StateError);
            assert.equal(db.outboxEvent(T, e.id).state, 'leased');
        } finally { db.close(); }
    });

    test(`${name}: async twins`, async () => {
        const db = setup(open);
        try {
            book(db, 10);
            const evs = await db.outboxClaimAsync('w', { now: NOW });
            assert.equal(evs.length, 1);
            await db.outboxAckAsync(evs[0], { now: NOW });
            assert.equal((await db.outboxStatsAsync({ now: NOW })).acked, 1);
        } finally { db.close(); }
    });
}
