"""The library's enumerations, read from the loaded library at import time
(sl_status_name, sl_kind_name, sl_entry_kind_name, sl_hold_status_name,
sl_entity_name, sl_seat_status_name of slotledger/codes.h, sl_event_kind_name
and sl_outbox_state_name of slotledger/outbox.h enumerate X-macro lists), so
that a value added in C needs no change here.

Public maps (name -> value, as in Node): STATUS, SESSION_KIND, ENTRY_KIND, HOLD_STATUS,
ENTITY, EVENT_KIND, OUTBOX_STATE, SEAT_STATUS. The underscore names are the binding's own lookups.
"""

from . import _lib
from ._lib import lib as _L

__all__ = ["STATUS", "SESSION_KIND", "ENTRY_KIND", "HOLD_STATUS", "ENTITY", "EVENT_KIND", "OUTBOX_STATE",
           "SEAT_STATUS"]

# Values of every list are small and positive (codes.h): 0..255 covers them.
_SCAN = range(0, 256)


def _read(fn):
    table = {}
    for value in _SCAN:
        name = fn(value)
        if name is not None:
            table[value] = name.decode("ascii")
    if not table:
        raise ImportError("slotledger: %s names nothing in the loaded library" % fn.__name__)
    return table


# value -> name, as the library reads them.
_STATUS = _read(_L.sl_status_name)
_SESSION_KIND = _read(_L.sl_kind_name)
_ENTRY_KIND = _read(_L.sl_entry_kind_name)
_HOLD_STATUS = _read(_L.sl_hold_status_name)
_ENTITY_NAME = _read(_L.sl_entity_name)
_EVENT_KIND = _read(_L.sl_event_kind_name)
_OUTBOX_STATE = _read(_L.sl_outbox_state_name)
_SEAT_STATUS = _read(_L.sl_seat_status_name)

# name -> value, the public form (as Node's sl.STATUS and sl.codes).
STATUS = {v: k for k, v in _STATUS.items()}
SESSION_KIND = {v: k for k, v in _SESSION_KIND.items()}
ENTRY_KIND = {v: k for k, v in _ENTRY_KIND.items()}
HOLD_STATUS = {v: k for k, v in _HOLD_STATUS.items()}
ENTITY = {v: k for k, v in _ENTITY_NAME.items()}
EVENT_KIND = {v: k for k, v in _EVENT_KIND.items()}
OUTBOX_STATE = {v: k for k, v in _OUTBOX_STATE.items()}
SEAT_STATUS = {v: k for k, v in _SEAT_STATUS.items()}

_ENTRY_KIND_CODE = ENTRY_KIND
_ENTITY = ENTITY

# Not enumerations of a list in codes.h: the outcome of sl_tz_local_to_utc
# (SL_TZ_UNIQUE / GAP / FOLD of tz.h) and sl_options.durability (db.h).
_TZ_KIND = {0: "unique", 1: "gap", 2: "fold"}
_DURABILITY = {"durable": _lib.SL_DURABLE, "fast": _lib.SL_FAST}
