#!/usr/bin/env python3
"""examples/outbox_worker.py - a calendar-sync worker on the library's outbox.

Every session change commits together with an outbox event (the session's
new state and a per-session sequence number). This example runs, in one
process:

- a fake calendar service (a local HTTP server) that fails at random
  (HTTP 503), sometimes hangs longer than the worker's timeout (and may
  still apply the write: the worker cannot know), and has one outage;
- a writer thread booking, confirming, rescheduling and cancelling lessons;
- `--workers` worker threads, each with its own database handle, that claim
  events under a lease, PUT each to the calendar with a timeout, and ack or
  fail it (the library retries with exponential backoff and jitter). A
  circuit breaker stops a worker from claiming while the service keeps
  failing. Writes are idempotent: the calendar keeps, per session, the
  highest sequence applied and ignores older or repeated ones.

At the end it drains the outbox and checks that the calendar equals the
database, session by session; it exits 1 if not.

    SLOTLEDGER_LIB=build/libslotledger.so PYTHONPATH=bindings/python \\
        python3 examples/outbox_worker.py [--seed N] [--changes 150] [--workers 2]
"""
import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import slotledger as sl

TENANT, STUDENT = 1, 42
UTC = timezone.utc


# ------------------------------------------------------- the fake calendar
class Calendar:
    """The remote calendar: uid -> event; a write of an older or equal seq
    is acknowledged and ignored (what makes at-least-once delivery safe)."""

    def __init__(self, rng, fail_rate, hang_rate, hang_seconds):
        self.events = {}
        self.lock = threading.Lock()
        self.rng = rng
        self.fail_rate, self.hang_rate, self.hang_seconds = fail_rate, hang_rate, hang_seconds
        self.outage_until = 0.0
        self.stats = {"ok": 0, "failed": 0, "hung": 0, "stale": 0}

    def put(self, uid, body):
        with self.lock:
            roll = self.rng.random()
            if time.monotonic() < self.outage_until or roll < self.fail_rate:
                self.stats["failed"] += 1
                return 503
            hang = roll < self.fail_rate + self.hang_rate
            cur = self.events.get(uid)
            if cur is None or body["seq"] > cur["seq"]:
                self.events[uid] = body
            else:
                self.stats["stale"] += 1
            self.stats["hung" if hang else "ok"] += 1
        if hang:
            time.sleep(self.hang_seconds)      # applied, but the worker times out first
        return 204


