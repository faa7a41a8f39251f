'use strict';
// Teams through the Node binding, against the single-tenant calls.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at } = require('./helpers');

const NOW = at('2030-03-20T00:00:00Z');
const START = at('2030-03-25T00:00:00Z');
const END = at('2030-04-01T00:00:00Z');
const IDS = [1, 2, 3];

function setup(open) {
    const db = open();
    const zones = ['Europe/Berlin', 'America/New_York', 'UTC'];
    IDS.forEach((t, i) => {
        db.setTenant(t, { tz: zones[i], step: i === 2 ? 1800 : 0, now: NOW });
        for (let wd = 1; wd <= 7; wd++) db.addRule(t, { weekday: wd, start: `${8 + i}:00`.padStart(5, '0'), end: '14:00', now: NOW });
    });
    db.book(2, { student: 9, start: at('2030-03-26T15:00:00Z'), duration: 3600, now: NOW });
    return db;
}
const ms = (d) => d.getTime();

for (const [name, open] of BACKENDS) {
    test(`${name}: slotsMany and its epoch twin equal single calls`, () => {
        const db = setup(open);
        try {
            const many = db.slotsMany([...IDS, 99], START, END, { duration: 3600, now: NOW });
            const epoch = db.slotsManyEpoch([...IDS, 99], START, END, { duration: 3600, now: NOW });
            assert.deepEqual([...many.unknown], [[99, 'SL_ENOTFOUND']]);
            for (const t of IDS) {
                const one = db.slots(t, START, END, { duration: 3600, now: NOW });
                assert.deepEqual(many.get(t).map((s) => [ms(s.start), ms(s.end)]), one.map((s) => [ms(s.start), ms(s.end)]));
                assert.deepEqual(Array.from(epoch.get(t)), one.flatMap((s) => [ms(s.start), ms(s.end)]));
            }
        } finally { db.close(); }
    });

    test(`${name}: any-of and all-of equal a brute-force union and intersection`, () => {
        const db = setup(open);
        try {
            const per = new Map(IDS.map((t) => [t, new Set(db.slots(t, START, END, { duration: 3600, now: NOW }).map((s) => ms(s.start)))]));
            const all = [...new Set(IDS.flatMap((t) => [...per.get(t)]))].sort((a, b) => a - b);
            assert.deepEqual(db.teamSlots(IDS, START, END, { duration: 3600, now: NOW }).map((x) => [ms(x.start), x.who]),
                all.map((s) => [s, IDS.filter((t) => per.get(t).has(s))]));
            assert.deepEqual(db.teamSlots(IDS, START, END, { duration: 3600, mode: 'all', now: NOW }).map((x) => ms(x.start)),
                all.filter((s) => IDS.every((t) => per.get(t).has(s))));
        } finally { db.close(); }
    });

    test(`${name}: freeAt, bookAny, bookAll`, () => {
        const db = setup(open);
        try {
            const when = at('2030-03-26T12:00:00Z');
            const free = db.freeAt(IDS, when, { duration: 3600, now: NOW });
            const detail = db.freeAt([...IDS, 99], when, { duration: 3600, now: NOW, detail: true });
            assert.deepEqual(free, IDS.filter((t) => detail.get(t) === 'ok'));
            assert.equal(detail.get(99), 'SL_ENOTFOUND');
            const s = db.bookAny(IDS, { student: 5, start: when, duration: 3600, key: 'k1', now: NOW });
            assert.ok(free.includes(s.tenant));
            assert.equal(db.bookAny(IDS, { student: 5, start: when, duration: 3600, key: 'k1', now: NOW }).tenant, s.tenant);
            const others = IDS.filter((t) => t !== s.tenant && free.includes(t));
            assert.throws(() => db.bookAll(IDS, { student: 6, start: when, duration: 3600, now: NOW }), (e) => e instanceof sl.SlotledgerError && Number.isInteger(e.failedIndex));
            if (others.length) {
                const got = db.bookAll(others, { student: 6, start: when, duration: 3600, now: NOW });
                assert.deepEqual(got.map((x) => x.tenant), others);
            }
            assert.throws(() => db.freeAt([], when, { duration: 3600 }), sl.InvalidArgument);
            assert.throws(() => db.freeAt([1, 1], when, { duration: 3600 }), sl.InvalidArgument);
            assert.throws(() => db.teamSlots(IDS, START, END, { duration: 3600, mode: 'some' }), sl.InvalidArgument);
            // detail is a boolean, mode a string: a truthy 'no' or an array
            // ['all'] (whose key is "all") is a TypeError, not a guess.
            for (const detail of ['no', 1, 0, null, {}])
                assert.throws(() => db.freeAt(IDS, when, { duration: 3600, now: NOW, detail }),
                    /detail must be a boolean/);
            for (const mode of [['all'], 1, null, new String('any')])
                assert.throws(() => db.teamSlots(IDS, START, END, { duration: 3600, mode, now: NOW }), TypeError);
            assert.deepEqual(db.freeAt(IDS, when, { duration: 3600, now: NOW, detail: false }),
                db.freeAt(IDS, when, { duration: 3600, now: NOW }));
        } finally { db.close(); }
    });
}
