"""Opening, closing and bad input: everything raises, nothing crashes."""

import gc
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import weakref
from datetime import date, datetime, timedelta, timezone

import slotledger as sl

UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MON = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

# One call of every Database method, for the closed-handle test.
CALLS = [
    ("set_tenant", (7,), {}), ("tenant", (7,), {}),
    ("add_rule", (7,), dict(weekday=1)),
    ("update_rule", (7, 1), dict(weekday=1, start="09:00", end="10:00")),
    ("rule", (7, 1), {}), ("rules", (7,), {}),
    ("set_override", (7, date(2026, 12, 24), []), {}),
    ("override", (7, date(2026, 12, 24)), {}),
    ("overrides", (7, date(2026, 12, 1), date(2026, 12, 31)), {}),
    ("slots", (7, MON, MON + HOUR), dict(duration=HOUR)),
    ("book", (7,), dict(student=1, start=MON, duration=HOUR)),
    ("book_many", (7, [(1, MON, HOUR)]), {}),
    ("book_trial", (7,), dict(student=1, start=MON, duration=HOUR)),
    ("schedule_manual", (7,), dict(student=1, start=MON, duration=HOUR)),
    ("reschedule", (7, 1, MON), {}),
    ("book_recurring", (7,), dict(student=1, start=MON, duration=HOUR, count=2)),
    ("confirm", (7, 1), {}), ("cancel", (7, 1), {}), ("complete", (7, 1), {}),
    ("mark_no_show", (7, 1), {}), ("session", (7, 1), {}),
    ("sessions", (7, MON, MON + HOUR), {}), ("sessions_by_student", (7, 1), {}),
    ("soft_delete", (7, "session", 1), {}), ("restore", (7, "session", 1), {}),
    ("purge", ("session", NOW), {}),
    ("post", (7,), dict(account=1, amount=1, key="k")),
    ("post_many", (7, [(1, 1, "purchase", "k")]), {}),
    ("balance", (7, 1), {}), ("set_floor", (7, 1, 0), {}), ("account", (7, 1), {}),
    ("hold", (7,), dict(account=1, amount=1, expires_at=NOW + HOUR, key="h")),
    ("capture", (7, 1), dict(key="c")), ("capture", (7, 1, 1), dict(key="c")),
    ("release", (7, 1), {}), ("hold_get", (7, 1), {}), ("history", (7,), {}),
    ("verify", (7,), {}), ("webhook_claim", (7, "s", "e"), {}),
    ("ledger_head", (7,), {}), ("verify_head", (7, (0, bytes(32))), {}), ("seal", (7,), {}),
    ("utc_offset", ("UTC", NOW), {}), ("local_to_utc", ("UTC", datetime(2026, 1, 1)), {}),
    ("utc_to_local", ("UTC", NOW), {}), ("tz_check", ("UTC",), {}),
]


class OpenTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_open_variants(self):
        for db in (sl.open(":memory:"), sl.open_memory(), sl.open(os.path.join(self.tmp, "a.db")),
                   sl.open(os.path.join(self.tmp, "b.db").encode(), durability="fast"),
                   sl.open(__import__("pathlib").Path(self.tmp) / "c.db", busy_timeout_ms=100)):
            with db:
                self.assertIsInstance(db, sl.Database)
                self.assertFalse(db.closed)
                self.assertIn("open", repr(db))
                db.set_tenant(1, now=NOW)
            self.assertTrue(db.closed)
            self.assertIn("closed", repr(db))

    def test_repr_never_shows_a_password(self):
        """A Database's repr names its connection string without the
        password (URI user:password@, ?password=, keyword password=)."""
        db = sl.open(":memory:")
        try:
            for path, shown in (("postgresql://bob:s3cret@db.example/app", "postgresql://bob:***@db.example/app"),
                                ("postgres://bob@h/app?password=s3cret&schema=x", "password=***&schema=x"),
                                ("postgres://bob@h/app?schema=x&%70assword=s3cret", "schema=x&%70assword=***"),
                                ("host=h password=s3cret dbname=app", "host=h password=*** dbname=app"),
                                ("host=h password='s 3cret' dbname=app", "password=*** dbname=app")):
                db.path = path
                self.assertNotIn("s3cret", repr(db))
                self.assertNotIn("3cret", repr(db))
                self.assertIn(shown, repr(db))
        finally:
            db.path = ":memory:"
            db.close()

    def test_open_errors(self):
        with self.assertRaises(TypeError):
            sl.open(None)
        with self.assertRaises(TypeError):
            sl.open(42)
        with self.assertRaises(sl.InvalidArgument) as cm:
            sl.open("")
        self.assertIn("empty", cm.exception.message)
        with self.assertRaises(sl.InvalidArgument):
            sl.open("a\0b")
        with self.assertRaises(sl.InvalidArgument):
            sl.open(":memory:", durability="turbo")
        with self.assertRaises(TypeError):
            sl.open(":memory:", durability=1)
        with self.assertRaises(sl.InvalidArgument):
            sl.open(":memory:", busy_timeout_ms=-1)
        with self.assertRaises(TypeError):
            sl.open(":memory:", busy_timeout_ms="5")
        with self.assertRaises(sl.InvalidArgument):
            sl.open(":memory:", tzdir="")
        with self.assertRaises(TypeError):
            sl.open(":memory:", tzdir=5)
        with self.assertRaises(TypeError):
            sl.open(":memory:", "fast")              # options are keyword-only

    def test_store_errors(self):
        junk = os.path.join(self.tmp, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"this is not a SQLite database, not at all" * 100)
        with self.assertRaises(sl.StoreError) as cm:
            sl.open(junk)
        self.assertEqual(cm.exception.code, -13)
        self.assertTrue(cm.exception.message)
        with self.assertRaises(sl.StoreError):
            sl.open(os.path.join(self.tmp, "no", "such", "dir", "x.db"))

    def test_bad_tzdir_handle(self):
        with sl.open(":memory:", tzdir=os.path.join(self.tmp, "nozones")) as db:
            with self.assertRaises(sl.TimeZoneError):
                db.set_tenant(1, tz="Europe/Berlin", now=NOW)