def serve(calendar):
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            code = calendar.put(self.path.rsplit("/", 1)[-1], body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ------------------------------------------------------------ the worker
class Breaker:
    """Opens after `threshold` consecutive failures; while open the worker
    does not claim (events stay due, nobody burns their attempts); after
    `cooldown` one batch is let through (half-open)."""

    def __init__(self, threshold=5, cooldown=0.5):
        self.threshold, self.cooldown = threshold, cooldown
        self.failures, self.opened_at, self.trips = 0, None, 0

    def allow(self):
        return self.opened_at is None or time.monotonic() - self.opened_at >= self.cooldown

    def success(self):
        self.failures, self.opened_at = 0, None

    def failure(self):
        self.failures += 1
        if self.failures >= self.threshold:
            if self.opened_at is None:
                self.trips += 1
            self.opened_at = time.monotonic()


def deliver(base_url, ev, timeout):
    """PUT the event's session state; True when the calendar took it."""
    body = json.dumps({
        "seq": ev.seq, "kind": ev.kind, "status": ev.status,
        "start": ev.start.isoformat(), "end": ev.end.isoformat(),
        "deleted": ev.deleted_at is not None or ev.kind == "purged",
    }).encode()
    req = urllib.request.Request("%s/events/sl-%d-%d" % (base_url, ev.tenant, ev.session), data=body,
                                 method="PUT", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return 200 <= resp.status < 300, "HTTP %d" % resp.status
    except urllib.error.HTTPError as e:
        return False, "HTTP %d" % e.code
    except OSError as e:                     # timeouts, refused connections
        return False, "network: %s" % e


def worker(name, path, base_url, stop, timeout, totals):
    db = sl.open(path)
    db.outbox_configure(attempts=100, backoff_base=1, backoff_cap=2)
    breaker = Breaker()
    try:
        while not stop.is_set():
            if not breaker.allow():
                time.sleep(0.05)
                continue
            batch = db.outbox_claim(name, max=20, lease=5)
            if not batch:
                time.sleep(0.02)
                continue
            for ev in batch:
                if not breaker.allow():
                    break                    # the rest: their leases lapse, they come back
                ok, why = deliver(base_url, ev, timeout)
                try:
                    if ok:
                        db.outbox_ack(ev)
                        breaker.success()
                        totals["acked"] += 1
                    else:
                        db.outbox_fail(ev, why)
                        breaker.failure()
                        totals["failed"] += 1
                except sl.StateError:
                    totals["stale"] += 1     # our lease lapsed (a hang); someone else has it
    finally:
        totals["trips"] += breaker.trips
        db.close()


# ------------------------------------------------------------ the writer
def writer(path, changes, rng):
    db = sl.open(path)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    live = []
    try:
        for _ in range(changes):
            op = rng.randrange(5)
            try:
                if op <= 1 or not live:
                    s = db.book(TENANT, student=STUDENT, start=start + timedelta(hours=rng.randrange(300)),
                                duration=timedelta(hours=1))
                    live.append(s.id)
                elif op == 2:
                    db.confirm(TENANT, rng.choice(live))
                elif op == 3:
                    db.reschedule(TENANT, rng.choice(live), start + timedelta(hours=rng.randrange(300)))
                else:
                    db.cancel(TENANT, live.pop(rng.randrange(len(live))))
            except (sl.Conflict, sl.StateError, sl.Unavailable):
                pass
            time.sleep(0.005)
    finally:
        db.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--changes", type=int, default=150)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=0.3, help="seconds per calendar call")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 2 ** 31)
    print("seed %d (--seed %d repeats the service's failures)" % (seed, seed))
    rng = random.Random(seed)

    tmp = tempfile.mkdtemp(prefix="sl-outbox-")
    path = os.path.join(tmp, "lessons.db")
    with sl.open(path) as db:
        db.set_tenant(TENANT, tz="Europe/Berlin")
        for wd in range(1, 8):
            db.add_rule(TENANT, weekday=wd, start="00:00", end="24:00")

    calendar = Calendar(random.Random(seed + 1), fail_rate=0.15, hang_rate=0.03, hang_seconds=args.timeout * 2)
    server = serve(calendar)
    base_url = "http://127.0.0.1:%d" % server.server_address[1]
    stop = threading.Event()
    totals = {"acked": 0, "failed": 0, "stale": 0, "trips": 0}
    workers = [threading.Thread(target=worker, args=("worker-%d" % i, path, base_url, stop, args.timeout, totals))
               for i in range(args.workers)]
    for w in workers:
        w.start()
    w_thread = threading.Thread(target=writer, args=(path, args.changes, random.Random(seed + 2)))
    w_thread.start()
    time.sleep(0.3)
    calendar.outage_until = time.monotonic() + 1.0     # the calendar API goes down for a second
    w_thread.join()

    # Drain: wait until every event is acknowledged (retrying any dead ones).
    db = sl.open(path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        st = db.outbox_stats()
        for ev in db.outbox_dead():
            db.outbox_retry(ev.tenant, ev.id)
        if st.due == st.waiting == st.leased == st.dead == 0:
            break
        time.sleep(0.1)
    stop.set()
    for w in workers:
        w.join()
    server.shutdown()

    # The calendar must equal the database.
    sessions = db.sessions(TENANT, datetime.now(UTC), datetime.now(UTC) + timedelta(days=20), include_deleted=True)
    wrong = []
    for s in sessions:
        want = {"status": s.status, "start": s.start.isoformat(), "end": s.end.isoformat(),
                "deleted": s.deleted_at is not None}
        got = calendar.events.get("sl-%d-%d" % (TENANT, s.id))
        if got is None or {k: got[k] for k in want} != want:
            wrong.append((s.id, want, got))
    db.close()
    print("changes %d, sessions %d, calendar events %d; calls ok %d, failed %d, hung %d, stale writes ignored %d"
          % (args.changes, len(sessions), len(calendar.events), calendar.stats["ok"], calendar.stats["failed"],
             calendar.stats["hung"], calendar.stats["stale"]))
    print("worker acks %d, fails %d, lapsed leases %d, breaker trips %d"
          % (totals["acked"], totals["failed"], totals["stale"], totals["trips"]))
    if wrong or len(calendar.events) != len(sessions):
        for sid, want, got in wrong[:5]:
            print("session %d: database %s, calendar %s" % (sid, want, got))
        print("FAIL: the calendar differs from the database")
        return 1
    print("OK: the calendar equals the database (%d sessions)" % len(sessions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
