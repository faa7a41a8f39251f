"""Team methods of Database: many teachers in one call (the C contract is
include/slotledger/teams.h). Every answer is the single-tenant answer,
computed per tenant from one read snapshot: each tenant keeps its own grid,
zone, buffers, notice and horizon."""

import ctypes
from array import array
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Tuple, Union

from . import _lib
from ._lib import lib as _L
from ._convert import _int, _list_in, _now_in, _session_out, _span_in, _text_in, _time_in, _time_out
from ._types import Span
from .errors import Error, InvalidArgument, CODE_NAMES
from .records import Session, SlotList

_MODES = {"any": _lib.SL_TEAM_ANY, "all": _lib.SL_TEAM_ALL}


def _tenant_list(tenants, most=_lib.SL_MAX_TEAM):
    """An iterable of tenant ids -> (C array, count); the library checks
    duplicates and ranges and names the index. At most most + 1 ids are
    read: an endless iterator or a range of 10**9 ids is refused as soon as
    it is known to be too long."""
    items = _list_in("tenants", tenants, 1, most, "ints", "ids")
    ids = [_int("tenants[%d]" % i, t) for i, t in enumerate(items)]
    return (_lib.sl_id * len(ids))(*ids), len(ids)


def _int64s(addr, count):
    """count int64 values at addr as an array('q'), copied in one go."""
    out = array("q")
    if count:
        out.frombytes(ctypes.string_at(addr, 8 * count))
    return out


def _status_name(code):
    return "ok" if code == 0 else CODE_NAMES.get(code, "SL_E%d" % -code)


class TeamSlots(dict):
    """tenant -> SlotList for each tenant that answered; ``unknown`` maps
    the others to why (a code name: "SL_ENOTFOUND" for no such tenant,
    "SL_ETZ" for an unreadable zone); ``clamped`` as for slots()."""

    clamped = False

    def __init__(self):
        super().__init__()
        self.unknown = {}


