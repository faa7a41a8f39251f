"""Tenants, availability, slots, bookings and soft deletes, run against
sl.open_memory(), sl.open(":memory:") and a SQLite file."""

import unittest
from datetime import date, datetime, time, timedelta, timezone

import slotledger as sl

UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)      # Thursday
HOUR = timedelta(hours=1)
T = 7

from backends import Backend as StoreBackend, register


def utc(*a):
    return datetime(*a, tzinfo=UTC)


def mon(hour, minute=0, weeks=0):
    """Monday 2026-11-30 (+weeks) at hour:minute UTC (Berlin is UTC+1 then)."""
    return utc(2026, 11, 30) + timedelta(weeks=weeks, hours=hour, minutes=minute)


class Backend(StoreBackend):
    """The shared store base (backends.py) with this module's helpers."""

    def teacher(self, tid=T, **kw):
        settings = dict(tz="Europe/Berlin", buffer_after=600, min_notice=3600, step=1800)
        settings.update(kw)
        self.db.set_tenant(tid, now=NOW, **settings)
        for wd in range(1, 6):
            self.db.add_rule(tid, weekday=wd, start="09:00", end="17:00", now=NOW)

    def starts(self, start, end, duration=HOUR, now=NOW, tid=T):
        return [s for s, _ in self.db.slots(tid, start, end, duration=duration, now=now)]


