"""The optional C accelerator of Database.slots_epoch() (slotledger._accel,
slotledger/_accel.c) against the ctypes path it stands in for, both called
in one process on the same Database: equal results on random tenants and
queries across DST zones (seed printed; SL_TEST_SEED replays one), results
larger than the buffer, the same exceptions (type, text, code) for bad
arguments, a closed Database, four threads on one Database. When the
accelerator is not built those are one TAP skip line; under
SLOTLEDGER_NO_ACCEL=1 (the run that asks for the ctypes path) they are not
run at all, nothing being skipped; the switch itself is tested either way.

meson runs this file twice: in the `python` suite with the accelerator
(SLOTLEDGER_ACCEL names the built module) and in `python-noaccel` with
SLOTLEDGER_NO_ACCEL=1, together with test_epoch.py."""

import os
import random
import subprocess
import sys
import threading
import unittest
from datetime import date, datetime, timedelta, timezone, tzinfo

import slotledger as sl
from slotledger import epoch
from backends import Backend, daily, register
from test_epoch import SEED, ZONES, EpochTests

UTC = timezone.utc
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
NO_ACCEL = os.environ.get("SLOTLEDGER_NO_ACCEL") == "1"


class IntSub(int):
    pass


class Moment(datetime):
    pass


class NoOffset(tzinfo):
    def utcoffset(self, dt):
        return None


def outcome(call, *args, **kw):
    """What a call gives: ("ok", values, clamped, type) or the exception's
    (type, text, code)."""
    try:
        a = call(*args, **kw)
        return ("ok", a.tolist(), a.clamped, type(a), a.typecode)
    except Exception as e:  # noqa: BLE001 - the same error is the check
        return (type(e), str(e), getattr(e, "code", None))


class SwitchTests(unittest.TestCase):
    def test_environment_chooses_the_path(self):
        # SLOTLEDGER_NO_ACCEL=1 always gives the ctypes path; meson's
        # SLOTLEDGER_ACCEL (the module it built) must load when not disabled.
        if NO_ACCEL:
            self.assertIs(epoch.accelerated(), False)
        elif os.environ.get("SLOTLEDGER_ACCEL"):
            self.assertIs(epoch.accelerated(), True, "SLOTLEDGER_ACCEL=%s did not load"
                          % os.environ["SLOTLEDGER_ACCEL"])
        code = "import slotledger.epoch as e, slotledger as sl; print(e.accelerated(), sl.Database.slots_epoch.__name__)"
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=dict(os.environ, SLOTLEDGER_NO_ACCEL="1"))
        self.assertEqual((r.returncode, r.stdout.split()), (0, ["False", "slots_epoch"]), r.stderr)
        self.assertIs(epoch._slots_packed, sl.Database.slots_epoch)


