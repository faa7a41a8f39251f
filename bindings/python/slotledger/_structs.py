"""The C types of include/slotledger/*.h as ctypes Structures, written as
their C member declarations, and the constants their layouts use.

A change of a header must be repeated here. _lib checks at import that
ctypes.sizeof of every Structure equals the library's own
sl_struct_size("sl_..."), and tests/test_lib.py compares every field
offset with a compiled probe when a C compiler is available.
"""

import ctypes
import re as _re

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
SL_ICS_OPTIONS_VERSION = 1
SL_ICS_TEXT_MAX = 1024
SL_ICS_DOMAIN_MAX = 253
SL_OUTBOX_CONSUMER_SIZE = 64
SL_OUTBOX_ERROR_SIZE = 256
SL_OUTBOX_CLAIM_MAX = 1000
SL_OUTBOX_LEASE_MAX = 86400
SL_OUTBOX_TOKEN_MAX = 2 ** 53 - 1
SL_OUTBOX_EVENT_VERSION = 1
SL_OUTBOX_OPTIONS_VERSION = 1
SL_OUTBOX_COUNTS_VERSION = 1
SL_CLASS_VERSION = 1
SL_SEAT_VERSION = 1
SL_CLASS_CAPACITY_MAX = 1000
SL_WAITLIST = 0x1
SL_MAX_TEAM = 10000
SL_MAX_TEAM_BOOK = 100
SL_TEAM_ANY = 1
SL_TEAM_ALL = 2

sl_time = ctypes.c_int64
sl_id = ctypes.c_int64
sl_date = ctypes.c_int32
c_size_p = ctypes.POINTER(ctypes.c_size_t)


# --------------------------------------------------------------- structures
# Every struct is written once, in _LAYOUTS below, as its C member
# declarations in header order ("int64_t a, b; char key[SL_KEY_MAX + 1]"), so
# that a layout reads like the header it mirrors; @_layout gives each
# Structure the _fields_ _fields makes of them. A member Python cannot spell
# (sl_engine_params.from) is written as Python names it (from_).
_CTYPES = {
    "unsigned int": ctypes.c_uint, "int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32,
    "int64_t": ctypes.c_int64, "uint64_t": ctypes.c_uint64, "uint8_t": ctypes.c_uint8,
    "size_t": ctypes.c_size_t, "char": ctypes.c_char, "void": None,
    "sl_id": sl_id, "sl_time": sl_time, "sl_date": sl_date,
}
_POINTERS = {ctypes.c_char: ctypes.c_char_p, None: ctypes.c_void_p}


def _length(expr):
    """The value of an array length: numbers and constants of this module, added."""
    return sum(int(t) if t.strip().isdigit() else globals()[t.strip()] for t in expr.split("+"))


def _fields(decl):
    """ctypes _fields_ of C member declarations (types of _CTYPES)."""
    fields = []
    for part in decl.split(";"):
        m = _re.match(r"\s*(?:const\s+)?(\w+(?:\s+int\b)?)\s*(.*?)\s*$", part)
        if not m.group(2):
            continue
        for item in m.group(2).split(","):
            d = _re.fullmatch(r"(\*?)\s*(\w+)(?:\[(.+)\])?", item.strip())
            t = _CTYPES[m.group(1)]
            if d.group(1):
                t = _POINTERS[t] if t in _POINTERS else ctypes.POINTER(t)
            fields.append((d.group(2), t * _length(d.group(3)) if d.group(3) else t))
    return fields


