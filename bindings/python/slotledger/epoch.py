"""Slots as packed epoch arrays (Database.slots_epoch, engine_slots_epoch),
and the one read of the library's result that Database.slots shares.

The C result is an array of sl_interval, (start, end) int64 pairs. It is
copied once, as bytes, into an array('q'): no ctypes Structure and no
Python int is made per slot. Database.slots then builds its (start, end)
pairs from that array; a slot seen recently is taken from a small cache
instead of being built again (datetimes and tuples are immutable, so
sharing one is safe).

Database.slots_epoch (and so slots) has two implementations with one
behaviour: the ctypes path below, and the optional C accelerator
slotledger._accel (_accel.c), used when it was built and imports and
SLOTLEDGER_NO_ACCEL is not 1; accelerated() says which one is live.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import importlib.util
import os
import struct
import sys
from array import array
from datetime import datetime, timezone
from typing import Optional

from . import _lib
from ._lib import lib as _L
from ._types import Span
from .errors import CODES
from .records import SlotList
from ._convert import _int, _now_in, _span_in, _time_in, _time_out

__all__ = ["SlotArray", "EpochMixin", "accelerated"]

_ITEM = ctypes.sizeof(_lib.SLInterval)      # 16: two int64
_CAP = 1024                                 # slots in a Database's reusable buffer
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
# ctypes object of the C parameter's type (they come from _Call). Converting
# ten arguments through argtypes cost more than the C call's own work here
# (bench/bindings_bench.py).
_raise_for = _L.sl_slots.errcheck
_sl_slots_bare = _L["sl_slots"]
_sl_slots_bare.restype = ctypes.c_int
_CAP_C = ctypes.c_size_t(_CAP)   # never written

# The five int64 arguments (tenant, from, to, duration, now), then the
# size_t count and the uint32 flags sl_slots writes, in one buffer written
# by one pack_into: five ctypes objects share its memory, so no .value is
# set per argument.
_SIZE_T = ctypes.sizeof(ctypes.c_size_t)
_ARGS = struct.Struct("=5q" + ("Q" if _SIZE_T == 8 else "I4x") + "I4x")
_pack_args = _ARGS.pack_into
_COUNT_AT, _FLAGS_AT = 40, 48


class _Call:
    """The memory of one Database's sl_slots calls, used under its lock:
    the result buffer (view: its bytes; ptr: as sl_interval *), the argument
    buffer (args) with its ctypes objects (argv: tenant, from, to,
    duration, now), the count and flags views and byref()s, the handle as
    c_void_p, and sl_slots's ten arguments as one tuple (call). Per
    Database (not per thread): the lock that guards the handle guards these
    too."""

    __slots__ = ("view", "ptr", "args", "argv", "count", "count_ref", "flags", "flags_ref", "hv", "call")

    def __init__(self, handle):
        raw = bytearray(_CAP * _ITEM)
        self.view = memoryview(raw)
        self.ptr = ctypes.cast((ctypes.c_char * len(raw)).from_buffer(raw), ctypes.POINTER(_lib.SLInterval))
        self.args = args = bytearray(_ARGS.size)
        self.argv = tuple(ctypes.c_int64.from_buffer(args, 8 * i) for i in range(5))
        count = ctypes.c_size_t.from_buffer(args, _COUNT_AT)
        flags = ctypes.c_uint32.from_buffer(args, _FLAGS_AT)
        self.count, self.count_ref = memoryview(args)[_COUNT_AT:_COUNT_AT + _SIZE_T].cast(
            "Q" if _SIZE_T == 8 else "I"), ctypes.byref(count)
        self.flags, self.flags_ref = memoryview(args)[_FLAGS_AT:_FLAGS_AT + 4].cast("I"), ctypes.byref(flags)
        self.hv = ctypes.c_void_p(handle)
        self.call = (self.hv, self.ptr, _CAP_C, self.count_ref, self.flags_ref) + self.argv


def _call_of(db):
    """db's _Call, made on first use (under db's lock)."""
    c = db._slots_call = _Call(db._h)
    return c


def _slots_alloc_into(out, h, flags_ref, args):
    """A result larger than the Database's buffer: sl_slots_alloc, copied
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

    _slots_call = None   # this Database's _Call, made by its first call

    def slots_epoch(self, tenant: int, start: datetime, end: datetime, duration: Span,
                    now: Optional[datetime] = None) -> SlotArray:
        """The slots of slots() as one packed array and no per-slot object:
        a SlotArray, an array('q') of Unix seconds (UTC) in flat (start, end)
        pairs ``[start0, end0, start1, end1, ...]`` (``a[0::2]`` the starts),
        with ``.clamped`` as slots() has it. Same arguments, checks and
        errors as slots(). Into the Database's buffer when the result fits
        (one C call), else through sl_slots_alloc."""
        tenant, start, end = _int("tenant", tenant), _time_in("start", start), _time_in("end", end)
        duration, now = _span_in("duration", duration), _now_in(now)
        out = SlotArray("q")
        with self._lock:
            if self._h is None:
                self._handle()   # raises Misuse: closed
            c = self._slots_call or _call_of(self)
            _pack_args(c.args, 0, tenant, start, end, duration, now, 0, 0)
            rc = _sl_slots_bare(*c.call)
            if rc >= 0:
                out.frombytes(c.view[:c.count[0] * _ITEM])
            elif rc == _ERANGE and c.count[0] > _CAP:
                _slots_alloc_into(out, c.hv.value, c.flags_ref, (tenant, start, end, duration, now))
            else:
                _raise_for(rc, _L.sl_slots, (c.hv.value,))
            if c.flags[0] & _CLAMPED:
                out.clamped = True
        return out