class ClosedTests(unittest.TestCase):
    def test_every_method_on_a_closed_handle(self):
        db = sl.open_memory()
        db.close()
        db.close()                                   # idempotent
        for name, args, kw in CALLS:
            with self.subTest(method=name):
                with self.assertRaises(sl.Misuse) as cm:
                    getattr(db, name)(*args, **kw)
                self.assertEqual(cm.exception.code, -16)
                self.assertIn("closed", cm.exception.message)
        with self.assertRaises(sl.Misuse):
            with db:
                pass

    def test_context_manager_closes_on_error(self):
        with self.assertRaises(sl.NotFound):
            with sl.open_memory() as db:
                db.tenant(5)
        self.assertTrue(db.closed)
        with self.assertRaises(sl.Misuse):
            db.tenant(5)

    def test_finalizer_closes_a_forgotten_handle(self):
        db = sl.open(":memory:")
        fin = db._fin
        self.assertTrue(fin.alive)
        ref = weakref.ref(db)
        del db
        gc.collect()
        self.assertIsNone(ref())
        self.assertFalse(fin.alive)

    def test_close_from_a_summary_callable_is_misuse(self):
        # It freed the handle the ics call then wrote to (valgrind: invalid
        # write in sl__ok from render); now Misuse, and the handle stays open.
        db = sl.open(":memory:")
        db.set_tenant(1, tz="UTC", now=NOW)
        db.add_rule(1, weekday=1, start="08:00", end="12:00", now=NOW)
        s = db.book(1, student=2, start=MON, duration=HOUR, now=NOW)

        def closing(session):
            db.close()
            return "x"

        for call in (lambda: db.session_ics(1, s.id, domain="example.com", summary=closing),
                     lambda: db.calendar_ics(1, MON, MON + HOUR, domain="example.com", summary=closing)):
            with self.assertRaises(sl.Misuse) as cm:
                call()
            self.assertIn("close() inside a call", cm.exception.message)
            self.assertFalse(db.closed)
        self.assertIn("SUMMARY:Lesson", db.session_ics(1, s.id, domain="example.com", summary="Lesson"))
        db.close()
        self.assertTrue(db.closed)

    def test_a_database_cannot_be_copied_or_pickled(self):
        # copy.copy shared the handle: closing the copy, then a call on the
        # original, was a segfault.
        import copy
        import pickle
        db = sl.open_memory()
        db.set_tenant(1, now=NOW)
        for dup in (copy.copy, copy.deepcopy, pickle.dumps):
            with self.assertRaises(TypeError):
                dup(db)
        self.assertEqual(db.tenant(1).id, 1)
        db.close()

    def test_close_detaches_finalizer(self):
        db = sl.open_memory()
        db.close()
        self.assertFalse(db._fin.alive)

    def test_database_requires_a_handle(self):
        with self.assertRaises(sl.Misuse):
            sl.Database(None)
        # Any other handle (it segfaulted at the first call, or at exit in
        # the finalizer's sl_close): only open() and open_memory() make one.
        for handle in (12345, sl.open_memory()._h):
            with self.assertRaises(sl.Misuse):
                sl.Database(handle)

    def test_threads_share_a_handle_safely(self):
        db = sl.open_memory()
        db.set_tenant(1, now=NOW)
        errors = []

        def work(n):
            try:
                for i in range(50):
                    db.post(1, account=n, amount=1, key="t%d-%d" % (n, i), now=NOW)
            except sl.Misuse:
                pass                                 # closed under us: reported, no crash
            except Exception as exc:                 # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(db.verify(1).entries, 200)
        closer = [threading.Thread(target=work, args=(9,)), threading.Thread(target=db.close)]
        for t in closer:
            t.start()
        for t in closer:
            t.join()
        self.assertEqual(errors, [])
        self.assertTrue(db.closed)


