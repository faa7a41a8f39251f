"""Module-level functions: version, result-code names, time zones, ISO
times, webhook signatures and the pure slot engine."""

from __future__ import annotations

import ctypes
from datetime import datetime, timedelta

from typing import Any, Iterable, List, Optional, Tuple

from ._types import BytesLike, Span
from . import _lib
from ._lib import lib as _L
from .errors import InvalidArgument, RangeError
from .enums import _TZ_KIND
from .epoch import SlotArray, slot_list
from ._convert import (_I32_MAX, _I32_MIN, _I64_MAX, _EPOCH_NAIVE, _SECOND, _bytes_in, _int, _local_out, _now_in, _span_in, _text_in,
                       _time_in, _time_out)


def version() -> str:
    """The loaded library's version string, e.g. "0.1.0"."""
    return _L.sl_version_string().decode()


def version_number() -> int:
    """MAJOR * 1000000 + MINOR * 1000 + PATCH of the loaded library."""
    return _L.sl_version_number()


def strerror(code: int) -> str:
    """The symbolic name of a result code ("SL_ECONFLICT")."""
    return _L.sl_strerror(_int("code", code, _I32_MIN, _I32_MAX)).decode()


def code_description(code: int) -> str:
    """The library's sentence for a result code (sl_code_description)."""
    return _L.sl_code_description(_int("code", code, _I32_MIN, _I32_MAX)).decode("utf-8", "replace")


def _zone(zone):
    b = _text_in("zone", zone, required=True)
    return b


def tz_check(zone: str, _db: Any = None) -> None:
    """Raise TimeZoneError unless zone names a readable IANA zone."""
    _L.sl_tz_check(_db, _zone(zone))


def utc_offset(zone: str, when: datetime, _db: Any = None) -> timedelta:
    """The UTC offset of zone at the aware datetime `when`."""
    off = ctypes.c_int32()
    _L.sl_tz_utc_offset(_db, ctypes.byref(off), _zone(zone), _time_in("when", when))
    return timedelta(seconds=off.value)


def local_to_utc(zone: str, local: datetime,
                 _db: Any = None) -> Tuple[datetime, str]:
    """(aware UTC datetime, "unique" | "gap" | "fold") of the naive wall time
    `local` in zone, by the compatible rule (gap: moved forward; fold: the
    earlier instant)."""
    if not isinstance(local, datetime):
        raise TypeError("local must be a naive datetime, not %s" % type(local).__name__)
    if local.tzinfo is not None:
        raise InvalidArgument("local must be a naive wall-clock datetime (it is read in `zone`)")
    secs = (local - _EPOCH_NAIVE) // _SECOND
    out, kind = _lib.sl_time(), ctypes.c_int()
    _L.sl_tz_local_to_utc(_db, ctypes.byref(out), ctypes.byref(kind), _zone(zone), secs)
    return _time_out(out.value), _TZ_KIND.get(kind.value, "unknown")


def utc_to_local(zone: str, when: datetime, _db: Any = None) -> datetime:
    """The naive wall-clock datetime of the aware instant `when` in zone."""
    local = ctypes.c_int64()
    _L.sl_tz_utc_to_local(_db, ctypes.byref(local), _zone(zone), _time_in("when", when))
    return _local_out(local.value)


def format_time(when: datetime) -> str:
    """ "YYYY-MM-DDTHH:MM:SSZ" of an aware datetime (sl_time_format)."""
    buf = ctypes.create_string_buffer(21)
    _L.sl_time_format(buf, len(buf), _time_in("when", when))
    return buf.value.decode()


def parse_time(text: str) -> datetime:
    """Strict ISO-8601 instant ("...Z" or "+HH:MM") -> aware UTC datetime."""
    out = _lib.sl_time()
    _L.sl_time_parse(ctypes.byref(out), _text_in("text", text, required=True))
    return _time_out(out.value)


