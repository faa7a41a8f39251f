"""The loader, the declaration table, the exception classes and the ctypes
structures' layout."""

import ctypes
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from datetime import datetime, timedelta, timezone

import slotledger as sl
from slotledger import _lib, errors
from backends import not_found

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
MAP = os.path.join(ROOT, "lib", "slotledger.map")
INCLUDE = os.path.join(ROOT, "include")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)

# The store vtable (sys/store.h) is for C backend authors; not wrapped.
NOT_WRAPPED = {"sl_open_store", "sl_store_init", "sl_store_error", "sl_store_memory_new",
               "sl_store_sqlite_new", "sl_store_pg_new"}

ALL_ERRORS = [
    (sl.InvalidArgument, -1, "SL_EINVAL"), (sl.NoMemory, -2, "SL_ENOMEM"),
    (sl.NotFound, -3, "SL_ENOTFOUND"), (sl.Conflict, -4, "SL_ECONFLICT"),
    (sl.Unavailable, -5, "SL_EUNAVAILABLE"), (sl.RangeError, -6, "SL_ERANGE"),
    (sl.TimeZoneError, -7, "SL_ETZ"), (sl.IdempotencyMismatch, -8, "SL_EIDEMPOTENCY"),
    (sl.InsufficientCredits, -9, "SL_EINSUFFICIENT"), (sl.StateError, -10, "SL_ESTATE"),
    (sl.Expired, -11, "SL_EEXPIRED"), (sl.Busy, -12, "SL_EBUSY"),
    (sl.StoreError, -13, "SL_ESTORE"), (sl.TamperError, -14, "SL_ETAMPER"),
    (sl.AlreadyExists, -15, "SL_EEXISTS"), (sl.Misuse, -16, "SL_EMISUSE"),
    (sl.ClassFull, -17, "SL_EFULL"),
]


class LoaderTests(unittest.TestCase):
    def test_loaded_the_requested_library(self):
        env = os.environ.get("SLOTLEDGER_LIB")
        if env:
            self.assertEqual(_lib.path, env)
        self.assertTrue(_lib.path)

    def test_candidate_order(self):
        old = os.environ.get("SLOTLEDGER_LIB")
        os.environ["SLOTLEDGER_LIB"] = "/nonexistent/libslotledger.so"
        try:
            cands = list(_lib._candidates())
        finally:
            if old is None:
                del os.environ["SLOTLEDGER_LIB"]
            else:
                os.environ["SLOTLEDGER_LIB"] = old
        where = [w.split(":")[0] for _, w in cands]
        # bundled first, then the variable, the source tree, the system, pkg-config
        self.assertEqual(cands[0], (os.path.join(ROOT, "bindings", "python", "slotledger",
                                                 "libslotledger.so"), "bundled"))
        self.assertEqual(cands[1], ("/nonexistent/libslotledger.so", "SLOTLEDGER_LIB"))
        if os.path.exists(os.path.join(ROOT, "build", "libslotledger.so")):
            self.assertEqual(cands[2], (os.path.join(ROOT, "build", "libslotledger.so"), "source tree"))
        self.assertEqual(where[-2:], ["system", "pkg-config libdir" if cands[-1][0] else "pkg-config"])

    def test_bad_env_falls_back_with_a_clear_error(self):
        # With no loadable candidate, the ImportError lists what was tried.
        saved = _lib._candidates
        _lib._candidates = lambda: iter([("/nonexistent/libslotledger.so", "SLOTLEDGER_LIB"),
                                         ("/etc/hostname", "system")])
        try:
            with self.assertRaises(ImportError) as cm:
                _lib._load()
        finally:
            _lib._candidates = saved
        self.assertIn("SLOTLEDGER_LIB", str(cm.exception))
        self.assertIn("/nonexistent/libslotledger.so (missing)", str(cm.exception))
        self.assertIn("/etc/hostname (", str(cm.exception))

    def test_every_exported_function_is_declared(self):
        if not os.path.exists(MAP):
            self.skipTest("no source tree (lib/slotledger.map)")
        with open(MAP) as f:
            exported = set(re.findall(r"^\s*(sl_\w+);", f.read(), re.M))
        declared = set(_lib.FUNCTIONS)
        self.assertEqual(exported - declared - NOT_WRAPPED, set(), "exported but not declared")
        self.assertEqual(declared - exported, set(), "declared but not exported")

    def test_declarations_have_types(self):
        for name, f in _lib.FUNCTIONS.items():
            self.assertIsNotNone(f.argtypes, name)
            if name not in ("sl_free", "sl_outbox_free"):
                self.assertIsNotNone(f.restype, name)

    def test_version(self):
        v = sl.version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        major, minor, patch = (int(x) for x in v.split("."))
        self.assertEqual(sl.version_number(), major * 1000000 + minor * 1000 + patch)

    def test_error_min_matches_mapping(self):
        self.assertEqual(_lib.lib.sl_error_min(), min(errors.CODE_NAMES))


