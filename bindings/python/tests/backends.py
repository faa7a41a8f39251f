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

import slotledger as sl

_PG = os.environ.get("SL_TEST_PG")
BACKENDS = ("postgres",) if _PG else ("memory", "sqlite", "file")
_pg_schemas = [0]


def _pg_conninfo():
    _pg_schemas[0] += 1
    return "%s schema=py_%d_%d" % (_PG, os.getpid(), _pg_schemas[0])


class Backend:
    """Mixin: self.db is a fresh handle on self.backend, self.tmp a
    scratch directory; both are cleaned up after the test."""
    backend = None

    def open_db(self):
        if self.backend == "postgres":
            if not hasattr(self, "pg"):
                self.pg = _pg_conninfo()  # one schema per test: a reopen finds the same rows
            return sl.open(self.pg)
        if self.backend == "memory":
            return sl.open_memory()
        if self.backend == "sqlite":
            return sl.open(":memory:")
        return sl.open(os.path.join(self.tmp, "test.db"))

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slpy-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.db = self.open_db()
        self.addCleanup(self.db.close)


def register(namespace, base, name=None):
    """Put one TestCase per store of BACKENDS, named <name>_<backend>, into
    namespace (a module's globals())."""
    name = name or base.__name__
    for backend in BACKENDS:
        cls = type("%s_%s" % (name, backend), (base, unittest.TestCase), {"backend": backend})
        namespace[cls.__name__] = cls
