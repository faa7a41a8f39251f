'use strict';
// List arguments other than tenant lists (bookMany's bookings, postMany's
// posts, setOverride's windows) as a careless or hostile caller passes them:
// far too long an array is refused by its length, before its items are read,
// with InvalidArgument naming the limit; nothing is written.
const test = require('node:test');
const assert = require('node:assert/strict');
const { sl, at } = require('./helpers');

const NOW = at('2030-03-20T00:00:00Z');
const TEN = at('2030-03-25T10:00:00Z');

function setup() {
    const db = sl.openMemory();
    db.setTenant(1, { tz: 'UTC', now: NOW });
    for (let wd = 1; wd <= 7; wd++) db.addRule(1, { weekday: wd, start: '09:00', end: '12:00', now: NOW });
    return db;
}

/** An array of `length` items all `item`, counting the items read. */
function counted(length, item, dense = false) {
    const reads = { n: 0 };
    const target = dense ? new Array(length).fill(item) : [];
    target.length = length;
    const p = new Proxy(target, {
        get(t, k) {
            if (typeof k === 'string' && /^\d+$/.test(k)) { reads.n++; return item; }
            return Reflect.get(t, k);
        },
    });
    return [p, reads];
}

const CALLS = [
    ['bookMany', 100, (db, a) => db.bookMany(1, a, { now: NOW }),
        { student: 5, start: TEN, duration: 3600 }],
    ['postMany', 1000, (db, a) => db.postMany(1, a, { now: NOW }),
        { account: 7, amount: 10, kind: 'purchase', key: 'k' }],
    ['setOverride', 48, (db, a) => db.setOverride(1, '2030-03-25', a, { now: NOW }), ['09:00', '10:00']],
];

test('list arguments over their limit are refused by length, items unread', () => {
    // Before, every item was copied and checked first: an array of 2^32 - 1
    // items ran for minutes, and one with a hole at [1] was refused as
    // "[1] is missing" instead of as too long.
    for (const [name, most, call, item] of CALLS) {
        const db = setup();
        try {
            for (const length of [most + 1, 2 ** 32 - 1]) {
                const [a, reads] = counted(length, item);
                assert.throws(() => call(db, a), (e) => e instanceof sl.InvalidArgument
                    && e.message.includes(`..${most}`), `${name} ${length}`);
                assert.equal(reads.n, 0, `${name}: no item read`);
            }
            const sparse = [item];
            sparse.length = 2 ** 32 - 1;
            assert.throws(() => call(db, sparse), sl.InvalidArgument, name);
            assert.equal(db.sessions(1, NOW, at('2031-01-01T00:00:00Z')).length, 0);
            assert.equal(db.balance(1, 7, { now: NOW }).available, 0);
            assert.equal(db.overrides(1, '2030-01-01', '2031-01-01').length, 0);
        } finally { db.close(); }
    }
});

test('the Async twins refuse as the sync calls, reading a bounded part of a long array', async () => {
    // Before, the argument copy of an Async call (lib/snapshot.js) read
    // every element of a dense array past 65536 items: 2e7 posts took 20 s
    // and 1 GB before the refusal the sync call gives at once.
    for (const [name, most, call, item] of CALLS) {
        const db = setup();
        try {
            const async = (d, a) => call(new Proxy(d, { get: (t, k) => (typeof t[`${String(k)}Async`] === 'function'
                ? t[`${String(k)}Async`].bind(t) : Reflect.get(t, k)) }), a);
            const [a, reads] = counted(2e6, item, true);
            await assert.rejects(async(db, a), (e) => e instanceof sl.InvalidArgument
                && e.message.includes(`..${most}`), name);
            assert.ok(reads.n <= 65536, `${name}: ${reads.n} items read`);
            assert.equal(db.sessions(1, NOW, at('2031-01-01T00:00:00Z')).length, 0);
        } finally { db.close(); }
    }
});

test('an item refused by the binding carries .failedIndex as one the library refuses', () => {
    // Before, .failedIndex was set only from the C call: an amount past
    // int64 or a key with NUL in posts[2] gave failedIndex undefined.
    const db = setup();
    try {
        const ok = { account: 7, amount: 5, kind: 'purchase', key: 'a' };
        for (const bad of [{ amount: 2n ** 64n }, { key: 'a\0' }, { reference: 'x\ud800' }]) {
            assert.throws(() => db.postMany(1, [ok, { ...ok, key: 'b' }, { ...ok, key: 'c', ...bad }], { now: NOW }),
                (e) => e instanceof sl.Error && e.failedIndex === 2, JSON.stringify(Object.keys(bad)));
        }
        const one = { student: 5, start: TEN, duration: 3600 };
        for (const bad of [{ credits: 2n ** 64n }, { start: new Date(8.64e15) }]) {
            assert.throws(() => db.bookMany(1, [one, { ...one, ...bad }], { now: NOW }),
                (e) => e instanceof sl.Error && e.failedIndex === 1, Object.keys(bad)[0]);
        }
        assert.equal(db.balance(1, 7, { now: NOW }).posted, 0);
    } finally { db.close(); }
});