# One entry a struct: its name, then its members in header order.
_LAYOUTS = dict(_re.findall(r"(sl_\w+) \{([^}]*)\}", """
sl_options { unsigned int version; int32_t durability; const char *tzdir; int32_t busy_timeout_ms, reserved;
             const uint8_t *ledger_key; size_t ledger_key_len }
sl_tenant { unsigned int version; int32_t max_advance_days; sl_id id; char tz[SL_TZ_NAME_MAX + 1];
            int64_t buffer_before, buffer_after, min_notice, step, late_cancel; sl_time created_at, updated_at }
sl_interval { sl_time start, end }
sl_window { int32_t start_min, end_min }
sl_rule { unsigned int version; int32_t weekday; sl_id id, tenant; int32_t start_min, end_min;
          sl_date valid_from, valid_until; sl_time created_at, updated_at, deleted_at }
sl_override { unsigned int version; int32_t n_windows; sl_id id, tenant; sl_date date; int32_t reserved;
              sl_window windows[SL_MAX_WINDOWS_PER_DAY]; sl_time created_at, updated_at, deleted_at }
sl_engine_params { unsigned int version; int32_t reserved; int64_t duration, step, buffer_before, buffer_after;
                   sl_time from_, to, earliest, horizon }
sl_session { unsigned int version; int32_t status; sl_id id, tenant, student; sl_time start, end; int32_t kind, replayed;
             int64_t credits; sl_id hold_id, series_id; sl_time created_at, updated_at, deleted_at;
             char key[SL_KEY_MAX + 1]; uint8_t request_hash[16] }
sl_booking { sl_id student; sl_time start; int64_t duration, credits }
sl_account { unsigned int version; int32_t reserved; sl_id tenant, student; int64_t floor, posted, held;
             sl_time created_at, updated_at, deleted_at }
sl_entry { unsigned int version; int32_t kind; sl_id id, tenant, account; int64_t seq, amount, balance_after;
           sl_id hold_id; sl_time created_at; int32_t replayed, reserved; char key[SL_KEY_MAX + 1], reference[SL_REF_MAX + 1];
           uint8_t request_hash[16], hash[SL_HASH_BYTES] }
sl_credit_hold { unsigned int version; int32_t status; sl_id id, tenant, account; int64_t amount, captured;
                 sl_time expires_at, created_at, resolved_at; sl_id entry_id; int32_t replayed, reserved;
                 char key[SL_KEY_MAX + 1]; uint8_t request_hash[16] }
sl_balance { int64_t posted, held, available, floor }
sl_post { sl_id account; int32_t kind, reserved; int64_t amount; const char *key, *reference }
sl_verify_report { int64_t entries, accounts, first_bad_seq; sl_id first_bad_entry }
sl_ledger_anchor { unsigned int version; int32_t reserved; sl_id tenant; int64_t seq; uint8_t hash[SL_HASH_BYTES] }
sl_ics_options { unsigned int version; uint32_t flags; sl_id student; const char *domain, *prodid, *summary;
                 sl_ics_summary_fn summary_fn; void *summary_ctx }
sl_outbox_event { unsigned int version; int32_t kind; sl_id id, tenant, session; int64_t seq;
                  int32_t status, session_kind; sl_id student; sl_time start, end; int64_t credits;
                  sl_time deleted_at, created_at; int32_t state, attempts; sl_time available_at, lease_until;
                  int64_t token; sl_time acked_at; char consumer[SL_OUTBOX_CONSUMER_SIZE], error[SL_OUTBOX_ERROR_SIZE] }
sl_outbox_options { unsigned int version; int32_t attempts; int64_t backoff_base, backoff_cap }
sl_outbox_counts { unsigned int version; int32_t reserved; int64_t due, waiting, leased, dead, acked, oldest_age }
sl_class { unsigned int version; int32_t capacity; sl_id id, tenant; int64_t credits_per_seat; int32_t taken, waitlisted;
           int64_t last_position }
sl_seat { unsigned int version; int32_t status; sl_id id, tenant, class_id, student; int64_t position; sl_id hold_id;
          sl_time created_at, updated_at; int32_t replayed, reserved; char key[SL_KEY_MAX + 1]; uint8_t request_hash[16];
          char withdraw_key[SL_KEY_MAX + 1]; uint8_t withdraw_hash[16] }
sl_many_slots { unsigned int version; uint32_t flags; uint64_t n_tenants, n_slots; sl_id *tenants; int32_t *status;
                uint64_t *offsets; void *slots }
sl_team_avail { unsigned int version; uint32_t flags; int32_t mode, reserved; uint64_t n_starts, n_who;
                void *starts, *offsets, *who }
sl_free_at_result { unsigned int version; int32_t reserved; uint64_t n_tenants, n_free; sl_id *tenants;
                    int32_t *status; sl_id *free }
"""))


