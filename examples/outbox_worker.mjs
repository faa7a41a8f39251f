// examples/outbox_worker.mjs - a calendar-sync worker on the library's outbox
// (the Node twin of examples/outbox_worker.py).
//
// Every session change commits together with an outbox event (the session's
// new state and a per-session sequence number). In one process this runs a
// fake calendar service (a local HTTP server that fails at random with 503,
// sometimes hangs past the worker's timeout -- having applied the write or
// not -- and has a one-second outage), a writer booking, confirming,
// rescheduling and cancelling lessons, and two workers, each with its own
// handle, that claim events under a lease, PUT them with a timeout, and ack
// or fail them (the library retries with exponential backoff and jitter).
// A circuit breaker stops a worker from claiming while the service keeps
// failing. Writes are idempotent: the calendar keeps per session the highest
// sequence applied. At the end it drains the outbox and checks that the
// calendar equals the database; exit status 1 if not.
//
//   SLOTLEDGER_LIB=build/libslotledger.so node examples/outbox_worker.mjs [--seed N] [--changes 150]
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const sl = createRequire(import.meta.url)('../bindings/node');
const TENANT = 1;
const STUDENT = 42;
const TIMEOUT_MS = 300;

function arg(name, dflt) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
}
function rng(seed) {            // mulberry32: a repeatable stream of [0, 1)
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6D2B79F5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the fake calendar ----------------------------------------------------
function calendarService(random) {
    const events = new Map();
    const stats = { ok: 0, failed: 0, hung: 0, stale: 0 };
    let outageUntil = 0;
    const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
            const roll = random();
            if (Date.now() < outageUntil || roll < 0.15) {
                stats.failed++;
                res.writeHead(503).end();
                return;
            }
            const ev = JSON.parse(body);
            const uid = req.url.split('/').pop();
            const cur = events.get(uid);
            if (!cur || ev.seq > cur.seq) events.set(uid, ev); else stats.stale++;
            if (roll < 0.18) {                       // applied, but answers too late
                stats.hung++;
                setTimeout(() => res.writeHead(204).end(), TIMEOUT_MS * 2);
                return;
            }
            stats.ok++;
            res.writeHead(204).end();
        });
    });
    return { server, events, stats, outage(ms) { outageUntil = Date.now() + ms; } };
}

// ---- the worker -------------------------------------------------------------
class Breaker {
    constructor(threshold = 5, cooldownMs = 500) {
        Object.assign(this, { threshold, cooldownMs, failures: 0, openedAt: null, trips: 0 });
    }
    allow() { return this.openedAt === null || Date.now() - this.openedAt >= this.cooldownMs; }
    success() { this.failures = 0; this.openedAt = null; }
    failure() {
        if (++this.failures >= this.threshold) {
            if (this.openedAt === null) this.trips++;
            this.openedAt = Date.now();
        }
    }
}