class AccelTests(Backend):
    """Each case asks the ctypes path (epoch._slots_ctypes) and the
    accelerator (epoch._slots_accel) the same question on one Database."""

    def both(self, *args, **kw):
        want = outcome(epoch._slots_ctypes, self.db, *args, **kw)
        got = outcome(epoch._slots_accel, self.db, *args, **kw)
        self.assertEqual(got, want, "seed %d: %r %r" % (SEED, args, kw))
        return got

    def test_random_tenants_and_queries_give_equal_arrays(self):
        rng = random.Random(SEED)
        for tid in range(1, 6):
            EpochTests.random_tenant(self, rng, tid)
        base = datetime(2026, 1, 10, tzinfo=UTC)
        found = 0
        for i in range(120):
            start = base + timedelta(days=rng.randrange(0, 330), minutes=rng.randrange(0, 96) * 15,
                                     microseconds=rng.choice((0, 0, 1, 999999)))
            end = start + timedelta(hours=rng.randrange(0, 20 * 24))
            zone = __import__("zoneinfo").ZoneInfo(rng.choice(ZONES))
            if rng.random() < 0.3:   # the general conversions, not the fast path
                start, end = start.astimezone(zone), Moment.fromisoformat(end.isoformat())
            duration = rng.choice((timedelta(minutes=rng.choice((15, 30, 45, 60, 90))), 1800, IntSub(3600)))
            now = start - timedelta(hours=rng.randrange(0, 48))
            got = self.both(rng.randrange(1, 6), start, end, duration, now)
            self.assertEqual(got[0], "ok", "seed %d query %d: %r" % (SEED, i, got))
            self.assertIs(got[3], epoch.SlotArray)
            found += len(got[1]) // 2
        self.assertGreater(found, 500, "seed %d: the random queries found too few slots" % SEED)

    def test_more_slots_than_the_buffer(self):
        daily(self.db, 5, "00:00", "24:00", NOW, tz="UTC")
        start = datetime(2026, 2, 2, tzinfo=UTC)
        got = self.both(5, start, start + timedelta(days=20), timedelta(minutes=10), NOW)
        self.assertEqual((len(got[1]), got[2]), (2 * 2016, True))
        got = self.both(5, start, start + timedelta(days=7), timedelta(minutes=10), NOW)
        self.assertEqual((len(got[1]), got[2]), (2 * 1008, False))

    def test_bad_arguments_raise_the_same_exceptions(self):
        daily(self.db, 7, "09:00", "17:00", NOW, tz="Europe/Berlin")
        mon = datetime(2026, 11, 30, tzinfo=UTC)
        good = dict(tenant=7, start=mon, end=mon + timedelta(days=1), duration=HOUR, now=NOW)
        changes = [
            dict(tenant="7"), dict(tenant=True), dict(tenant=7.0), dict(tenant=None), dict(tenant=2 ** 63),
            dict(tenant=-2 ** 63 - 1), dict(tenant=IntSub(7)), dict(tenant=99), dict(tenant=0),
            dict(start=mon.replace(tzinfo=None)), dict(start="2026-11-30"), dict(start=1796000000),
            dict(start=date(2026, 11, 30)), dict(start=mon.replace(tzinfo=NoOffset())),
            dict(start=Moment(2026, 11, 30, tzinfo=UTC)), dict(start=mon.astimezone(timezone(HOUR * 5))),
            dict(start=mon + timedelta(days=2)), dict(end=None), dict(end=mon + timedelta(days=30)),
            dict(duration=-60), dict(duration=0), dict(duration=timedelta(seconds=1.5)), dict(duration=1.5),
            dict(duration=True), dict(duration="3600"), dict(duration=2 ** 63), dict(duration=timedelta(days=-1)),
            dict(duration=timedelta(days=999999999)), dict(duration=IntSub(1800)),
            dict(now=1), dict(now=mon.replace(tzinfo=None)), dict(now="now"), dict(now=Moment(2026, 1, 1, tzinfo=UTC)),
        ]
        errors = 0
        for change in changes:
            got = self.both(**dict(good, **change))
            errors += got[0] != "ok"
        self.assertEqual(errors, 27)
        # now=None: the current time, the same on both paths (the tenant
        # has no notice, and the query is years ahead).
        far = datetime(2030, 3, 4, tzinfo=UTC)
        self.assertEqual(self.both(7, far, far + timedelta(days=1), HOUR)[0], "ok")

    def test_closed_database_is_misuse_after_the_argument_checks(self):
        mon = datetime(2026, 11, 30, tzinfo=UTC)
        self.db.close()
        got = self.both(7, mon, mon + HOUR, HOUR, NOW)
        self.assertEqual(got[:2], (sl.Misuse, "this Database is closed"))
        got = self.both("7", mon, mon + HOUR, HOUR, NOW)
        self.assertEqual(got[0], TypeError)

    def test_a_conversion_that_closes_the_database_is_misuse(self):
        # start's tzinfo closes the Database while the arguments are
        # converted: Misuse on both paths (the accelerator used the handle
        # it was given before the conversions, already freed: a crash).
        got = []
        for call in (epoch._slots_ctypes, epoch._slots_accel):
            db = self.open_db()

            class Closer(tzinfo):
                def utcoffset(self, dt):
                    db.close()
                    return timedelta(0)

            start = datetime(2026, 11, 30, tzinfo=Closer())
            got.append(outcome(call, db, 7, start, datetime(2026, 12, 1, tzinfo=UTC), HOUR, NOW))
            self.assertTrue(db.closed)
        self.assertEqual(got[1], got[0])
        self.assertEqual(got[0][:2], (sl.Misuse, "this Database is closed"))

    def test_four_threads_on_one_database(self):
        # The accelerator keeps nothing between calls: four threads asking
        # one Database (its lock around each call) for two tenants and two
        # durations each get their own result, every time.
        daily(self.db, 1, "06:00", "20:00", NOW, tz="Europe/London", step=900)
        daily(self.db, 2, "10:15", "20:00", NOW, tz="America/New_York", step=900)
        start = datetime(2026, 3, 20, tzinfo=UTC)
        cases = [(tid, dur) for tid in (1, 2) for dur in (HOUR, timedelta(minutes=45))]
        want = [epoch._slots_ctypes(self.db, tid, start, start + timedelta(days=14), dur, NOW).tolist()
                for tid, dur in cases]
        self.assertEqual(len(set(map(tuple, want))), 4)
        errors = []

        def run(i):
            tid, dur = cases[i]
            for _ in range(150):
                if self.db.slots_epoch(tid, start, start + timedelta(days=14), dur, NOW).tolist() != want[i]:
                    errors.append(i)
                    return

        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertIs(sl.Database.slots_epoch, epoch._slots_accel)


if epoch._accel is not None:
    register(globals(), AccelTests)
elif not NO_ACCEL:
    class AccelTests_skipped(unittest.TestCase):
        """One visible skip line in place of every case on every store."""

        def test_accelerator(self):
            self.skipTest("the accelerator is not built (no Python >= 3.10 headers: python3-dev) "
                          "or SLOTLEDGER_ACCEL does not name it")

if __name__ == "__main__":
    unittest.main()
