"""Loading libslotledger and declaring its C API (ctypes).

The loader follows python-magic's pattern: candidate paths are tried in
order ($SLOTLEDGER_LIB, the source tree's build directories, the system),
and every function is declared once, from one table, with argtypes, restype
and an errcheck that turns a negative result into an exception carrying the
library's message.

The Structures live in _structs.py (re-exported here). At import, every
Structure's ctypes.sizeof is compared with the library's sl_struct_size:
a binding that does not match the loaded library refuses to load, with an
ImportError naming the struct, instead of corrupting memory later.
"""

import ctypes
import ctypes.util
import glob
import os
import sys

from ._structs import *  # noqa: F401,F403  (constants and Structures, as before)
from ._structs import (STRUCTS, SLOptions, SLTenant, SLInterval, SLWindow, SLRule, SLOverride,
                       SLEngineParams, SLSession, SLBooking, SLAccount, SLEntry, SLCreditHold,
                       SLBalance, SLPost, SLVerifyReport, SLLedgerAnchor, SLIcsOptions, SLOutboxEvent,
                       SLOutboxOptions, SLOutboxCounts, SLClass, SLSeat, SLManySlots, SLTeamAvail,
                       SLFreeAtResult, sl_time, sl_id,
                       sl_date, c_size_p)

__all__ = ["lib", "path", "STRUCTS", "check_struct_sizes", "SLOptions", "SLTenant", "SLInterval",
           "SLWindow", "SLRule", "SLOverride", "SLEngineParams", "SLSession", "SLBooking",
           "SLAccount", "SLEntry", "SLCreditHold", "SLBalance", "SLPost", "SLVerifyReport",
           "SLLedgerAnchor", "SLIcsOptions", "SLOutboxEvent", "SLOutboxOptions", "SLOutboxCounts",
           "SLClass", "SLSeat", "SLManySlots", "SLTeamAvail", "SLFreeAtResult"]