def webhook_verify(secret: BytesLike, header: str, payload: BytesLike,
                   now: Optional[datetime] = None, tolerance: Span = 300) -> None:
    """Check a Stripe-style "t=...,v1=..." signature of payload. Returns None;
    raises TamperError (no signature matches), Expired (timestamp outside
    the tolerance) or InvalidArgument (malformed header)."""
    s = _bytes_in("secret", secret)
    p = _bytes_in("payload", payload)
    h = _text_in("header", header, required=True)
    _L.sl_webhook_verify(s, len(s), h, p, len(p), _now_in(now), _span_in("tolerance", tolerance))


def _engine_run(available, busy, duration, start, end, step, buffer_before, buffer_after,
                earliest, horizon):
    """sl_engine_slots over checked arguments: (the SLInterval array, the
    number of slots in it)."""
    def intervals(name, seq):
        seq = list(seq)
        arr = (_lib.SLInterval * max(1, len(seq)))()
        for i, item in enumerate(seq):
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise TypeError("%s[%d] must be a (start, end) pair" % (name, i))
            arr[i].start = _time_in("%s[%d] start" % (name, i), item[0])
            arr[i].end = _time_in("%s[%d] end" % (name, i), item[1])
        return arr, len(seq)

    av, n_av = intervals("available", available)
    bz, n_bz = intervals("busy", busy)
    p = _lib.SLEngineParams()
    p.version = _lib.SL_ENGINE_VERSION
    p.duration = _span_in("duration", duration)
    p.step = p.duration if step is None else _span_in("step", step)
    p.buffer_before = _span_in("buffer_before", buffer_before)
    p.buffer_after = _span_in("buffer_after", buffer_after)
    p.from_ = _time_in("start", start)
    p.to = _time_in("end", end)
    p.earliest = p.from_ if earliest is None else _time_in("earliest", earliest)
    p.horizon = _I64_MAX if horizon is None else _time_in("horizon", horizon)
    count = ctypes.c_size_t()
    cap = 1024
    while True:
        out = (_lib.SLInterval * cap)()
        try:
            _L.sl_engine_slots(out, cap, ctypes.byref(count), av, n_av, bz, n_bz, ctypes.byref(p))
            return out, count.value
        except RangeError:
            if count.value <= cap:
                raise
            cap = count.value


def engine_slots(available: Iterable[Tuple[datetime, datetime]],
                 busy: Iterable[Tuple[datetime, datetime]] = (), *, duration: Span,
                 start: datetime, end: datetime, step: Optional[Span] = None,
                 buffer_before: Optional[Span] = 0, buffer_after: Optional[Span] = 0,
                 earliest: Optional[datetime] = None,
                 horizon: Optional[datetime] = None) -> List[Tuple[datetime, datetime]]:
    """The pure slot engine (sl_engine_slots): day intervals `available` and
    blocking sessions `busy`, each a sequence of (start, end) aware datetimes
    sorted by start -> [(start, end)] slots in [start, end)."""
    flat = engine_slots_epoch(available, busy, duration=duration, start=start, end=end, step=step,
                              buffer_before=buffer_before, buffer_after=buffer_after,
                              earliest=earliest, horizon=horizon)
    return list(slot_list(flat))


def engine_slots_epoch(available: Iterable[Tuple[datetime, datetime]],
                       busy: Iterable[Tuple[datetime, datetime]] = (), *, duration: Span,
                       start: datetime, end: datetime, step: Optional[Span] = None,
                       buffer_before: Optional[Span] = 0, buffer_after: Optional[Span] = 0,
                       earliest: Optional[datetime] = None,
                       horizon: Optional[datetime] = None) -> SlotArray:
    """engine_slots() as a SlotArray: Unix seconds (UTC) in flat (start,
    end) pairs (``a[0::2]`` the starts), no per-slot object; ``.clamped``
    is always False. Same arguments, checks and errors as engine_slots()."""
    out, count = _engine_run(available, busy, duration, start, end, step, buffer_before,
                             buffer_after, earliest, horizon)
    flat = SlotArray("q")
    flat.frombytes(memoryview(out).cast("B")[:count * ctypes.sizeof(_lib.SLInterval)])
    return flat
