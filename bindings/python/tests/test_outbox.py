"""The calendar-sync outbox through the Python binding: every session change
appears as an event with the session's new state, workers claim under a
lease, ack or fail (backoff, dead, retry), and bad input changes nothing.
Run on every backend (PostgreSQL under tests/pg_cluster.sh)."""

import dataclasses
import os
import random
import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl
from backends import Backend, daily, register

UTC = timezone.utc
NOW = datetime(2030, 1, 6, tzinfo=UTC)
BASE = datetime(2030, 1, 7, tzinfo=UTC)            # a Monday
HOUR = timedelta(hours=1)
_S = timedelta(seconds=1)
T, T2, STUDENT = 1, 2, 6



class OutboxTests(Backend):

    def setUp(self):
        super().setUp()
        for tid in (T, T2):
            daily(self.db, tid, "00:00", "24:00", NOW - timedelta(days=1), tz="Europe/Berlin")

    def book(self, hour, tid=T, now=NOW):
        return self.db.book(tid, student=STUDENT, start=BASE + hour * HOUR, duration=HOUR, now=now)

    def drain(self, now=NOW, tenant=None):
        """Claim and ack until nothing is due; the events in claim order."""
        seen = []
        while True:
            batch = self.db.outbox_claim("w", tenant=tenant, max=50, lease=60, now=now)
            if not batch:
                return seen
            for ev in batch:
                self.db.outbox_ack(ev, now=now)
            seen.extend(batch)

    def test_each_change_is_an_event_with_the_new_state(self):
        s = self.book(10)
        self.db.confirm(T, s.id, now=NOW)
        self.db.reschedule(T, s.id, BASE + 12 * HOUR, now=NOW)
        self.db.cancel(T, s.id, now=NOW)
        self.db.soft_delete(T, "session", s.id, now=NOW)
        self.db.restore(T, "session", s.id, now=NOW)
        evs = self.db.outbox_events(T, s.id)
        self.assertEqual([e.kind for e in evs],
                         ["booked", "confirmed", "rescheduled", "cancelled", "deleted", "restored"])
        self.assertEqual([e.seq for e in evs], [1, 2, 3, 4, 5, 6])
        self.assertEqual([e.status for e in evs],
                         ["pending", "confirmed", "confirmed", "cancelled", "cancelled", "cancelled"])
        self.assertEqual(evs[0].start, BASE + 10 * HOUR)
        self.assertEqual(evs[2].start, BASE + 12 * HOUR)
        self.assertIsNotNone(evs[4].deleted_at)
        self.assertIsNone(evs[5].deleted_at)
        final = self.db.session(T, s.id)
        last = evs[-1]
        self.assertEqual((last.status, last.start, last.end, last.student),
                         (final.status, final.start, final.end, final.student))
        self.assertTrue(all(e.state == "pending" and e.token is None for e in evs))

    # The documented fields of OutboxEvent (records.py), in order, each with
    # the types its values take: (field, types when set, may be None).
    FIELDS = [
        ("id", int, False), ("tenant", int, False), ("session", int, False), ("seq", int, False),
        ("kind", str, False), ("status", str, False), ("session_kind", str, False),
        ("student", int, False), ("start", datetime, False), ("end", datetime, False),
        ("credits", int, False), ("deleted_at", datetime, True), ("created_at", datetime, False),
        ("state", str, False), ("attempts", int, False), ("available_at", datetime, False),
        ("lease_until", datetime, True), ("token", int, True), ("acked_at", datetime, True),
        ("consumer", str, True), ("error", str, True),
    ]

    def assert_event(self, e):
        self.assertEqual([f.name for f in dataclasses.fields(e)], [f[0] for f in self.FIELDS])
        for name, typ, nullable in self.FIELDS:
            v = getattr(e, name)
            if v is None:
                self.assertTrue(nullable, "%s is None" % name)
                continue
            self.assertIsInstance(v, typ, name)
            self.assertNotIsInstance(v, bool, name)
            if typ is datetime:
                self.assertEqual(v.utcoffset(), timedelta(0), name)
        self.assertIn(e.kind, {"booked", "rescheduled", "confirmed", "cancelled", "completed", "no_show",
                               "deleted", "restored", "purged"})
        self.assertIn(e.state, {"pending", "leased", "acked", "dead"})
        self.assertIn(e.status, {"pending", "confirmed", "cancelled", "completed", "no_show"})
        with self.assertRaises(dataclasses.FrozenInstanceError):
            e.token = 1

    def test_event_fields_have_the_documented_names_and_types(self):
        s = self.book(10)
        [pending] = self.db.outbox_events(T, s.id)
        self.assert_event(pending)
        self.assertEqual((pending.state, pending.token, pending.lease_until, pending.consumer, pending.error,
                          pending.acked_at, pending.deleted_at), ("pending", None, None, None, None, None, None))
        [leased] = self.db.outbox_claim("wé", now=NOW)
        self.assert_event(leased)
        self.assertEqual((leased.state, leased.consumer, leased.lease_until), ("leased", "wé", NOW + 60 * _S))
        self.assertGreater(leased.token, 0)
        # A message longer than the 255 bytes kept is cut at a character
        # boundary: the field is still a str of whole characters.
        self.db.outbox_fail(leased, "é" * 200, now=NOW)
        failed = self.db.outbox_event(T, leased.id)
        self.assert_event(failed)
        self.assertEqual((failed.state, failed.attempts, failed.token), ("pending", 1, None))
        self.assertEqual(failed.error, "é" * 127)
        later = NOW + timedelta(days=1)
        [again] = self.db.outbox_claim("w", now=later)
        self.db.outbox_ack(again, now=later)
        acked = self.db.outbox_event(T, again.id)
        self.assert_event(acked)
        self.assertEqual((acked.state, acked.acked_at), ("acked", later))

    def test_failed_calls_and_rolled_back_groups_append_nothing(self):
        s = self.book(10)
        with self.assertRaises(sl.Conflict):
            self.book(10)
        with self.assertRaises(RuntimeError):
            with self.db.group():
                self.db.cancel(T, s.id, now=NOW)
                self.book(14)
                raise RuntimeError("roll the group back")
        self.assertEqual(len(self.db.outbox_events(T, s.id)), 1)
        self.assertEqual(self.db.outbox_stats(now=NOW).due, 1)

    def test_claim_keeps_per_session_order_and_ack_releases_the_next(self):
        s = self.book(10)
        self.db.confirm(T, s.id, now=NOW)
        other = self.book(11, tid=T2)
        batch = self.db.outbox_claim("w1", max=10, lease=30, now=NOW)
        self.assertEqual(sorted((e.tenant, e.session, e.seq) for e in batch),
                         [(T, s.id, 1), (T2, other.id, 1)])
        for e in batch:
            self.assertEqual(e.state, "leased")
            self.assertEqual(e.consumer, "w1")
            self.assertEqual(e.lease_until, NOW + timedelta(seconds=30))
            self.assertIsNotNone(e.token)
        # the confirm of s waits behind its leased booking
        self.assertEqual(self.db.outbox_claim("w2", max=10, lease=30, now=NOW), [])
        first = [e for e in batch if e.session == s.id][0]
        self.db.outbox_ack(first, now=NOW)
        nxt = self.db.outbox_claim("w2", max=10, lease=30, now=NOW)
        self.assertEqual([(e.session, e.seq, e.kind) for e in nxt], [(s.id, 2, "confirmed")])
        self.assertEqual(self.db.outbox_event(T, first.id).state, "acked")

    def test_tenant_claim_sees_only_that_tenant(self):
        self.book(10)
        self.book(10, tid=T2)
        got = self.db.outbox_claim("w", tenant=T2, max=10, lease=30, now=NOW)
        self.assertEqual([e.tenant for e in got], [T2])

    def test_lapsed_lease_is_claimed_again_and_the_old_token_is_stale(self):
        s = self.book(10)
        [a] = self.db.outbox_claim("w1", max=1, lease=10, now=NOW)
        later = NOW + timedelta(seconds=10)
        [b] = self.db.outbox_claim("w2", max=1, lease=10, now=later)
        self.assertEqual((a.id, b.session), (b.id, s.id))
        self.assertNotEqual(a.token, b.token)
        with self.assertRaises(sl.StateError):
            self.db.outbox_ack(a, now=later)
        self.db.outbox_ack(b, now=later)
        with self.assertRaises(sl.StateError):       # acked: no longer leased
            self.db.outbox_ack(b, now=later)

    def test_failures_back_off_then_die_and_retry_requeues(self):
        self.db.outbox_configure(attempts=3, backoff_base=10, backoff_cap=40)
        s = self.book(10)
        now = NOW
        for attempt in range(1, 4):
            [e] = self.db.outbox_claim("w", max=5, lease=5, now=now)
            self.db.outbox_fail(e, "calendar said 503 (attempt %d)" % attempt, now=now)
            got = self.db.outbox_event(T, e.id)
            self.assertEqual(got.attempts, attempt)
            self.assertEqual(got.error, "calendar said 503 (attempt %d)" % attempt)
            if attempt < 3:
                self.assertEqual(got.state, "pending")
                d = min(40, 10 * 2 ** (attempt - 1))
                wait = (got.available_at - now).total_seconds()
                self.assertTrue(d / 2 <= wait <= d, (attempt, wait))
                # not due before its backoff ends
                self.assertEqual(self.db.outbox_claim("w", max=5, lease=5, now=got.available_at - timedelta(seconds=1)), [])
                now = got.available_at
        self.assertEqual(got.state, "dead")
        self.assertEqual([d.id for d in self.db.outbox_dead()], [e.id])
        self.assertEqual(self.db.outbox_stats(now=now).dead, 1)
        self.assertEqual(self.db.outbox_claim("w", max=5, lease=5, now=now + timedelta(days=1)), [])
        self.db.outbox_retry(T, e.id, now=now)
        [again] = self.db.outbox_claim("w", max=5, lease=5, now=now)
        self.assertEqual((again.id, again.attempts, again.session), (e.id, 0, s.id))

    def test_bad_input_is_refused_and_changes_nothing(self):
        self.book(10)
        before = self.db.outbox_stats(now=NOW)
        bad = [
            lambda: self.db.outbox_claim("w", max=0, now=NOW),
            lambda: self.db.outbox_claim("w", max=1001, now=NOW),
            lambda: self.db.outbox_claim("w", lease=-1, now=NOW),
            lambda: self.db.outbox_claim("w", lease=86401, now=NOW),
            lambda: self.db.outbox_claim("", now=NOW),
            lambda: self.db.outbox_claim("x" * 64, now=NOW),
            lambda: self.db.outbox_claim("bad\ud800", now=NOW),
            lambda: self.db.outbox_claim("w", tenant=-1, now=NOW),
            lambda: self.db.outbox_claim("w", max=-1, now=NOW),
            lambda: self.db.outbox_claim("w", max=True, now=NOW),
            lambda: self.db.outbox_claim("w", max=2.0, now=NOW),
            lambda: self.db.outbox_claim("w", lease="60", now=NOW),
            lambda: self.db.outbox_claim(b"w", now=NOW),
            lambda: self.db.outbox_claim(b"\xff", now=NOW),
            lambda: self.db.outbox_claim("w\0x", now=NOW),
            lambda: self.db.outbox_claim("w", tenant="1", now=NOW),
            lambda: self.db.outbox_claim("w", now="2030-01-06"),
            lambda: self.db.outbox_dead(max=-5),
            lambda: self.db.outbox_dead("1"),
        ]
        for call in bad:
            with self.assertRaises((sl.InvalidArgument, sl.RangeError, ValueError, TypeError)):
                call()
        # Each refusal says what is wrong: a negative count is not taken for a
        # huge size_t, a wrong type is a TypeError naming the argument.
        with self.assertRaisesRegex(sl.InvalidArgument, r"max must not be negative \(got -1\)"):
            self.db.outbox_claim("w", max=-1, now=NOW)
        with self.assertRaisesRegex(sl.InvalidArgument, r"max must not be negative"):
            self.db.outbox_dead(max=-1)
        with self.assertRaisesRegex(TypeError, "max must be an int, not bool"):
            self.db.outbox_claim("w", max=True, now=NOW)
        with self.assertRaisesRegex(TypeError, "consumer must be a str, not bytes"):
            self.db.outbox_claim(b"\xff", now=NOW)
        with self.assertRaisesRegex(TypeError, "message must be a str"):
            self.db.outbox_fail(1, b"\xff", tenant=T, token=1, now=NOW)

        self.assertEqual(self.db.outbox_stats(now=NOW), before)
        [e] = self.db.outbox_claim("w", max=1, now=NOW)
        with self.assertRaisesRegex(TypeError, "OutboxEvent alone"):
            self.db.outbox_ack(e, tenant=T2, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.outbox_ack(e.id + 1000, tenant=T, token=e.token, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.outbox_ack(e.id, tenant=T2, token=e.token, now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.outbox_ack(e.id, tenant=T, token=e.token % (2 ** 53 - 1) + 1, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.outbox_retry(T, e.id + 1000, now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.outbox_retry(T, e.id, now=NOW)   # leased, not dead
        with self.assertRaises(sl.InvalidArgument):
            self.db.outbox_fail(e, "bad\ud800", now=NOW)
        self.assertEqual(self.db.outbox_event(T, e.id).state, "leased")
        self.assertEqual(self.db.outbox_event(T, e.id).attempts, 0)

    def test_random_operations_replay_to_each_sessions_state(self):
        seed = int(os.environ.get("SL_TEST_SEED", "0")) or random.randrange(1, 2 ** 31)
        print("# test_outbox replay seed %d (SL_TEST_SEED=%d)" % (seed, seed))
        rng = random.Random(seed)
        ids = []
        for step in range(120):
            op = rng.randrange(7)
            try:
                if op == 0 or not ids:
                    ids.append(self.book(rng.randrange(0, 60)).id)
                    continue
                sid = rng.choice(ids)
                if op == 1:
                    self.db.confirm(T, sid, now=NOW)
                elif op == 2:
                    self.db.cancel(T, sid, now=NOW)
                elif op == 3:
                    self.db.reschedule(T, sid, BASE + rng.randrange(0, 60) * HOUR, now=NOW)
                elif op == 4:
                    self.db.soft_delete(T, "session", sid, now=NOW)
                elif op == 5:
                    self.db.restore(T, "session", sid, now=NOW)
                else:
                    with self.db.group():
                        self.db.cancel(T, sid, now=NOW)
                        if rng.random() < 0.5:
                            raise sl.Conflict("roll back")
            except sl.Error:
                pass
            if rng.random() < 0.2:
                self.drain()
        for sid in ids:
            evs = self.db.outbox_events(T, sid)
            self.assertEqual([e.seq for e in evs], list(range(1, len(evs) + 1)), "seed %d" % seed)
            s = self.db.session(T, sid, include_deleted=True)
            last = evs[-1]
            self.assertEqual((last.status, last.start, last.end, last.deleted_at is None),
                             (s.status, s.start, s.end, s.deleted_at is None), "seed %d" % seed)
        seen = self.drain()
        per = {}
        for e in seen:
            self.assertGreater(e.seq, per.get(e.session, 0), "seed %d: order" % seed)
            per[e.session] = e.seq


register(globals(), OutboxTests)

if __name__ == "__main__":
    unittest.main()
