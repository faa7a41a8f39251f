"""Idempotency keys written by an older release (untagged request
fingerprints, schema 4: tests/legacy/make_fixture.py) replay to the same rows
in this release, and are never taken for a request of another kind."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import slotledger as sl

LEGACY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "legacy")
sys.path.insert(0, LEGACY)
import ops  # noqa: E402


class LegacyKeys(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        path = os.path.join(self.dir, "old.db")
        shutil.copy(os.path.join(LEGACY, "v4-keys.db"), path)
        with open(os.path.join(LEGACY, "v4-keys.json")) as f:
            self.ids = json.load(f)["ids"]
        self.db = sl.open(path)

    def tearDown(self):
        self.db.close()
        shutil.rmtree(self.dir)

    def counts(self):
        sessions = self.db.sessions(ops.T, ops.at(-30, 0), ops.at(60, 0), include_deleted=True)
        return len(sessions), len(self.db.history(ops.T, limit=1000))

    def test_every_old_request_replays_to_its_rows(self):
        before = self.counts()
        hold = self.ids["hold"][0]
        for name, method, kwargs in ops.REQUESTS:
            with self.subTest(request=name):
                r = ops.run(self.db, name, method, kwargs, hold)
                self.assertEqual(ops.ids_of(r), self.ids[name], name)
        self.assertEqual(self.counts(), before, "a replay wrote rows")
        self.assertIsNone(self.db.verify(ops.T).first_bad_seq)

    def test_old_keys_refuse_other_kinds_and_other_arguments(self):
        before = self.counts()
        hold = self.ids["hold"][0]
        other = [
            # an old post's key used by a capture, and the reverse
            lambda: self.db.capture(ops.T, hold, 5, key="buy-2", now=ops.NOW),
            lambda: self.db.post(ops.T, account=ops.STUDENT, amount=20, kind="purchase", key="cap-1",
                                 now=ops.NOW),
            # an old booking's key used by a trial, a batch and a hold
            lambda: self.db.book_trial(ops.T, student=ops.STUDENT, start=ops.at(1, 9), duration=ops.HOUR,
                                       key="book-1", now=ops.NOW),
            lambda: self.db.book_many(ops.T, [(ops.STUDENT, ops.at(1, 9), ops.HOUR, 10)], key="book-1",
                                      now=ops.NOW),
            lambda: self.db.hold(ops.T, account=ops.STUDENT, amount=10, expires_at=ops.at(20, 0),
                                 key="book-1", now=ops.NOW),
            # the same kind with other arguments
            lambda: self.db.post(ops.T, account=ops.STUDENT, amount=41, kind="purchase", key="buy-2",
                                 reference="order 2", now=ops.NOW),
            lambda: self.db.book(ops.T, student=ops.STUDENT, start=ops.at(1, 10), duration=ops.HOUR,
                                 credits=10, key="book-1", now=ops.NOW),
            lambda: self.db.hold(ops.T, account=ops.STUDENT, amount=31, expires_at=ops.at(20, 0),
                                 key="hold-1", now=ops.NOW),
        ]
        for i, call in enumerate(other):
            with self.subTest(case=i):
                with self.assertRaises(sl.IdempotencyMismatch):
                    call()
        self.assertEqual(self.counts(), before, "a refused request wrote rows")
        self.assertIsNone(self.db.verify(ops.T).first_bad_seq)


if __name__ == "__main__":
    unittest.main()
