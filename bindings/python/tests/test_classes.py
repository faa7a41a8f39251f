"""Group classes through the Python binding: seats hold credits, a full class
refuses or waitlists, withdrawing promotes the first waitlisted student who
can pay, the class blocks the teacher's time, bad input changes nothing.
Run on every backend (PostgreSQL under tests/pg_cluster.sh)."""

import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl
from backends import Backend, daily, register

UTC = timezone.utc
NOW = datetime(2030, 1, 6, tzinfo=UTC)
SAT = datetime(2030, 1, 12, 9, tzinfo=UTC)          # a Saturday, 10:00 in Berlin
HOUR = timedelta(hours=1)
T = 1



class ClassTests(Backend):

    def setUp(self):
        super().setUp()
        daily(self.db, T, "08:00", "20:00", NOW - timedelta(days=1), tz="Europe/Berlin")
        for student, credits in ((1, 5), (2, 5), (3, 5), (4, 0), (5, 5)):
            if credits:
                self.db.post(T, account=student, amount=credits, key="buy-%d" % student, now=NOW)

    def make(self, capacity=2, credits=2, key=None):
        return self.db.create_class(T, start=SAT, duration=2 * HOUR, capacity=capacity,
                                    credits_per_seat=credits, key=key, now=NOW)

    def held(self, student):
        return self.db.balance(T, student, now=NOW).held

    def test_seats_hold_credits_and_the_waitlist_is_promoted_in_order(self):
        c = self.make()
        self.assertEqual((c.kind, c.status, c.credits), ("class", "confirmed", 2))
        a = self.db.enroll(T, c.id, 1, now=NOW)
        self.db.enroll(T, c.id, 2, now=NOW)
        self.assertEqual((a.status, a.position, self.held(1)), ("seated", 1, 2))
        self.assertIsNotNone(a.hold_id)
        with self.assertRaises(sl.ClassFull):
            self.db.enroll(T, c.id, 3, now=NOW)
        w4 = self.db.enroll(T, c.id, 4, waitlist=True, now=NOW)    # cannot pay
        w3 = self.db.enroll(T, c.id, 3, waitlist=True, now=NOW)
        self.assertEqual((w4.status, w4.hold_id, self.held(3)), ("waitlisted", None, 0))
        info = self.db.class_info(T, c.id)
        self.assertEqual((info.capacity, info.taken, info.waitlisted, info.credits_per_seat), (2, 2, 2, 2))
        self.db.withdraw(T, c.id, 1, now=NOW)
        # student 4 is first but cannot pay: skipped, keeps the place; 3 promoted
        seats = {s.student: s for s in self.db.seats(T, c.id)}
        self.assertEqual(seats[3].status, "seated")
        self.assertEqual(seats[4].status, "waitlisted")
        self.assertEqual(seats[1].status, "withdrawn")
        self.assertEqual((self.held(1), self.held(3), self.held(4)), (0, 2, 0))
        order = [s.student for s in self.db.seats(T, c.id)]
        self.assertEqual(order[:3], [2, 3, 4])       # taken by position, then the waitlist
        self.assertEqual(self.db.verify(T).first_bad_seq, None)
        self.assertLess(w4.position, w3.position)

    def test_the_class_blocks_the_teachers_time(self):
        c = self.make()
        free = self.db.slots(T, SAT - HOUR, SAT + 4 * HOUR, duration=HOUR, now=NOW)
        starts = [s for s, _ in free]
        self.assertNotIn(SAT, starts)
        self.assertNotIn(SAT + HOUR, starts)
        with self.assertRaises(sl.Conflict):
            self.db.book(T, student=1, start=SAT + HOUR, duration=HOUR, now=NOW)
        with self.assertRaises(sl.Conflict):
            self.make()
        self.db.cancel(T, c.id, now=NOW)
        self.db.book(T, student=1, start=SAT + HOUR, duration=HOUR, now=NOW)

    def test_cancel_releases_and_complete_captures(self):
        c = self.make()
        self.db.enroll(T, c.id, 1, now=NOW)
        self.db.enroll(T, c.id, 2, now=NOW)
        self.db.class_no_show(T, c.id, 2, now=NOW)
        self.db.complete(T, c.id, now=SAT + 3 * HOUR)
        self.assertEqual([(s.student, s.status) for s in self.db.seats(T, c.id)], [(1, "present"), (2, "no_show")])
        self.assertEqual(self.db.balance(T, 1, now=NOW).posted, 3)
        self.assertEqual(self.db.balance(T, 2, now=NOW).posted, 3)
        c2 = self.db.create_class(T, start=SAT + 5 * HOUR, duration=HOUR, capacity=3, credits_per_seat=1, now=NOW)
        self.db.enroll(T, c2.id, 5, now=NOW)
        self.assertEqual(self.held(5), 1)
        self.db.cancel(T, c2.id, now=NOW)
        self.assertEqual(self.held(5), 0)
        self.assertEqual(self.db.seats(T, c2.id)[0].status, "cancelled")

    def test_idempotent_replays_and_key_reuse(self):
        c = self.make(key="class-1")
        again = self.make(key="class-1")
        self.assertEqual((again.id, again.replayed), (c.id, True))
        s = self.db.enroll(T, c.id, 1, key="enroll-1", now=NOW)
        r = self.db.enroll(T, c.id, 1, key="enroll-1", now=NOW)
        self.assertEqual((r.id, r.replayed, self.held(1)), (s.id, True, 2))
        with self.assertRaises(sl.IdempotencyMismatch):
            self.db.enroll(T, c.id, 2, key="enroll-1", now=NOW)
        with self.assertRaises(sl.IdempotencyMismatch):
            self.db.withdraw(T, c.id, 1, key="class-1", now=NOW)
        self.db.withdraw(T, c.id, 1, key="w-1", now=NOW)
        self.db.withdraw(T, c.id, 1, key="w-1", now=NOW)          # replay: no error
        self.assertEqual(self.held(1), 0)

    def test_bad_input_is_refused_and_changes_nothing(self):
        for cap in (0, -1, 1001):
            with self.assertRaises(sl.InvalidArgument):
                self.db.create_class(T, start=SAT, duration=HOUR, capacity=cap, now=NOW)
        self.assertEqual(self.db.sessions(T, SAT - HOUR, SAT + 3 * HOUR), [])
        lesson = self.db.book(T, student=1, start=SAT - 2 * HOUR, duration=HOUR, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.enroll(T, lesson.id, 2, now=NOW)
        c = self.make()
        self.db.enroll(T, c.id, 1, now=NOW)
        with self.assertRaises(sl.AlreadyExists):
            self.db.enroll(T, c.id, 1, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.withdraw(T, c.id, 2, now=NOW)
        with self.assertRaises(sl.InsufficientCredits):
            self.db.enroll(T, c.id, 4, now=NOW)
        with self.assertRaises(TypeError):
            self.db.enroll(T, c.id, 2, waitlist="yes", now=NOW)
        self.assertEqual([s.student for s in self.db.seats(T, c.id)], [1])
        self.db.soft_delete(T, "session", c.id, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.enroll(T, c.id, 2, now=NOW)
        cancelled = self.db.create_class(T, start=SAT + 6 * HOUR, duration=HOUR, capacity=1, now=NOW)
        self.db.cancel(T, cancelled.id, now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.enroll(T, cancelled.id, 2, now=NOW)


register(globals(), ClassTests)

if __name__ == "__main__":
    unittest.main()