async function deliver(baseUrl, ev) {
    const body = JSON.stringify({
        seq: ev.seq, kind: ev.kind, status: ev.status, start: ev.start.toISOString(), end: ev.end.toISOString(),
        deleted: ev.deletedAt !== null || ev.kind === 'purged',
    });
    try {
        const r = await fetch(`${baseUrl}/events/sl-${ev.tenant}-${ev.session}`, {
            method: 'PUT', body, headers: { 'content-type': 'application/json' },
            signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        return [r.ok, `HTTP ${r.status}`];
    } catch (err) {
        return [false, `network: ${err.name}`];
    }
}

async function worker(name, file, baseUrl, stop, totals) {
    const db = sl.open(file);
    db.outboxConfigure({ attempts: 100, backoffBase: 1, backoffCap: 2 });
    const breaker = new Breaker();
    try {
        while (!stop.done) {
            if (!breaker.allow()) { await sleep(50); continue; }
            const batch = await db.outboxClaimAsync(name, { max: 20, lease: 5 });
            if (batch.length === 0) { await sleep(20); continue; }
            for (const ev of batch) {
                if (!breaker.allow()) break;          // the rest: their leases lapse, they come back
                const [ok, why] = await deliver(baseUrl, ev);
                try {
                    if (ok) { await db.outboxAckAsync(ev); breaker.success(); totals.acked++; }
                    else { await db.outboxFailAsync(ev, why); breaker.failure(); totals.failed++; }
                } catch (err) {
                    if (!(err instanceof sl.StateError)) throw err;
                    totals.stale++;                   // our lease lapsed; someone else has it
                }
            }
        }
    } finally {
        totals.trips += breaker.trips;
        db.close();
    }
}

async function writer(file, changes, random) {
    const db = sl.open(file);
    const first = Math.ceil(Date.now() / 3600000) * 3600000 + 86400000;
    const live = [];
    const at = () => new Date(first + Math.floor(random() * 300) * 3600000);
    try {
        for (let i = 0; i < changes; i++) {
            const op = Math.floor(random() * 5);
            try {
                if (op <= 1 || live.length === 0) live.push((await db.bookAsync(TENANT, { student: STUDENT, start: at(), duration: 3600 })).id);
                else if (op === 2) await db.confirmAsync(TENANT, live[Math.floor(random() * live.length)]);
                else if (op === 3) await db.rescheduleAsync(TENANT, live[Math.floor(random() * live.length)], at());
                else await db.cancelAsync(TENANT, live.splice(Math.floor(random() * live.length), 1)[0]);
            } catch (err) {
                if (!(err instanceof sl.Conflict || err instanceof sl.StateError || err instanceof sl.Unavailable)) throw err;
            }
            await sleep(5);
        }
    } finally {
        db.close();
    }
}

async function main() {
    const seed = arg('seed', Math.floor(Math.random() * 2 ** 31));
    const changes = arg('changes', 150);
    console.log(`seed ${seed} (--seed ${seed} repeats the service's failures)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-outbox-'));
    const file = path.join(dir, 'lessons.db');
    const setup = sl.open(file);
    setup.setTenant(TENANT, { tz: 'Europe/Berlin' });
    for (let wd = 1; wd <= 7; wd++) setup.addRule(TENANT, { weekday: wd, start: '00:00', end: '24:00' });
    setup.close();

    const cal = calendarService(rng(seed + 1));
    await new Promise((r) => cal.server.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${cal.server.address().port}`;
    const stop = { done: false };
    const totals = { acked: 0, failed: 0, stale: 0, trips: 0 };
    const workers = [0, 1].map((i) => worker(`worker-${i}`, file, baseUrl, stop, totals));
    const writing = writer(file, changes, rng(seed + 2));
    await sleep(300);
    cal.outage(1000);                                   // the calendar API goes down for a second
    await writing;

    const db = sl.open(file);
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
        const st = db.outboxStats();
        for (const ev of db.outboxDead()) db.outboxRetry(ev.tenant, ev.id);
        if (st.due + st.waiting + st.leased + st.dead === 0) break;
        await sleep(100);
    }
    stop.done = true;
    await Promise.all(workers);
    cal.server.closeAllConnections();
    cal.server.close();

    const now = Date.now();
    const sessions = db.sessions(TENANT, new Date(now), new Date(now + 20 * 86400000), { includeDeleted: true });
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    const wrong = [];
    for (const s of sessions) {
        const want = { status: s.status, start: s.start.toISOString(), end: s.end.toISOString(), deleted: s.deletedAt !== null };
        const got = cal.events.get(`sl-${TENANT}-${s.id}`);
        if (!got || Object.keys(want).some((k) => got[k] !== want[k])) wrong.push([s.id, want, got]);
    }
    console.log(`changes ${changes}, sessions ${sessions.length}, calendar events ${cal.events.size}; calls ok `
        + `${cal.stats.ok}, failed ${cal.stats.failed}, hung ${cal.stats.hung}, stale writes ignored ${cal.stats.stale}`);
    console.log(`worker acks ${totals.acked}, fails ${totals.failed}, lapsed leases ${totals.stale}, breaker trips ${totals.trips}`);
    if (wrong.length || cal.events.size !== sessions.length) {
        for (const [id, want, got] of wrong.slice(0, 5)) console.log(`session ${id}: database`, want, 'calendar', got);
        console.log('FAIL: the calendar differs from the database');
        process.exitCode = 1;
        return;
    }
    console.log(`OK: the calendar equals the database (${sessions.length} sessions)`);
}

await main();