class TenantTests(Backend):
    def test_create_update_get(self):
        t = self.db.set_tenant(T, tz="Europe/Berlin", buffer_after=600, min_notice=3600, step=1800, now=NOW)
        self.assertIsInstance(t, sl.Tenant)
        self.assertEqual((t.id, t.tz, t.buffer_after, t.min_notice, t.step),
                         (T, "Europe/Berlin", timedelta(minutes=10), HOUR, timedelta(minutes=30)))
        self.assertEqual(t.buffer_before, timedelta(0))
        # Partial update keeps the other settings; timedeltas and ints both work.
        later = NOW + HOUR
        u = self.db.set_tenant(T, buffer_before=timedelta(minutes=5), late_cancel=timedelta(days=1),
                               max_advance_days=60, now=later)
        self.assertEqual(u.tz, "Europe/Berlin")
        self.assertEqual(u.buffer_after, timedelta(minutes=10))
        self.assertEqual(u.buffer_before, timedelta(minutes=5))
        self.assertEqual(u.late_cancel, timedelta(days=1))
        self.assertEqual(u.max_advance_days, 60)
        self.assertEqual(u.created_at, NOW)
        self.assertEqual(u.updated_at, later)
        self.assertEqual(self.db.tenant(T), u)

    def test_defaults(self):
        t = self.db.set_tenant(8, now=NOW)
        self.assertEqual(t.tz, "UTC")
        self.assertEqual((t.step, t.max_advance_days), (timedelta(0), 0))

    def test_errors(self):
        with self.assertRaises(sl.NotFound):
            self.db.tenant(99)
        with self.assertRaises(sl.TimeZoneError):
            self.db.set_tenant(T, tz="Europe/Nowhere", now=NOW)
        with self.assertRaises(sl.TimeZoneError):
            self.db.set_tenant(T, tz="../../etc/passwd", now=NOW)
        with self.assertRaises(sl.TimeZoneError):
            self.db.set_tenant(T, tz="X" * 65, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_tenant(0, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_tenant(T, buffer_before=-1, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_tenant(T, step=30, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_tenant(T, min_notice=timedelta(days=400), now=NOW)
        with self.assertRaises(sl.NotFound):   # nothing was written by the failures
            self.db.tenant(T)
        with self.assertRaises(TypeError):
            self.db.set_tenant("7", now=NOW)
        with self.assertRaises(TypeError):
            self.db.set_tenant(T, buffer_after=1.5, now=NOW)
        with self.assertRaises(TypeError):
            self.db.set_tenant(T, tz=b"UTC", now=NOW)


class RuleTests(Backend):
    def test_rules(self):
        self.db.set_tenant(T, tz="Europe/Berlin", now=NOW)
        a = self.db.add_rule(T, weekday=2, start="13:00", end="24:00", now=NOW)
        b = self.db.add_rule(T, weekday=1, start=time(9, 30), end="12:00",
                             valid_from=date(2026, 12, 1), valid_until=date(2027, 6, 30), now=NOW)
        c = self.db.add_rule(T, weekday=1, now=NOW)
        self.assertTrue(a > 0 and b > 0 and c > 0)
        r = self.db.rule(T, b)
        self.assertIsInstance(r, sl.Rule)
        self.assertEqual((r.id, r.tenant, r.weekday, r.start, r.end), (b, T, 1, "09:30", "12:00"))
        self.assertEqual((r.valid_from, r.valid_until), (date(2026, 12, 1), date(2027, 6, 30)))
        self.assertIsNone(r.deleted_at)
        self.assertEqual(r.created_at, NOW)
        ra = self.db.rule(T, a)
        self.assertEqual((ra.end, ra.valid_from, ra.valid_until), ("24:00", None, None))
        self.assertEqual([x.id for x in self.db.rules(T)], [c, b, a])   # (weekday, start, id)

        self.db.update_rule(T, c, weekday=3, start="08:00", end="10:00", now=NOW + HOUR)
        rc = self.db.rule(T, c)
        self.assertEqual((rc.weekday, rc.start, rc.end, rc.updated_at), (3, "08:00", "10:00", NOW + HOUR))

        self.db.soft_delete(T, "rule", a, now=NOW + HOUR)
        with self.assertRaises(sl.NotFound):
            self.db.rule(T, a)
        self.assertEqual(self.db.rule(T, a, include_deleted=True).deleted_at, NOW + HOUR)
        self.assertEqual(len(self.db.rules(T)), 2)
        self.assertEqual(len(self.db.rules(T, include_deleted=True)), 3)
        with self.assertRaises(sl.NotFound):
            self.db.update_rule(T, a, weekday=1, start="09:00", end="10:00", now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.soft_delete(T, "rule", a, now=NOW + HOUR)
        self.db.restore(T, "rule", a, now=NOW + HOUR)
        self.assertIsNone(self.db.rule(T, a).deleted_at)
        with self.assertRaises(sl.StateError):
            self.db.restore(T, "rule", a, now=NOW + HOUR)

    def test_rule_errors(self):
        with self.assertRaises(sl.NotFound):
            self.db.add_rule(T, weekday=1, now=NOW)            # no tenant
        self.db.set_tenant(T, now=NOW)
        for kw in (dict(weekday=0), dict(weekday=8), dict(weekday=1, start="10:00", end="09:00"),
                   dict(weekday=1, start="10:00", end="10:00"),
                   dict(weekday=1, valid_from=date(2027, 1, 1), valid_until=date(2026, 1, 1))):
            with self.subTest(**{k: str(v) for k, v in kw.items()}):
                with self.assertRaises(sl.InvalidArgument):
                    self.db.add_rule(T, now=NOW, **kw)
        for bad in ("9:00", "09:60", "25:00", "24:01", "0900", "ab:cd", "09:00:00", "\u0660\u0669:00"):
            with self.subTest(start=bad):
                with self.assertRaises(sl.InvalidArgument):
                    self.db.add_rule(T, weekday=1, start=bad, now=NOW)
        with self.assertRaises(TypeError):
            self.db.add_rule(T, weekday=1, start=540, now=NOW)
        with self.assertRaises(TypeError):
            self.db.add_rule(T, weekday="Mon", now=NOW)
        with self.assertRaises(TypeError):
            self.db.add_rule(T, weekday=1, valid_from=datetime(2026, 1, 1, tzinfo=UTC), now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.rule(T, 999)
        with self.assertRaises(sl.NotFound):
            self.db.rule(8, 1)
        self.assertEqual(self.db.rules(T), [])

    def test_too_many_rules_on_a_weekday(self):
        self.db.set_tenant(T, now=NOW)
        for i in range(48):
            self.db.add_rule(T, weekday=4, start="%02d:%02d" % divmod(i * 30, 60),
                             end="%02d:%02d" % divmod(i * 30 + 20, 60), now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.add_rule(T, weekday=4, start="23:50", end="24:00", now=NOW)


class OverrideTests(Backend):
    def test_overrides(self):
        self.teacher()
        off = self.db.set_override(T, date(2026, 12, 24), [], now=NOW)
        short = self.db.set_override(T, date(2026, 12, 5), [("13:00", "14:00"), ("10:00", "12:00")], now=NOW)
        o = self.db.override(T, date(2026, 12, 5))
        self.assertIsInstance(o, sl.Override)
        self.assertEqual((o.id, o.tenant, o.date), (short, T, date(2026, 12, 5)))
        self.assertEqual(o.windows, (("10:00", "12:00"), ("13:00", "14:00")))
        self.assertEqual(self.db.override(T, date(2026, 12, 24)).windows, ())
        self.assertEqual([x.id for x in self.db.overrides(T, date(2026, 12, 1), date(2026, 12, 31))], [short, off])
        self.assertEqual(self.db.overrides(T, date(2026, 12, 6), date(2026, 12, 23)), [])
        # Setting a date again replaces its windows (same override).
        again = self.db.set_override(T, date(2026, 12, 5), [(time(10), time(11))], now=NOW)
        self.assertEqual(again, short)
        self.assertEqual(self.db.override(T, date(2026, 12, 5)).windows, (("10:00", "11:00"),))
        # Soft delete and restore by id.
        self.db.soft_delete(T, "override", off, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.override(T, date(2026, 12, 24))
        self.assertIsNotNone(self.db.override(T, date(2026, 12, 24), include_deleted=True).deleted_at)
        self.assertEqual(len(self.db.overrides(T, date(2026, 12, 1), date(2026, 12, 31))), 1)
        self.assertEqual(len(self.db.overrides(T, date(2026, 12, 1), date(2026, 12, 31), include_deleted=True)), 2)
        self.db.restore(T, "override", off, now=NOW)
        self.assertEqual(self.db.override(T, date(2026, 12, 24)).windows, ())

    def test_override_errors(self):
        self.db.set_tenant(T, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.override(T, date(2026, 12, 24))
        with self.assertRaises(sl.NotFound):
            self.db.set_override(9, date(2026, 12, 24), [], now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_override(T, date(2026, 12, 24), [("12:00", "11:00")], now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_override(T, date(2026, 12, 24), [("00:00", "00:10")] * 49, now=NOW)
        with self.assertRaises(TypeError):
            self.db.set_override(T, date(2026, 12, 24), "10:00-12:00", now=NOW)
        with self.assertRaises(TypeError):
            self.db.set_override(T, date(2026, 12, 24), [("10:00",)], now=NOW)
        with self.assertRaises(TypeError):
            self.db.set_override(T, "2026-12-24", [], now=NOW)
        with self.assertRaises(TypeError):
            self.db.set_override(T, NOW, [], now=NOW)


class SlotTests(Backend):
    def test_slots(self):
        self.teacher()
        out = self.db.slots(T, mon(0), mon(24), duration=HOUR, now=NOW)
        self.assertIsInstance(out, list)
        self.assertFalse(out.clamped)
        self.assertEqual(len(out), 15)
        self.assertEqual(out[0], (mon(8), mon(9)))
        self.assertEqual(out[-1], (mon(15), mon(16)))
        for s, e in out:
            self.assertIs(s.tzinfo, UTC)
            self.assertEqual(e - s, HOUR)

    def test_day_off_and_override_windows(self):
        self.teacher()
        self.db.set_override(T, date(2026, 11, 30), [], now=NOW)
        self.assertEqual(self.starts(mon(0), mon(24)), [])
        self.db.set_override(T, date(2026, 12, 5), [("10:00", "12:00")], now=NOW)   # a Saturday
        sat = utc(2026, 12, 5)
        self.assertEqual(self.starts(sat, sat + timedelta(days=1)),
                         [utc(2026, 12, 5, 9), utc(2026, 12, 5, 9, 30), utc(2026, 12, 5, 10)])

    def test_notice_horizon_and_clamp(self):
        self.teacher(max_advance_days=7)
        thu = utc(2026, 11, 26)
        # Thursday 26: notice until 13:00Z, availability 08:00Z-16:00Z.
        self.assertEqual(self.starts(thu, thu + timedelta(days=1))[0], utc(2026, 11, 26, 13))
        week = self.starts(thu, thu + timedelta(days=14))
        self.assertTrue(all(s < NOW + timedelta(days=7) for s in week))
        out = self.db.slots(T, thu, thu + timedelta(days=20), duration=HOUR, now=NOW)
        self.assertTrue(out.clamped)

    def test_dst(self):
        self.teacher()
        early = utc(2026, 10, 15)
        fri = utc(2026, 10, 23)    # CEST: 09:00 local = 07:00Z
        nxt = utc(2026, 10, 26)    # CET:  09:00 local = 08:00Z
        self.assertEqual(self.starts(fri, fri + timedelta(days=1), now=early)[0], utc(2026, 10, 23, 7))
        self.assertEqual(self.starts(nxt, nxt + timedelta(days=1), now=early)[0], utc(2026, 10, 26, 8))

    def test_slot_errors(self):
        with self.assertRaises(sl.NotFound):
            self.db.slots(T, mon(0), mon(24), duration=HOUR, now=NOW)
        self.teacher()
        with self.assertRaises(sl.InvalidArgument):
            self.db.slots(T, mon(0), mon(24), duration=timedelta(seconds=59), now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.slots(T, mon(0), mon(24), duration=timedelta(days=2), now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.slots(T, mon(24), mon(0), duration=HOUR, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.slots(T, mon(0), mon(24), duration=timedelta(seconds=90.5), now=NOW)
        with self.assertRaises(sl.InvalidArgument) as cm:
            self.db.slots(T, datetime(2026, 11, 30), mon(24), duration=HOUR, now=NOW)
        self.assertIn("naive datetime", str(cm.exception))
        with self.assertRaises(TypeError):
            self.db.slots(T, "2026-11-30", mon(24), duration=HOUR, now=NOW)
        with self.assertRaises(TypeError):
            self.db.slots(T, mon(0), mon(24), duration=60.0, now=NOW)
        with self.assertRaises(TypeError):
            self.db.slots(T, mon(0), mon(24), duration=HOUR, now=1764158400)

    def test_default_now_is_the_clock(self):
        self.teacher(tz="UTC")
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        out = self.db.slots(T, today + timedelta(days=7), today + timedelta(days=14), duration=HOUR)
        self.assertEqual(len(out), 5 * 15)


class BookingTests(Backend):
    def test_book_exactly_the_slots(self):
        # The invariant: book succeeds exactly for the listed starts.
        self.teacher()
        listed = set(self.starts(mon(0), mon(24)))
        t = mon(6)
        while t < mon(17):
            if t in listed:
                s = self.db.book(T, student=1, start=t, duration=HOUR, now=NOW)
                self.db.cancel(T, s.id, now=NOW)
            else:
                with self.assertRaises((sl.Unavailable, sl.Conflict)):
                    self.db.book(T, student=1, start=t, duration=HOUR, now=NOW)
            t += timedelta(minutes=15)

    def test_book_and_conflict(self):
        self.teacher()
        s = self.db.book(T, student=42, start=mon(8), duration=HOUR, now=NOW)
        self.assertIsInstance(s, sl.Session)
        self.assertEqual((s.tenant, s.student, s.start, s.end, s.status, s.kind, s.credits),
                         (T, 42, mon(8), mon(9), "pending", "regular", 0))
        self.assertEqual((s.hold_id, s.series_id, s.key, s.replayed, s.deleted_at), (None, None, None, False, None))
        self.assertEqual(s.duration, HOUR)
        self.assertEqual(s.created_at, NOW)
        # The buffer after (10 min) blocks 08:30 and 09:00.
        self.assertEqual(self.starts(mon(0), mon(24))[0], mon(9, 30))
        with self.assertRaises(sl.Conflict) as cm:
            self.db.book(T, student=43, start=mon(8, 30), duration=HOUR, now=NOW)
        self.assertEqual(cm.exception.code, -4)
        self.assertTrue(cm.exception.message)
        with self.assertRaises(sl.Unavailable):
            self.db.book(T, student=43, start=mon(8, 15), duration=HOUR, now=NOW)   # off the grid
        with self.assertRaises(sl.Unavailable):
            self.db.book(T, student=43, start=mon(18), duration=HOUR, now=NOW)      # outside hours
        with self.assertRaises(sl.Unavailable):
            self.db.book(T, student=43, start=utc(2026, 11, 26, 12, 30), duration=HOUR, now=NOW)  # notice
        with self.assertRaises(sl.NotFound):
            self.db.book(99, student=43, start=mon(10), duration=HOUR, now=NOW)

    def test_idempotent_booking(self):
        self.teacher()
        a = self.db.book(T, student=42, start=mon(10), duration=HOUR, key="req-1", now=NOW)
        b = self.db.book(T, student=42, start=mon(10), duration=HOUR, key="req-1", now=NOW + HOUR)
        self.assertEqual((a.key, a.replayed, b.replayed), ("req-1", False, True))
        self.assertEqual((a.id, a.start, a.created_at), (b.id, b.start, b.created_at))
        with self.assertRaises(sl.IdempotencyMismatch) as cm:
            self.db.book(T, student=42, start=mon(11), duration=HOUR, key="req-1", now=NOW)
        self.assertEqual(cm.exception.code, -8)
        self.assertEqual(len(self.db.sessions(T, mon(0), mon(24))), 1)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book(T, student=42, start=mon(12), duration=HOUR, key="k" * 129, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book(T, student=42, start=mon(12), duration=HOUR, key="", now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book(T, student=42, start=mon(12), duration=HOUR, key="bad\udc80", now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book(T, student=42, start=mon(12), duration=HOUR, key="a\0b", now=NOW)
        with self.assertRaises(TypeError):
            self.db.book(T, student=42, start=mon(12), duration=HOUR, key=b"req-2", now=NOW)
        u = self.db.book(T, student=42, start=mon(12), duration=HOUR, key="ключ-🔑", now=NOW)
        self.assertEqual(self.db.session(T, u.id).key, "ключ-🔑")

    def test_book_many(self):
        self.teacher()
        out = self.db.book_many(T, [dict(student=1, start=mon(8), duration=HOUR),
                                    (2, mon(10), HOUR), (3, mon(12), timedelta(minutes=30), 0)],
                                key="batch-1", now=NOW)
        self.assertEqual([s.student for s in out], [1, 2, 3])
        self.assertEqual(out[2].end, mon(12, 30))
        with self.assertRaises(sl.Conflict) as cm:
            self.db.book_many(T, [(4, mon(14), HOUR), (5, mon(14, 30), HOUR)], now=NOW)
        self.assertEqual(cm.exception.index, 1)
        with self.assertRaises(sl.Conflict) as cm:
            self.db.book_many(T, [(4, mon(14), HOUR), (5, mon(10), HOUR)], now=NOW)
        self.assertEqual(cm.exception.index, 1)
        self.assertEqual(len(self.db.sessions(T, mon(0), mon(24))), 3)   # all or nothing
        with self.assertRaises(sl.InvalidArgument):
            self.db.book_many(T, [], now=NOW)
        with self.assertRaises(TypeError):
            self.db.book_many(T, [dict(student=1, start=mon(14))], now=NOW)
        with self.assertRaises(TypeError):
            self.db.book_many(T, [dict(student=1, start=mon(14), duration=HOUR, colour="red")], now=NOW)
        with self.assertRaises(TypeError):
            self.db.book_many(T, [(1, mon(14))], now=NOW)
        with self.assertRaises(TypeError):
            self.db.book_many(T, dict(student=1, start=mon(14), duration=HOUR), now=NOW)

    def test_trial(self):
        self.teacher()
        a = self.db.book_trial(T, student=5, start=mon(8), duration=timedelta(minutes=30), now=NOW)
        self.assertEqual((a.kind, a.credits, a.status), ("trial", 0, "pending"))
        with self.assertRaises(sl.StateError):
            self.db.book_trial(T, student=5, start=mon(12), duration=timedelta(minutes=30), now=NOW)
        self.db.cancel(T, a.id, now=NOW)
        b = self.db.book_trial(T, student=5, start=mon(12), duration=timedelta(minutes=30), key="trial-5", now=NOW)
        self.assertEqual(b.kind, "trial")
        self.db.book_trial(T, student=6, start=mon(14), duration=timedelta(minutes=30), now=NOW)

    def test_manual(self):
        self.teacher()
        a = self.db.book(T, student=1, start=mon(8), duration=HOUR, now=NOW)
        m = self.db.schedule_manual(T, student=2, start=mon(8, 20), duration=timedelta(minutes=45), now=NOW)
        self.assertEqual((m.kind, m.status), ("manual", "confirmed"))
        n = self.db.schedule_manual(T, student=2, start=utc(2026, 11, 29, 3, 7), duration=HOUR, key="m-1", now=NOW)
        self.assertEqual(n.start, utc(2026, 11, 29, 3, 7))
        self.assertEqual(len(self.db.sessions(T, mon(0), mon(24))), 2)
        self.assertNotEqual(a.id, m.id)

    def test_reschedule(self):
        self.teacher()
        s = self.db.book(T, student=1, start=mon(8), duration=HOUR, now=NOW)
        o = self.db.book(T, student=2, start=mon(12), duration=HOUR, now=NOW)
        r = self.db.reschedule(T, s.id, mon(8, 30), now=NOW)     # may overlap itself
        self.assertEqual((r.id, r.start, r.end), (s.id, mon(8, 30), mon(9, 30)))
        with self.assertRaises(sl.Conflict):
            self.db.reschedule(T, s.id, mon(11, 30), now=NOW)
        with self.assertRaises(sl.Unavailable):
            self.db.reschedule(T, s.id, mon(19), now=NOW)
        self.assertEqual(self.db.session(T, s.id).start, mon(8, 30))
        self.db.cancel(T, o.id, now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.reschedule(T, o.id, mon(14), now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.reschedule(T, 9999, mon(14), now=NOW)

    def test_lifecycle(self):
        self.teacher()
        a = self.db.book(T, student=1, start=mon(8), duration=HOUR, now=NOW)
        b = self.db.book(T, student=1, start=mon(10), duration=HOUR, now=NOW)
        c = self.db.book(T, student=1, start=mon(12), duration=HOUR, now=NOW)
        self.assertEqual(self.db.confirm(T, a.id, now=NOW).status, "confirmed")
        with self.assertRaises(sl.StateError):
            self.db.confirm(T, a.id, now=NOW)
        self.assertEqual(self.db.complete(T, a.id, now=mon(9)).status, "completed")
        with self.assertRaises(sl.StateError):
            self.db.mark_no_show(T, a.id, now=mon(9))
        self.assertEqual(self.db.mark_no_show(T, b.id, now=mon(11)).status, "no_show")
        x = self.db.cancel(T, c.id, now=NOW)
        self.assertEqual((x.status, x.updated_at), ("cancelled", NOW))
        with self.assertRaises(sl.StateError):
            self.db.cancel(T, c.id, now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.complete(T, c.id, now=NOW)
        # Completed and no-show sessions still block time; cancelled do not.
        starts = self.starts(mon(0), mon(24))
        self.assertNotIn(mon(8), starts)
        self.assertNotIn(mon(10), starts)
        self.assertIn(mon(12), starts)
        for f in (self.db.confirm, self.db.cancel, self.db.complete, self.db.mark_no_show):
            with self.assertRaises(sl.NotFound):
                f(T, 9999, now=NOW)

    def test_recurring(self):
        self.teacher()
        sessions, skipped = self.db.book_recurring(T, student=3, start=mon(9), duration=HOUR, count=4,
                                                   key="series-1", now=NOW)
        self.assertEqual(skipped, [])
        self.assertEqual([s.start for s in sessions], [mon(9, weeks=i) for i in range(4)])
        self.assertEqual({s.series_id for s in sessions}, {sessions[0].id})
        again, _ = self.db.book_recurring(T, student=3, start=mon(9), duration=HOUR, count=4,
                                          key="series-1", now=NOW)
        self.assertEqual([s.id for s in again], [s.id for s in sessions])

    def test_recurring_conflicts(self):
        self.teacher()
        self.db.book(T, student=1, start=mon(13, weeks=1), duration=HOUR, now=NOW)
        with self.assertRaises(sl.Conflict):
            self.db.book_recurring(T, student=3, start=mon(13), duration=HOUR, count=3, now=NOW)
        self.assertEqual(len(self.db.sessions_by_student(T, 3)), 0)
        sessions, skipped = self.db.book_recurring(T, student=3, start=mon(13), duration=HOUR, count=3,
                                                   skip_conflicts=True, now=NOW)
        self.assertEqual([s.start for s in sessions], [mon(13), mon(13, weeks=2)])
        self.assertEqual(skipped, [mon(13, weeks=1)])
        with self.assertRaises(sl.InvalidArgument):
            self.db.book_recurring(T, student=3, start=mon(15), duration=HOUR, count=0, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book_recurring(T, student=3, start=mon(15), duration=HOUR, count=53, now=NOW)
        with self.assertRaises(TypeError):
            self.db.book_recurring(T, student=3, start=mon(15), duration=HOUR, count=2,
                                   skip_conflicts=1, now=NOW)

    def test_recurring_across_dst(self):
        self.teacher()
        early = utc(2026, 10, 12)
        first = utc(2026, 10, 19, 8)          # 10:00 CEST
        sessions, _ = self.db.book_recurring(T, student=3, start=first, duration=HOUR, count=2, now=early)
        self.assertEqual([s.start for s in sessions], [first, utc(2026, 10, 26, 9)])   # 10:00 CET

    def test_queries(self):
        self.teacher()
        a = self.db.book(T, student=1, start=mon(8), duration=HOUR, now=NOW)
        b = self.db.book(T, student=2, start=mon(10), duration=HOUR, now=NOW)
        c = self.db.book(T, student=1, start=mon(12, weeks=1), duration=HOUR, now=NOW)
        self.assertEqual(self.db.session(T, a.id), a)
        self.assertEqual([s.id for s in self.db.sessions(T, mon(0), mon(24))], [a.id, b.id])
        self.assertEqual([s.id for s in self.db.sessions(T, mon(8, 59), mon(10, 0))], [a.id])
        self.assertEqual([s.id for s in self.db.sessions_by_student(T, 1)], [a.id, c.id])
        self.assertEqual(self.db.sessions_by_student(T, 77), [])
        with self.assertRaises(sl.RangeError):
            self.db.sessions(T, mon(0), mon(0) + timedelta(days=400))
        with self.assertRaises(sl.NotFound):
            self.db.session(T, 9999)

    def test_tenant_isolation(self):
        self.teacher(T)
        self.teacher(8)
        s = self.db.book(T, student=1, start=mon(8), duration=HOUR, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.session(8, s.id)
        with self.assertRaises(sl.NotFound):
            self.db.cancel(8, s.id, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.soft_delete(8, "session", s.id, now=NOW)
        self.assertEqual(self.db.sessions(8, mon(0), mon(24)), [])
        self.db.book(8, student=1, start=mon(8), duration=HOUR, now=NOW)   # other teacher is free

    def test_soft_delete_restore_purge(self):
        self.teacher()
        a = self.db.book(T, student=1, start=mon(8), duration=HOUR, now=NOW)
        self.db.soft_delete(T, "session", a.id, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.session(T, a.id)
        d = self.db.session(T, a.id, include_deleted=True)
        self.assertEqual(d.deleted_at, NOW)
        self.assertEqual(self.db.sessions(T, mon(0), mon(24)), [])
        self.assertEqual(len(self.db.sessions(T, mon(0), mon(24), include_deleted=True)), 1)
        self.assertEqual(len(self.db.sessions_by_student(T, 1, include_deleted=True)), 1)
        self.assertIn(mon(8), self.starts(mon(0), mon(24)))          # no longer blocks
        with self.assertRaises(sl.StateError):
            self.db.soft_delete(T, "session", a.id, now=NOW)
        b = self.db.book(T, student=2, start=mon(8), duration=HOUR, now=NOW)
        with self.assertRaises(sl.Conflict):
            self.db.restore(T, "session", a.id, now=NOW)
        self.assertIsNotNone(self.db.session(T, a.id, include_deleted=True).deleted_at)
        self.db.soft_delete(T, "session", b.id, now=NOW + HOUR)
        self.db.restore(T, "session", a.id, now=NOW + HOUR)
        self.assertIsNone(self.db.session(T, a.id).deleted_at)
        with self.assertRaises(sl.StateError):
            self.db.restore(T, "session", a.id, now=NOW)
        # Purge: only rows deleted before the cutoff, then they are gone.
        self.assertEqual(self.db.purge("session", NOW + HOUR), 0)
        self.assertEqual(self.db.purge("session", NOW + 2 * HOUR), 1)
        with self.assertRaises(sl.NotFound):
            self.db.session(T, b.id, include_deleted=True)
        self.assertEqual(self.db.purge("rule", NOW + 2 * HOUR), 0)
        self.assertEqual(self.db.purge("override", NOW + 2 * HOUR), 0)
        with self.assertRaises(sl.InvalidArgument):
            self.db.purge("account", NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.soft_delete(T, "teacher", a.id, now=NOW)
        with self.assertRaises(TypeError):
            self.db.soft_delete(T, 3, a.id, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.soft_delete(T, "session", 9999, now=NOW)

    def test_purge_rules(self):
        self.teacher()
        rid = self.db.rules(T)[0].id
        self.db.soft_delete(T, "rule", rid, now=NOW)
        self.assertEqual(self.db.purge("rule", NOW + HOUR), 1)
        with self.assertRaises(sl.NotFound):
            self.db.rule(T, rid, include_deleted=True)

    def test_book_with_credits(self):
        self.teacher(late_cancel=86400)
        with self.assertRaises(sl.InsufficientCredits):
            self.db.book(T, student=42, start=mon(8), duration=HOUR, credits=1, now=NOW)
        self.db.post(T, account=42, amount=3, key="buy-1", now=NOW)
        a = self.db.book(T, student=42, start=mon(8), duration=HOUR, credits=1, now=NOW)
        b = self.db.book(T, student=42, start=mon(10), duration=HOUR, credits=1, now=NOW)
        c = self.db.book(T, student=42, start=mon(12), duration=HOUR, credits=1, now=NOW)
        self.assertTrue(a.hold_id > 0)
        self.assertEqual(self.db.hold_get(T, a.hold_id).status, "active")
        self.assertEqual(self.db.balance(T, 42, now=NOW), sl.Balance(3, 3, 0, 0))
        with self.assertRaises(sl.InsufficientCredits):
            self.db.book(T, student=42, start=mon(14), duration=HOUR, credits=1, now=NOW)
        # Early cancel voids the hold; reschedule keeps it; complete captures it.
        self.db.cancel(T, b.id, now=NOW)
        self.assertEqual(self.db.hold_get(T, b.hold_id).status, "released")
        moved = self.db.reschedule(T, a.id, mon(14), now=NOW)
        self.assertEqual(moved.hold_id, a.hold_id)
        self.db.complete(T, a.id, now=mon(15))
        self.assertEqual(self.db.hold_get(T, a.hold_id).status, "captured")
        # A cancel inside late_cancel (24 h) captures the credit instead.
        self.db.cancel(T, c.id, now=mon(11))
        self.assertEqual(self.db.hold_get(T, c.hold_id).status, "captured")
        self.assertEqual(self.db.balance(T, 42, now=mon(16)), sl.Balance(1, 0, 1, 0))
        self.db.verify(T)


for _base in (TenantTests, RuleTests, OverrideTests, SlotTests, BookingTests):
    register(globals(), _base)
del _base

if __name__ == "__main__":
    unittest.main()
