"""Groups: `with db.group():` and group_begin/commit/rollback, against the
memory store, SQLite in memory and a file; a connection lost inside a group
on the throwaway PostgreSQL cluster of tests/pg_cluster.sh."""

import os
import subprocess
import unittest
from datetime import datetime

import slotledger as sl
from backends import HOUR, LOCAL, NOW, T, UTC, TenantBackend, register

START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)   # a Monday


class GroupBackend(TenantBackend):
    def setUp(self):
        super().setUp()
        self.db.add_rule(T, weekday=1, start="00:00", end="24:00", now=NOW)

    def posted(self, account):
        return self.db.balance(T, account, now=NOW).posted


class GroupTests(GroupBackend):
    def test_with_commits_at_the_end(self):
        with self.db.group() as g:
            self.assertIs(g, self.db)
            self.assertTrue(self.db.in_group)
            self.db.post(T, account=1, amount=5, key="a", now=NOW)
            s = self.db.book(T, student=1, start=START, duration=HOUR, key="b", now=NOW)
            self.assertEqual(self.posted(1), 5)            # visible inside the group
        self.assertFalse(self.db.in_group)
        self.assertEqual(self.posted(1), 5)
        self.assertEqual(self.db.session(T, s.id).id, s.id)

    def test_exception_inside_with_rolls_back(self):
        self.db.post(T, account=1, amount=3, key="before", now=NOW)
        with self.assertRaises(KeyError):
            with self.db.group():
                self.db.post(T, account=1, amount=5, key="a", now=NOW)
                self.db.book(T, student=1, start=START, duration=HOUR, key="b", now=NOW)
                raise KeyError("host failure")
        self.assertFalse(self.db.in_group)
        self.assertEqual(self.posted(1), 3)
        self.assertEqual(self.db.sessions(T, START - HOUR, START + HOUR), [])
        e = self.db.post(T, account=1, amount=1, key="a", now=NOW)  # the key is free again
        self.assertFalse(e.replayed)

    def test_failed_call_writes_nothing_and_group_goes_on(self):
        with self.db.group():
            self.db.post(T, account=1, amount=2, key="a", now=NOW)
            with self.assertRaises(sl.InsufficientCredits):
                self.db.post(T, account=1, amount=-3, kind="consume", key="c", now=NOW)
            self.db.book(T, student=1, start=START, duration=HOUR, key="b1", now=NOW)
            with self.assertRaises(sl.Conflict):
                self.db.book(T, student=2, start=START, duration=HOUR, key="b2", now=NOW)
            self.db.post(T, account=1, amount=-2, kind="consume", key="c", now=NOW)
        self.assertEqual(self.posted(1), 0)
        self.assertEqual(len(self.db.sessions(T, START - HOUR, START + HOUR)), 1)

    def test_replays_inside_and_across_groups(self):
        with self.db.group():
            first = self.db.post(T, account=1, amount=5, key="k", now=NOW)
            again = self.db.post(T, account=1, amount=5, key="k", now=NOW)
            self.assertTrue(again.replayed)
            self.assertEqual(again.id, first.id)
        with self.db.group():
            again = self.db.post(T, account=1, amount=5, key="k", now=NOW)
            self.assertTrue(again.replayed)
            self.assertEqual(again.id, first.id)
        self.assertEqual(self.posted(1), 5)

    def test_explicit_calls_and_misuse(self):
        with self.assertRaises(sl.Misuse):
            self.db.group_commit()
        with self.assertRaises(sl.Misuse):
            self.db.group_rollback()
        self.db.group_begin()
        with self.assertRaises(sl.Misuse) as cm:
            self.db.group_begin()                          # no nesting
        self.assertIn("nest", cm.exception.message)
        with self.assertRaises(sl.Misuse):
            with self.db.group():
                pass
        self.assertTrue(self.db.in_group)                  # the refused nesting left it open
        self.db.post(T, account=1, amount=5, key="x", now=NOW)
        self.db.group_rollback()
        self.assertEqual(self.posted(1), 0)
        self.db.group_begin()
        self.db.post(T, account=1, amount=5, key="x", now=NOW)
        self.db.group_commit()
        self.assertEqual(self.posted(1), 5)

    def test_explicit_calls_inside_with_are_refused(self):
        # Before, group_commit() in the block kept the first half and the
        # block's end then raised "no group is open" (a retry wrote it
        # twice), and group_rollback(); group_begin() in it dropped the
        # first half while the block ended normally.
        for end in ("group_commit", "group_rollback", "group_begin"):
            with self.assertRaises(sl.Misuse) as cm:
                with self.db.group():
                    self.db.post(T, account=1, amount=5, key=end, now=NOW)
                    getattr(self.db, end)()
            self.assertIn("inside `with db.group():`", cm.exception.message)
            self.assertFalse(self.db.in_group, end)
            self.assertEqual(self.posted(1), 0, end)
        with self.db.group():
            self.db.post(T, account=1, amount=5, key="a", now=NOW)
            for end in ("group_rollback", "group_begin", "group_commit"):
                with self.assertRaises(sl.Misuse):
                    getattr(self.db, end)()
            self.db.post(T, account=1, amount=2, key="b", now=NOW)
        self.assertEqual(self.posted(1), 7)
        self.assertFalse(self.db.in_group)

    def test_another_asyncio_task_cannot_join_a_with_block(self):
        # The block's lock is reentrant, so a coroutine of the same thread
        # calling while another awaited inside a `with db.group():` block
        # joined that group: here its post "succeeded" and was rolled back
        # with the block's failure.
        import asyncio
        log = []

        async def holder():
            try:
                with self.db.group():
                    self.db.post(T, account=1, amount=5, key="a", now=NOW)
                    await asyncio.sleep(0.05)
                    self.db.post(T, account=1, amount=1, key="a2", now=NOW)   # its own task: fine
                    raise RuntimeError("the block fails")
            except RuntimeError:
                log.append("rolled back")

        async def other():
            await asyncio.sleep(0.01)
            try:
                self.db.post(T, account=2, amount=7, key="b", now=NOW)
                log.append("posted")
            except sl.Misuse as exc:
                log.append("refused: " + exc.message)

        async def main():
            await asyncio.gather(holder(), other())

        asyncio.run(main())
        self.assertEqual(log[1], "rolled back")
        self.assertTrue(log[0].startswith("refused: "), log)
        self.assertIn("another asyncio task", log[0])
        self.assertEqual(self.posted(1), 0)
        self.assertEqual(self.posted(2), 0)
        self.assertFalse(self.db.in_group)
        self.db.post(T, account=2, amount=7, key="b", now=NOW)   # after the block: fine
        self.assertEqual(self.posted(2), 7)

