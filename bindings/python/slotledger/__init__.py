"""slotledger: lesson scheduling and an idempotent credit ledger (ctypes
binding of libslotledger; standard library only).

    import slotledger as sl
    db = sl.open("tutor.db")          # or sl.open(":memory:"), sl.open_memory()
    db.set_tenant(7, tz="Europe/Berlin", min_notice=3600)
    db.add_rule(7, weekday=1, start="09:00", end="17:00")

Times are aware datetimes in (naive ones are refused) and aware UTC datetimes
out; durations are timedeltas (or int seconds); failures raise subclasses of
sl.Error carrying .code and the library's .message.
"""

from . import _lib
from .errors import (Error, InvalidArgument, NoMemory, NotFound, Conflict, Unavailable,
                     RangeError, OutOfRange, TimeZoneError, IdempotencyMismatch,
                     InsufficientCredits, StateError, Expired, Busy, StoreError, TamperError,
                     AlreadyExists, Misuse, ClassFull, CODES as codes)
from .records import (Tenant, Rule, Override, Session, Entry, Hold, Account, Balance,
                      VerifyReport, Head, SlotList, OutboxEvent, OutboxStats, ClassInfo, Seat)
from .enums import (STATUS, SESSION_KIND, ENTRY_KIND, HOLD_STATUS, ENTITY, EVENT_KIND, OUTBOX_STATE,
                    SEAT_STATUS)
from .functions import (version, version_number, strerror, code_description, utc_offset,
                        local_to_utc, utc_to_local, tz_check, webhook_verify, engine_slots,
                        engine_slots_epoch,
                        format_time, parse_time)
from .database import open, open_memory, Database  # noqa: A004
from .epoch import SlotArray
from .teams import TeamSlots

__all__ = [
    "open", "open_memory", "Database", "version", "version_number", "strerror",
    "code_description", "utc_offset", "local_to_utc", "utc_to_local", "tz_check",
    "webhook_verify", "engine_slots", "engine_slots_epoch", "format_time", "parse_time",
    "Tenant", "Rule", "Override", "Session", "Entry", "Hold", "Account", "Balance",
    "VerifyReport", "Head", "SlotList", "SlotArray", "OutboxEvent", "OutboxStats", "ClassInfo", "Seat",
    "TeamSlots",
    "Error", "InvalidArgument", "NoMemory", "NotFound", "Conflict", "Unavailable",
    "RangeError", "OutOfRange", "TimeZoneError", "IdempotencyMismatch", "InsufficientCredits",
    "StateError", "Expired", "Busy", "StoreError", "TamperError", "AlreadyExists", "Misuse", "ClassFull",
    "codes", "STATUS", "SESSION_KIND", "ENTRY_KIND", "HOLD_STATUS", "ENTITY",
    "EVENT_KIND", "OUTBOX_STATE",
    "SEAT_STATUS",
]

__version__ = "0.1.0"

# The C library's path, as loaded (Node: sl.libraryPath).
library_path = _lib.path
