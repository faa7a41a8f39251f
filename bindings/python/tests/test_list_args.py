"""List arguments other than tenant lists (book_many's bookings,
post_many's posts, set_override's windows) as a careless or hostile caller
passes them: iterables that never end or are far too long are read only up
to the limit and refused with InvalidArgument naming it, writing nothing."""

import itertools
import unittest
from types import MappingProxyType
from datetime import date, datetime, timezone

import slotledger as sl

UTC = timezone.utc
NOW = datetime(2030, 3, 20, tzinfo=UTC)
TEN = datetime(2030, 3, 25, 10, tzinfo=UTC)
HOUR = 3600


def endless(item):
    """The shapes of too long an iterable, each yielding item."""
    return (itertools.repeat(item), (item for _ in itertools.count()),
            map(lambda _: item, range(1, 10 ** 30)), [item] * 2000)


class ListArgTests(unittest.TestCase):
    def setUp(self):
        self.db = sl.open_memory()
        self.db.set_tenant(1, now=NOW)
        for wd in range(1, 8):
            self.db.add_rule(1, weekday=wd, start="09:00", end="12:00", now=NOW)

    def tearDown(self):
        self.db.close()

    def test_book_many_reads_at_most_the_limit(self):
        # Before, _batch_in turned the whole iterable into a list first: an
        # endless one never returned and grew memory until the process died.
        for items in endless({"student": 5, "start": TEN, "duration": HOUR}):
            with self.assertRaises(sl.InvalidArgument) as cm:
                self.db.book_many(1, items, now=NOW)
            self.assertIn("give 1..100", cm.exception.message)
        with self.assertRaises(sl.InvalidArgument):
            self.db.book_many(1, range(1, 10 ** 30), now=NOW)
        self.assertEqual(self.db.sessions(1, NOW, datetime(2031, 1, 1, tzinfo=UTC)), [])

    def test_post_many_reads_at_most_the_limit(self):
        for items in endless((7, 10, "purchase", "k")):
            with self.assertRaises(sl.InvalidArgument) as cm:
                self.db.post_many(1, items, now=NOW)
            self.assertIn("give 1..1000", cm.exception.message)
        with self.assertRaises(sl.InvalidArgument):
            self.db.post_many(1, range(1, 10 ** 30), now=NOW)
        self.assertEqual(self.db.balance(1, 7, now=NOW).available, 0)

    def test_set_override_reads_at_most_the_limit(self):
        for items in endless(("09:00", "10:00")):
            with self.assertRaises(sl.InvalidArgument) as cm:
                self.db.set_override(1, date(2030, 3, 25), items, now=NOW)
            self.assertIn("give 0..48", cm.exception.message)
        with self.assertRaises(sl.InvalidArgument):
            self.db.set_override(1, date(2030, 3, 25), range(1, 10 ** 30), now=NOW)
        self.assertEqual(self.db.overrides(1, date(2030, 1, 1), date(2031, 1, 1)), [])

    def test_empty_batches_are_refused_by_count(self):
        with self.assertRaises(sl.InvalidArgument):
            self.db.book_many(1, iter(()), now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.post_many(1, [], now=NOW)
        self.assertIsInstance(self.db.set_override(1, date(2030, 3, 25), iter(()), now=NOW), int)

    def test_batch_items_may_be_any_mapping(self):
        # The signatures say Mapping[str, Any]; a MappingProxyType (or any
        # Mapping that is not a dict) was refused as "must be a dict or a
        # tuple".
        entries = self.db.post_many(1, [MappingProxyType({"account": 7, "amount": 5, "key": "m"})], now=NOW)
        self.assertEqual(entries[0].amount, 5)
        booked = self.db.book_many(1, [MappingProxyType({"student": 5, "start": TEN, "duration": HOUR})], now=NOW)
        self.assertEqual(booked[0].student, 5)

    def test_unknown_fields_that_are_not_str_are_named(self):
        # A non-str key made the message itself fail: a raw "sequence item
        # 0: expected str instance, int found" (or "'<' not supported").
        for extra in ({1: 2}, {1: 2, "x": 3}, {None: 0}):
            post = {"account": 7, "amount": 5, "key": "u"} | extra
            with self.assertRaises(TypeError) as cm:
                self.db.post_many(1, [post], now=NOW)
            self.assertIn("posts[0]: unknown field(s)", str(cm.exception))
        self.assertEqual(self.db.balance(1, 7, now=NOW).available, 0)

    def test_an_item_refused_by_the_binding_carries_its_index(self):
        # .index named the failing item only when the C library refused it;
        # an item the binding refused (amount past int64, a key with NUL, an
        # unknown kind, whose message did not even name the post) had None.
        ok = {"account": 7, "amount": 5, "key": "a"}
        for bad in ({"amount": 2 ** 63}, {"key": "a\0"}, {"kind": "bogus"}, {"reference": "\ud800"}):
            with self.assertRaises(sl.Error) as cm:
                self.db.post_many(1, [ok, dict(ok, key="b"), {**ok, "key": "c", **bad}], now=NOW)
            self.assertEqual(cm.exception.index, 2, bad)
        one = {"student": 5, "start": TEN, "duration": HOUR}
        for bad in ({"duration": 2 ** 63}, {"credits": -2 ** 64}, {"start": datetime(1, 1, 1)}):
            with self.assertRaises(sl.Error) as cm:
                self.db.book_many(1, [one, dict(one, **bad)], now=NOW)
            self.assertEqual(cm.exception.index, 1, bad)
        self.assertEqual(self.db.balance(1, 7, now=NOW).posted, 0)


if __name__ == "__main__":
    unittest.main()