class BadInputTests(unittest.TestCase):
    def setUp(self):
        self.db = sl.open_memory()
        self.addCleanup(self.db.close)
        self.db.set_tenant(7, now=NOW)
        self.db.add_rule(7, weekday=1, now=NOW)

    def test_naive_datetimes(self):
        naive = datetime(2026, 11, 30, 9)
        for call in (lambda: self.db.book(7, student=1, start=naive, duration=HOUR, now=NOW),
                     lambda: self.db.book(7, student=1, start=MON, duration=HOUR, now=naive),
                     lambda: self.db.slots(7, naive, MON, duration=HOUR, now=NOW),
                     lambda: self.db.sessions(7, MON, naive),
                     lambda: self.db.purge("session", naive),
                     lambda: self.db.hold(7, account=1, amount=1, expires_at=naive, key="k", now=NOW),
                     lambda: self.db.set_tenant(7, now=naive)):
            with self.assertRaises(sl.InvalidArgument) as cm:
                call()
            self.assertIsInstance(cm.exception, ValueError)
            self.assertIn("naive datetime: pass an aware datetime (e.g. tzinfo=timezone.utc)", str(cm.exception))

    def test_wrong_types(self):
        cases = [
            lambda: self.db.book(7, student="1", start=MON, duration=HOUR, now=NOW),
            lambda: self.db.book(7, student=True, start=MON, duration=HOUR, now=NOW),
            lambda: self.db.book(7, student=1, start="2026-11-30T08:00Z", duration=HOUR, now=NOW),
            lambda: self.db.book(7, student=1, start=MON, duration=60.0, now=NOW),
            lambda: self.db.book(7, student=1, start=MON, duration=HOUR, credits=1.0, now=NOW),
            lambda: self.db.book(7, student=1, start=MON, duration=HOUR, key=1, now=NOW),
            lambda: self.db.book(7, student=1, start=MON, duration=HOUR, now=1764489600),
            lambda: self.db.book(7.0, student=1, start=MON, duration=HOUR, now=NOW),
            lambda: self.db.book(None, student=1, start=MON, duration=HOUR, now=NOW),
            lambda: self.db.session(7, "1"),
            lambda: self.db.sessions(7, MON, MON, include_deleted=1),
            lambda: self.db.rule(7, 1, include_deleted="yes"),
            lambda: self.db.set_override(7, date(2026, 12, 1), None, now=NOW),
            lambda: self.db.set_override(7, date(2026, 12, 1), [(9, 10)], now=NOW),
            lambda: self.db.purge(3, NOW),
            lambda: self.db.history(7, limit="10"),
            lambda: self.db.balance(7, None),
            lambda: self.db.set_floor(7, 1, 0.5),
            lambda: self.db.capture(7, 1, "all", key="k"),
            lambda: sl.strerror("SL_EINVAL"),
        ]
        for i, call in enumerate(cases):
            with self.subTest(case=i):
                with self.assertRaises(TypeError) as cm:
                    call()
                self.assertTrue(str(cm.exception))

    def test_out_of_range_ints(self):
        for call in (lambda: self.db.tenant(2 ** 63),
                     lambda: self.db.session(7, -2 ** 63 - 1),
                     lambda: self.db.set_tenant(7, max_advance_days=2 ** 31, now=NOW),
                     lambda: self.db.book(7, student=1, start=MON, duration=2 ** 64, now=NOW)):
            with self.assertRaises(sl.RangeError):
                call()

    def test_library_side_invalid_arguments(self):
        for call in (lambda: self.db.tenant(0), lambda: self.db.tenant(-5),
                     lambda: self.db.session(7, 0),
                     lambda: self.db.book(7, student=-1, start=MON, duration=HOUR, now=NOW),
                     lambda: self.db.book(7, student=1, start=MON, duration=-HOUR, now=NOW),
                     lambda: self.db.book(7, student=1, start=MON, duration=HOUR, credits=-1, now=NOW),
                     lambda: self.db.set_tenant(7, late_cancel=timedelta(days=31), now=NOW),
                     lambda: self.db.set_tenant(7, max_advance_days=-1, now=NOW),
                     lambda: self.db.hold(7, account=1, amount=-1, expires_at=NOW + HOUR, key="h", now=NOW)):
            with self.assertRaises(sl.InvalidArgument) as cm:
                call()
            self.assertEqual(cm.exception.code, -1)
            self.assertTrue(cm.exception.message)

    def test_extreme_instants(self):
        # Results that datetime cannot hold are sl.RangeError, never a crash.
        with self.assertRaises(sl.RangeError):
            sl.utc_to_local("Pacific/Kiritimati", datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
        with self.assertRaises(sl.RangeError):
            sl.local_to_utc("Europe/Berlin", datetime(1, 1, 1))
        self.db.set_tenant(7, step=60, max_advance_days=3650, now=NOW)
        extremes = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
                    datetime(1969, 12, 31, tzinfo=UTC), datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC), NOW]
        for a in extremes:
            for b in extremes:
                for now in extremes:
                    try:
                        self.assertIsInstance(self.db.slots(7, a, b, duration=HOUR, now=now), list)
                    except sl.Error:
                        pass
            for now in extremes:
                for call in (lambda: self.db.book(7, student=1, start=a, duration=HOUR, now=now),
                             lambda: self.db.book_recurring(7, student=1, start=a, duration=HOUR,
                                                            count=52, now=now),
                             lambda: self.db.sessions(7, a, a + timedelta(days=1) if a.year < 9999 else a)):
                    try:
                        call()
                    except sl.Error:
                        pass

    def _state(self, hold_id):
        db = self.db
        return (db.tenant(7), db.rules(7, include_deleted=True),
                db.overrides(7, date(2026, 11, 1), date(2027, 1, 31), include_deleted=True),
                db.sessions(7, NOW, NOW + timedelta(days=180), include_deleted=True),
                db.history(7, limit=10000), db.balance(7, 1, now=NOW), db.hold_get(7, hold_id))

    def test_strings_utf8_cannot_carry(self):
        # A lone surrogate has no UTF-8 form: every str argument refuses it
        # with InvalidArgument (never UnicodeEncodeError) and writes nothing.
        db = self.db
        db.post(7, account=1, amount=20, kind="grant", key="seed", now=NOW)
        hid = db.hold(7, account=1, amount=2, expires_at=NOW + HOUR, key="seed-hold", now=NOW).id
        rid = db.rules(7)[0].id
        booking = dict(student=1, start=MON, duration=HOUR, now=NOW)
        tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, tmp, True)
        cases = [
            ("set_tenant tz", lambda s: db.set_tenant(7, tz="Europe/Berlin" + s, now=NOW)),
            ("add_rule start", lambda s: db.add_rule(7, weekday=2, start="10:00" + s, end="11:00", now=NOW)),
            ("add_rule end", lambda s: db.add_rule(7, weekday=2, start="10:00", end="11:00" + s, now=NOW)),
            ("update_rule start", lambda s: db.update_rule(7, rid, weekday=1, start="08:00" + s, end="17:00", now=NOW)),
            ("set_override window", lambda s: db.set_override(7, date(2026, 12, 1), [("10:00" + s, "12:00")], now=NOW)),
            ("book key", lambda s: db.book(7, key="k" + s, **booking)),
            ("book_many key", lambda s: db.book_many(7, [(1, MON, HOUR)], key="k" + s, now=NOW)),
            ("book_trial key", lambda s: db.book_trial(7, key="k" + s, **booking)),
            ("schedule_manual key", lambda s: db.schedule_manual(7, key="k" + s, **booking)),
            ("book_recurring key", lambda s: db.book_recurring(7, count=2, key="k" + s, **booking)),
            ("soft_delete entity", lambda s: db.soft_delete(7, "rule" + s, rid, now=NOW)),
            ("restore entity", lambda s: db.restore(7, "rule" + s, rid, now=NOW)),
            ("purge entity", lambda s: db.purge("rule" + s, NOW)),
            ("post key", lambda s: db.post(7, account=1, amount=1, kind="grant", key="k" + s, now=NOW)),
            ("post reference", lambda s: db.post(7, account=1, amount=1, kind="grant", key="r",
                                                 reference="order" + s, now=NOW)),
            ("post kind", lambda s: db.post(7, account=1, amount=1, kind="grant" + s, key="r", now=NOW)),
            ("post_many key", lambda s: db.post_many(7, [(1, 1, "grant", "k" + s)], now=NOW)),
            ("post_many reference", lambda s: db.post_many(7, [(1, 1, "grant", "m", "ref" + s)], now=NOW)),
            ("post_many kind", lambda s: db.post_many(7, [(1, 1, "grant" + s, "m")], now=NOW)),
            ("hold key", lambda s: db.hold(7, account=1, amount=1, expires_at=NOW + HOUR, key="k" + s, now=NOW)),
            ("capture key", lambda s: db.capture(7, hid, 1, key="k" + s, now=NOW)),
            ("webhook_claim source", lambda s: db.webhook_claim(7, "stripe" + s, "evt_1", now=NOW)),
            ("webhook_claim event_id", lambda s: db.webhook_claim(7, "stripe", "evt_1" + s, now=NOW)),
            ("db.tz_check", lambda s: db.tz_check("UTC" + s)),
            ("db.utc_offset", lambda s: db.utc_offset("UTC" + s, NOW)),
            ("db.utc_to_local", lambda s: db.utc_to_local("UTC" + s, NOW)),
            ("db.local_to_utc", lambda s: db.local_to_utc("UTC" + s, datetime(2026, 1, 1))),
            ("tz_check", lambda s: sl.tz_check("UTC" + s)),
            ("parse_time", lambda s: sl.parse_time("2026-11-30T09:00:00Z" + s)),
            ("webhook_verify header", lambda s: sl.webhook_verify(b"whsec", "t=1,v1=00" + s, b"{}", now=NOW)),
            ("open path", lambda s: sl.open(os.path.join(tmp, "x" + s))),
            ("open tzdir", lambda s: sl.open(":memory:", tzdir="/usr/share/zoneinfo" + s)),
            ("open_memory tzdir", lambda s: sl.open_memory(tzdir="/usr/share/zoneinfo" + s)),
            ("open durability", lambda s: sl.open(":memory:", durability="fast" + s)),
        ]
        before = self._state(hid)
        for label, call in cases:
            for kind, bad in (("lone high", "\ud800"), ("lone low", "\udc00"), ("reversed pair", "\udc00\ud800")):
                with self.subTest(case=label, surrogate=kind):
                    with self.assertRaises(sl.InvalidArgument) as cm:
                        call(bad)
                    self.assertEqual(cm.exception.code, -1)
                    self.assertEqual(self._state(hid), before)
        self.assertEqual(os.listdir(tmp), [])
        # the key with U+FFFD is a key of its own
        e = db.post(7, account=1, amount=1, kind="grant", key="k\ufffd", now=NOW)
        self.assertEqual((e.replayed, e.key), (False, "k\ufffd"))

    def test_errors_leave_the_handle_usable(self):
        with self.assertRaises(sl.NotFound):
            self.db.tenant(99)
        self.assertEqual(self.db.tenant(7).id, 7)
        with self.assertRaises(sl.TimeZoneError):
            self.db.set_tenant(7, tz="No/Where", now=NOW)
        self.assertEqual(self.db.tenant(7).tz, "UTC")


