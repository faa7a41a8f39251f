"""The PostgreSQL store through the binding when the server ends the
connection in the middle of use: the call raises sl.StoreError with a
message that names the lost connection and never the password, nothing of
it is written, and the next call reconnects by itself.

Runs only under tests/pg_cluster.sh (meson's python-postgres test, which
sets SL_TEST_PG; the plain run does not load it). The server's side is
driven through libpq directly (ctypes), as an administrator would."""

import ctypes
import ctypes.util
import os
import unittest

import slotledger as sl
from backends import NOW

_PG = os.environ.get("SL_TEST_PG")


class Admin:
    """A second connection to the server (libpq through ctypes)."""

    def __init__(self):
        pq = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
        pq.PQconnectdb.restype = ctypes.c_void_p
        pq.PQconnectdb.argtypes = [ctypes.c_char_p]
        pq.PQstatus.argtypes = [ctypes.c_void_p]
        pq.PQexec.restype = ctypes.c_void_p
        pq.PQexec.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        pq.PQresultStatus.argtypes = [ctypes.c_void_p]
        pq.PQntuples.argtypes = [ctypes.c_void_p]
        pq.PQgetvalue.restype = ctypes.c_char_p
        pq.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        pq.PQerrorMessage.restype = ctypes.c_char_p
        pq.PQerrorMessage.argtypes = [ctypes.c_void_p]
        pq.PQclear.argtypes = [ctypes.c_void_p]
        pq.PQfinish.argtypes = [ctypes.c_void_p]
        self.pq = pq
        self.conn = pq.PQconnectdb(_PG.encode())
        if pq.PQstatus(self.conn) != 0:
            raise RuntimeError("admin connection: %s" % pq.PQerrorMessage(self.conn).decode())

    def query(self, sql):
        """Runs sql; the first value of its first row (text) or None."""
        r = self.pq.PQexec(self.conn, sql.encode())
        try:
            if self.pq.PQresultStatus(r) not in (1, 2):  # PGRES_COMMAND_OK, PGRES_TUPLES_OK
                raise RuntimeError("%s: %s" % (sql, self.pq.PQerrorMessage(self.conn).decode()))
            return self.pq.PQgetvalue(r, 0, 0).decode() if self.pq.PQntuples(r) > 0 else None
        finally:
            self.pq.PQclear(r)

    def close(self):
        self.pq.PQfinish(self.conn)


@unittest.skipUnless(_PG, "PostgreSQL only: run under tests/pg_cluster.sh (meson test python-postgres)")
class PgFaultTests(unittest.TestCase):
    def setUp(self):
        self.app = "pyvictim_%d_%s" % (os.getpid(), self._testMethodName[-12:])
        self.schema = "pyf_%d_%s" % (os.getpid(), self._testMethodName[-12:])
        # trust authentication: the password is never asked for, only carried
        self.db = sl.open("%s password=s3cret application_name=%s schema=%s" % (_PG, self.app, self.schema))
        self.addCleanup(self.db.close)
        self.admin = Admin()
        self.addCleanup(self.admin.close)
        self.db.set_tenant(1, now=NOW)
        self.db.post(1, account=7, amount=10, key="p0", now=NOW)

    def posted(self):
        return self.db.balance(1, 7, now=NOW).posted

    def end_session(self):
        """The server ends the store's session (not waited for)."""
        self.admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE application_name = '%s'" % self.app)

    def assert_lost(self, err):
        self.assertEqual(err.code_name, "SL_ESTORE")
        self.assertRegex(err.message, r"^postgres: .* was lost \(.*\); the next call reconnects")
        self.assertNotIn("s3cret", err.message)
        self.assertNotIn("password", err.message)

    def test_session_ended_while_a_post_writes(self):
        s = self.schema
        self.admin.query(
            "CREATE FUNCTION %s.end_me() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN"
            " IF current_setting('application_name') = '%s' THEN"
            " PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); END IF;"
            " RETURN NULL; END $f$" % (s, self.app))
        self.admin.query("CREATE TRIGGER end_me AFTER INSERT ON %s.entries FOR EACH ROW"
                         " EXECUTE FUNCTION %s.end_me()" % (s, s))
        with self.assertRaises(sl.StoreError) as cm:
            self.db.post(1, account=7, amount=5, key="p1", now=NOW)
        self.assert_lost(cm.exception)
        self.admin.query("DROP TRIGGER end_me ON %s.entries" % s)
        self.assertEqual(self.posted(), 10)           # nothing written; reconnected
        self.assertEqual(self.admin.query("SELECT count(*) FROM %s.entries" % s), "1")
        e = self.db.post(1, account=7, amount=5, key="p1", now=NOW)
        self.assertFalse(e.replayed)
        self.assertEqual(self.posted(), 15)
        self.assertIsNone(self.db.verify(1).first_bad_seq)

    def test_session_ended_inside_a_group(self):
        self.db.group_begin()
        self.db.post(1, account=7, amount=1, key="g1", now=NOW)
        self.end_session()
        with self.assertRaises(sl.StoreError) as cm:
            self.db.post(1, account=7, amount=2, key="g2", now=NOW)
        self.assert_lost(cm.exception)
        self.db.group_rollback()
        self.assertEqual(self.posted(), 10)           # the group's first call is gone too
        self.db.post(1, account=7, amount=2, key="g2", now=NOW)
        self.assertEqual(self.posted(), 12)

    def test_session_ended_before_a_group_commits(self):
        self.db.group_begin()
        self.db.post(1, account=7, amount=1, key="g1", now=NOW)
        self.end_session()
        with self.assertRaises(sl.StoreError) as cm:
            self.db.group_commit()
        self.assert_lost(cm.exception)
        self.assertEqual(self.posted(), 10)           # nothing of the group; reconnected
        self.db.post(1, account=7, amount=1, key="g1", now=NOW)
        self.assertEqual(self.posted(), 11)


def load_tests(loader, tests, pattern):
    """PostgreSQL only (python-postgres): the plain run has no skipped tests."""
    return tests if _PG else unittest.TestSuite()


if __name__ == "__main__":
    unittest.main()
