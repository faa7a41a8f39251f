"""The stores every store-dependent Python test class runs on (not a test
module itself): a base class whose setUp opens a fresh handle, and the
registration of one concrete TestCase per store.

Under tests/pg_cluster.sh (meson's python-postgres test) SL_TEST_PG names a
throwaway PostgreSQL cluster: the classes then run on it (each test in a
fresh schema), and only there."""

import os
import shutil
import tempfile
import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl

_PG = os.environ.get("SL_TEST_PG")
BACKENDS = ("postgres",) if _PG else ("memory", "sqlite", "file")
# The local stores, for the classes that run on them under either run.
LOCAL = ("memory", "sqlite", "file")
_pg_schemas = [0]


def _pg_conninfo():
    _pg_schemas[0] += 1
    return "%s schema=py_%d_%d" % (_PG, os.getpid(), _pg_schemas[0])


class Backend:
    """Mixin: self.db is a fresh handle on self.backend, self.tmp a
    scratch directory (self.path the "file" store's file in it); both are
    cleaned up after the test."""
    backend = None

    def open_db(self, **kw):
        if self.backend == "postgres":
            if not hasattr(self, "pg"):
                self.pg = _pg_conninfo()  # one schema per test: a reopen finds the same rows
            return sl.open(self.pg, **kw)
        if self.backend == "memory":
            return sl.open_memory(**kw)
        if self.backend == "sqlite":
            return sl.open(":memory:", **kw)
        return sl.open(self.path, **kw)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.path = os.path.join(self.tmp, "test.db")
        self.db = self.open_db()
        self.addCleanup(self.db.close)


# The clock and the tenant of the store tests that set up one tenant.
UTC = timezone.utc
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
T = 7


class TenantBackend(Backend):
    """Backend whose handle has tenant T, created at NOW."""
    def setUp(self):
        super().setUp()
        self.db.set_tenant(T, now=NOW)


def not_found(test):
    """The error a fresh memory handle raises for a tenant it does not have
    (asserted to be sl.NotFound)."""
    with sl.open_memory() as db:
        with test.assertRaises(sl.NotFound) as cm:
            db.tenant(12345)
    return cm.exception


def register(namespace, base, name=None, backends=BACKENDS):
    """Put one TestCase per store of backends, named <name>_<backend>, into
    namespace (a module's globals())."""
    name = name or base.__name__
    for backend in backends:
        cls = type("%s_%s" % (name, backend), (base, unittest.TestCase),
                   {"backend": backend, "__module__": namespace["__name__"]})
        namespace[cls.__name__] = cls


def daily(db, tenant, start, end, now, **settings):
    """Puts tenant (settings as set_tenant takes them) and opens it from
    start to end ("HH:MM") on every day of the week."""
    db.set_tenant(tenant, now=now, **settings)
    for wd in range(1, 8):
        db.add_rule(tenant, weekday=wd, start=start, end=end, now=now)