# Groups on the local stores only (also under tests/pg_cluster.sh), as always.
register(globals(), GroupTests, backends=LOCAL)


class FileGroupTests(GroupBackend, unittest.TestCase):
    """A file outlives the handle, so what close() leaves can be read back."""
    backend = "file"

    def test_close_inside_group_rolls_back(self):
        self.db.group_begin()
        self.db.post(T, account=1, amount=5, key="x", now=NOW)
        self.db.close()
        with sl.open(self.path) as db:
            self.assertEqual(db.balance(T, 1, now=NOW).posted, 0)


_PG = os.environ.get("SL_TEST_PG")
_PG_CTL = os.environ.get("SL_TEST_PG_CTL")


@unittest.skipUnless(_PG and _PG_CTL, "needs the throwaway PostgreSQL cluster of tests/pg_cluster.sh "
                                      "(meson test python-postgres): its server is restarted")
class GroupLostConnectionTests(unittest.TestCase):
    """The server restarts inside a group: the group is over and nothing of
    it is kept; group_commit raises a retryable error that says to retry
    the group, and a group_rollback after it says the group already ended."""

    def setUp(self):
        self.db = sl.open("%s schema=py_lost_%d_%s" % (_PG, os.getpid(), self._testMethodName[-12:]))
        self.db.set_tenant(T, tz="UTC", now=NOW)

    def tearDown(self):
        self.db.close()

    def lose_connection(self):
        r = subprocess.run(_PG_CTL + " restart -m immediate", shell=True, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def posted(self):
        return self.db.balance(T, 1, now=NOW).posted

    def test_lost_inside_the_group(self):
        self.db.group_begin()
        self.db.post(T, account=1, amount=5, key="a", now=NOW)
        self.lose_connection()
        with self.assertRaises(sl.StoreError) as cm:
            self.db.post(T, account=1, amount=7, key="b", now=NOW)
        self.assertIn("the group was rolled back", str(cm.exception))
        self.assertTrue(self.db.in_group)        # given up, not yet ended
        with self.assertRaises(sl.Busy) as cm:
            self.db.group_commit()
        self.assertIn("retry the group", str(cm.exception))
        self.assertFalse(self.db.in_group)
        with self.assertRaises(sl.Misuse) as cm:
            self.db.group_rollback()
        msg = str(cm.exception)
        self.assertIn("no group is open: the group already ended when its commit failed (Busy)", msg)
        self.assertIn("nothing of it was kept", msg)
        self.assertIn("retry the whole group", msg)
        self.assertEqual(self.posted(), 0)
        # Retried, the group is whole (the handle reconnected).
        with self.db.group():
            self.db.post(T, account=1, amount=5, key="a", now=NOW)
            self.db.post(T, account=1, amount=7, key="b", now=NOW)
        self.assertEqual(self.posted(), 12)
        with self.assertRaises(sl.Misuse) as cm:
            self.db.group_rollback()
        self.assertNotIn("already ended", str(cm.exception))   # that group ended well

    def test_lost_before_the_commit_of_a_with_block(self):
        with self.assertRaises((sl.StoreError, sl.Busy)) as cm:
            with self.db.group():
                self.db.post(T, account=1, amount=5, key="a", now=NOW)
                self.lose_connection()
        self.assertIn("retry", str(cm.exception))
        self.assertFalse(self.db.in_group)
        with self.assertRaises(sl.Misuse) as cm:
            self.db.group_rollback()
        self.assertIn("the group already ended when its commit failed", str(cm.exception))
        self.assertEqual(self.posted(), 0)
        with self.db.group():
            self.db.post(T, account=1, amount=5, key="a", now=NOW)
        self.assertEqual(self.posted(), 5)


def load_tests(loader, tests, pattern):
    """GroupLostConnectionTests only on PostgreSQL (python-postgres), so that
    the plain run has no skipped tests."""
    if _PG:
        return tests
    return unittest.TestSuite(s for s in tests if not any(isinstance(t, GroupLostConnectionTests) for t in s))


if __name__ == "__main__":
    unittest.main()