# ------------------------------------------------------------------- loader
def _pkg_config_libdir():
    """pkg-config's libdir of slotledger (the multiarch one), or None."""
    import subprocess
    try:
        r = subprocess.run(["pkg-config", "--variable=libdir", "slotledger"],
                           capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() or None if r.returncode == 0 else None


def _candidates():
    """(candidate, where) pairs, in the order they are tried: the library
    bundled in the package (a wheel from `./run dist`), $SLOTLEDGER_LIB, the
    build directories of a source tree this package sits in, the system
    (the ld.so cache and LD_LIBRARY_PATH, then pkg-config's libdir).
    A None candidate is a place with nothing to try, named for the error."""
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.platform == "darwin":
        name, soname = "libslotledger.dylib", "libslotledger.0.dylib"
    else:
        name, soname = "libslotledger.so", "libslotledger.so.0"
    yield os.path.join(here, name), "bundled"
    env = os.environ.get("SLOTLEDGER_LIB")
    yield (env, "SLOTLEDGER_LIB") if env else (None, "SLOTLEDGER_LIB: not set")
    # bindings/python/slotledger -> the source tree's root, if it is one
    root = os.path.normpath(os.path.join(here, "..", "..", ".."))
    if os.path.isfile(os.path.join(root, "meson.build")) and os.path.isdir(os.path.join(root, "lib")):
        for d in ["build"] + [x for x in sorted(glob.glob(os.path.join(root, "build*"))) if x != "build"]:
            cand = os.path.join(root, d, name)
            if os.path.exists(cand):
                yield cand, "source tree"
    found = ctypes.util.find_library("slotledger")
    yield found or soname, "system"
    libdir = _pkg_config_libdir()
    if libdir:
        yield os.path.join(libdir, soname), "pkg-config libdir"
    else:
        yield None, "pkg-config: no slotledger.pc on its path"


def _load():
    tried = []
    for cand, where in _candidates():
        if cand is None:  # a place with nothing to try, listed all the same
            tried.append(where)
            continue
        if os.path.sep in cand and not os.path.exists(cand):
            tried.append("%s: %s (missing)" % (where, cand))
            continue
        try:
            return ctypes.CDLL(cand), cand
        except OSError as exc:
            tried.append("%s: %s (%s)" % (where, cand, exc))
    raise ImportError(
        "slotledger: cannot load libslotledger. Install a wheel that carries it (./run dist), "
        "install the library (./run install; then it is found through the ld.so cache or "
        "pkg-config), or set SLOTLEDGER_LIB to the shared library's path. Tried:\n  "
        + "\n  ".join(tried))


lib, path = _load()

# ------------------------------------------------------------ declarations
# Error-message sources of the errcheck: "db" reads sl_errmsg(args[0]),
# "thread" reads sl_errmsg(NULL) (handle-less calls), "code" uses the code's
# name only (pure functions that record no message), None: no errcheck.
_c = ctypes
_P = ctypes.POINTER
_int, _u32, _i32, _i64 = _c.c_int, _c.c_uint32, _c.c_int32, _c.c_int64
_vp, _cp, _sz = _c.c_void_p, _c.c_char_p, _c.c_size_t

_FUNCTIONS = [
    # name, restype, argtypes, message source
    ("sl_strerror", _cp, [_int], None),
    ("sl_free", None, [_vp], None),
    ("sl_error_min", _int, [], None),
    ("sl_version_number", _int, [], None),
    ("sl_version_string", _cp, [], None),
    # codes.h: the lists the binding reads at import
    ("sl_code_description", _cp, [_int], None),
    ("sl_status_name", _cp, [_i32], None),
    ("sl_kind_name", _cp, [_i32], None),
    ("sl_entry_kind_name", _cp, [_i32], None),
    ("sl_hold_status_name", _cp, [_i32], None),
    ("sl_entity_name", _cp, [_i32], None),
    ("sl_seat_status_name", _cp, [_i32], None),
    ("sl_struct_size", _sz, [_cp], None),
    # civil.h
    ("sl_date_from_civil", _int, [_P(sl_date), _i32, _i32, _i32], "code"),
    ("sl_date_to_civil", _int, [_P(_i32), _P(_i32), _P(_i32), sl_date], "code"),
    ("sl_date_weekday", _int, [sl_date], None),
    ("sl_date_of_time", sl_date, [sl_time], None),
    ("sl_time_format", _int, [_cp, _sz, sl_time], "code"),
    ("sl_time_parse", _int, [_P(sl_time), _cp], "code"),
    ("sl_date_format", _int, [_cp, _sz, sl_date], "code"),
    ("sl_date_parse", _int, [_P(sl_date), _cp], "code"),
    # tz.h (db may be NULL: the message is then per thread)
    ("sl_tz_check", _int, [_vp, _cp], "db"),
    ("sl_tz_utc_offset", _int, [_vp, _P(_i32), _cp, sl_time], "db"),
    ("sl_tz_utc_to_local", _int, [_vp, _P(_i64), _cp, sl_time], "db"),
    ("sl_tz_local_to_utc", _int, [_vp, _P(sl_time), _P(_int), _cp, _i64], "db"),
    # db.h
    ("sl_options_init", _int, [_P(SLOptions), _c.c_uint], "code"),
    ("sl_open", _int, [_P(_vp), _cp, _P(SLOptions)], "thread"),
    ("sl_open_memory", _int, [_P(_vp), _P(SLOptions)], "thread"),
    ("sl_close", _int, [_vp], None),
    ("sl_group_begin", _int, [_vp], "db"),
    ("sl_group_commit", _int, [_vp], "db"),
    ("sl_group_rollback", _int, [_vp], "db"),
    ("sl_group_active", _int, [_vp], None),
    ("sl_errmsg", _cp, [_vp], None),
    ("sl_errcode", _int, [_vp], None),
    # tenant.h
    ("sl_tenant_init", _int, [_P(SLTenant), _c.c_uint], "code"),
    ("sl_tenant_put", _int, [_vp, _P(SLTenant), sl_time], "db"),
    ("sl_tenant_get", _int, [_vp, _P(SLTenant), sl_id], "db"),
    # slots.h
    ("sl_rule_add", _int, [_vp, _P(sl_id), sl_id, _i32, _i32, _i32, sl_date, sl_date, sl_time], "db"),
    ("sl_rule_update", _int, [_vp, sl_id, sl_id, _i32, _i32, _i32, sl_date, sl_date, sl_time], "db"),
    ("sl_rule_get", _int, [_vp, _P(SLRule), sl_id, sl_id, _u32], "db"),
    ("sl_rules_list", _int, [_vp, _P(_P(SLRule)), c_size_p, sl_id, _u32], "db"),
    ("sl_override_set", _int, [_vp, _P(sl_id), sl_id, sl_date, _P(SLWindow), _sz, sl_time], "db"),
    ("sl_override_get", _int, [_vp, _P(SLOverride), sl_id, sl_date, _u32], "db"),
    ("sl_overrides_list", _int, [_vp, _P(_P(SLOverride)), c_size_p, sl_id, sl_date, sl_date, _u32], "db"),
    ("sl_slots", _int, [_vp, _P(SLInterval), _sz, c_size_p, _P(_u32), sl_id, sl_time, sl_time, _i64, sl_time], "db"),
    ("sl_slots_alloc", _int, [_vp, _P(_P(SLInterval)), c_size_p, _P(_u32), sl_id, sl_time, sl_time, _i64, sl_time], "db"),
    ("sl_engine_slots", _int, [_P(SLInterval), _sz, c_size_p, _P(SLInterval), _sz, _P(SLInterval), _sz,
                               _P(SLEngineParams)], "code"),
    # sessions.h
    ("sl_book", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time, _i64, _i64, _cp, sl_time], "db"),
    ("sl_book_many", _int, [_vp, _P(SLSession), c_size_p, sl_id, _P(SLBooking), _sz, _cp, sl_time], "db"),
    ("sl_book_trial", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time, _i64, _cp, sl_time], "db"),
    ("sl_schedule_manual", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time, _i64, _i64, _cp, sl_time], "db"),
    ("sl_reschedule", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time, sl_time], "db"),
    ("sl_book_recurring", _int, [_vp, _P(SLSession), c_size_p, _P(sl_time), _sz, c_size_p, sl_id, sl_id,
                                 sl_time, _i64, _i64, _u32, _i32, _cp, sl_time], "db"),
    ("sl_confirm", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time], "db"),
    ("sl_cancel", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time], "db"),
    ("sl_complete", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time], "db"),
    ("sl_mark_no_show", _int, [_vp, _P(SLSession), sl_id, sl_id, sl_time], "db"),
    ("sl_session_get", _int, [_vp, _P(SLSession), sl_id, sl_id, _u32], "db"),
    ("sl_sessions_list", _int, [_vp, _P(_P(SLSession)), c_size_p, sl_id, sl_time, sl_time, _u32], "db"),
    ("sl_sessions_by_student", _int, [_vp, _P(_P(SLSession)), c_size_p, sl_id, sl_id, _u32], "db"),
    ("sl_soft_delete", _int, [_vp, sl_id, _i32, sl_id, sl_time], "db"),
    ("sl_restore", _int, [_vp, sl_id, _i32, sl_id, sl_time], "db"),
    ("sl_purge", _int, [_vp, c_size_p, _i32, sl_time], "db"),
    # classes.h
    ("sl_class_create", _int, [_vp, _P(SLSession), sl_id, sl_time, _i64, _i32, _i64, _cp, sl_time], "db"),
    ("sl_class_get", _int, [_vp, _P(SLClass), sl_id, sl_id, _u32], "db"),
    ("sl_class_enroll", _int, [_vp, _P(SLSeat), sl_id, sl_id, sl_id, _u32, _cp, sl_time], "db"),
    ("sl_class_withdraw", _int, [_vp, sl_id, sl_id, sl_id, _cp, sl_time], "db"),
    ("sl_class_no_show", _int, [_vp, _P(SLSeat), sl_id, sl_id, sl_id, sl_time], "db"),
    ("sl_class_seats", _int, [_vp, _P(_P(SLSeat)), c_size_p, sl_id, sl_id], "db"),
    # teams.h
    ("sl_slots_many", _int, [_vp, _P(_P(SLManySlots)), _P(sl_id), _sz, sl_time, sl_time, _i64, sl_time], "db"),
    ("sl_team_slots", _int, [_vp, _P(_P(SLTeamAvail)), _P(sl_id), _sz, sl_time, sl_time, _i64, _i32, sl_time],
     "db"),
    ("sl_free_at", _int, [_vp, _P(_P(SLFreeAtResult)), _P(sl_id), _sz, sl_time, _i64, sl_time], "db"),
    ("sl_book_any", _int, [_vp, _P(SLSession), _P(sl_id), _sz, sl_id, sl_time, _i64, _i64, _cp, sl_time], "db"),
    ("sl_book_all", _int, [_vp, _P(SLSession), c_size_p, _P(sl_id), _sz, sl_id, sl_time, _i64, _i64, _cp,
                           sl_time], "db"),
    # ics.h
    ("sl_ics_options_init", _int, [_P(SLIcsOptions), _c.c_uint], "code"),
    ("sl_session_ics", _int, [_vp, _P(_vp), c_size_p, sl_id, sl_id, _P(SLIcsOptions)], "db"),
    ("sl_calendar_ics", _int, [_vp, _P(_vp), c_size_p, sl_id, sl_time, sl_time, _P(SLIcsOptions)], "db"),
    # outbox.h
    ("sl_event_kind_name", _cp, [_i32], None),
    ("sl_outbox_state_name", _cp, [_i32], None),
    ("sl_outbox_options_init", _int, [_P(SLOutboxOptions), _c.c_uint], "code"),
    ("sl_outbox_configure", _int, [_vp, _P(SLOutboxOptions)], "db"),
    ("sl_outbox_claim", _int, [_vp, _P(_P(SLOutboxEvent)), c_size_p, _cp, sl_id, _sz, _i64, sl_time], "db"),
    ("sl_outbox_ack", _int, [_vp, sl_id, sl_id, _i64, sl_time], "db"),
    ("sl_outbox_fail", _int, [_vp, sl_id, sl_id, _i64, _cp, sl_time], "db"),
    ("sl_outbox_dead", _int, [_vp, _P(_P(SLOutboxEvent)), c_size_p, sl_id, _sz], "db"),
    ("sl_outbox_retry", _int, [_vp, sl_id, sl_id, sl_time], "db"),
    ("sl_outbox_stats", _int, [_vp, _P(SLOutboxCounts), sl_id, sl_time], "db"),
    ("sl_outbox_purge", _int, [_vp, c_size_p, sl_time], "db"),
    ("sl_outbox_get", _int, [_vp, _P(SLOutboxEvent), sl_id, sl_id], "db"),
    ("sl_outbox_session_events", _int, [_vp, _P(_P(SLOutboxEvent)), c_size_p, sl_id, sl_id], "db"),
    ("sl_outbox_free", None, [_vp], None),
    # ledger.h
    ("sl_ledger_post", _int, [_vp, _P(SLEntry), sl_id, sl_id, _i32, _i64, _cp, _cp, sl_time], "db"),
    ("sl_ledger_post_many", _int, [_vp, _P(SLEntry), c_size_p, sl_id, _P(SLPost), _sz, sl_time], "db"),
    ("sl_ledger_balance", _int, [_vp, _P(SLBalance), sl_id, sl_id, sl_time], "db"),
    ("sl_account_set_floor", _int, [_vp, sl_id, sl_id, _i64, sl_time], "db"),
    ("sl_account_get", _int, [_vp, _P(SLAccount), sl_id, sl_id, _u32], "db"),
    ("sl_hold", _int, [_vp, _P(SLCreditHold), sl_id, sl_id, _i64, sl_time, _cp, sl_time], "db"),
    ("sl_hold_capture", _int, [_vp, _P(SLEntry), sl_id, sl_id, _i64, _cp, sl_time], "db"),
    ("sl_hold_release", _int, [_vp, _P(SLCreditHold), sl_id, sl_id, sl_time], "db"),
    ("sl_hold_get", _int, [_vp, _P(SLCreditHold), sl_id, sl_id], "db"),
    ("sl_ledger_history", _int, [_vp, _P(SLEntry), _sz, c_size_p, sl_id, sl_id, _i64], "db"),
    ("sl_ledger_verify", _int, [_vp, _P(SLVerifyReport), sl_id], "db"),
    ("sl_ledger_head", _int, [_vp, _P(SLLedgerAnchor), sl_id], "db"),
    ("sl_ledger_verify_head", _int, [_vp, sl_id, _P(SLLedgerAnchor)], "db"),
    ("sl_ledger_seal", _int, [_vp, c_size_p, sl_id], "db"),
    ("sl_webhook_verify", _int, [_cp, _sz, _cp, _cp, _sz, sl_time, _i64], "thread"),
    ("sl_webhook_claim", _int, [_vp, _P(_int), sl_id, _cp, _cp, sl_time], "db"),
]

