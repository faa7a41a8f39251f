"""Slots as packed epoch arrays (Database.slots_epoch, engine_slots_epoch),
and the one read of the library's result that Database.slots shares.

The C result is an array of sl_interval, (start, end) int64 pairs. It is
copied once, as bytes, into an array('q'): no ctypes Structure and no
Python int is made per slot. Database.slots then builds its datetimes from
that array; an instant seen recently is taken from a small cache instead of
being built again (datetimes are immutable, so sharing one is safe).
"""

from __future__ import annotations

import ctypes
import threading
from array import array
from datetime import datetime, timezone
from typing import Optional

from . import _lib
from ._lib import lib as _L
from ._types import Span
from .errors import CODES
from .records import SlotList
from ._convert import _int, _now_in, _span_in, _time_in, _time_out

__all__ = ["SlotArray", "EpochMixin"]

_ITEM = ctypes.sizeof(_lib.SLInterval)      # 16: two int64
_CAP = 1024                                 # slots in a thread's reusable buffer
_tls = threading.local()
_ERANGE = CODES["SL_ERANGE"]
_CLAMPED = _lib.SL_SLOTS_CLAMPED


class SlotArray(array):
    """Slots as Unix seconds (UTC) in an array('q') of flat (start, end)
    pairs: ``a[2*i]`` is the start of slot i and ``a[2*i+1]`` its end
    (start + duration), sorted by start; ``len(a)`` is twice the number of
    slots. ``clamped`` is True when the library cut the query range to 14
    days. It is the C library's own layout, copied once."""

    clamped = False   # set on the instance only when True


# sl_slots without the errcheck hook (one Python call less on the hot
# path); a failure raises what the hooked function raises.
_sl_slots = _L["sl_slots"]
_sl_slots.argtypes = _L.sl_slots.argtypes
_sl_slots.restype = _L.sl_slots.restype
_raise_for = _L.sl_slots.errcheck


def _buffer():
    """This thread's reusable result buffer: (a memoryview of its bytes, its pointer as
    sl_interval *, count, flags and their byref()s). Per thread, so that
    two Databases used from two threads never share it."""
    b = getattr(_tls, "slots", None)
    if b is None:
        raw = bytearray(_CAP * _ITEM)
        ptr = ctypes.cast((ctypes.c_char * len(raw)).from_buffer(raw), ctypes.POINTER(_lib.SLInterval))
        n, flags = ctypes.c_size_t(), ctypes.c_uint32()
        b = _tls.slots = (memoryview(raw), ptr, n, ctypes.byref(n), flags, ctypes.byref(flags))
    return b


def _slots_packed(db, tenant, start, end, duration, now) -> SlotArray:
    """sl_slots of one tenant as a SlotArray (the arguments checked as
    Database.slots checks them). Into this thread's buffer when the result
    fits (one C call), else through sl_slots_alloc."""
    args = (_int("tenant", tenant), _time_in("start", start), _time_in("end", end),
            _span_in("duration", duration), _now_in(now))
    view, ptr, n, n_ref, flags, flags_ref = _buffer()
    out = SlotArray("q")
    with db._lock:
        h = db._handle()
        n.value = 0
        flags.value = 0
        rc = _sl_slots(h, ptr, _CAP, n_ref, flags_ref, *args)
        if rc >= 0:
            out.frombytes(view[:n.value * _ITEM])
        elif rc == _ERANGE and n.value > _CAP:
            _slots_alloc_into(out, h, flags_ref, args)
        else:
            _raise_for(rc, _sl_slots, (h,))
    if flags.value & _CLAMPED:
        out.clamped = True
    return out


def _slots_alloc_into(out, h, flags_ref, args):
    """A result larger than the thread's buffer: sl_slots_alloc, copied
    into out, the library's array released with sl_free."""
    ptr, n = ctypes.POINTER(_lib.SLInterval)(), ctypes.c_size_t()
    _L.sl_slots_alloc(h, ctypes.byref(ptr), ctypes.byref(n), flags_ref, *args)
    if n.value:
        try:
            out.frombytes(ctypes.string_at(ptr, n.value * _ITEM))
        finally:
            _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))


# Instants recently turned into datetimes, shared by every call (a host
# showing the same weeks to many students asks for the same instants over
# and over). Bounded: emptied when it reaches _INSTANTS_MAX entries.
_instants = {}
_INSTANTS_MAX = 4096
_UTC = timezone.utc
_fromtimestamp = datetime.fromtimestamp


def _datetime(t):
    try:
        return _fromtimestamp(t, _UTC)
    except (OverflowError, OSError, ValueError):
        return _time_out(t)  # outside the platform's range: the exact fallback


def _datetimes(flat) -> list:
    """The aware UTC datetimes of the Unix seconds in flat, in order."""
    cache = _instants
    try:
        return list(map(cache.__getitem__, flat))   # every instant seen before
    except KeyError:
        pass
    if len(cache) >= _INSTANTS_MAX:
        cache.clear()
    for t in set(flat).difference(cache):
        cache[t] = _datetime(t)
    return list(map(cache.__getitem__, flat))


def slot_list(flat: SlotArray) -> SlotList:
    """A SlotArray as Database.slots returns it: a SlotList of (start, end)
    aware UTC datetimes with the same clamped flag."""
    times = iter(_datetimes(flat))
    out = SlotList(zip(times, times))
    out.clamped = flat.clamped
    return out


class EpochMixin:
    """The epoch-array variants of Database's slot calls."""

    def slots_epoch(self, tenant: int, start: datetime, end: datetime, duration: Span,
                    now: Optional[datetime] = None) -> SlotArray:
        """The slots of slots() as one packed array and no per-slot object:
        a SlotArray, an array('q') of Unix seconds (UTC) in flat (start, end)
        pairs ``[start0, end0, start1, end1, ...]`` (``a[0::2]`` the starts),
        with ``.clamped`` as slots() has it. Same arguments, checks and
        errors as slots()."""
        return _slots_packed(self, tenant, start, end, duration, now)