class ErrorClassTests(unittest.TestCase):
    def test_codes_names_and_hierarchy(self):
        for cls, code, name in ALL_ERRORS:
            with self.subTest(cls=cls.__name__):
                self.assertTrue(issubclass(cls, sl.Error))
                self.assertEqual(cls.code, code)
                self.assertEqual(sl.strerror(code), name)
                e = errors.error_for_code(code, "a message")
                self.assertIs(type(e), cls)
                self.assertEqual(e.code, code)
                self.assertEqual(e.name, name)
                self.assertEqual(e.message, "a message")
                self.assertEqual(str(e), "a message")
                self.assertIn(cls.__name__, repr(e))
                with self.assertRaises(cls):
                    raise e

    def test_every_code_of_the_library_has_a_class(self):
        for code in range(_lib.lib.sl_error_min(), 0):
            self.assertIsNot(type(errors.error_for_code(code)), sl.Error, code)

    def test_public_names_and_pickling(self):
        import pickle
        for cls, code, _ in ALL_ERRORS:
            self.assertIs(getattr(sl, cls.__name__), cls)
            self.assertEqual(repr(cls), "<class 'slotledger.%s'>" % cls.__name__)
            e = pickle.loads(pickle.dumps(cls("why")))
            self.assertEqual((type(e), e.code, e.message), (cls, code, "why"))

    def test_invalid_argument_is_a_value_error(self):
        self.assertTrue(issubclass(sl.InvalidArgument, ValueError))

    def test_unknown_code(self):
        e = errors.error_for_code(-99, "")
        self.assertIs(type(e), sl.Error)
        self.assertEqual(e.code, -99)
        self.assertEqual(e.name, "SL_EUNKNOWN")
        self.assertEqual(sl.strerror(-99), "SL_EUNKNOWN")
        self.assertEqual(sl.strerror(0), "SL_OK")

    def test_user_constructible(self):
        e = sl.Conflict("taken")
        self.assertEqual((e.code, e.message, e.index), (-4, "taken", None))
        self.assertEqual(sl.Misuse().message, "SL_EMISUSE")

    def test_errcheck_carries_the_library_message(self):
        with self.assertRaises(sl.TimeZoneError) as cm:
            sl.utc_offset("No/Such_Zone", NOW)
        self.assertEqual(cm.exception.code, -7)
        self.assertIn("No/Such_Zone", cm.exception.message)

    def test_errcheck_on_handle_messages(self):
        e = not_found(self)
        self.assertNotEqual(e.message, "")
        self.assertNotEqual(e.message, "SL_ENOTFOUND")


# -------------------------------------------------------- struct layouts
STRUCTS = {
    "sl_options": _lib.SLOptions, "sl_tenant": _lib.SLTenant, "sl_interval": _lib.SLInterval,
    "sl_window": _lib.SLWindow, "sl_rule": _lib.SLRule, "sl_override": _lib.SLOverride,
    "sl_engine_params": _lib.SLEngineParams, "sl_session": _lib.SLSession,
    "sl_booking": _lib.SLBooking, "sl_account": _lib.SLAccount, "sl_entry": _lib.SLEntry,
    "sl_credit_hold": _lib.SLCreditHold, "sl_balance": _lib.SLBalance, "sl_post": _lib.SLPost,
    "sl_verify_report": _lib.SLVerifyReport, "sl_ledger_anchor": _lib.SLLedgerAnchor,
}

# sizeof on LP64 (x86-64, aarch64 Linux), measured with a C probe.
LP64_SIZES = {
    "sl_options": 40, "sl_tenant": 144, "sl_interval": 16, "sl_window": 8, "sl_rule": 64,
    "sl_override": 440, "sl_engine_params": 72, "sl_session": 256, "sl_booking": 32,
    "sl_account": 72, "sl_entry": 392, "sl_credit_hold": 240, "sl_balance": 32,
    "sl_post": 40, "sl_verify_report": 32, "sl_ledger_anchor": 56,
}


def _cfield(name):
    return "from" if name == "from_" else name