# Exported but deliberately not declared: sl_open_store, sl_store_init,
# sl_store_error, sl_store_memory_new, sl_store_sqlite_new (the backend
# vtable of sys/store.h is for C backend authors).


def _message(source, args):
    if source == "db":
        raw = lib.sl_errmsg(args[0] if args else None)
    elif source == "thread":
        raw = lib.sl_errmsg(None)
    else:
        raw = None
    return raw.decode("utf-8", "replace") if raw else ""


def _make_errcheck(source):
    def errcheck(result, func, args):
        if result < 0:
            msg = _message(source, args)
            if not msg:
                msg = "%s failed: %s" % (func.__name__, lib.sl_strerror(result).decode())
            raise _errors.error_for_code(result, msg)
        return result
    return errcheck


FUNCTIONS = {}
for _name, _res, _args, _src in _FUNCTIONS:
    try:
        _f = getattr(lib, _name)
    except AttributeError:
        raise ImportError("slotledger: the loaded library (%s) has no %s; it is older than this "
                          "binding" % (path, _name)) from None
    _f.restype = _res
    _f.argtypes = _args
    if _src is not None:
        _f.errcheck = _make_errcheck(_src)
    FUNCTIONS[_name] = _f
del _name, _res, _args, _src, _f


def check_struct_sizes(structs=None, size_of=None):
    """Raise ImportError naming the first Structure whose ctypes.sizeof
    differs from the loaded library's sl_struct_size (0: the library does
    not know the struct)."""
    structs = STRUCTS if structs is None else structs
    size_of = lib.sl_struct_size if size_of is None else size_of
    for cname, cls in structs.items():
        c_size = size_of(cname.encode("ascii"))
        py_size = ctypes.sizeof(cls)
        if c_size == 0:
            raise ImportError("slotledger: the loaded library (%s) does not know struct %s; "
                              "it is older than this binding" % (path, cname))
        if c_size != py_size:
            raise ImportError("slotledger: struct %s is %d bytes in the loaded library (%s) but %d "
                              "bytes in the Python binding (%s): the binding does not match the "
                              "library's headers" % (cname, c_size, path, py_size, cls.__name__))


check_struct_sizes()

# Last: errors reads the code list through `lib`, declared above.
from . import errors as _errors  # noqa: E402

