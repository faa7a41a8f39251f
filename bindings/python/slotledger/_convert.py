"""Conversions between Python values and the C library's: validation of
every argument before it reaches C, and the record objects built from C
structs."""

import ctypes
from contextlib import contextmanager
from collections.abc import Mapping
import os
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice

from . import _lib
from ._lib import lib as _L
from .errors import Error, InvalidArgument, RangeError
from .records import Tenant, Rule, Override, Session, Entry, Hold, Account, VerifyReport
from .enums import _STATUS, _SESSION_KIND, _ENTRY_KIND, _HOLD_STATUS, _ENTITY

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECOND = timedelta(seconds=1)
_I64_MIN, _I64_MAX = -2 ** 63, 2 ** 63 - 1
_I32_MIN, _I32_MAX = -2 ** 31, 2 ** 31 - 1



# ------------------------------------------------------------ conversions
def _int(name, v, lo=_I64_MIN, hi=_I64_MAX):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("%s must be an int, not %s" % (name, type(v).__name__))
    if not lo <= v <= hi:
        raise RangeError("%s = %d is out of range %d..%d" % (name, v, lo, hi))
    return v


def _time_in(name, v):
    """Aware datetime -> Unix seconds (sub-second parts are floored)."""
    if type(v) is not datetime or v.tzinfo is not _UTC:   # else checked already
        if not isinstance(v, datetime):
            raise TypeError("%s must be an aware datetime, not %s" % (name, type(v).__name__))
        if v.tzinfo is None or v.utcoffset() is None:
            raise InvalidArgument("%s: naive datetime: pass an aware datetime (e.g. tzinfo=timezone.utc)" % name)
    # A timedelta is normalized (0 <= seconds < 86400, 0 <= microseconds <
    # 10**6): days * 86400 + seconds is d // 1 s, without the Python
    # integers of microseconds that // goes through.
    d = v - _EPOCH
    return d.days * 86400 + d.seconds


def _now_in(v):
    if v is None:
        return int(_time.time())
    return _time_in("now", v)


_fromtimestamp = datetime.fromtimestamp


def _time_out(t):
    try:
        # Three times faster than _EPOCH + timedelta, and the same value for
        # whole seconds; the platform's range may be narrower, hence the
        # fallback.
        return _fromtimestamp(t, timezone.utc)
    except (OverflowError, OSError, ValueError):
        pass
    try:
        return _EPOCH + timedelta(seconds=t)
    except OverflowError:
        raise RangeError("instant %d (Unix seconds) is outside the years 1..9999 that "
                         "datetime can represent" % t) from None


def _opt_time_out(t):
    return _time_out(t) if t else None


def _local_out(secs):
    try:
        return _EPOCH_NAIVE + timedelta(seconds=secs)
    except OverflowError:
        raise RangeError("local time %d is outside the years 1..9999 that datetime can "
                         "represent" % secs) from None


def _span_in(name, v):
    """timedelta or int seconds -> int seconds."""
    if isinstance(v, timedelta):
        if v.microseconds:
            raise InvalidArgument("%s = %s is not a whole number of seconds" % (name, v))
        return _int(name, v.days * 86400 + v.seconds)   # as in _time_in
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("%s must be a timedelta or int seconds, not %s" % (name, type(v).__name__))
    return _int(name, v)


def _date_in(name, v):
    if isinstance(v, datetime) or not isinstance(v, date):
        raise TypeError("%s must be a datetime.date, not %s" % (name, type(v).__name__))
    return v.toordinal() - _EPOCH_ORDINAL


def _date_out(d):
    try:
        return date.fromordinal(d + _EPOCH_ORDINAL)
    except (ValueError, OverflowError):
        return None


def _wall_in(name, v):
    """ "HH:MM" (00:00..24:00) or datetime.time -> minutes after midnight."""
    if isinstance(v, time):
        if v.second or v.microsecond:
            raise InvalidArgument("%s = %s is not a whole minute" % (name, v))
        return v.hour * 60 + v.minute
    if not isinstance(v, str):
        raise TypeError('%s must be "HH:MM" or a datetime.time, not %s' % (name, type(v).__name__))
    parts = v.split(":")
    if (len(parts) != 2 or len(parts[0]) != 2 or len(parts[1]) != 2
            or not (parts[0].isdigit() and parts[1].isdigit() and parts[0].isascii() and parts[1].isascii())):
        raise InvalidArgument('%s = %r is not a wall time "HH:MM"' % (name, v))
    h, m = int(parts[0]), int(parts[1])
    if m > 59 or h > 24 or (h == 24 and m):
        raise InvalidArgument('%s = %r is not a wall time 00:00..24:00' % (name, v))
    return h * 60 + m