class TeamsMixin:
    """slots_many / team_slots / free_at / book_any / book_all."""

    def _read(self, fname, struct, *args):
        ptr = ctypes.POINTER(struct)()
        with self._lock:
            getattr(_L, fname)(self._handle(), ctypes.byref(ptr), *args)
        return ptr

    def _many(self, tenants, start, end, duration, now):
        arr, n = _tenant_list(tenants)
        ptr = self._read("sl_slots_many", _lib.SLManySlots, arr, n, _time_in("start", start),
                         _time_in("end", end), _span_in("duration", duration), _now_in(now))
        try:
            r = ptr.contents
            status = [r.status[i] for i in range(n)]
            offsets = [r.offsets[i] for i in range(n + 1)]
            flat = _int64s(r.slots, 2 * r.n_slots)
            return list(arr), status, offsets, flat, bool(r.flags & _lib.SL_SLOTS_CLAMPED)
        finally:
            _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))

    def slots_many(self, tenants: Iterable[int], start: datetime, end: datetime, duration: Span,
                   now: Optional[datetime] = None) -> TeamSlots:
        """The slots of each tenant (1..10,000 ids, no duplicates) in one
        snapshot: for each, exactly what slots() would list alone."""
        ids, status, offsets, flat, clamped = self._many(tenants, start, end, duration, now)
        out = TeamSlots()
        out.clamped = clamped
        memo = {}
        for i, t in enumerate(ids):
            if status[i]:
                out.unknown[t] = _status_name(status[i])
                continue
            times = []
            for v in flat[2 * offsets[i]:2 * offsets[i + 1]]:
                d = memo.get(v)
                if d is None:
                    d = memo[v] = _time_out(v)
                times.append(d)
            sl = SlotList(zip(times[0::2], times[1::2]))
            sl.clamped = clamped
            out[t] = sl
        return out

    def slots_many_epoch(self, tenants: Iterable[int], start: datetime, end: datetime, duration: Span,
                         now: Optional[datetime] = None) -> Dict[int, array]:
        """slots_many without per-slot objects: tenant -> array('q') of
        flat (start, end) Unix seconds; tenants that did not answer are
        absent (see slots_many's ``unknown``)."""
        ids, status, offsets, flat, _ = self._many(tenants, start, end, duration, now)
        return {t: flat[2 * offsets[i]:2 * offsets[i + 1]] for i, t in enumerate(ids) if not status[i]}

    def _team(self, tenants, start, end, duration, mode, now):
        if not isinstance(mode, str):
            raise TypeError('mode must be the str "any" or "all", not %s' % type(mode).__name__)
        if mode not in _MODES:
            raise InvalidArgument('mode must be "any" or "all", not %r' % (mode,))
        arr, n = _tenant_list(tenants)
        ptr = self._read("sl_team_slots", _lib.SLTeamAvail, arr, n, _time_in("start", start),
                         _time_in("end", end), _span_in("duration", duration), _MODES[mode], _now_in(now))
        try:
            r = ptr.contents
            starts = _int64s(r.starts, r.n_starts)
            offsets = array("q")
            offsets.frombytes(ctypes.string_at(r.offsets, 8 * (r.n_starts + 1)))
            who = _int64s(r.who, r.n_who)
            return starts, offsets, who
        finally:
            _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))

    def team_slots(self, tenants: Iterable[int], start: datetime, end: datetime, duration: Span,
                   mode: str = "any", now: Optional[datetime] = None) -> List[Tuple[datetime, datetime, List[int]]]:
        """Team availability: mode "any" lists each start at which at least
        one tenant is free, "all" each start at which every one is (a
        collective lesson); each as (start, end, [the tenants free], in the
        order given)."""
        starts, offsets, who = self._team(tenants, start, end, duration, mode, now)
        span = _span_in("duration", duration)
        return [(_time_out(s), _time_out(s + span), list(who[offsets[i]:offsets[i + 1]]))
                for i, s in enumerate(starts)]

    def team_slots_epoch(self, tenants: Iterable[int], start: datetime, end: datetime, duration: Span,
                         mode: str = "any", now: Optional[datetime] = None) -> Tuple[array, array, array]:
        """team_slots without per-slot objects: (starts, offsets, who), three
        array('q'): the tenants free at starts[i] are who[offsets[i]:offsets[i+1]]."""
        return self._team(tenants, start, end, duration, mode, now)

    def free_at(self, tenants: Iterable[int], start: datetime, duration: Span,
                now: Optional[datetime] = None, detail: bool = False) -> Union[List[int], Dict[int, str]]:
        """Which tenants could take [start, start + duration) now (what book
        would say for each): the free ones in the order given, or with
        detail=True a dict tenant -> "ok" or the refusing code's name
        ("SL_ECONFLICT", "SL_EUNAVAILABLE", "SL_ENOTFOUND", ...). detail
        must be a bool (TypeError otherwise), as team_slots' mode a str."""
        if not isinstance(detail, bool):
            raise TypeError("detail must be a bool, not %s" % type(detail).__name__)
        arr, n = _tenant_list(tenants)
        ptr = self._read("sl_free_at", _lib.SLFreeAtResult, arr, n, _time_in("start", start),
                         _span_in("duration", duration), _now_in(now))
        try:
            r = ptr.contents
            if detail:
                return {arr[i]: _status_name(r.status[i]) for i in range(n)}
            return [r.free[i] for i in range(r.n_free)]
        finally:
            _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))

    def book_any(self, tenants: Iterable[int], *, student: int, start: datetime, duration: Span,
                 credits: int = 0, key: Optional[str] = None, now: Optional[datetime] = None) -> Session:
        """Book the start with one free tenant of the list, chosen fairly
        (fewest blocking sessions within 7 days of the start, then lowest
        id); the session's tenant names the choice. A key replays to the
        tenant chosen the first time."""
        arr, n = _tenant_list(tenants)
        s = _lib.SLSession()
        self._call("sl_book_any", ctypes.byref(s), arr, n, _int("student", student), _time_in("start", start),
                   _span_in("duration", duration), _int("credits", credits), _text_in("key", key), _now_in(now))
        return _session_out(s)

    def book_all(self, tenants: Iterable[int], *, student: int, start: datetime, duration: Span,
                 credits: int = 0, key: Optional[str] = None, now: Optional[datetime] = None) -> List[Session]:
        """Book the start with every tenant of the list (1..100), all or
        nothing: a collective lesson linked by a series id, with one hold of
        `credits` on the first tenant's account. On failure the exception's
        .index names the tenant that refused (when one did)."""
        arr, n = _tenant_list(tenants, _lib.SL_MAX_TEAM_BOOK)
        out = (_lib.SLSession * n)()
        failed = ctypes.c_size_t(n)
        try:
            self._call("sl_book_all", out, ctypes.byref(failed), arr, n, _int("student", student),
                       _time_in("start", start), _span_in("duration", duration), _int("credits", credits),
                       _text_in("key", key), _now_in(now))
        except Error as exc:
            if failed.value < n:
                exc.index = failed.value
            raise
        return [_session_out(out[i]) for i in range(n)]
