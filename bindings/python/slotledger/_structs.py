"""The C types of include/slotledger/*.h as ctypes Structures, field by
field, and the constants their layouts use.

A change of a header must be repeated here. _lib checks at import that
ctypes.sizeof of every Structure equals the library's own
sl_struct_size("sl_..."), and tests/test_lib.py compares every field
offset with a compiled probe when a C compiler is available.
"""

import ctypes

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


# sl_ics_summary_fn: int (*)(void *ctx, const sl_session *s, char *buf, size_t cap)
SL_ICS_SUMMARY_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(SLSession),
                                     ctypes.c_void_p, ctypes.c_size_t)


class SLIcsOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("flags", ctypes.c_uint32),
        ("student", sl_id),
        ("domain", ctypes.c_char_p),
        ("prodid", ctypes.c_char_p),
        ("summary", ctypes.c_char_p),
        ("summary_fn", SL_ICS_SUMMARY_FN),
        ("summary_ctx", ctypes.c_void_p),
    ]


SL_OUTBOX_CONSUMER_SIZE = 64
SL_OUTBOX_ERROR_SIZE = 256
SL_OUTBOX_CLAIM_MAX = 1000
SL_OUTBOX_LEASE_MAX = 86400
SL_OUTBOX_TOKEN_MAX = 2 ** 53 - 1
SL_OUTBOX_EVENT_VERSION = 1
SL_OUTBOX_OPTIONS_VERSION = 1
SL_OUTBOX_COUNTS_VERSION = 1


class SLOutboxEvent(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("kind", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("session", sl_id),
        ("seq", ctypes.c_int64),
        ("status", ctypes.c_int32),
        ("session_kind", ctypes.c_int32),
        ("student", sl_id),
        ("start", sl_time),
        ("end", sl_time),
        ("credits", ctypes.c_int64),
        ("deleted_at", sl_time),
        ("created_at", sl_time),
        ("state", ctypes.c_int32),
        ("attempts", ctypes.c_int32),
        ("available_at", sl_time),
        ("lease_until", sl_time),
        ("token", ctypes.c_int64),
        ("acked_at", sl_time),
        ("consumer", ctypes.c_char * SL_OUTBOX_CONSUMER_SIZE),
        ("error", ctypes.c_char * SL_OUTBOX_ERROR_SIZE),
    ]


class SLOutboxOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("attempts", ctypes.c_int32),
        ("backoff_base", ctypes.c_int64),
        ("backoff_cap", ctypes.c_int64),
    ]


class SLOutboxCounts(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("reserved", ctypes.c_int32),
        ("due", ctypes.c_int64),
        ("waiting", ctypes.c_int64),
        ("leased", ctypes.c_int64),
        ("dead", ctypes.c_int64),
        ("acked", ctypes.c_int64),
        ("oldest_age", ctypes.c_int64),
    ]


SL_CLASS_VERSION = 1
SL_SEAT_VERSION = 1
SL_CLASS_CAPACITY_MAX = 1000
SL_WAITLIST = 0x1


class SLClass(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("capacity", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("credits_per_seat", ctypes.c_int64),
        ("taken", ctypes.c_int32),
        ("waitlisted", ctypes.c_int32),
        ("last_position", ctypes.c_int64),
    ]


class SLSeat(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("status", ctypes.c_int32),
        ("id", sl_id),
        ("tenant", sl_id),
        ("class_id", sl_id),
        ("student", sl_id),
        ("position", ctypes.c_int64),
        ("hold_id", sl_id),
        ("created_at", sl_time),
        ("updated_at", sl_time),
        ("replayed", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
        ("key", ctypes.c_char * (SL_KEY_MAX + 1)),
        ("request_hash", ctypes.c_uint8 * 16),
        ("withdraw_key", ctypes.c_char * (SL_KEY_MAX + 1)),
        ("withdraw_hash", ctypes.c_uint8 * 16),
    ]


SL_MAX_TEAM = 10000
SL_MAX_TEAM_BOOK = 100
SL_TEAM_ANY = 1
SL_TEAM_ALL = 2


class SLManySlots(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("flags", ctypes.c_uint32),
        ("n_tenants", ctypes.c_uint64),
        ("n_slots", ctypes.c_uint64),
        ("tenants", ctypes.POINTER(sl_id)),
        ("status", ctypes.POINTER(ctypes.c_int32)),
        ("offsets", ctypes.POINTER(ctypes.c_uint64)),
        ("slots", ctypes.c_void_p),
    ]


class SLTeamAvail(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("flags", ctypes.c_uint32),
        ("mode", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
        ("n_starts", ctypes.c_uint64),
        ("n_who", ctypes.c_uint64),
        ("starts", ctypes.c_void_p),
        ("offsets", ctypes.c_void_p),
        ("who", ctypes.c_void_p),
    ]


class SLFreeAtResult(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("reserved", ctypes.c_int32),
        ("n_tenants", ctypes.c_uint64),
        ("n_free", ctypes.c_uint64),
        ("tenants", ctypes.POINTER(sl_id)),
        ("status", ctypes.POINTER(ctypes.c_int32)),
        ("free", ctypes.POINTER(sl_id)),
    ]


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