def _wall_out(m):
    return "%02d:%02d" % divmod(m, 60)


def _text_in(name, v, required=False):
    """str -> NUL-terminated UTF-8 bytes (None passes through unless required)."""
    if v is None:
        if required:
            raise TypeError("%s is required (a str)" % name)
        return None
    if not isinstance(v, str):
        raise TypeError("%s must be a str, not %s" % (name, type(v).__name__))
    if "\0" in v:
        raise InvalidArgument("%s contains a NUL character" % name)
    try:
        return v.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument("%s is not encodable as UTF-8" % name) from None


def _path_in(name, v):
    """str, bytes or path-like -> the bytes the OS sees (os.fsencode)."""
    if not isinstance(v, (str, bytes, os.PathLike)):
        raise TypeError("%s must be a str or path-like, not %s" % (name, type(v).__name__))
    try:
        raw = os.fsencode(v)
    except UnicodeEncodeError:
        # A lone surrogate that surrogateescape cannot map back to a byte.
        raise InvalidArgument("%s is not encodable as a file name" % name) from None
    if b"\0" in raw:
        raise InvalidArgument("%s contains a NUL byte" % name)
    return raw


def _bytes_in(name, v):
    if isinstance(v, str) or not isinstance(v, (bytes, bytearray, memoryview)):
        raise TypeError("%s must be bytes, not %s" % (name, type(v).__name__))
    return bytes(v)


def _opt_id_in(name, v):
    """An id where None (or 0) means "none" -> the C value (0 for none)."""
    return 0 if v is None else _int(name, v)


def _opt_id_out(v):
    """An id the library reports as 0 for "none" -> None."""
    return v or None


def _text_out(raw):
    return raw.decode("utf-8", "replace")


def _list_in(what, items, least, most, kind, noun="items"):
    """The items of a list argument as a list of least..most items. At most
    most + 1 are read: an endless iterator or a range of 10**30 is refused as
    soon as it is known to be too long (InvalidArgument naming the limit),
    before anything is written. Strings, bytes, dicts and byte buffers are
    not lists (TypeError naming kind, what the items should be)."""
    if (isinstance(items, (str, bytes, bytearray, Mapping)) or not hasattr(items, "__iter__")
            or (isinstance(items, memoryview) and items.format in ("B", "b", "c"))):
        raise TypeError("%s must be a list of %s, not %s" % (what, kind, type(items).__name__))
    out = list(islice(items, most + 1))
    if not least <= len(out) <= most:
        try:
            count = "%d" % len(items)
        except (TypeError, OverflowError):   # no len() (an iterator), or one past sys.maxsize
            count = "more than %d" % most if out else "0"
        raise InvalidArgument("%s: %s %s; give %d..%d" % (what, count, noun, least, most))
    return out


@contextmanager
def _item(i):
    """Around the conversion of a batch's item i: a library error raised
    there carries .index = i, as one the C call reports does."""
    try:
        yield
    except Error as exc:
        exc.index = i
        raise


def _batch_in(what, items, names, n_required, defaults, most):
    """The items of a batch argument (posts, bookings; 1..most of them) as
    tuples in the order of names: each item a dict (any Mapping) of names (those without a
    default required) or a tuple of the first n_required names and,
    optionally, the rest."""
    shape = "(%s%s)" % (", ".join(names[:n_required]), "".join("[, %s]" % n for n in names[n_required:]))
    out = []
    for i, item in enumerate(_list_in(what, items, 1, most, "dicts or tuples")):
        if isinstance(item, Mapping):
            unknown = set(item) - set(names)
            if unknown:
                raise TypeError("%s[%d]: unknown field(s) %s" % (what, i, ", ".join(sorted(map(repr, unknown)))))
            try:
                out.append(tuple(item[n] if n not in defaults else item.get(n, defaults[n]) for n in names))
            except KeyError as exc:
                raise TypeError("%s[%d] lacks %s" % (what, i, exc)) from None
        elif isinstance(item, (tuple, list)) and n_required <= len(item) <= len(names):
            out.append(tuple(item) + tuple(defaults[n] for n in names[len(item):]))
        else:
            raise TypeError("%s[%d] must be a dict or %s %s tuple"
                            % (what, i, "an" if names[0][0] in "aeiou" else "a", shape))
    return out


