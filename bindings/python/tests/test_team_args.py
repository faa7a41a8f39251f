"""The team calls (slots_many, team_slots, free_at, book_any, book_all) and
their epoch variants with the arguments a careless or hostile caller
passes: tenant lists that never end or are far too long, read only as far
as the limit, and refused with the library's error classes."""

import itertools
import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl

UTC = timezone.utc
NOW = datetime(2030, 3, 20, tzinfo=UTC)
START = datetime(2030, 3, 25, tzinfo=UTC)
END = START + timedelta(days=1)
TEN = datetime(2030, 3, 25, 10, tzinfo=UTC)
HOUR = 3600


class TeamArgTests(unittest.TestCase):
    def setUp(self):
        self.db = sl.open_memory()
        for t in (1, 2, 3):
            self.db.set_tenant(t, now=NOW)
            for wd in range(1, 8):
                self.db.add_rule(t, weekday=wd, start="09:00", end="12:00", now=NOW)

    def tearDown(self):
        self.db.close()

    def calls(self):
        db = self.db
        return {
            "slots_many": lambda ts: db.slots_many(ts, START, END, HOUR, now=NOW),
            "slots_many_epoch": lambda ts: db.slots_many_epoch(ts, START, END, HOUR, now=NOW),
            "team_slots": lambda ts: db.team_slots(ts, START, END, HOUR, now=NOW),
            "team_slots_epoch": lambda ts: db.team_slots_epoch(ts, START, END, HOUR, mode="all", now=NOW),
            "free_at": lambda ts: db.free_at(ts, TEN, HOUR, now=NOW),
            "book_any": lambda ts: db.book_any(ts, student=5, start=TEN, duration=HOUR, now=NOW),
            "book_all": lambda ts: db.book_all(ts, student=5, start=TEN, duration=HOUR, now=NOW),
        }

    def test_endless_and_huge_tenant_lists_are_read_only_up_to_the_limit(self):
        # Before, the whole iterable was turned into a list first: an
        # endless one (itertools.count) ran the process out of memory, a
        # range of 10**9 ids built a billion Python ints before the count
        # was refused.
        for name, call in self.calls().items():
            most = 100 if name == "book_all" else 10000
            for tenants in (itertools.count(1), (t for t in itertools.count(1)), range(1, 10 ** 9),
                            range(1, 10 ** 30), itertools.repeat(1)):
                with self.assertRaises(sl.InvalidArgument, msg=name) as cm:
                    call(tenants)
                self.assertIn("give 1..%d" % most, cm.exception.message, name)
        self.assertEqual(self.db.sessions(1, START, END), [])

    def test_byte_strings_are_not_tenant_lists(self):
        # bytes was refused, but a bytearray or a memoryview of bytes went
        # through as the ids of its bytes (bytearray(b"\x01\x02") = [1, 2]).
        for name, call in self.calls().items():
            for tenants in (b"\x01\x02", bytearray(b"\x01\x02"), memoryview(b"\x01\x02"), "12"):
                with self.assertRaises(TypeError, msg="%s %r" % (name, tenants)):
                    call(tenants)
        self.assertEqual(self.db.sessions(1, START, END), [])

    def test_a_list_at_the_limit_is_taken(self):
        m = self.db.slots_many(itertools.islice(itertools.count(1), 10000), START, END, HOUR, now=NOW)
        self.assertEqual(len(m) + len(m.unknown), 10000)
        self.assertEqual(len(m[1]), 3)


if __name__ == "__main__":
    unittest.main()
