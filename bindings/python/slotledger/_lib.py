"""Loading libslotledger and declaring its C API (ctypes).

The loader follows python-magic's pattern: candidate paths are tried in
order ($SLOTLEDGER_LIB, the source tree's build directories, the system),
and every function is declared once, from one table, with argtypes, restype
and an errcheck that turns a negative result into an exception carrying the
library's message.

Structures mirror include/slotledger/*.h field by field; any change there
must be repeated here (tests/test_structs.py compares every offset with a
compiled probe when a C compiler is available).
"""

import ctypes
import ctypes.util
import glob
import os
import sys

from .errors import error_for_code

__all__ = ["lib", "path", "SLOptions", "SLTenant", "SLInterval", "SLWindow", "SLRule",
           "SLOverride", "SLEngineParams", "SLSession", "SLBooking", "SLAccount",
           "SLEntry", "SLCreditHold", "SLBalance", "SLPost", "SLVerifyReport", "SLLedgerAnchor"]

# ---------------------------------------------------------------- constants
SL_TZ_NAME_MAX = 64
SL_KEY_MAX = 128
SL_REF_MAX = 128
SL_HASH_BYTES = 32
SL_MAX_WINDOWS_PER_DAY = 48
SL_MAX_RANGE_DAYS = 14
SL_MAX_SLOTS = 2 * SL_MAX_RANGE_DAYS * 1440 + 2
SL_MAX_RECURRING = 52
SL_MAX_BATCH = 100
SL_MAX_LINKED = 1000
SL_INCLUDE_DELETED = 0x1
SL_SLOTS_CLAMPED = 0x1
SL_DATE_MIN = -2 ** 31
SL_DATE_MAX = 2 ** 31 - 1
SL_OPTIONS_VERSION = 1
SL_TENANT_VERSION = 1
SL_ENGINE_VERSION = 1
SL_LEDGER_ANCHOR_VERSION = 1
SL_DURABLE = 0
SL_FAST = 1
SL_RECUR_ALL_OR_NOTHING = 0
SL_RECUR_SKIP_CONFLICTS = 1

sl_time = ctypes.c_int64
sl_id = ctypes.c_int64
sl_date = ctypes.c_int32
c_size_p = ctypes.POINTER(ctypes.c_size_t)


# --------------------------------------------------------------- structures
class SLOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("durability", ctypes.c_int32),
        ("tzdir", ctypes.c_char_p),
        ("busy_timeout_ms", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
        ("ledger_key", ctypes.POINTER(ctypes.c_uint8)),
        ("ledger_key_len", ctypes.c_size_t),
    ]


class SLTenant(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("max_advance_days", ctypes.c_int32),
        ("id", sl_id),
        ("tz", ctypes.c_char * (SL_TZ_NAME_MAX + 1)),
        ("buffer_before", ctypes.c_int64),
        ("buffer_after", ctypes.c_int64),
        ("min_notice", ctypes.c_int64),
        ("step", ctypes.c_int64),
        ("late_cancel", ctypes.c_int64),
        ("created_at", sl_time),
        ("updated_at", sl_time),
    ]


class SLInterval(ctypes.Structure):
    _fields_ = [("start", sl_time), ("end", sl_time)]


class SLWindow(ctypes.Structure):
    _fields_ = [("start_min", ctypes.c_int32), ("end_min", ctypes.c_int32)]


