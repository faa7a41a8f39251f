"""Teams through the Python binding, against the single-tenant calls:
slots_many equals one slots() per tenant, any-of / all-of equal a
brute-force combination of them, free_at equals "would book succeed",
book_any picks fairly and replays, book_all is all or nothing. Random
tenant sets across zones with a printed seed. Run on every backend."""

import os
import random
import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl
from backends import Backend, daily, register

UTC = timezone.utc
NOW = datetime(2030, 3, 20, tzinfo=UTC)
START = datetime(2030, 3, 25, tzinfo=UTC)      # a week spanning the EU DST change (2030-03-31)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC")



class TeamTests(Backend):

    def setUp(self):
        self.seed = int(os.environ.get("SL_TEST_SEED", "0")) or random.randrange(1, 2 ** 31)
        print("# %s seed %d (SL_TEST_SEED=%d)" % (self.id(), self.seed, self.seed))
        self.rng = random.Random(self.seed)
        super().setUp()
        self.tenants = list(range(1, 9))
        for t in self.tenants:
            step = self.rng.choice((0, 900, 1800))
            self.db.set_tenant(t, tz=self.rng.choice(ZONES), step=step, now=NOW - timedelta(days=1))
            for wd in range(1, 8):
                h = self.rng.randrange(6, 12)
                self.db.add_rule(t, weekday=wd, start="%02d:00" % h, end="%02d:30" % (h + self.rng.randrange(2, 8)),
                                 now=NOW - timedelta(days=1))
            for _ in range(self.rng.randrange(0, 6)):
                try:
                    day = START + timedelta(days=self.rng.randrange(7), hours=self.rng.randrange(24))
                    self.db.schedule_manual(t, student=99, start=day, duration=timedelta(hours=1), now=NOW)
                except sl.Error:
                    pass

    def single(self, t, dur):
        return [s for s, _ in self.db.slots(t, START, START + timedelta(days=7), dur, now=NOW)]

    def test_slots_many_equals_single_calls(self):
        dur = timedelta(minutes=self.rng.choice((30, 45, 60)))
        ids = self.rng.sample(self.tenants, self.rng.randrange(1, 9)) + [777]
        many = self.db.slots_many(ids, START, START + timedelta(days=7), dur, now=NOW)
        self.assertEqual(many.unknown, {777: "SL_ENOTFOUND"}, "seed %d" % self.seed)
        epoch = self.db.slots_many_epoch(ids, START, START + timedelta(days=7), dur, now=NOW)
        for t in ids[:-1]:
            want = self.db.slots(t, START, START + timedelta(days=7), dur, now=NOW)
            self.assertEqual(list(many[t]), list(want), "seed %d tenant %d" % (self.seed, t))
            flat = [int(x.timestamp()) for pair in want for x in pair]
            self.assertEqual(list(epoch[t]), flat, "seed %d tenant %d" % (self.seed, t))
        self.assertNotIn(777, epoch)

    def test_any_and_all_equal_brute_force(self):
        for _ in range(4):
            dur = timedelta(minutes=self.rng.choice((30, 60)))
            ids = self.rng.sample(self.tenants, self.rng.randrange(1, 5))
            per = {t: set(self.single(t, dur)) for t in ids}
            starts = sorted(set().union(*per.values()))
            want_any = [(s, [t for t in ids if s in per[t]]) for s in starts]
            want_all = [(s, ids) for s in starts if all(s in per[t] for t in ids)]
            got_any = self.db.team_slots(ids, START, START + timedelta(days=7), dur, mode="any", now=NOW)
            got_all = self.db.team_slots(ids, START, START + timedelta(days=7), dur, mode="all", now=NOW)
            self.assertEqual([(s, w) for s, _, w in got_any], want_any, "seed %d %s" % (self.seed, ids))
            self.assertEqual([(s, w) for s, _, w in got_all], want_all, "seed %d %s" % (self.seed, ids))
            self.assertTrue(all(e - s == dur for s, e, _ in got_any))
            starts_e, offsets, who = self.db.team_slots_epoch(ids, START, START + timedelta(days=7), dur, now=NOW)
            self.assertEqual(list(starts_e), [int(s.timestamp()) for s, _ in want_any])
            self.assertEqual([list(who[offsets[i]:offsets[i + 1]]) for i in range(len(starts_e))],
                             [w for _, w in want_any])

    def test_free_at_equals_would_book_succeed(self):
        dur = timedelta(hours=1)
        for _ in range(12):
            at = START + timedelta(days=self.rng.randrange(7), hours=self.rng.randrange(5, 16),
                                   minutes=self.rng.choice((0, 15, 30)))
            detail = self.db.free_at(self.tenants, at, dur, now=NOW, detail=True)
            for t in self.tenants:
                self.db.group_begin()
                try:
                    self.db.book(t, student=5, start=at, duration=dur, now=NOW)
                    want = "ok"
                except sl.Error as e:
                    want = e.code_name
                finally:
                    self.db.group_rollback()
                self.assertEqual(detail[t], want, "seed %d tenant %d at %s" % (self.seed, t, at))
            self.assertEqual(self.db.free_at(self.tenants, at, dur, now=NOW),
                             [t for t in self.tenants if detail[t] == "ok"])

    def test_book_any_is_fair_and_replays(self):
        ids = [11, 12, 13]
        for t in ids:
            daily(self.db, t, "08:00", "18:00", NOW, tz="UTC")
        at = START + timedelta(hours=10)
        self.db.book(11, student=1, start=at + timedelta(hours=2), duration=timedelta(hours=1), now=NOW)
        a = self.db.book_any(ids, student=2, start=at, duration=timedelta(hours=1), key="any-1", now=NOW)
        self.assertEqual(a.tenant, 12)                  # 11 has more sessions; 12 < 13
        b = self.db.book_any(ids, student=3, start=at, duration=timedelta(hours=1), now=NOW)
        self.assertEqual(b.tenant, 13)
        r = self.db.book_any(ids, student=2, start=at, duration=timedelta(hours=1), key="any-1", now=NOW)
        self.assertEqual((r.id, r.tenant, r.replayed), (a.id, 12, True))
        c = self.db.book_any(ids, student=4, start=at, duration=timedelta(hours=1), now=NOW)
        self.assertEqual(c.tenant, 11)
        with self.assertRaises(sl.Conflict):
            self.db.book_any(ids, student=5, start=at, duration=timedelta(hours=1), now=NOW)

    def test_book_all_is_all_or_nothing(self):
        ids = [21, 22, 23]
        for t in ids:
            daily(self.db, t, "08:00", "18:00", NOW, tz="UTC")
        at = START + timedelta(hours=9)
        self.db.book(23, student=1, start=at, duration=timedelta(hours=1), now=NOW)
        with self.assertRaises(sl.Conflict) as cm:
            self.db.book_all(ids, student=2, start=at, duration=timedelta(hours=1), now=NOW)
        self.assertEqual(cm.exception.index, 2)
        self.assertEqual([len(self.db.sessions(t, at, at + timedelta(hours=1))) for t in ids], [0, 0, 1])
        self.db.post(21, account=2, amount=3, key="buy", now=NOW)
        got = self.db.book_all(ids, student=2, start=at + timedelta(hours=2), duration=timedelta(hours=1),
                               credits=2, now=NOW)
        self.assertEqual([s.tenant for s in got], ids)
        self.assertEqual(len({s.series_id for s in got}), 1)
        self.assertEqual(self.db.balance(21, 2, now=NOW).held, 2)

    def test_bad_input(self):
        at = START + timedelta(hours=10)
        for bad in ([], [1, 1], [0], [-3]):
            with self.assertRaises((sl.InvalidArgument, sl.RangeError)):
                self.db.free_at(bad, at, 3600, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.slots_many(list(range(1, 10002)), START, START + timedelta(days=1), 3600, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.team_slots([1, 2], START, START + timedelta(days=1), 3600, mode="some", now=NOW)
        with self.assertRaises(TypeError):
            self.db.free_at("12", at, 3600, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.book_any([1, 999], student=1, start=at, duration=3600, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book_all(list(range(1, 102)), student=1, start=at, duration=3600, now=NOW)
        self.assertEqual(self.db.free_at([999], at, 3600, now=NOW, detail=True), {999: "SL_ENOTFOUND"})
        # detail is a bool, mode a str: a truthy "no" or 1 is a TypeError, not a guess
        for detail in ("no", 1, 0, None, [True]):
            with self.assertRaisesRegex(TypeError, "detail must be a bool"):
                self.db.free_at([999], at, 3600, now=NOW, detail=detail)
        for mode in (b"any", ["all"], 1, None):
            with self.assertRaisesRegex(TypeError, "mode must be"):
                self.db.team_slots([1, 2], START, START + timedelta(days=1), 3600, mode=mode, now=NOW)
            with self.assertRaisesRegex(TypeError, "mode must be"):
                self.db.team_slots_epoch([1, 2], START, START + timedelta(days=1), 3600, mode=mode, now=NOW)


register(globals(), TeamTests)

if __name__ == "__main__":
    unittest.main()