def _layout(name):
    """Class decorator: the Structure gets the _fields_ of the C struct name,
    and later layouts may name it as a member type."""
    def give(cls):
        cls._fields_ = _fields(_LAYOUTS[name])
        _CTYPES[name] = cls
        return cls
    return give


@_layout("sl_options")
class SLOptions(ctypes.Structure):
    pass


@_layout("sl_tenant")
class SLTenant(ctypes.Structure):
    pass


@_layout("sl_interval")
class SLInterval(ctypes.Structure):
    pass


@_layout("sl_window")
class SLWindow(ctypes.Structure):
    pass


@_layout("sl_rule")
class SLRule(ctypes.Structure):
    pass


@_layout("sl_override")
class SLOverride(ctypes.Structure):
    pass


@_layout("sl_engine_params")
class SLEngineParams(ctypes.Structure):
    pass


@_layout("sl_session")
class SLSession(ctypes.Structure):
    pass


@_layout("sl_booking")
class SLBooking(ctypes.Structure):
    pass


@_layout("sl_account")
class SLAccount(ctypes.Structure):
    pass


@_layout("sl_entry")
class SLEntry(ctypes.Structure):
    pass


@_layout("sl_credit_hold")
class SLCreditHold(ctypes.Structure):
    pass


@_layout("sl_balance")
class SLBalance(ctypes.Structure):
    pass


@_layout("sl_post")
class SLPost(ctypes.Structure):
    pass


@_layout("sl_verify_report")
class SLVerifyReport(ctypes.Structure):
    pass


@_layout("sl_ledger_anchor")
class SLLedgerAnchor(ctypes.Structure):
    pass


# sl_ics_summary_fn: int (*)(void *ctx, const sl_session *s, char *buf, size_t cap)
SL_ICS_SUMMARY_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(SLSession),
                                     ctypes.c_void_p, ctypes.c_size_t)
_CTYPES["sl_ics_summary_fn"] = SL_ICS_SUMMARY_FN


@_layout("sl_ics_options")
class SLIcsOptions(ctypes.Structure):
    pass


@_layout("sl_outbox_event")
class SLOutboxEvent(ctypes.Structure):
    pass


@_layout("sl_outbox_options")
class SLOutboxOptions(ctypes.Structure):
    pass


@_layout("sl_outbox_counts")
class SLOutboxCounts(ctypes.Structure):
    pass


@_layout("sl_class")
class SLClass(ctypes.Structure):
    pass


@_layout("sl_seat")
class SLSeat(ctypes.Structure):
    pass


@_layout("sl_many_slots")
class SLManySlots(ctypes.Structure):
    pass


@_layout("sl_team_avail")
class SLTeamAvail(ctypes.Structure):
    pass


@_layout("sl_free_at_result")
class SLFreeAtResult(ctypes.Structure):
    pass


# The C name of every Structure, for the import-time size check.
STRUCTS = {
    "sl_options": SLOptions, "sl_tenant": SLTenant, "sl_interval": SLInterval,
    "sl_window": SLWindow, "sl_rule": SLRule, "sl_override": SLOverride,
    "sl_engine_params": SLEngineParams, "sl_session": SLSession, "sl_booking": SLBooking,
    "sl_account": SLAccount, "sl_entry": SLEntry, "sl_credit_hold": SLCreditHold,
    "sl_balance": SLBalance, "sl_post": SLPost, "sl_verify_report": SLVerifyReport,
    "sl_ledger_anchor": SLLedgerAnchor, "sl_ics_options": SLIcsOptions,
    "sl_outbox_event": SLOutboxEvent, "sl_outbox_options": SLOutboxOptions,
    "sl_outbox_counts": SLOutboxCounts,
    "sl_class": SLClass, "sl_seat": SLSeat,
    "sl_many_slots": SLManySlots, "sl_team_avail": SLTeamAvail, "sl_free_at_result": SLFreeAtResult,
}
