'use strict';
// The Promise API: every database method has an Async twin whose C calls run
// on a worker thread, serialised per handle; a busy wait does not block the
// event loop.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { sl, at, tempPath } = require('./helpers');

const NOW = at('2030-01-01T00:00:00Z');
const MONDAY = at('2030-01-07T08:00:00Z'); // 09:00 in Berlin

function seed(db) {
    db.setTenant(7, { tz: 'Europe/Berlin', now: NOW });
    db.addRule(7, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
    db.post(7, { account: 42, amount: 5, kind: 'purchase', key: 'buy-1', now: NOW });
}

test('every database method has an Async twin, and open/openMemory too', () => {
    const skip = new Set(['constructor', 'close', 'closeAsync', 'errcode', 'errmsg', 'group']);
    const names = Object.getOwnPropertyNames(sl.Database.prototype)
        .filter((k) => !k.endsWith('Async') && !skip.has(k) &&
            typeof Object.getOwnPropertyDescriptor(sl.Database.prototype, k).value === 'function');
    assert.ok(names.length >= 40, names.join());
    for (const k of names) assert.equal(typeof sl.Database.prototype[`${k}Async`], 'function', `${k}Async`);
    assert.equal(typeof sl.openAsync, 'function');
    assert.equal(typeof sl.openMemoryAsync, 'function');
});

test('Async variants return what the synchronous calls return, errors included', async () => {
    const db = await sl.openAsync(':memory:');
    const mem = await sl.openMemoryAsync();
    for (const h of [db, mem]) {
        await h.setTenantAsync(7, { tz: 'Europe/Berlin', now: NOW });
        await h.addRuleAsync(7, { weekday: 1, start: '09:00', end: '17:00', now: NOW });
        await h.postAsync(7, { account: 42, amount: 5, kind: 'purchase', key: 'buy-1', now: NOW });
        const slots = await h.slotsAsync(7, MONDAY, at('2030-01-07T16:00:00Z'), { duration: 3600, now: NOW });
        assert.equal(slots.length, 8);
        assert.deepEqual(slots[0], { start: MONDAY, end: at('2030-01-07T09:00:00Z') });
        const s = await h.bookAsync(7, { student: 42, start: MONDAY, duration: 3600, credits: 1, key: 'b1', now: NOW });
        assert.equal(s.status, 'pending');
        assert.deepEqual(await h.sessionAsync(7, s.id), h.session(7, s.id));
        assert.deepEqual(await h.balanceAsync(7, 42, { now: NOW }), { posted: 5, held: 1, available: 4, floor: 0 });
        const many = await h.bookManyAsync(7, [
            { student: 43, start: at('2030-01-07T10:00:00Z'), duration: 3600 },
            { student: 44, start: at('2030-01-07T11:00:00Z'), duration: 3600 },
        ], { now: NOW });
        assert.deepEqual(many.map((x) => x.student), [43, 44]);
        await assert.rejects(h.bookAsync(7, { student: 9, start: MONDAY, duration: 3600, now: NOW }),
            (e) => e instanceof sl.Conflict && /\S/.test(e.message));
        await assert.rejects(h.tenantAsync(99), (e) => e instanceof sl.NotFound && /99/.test(e.message));
        await assert.rejects(h.bookAsync(7, { student: 'x' }), TypeError);
        assert.equal((await h.verifyAsync(7)).firstBadSeq, null);
        await h.closeAsync();
        assert.equal(h.closed, true);
        await assert.rejects(h.tenantAsync(7), sl.Misuse);
    }
    await assert.rejects(sl.openAsync('/nonexistent-dir/x.db'), (e) => e instanceof sl.StoreError && /nonexistent-dir/.test(e.message));
});

test('async calls on one handle run one at a time, in order; sync calls meanwhile are refused', async () => {
    const db = sl.openMemory();
    seed(db);
    const starts = [9, 10, 11, 12, 13].map((h) => at(`2030-01-07T${String(h - 1).padStart(2, '0')}:00:00Z`));
    const p = starts.map((start, i) => db.bookAsync(7, { student: 50 + i, start, duration: 3600, now: NOW }));
    assert.throws(() => db.tenant(7), (e) => e instanceof sl.Misuse && /async/.test(e.message));
    assert.throws(() => db.close(), (e) => e instanceof sl.Misuse && /closeAsync/.test(e.message));
    const booked = await Promise.all(p);
    assert.deepEqual(booked.map((s) => s.student), [50, 51, 52, 53, 54]);
    const ids = booked.map((s) => s.id);
    assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'made in the order they were called');
    assert.equal(db.tenant(7).id, 7, 'sync calls work again once nothing is pending');
    db.close();
});