# ------------------------------------------------------------ accelerator
def _accel_fail(db, h, rc, count, tenant, start, end, duration, now):
    """The accelerator's sl_slots call returned rc < 0 (db's lock held): a
    result larger than its buffer is read through sl_slots_alloc, as the
    ctypes path reads it; any other code raises as the ctypes path raises."""
    if rc == _ERANGE and count > _CAP:
        out, flags = SlotArray("q"), ctypes.c_uint32()
        _slots_alloc_into(out, h, ctypes.byref(flags), (tenant, start, end, duration, now))
        if flags.value & _CLAMPED:
            out.clamped = True
        return out
    _raise_for(rc, _L.sl_slots, (h,))
    raise AssertionError("sl_slots returned %d" % rc)   # _raise_for raises for every rc < 0


def _load_accel():
    """slotledger._accel set up on this library, or None: SLOTLEDGER_NO_ACCEL
    is 1, or the module is not there (not built: no compiler or no Python
    headers) or does not load. SLOTLEDGER_ACCEL names the module's file
    (meson's build dir: the tests and the bench); without it, the package's
    own (built by pip install). A file must carry this interpreter's
    extension suffix (e.g. .cpython-311-x86_64-linux-gnu.so)."""
    if os.environ.get("SLOTLEDGER_NO_ACCEL") == "1":
        return None
    name = __package__ + "._accel"
    path = os.environ.get("SLOTLEDGER_ACCEL")
    try:
        if path:
            if not path.endswith(importlib.machinery.EXTENSION_SUFFIXES[0]):
                return None
            spec = importlib.util.spec_from_file_location(name, path)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            sys.modules[name] = mod
        else:
            from . import _accel as mod
    except ImportError:
        return None
    mod.setup(ctypes.cast(_L.sl_slots, ctypes.c_void_p).value, SlotArray, _int, _time_in, _span_in, _now_in,
              _accel_fail)
    return mod


_accel = _load_accel()


def accelerated() -> bool:
    """True when Database.slots_epoch() and slots() make their C call
    through the compiled accelerator (slotledger._accel), False when through
    ctypes. Same results and errors either way."""
    return _accel is not None


_slots_ctypes = EpochMixin.slots_epoch


if _accel is not None:
    _accel_slots = _accel.slots

    def _slots_accel(self, tenant: int, start: datetime, end: datetime, duration: Span,
                     now: Optional[datetime] = None) -> SlotArray:
        with self._lock:
            return _accel_slots(self, tenant, start, end, duration, now)

    _slots_accel.__doc__ = _slots_ctypes.__doc__
    _slots_accel.__name__, _slots_accel.__qualname__ = "slots_epoch", "EpochMixin.slots_epoch"
    EpochMixin.slots_epoch = _slots_accel

_slots_packed = EpochMixin.slots_epoch


