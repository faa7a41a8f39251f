"""The epoch-array variants (db.slots_epoch, sl.engine_slots_epoch): the
same slots as the datetime variants, as one array('q') of Unix seconds in
flat (start, end) pairs; on random tenants and ranges across DST zones
(seed printed; SL_TEST_SEED replays one), empty results, results larger
than the binding's reusable buffer, and bad input refused exactly as
slots() refuses it."""

import os
import random
import sys
import threading
import time
import unittest
from array import array
from datetime import datetime, timedelta, timezone

import slotledger as sl
from slotledger import epoch
from backends import daily, register
from test_scheduling import Backend

UTC = timezone.utc
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SEED = int(os.environ.get("SL_TEST_SEED", time.time_ns() % 2 ** 32))
print("# test_epoch seed %d (SL_TEST_SEED=%d replays it)" % (SEED, SEED), file=sys.stderr)

# Zones with DST transitions in 2026 on both hemispheres, one with a
# 45-minute offset and one without DST.
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Europe/Berlin",
         "Pacific/Auckland", "Asia/Kathmandu", "UTC")


def flat(slots):
    """A SlotList as the epoch variant's flat Unix seconds."""
    return [int(t.timestamp()) for pair in slots for t in pair]


class EpochTests(Backend):
    def assert_same(self, tenant, start, end, duration, now, why=""):
        objs = self.db.slots(tenant, start, end, duration=duration, now=now)
        packed = self.db.slots_epoch(tenant, start, end, duration=duration, now=now)
        msg = "seed %d %s: tenant %d %s..%s %s now %s" % (SEED, why, tenant, start, end, duration, now)
        self.assertIsInstance(packed, array, msg)
        self.assertEqual(packed.typecode, "q", msg)
        self.assertEqual(packed.tolist(), flat(objs), msg)
        self.assertEqual(packed.clamped, objs.clamped, msg)
        return packed

    def random_tenant(self, rng, tid):
        self.db.set_tenant(tid, tz=rng.choice(ZONES), buffer_before=rng.choice((0, 300, 900)),
                           buffer_after=rng.choice((0, 600)), min_notice=rng.choice((0, 3600)),
                           step=rng.choice((0, 900, 1800)), now=NOW)
        for wd in range(1, 8):
            if rng.random() < 0.25:
                continue
            a = rng.randrange(0, 23 * 4) * 15
            b = min(1440, a + rng.randrange(1, 12 * 4) * 15)
            self.db.add_rule(tid, weekday=wd, start="%02d:%02d" % divmod(a, 60),
                             end="%02d:%02d" % divmod(b, 60), now=NOW)
            if b < 1380 and rng.random() < 0.3:   # a second window, maybe touching the first
                c = b + rng.choice((0, 30))
                self.db.add_rule(tid, weekday=wd, start="%02d:%02d" % divmod(c, 60), end="24:00", now=NOW)

    def test_random_tenants_and_ranges_across_dst(self):
        rng = random.Random(SEED)
        tenants = list(range(1, 7))
        for tid in tenants:
            self.random_tenant(rng, tid)
        base = datetime(2026, 1, 10, tzinfo=UTC)
        found = 0
        for i in range(60):
            tid = rng.choice(tenants)
            start = base + timedelta(days=rng.randrange(0, 330), minutes=rng.randrange(0, 96) * 15)
            end = start + timedelta(hours=rng.randrange(0, 20 * 24))
            duration = timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))
            now = start - timedelta(hours=rng.randrange(0, 48))
            packed = self.assert_same(tid, start, end, duration, now, "query %d" % i)
            found += len(packed) // 2
            if packed and rng.random() < 0.5:   # book one slot: the next query sees it taken
                k = rng.randrange(len(packed) // 2)
                s = datetime.fromtimestamp(packed[2 * k], UTC)
                self.db.book(tid, student=1, start=s, duration=duration, now=now)
                after = self.assert_same(tid, start, end, duration, now, "after booking (query %d)" % i)
                self.assertNotIn(packed[2 * k], after[0::2].tolist())
        self.assertGreater(found, 500, "seed %d: the random queries found too few slots" % SEED)

    def test_pairs_layout_and_clamp(self):
        self.teacher()
        mon = datetime(2026, 11, 30, tzinfo=UTC)
        a = self.assert_same(7, mon, mon + timedelta(days=1), HOUR, NOW)
        # Berlin 09:00-17:00 in winter, 30-minute step, 10-minute buffer after
        self.assertEqual(a[0], int((mon + timedelta(hours=8)).timestamp()))
        self.assertEqual(a[1] - a[0], 3600)
        self.assertEqual(len(a) % 2, 0)
        self.assertIs(a.clamped, False)
        b = self.assert_same(7, mon, mon + timedelta(days=20), HOUR, NOW)
        self.assertIs(b.clamped, True)
        self.assertLess(b[-2], int((mon + timedelta(days=14)).timestamp()))

    def test_empty_results(self):
        self.db.set_tenant(3, tz="Europe/London", now=NOW)      # no rules at all
        mon = datetime(2026, 3, 23, tzinfo=UTC)
        for start, end in ((mon, mon + timedelta(days=14)), (mon, mon)):
            a = self.assert_same(3, start, end, HOUR, NOW)
            self.assertEqual(len(a), 0)
            self.assertIs(a.clamped, False)
        self.teacher()
        sat = datetime(2026, 12, 5, tzinfo=UTC)                  # the rules are Mon-Fri
        self.assertEqual(len(self.assert_same(7, sat, sat + timedelta(days=2), HOUR, NOW)), 0)

    def test_more_slots_than_the_reusable_buffer(self):
        # Every minute of every day, 10-minute slots: 2,016 slots in 14 days,
        # more than the thread buffer's 1,024 (the sl_slots_alloc path).
        daily(self.db, 5, "00:00", "24:00", NOW, tz="UTC")
        start = datetime(2026, 2, 2, tzinfo=UTC)
        a = self.assert_same(5, start, start + timedelta(days=14), timedelta(minutes=10), NOW)
        self.assertEqual(len(a), 2 * 2016)
        self.assertGreater(len(a) // 2, epoch._CAP)
        b = self.assert_same(5, start, start + timedelta(days=1), timedelta(minutes=10), NOW)
        self.assertEqual(len(b), 2 * 144)

    def test_bad_input_fails_as_slots_does(self):
        self.teacher()
        mon = datetime(2026, 11, 30, tzinfo=UTC)
        good = dict(tenant=7, start=mon, end=mon + timedelta(days=1), duration=HOUR, now=NOW)
        bad = [
            dict(tenant="7"), dict(tenant=True), dict(tenant=2 ** 63),
            dict(start=mon.replace(tzinfo=None)), dict(end="2026-12-01"), dict(now=1),
            dict(duration=-60), dict(duration=0), dict(duration=timedelta(seconds=1.5)),
            dict(duration=1.5), dict(start=mon + timedelta(days=2)),     # start > end
            dict(tenant=99),                                            # unknown tenant
        ]
        for change in bad:
            kw = dict(good, **change)
            with self.assertRaises(Exception) as want:
                self.db.slots(**kw)
            with self.assertRaises(Exception) as got:
                self.db.slots_epoch(**kw)
            self.assertIs(type(got.exception), type(want.exception), change)
            self.assertEqual(str(got.exception), str(want.exception), change)
            if isinstance(want.exception, sl.Error):
                self.assertEqual(got.exception.code, want.exception.code, change)
        self.db.close()
        with self.assertRaises(sl.Misuse):
            self.db.slots_epoch(**good)

    def test_datetimes_built_anew_equal_cached_ones(self):
        self.teacher()
        mon = datetime(2026, 11, 30, tzinfo=UTC)
        epoch._forget()
        cold = self.db.slots(7, mon, mon + timedelta(days=14), duration=HOUR, now=NOW)
        warm = self.db.slots(7, mon, mon + timedelta(days=14), duration=HOUR, now=NOW)
        self.assertEqual(cold, warm)
        self.assertTrue(cold)
        for s, e in warm:
            self.assertIs(s.tzinfo, UTC)
            self.assertEqual(e - s, HOUR)


class FastPathTests(Backend):
    """The binding's conversions have a fast path for an aware datetime in
    timezone.utc; every other value takes the general one. Both must give
    the same instants (sub-second parts floored), so the same slots and
    errors."""

    def test_fast_path_equals_general_conversions(self):
        rng = random.Random(SEED)
        self.db.set_tenant(7, tz="Europe/Berlin", step=900, min_notice=3600, now=NOW)
        for wd in range(1, 8):
            self.db.add_rule(7, weekday=wd, start="06:00", end="22:00", now=NOW)
        berlin = __import__("zoneinfo").ZoneInfo("Europe/Berlin")

        class Moment(datetime):       # a subclass: never the fast path
            pass

        def outcome(**kw):
            try:
                a = self.db.slots_epoch(7, **kw)
                return ("ok", a.tolist(), a.clamped)
            except Exception as e:  # the same error, type and text
                return (type(e).__name__, str(e))

        grid = NOW + timedelta(days=1)
        nonempty = 0
        for i in range(300):
            # Instants on the 15-minute grid, or just beside it (sub-second
            # parts: floored, so grid + 0.5 s still starts at the grid), in
            # 2026, before 1970 and near the end of datetime's range.
            base = rng.choice((grid, datetime(1969, 12, 31, 23, 0, tzinfo=UTC),
                               datetime(9999, 12, 1, tzinfo=UTC)))
            t = [base + timedelta(minutes=15 * rng.randrange(-8, 200),
                                  microseconds=rng.choice((0, 0, 1, 500000, 999999, -1)))
                 for _ in range(3)]
            start, end = min(t[:2]), max(t[:2])
            now = rng.choice((start, t[2])) - timedelta(hours=rng.randrange(0, 3))
            dur = rng.choice((900, 1800, 3600, -1800, 0))
            fast = outcome(start=start, end=end, duration=timedelta(seconds=dur), now=now)
            msg = "seed %d case %d: %s..%s now %s duration %d" % (SEED, i, start, end, now, dur)
            general = [
                outcome(start=start.astimezone(berlin), end=end.astimezone(berlin), duration=dur,
                        now=now.astimezone(berlin)),
                outcome(start=Moment.fromisoformat(start.isoformat()), end=end, duration=dur, now=now),
            ]
            for g in general:
                self.assertEqual(fast, g, msg)
            # Sub-second parts are floored: the same as the whole seconds
            # (which every conversion gives exactly).
            whole = outcome(start=start.replace(microsecond=0), end=end.replace(microsecond=0),
                            duration=timedelta(seconds=dur), now=now.replace(microsecond=0))
            self.assertEqual(fast, whole, msg)
            nonempty += fast[0] == "ok" and bool(fast[1])
        self.assertGreater(nonempty, 30, "seed %d: too few cases with slots to compare" % SEED)
        # Bad values still take the general conversions' errors.
        for kw, err in ((dict(start=datetime(2026, 1, 6)), sl.InvalidArgument),
                        (dict(start=1767657600), TypeError),
                        (dict(duration=timedelta(seconds=1.5)), sl.InvalidArgument),
                        (dict(duration=1.5), TypeError), (dict(now=datetime(2026, 1, 6)), sl.InvalidArgument)):
            args = dict(start=grid, end=grid + HOUR * 4, duration=HOUR, now=NOW)
            args.update(kw)
            with self.assertRaises(err, msg=str(kw)):
                self.db.slots_epoch(7, **args)

    def test_cached_results_are_fresh_lists(self):
        self.db.set_tenant(7, tz="UTC", now=NOW)
        self.db.add_rule(7, weekday=2, start="09:00", end="12:00", now=NOW)
        mon = datetime(2026, 1, 5, tzinfo=UTC)
        first = self.db.slots(7, mon, mon + timedelta(days=7), duration=HOUR, now=NOW)
        want = list(first)
        first.clear()
        first.append("changed by the caller")
        again = self.db.slots(7, mon, mon + timedelta(days=7), duration=HOUR, now=NOW)
        self.assertEqual(again, want)
        self.assertEqual(len(want), 3)
        # Bounded: many distinct results never grow the caches past their limits.
        for i in range(epoch._RESULTS_MAX + 10):
            self.db.slots(7, mon + timedelta(minutes=i), mon + timedelta(days=7), duration=HOUR, now=NOW)
        self.assertLessEqual(len(epoch._results), epoch._RESULTS_MAX)


class EpochThreadTests(unittest.TestCase):
    START = datetime(2026, 3, 20, tzinfo=UTC)

    def threads_compare(self, cases, rounds):
        """One thread per case (db, tenant, duration) calling slots_epoch()
        rounds times over 14 days from START, each result compared with
        slots() asked first from this thread: (the cases whose results
        differed, the results wanted)."""
        start, end = self.START, self.START + timedelta(days=14)
        want = [flat(db.slots(tid, start, end, duration=dur, now=NOW)) for db, tid, dur in cases]
        errors = []

        def run(i):
            db, tid, dur = cases[i]
            for _ in range(rounds):
                if db.slots_epoch(tid, start, end, duration=dur, now=NOW).tolist() != want[i]:
                    errors.append(i)
                    return

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cases))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors, want

    def test_two_threads_two_databases(self):
        # Each thread reads into its own buffer: results never mix.
        dbs = []
        for tid, zone in ((1, "Europe/London"), (2, "America/New_York")):
            db = sl.open_memory()
            self.addCleanup(db.close)
            daily(db, tid, "06:00" if tid == 1 else "10:15", "20:00", NOW, tz=zone, step=900)
            dbs.append((db, tid, HOUR))
        errors, want = self.threads_compare(dbs, 200)
        self.assertEqual(errors, [])
        self.assertNotEqual(want[0], want[1])

    def test_threads_share_one_database(self):
        # The call buffers are the Database's, guarded by its lock: four
        # threads asking one Database for two tenants and two durations
        # each get their own result, and the Database refuses calls once
        # closed after its buffers were made.
        db = sl.open_memory()
        self.addCleanup(db.close)
        daily(db, 1, "06:00", "20:00", NOW, tz="Europe/London", step=900)
        daily(db, 2, "10:15", "20:00", NOW, tz="America/New_York", step=900)
        cases = [(db, tid, dur) for tid in (1, 2) for dur in (HOUR, timedelta(minutes=45))]
        errors, want = self.threads_compare(cases, 150)
        self.assertEqual(errors, [])
        self.assertEqual(len(set(map(tuple, want))), len(cases))
        db.close()
        with self.assertRaises(sl.Misuse):
            db.slots_epoch(1, self.START, self.START + HOUR, duration=HOUR, now=NOW)

    def test_threads_share_the_caches_while_they_are_emptied(self):
        # slots() from 4 threads over 4 durations and shifting ranges, with
        # the caches made so small that other threads empty them while a
        # call fills them: every answer is still right.
        db = sl.open_memory()
        self.addCleanup(db.close)
        daily(db, 1, "06:00", "20:00", NOW, tz="Europe/London", step=900)
        start = datetime(2026, 3, 20, tzinfo=UTC)
        queries = [(start + timedelta(hours=h), d) for h in range(0, 48, 5) for d in (900, 1800, 2700, 3600)]
        want = {q: [(s, e) for s, e in db.slots(1, q[0], q[0] + timedelta(days=2), duration=q[1], now=NOW)]
                for q in queries}
        limits = (epoch._PAIRS_MAX, epoch._RESULTS_MAX, sys.getswitchinterval())
        epoch._PAIRS_MAX, epoch._RESULTS_MAX = 8, 2
        sys.setswitchinterval(1e-6)
        errors = []

        def run(i):
            rng = random.Random(SEED + i)
            try:
                for _ in range(300):
                    q = rng.choice(queries)
                    if list(db.slots(1, q[0], q[0] + timedelta(days=2), duration=q[1], now=NOW)) != want[q]:
                        errors.append((i, q))
            except Exception as e:  # noqa: BLE001 - any error is the failure
                errors.append((i, repr(e)))

        try:
            threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            epoch._PAIRS_MAX, epoch._RESULTS_MAX = limits[:2]
            sys.setswitchinterval(limits[2])
        self.assertEqual(errors, [], "seed %d" % SEED)

    def test_a_cache_emptied_while_a_call_fills_it(self):
        # What another thread can do between two lines of slots(): empty
        # the shared table the call is filling (here: before each datetime
        # it builds). The call still answers from what it built itself.
        db = sl.open_memory()
        self.addCleanup(db.close)
        daily(db, 1, "06:00", "20:00", NOW, tz="Europe/London", step=900)
        start = datetime(2026, 3, 20, tzinfo=UTC)
        want = flat(db.slots(1, start, start + timedelta(days=2), duration=HOUR, now=NOW))
        epoch._forget()
        build = epoch._datetime
        calls = []

        def emptying(t):
            calls.append(t)
            for table in epoch._pairs.values():
                table.clear()
            return build(t)

        epoch._datetime = emptying
        try:
            got = db.slots(1, start, start + timedelta(days=2), duration=HOUR, now=NOW)
        finally:
            epoch._datetime = build
        self.assertEqual(flat(got), want)
        self.assertTrue(calls)


