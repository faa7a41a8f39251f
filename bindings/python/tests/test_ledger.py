"""The credit ledger: posts, balances, floors, holds, history, verification
and webhook claims, against the memory store, SQLite in memory and a file."""

import os
import shutil
import sqlite3
import tempfile
import unittest
from datetime import datetime

import slotledger as sl
from backends import HOUR, NOW, T, TenantBackend, register


class LedgerTests(TenantBackend):
    def test_post_and_replay(self):
        e = self.db.post(T, account=42, amount=10, kind="purchase", key="pi_123", reference="order 1", now=NOW)
        self.assertIsInstance(e, sl.Entry)
        self.assertEqual((e.tenant, e.account, e.seq, e.kind, e.amount, e.balance_after, e.hold_id),
                         (T, 42, 1, "purchase", 10, 10, None))
        self.assertEqual((e.key, e.reference, e.replayed, e.created_at), ("pi_123", "order 1", False, NOW))
        self.assertEqual(len(e.hash), 32)
        self.assertNotEqual(e.hash, bytes(32))
        r = self.db.post(T, account=42, amount=10, kind="purchase", key="pi_123", reference="order 1",
                         now=NOW + HOUR)
        self.assertTrue(r.replayed)
        self.assertEqual((r.id, r.seq, r.created_at, r.hash), (e.id, e.seq, e.created_at, e.hash))
        with self.assertRaises(sl.IdempotencyMismatch) as cm:
            self.db.post(T, account=42, amount=11, kind="purchase", key="pi_123", now=NOW)
        self.assertEqual(cm.exception.code, -8)
        self.assertIn("amount", cm.exception.message)
        self.assertEqual(self.db.balance(T, 42, now=NOW), sl.Balance(10, 0, 10, 0))

    def test_kinds_and_signs(self):
        self.db.post(T, account=1, amount=5, kind="grant", key="g", now=NOW)
        self.db.post(T, account=1, amount=2, kind="refund", key="r", now=NOW)
        self.db.post(T, account=1, amount=-1, kind="consume", key="c", now=NOW)
        self.db.post(T, account=1, amount=-1, kind="expire", key="x", now=NOW)
        self.db.post(T, account=1, amount=-1, kind="adjust", key="a1", now=NOW)
        e = self.db.post(T, account=1, amount=3, kind="adjust", key="a2", now=NOW)
        self.assertEqual(e.balance_after, 7)
        for kind, amount in (("purchase", -1), ("grant", -1), ("consume", 1), ("expire", 1), ("adjust", 0)):
            with self.subTest(kind=kind, amount=amount):
                with self.assertRaises(sl.InvalidArgument):
                    self.db.post(T, account=1, amount=amount, kind=kind, key="bad-%s" % kind, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.post(T, account=1, amount=1, kind="gift", key="k", now=NOW)
        with self.assertRaises(TypeError):
            self.db.post(T, account=1, amount=1, kind=1, key="k", now=NOW)
        with self.assertRaises(TypeError):
            self.db.post(T, account=1, amount=1, key=None, now=NOW)
        with self.assertRaises(TypeError):
            self.db.post(T, account=1, amount="1", key="k", now=NOW)
        with self.assertRaises(sl.RangeError):
            self.db.post(T, account=1, amount=2 ** 63, key="k", now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.post(T, account=1, amount=1, key="k", reference="r" * 129, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.post(T, account=0, amount=1, key="k", now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.post(99, account=1, amount=1, key="k", now=NOW)

    def test_insufficient_and_floor(self):
        self.db.post(T, account=5, amount=3, key="buy", now=NOW)
        with self.assertRaises(sl.InsufficientCredits) as cm:
            self.db.post(T, account=5, amount=-4, kind="consume", key="use-4", now=NOW)
        self.assertEqual(cm.exception.code, -9)
        self.assertTrue(cm.exception.message)
        self.assertEqual(self.db.balance(T, 5, now=NOW).posted, 3)       # nothing written
        self.db.post(T, account=5, amount=2, key="top-up", now=NOW)
        self.db.post(T, account=5, amount=-4, kind="consume", key="use-4", now=NOW)   # retry works
        self.db.set_floor(T, 5, -2, now=NOW)
        self.db.post(T, account=5, amount=-3, kind="consume", key="use-3", now=NOW)
        self.assertEqual(self.db.balance(T, 5, now=NOW), sl.Balance(-2, 0, -2, -2))
        a = self.db.account(T, 5)
        self.assertIsInstance(a, sl.Account)
        self.assertEqual((a.tenant, a.id, a.floor, a.posted, a.held, a.deleted_at), (T, 5, -2, -2, 0, None))
        self.assertEqual(self.db.balance(T, 6, now=NOW), sl.Balance(0, 0, 0, 0))   # never posted
        with self.assertRaises(sl.NotFound):
            self.db.account(T, 6)

    def test_overflow(self):
        self.db.post(T, account=1, amount=2 ** 63 - 1, key="big", now=NOW)
        with self.assertRaises(sl.RangeError):
            self.db.post(T, account=1, amount=1, key="one-more", now=NOW)

    def test_holds(self):
        self.db.post(T, account=9, amount=10, key="buy", now=NOW)
        h = self.db.hold(T, account=9, amount=4, expires_at=NOW + HOUR, key="hold-1", now=NOW)
        self.assertIsInstance(h, sl.Hold)
        self.assertEqual((h.tenant, h.account, h.amount, h.status, h.captured, h.expires_at, h.key),
                         (T, 9, 4, "active", 0, NOW + HOUR, "hold-1"))
        self.assertIsNone(h.resolved_at)
        self.assertIsNone(h.entry_id)              # not captured: None, not 0
        self.assertEqual(self.db.balance(T, 9, now=NOW), sl.Balance(10, 4, 6, 0))
        self.assertTrue(self.db.hold(T, account=9, amount=4, expires_at=NOW + HOUR, key="hold-1", now=NOW).replayed)
        with self.assertRaises(sl.IdempotencyMismatch):
            self.db.hold(T, account=9, amount=5, expires_at=NOW + HOUR, key="hold-1", now=NOW)
        with self.assertRaises(sl.InsufficientCredits):
            self.db.hold(T, account=9, amount=7, expires_at=NOW + HOUR, key="hold-2", now=NOW)
        e = self.db.capture(T, h.id, 3, key="cap-1", now=NOW)
        self.assertEqual((e.kind, e.amount, e.hold_id, e.balance_after), ("consume", -3, h.id, 7))
        self.assertTrue(self.db.capture(T, h.id, 3, key="cap-1", now=NOW).replayed)
        g = self.db.hold_get(T, h.id)
        self.assertEqual((g.status, g.captured, g.entry_id, g.resolved_at), ("captured", 3, e.id, NOW))
        self.assertEqual(self.db.balance(T, 9, now=NOW), sl.Balance(7, 0, 7, 0))
        with self.assertRaises(sl.StateError):
            self.db.capture(T, h.id, 1, key="cap-2", now=NOW)
        with self.assertRaises(sl.StateError):
            self.db.release(T, h.id, now=NOW)
        # Release, and capture-all.
        r = self.db.hold(T, account=9, amount=2, expires_at=NOW + HOUR, key="hold-3", now=NOW)
        self.assertEqual(self.db.release(T, r.id, now=NOW).status, "released")
        a = self.db.hold(T, account=9, amount=2, expires_at=NOW + HOUR, key="hold-4", now=NOW)
        self.assertEqual(self.db.capture(T, a.id, key="cap-all", now=NOW).amount, -2)
        with self.assertRaises(sl.NotFound):
            self.db.hold_get(T, 9999)
        with self.assertRaises(sl.NotFound):
            self.db.hold_get(8, a.id)
        with self.assertRaises(sl.InvalidArgument):
            self.db.hold(T, account=9, amount=1, expires_at=NOW, key="hold-5", now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.hold(T, account=9, amount=0, expires_at=NOW + HOUR, key="hold-6", now=NOW)
        with self.assertRaises(TypeError):
            self.db.hold(T, account=9, amount=1, expires_at=NOW + HOUR, key=None, now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.hold(T, account=9, amount=1, expires_at=datetime(2026, 12, 1), key="h", now=NOW)

    def test_hold_expiry(self):
        self.db.post(T, account=9, amount=5, key="buy", now=NOW)
        h = self.db.hold(T, account=9, amount=5, expires_at=NOW + HOUR, key="hold-1", now=NOW)
        self.assertEqual(self.db.balance(T, 9, now=NOW).available, 0)
        self.assertEqual(self.db.balance(T, 9, now=NOW + 2 * HOUR), sl.Balance(5, 0, 5, 0))
        with self.assertRaises(sl.Expired) as cm:
            self.db.capture(T, h.id, 5, key="late", now=NOW + 2 * HOUR)
        self.assertEqual(cm.exception.code, -11)
        with self.assertRaises(sl.Expired):
            self.db.release(T, h.id, now=NOW + 2 * HOUR)
        self.db.post(T, account=9, amount=-5, kind="consume", key="spend", now=NOW + 2 * HOUR)

    def test_post_many(self):
        out = self.db.post_many(T, [dict(account=1, amount=5, key="b1"),
                                    (1, -2, "consume", "c1", "lesson"),
                                    dict(account=2, amount=1, kind="grant", key="g2", reference="promo")],
                                now=NOW)
        self.assertEqual([e.seq for e in out], [1, 2, 3])
        self.assertEqual([e.balance_after for e in out], [5, 3, 1])
        self.assertEqual(out[1].reference, "lesson")
        with self.assertRaises(sl.InsufficientCredits) as cm:
            self.db.post_many(T, [(1, 1, "purchase", "b2"), (1, -10, "consume", "c2")], now=NOW)
        self.assertEqual(cm.exception.index, 1)
        self.assertEqual(self.db.balance(T, 1, now=NOW).posted, 3)       # all or nothing
        again = self.db.post_many(T, [dict(account=1, amount=5, key="b1"), (1, 1, "purchase", "b3")], now=NOW)
        self.assertEqual([e.replayed for e in again], [True, False])
        with self.assertRaises(sl.InvalidArgument):
            self.db.post_many(T, [], now=NOW)
        with self.assertRaises(TypeError):
            self.db.post_many(T, [dict(account=1, amount=5)], now=NOW)
        with self.assertRaises(TypeError):
            self.db.post_many(T, [(1, 5)], now=NOW)
        with self.assertRaises(TypeError):
            self.db.post_many(T, [dict(account=1, amount=5, key="z", memo="x")], now=NOW)

    def test_history(self):
        for i in range(5):
            self.db.post(T, account=1 + i % 2, amount=i + 1, key="k%d" % i, now=NOW)
        page = self.db.history(T, limit=2)
        self.assertEqual([e.seq for e in page], [1, 2])
        page = self.db.history(T, after_seq=page[-1].seq, limit=2)
        self.assertEqual([e.seq for e in page], [3, 4])
        self.assertEqual([e.seq for e in self.db.history(T, after_seq=4)], [5])
        self.assertEqual(self.db.history(T, after_seq=5), [])
        self.assertEqual([e.amount for e in self.db.history(T, account=2)], [2, 4])
        # None means every account (0 still does too).
        self.assertEqual([e.seq for e in self.db.history(T, account=None)], [1, 2, 3, 4, 5])
        self.assertEqual([e.seq for e in self.db.history(T, account=0)], [1, 2, 3, 4, 5])
        self.assertEqual(self.db.history(8), [])
        with self.assertRaises(sl.RangeError):
            self.db.history(T, limit=0)

    def test_verify(self):
        self.assertEqual(self.db.verify(T).entries, 0)
        self.db.post(T, account=1, amount=5, key="a", now=NOW)
        self.db.post(T, account=2, amount=5, key="b", now=NOW)
        self.db.post(T, account=1, amount=-1, kind="consume", key="c", now=NOW)
        r = self.db.verify(T)
        self.assertIsInstance(r, sl.VerifyReport)
        self.assertEqual(r, sl.VerifyReport(3, 2, None, None))

    def test_soft_deleted_account(self):
        self.db.post(T, account=3, amount=5, key="a", now=NOW)
        self.db.soft_delete(T, "account", 3, now=NOW)
        with self.assertRaises(sl.NotFound):
            self.db.account(T, 3)
        self.assertIsNotNone(self.db.account(T, 3, include_deleted=True).deleted_at)
        with self.assertRaises(sl.NotFound):
            self.db.post(T, account=3, amount=1, key="b", now=NOW)
        self.db.restore(T, "account", 3, now=NOW)
        self.db.post(T, account=3, amount=1, key="b", now=NOW)
        self.assertEqual(self.db.verify(T).entries, 2)

    def test_webhook_claim(self):
        self.assertTrue(self.db.webhook_claim(T, "stripe", "evt_1", now=NOW))
        self.assertFalse(self.db.webhook_claim(T, "stripe", "evt_1", now=NOW))
        self.assertTrue(self.db.webhook_claim(T, "paypal", "evt_1", now=NOW))
        self.db.set_tenant(8, now=NOW)
        self.assertTrue(self.db.webhook_claim(8, "stripe", "evt_1", now=NOW))
        with self.assertRaises(sl.NotFound):
            self.db.webhook_claim(99, "stripe", "evt_1", now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.webhook_claim(T, "", "evt_2", now=NOW)
        with self.assertRaises(sl.InvalidArgument):
            self.db.webhook_claim(T, "stripe", "e" * 129, now=NOW)
        with self.assertRaises(TypeError):
            self.db.webhook_claim(T, "stripe", None, now=NOW)


register(globals(), LedgerTests)


class FileLedgerTests(unittest.TestCase):
    """What only a file can show: reopening, keys, tampering, locks."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.path = os.path.join(self.tmp, "ledger.db")

    def fill(self, **kw):
        with sl.open(self.path, **kw) as db:
            db.set_tenant(T, now=NOW)
            for i in range(4):
                db.post(T, account=1, amount=i + 1, key="k%d" % i, now=NOW)

    def test_reopen_and_fast_mode(self):
        self.fill(durability="fast")
        with sl.open(self.path) as db:
            self.assertEqual(db.balance(T, 1, now=NOW).posted, 10)
            self.assertEqual(db.verify(T).entries, 4)

    def test_ledger_key(self):
        key = bytes(range(32))
        self.fill(ledger_key=key)
        with sl.open(self.path, ledger_key=key) as db:
            self.assertEqual(db.verify(T).entries, 4)
        with sl.open(self.path) as db:               # without the key the chain does not verify
            with self.assertRaises(sl.TamperError):
                db.verify(T)
        with sl.open(self.path, ledger_key=bytes(32)) as db:
            with self.assertRaises(sl.TamperError):
                db.verify(T)
        for bad in (b"short", bytes(65)):
            with self.assertRaises(sl.InvalidArgument):
                sl.open(self.path, ledger_key=bad)
        with self.assertRaises(TypeError):
            sl.open(self.path, ledger_key="a string key of enough length")

    def _entries_table(self, con):
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cols = {r[1] for r in con.execute("PRAGMA table_info(%s)" % name)}
            if {"seq", "amount", "hash"} <= cols:
                return name
        self.fail("no entries table in the SQLite schema")

    def test_tamper_is_detected(self):
        self.fill()
        con = sqlite3.connect(self.path)
        try:
            table = self._entries_table(con)
            # Someone with the file can drop the append-only triggers; the
            # hash chain must still catch the edit.
            for (trigger,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                          "AND tbl_name = ?", (table,)).fetchall():
                con.execute('DROP TRIGGER "%s"' % trigger)
            con.execute("UPDATE %s SET amount = amount + 100 WHERE seq = 3" % table)
            con.commit()
        finally:
            con.close()
        with sl.open(self.path) as db:
            with self.assertRaises(sl.TamperError) as cm:
                db.verify(T)
        self.assertEqual(cm.exception.code, -14)
        self.assertEqual(cm.exception.report.first_bad_seq, 3)
        self.assertTrue(cm.exception.message)

    def test_busy(self):
        self.fill()
        con = sqlite3.connect(self.path, isolation_level=None)
        try:
            with sl.open(self.path, busy_timeout_ms=50) as db:
                con.execute("BEGIN EXCLUSIVE")
                with self.assertRaises(sl.Busy) as cm:
                    db.post(T, account=1, amount=1, key="during-lock", now=NOW)
                self.assertEqual(cm.exception.code, -12)
                self.assertTrue(cm.exception.message)
                # Opening an up-to-date database needs no write lock: it does
                # not wait behind the writer.
                with sl.open(self.path, busy_timeout_ms=50) as other:
                    self.assertEqual(other.tenant(T).id, T)
                con.execute("ROLLBACK")
                db.post(T, account=1, amount=1, key="during-lock", now=NOW)   # retry works
        finally:
            con.close()
        with sl.open(self.path) as db:
            db.post(T, account=1, amount=1, key="after-lock", now=NOW)

    def test_two_handles_share_the_file(self):
        self.fill()
        with sl.open(self.path) as a, sl.open(self.path) as b:
            a.post(T, account=2, amount=3, key="from-a", now=NOW)
            self.assertTrue(b.post(T, account=2, amount=3, key="from-a", now=NOW).replayed)
            self.assertEqual(b.balance(T, 2, now=NOW).posted, 3)
            self.assertTrue(a.webhook_claim(T, "s", "e", now=NOW))
            self.assertFalse(b.webhook_claim(T, "s", "e", now=NOW))


class LongReferenceTests(unittest.TestCase):
    """Issue 9, defect 1: a reference over 128 bytes crashed the process."""

    def test_long_reference_is_invalid(self):
        with sl.open_memory() as db:
            db.set_tenant(T, now=NOW)
            for n in (129, 4096, 1 << 20):
                with self.assertRaises(sl.InvalidArgument):
                    db.post(T, account=1, amount=3, key="long", reference="A" * n, now=NOW)
            self.assertEqual(db.balance(T, 1, now=NOW).posted, 0)
            self.assertEqual(db.post(T, account=1, amount=3, key="long", reference="A", now=NOW).replayed, False)


class AnchorTests(unittest.TestCase):
    """ledger_head / verify_head: an anchor kept outside the file catches a
    truncation that verify() alone cannot see without a key."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.path = os.path.join(self.tmp, "anchor.db")

    def test_round_trip(self):
        with sl.open(self.path) as db:
            db.set_tenant(T, now=NOW)
            self.assertEqual(db.ledger_head(T), sl.Head(0, bytes(32)))
            e = None
            for i in range(3):
                e = db.post(T, account=1, amount=i + 1, key="a%d" % i, now=NOW)
            head = db.ledger_head(T)
            self.assertIsInstance(head, sl.Head)
            self.assertEqual(head.seq, 3)
            self.assertEqual(head.hash, e.hash)
            db.verify_head(T, head)
            db.post(T, account=1, amount=9, key="later", now=NOW)
            db.verify_head(T, head)                      # the ledger still extends it
            db.verify_head(T, tuple(head))               # a plain (seq, hash) pair works too
            with self.assertRaises(sl.TamperError):
                db.verify_head(T, sl.Head(head.seq, bytes(32)))
            with self.assertRaises(sl.InvalidArgument):
                db.verify_head(T, sl.Head(head.seq, b"short"))
            with self.assertRaises(sl.InvalidArgument):
                db.verify_head(T, sl.Head(-1, bytes(32)))
            for bad in (None, 3, (), (3,), (3, bytes(32), 0), iter([3])):   # ValueError before
                with self.assertRaises(TypeError):
                    db.verify_head(T, bad)

    def test_truncation_detected(self):
        with sl.open(self.path) as db:
            db.set_tenant(T, now=NOW)
            for i in range(4):
                db.post(T, account=1, amount=i + 1, key="k%d" % i, now=NOW)
            head = db.ledger_head(T)
        con = sqlite3.connect(self.path)
        try:
            con.executescript("DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;"
                              "DELETE FROM entries WHERE seq = 4;"
                              "UPDATE accounts SET posted = posted - 4 WHERE student = 1;")
        finally:
            con.close()
        with sl.open(self.path) as db:
            db.verify(T)                                 # consistent: no key, no anchor, no finding
            with self.assertRaises(sl.TamperError) as cm:
                db.verify_head(T, head)
            self.assertIn("before the anchor's seq 4", cm.exception.message)


class SealTests(unittest.TestCase):
    """seal(): the upgrade step for keyed databases whose rows predate row
    MACs (migration 5 leaves their MAC columns NULL)."""

    KEY = b"python-seal-test-ledger-key-32by"

    def test_seal_unsealed_rows(self):
        tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "seal.db")
        with sl.open(path, ledger_key=self.KEY) as db:
            db.set_tenant(T, now=NOW)
            db.post(T, account=1, amount=5, key="p1", now=NOW)
            db.post(T, account=2, amount=7, key="p2", now=NOW)
        con = sqlite3.connect(path)
        try:
            con.executescript("UPDATE accounts SET mac = NULL, mac_seq = NULL;")
        finally:
            con.close()
        with sl.open(path, ledger_key=self.KEY) as db:
            with self.assertRaises(sl.TamperError) as cm:
                db.verify(T)
            self.assertIn("no MAC", cm.exception.message)
            self.assertEqual(db.seal(T), 2)
            db.verify(T)
            self.assertEqual(db.seal(T), 0)
        with sl.open(path) as db:                      # no key: nothing to seal with
            with self.assertRaises(sl.InvalidArgument):
                db.seal(T)

if __name__ == "__main__":
    unittest.main()
