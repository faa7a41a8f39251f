"""Handle-less functions: time zones, ISO text, the pure slot engine and
webhook signatures."""

import hashlib
import hmac
import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl

UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def utc(*a):
    return datetime(*a, tzinfo=UTC)


class TimeZoneTests(unittest.TestCase):
    def test_utc_offset(self):
        self.assertEqual(sl.utc_offset("Europe/Berlin", utc(2026, 1, 15)), timedelta(hours=1))
        self.assertEqual(sl.utc_offset("Europe/Berlin", utc(2026, 7, 1)), timedelta(hours=2))
        self.assertEqual(sl.utc_offset("Asia/Kolkata", utc(2026, 7, 1)), timedelta(hours=5, minutes=30))
        self.assertEqual(sl.utc_offset("America/New_York", utc(2026, 1, 15)), timedelta(hours=-5))
        self.assertEqual(sl.utc_offset("UTC", NOW), timedelta(0))
        # Past the transition table: the POSIX footer rules.
        self.assertEqual(sl.utc_offset("Europe/Berlin", utc(2090, 7, 1)), timedelta(hours=2))

    def test_utc_offset_at_the_transition(self):
        # 2026-03-29 01:00Z Berlin springs forward.
        self.assertEqual(sl.utc_offset("Europe/Berlin", utc(2026, 3, 29, 0, 59, 59)), timedelta(hours=1))
        self.assertEqual(sl.utc_offset("Europe/Berlin", utc(2026, 3, 29, 1, 0)), timedelta(hours=2))

    def test_aware_non_utc_input(self):
        plus5 = timezone(timedelta(hours=5))
        when = datetime(2026, 7, 1, 5, 0, tzinfo=plus5)   # 00:00Z
        self.assertEqual(sl.utc_to_local("Europe/Berlin", when), datetime(2026, 7, 1, 2, 0))

    def test_local_to_utc_unique_gap_fold(self):
        self.assertEqual(sl.local_to_utc("Europe/Berlin", datetime(2026, 7, 1, 9, 0)),
                         (utc(2026, 7, 1, 7, 0), "unique"))
        # 02:30 does not exist on 2026-03-29: moved forward by the gap.
        self.assertEqual(sl.local_to_utc("Europe/Berlin", datetime(2026, 3, 29, 2, 30)),
                         (utc(2026, 3, 29, 1, 30), "gap"))
        # 02:30 happens twice on 2026-10-25: the earlier instant.
        self.assertEqual(sl.local_to_utc("Europe/Berlin", datetime(2026, 10, 25, 2, 30)),
                         (utc(2026, 10, 25, 0, 30), "fold"))
        self.assertEqual(sl.local_to_utc("America/New_York", datetime(2026, 11, 1, 1, 30)),
                         (utc(2026, 11, 1, 5, 30), "fold"))

    def test_utc_to_local(self):
        self.assertEqual(sl.utc_to_local("Europe/Berlin", utc(2026, 10, 25, 0, 30)), datetime(2026, 10, 25, 2, 30))
        self.assertEqual(sl.utc_to_local("Europe/Berlin", utc(2026, 10, 25, 1, 30)), datetime(2026, 10, 25, 2, 30))
        self.assertEqual(sl.utc_to_local("Australia/Lord_Howe", utc(2026, 1, 1)), datetime(2026, 1, 1, 11, 0))
        out = sl.utc_to_local("UTC", NOW)
        self.assertIsNone(out.tzinfo)

    def test_round_trip_over_a_year(self):
        t = utc(2026, 1, 1)
        while t < utc(2027, 1, 1):
            local = sl.utc_to_local("Europe/Berlin", t)
            back, kind = sl.local_to_utc("Europe/Berlin", local)
            if kind == "unique":
                self.assertEqual(back, t)
            t += timedelta(hours=7, minutes=13)

    def test_tz_check(self):
        sl.tz_check("Europe/Berlin")
        with self.assertRaises(sl.TimeZoneError):
            sl.tz_check("Mars/Olympus_Mons")

    def test_bad_zones(self):
        for zone in ("Nowhere/City", "../etc/passwd", "/etc/localtime", "Europe/../../etc/passwd",
                     "", "A" * 100, "Europe//Berlin", "Europe/Berlin "):
            with self.subTest(zone=zone):
                with self.assertRaises(sl.TimeZoneError) as cm:
                    sl.utc_offset(zone, NOW)
                self.assertEqual(cm.exception.code, -7)
                self.assertTrue(cm.exception.message)

    def test_bad_arguments(self):
        with self.assertRaises(sl.InvalidArgument) as cm:
            sl.utc_offset("Europe/Berlin", datetime(2026, 1, 1))
        self.assertIn("naive datetime: pass an aware datetime (e.g. tzinfo=timezone.utc)", str(cm.exception))
        with self.assertRaises(TypeError):
            sl.utc_offset(b"Europe/Berlin", NOW)
        with self.assertRaises(TypeError):
            sl.utc_offset(None, NOW)
        with self.assertRaises(TypeError):
            sl.utc_offset("Europe/Berlin", 1700000000)
        with self.assertRaises(sl.InvalidArgument):
            sl.utc_offset("Europe/Berlin\0evil", NOW)
        with self.assertRaises(sl.InvalidArgument):
            sl.local_to_utc("Europe/Berlin", NOW)       # aware: refused
        with self.assertRaises(TypeError):
            sl.local_to_utc("Europe/Berlin", "2026-01-01T09:00")
        with self.assertRaises(sl.InvalidArgument):
            sl.utc_to_local("Europe/Berlin", datetime(2026, 1, 1))

    def test_handle_tzdir(self):
        with sl.open_memory(tzdir="/nonexistent/zoneinfo") as db:
            with self.assertRaises(sl.TimeZoneError):
                db.utc_offset("Europe/Berlin", NOW)
            with self.assertRaises(sl.TimeZoneError):
                db.tz_check("Europe/Berlin")
        with sl.open_memory(tzdir="/usr/share/zoneinfo") as db:
            db.tz_check("Europe/Berlin")
            self.assertEqual(db.utc_offset("Europe/Berlin", utc(2026, 7, 1)), timedelta(hours=2))
            self.assertEqual(db.local_to_utc("Europe/Berlin", datetime(2026, 7, 1, 9)), (utc(2026, 7, 1, 7), "unique"))
            self.assertEqual(db.utc_to_local("Europe/Berlin", utc(2026, 7, 1, 7)), datetime(2026, 7, 1, 9))


