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

for (const [name, open] of BACKENDS) {
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
            ]) assert.throws(call, (err) => err instanceof sl.InvalidArgument || err instanceof TypeError || err instanceof sl.OutOfRange);
            assert.deepEqual(db.outboxStats({ now: NOW }), before);
            const [e] = db.outboxClaim('w', { now: NOW });
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