class EngineEpochTests(unittest.TestCase):
    def test_engine_slots_epoch_equals_engine_slots(self):
        rng = random.Random(SEED)
        day = datetime(2026, 3, 29, tzinfo=UTC)
        for i in range(40):
            avail, t = [], day
            for _ in range(rng.randrange(0, 4)):
                t += timedelta(minutes=rng.randrange(0, 600))
                avail.append((t, t + timedelta(minutes=rng.randrange(15, 600))))
                t = avail[-1][1]
            busy = []
            for a, b in avail:
                if rng.random() < 0.5:
                    busy.append((a + timedelta(minutes=30), a + timedelta(minutes=90)))
            kw = dict(duration=timedelta(minutes=rng.choice((15, 30, 60))), start=day,
                      end=day + timedelta(days=2), step=rng.choice((None, 600, 1800)),
                      buffer_before=rng.choice((0, 300)), buffer_after=rng.choice((0, 600)))
            objs = sl.engine_slots(avail, busy, **kw)
            packed = sl.engine_slots_epoch(avail, busy, **kw)
            self.assertIsInstance(packed, sl.SlotArray)
            self.assertEqual(packed.tolist(), flat(objs), "seed %d case %d" % (SEED, i))
        with self.assertRaises(TypeError):
            sl.engine_slots_epoch([(day,)], duration=HOUR, start=day, end=day)
        with self.assertRaises(sl.InvalidArgument):
            sl.engine_slots_epoch([], duration=-1, start=day, end=day)


register(globals(), EpochTests)
register(globals(), FastPathTests)

if __name__ == "__main__":
    unittest.main()