def _flags(include_deleted):
    if not isinstance(include_deleted, bool):
        raise TypeError("include_deleted must be a bool")
    return _lib.SL_INCLUDE_DELETED if include_deleted else 0


def _tenant_out(t):
    return Tenant(t.id, _text_out(t.tz), timedelta(seconds=t.buffer_before),
                  timedelta(seconds=t.buffer_after), timedelta(seconds=t.min_notice),
                  timedelta(seconds=t.step), t.max_advance_days,
                  timedelta(seconds=t.late_cancel), _time_out(t.created_at),
                  _time_out(t.updated_at))


def _rule_out(r):
    return Rule(r.id, r.tenant, r.weekday, _wall_out(r.start_min), _wall_out(r.end_min),
                None if r.valid_from == _lib.SL_DATE_MIN else _date_out(r.valid_from),
                None if r.valid_until == _lib.SL_DATE_MAX else _date_out(r.valid_until),
                _time_out(r.created_at), _time_out(r.updated_at), _opt_time_out(r.deleted_at))


def _override_out(o):
    n = max(0, min(o.n_windows, _lib.SL_MAX_WINDOWS_PER_DAY))
    wins = tuple((_wall_out(o.windows[i].start_min), _wall_out(o.windows[i].end_min)) for i in range(n))
    return Override(o.id, o.tenant, _date_out(o.date), wins, _time_out(o.created_at),
                    _time_out(o.updated_at), _opt_time_out(o.deleted_at))


def _session_out(s):
    return Session(s.id, s.tenant, s.student, _time_out(s.start), _time_out(s.end),
                   _STATUS.get(s.status, "unknown(%d)" % s.status),
                   _SESSION_KIND.get(s.kind, "unknown(%d)" % s.kind), s.credits,
                   _opt_id_out(s.hold_id), _opt_id_out(s.series_id), _time_out(s.created_at), _time_out(s.updated_at),
                   _opt_time_out(s.deleted_at), _text_out(s.key) or None, bool(s.replayed))


def _entry_out(e):
    return Entry(e.id, e.tenant, e.account, e.seq, _ENTRY_KIND.get(e.kind, "unknown(%d)" % e.kind),
                 e.amount, e.balance_after, _opt_id_out(e.hold_id), _time_out(e.created_at), _text_out(e.key),
                 _text_out(e.reference) or None, bytes(e.hash), bool(e.replayed))


def _hold_out(h):
    return Hold(h.id, h.tenant, h.account, _HOLD_STATUS.get(h.status, "unknown(%d)" % h.status),
                h.amount, h.captured, _time_out(h.expires_at), _time_out(h.created_at),
                _opt_time_out(h.resolved_at), _opt_id_out(h.entry_id), _text_out(h.key) or None,
                bool(h.replayed))


def _report_out(r):
    # first_bad_seq: None when everything verifies, -1 for a bad account or
    # hold row whose entries chain, else the seq of the first bad entry.
    return VerifyReport(r.entries, r.accounts, _opt_id_out(r.first_bad_seq), _opt_id_out(r.first_bad_entry))


def _account_out(a):
    return Account(a.tenant, a.student, a.floor, a.posted, a.held, _time_out(a.created_at),
                   _time_out(a.updated_at), _opt_time_out(a.deleted_at))


def _code_in(table, v, type_error, unknown):
    """The code of the name v in table: TypeError(type_error) unless v is a
    str, InvalidArgument(unknown % v) for a name not in table."""
    if not isinstance(v, str):
        raise TypeError(type_error)
    try:
        return table[v]
    except KeyError:
        raise InvalidArgument(unknown % (v,)) from None


def _entity_in(entity):
    return _code_in(_ENTITY, entity, 'entity must be one of "rule", "override", "session", "account"',
                    'entity %r is not one of "rule", "override", "session", "account"')


def _take_list(ptr, count, convert):
    """Convert a library-allocated array and release it with sl_free."""
    try:
        return [convert(ptr[i]) for i in range(count.value)]
    finally:
        _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))