# Run in a child interpreter by ExitTests: a daemon thread is inside a call
# (a summary callable, sleeping) on a Database that is still open when the
# main thread ends. sl_close is wrapped to report whether another thread
# held the Database's lock (was in a call) when the handle was closed.
EXIT_CHILD = r"""
import os, sys, threading, time
from datetime import datetime, timezone
import slotledger as sl
from slotledger import _lib

UTC = timezone.utc
NOW = datetime(2030, 1, 6, tzinfo=UTC)
held = []

def say(line):   # one write: the two threads' lines never interleave
    os.write(1, (line + "\n").encode())

real_close = _lib.lib.sl_close

def close(h):
    free = held[0].acquire(blocking=False)
    if free:
        held[0].release()
    say("close: " + ("no call running" if free else "DURING A CALL"))
    return real_close(h)

_lib.lib.sl_close = close
db = sl.open(sys.argv[1])
held.append(db._lock)
db.set_tenant(1, now=NOW)
db.add_rule(1, weekday=1, start="00:00", end="24:00", now=NOW)
sid = db.book(1, student=6, start=datetime(2030, 1, 7, 10, tzinfo=UTC), duration=3600, now=NOW).id
inside = threading.Event()

def summary(session):
    inside.set()
    time.sleep(0.5)
    return "lesson"

def work():
    while True:
        try:
            text = db.session_ics(1, sid, domain="x.example", summary=summary)
        except sl.Misuse:
            return
        say("thread: call returned " + ("whole" if "SUMMARY:lesson" in text else "BROKEN"))

threading.Thread(target=work, daemon=True).start()
inside.wait()
say("main: exits")
"""


class ExitTests(unittest.TestCase):
    def test_the_close_at_exit_waits_for_a_call_another_thread_is_making(self):
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([sys.executable, "-c", EXIT_CHILD, os.path.join(tmp, "exit.db")],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines.count("close: no call running"), 1, r.stdout + r.stderr)
        self.assertNotIn("close: DURING A CALL", lines)
        # The call that was running when the main thread ended finished
        # before the handle was closed, with its whole result (if the thread
        # got to say so before the interpreter stopped it).
        self.assertNotIn("thread: call returned BROKEN", lines)
        self.assertLess(lines.index("main: exits"), lines.index("close: no call running"))


if __name__ == "__main__":
    unittest.main()