class TextTests(unittest.TestCase):
    def test_format_and_parse(self):
        self.assertEqual(sl.format_time(NOW), "2026-11-26T12:00:00Z")
        self.assertEqual(sl.parse_time("2026-11-26T12:00:00Z"), NOW)
        self.assertEqual(sl.parse_time("2026-11-26T13:30:00+01:30"), NOW)
        for bad in ("2026-11-26 12:00:00Z", "2026-11-26T12:00:00", "2026-11-26t12:00:00z",
                    "2026-02-30T00:00:00Z", "", "2026-11-26T12:00:00.5Z"):
            with self.subTest(text=bad):
                with self.assertRaises(sl.InvalidArgument):
                    sl.parse_time(bad)
        with self.assertRaises(TypeError):
            sl.parse_time(None)


class EngineTests(unittest.TestCase):
    def test_step_grid(self):
        # DESIGN: 09:00-10:00, duration 20, step 25 gives 09:00 and 09:25.
        day = utc(2026, 1, 5)
        out = sl.engine_slots([(day + timedelta(hours=9), day + timedelta(hours=10))],
                              duration=timedelta(minutes=20), step=timedelta(minutes=25),
                              start=day, end=day + timedelta(days=1))
        self.assertEqual([s for s, _ in out], [day + timedelta(hours=9), day + timedelta(hours=9, minutes=25)])
        self.assertEqual(out[0][1] - out[0][0], timedelta(minutes=20))

    def test_buffers_and_busy(self):
        # DESIGN: UTC 09-17, 30 min, step 15, buffers 15/30, sessions 12:30-13:00
        # and 14:30-15:00: no slot starts in [13:00, 14:30).
        d = utc(2026, 1, 5)
        h = lambda hh, mm=0: d + timedelta(hours=hh, minutes=mm)  # noqa: E731
        out = sl.engine_slots([(h(9), h(17))], [(h(12, 30), h(13)), (h(14, 30), h(15))],
                              duration=1800, step=900, buffer_before=900, buffer_after=1800,
                              start=d, end=d + timedelta(days=1))
        starts = [s for s, _ in out]
        self.assertIn(h(9), starts)
        self.assertFalse([s for s in starts if h(13) <= s < h(14, 30)])
        self.assertEqual(starts, sorted(set(starts)))

    def test_earliest_horizon_and_many(self):
        d = utc(2026, 1, 5)
        avail = [(d + timedelta(days=i), d + timedelta(days=i, hours=23)) for i in range(14)]
        out = sl.engine_slots(avail, duration=60, start=d, end=d + timedelta(days=14))
        self.assertEqual(len(out), 14 * 23 * 60)     # more than the first buffer
        out = sl.engine_slots(avail, duration=3600, start=d, end=d + timedelta(days=14),
                              earliest=d + timedelta(days=1), horizon=d + timedelta(days=2))
        self.assertEqual(len(out), 23)

    def test_bad_input(self):
        d = utc(2026, 1, 5)
        with self.assertRaises(sl.InvalidArgument):   # unsorted
            sl.engine_slots([(d + timedelta(hours=10), d + timedelta(hours=11)),
                             (d + timedelta(hours=9), d + timedelta(hours=10))],
                            duration=600, start=d, end=d + timedelta(days=1))
        with self.assertRaises(sl.InvalidArgument):   # empty interval
            sl.engine_slots([(d, d)], duration=600, start=d, end=d + timedelta(days=1))
        with self.assertRaises(sl.InvalidArgument):
            sl.engine_slots([(d, d + timedelta(hours=1))], duration=0, start=d, end=d + timedelta(days=1))
        with self.assertRaises(TypeError):
            sl.engine_slots([d], duration=600, start=d, end=d)
        with self.assertRaises(TypeError):
            sl.engine_slots([], duration=1.5, start=d, end=d)
        with self.assertRaises(sl.InvalidArgument):
            sl.engine_slots([], duration=600, start=datetime(2026, 1, 1), end=d)