test('timers keep ticking while another process holds the write lock', async () => {
    const file = tempPath('async-busy');
    const db = sl.open(file, { busyTimeoutMs: 10000 });
    seed(db);
    const holder = spawn('python3', ['-c', `
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute('BEGIN IMMEDIATE')
print('locked', flush=True)
time.sleep(1.5)
con.execute('ROLLBACK')
`, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => holder.once('close', r));
    await new Promise((resolve, reject) => {
        holder.stdout.once('data', (d) => (String(d).includes('locked') ? resolve() : reject(new Error(String(d)))));
        holder.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
    });
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 20);
    const t0 = Date.now();
    try {
        const s = await db.bookAsync(7, { student: 42, start: MONDAY, duration: 3600, credits: 1, key: 'b', now: NOW });
        const waited = Date.now() - t0;
        assert.equal(s.student, 42, 'booked once the lock was released');
        assert.ok(waited >= 1000, `the call waited for the lock (${waited} ms)`);
        assert.ok(ticks >= 20, `the event loop ran while it waited: ${ticks} ticks in ${waited} ms`);
    } finally {
        clearInterval(timer);
        await exited;
    }
    db.close();
});

test('group() has no Async twin: its callback would run once per rerun; the group calls have them', async () => {
    assert.equal(sl.Database.prototype.groupAsync, undefined);
    const db = sl.openMemory();
    seed(db);
    await db.groupBeginAsync();
    await db.postAsync(7, { account: 42, amount: 3, kind: 'purchase', key: 'g-1', now: NOW });
    await db.postAsync(7, { account: 42, amount: 4, kind: 'purchase', key: 'g-2', now: NOW });
    await db.groupCommitAsync();
    assert.equal(db.inGroup, false);
    assert.equal(db.balance(7, 42, { now: NOW }).posted, 12);
    db.close();
});

test('sessionIcsAsync / calendarIcsAsync: a summary function is Misuse (it aborted the process); a template works',
    async () => {
    const db = sl.openMemory();
    seed(db);
    const s = db.book(7, { student: 42, start: MONDAY, duration: 3600, now: NOW });
    let ran = 0;
    const summary = () => { ran++; return 'Lesson'; };
    const end = at('2030-01-08T00:00:00Z');
    await assert.rejects(db.sessionIcsAsync(7, s.id, { domain: 'example.com', summary }),
        (err) => err instanceof sl.Misuse && /summary function/.test(err.message));
    await assert.rejects(db.calendarIcsAsync(7, MONDAY, end, { domain: 'example.com', summary }),
        (err) => err instanceof sl.Misuse);
    assert.equal(ran, 0);
    const text = await db.calendarIcsAsync(7, MONDAY, end, { domain: 'example.com', summary: 'Lesson {id}' });
    assert.ok(text.includes(`SUMMARY:Lesson ${s.id}`), text);
    assert.ok(db.sessionIcs(7, s.id, { domain: 'example.com', summary }).includes('SUMMARY:Lesson'));
    assert.equal(ran, 1);
    db.close();
});

test('closeAsync() closes after the calls made before it; one made after it is Misuse', async () => {
    const db = sl.openMemory();
    seed(db);
    const before = [1, 2, 3].map((i) =>
        db.postAsync(7, { account: 42, amount: 1, kind: 'purchase', key: `c-${i}`, now: NOW }));
    const closing = db.closeAsync();
    const after = assert.rejects(db.postAsync(7, { account: 42, amount: 1, kind: 'purchase', key: 'c-late', now: NOW }),
        (err) => err instanceof sl.Misuse && /closing/.test(err.message));
    for (const p of before) assert.equal((await p).amount, 1);
    await closing; // it failed with "1 async call(s) pending" and left the handle open
    assert.equal(db.closed, true);
    await after;
});
