'use strict';
// The Async variants work on a copy of their arguments taken when they are
// called: what the caller changes afterwards (a Date, an array, an options
// object, a Buffer, a getter's answer) changes neither what is written nor
// what is read back; and a call whose reruns would see other arguments
// never pairs one run's buffers with another run's results (checked in a
// child process, so that a crash fails the test instead of the runner).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { sl, at, tempPath } = require('./helpers');

const NOW = at('2030-01-01T00:00:00Z');
const TEN = at('2030-01-07T10:00:00Z');

function seeded() {
    const db = sl.openMemory();
    for (const t of [1, 2, 3]) {
        db.setTenant(t, { now: NOW });
        db.addRule(t, { weekday: 1, start: '00:00', end: '24:00', now: NOW });
    }
    return db;
}

test('a Date changed after an Async call is made does not move what is written', async () => {
    const db = seeded();
    const start = new Date(TEN);
    const p = db.bookAsync(1, { student: 5, start, duration: 3600, now: NOW });
    start.setTime(Date.parse('2030-01-07T12:00:00Z'));
    const s = await p;
    assert.deepEqual(s.start, TEN);
    assert.deepEqual(db.session(1, s.id).start, TEN);
    db.close();
});

test('arrays, item objects and options changed after the call are not read again', async () => {
    const db = seeded();
    const items = [{ student: 1, start: new Date(TEN), duration: 3600 }];
    const opts = { now: NOW, key: 'batch-1' };
    const p = db.bookManyAsync(1, items, opts);
    items.push({ student: 2, start: at('2030-01-07T11:00:00Z'), duration: 3600 });
    items[0].student = 99;
    opts.key = 'batch-2';
    const made = await p;
    assert.deepEqual(made.map((s) => s.student), [1]);
    assert.deepEqual(db.sessionsByStudent(1, 99), []);
    assert.equal(db.sessions(1, at('2030-01-07T00:00:00Z'), at('2030-01-08T00:00:00Z')).length, 1);
    // Replayed under the key it was made with.
    assert.equal(db.bookMany(1, [{ student: 1, start: new Date(TEN), duration: 3600 }],
        { now: NOW, key: 'batch-1' })[0].replayed, true);

    const tenants = [1, 2];
    const q = db.freeAtAsync(tenants, TEN, { duration: 60, now: NOW, detail: true });
    tenants.push(3);
    tenants[0] = 3;
    assert.deepEqual([...(await q).keys()], [1, 2]);

    const post = { account: 7, amount: 5, kind: 'purchase', key: 'buy', now: NOW };
    const r = db.postAsync(1, post);
    post.amount = 500;
    assert.equal((await r).amount, 5);
    assert.equal(db.balance(1, 7, { now: NOW }).posted, 5);
    db.close();
});

test('a Buffer changed after openAsync is called: the handle keeps the key it was given', async () => {
    const file = tempPath('asynckey');
    const key = Buffer.alloc(32, 9);
    const p = sl.openAsync(file, { ledgerKey: key });
    key.fill(8);
    const db = await p;
    db.setTenant(1, { now: NOW });
    db.post(1, { account: 1, amount: 5, kind: 'purchase', key: 'k', now: NOW });
    db.close();
    const given = sl.open(file, { ledgerKey: Buffer.alloc(32, 9) });
    assert.equal(given.verify(1).entries, 1);
    given.close();
    const changed = sl.open(file, { ledgerKey: key });
    assert.throws(() => changed.verify(1), sl.TamperError);
    changed.close();
});

test('a getter of an argument is read once, when the Async call is made', async () => {
    const db = seeded();
    let reads = 0;
    let duration = 3600;
    const req = { student: 4, start: new Date(TEN), now: NOW };
    Object.defineProperty(req, 'duration', { enumerable: true, get() { reads++; return duration; } });
    const p = db.bookAsync(1, req);
    assert.equal(reads, 1);
    duration = 60;
    const s = await p;
    assert.equal(reads, 1);
    assert.equal(s.end - s.start, 3600 * 1000);
    db.close();
});

test('an argument whose copy fails rejects the Async call and makes no call', async () => {
    const db = seeded();
    const bad = { now: NOW };
    Object.defineProperty(bad, 'duration', { enumerable: true, get() { throw new RangeError('no duration'); } });
    await assert.rejects(db.slotsAsync(1, TEN, at('2030-01-07T12:00:00Z'), bad), RangeError);
    assert.equal((await db.tenantAsync(1)).id, 1); // the handle is still usable
    db.close();
});

test('records passed to an Async call stay records (an OutboxEvent acknowledged by value)', async () => {
    const db = seeded();
    db.book(1, { student: 5, start: TEN, duration: 3600, now: NOW });
    const [ev] = db.outboxClaim('w', { now: NOW });
    const p = db.outboxAckAsync(ev, { now: NOW });
    ev.token = 12345; // a caller reusing the object: the call keeps the token it was given
    await p;
    assert.equal(db.outboxEvent(ev.tenant, ev.id).state, 'acked');
    db.close();
});

test('an Async call rerun with other arguments: right results, no crash (child process)', () => {
    const script = path.join(__dirname, 'asyncargs-child.js');
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: process.env, timeout: 120000 });
    assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^all reruns ok$/m);
});
