'use strict';
// Groups: db.group(() => ...) and groupBegin/groupCommit/groupRollback, on
// every backend (a connection lost inside a group: pgrestart.test.js).
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at, tempPath } = require('./helpers');

const NOW = at('2026-11-26T12:00:00Z');
const START = at('2026-11-30T10:00:00Z');
const HOUR = 3600;
const T = 7;

for (const [backend, openDb] of BACKENDS) {
    describe(`groups on ${backend}`, () => {
        let db;
        const posted = (account) => db.balance(T, account, { now: NOW }).posted;
        beforeEach(() => {
            db = openDb();
            db.setTenant(T, { tz: 'UTC', now: NOW });
            db.addRule(T, { weekday: 1, start: '00:00', end: '24:00', now: NOW });
        });
        afterEach(() => { db.close(); });

        it('commits when the function returns, and returns its result', () => {
            const r = db.group((g) => {
                assert.equal(g, db);
                assert.equal(db.inGroup, true);
                db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'a', now: NOW });
                assert.equal(posted(1), 5);
                return db.book(T, { student: 1, start: START, duration: HOUR, key: 'b', now: NOW });
            });
            assert.equal(db.inGroup, false);
            assert.equal(posted(1), 5);
            assert.equal(db.session(T, r.id).id, r.id);
        });

        it('rolls back when the function throws', () => {
            db.post(T, { account: 1, amount: 3, kind: 'purchase', key: 'before', now: NOW });
            assert.throws(() => db.group(() => {
                db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'a', now: NOW });
                db.book(T, { student: 1, start: START, duration: HOUR, key: 'b', now: NOW });
                throw new RangeError('host failure');
            }), RangeError);
            assert.equal(db.inGroup, false);
            assert.equal(posted(1), 3);
            assert.deepEqual(db.sessions(T, new Date(START - HOUR * 1000), new Date(+START + HOUR * 1000)), []);
            assert.equal(db.post(T, { account: 1, amount: 1, kind: 'purchase', key: 'a', now: NOW }).replayed, false);
        });

        it('a failed call writes nothing and the group goes on', () => {
            db.group(() => {
                db.post(T, { account: 1, amount: 2, kind: 'purchase', key: 'a', now: NOW });
                assert.throws(() => db.post(T, { account: 1, amount: -3, kind: 'consume', key: 'c', now: NOW }),
                    sl.InsufficientCredits);
                db.book(T, { student: 1, start: START, duration: HOUR, key: 'b1', now: NOW });
                assert.throws(() => db.book(T, { student: 2, start: START, duration: HOUR, key: 'b2', now: NOW }),
                    sl.Conflict);
                db.post(T, { account: 1, amount: -2, kind: 'consume', key: 'c', now: NOW });
            });
            assert.equal(posted(1), 0);
        });

        it('replays inside and across groups', () => {
            const first = db.group(() => {
                const e = db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'k', now: NOW });
                const again = db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'k', now: NOW });
                assert.deepEqual([again.id, again.replayed], [e.id, true]);
                return e;
            });
            db.group(() => {
                const again = db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'k', now: NOW });
                assert.deepEqual([again.id, again.replayed], [first.id, true]);
            });
            assert.equal(posted(1), 5);
        });

        it('explicit calls, misuse, nesting, async functions', () => {
            assert.throws(() => db.groupCommit(), sl.Misuse);
            assert.throws(() => db.groupRollback(), sl.Misuse);
            db.groupBegin();
            assert.throws(() => db.groupBegin(), (e) => e instanceof sl.Misuse && /nest/.test(e.message));
            assert.throws(() => db.group(() => {}), sl.Misuse);
            assert.equal(db.inGroup, true);
            db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'x', now: NOW });
            db.groupRollback();
            assert.equal(posted(1), 0);
            assert.throws(() => db.group(async () => {
                db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'y', now: NOW });
            }), TypeError);
            assert.equal(db.inGroup, false);
            assert.equal(posted(1), 0);
            assert.throws(() => db.group(42), TypeError);
            db.groupBegin();
            db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'x', now: NOW });
            db.groupCommit();
            assert.equal(posted(1), 5);
        });

        it('groupBegin, groupCommit and groupRollback inside group(fn) are refused: the group stays whole', () => {
            // Before, groupCommit() in fn committed the first half and group()
            // then threw "no group is open" (a retry wrote it twice), and
            // groupRollback(); groupBegin() in fn dropped the first half while
            // group() returned normally.
            const inside = /inside db\.group\(fn\)/;
            for (const end of ['groupCommit', 'groupRollback', 'groupBegin']) {
                const key = `${end}-1`;
                assert.throws(() => db.group(() => {
                    db.post(T, { account: 1, amount: 5, kind: 'purchase', key, now: NOW });
                    db[end]();
                }), (e) => e instanceof sl.Misuse && inside.test(e.message), end);
                assert.equal(db.inGroup, false, end);
                assert.equal(posted(1), 0, `${end}: the thrown group kept nothing`);
            }
            const r = db.group(() => {
                db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'a', now: NOW });
                for (const end of ['groupRollback', 'groupBegin', 'groupCommit'])
                    assert.throws(() => db[end](), sl.Misuse, end);
                db.post(T, { account: 1, amount: 2, kind: 'purchase', key: 'b', now: NOW });
                return 'done';
            });
            assert.equal(r, 'done');
            assert.equal(posted(1), 7, 'both halves kept, once');
            assert.equal(db.inGroup, false);
        });

        it('a generator function given to group() is refused, not committed as an empty group', () => {
            // Before, group(function* () {...}) never ran the body (calling a
            // generator function only makes the generator), committed nothing
            // and returned the generator as if all went well.
            const post = () => db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'g', now: NOW });
            for (const fn of [function* g() { post(); }, async function* ag() { post(); }]) {
                assert.throws(() => db.group(fn), (e) => e instanceof TypeError && /generator/.test(e.message));
                assert.equal(db.inGroup, false);
            }
            assert.equal(posted(1), 0);
        });

        it('an Async call inside group(fn) is refused and the whole group rolled back', async () => {
            let p;
            let q;
            assert.throws(() => db.group(() => {
                db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'in-1', now: NOW });
                p = db.postAsync(T, { account: 1, amount: 7, kind: 'purchase', key: 'in-2', now: NOW });
                q = db.groupCommitAsync(); // dropped by the caller: no unhandled rejection either
                db.post(T, { account: 1, amount: 11, kind: 'purchase', key: 'in-3', now: NOW });
            }), (e) => e instanceof sl.Misuse && /Async call inside db\.group\(fn\)/.test(e.message)
                && /groupBeginAsync/.test(e.message));
            await assert.rejects(p, sl.Misuse);
            await assert.rejects(q, sl.Misuse);
            // Nothing of the group was kept, no group is left open, the
            // handle takes sync and async calls again (no call pending).
            assert.equal(db.inGroup, false);
            assert.equal(posted(1), 0);
            assert.equal(db.history(T, { account: 1 }).length, 0);
            await db.postAsync(T, { account: 1, amount: 2, kind: 'purchase', key: 'after', now: NOW });
            db.group(() => db.post(T, { account: 1, amount: 3, kind: 'purchase', key: 'sync', now: NOW }));
            assert.equal(posted(1), 5);
            // An async fn awaiting an Async call: refused the same way, and
            // its promise's rejection is not left unhandled (it would end
            // the process).
            assert.throws(() => db.group(async () => {
                await db.postAsync(T, { account: 1, amount: 7, kind: 'purchase', key: 'in-4', now: NOW });
            }), sl.Misuse);
            await new Promise((resolve) => setImmediate(resolve));
            assert.equal(db.inGroup, false);
            assert.equal(posted(1), 5);
            // The awaited form is the one for async work.
            await db.groupBeginAsync();
            await db.postAsync(T, { account: 1, amount: 4, kind: 'purchase', key: 'awaited', now: NOW });
            await db.groupCommitAsync();
            assert.equal(posted(1), 9);
        });
    });
}

describe('groups and close', () => {
    it('a group left open at close is rolled back', () => {
        const file = tempPath('group');
        let db = sl.open(file);
        db.setTenant(T, { tz: 'UTC', now: NOW });
        db.groupBegin();
        db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'x', now: NOW });
        db.close();
        db = sl.open(file);
        assert.equal(db.balance(T, 1, { now: NOW }).posted, 0);
        db.close();
    });
});