class SLRule(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("weekday", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("start_min", ctypes.c_int32),
        ("end_min", ctypes.c_int32),
        ("valid_from", sl_date),
        ("valid_until", sl_date),
        ("created_at", sl_time),
        ("updated_at", sl_time),
        ("deleted_at", sl_time),
    ]


class SLOverride(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("n_windows", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("date", sl_date),
        ("reserved", ctypes.c_int32),
        ("windows", SLWindow * SL_MAX_WINDOWS_PER_DAY),
        ("created_at", sl_time),
        ("updated_at", sl_time),
        ("deleted_at", sl_time),
    ]


class SLEngineParams(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("reserved", ctypes.c_int32),
        ("duration", ctypes.c_int64),
        ("step", ctypes.c_int64),
        ("buffer_before", ctypes.c_int64),
        ("buffer_after", ctypes.c_int64),
        ("from_", sl_time),
        ("to", sl_time),
        ("earliest", sl_time),
        ("horizon", sl_time),
    ]


class SLSession(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("status", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("student", sl_id),
        ("start", sl_time),
        ("end", sl_time),
        ("kind", ctypes.c_int32),
        ("replayed", ctypes.c_int32),
        ("credits", ctypes.c_int64),
        ("hold_id", sl_id),
        ("series_id", sl_id),
        ("created_at", sl_time),
        ("updated_at", sl_time),
        ("deleted_at", sl_time),
        ("key", ctypes.c_char * (SL_KEY_MAX + 1)),
        ("request_hash", ctypes.c_uint8 * 16),
    ]


class SLBooking(ctypes.Structure):
    _fields_ = [
        ("student", sl_id),
        ("start", sl_time),
        ("duration", ctypes.c_int64),
        ("credits", ctypes.c_int64),
    ]


class SLAccount(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("reserved", ctypes.c_int32),
        ("tenant", sl_id),
        ("student", sl_id),
        ("floor", ctypes.c_int64),
        ("posted", ctypes.c_int64),
        ("held", ctypes.c_int64),
        ("created_at", sl_time),
        ("updated_at", sl_time),
        ("deleted_at", sl_time),
    ]


class SLEntry(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("kind", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("account", sl_id),
        ("seq", ctypes.c_int64),
        ("amount", ctypes.c_int64),
        ("balance_after", ctypes.c_int64),
        ("hold_id", sl_id),
        ("created_at", sl_time),
        ("replayed", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
        ("key", ctypes.c_char * (SL_KEY_MAX + 1)),
        ("reference", ctypes.c_char * (SL_REF_MAX + 1)),
        ("request_hash", ctypes.c_uint8 * 16),
        ("hash", ctypes.c_uint8 * SL_HASH_BYTES),
    ]


class SLCreditHold(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("status", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("account", sl_id),
        ("amount", ctypes.c_int64),
        ("captured", ctypes.c_int64),
        ("expires_at", sl_time),
        ("created_at", sl_time),
        ("resolved_at", sl_time),
        ("entry_id", sl_id),
        ("replayed", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
        ("key", ctypes.c_char * (SL_KEY_MAX + 1)),
        ("request_hash", ctypes.c_uint8 * 16),
    ]


class SLBalance(ctypes.Structure):
    _fields_ = [
        ("posted", ctypes.c_int64),
        ("held", ctypes.c_int64),
        ("available", ctypes.c_int64),
        ("floor", ctypes.c_int64),
    ]


class SLPost(ctypes.Structure):
    _fields_ = [
        ("account", sl_id),
        ("kind", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
        ("amount", ctypes.c_int64),
        ("key", ctypes.c_char_p),
        ("reference", ctypes.c_char_p),
    ]


class SLVerifyReport(ctypes.Structure):
    _fields_ = [
        ("entries", ctypes.c_int64),
        ("accounts", ctypes.c_int64),
        ("first_bad_seq", ctypes.c_int64),
        ("first_bad_entry", sl_id),
    ]


class SLLedgerAnchor(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("reserved", ctypes.c_int32),
        ("tenant", sl_id),
        ("seq", ctypes.c_int64),
        ("hash", ctypes.c_uint8 * SL_HASH_BYTES),
    ]


# ------------------------------------------------------------------- loader
def _candidates():
    env = os.environ.get("SLOTLEDGER_LIB")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    # bindings/python/slotledger -> the source tree's root
    root = os.path.normpath(os.path.join(here, "..", "..", ".."))
    names = ["libslotledger.so"]
    if sys.platform == "darwin":
        names = ["libslotledger.dylib"]
    elif sys.platform == "win32":
        names = ["slotledger.dll", "libslotledger.dll"]
    for name in names:
        yield os.path.join(root, "build", name)
        for d in sorted(glob.glob(os.path.join(root, "build*"))):
            yield os.path.join(d, name)
    found = ctypes.util.find_library("slotledger")
    if found:
        yield found
    yield "libslotledger.so.0"


def _load():
    tried = []
    for cand in _candidates():
        if os.path.sep in cand and not os.path.exists(cand):
            tried.append("%s (missing)" % cand)
            continue
        try:
            return ctypes.CDLL(cand), cand
        except OSError as exc:
            tried.append("%s (%s)" % (cand, exc))
    raise ImportError(
        "slotledger: cannot load libslotledger; set SLOTLEDGER_LIB to the shared "
        "library's path. Tried:\n  " + "\n  ".join(tried))


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
            raise error_for_code(result, msg)
        return result
    return errcheck


FUNCTIONS = {}
for _name, _res, _args, _src in _FUNCTIONS:
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args
    if _src is not None:
        _f.errcheck = _make_errcheck(_src)
    FUNCTIONS[_name] = _f
del _name, _res, _args, _src, _f
