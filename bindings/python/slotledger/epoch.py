"""Slots as packed epoch arrays (Database.slots_epoch, engine_slots_epoch),
and the one read of the library's result that Database.slots shares.

The C result is an array of sl_interval, (start, end) int64 pairs. It is
copied once, as bytes, into an array('q'): no ctypes Structure and no
Python int is made per slot. Database.slots then builds its (start, end)
pairs from that array; a slot seen recently is taken from a small cache
instead of being built again (datetimes and tuples are immutable, so
sharing one is safe).
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
_UTC = timezone.utc


class SlotArray(array):
    """Slots as Unix seconds (UTC) in an array('q') of flat (start, end)
    pairs: ``a[2*i]`` is the start of slot i and ``a[2*i+1]`` its end
    (start + duration), sorted by start; ``len(a)`` is twice the number of
    slots. ``clamped`` is True when the library cut the query range to 14
    days. It is the C library's own layout, copied once."""

    clamped = False   # set on the instance only when True


# sl_slots twice: the hooked function (its errcheck raises the library's
# error), and a bare one for the hot path. The bare one has no argtypes, so
# ctypes converts nothing: every argument passed to it must already be a
# ctypes object of the C parameter's type (they come from _buffer()).
# Converting ten arguments through argtypes cost more than the C call's
# own work here (bench/bindings_bench.py).
_raise_for = _L.sl_slots.errcheck
_sl_slots_bare = _L["sl_slots"]
_sl_slots_bare.restype = ctypes.c_int
_CAP_C = ctypes.c_size_t(_CAP)   # never written


def _buffer():
    """This thread's reusable result buffer and call arguments: (a
    memoryview of the buffer's bytes, its pointer as sl_interval *, count
    and flags and their byref()s, the handle as c_void_p, and the five
    int64 arguments tenant, from, to, duration, now). Per thread, so that
    two Databases used from two threads never share them."""
    b = getattr(_tls, "slots", None)
    if b is None:
        raw = bytearray(_CAP * _ITEM)
        ptr = ctypes.cast((ctypes.c_char * len(raw)).from_buffer(raw), ctypes.POINTER(_lib.SLInterval))
        n, flags = ctypes.c_size_t(), ctypes.c_uint32()
        args = tuple(ctypes.c_int64() for _ in range(5))
        b = _tls.slots = (memoryview(raw), ptr, n, ctypes.byref(n), flags, ctypes.byref(flags),
                          ctypes.c_void_p(), args)
    return b


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


# Results recently turned into lists of (start, end) datetime pairs, in two
# caches shared by every call (a host showing the same weeks to many
# students asks for the same slots over and over; datetimes and tuples are
# immutable, so sharing them is safe, and every call gets a new list):
# - _results: a whole result, by its bytes (the packed array: it holds
#   every start and end, so equal bytes are equal slots): one hash instead
#   of a Python int and a lookup per slot;
# - _pairs: one slot, per duration by its start: {duration: {start: pair}}.
# Bounded: _results and each duration's table are emptied when they reach
# their limit, and _pairs when it holds _DURATIONS_MAX durations.
_results = {}
_RESULTS_MAX = 256
_pairs = {}
_PAIRS_MAX = 4096
_DURATIONS_MAX = 64
_fromtimestamp = datetime.fromtimestamp


def _forget():
    """Empty both caches (tests and the bench use it to build every
    datetime anew)."""
    _results.clear()
    _pairs.clear()


def _datetime(t):
    try:
        return _fromtimestamp(t, _UTC)
    except (OverflowError, OSError, ValueError):
        return _time_out(t)  # outside the platform's range: the exact fallback


def _pairs_of(flat):
    """The (start, end) pairs of a non-empty SlotArray, as a tuple. Every
    slot of one result has the same duration (end = start + duration, the
    library's contract), so a slot is found by its start in its duration's
    table."""
    duration = flat[1] - flat[0]
    table = _pairs.get(duration)
    if table is None:
        if len(_pairs) >= _DURATIONS_MAX:
            _pairs.clear()
        table = _pairs[duration] = {}
    starts = flat[0::2]
    try:
        return tuple(map(table.__getitem__, starts))   # every slot seen before
    except KeyError:
        pass
    if len(table) >= _PAIRS_MAX:
        table.clear()
    # From a dict of this call's own: another thread may empty the shared
    # table between the lines below.
    mine = {}
    for t in set(starts):
        pair = table.get(t)
        if pair is None:
            pair = table[t] = (_datetime(t), _datetime(t + duration))
        mine[t] = pair
    return tuple(map(mine.__getitem__, starts))


def slot_list(flat: SlotArray) -> SlotList:
    """A SlotArray as Database.slots returns it: a new SlotList of (start,
    end) aware UTC datetimes with the same clamped flag."""
    if not flat:
        out = SlotList()
    else:
        key = flat.tobytes()
        pairs = _results.get(key)
        if pairs is None:
            if len(_results) >= _RESULTS_MAX:
                _results.clear()
            pairs = _results[key] = _pairs_of(flat)
        out = SlotList(pairs)
    if flat.clamped:
        out.clamped = True
    return out


class EpochMixin:
    """The epoch-array variants of Database's slot calls."""

    def slots_epoch(self, tenant: int, start: datetime, end: datetime, duration: Span,
                    now: Optional[datetime] = None) -> SlotArray:
        """The slots of slots() as one packed array and no per-slot object:
        a SlotArray, an array('q') of Unix seconds (UTC) in flat (start, end)
        pairs ``[start0, end0, start1, end1, ...]`` (``a[0::2]`` the starts),
        with ``.clamped`` as slots() has it. Same arguments, checks and
        errors as slots(). Into this thread's buffer when the result fits
        (one C call), else through sl_slots_alloc."""
        tenant, start, end = _int("tenant", tenant), _time_in("start", start), _time_in("end", end)
        duration, now = _span_in("duration", duration), _now_in(now)
        view, ptr, n, n_ref, flags, flags_ref, hv, a = _buffer()
        out = SlotArray("q")
        with self._lock:
            hv.value = self._handle()
            a[0].value, a[1].value, a[2].value, a[3].value, a[4].value = tenant, start, end, duration, now
            n.value = 0
            flags.value = 0
            rc = _sl_slots_bare(hv, ptr, _CAP_C, n_ref, flags_ref, *a)
            if rc >= 0:
                out.frombytes(view[:n.value * _ITEM])
            elif rc == _ERANGE and n.value > _CAP:
                _slots_alloc_into(out, hv.value, flags_ref, (tenant, start, end, duration, now))
            else:
                _raise_for(rc, _L.sl_slots, (hv.value,))
        if flags.value & _CLAMPED:
            out.clamped = True
        return out


_slots_packed = EpochMixin.slots_epoch