class StructLayoutTests(unittest.TestCase):
    def test_lp64_sizes(self):
        if ctypes.sizeof(ctypes.c_void_p) != 8 or ctypes.sizeof(ctypes.c_long) != 8:
            self.skipTest("not an LP64 platform")
        for cname, cls in STRUCTS.items():
            self.assertEqual(ctypes.sizeof(cls), LP64_SIZES[cname], cname)

    def test_offsets_match_a_compiled_probe(self):
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if not cc or not os.path.isdir(os.path.join(INCLUDE, "slotledger")):
            self.skipTest("no C compiler or no source tree")
        lines = ["#include <stdio.h>", "#include <stddef.h>"]
        for h in ("common", "db", "tenant", "slots", "sessions", "ledger"):
            lines.append('#include "slotledger/%s.h"' % h)
        lines.append("int main(void) {")
        for cname, cls in STRUCTS.items():
            lines.append('printf("%s %%zu\\n", sizeof(%s));' % (cname, cname))
            for fname, _ in cls._fields_:
                lines.append('printf("%s.%s %%zu\\n", offsetof(%s, %s));'
                             % (cname, _cfield(fname), cname, _cfield(fname)))
        lines.append("return 0; }")
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "probe.c"), os.path.join(d, "probe")
            with open(src, "w") as f:
                f.write("\n".join(lines))
            r = subprocess.run([cc, "-std=c11", "-I", INCLUDE, "-I", os.path.join(INCLUDE, "slotledger"),
                                src, "-o", exe], capture_output=True, text=True)
            if r.returncode != 0:
                self.fail("probe did not compile:\n" + r.stderr)
            out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
        c = dict(line.rsplit(" ", 1) for line in out.splitlines())
        for cname, cls in STRUCTS.items():
            self.assertEqual(ctypes.sizeof(cls), int(c[cname]), "sizeof(%s)" % cname)
            for fname, _ in cls._fields_:
                key = "%s.%s" % (cname, _cfield(fname))
                self.assertEqual(getattr(cls, fname).offset, int(c[key]), key)

    def test_every_c_field_is_mirrored(self):
        # Field names of each struct in the headers, in order, equal ours.
        if not os.path.isdir(os.path.join(INCLUDE, "slotledger")):
            self.skipTest("no source tree")
        text = ""
        for h in ("db", "tenant", "slots", "sessions", "ledger"):
            with open(os.path.join(INCLUDE, "slotledger", h + ".h")) as f:
                text += f.read()
        for cname, cls in STRUCTS.items():
            m = re.search(r"typedef struct %s \{(.*?)\} %s;" % (cname, cname), text, re.S)
            self.assertIsNotNone(m, cname)
            body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
            names = re.findall(r"(\w+)\s*(?:\[[^\]]*\])?\s*;", body)
            self.assertEqual(names, [_cfield(n) for n, _ in cls._fields_], cname)

    def test_tenant_round_trip_of_distinct_values(self):
        # Every field of sl_tenant gets a distinct value through the library:
        # a shifted offset would mix them up.
        with sl.open_memory() as db:
            t = db.set_tenant(3, tz="America/Argentina/Buenos_Aires", buffer_before=61,
                              buffer_after=122, min_notice=183, step=240, max_advance_days=5,
                              late_cancel=306, now=NOW)
            self.assertEqual(t, db.tenant(3))
            self.assertEqual(t.id, 3)
            self.assertEqual(t.tz, "America/Argentina/Buenos_Aires")
            self.assertEqual(t.buffer_before, timedelta(seconds=61))
            self.assertEqual(t.buffer_after, timedelta(seconds=122))
            self.assertEqual(t.min_notice, timedelta(seconds=183))
            self.assertEqual(t.step, timedelta(seconds=240))
            self.assertEqual(t.max_advance_days, 5)
            self.assertEqual(t.late_cancel, timedelta(seconds=306))
            self.assertEqual(t.created_at, NOW)
            self.assertEqual(t.updated_at, NOW)

    def test_raw_tenant_struct_round_trip(self):
        with sl.open_memory() as db:
            t = _lib.SLTenant()
            _lib.lib.sl_tenant_init(ctypes.byref(t), 1)
            self.assertEqual(t.tz, b"UTC")
            t.id, t.tz, t.max_advance_days = 9, b"Asia/Kolkata", 7
            t.buffer_before, t.buffer_after, t.min_notice, t.step, t.late_cancel = 1, 2, 3, 60, 5
            _lib.lib.sl_tenant_put(db._h, ctypes.byref(t), 1000)
            u = _lib.SLTenant()
            _lib.lib.sl_tenant_get(db._h, ctypes.byref(u), 9)
            for f, _ in _lib.SLTenant._fields_:
                if f not in ("created_at", "updated_at"):
                    self.assertEqual(getattr(u, f), getattr(t, f), f)
            self.assertEqual((u.created_at, u.updated_at), (1000, 1000))


if __name__ == "__main__":
    unittest.main()
