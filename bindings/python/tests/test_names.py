"""Tables read from the loaded library at import (codes, descriptions,
enumerations, struct sizes), the import-time struct check, and the names
shared with the Node binding (OutOfRange, code_name, codes, STATUS...)."""

import ctypes
import os
import subprocess
import sys
import unittest
from datetime import datetime, timezone

import slotledger as sl
from slotledger import _lib, errors
from backends import not_found

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
PYTHONPATH = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _run(code):
    env = dict(os.environ, PYTHONPATH=PYTHONPATH)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)


class LibraryTablesTests(unittest.TestCase):
    def test_codes_come_from_the_library(self):
        L = _lib.lib
        self.assertEqual(min(sl.codes.values()), L.sl_error_min())
        for name, code in sl.codes.items():
            self.assertEqual(L.sl_strerror(code).decode(), name)
            self.assertEqual(errors.DESCRIPTIONS[code], L.sl_code_description(code).decode())
        self.assertEqual(sl.codes["SL_OK"], 0)
        self.assertEqual(sl.codes["SL_ECONFLICT"], -4)

    def test_code_description(self):
        self.assertEqual(sl.code_description(-4), "the time is taken by another session")
        self.assertEqual(sl.code_description(1), "unknown result code")
        self.assertEqual(sl.Conflict("x").description, "the time is taken by another session")
        with self.assertRaises(TypeError):
            sl.code_description("SL_ECONFLICT")

    def test_enumerations_come_from_the_library(self):
        self.assertEqual(sl.STATUS, {"pending": 1, "confirmed": 2, "cancelled": 3, "completed": 4,
                                     "no_show": 5})
        self.assertEqual(sl.SESSION_KIND, {"regular": 1, "trial": 2, "manual": 3, "class": 4})
        self.assertEqual(sl.ENTRY_KIND, {"purchase": 1, "grant": 2, "consume": 3, "refund": 4,
                                         "adjust": 5, "expire": 6})
        self.assertEqual(sl.HOLD_STATUS, {"active": 1, "captured": 2, "released": 3, "expired": 4})
        self.assertEqual(sl.ENTITY, {"rule": 1, "override": 2, "session": 3, "account": 4})
        for name, value in sl.STATUS.items():
            self.assertEqual(_lib.lib.sl_status_name(value).decode(), name)
        self.assertIsNone(_lib.lib.sl_status_name(0))

    def test_every_struct_matches_sl_struct_size(self):
        for cname, cls in _lib.STRUCTS.items():
            self.assertEqual(ctypes.sizeof(cls), _lib.lib.sl_struct_size(cname.encode()), cname)
        self.assertEqual(_lib.lib.sl_struct_size(b"no_such_struct"), 0)

    def test_unknown_code_gets_a_generic_subclass(self):
        saved = errors.CODE_NAMES.copy(), errors.DESCRIPTIONS.copy()
        try:
            errors.CODE_NAMES[-99] = "SL_ENEWTHING"
            errors.DESCRIPTIONS[-99] = "a code from the future"
            table = errors._build_by_code(errors._NAMED)
        finally:
            errors.CODE_NAMES.clear()
            errors.CODE_NAMES.update(saved[0])
            errors.DESCRIPTIONS.clear()
            errors.DESCRIPTIONS.update(saved[1])
        cls = table[-99]
        self.assertEqual(cls.__name__, "SL_ENEWTHING")
        self.assertTrue(issubclass(cls, sl.Error))
        self.assertEqual(cls.code, -99)
        self.assertIs(table[-4], sl.Conflict)


class ImportTimeCheckTests(unittest.TestCase):
    def test_size_mismatch_names_the_struct(self):
        class Short(ctypes.Structure):
            _fields_ = [("x", ctypes.c_int32)]
        with self.assertRaises(ImportError) as cm:
            _lib.check_struct_sizes({"sl_session": Short})
        self.assertIn("sl_session", str(cm.exception))
        self.assertIn("4 bytes in the Python binding", str(cm.exception))

    def test_struct_unknown_to_the_library(self):
        with self.assertRaises(ImportError) as cm:
            _lib.check_struct_sizes({"sl_future": _lib.SLSession})
        self.assertIn("does not know struct sl_future", str(cm.exception))

    def test_import_refuses_a_binding_that_does_not_match(self):
        # A Structure one field short, as after a header change not
        # repeated in _structs.py: importing slotledger must fail clearly.
        r = _run("import ctypes\n"
                 "real = ctypes.sizeof\n"
                 "ctypes.sizeof = lambda t: real(t) - 8 if getattr(t, '__name__', '') == 'SLEntry' else real(t)\n"
                 "try:\n"
                 "    import slotledger\n"
                 "except ImportError as e:\n"
                 "    print('ImportError:', e)\n"
                 "else:\n"
                 "    print('imported')\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ImportError: slotledger: struct sl_entry is", r.stdout)
        self.assertIn("bytes in the Python binding (SLEntry)", r.stdout)


class SharedNamesTests(unittest.TestCase):
    def test_out_of_range_is_range_error(self):
        self.assertIs(sl.OutOfRange, sl.RangeError)
        with sl.open_memory() as db:
            with self.assertRaises(sl.OutOfRange) as cm:
                db.tenant(2 ** 63)
        self.assertIsInstance(cm.exception, sl.RangeError)

    def test_code_name(self):
        e = not_found(self)
        self.assertEqual(e.code_name, "SL_ENOTFOUND")
        self.assertEqual(e.name, "SL_ENOTFOUND")

    def test_library_path(self):
        self.assertEqual(sl.library_path, _lib.path)


if __name__ == "__main__":
    unittest.main()
