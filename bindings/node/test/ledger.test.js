'use strict';
// The credit ledger: posts, idempotency, balances and floors, holds, linked
// posts, history, verification, webhook claims; on every backend.
const { describe, it, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { sl, BACKENDS, at, tempPath, python } = require('./helpers');

const NOW = at('2026-11-29T12:00:00Z');
const T = 7;

for (const [backend, openDb] of BACKENDS) {
    describe(`ledger on ${backend}`, () => {
        let db;
        beforeEach(() => {
            db = openDb();
            db.setTenant(T, { tz: 'UTC', now: NOW });
        });
        afterEach(() => { db.close(); });

        it('post, replay, idempotency mismatch, kinds and signs', () => {
            const e = db.post(T, { account: 42, amount: 10, kind: 'purchase', key: 'pi_123', reference: 'order 1', now: NOW });
            assert.ok(e instanceof sl.Entry);
            assert.deepEqual([e.tenant, e.account, e.seq, e.kind, e.amount, e.balanceAfter, e.replayed, e.key, e.reference, e.holdId],
                [T, 42, 1, 'purchase', 10, 10, false, 'pi_123', 'order 1', null]);
            assert.deepEqual(e.createdAt, NOW);
            assert.equal(e.hash.length, 32);
            const r = db.post(T, { account: 42, amount: 10, kind: 'purchase', key: 'pi_123', reference: 'order 1', now: at('2026-11-29T13:00:00Z') });
            assert.deepEqual([r.id, r.seq, r.replayed, r.createdAt.getTime()], [e.id, 1, true, NOW.getTime()]);
            assert.throws(() => db.post(T, { account: 42, amount: 11, kind: 'purchase', key: 'pi_123', now: NOW }),
                (err) => err instanceof sl.IdempotencyMismatch && /amount/.test(err.message));
            assert.throws(() => db.post(T, { account: 43, amount: 10, kind: 'purchase', key: 'pi_123', now: NOW }), sl.IdempotencyMismatch);
            assert.equal(db.post(T, { account: 42, amount: -3, kind: 'consume', key: 'c1', now: NOW }).balanceAfter, 7);
            assert.equal(db.post(T, { account: 42, amount: 2, kind: 'grant', key: 'g1', now: NOW }).balanceAfter, 9);
            assert.equal(db.post(T, { account: 42, amount: 1, kind: 'refund', key: 'r1', now: NOW }).balanceAfter, 10);
            assert.equal(db.post(T, { account: 42, amount: -1, kind: 'adjust', key: 'a1', now: NOW }).balanceAfter, 9);
            assert.equal(db.post(T, { account: 42, amount: -1, kind: 'expire', key: 'x1', now: NOW }).kind, 'expire');
            assert.throws(() => db.post(T, { account: 42, amount: 0, kind: 'adjust', key: 'z', now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.post(T, { account: 42, amount: -5, kind: 'purchase', key: 'neg', now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.post(T, { account: 42, amount: 5, kind: 'consume', key: 'pos', now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.post(T, { account: 42, amount: 1, kind: 'gift', key: 'k', now: NOW }), TypeError);
            assert.throws(() => db.post(T, { account: 42, amount: 1, kind: 'grant', key: '', now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.post(T, { account: 42, amount: 1, kind: 'grant', key: 'k'.repeat(129), now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.post(T, { account: 42, amount: 1, kind: 'grant', key: 'ref', reference: 'r'.repeat(129), now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.post(T, { account: 42, amount: 1, kind: 'grant', now: NOW }), TypeError);
            assert.throws(() => db.post(99, { account: 42, amount: 1, kind: 'grant', key: 'k', now: NOW }), sl.NotFound);
            assert.throws(() => db.post(T, { account: 42, amount: 2n ** 63n - 1n, kind: 'grant', key: 'big', now: NOW }), sl.OutOfRange);
            // a key works across UTF-8
            assert.equal(db.post(T, { account: 42, amount: 1, kind: 'grant', key: 'clé-日本-🎉', now: NOW }).key, 'clé-日本-🎉');
        });

        it('insufficient credits, floors, accounts', () => {
            db.post(T, { account: 1, amount: 2, kind: 'purchase', key: 'p', now: NOW });
            assert.throws(() => db.post(T, { account: 1, amount: -3, kind: 'consume', key: 'c', now: NOW }), sl.InsufficientCredits);
            // a failed post wrote nothing: the key is still free after a top-up
            db.post(T, { account: 1, amount: 1, kind: 'purchase', key: 'p2', now: NOW });
            assert.equal(db.post(T, { account: 1, amount: -3, kind: 'consume', key: 'c', now: NOW }).balanceAfter, 0);
            assert.deepEqual(db.balance(T, 1, { now: NOW }), { posted: 0, held: 0, available: 0, floor: 0 });
            db.setFloor(T, 1, -5, { now: NOW });
            assert.equal(db.post(T, { account: 1, amount: -5, kind: 'consume', key: 'c2', now: NOW }).balanceAfter, -5);
            assert.throws(() => db.post(T, { account: 1, amount: -1, kind: 'consume', key: 'c3', now: NOW }), sl.InsufficientCredits);
            const acct = db.account(T, 1);
            assert.ok(acct instanceof sl.Account);
            assert.deepEqual([acct.tenant, acct.student, acct.floor, acct.posted, acct.held, acct.deletedAt], [T, 1, -5, -5, 0, null]);
            assert.deepEqual(db.balance(T, 777, { now: NOW }), { posted: 0, held: 0, available: 0, floor: 0 });
            assert.throws(() => db.account(T, 777), sl.NotFound);
            assert.throws(() => db.balance(99, 1, { now: NOW }), sl.NotFound);
            // soft-deleted accounts take no posts
            db.setFloor(T, 2, 0, { now: NOW });
            db.softDelete(T, 'account', 2, { now: NOW });
            assert.throws(() => db.account(T, 2), sl.NotFound);
            assert.ok(db.account(T, 2, { includeDeleted: true }).deletedAt instanceof Date);
            assert.throws(() => db.post(T, { account: 2, amount: 1, kind: 'grant', key: 'deleted', now: NOW }), sl.NotFound);
            db.restore(T, 'account', 2, { now: NOW });
            assert.equal(db.post(T, { account: 2, amount: 1, kind: 'grant', key: 'deleted', now: NOW }).balanceAfter, 1);
        });

        it('holds: reserve, capture, release, expiry', () => {
            db.post(T, { account: 5, amount: 10, kind: 'purchase', key: 'p', now: NOW });
            const h = db.hold(T, { account: 5, amount: 3, expiresAt: at('2026-11-29T13:00:00Z'), key: 'h1', now: NOW });
            assert.ok(h instanceof sl.Hold);
            assert.deepEqual([h.account, h.amount, h.captured, h.status, h.key, h.resolvedAt, h.entryId],
                [5, 3, 0, 'active', 'h1', null, null]);
            assert.deepEqual(db.balance(T, 5, { now: NOW }), { posted: 10, held: 3, available: 7, floor: 0 });
            assert.throws(() => db.hold(T, { account: 5, amount: 8, ttl: 60, key: 'h-too-much', now: NOW }), sl.InsufficientCredits);
            const e = db.capture(T, h.id, { amount: 2, key: 'cap-1', now: NOW });
            assert.deepEqual([e.kind, e.amount, e.holdId, e.balanceAfter], ['consume', -2, h.id, 8]);
            const after = db.holdGet(T, h.id);
            assert.deepEqual([after.status, after.captured, after.entryId], ['captured', 2, e.id]);
            assert.deepEqual(db.balance(T, 5, { now: NOW }), { posted: 8, held: 0, available: 8, floor: 0 });
            assert.equal(db.capture(T, h.id, { amount: 2, key: 'cap-1', now: NOW }).id, e.id, 'capture replays by key');
            assert.throws(() => db.capture(T, h.id, { amount: 1, key: 'cap-2', now: NOW }), sl.StateError);
            assert.throws(() => db.release(T, h.id, { now: NOW }), sl.StateError);
            // default capture: the whole hold, keyed by the hold
            const h2 = db.hold(T, { account: 5, amount: 2, ttl: { hours: 1 }, key: 'h2', now: NOW });
            assert.deepEqual(h2.expiresAt, at('2026-11-29T13:00:00Z'));
            assert.equal(db.capture(T, h2.id, { now: NOW }).amount, -2);
            // release
            const h3 = db.hold(T, { account: 5, amount: 1, ttl: 600, key: 'h3', now: NOW });
            const rel = db.release(T, h3.id, { now: NOW });
            assert.equal(rel.status, 'released');
            assert.throws(() => db.release(T, h3.id, { now: NOW }), sl.StateError);
            // expiry
            const h4 = db.hold(T, { account: 5, amount: 4, ttl: 60, key: 'h4', now: NOW });
            const later = at('2026-11-29T12:02:00Z');
            assert.equal(db.balance(T, 5, { now: later }).held, 0);
            assert.throws(() => db.capture(T, h4.id, { amount: 1, key: 'late', now: later }), sl.Expired);
            assert.throws(() => db.release(T, h4.id, { now: later }), (err) => err instanceof sl.Expired || err instanceof sl.StateError);
            assert.throws(() => db.hold(T, { account: 5, amount: 1, expiresAt: NOW, key: 'h5', now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.hold(T, { account: 5, amount: 1, key: 'h6', now: NOW }), TypeError);
            assert.throws(() => db.hold(T, { account: 5, amount: 1, ttl: 60, now: NOW }), TypeError, 'a key is required');
            assert.throws(() => db.holdGet(T, 99999), sl.NotFound);
            assert.throws(() => db.capture(T, 99999, { amount: 1, key: 'x', now: NOW }), sl.NotFound);
        });

        it('postMany: linked, all or nothing, replays inside', () => {
            const list = db.postMany(T, [
                { account: 1, amount: 5, kind: 'purchase', key: 'm1' },
                { account: 1, amount: -2, kind: 'consume', key: 'm2', reference: 'lesson' },
                { account: 2, amount: 1, kind: 'grant', key: 'm3' },
            ], { now: NOW });
            assert.deepEqual(list.map((e) => [e.account, e.balanceAfter, e.seq]), [[1, 5, 1], [1, 3, 2], [2, 1, 3]]);
            assert.throws(() => db.postMany(T, [
                { account: 1, amount: 1, kind: 'grant', key: 'm4' },
                { account: 1, amount: -9, kind: 'consume', key: 'm5' },
            ], { now: NOW }), (err) => err instanceof sl.InsufficientCredits && err.failedIndex === 1);
            assert.equal(db.balance(T, 1, { now: NOW }).posted, 3, 'nothing of the failed batch was written');
            const mixed = db.postMany(T, [
                { account: 1, amount: 5, kind: 'purchase', key: 'm1' },
                { account: 1, amount: 1, kind: 'grant', key: 'm4' },
            ], { now: NOW });
            assert.deepEqual(mixed.map((e) => e.replayed), [true, false]);
            assert.throws(() => db.postMany(T, [], { now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.postMany(T, [{ account: 1, amount: 6, kind: 'purchase', key: 'm1' }], { now: NOW }),
                (err) => err instanceof sl.IdempotencyMismatch && err.failedIndex === 0);
            assert.throws(() => db.postMany(T, [{ account: 1, amount: 1, kind: 'grant' }]), TypeError);
        });

        it('history: keyset pages, per account', () => {
            for (let i = 1; i <= 5; i++) db.post(T, { account: i % 2 ? 1 : 2, amount: i, kind: 'grant', key: `h${i}`, now: NOW });
            const p1 = db.history(T, { limit: 2 });
            assert.deepEqual(p1.map((e) => e.seq), [1, 2]);
            const p2 = db.history(T, { limit: 2, afterSeq: p1[1].seq });
            assert.deepEqual(p2.map((e) => e.seq), [3, 4]);
            assert.deepEqual(db.history(T, { afterSeq: 4 }).map((e) => e.seq), [5]);
            assert.deepEqual(db.history(T, { account: 2 }).map((e) => e.amount), [2, 4]);
            // null (or 0) for "none": every account
            assert.deepEqual(db.history(T, { account: null }).map((e) => e.seq), [1, 2, 3, 4, 5]);
            assert.deepEqual(db.history(T, { account: 0 }).map((e) => e.seq), [1, 2, 3, 4, 5]);
            assert.deepEqual(db.history(T, { limit: 0 }), []);
            assert.equal(db.history(T).length, 5);
            assert.throws(() => db.history(T, { limit: -1 }), sl.InvalidArgument);
            // chain: each hash differs
            assert.equal(new Set(db.history(T).map((e) => e.hash.toString('hex'))).size, 5);
        });

        it('verify and webhook claims', () => {
            db.post(T, { account: 1, amount: 3, kind: 'purchase', key: 'v1', now: NOW });
            db.post(T, { account: 1, amount: -1, kind: 'consume', key: 'v2', now: NOW });
            const rep = db.verify(T);
            assert.deepEqual(rep, { entries: 2, accounts: 1, firstBadSeq: null, firstBadEntry: null });
            assert.equal(db.webhookClaim(T, 'stripe', 'evt_1', { now: NOW }), true);
            assert.equal(db.webhookClaim(T, 'stripe', 'evt_1', { now: NOW }), false);
            assert.equal(db.webhookClaim(T, 'paypal', 'evt_1', { now: NOW }), true);
            assert.throws(() => db.webhookClaim(T, '', 'evt_2', { now: NOW }), sl.InvalidArgument);
            assert.throws(() => db.webhookClaim(99, 'stripe', 'evt_2', { now: NOW }), sl.NotFound);
            assert.throws(() => db.webhookClaim(T, 'stripe', 7), TypeError);
        });
    });
}

describe('ledger on a SQLite file from outside', () => {
    // Find the entries table whatever it is called, and change one amount
    // the way an attacker with file access would (triggers dropped first).
    const TAMPER = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
target = None
for t in tables:
    cols = [r[1] for r in con.execute(f'pragma table_info("{t}")')]
    if 'amount' in cols and 'seq' in cols and 'hash' in cols:
        target = t
if target is None:
    sys.exit('no ledger entries table found in ' + repr(tables))
for (name,) in con.execute("select name from sqlite_master where type='trigger' and tbl_name=?", (target,)).fetchall():
    con.execute(f'drop trigger "{name}"')
con.execute(f'update "{target}" set amount = amount + 1 where seq = 2')
con.commit()
print(target)
`;

    it('tampering with an entry is found by verify (TamperError with report)', () => {
        const file = tempPath('tamper');
        const key = Buffer.alloc(32, 9);
        let db = sl.open(file, { ledgerKey: key });
        db.setTenant(T, { now: NOW });
        for (let i = 1; i <= 3; i++) db.post(T, { account: 1, amount: i, kind: 'purchase', key: `t${i}`, now: NOW });
        assert.equal(db.verify(T).entries, 3);
        db.close();
        // a different ledger key does not verify either
        db = sl.open(file, { ledgerKey: Buffer.alloc(32, 8) });
        assert.throws(() => db.verify(T), sl.TamperError);
        db.close();
        python(TAMPER, [file]);
        db = sl.open(file, { ledgerKey: key });
        try {
            assert.throws(() => db.verify(T), (err) => err instanceof sl.TamperError && err.code === -14
                && err.report.firstBadSeq === 2 && err.message.length > 0);
        } finally {
            db.close();
        }
    });
});

describe('long references (issue 9, defect 1)', () => {
    it('post with a 4096-byte reference is InvalidArgument and writes nothing', () => {
        const [, openDb] = BACKENDS[0];
        const db = openDb();
        try {
            db.setTenant(T, { tz: 'UTC', now: NOW });
            for (const n of [129, 4096, 1 << 20]) {
                assert.throws(() => db.post(T, { account: 1, amount: 3, kind: 'purchase', key: 'long', reference: 'A'.repeat(n), now: NOW }),
                    sl.InvalidArgument);
            }
            assert.equal(db.balance(T, 1, { now: NOW }).posted, 0);
            assert.equal(db.post(T, { account: 1, amount: 3, kind: 'purchase', key: 'long', reference: 'A', now: NOW }).replayed, false);
        } finally {
            db.close();
        }
    });
});

const TRUNCATE = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.executescript("DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;"
                  "DELETE FROM entries WHERE seq = 3;"
                  "UPDATE accounts SET posted = posted - 3 WHERE student = 1;")
con.close()
`;

describe('ledger anchor (ledgerHead / verifyHead)', () => {
    it('round trip: a head verifies now and after more posts', () => {
        const db = sl.openMemory();
        try {
            db.setTenant(T, { now: NOW });
            assert.deepEqual(db.ledgerHead(T), { seq: 0, hash: Buffer.alloc(32) });
            let e;
            for (let i = 1; i <= 3; i++) e = db.post(T, { account: 1, amount: i, kind: 'purchase', key: `h${i}`, now: NOW });
            const head = db.ledgerHead(T);
            assert.equal(head.seq, 3);
            assert.deepEqual(head.hash, e.hash);
            db.verifyHead(T, head);
            db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 'later', now: NOW });
            db.verifyHead(T, head);
            assert.throws(() => db.verifyHead(T, { seq: 3, hash: Buffer.alloc(32) }), sl.TamperError);
            assert.throws(() => db.verifyHead(T, { seq: 3, hash: Buffer.alloc(5) }), sl.InvalidArgument);
            assert.throws(() => db.verifyHead(T, null), TypeError);
        } finally {
            db.close();
        }
    });

    it('a truncated file passes verify without a key but not verifyHead', () => {
        const file = tempPath('anchor');
        let db = sl.open(file);
        db.setTenant(T, { now: NOW });
        for (let i = 1; i <= 3; i++) db.post(T, { account: 1, amount: i, kind: 'purchase', key: `a${i}`, now: NOW });
        const head = db.ledgerHead(T);
        db.close();
        python(TRUNCATE, [file]);
        db = sl.open(file);
        try {
            assert.equal(db.verify(T).entries, 2);
            assert.throws(() => db.verifyHead(T, head), (err) => err instanceof sl.TamperError
                && /before the anchor's seq 3/.test(err.message));
        } finally {
            db.close();
        }
    });
});

describe('seal (upgrade of keyed databases written before row MACs)', () => {
    it('seals rows without a MAC, then verify passes', () => {
        const file = tempPath('seal');
        const ledgerKey = Buffer.from('node-seal-test-ledger-key-32byte');
        let db = sl.open(file, { ledgerKey });
        db.setTenant(T, { now: NOW });
        db.post(T, { account: 1, amount: 5, kind: 'purchase', key: 's1', now: NOW });
        db.close();
        python('import sqlite3, sys\ncon = sqlite3.connect(sys.argv[1])\n'
            + 'con.executescript("UPDATE accounts SET mac = NULL, mac_seq = NULL;")\ncon.close()\n', [file]);
        db = sl.open(file, { ledgerKey });
        try {
            assert.throws(() => db.verify(T), (err) => err instanceof sl.TamperError && /no MAC/.test(err.message));
            assert.equal(db.seal(T), 1);
            db.verify(T);
            assert.equal(db.seal(T), 0);
        } finally {
            db.close();
        }
        db = sl.open(file);
        try {
            assert.throws(() => db.seal(T), sl.InvalidArgument);
        } finally {
            db.close();
        }
    });
});