def sign(secret, payload, t):
    return hmac.new(secret, b"%d." % t + payload, hashlib.sha256).hexdigest()


class WebhookVerifyTests(unittest.TestCase):
    SECRET = b"whsec_test_secret"
    PAYLOAD = b'{"id":"evt_1","amount":10}'

    def setUp(self):
        self.t = int(NOW.timestamp())
        self.header = "t=%d,v1=%s" % (self.t, sign(self.SECRET, self.PAYLOAD, self.t))

    def test_valid(self):
        self.assertIsNone(sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD, now=NOW))
        self.assertIsNone(sl.webhook_verify(bytearray(self.SECRET), self.header,
                                            memoryview(self.PAYLOAD), now=NOW + timedelta(seconds=300)))

    def test_several_signatures_and_unknown_fields(self):
        h = "t=%d,v0=abc,v1=%s,v1=%s,x=y" % (self.t, "00" * 32, sign(self.SECRET, self.PAYLOAD, self.t))
        sl.webhook_verify(self.SECRET, h, self.PAYLOAD, now=NOW)

    def test_tampered(self):
        with self.assertRaises(sl.TamperError) as cm:
            sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD + b" ", now=NOW)
        self.assertEqual(cm.exception.code, -14)
        self.assertTrue(cm.exception.message)
        with self.assertRaises(sl.TamperError):
            sl.webhook_verify(b"another secret", self.header, self.PAYLOAD, now=NOW)

    def test_expired(self):
        with self.assertRaises(sl.Expired) as cm:
            sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD, now=NOW + timedelta(seconds=301))
        self.assertEqual(cm.exception.code, -11)
        sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD, now=NOW + timedelta(seconds=301),
                          tolerance=timedelta(minutes=10))
        with self.assertRaises(sl.Expired):
            sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD, now=NOW - timedelta(seconds=61), tolerance=60)

    def test_malformed(self):
        for h in ("", "garbage", "v1=%s" % ("00" * 32), "t=%d" % self.t, "t=abc,v1=00",
                  "t=1,t=2,v1=00"):
            with self.subTest(header=h):
                with self.assertRaises(sl.InvalidArgument):
                    sl.webhook_verify(self.SECRET, h, self.PAYLOAD, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            sl.webhook_verify(b"", self.header, self.PAYLOAD, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD, now=NOW, tolerance=-1)

    def test_types(self):
        with self.assertRaises(TypeError):
            sl.webhook_verify("secret", self.header, self.PAYLOAD, now=NOW)
        with self.assertRaises(TypeError):
            sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD.decode(), now=NOW)
        with self.assertRaises(TypeError):
            sl.webhook_verify(self.SECRET, self.header.encode(), self.PAYLOAD, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            sl.webhook_verify(self.SECRET, self.header, self.PAYLOAD, now=datetime(2026, 11, 26))

    def test_default_now_is_the_clock(self):
        t = int(datetime.now(UTC).timestamp())
        sl.webhook_verify(self.SECRET, "t=%d,v1=%s" % (t, sign(self.SECRET, self.PAYLOAD, t)), self.PAYLOAD)


if __name__ == "__main__":
    unittest.main()
