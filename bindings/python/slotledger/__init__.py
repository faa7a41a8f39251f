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

import ctypes
import os
import threading
import time as _time
import weakref
from datetime import date, datetime, time, timedelta, timezone

from . import _lib
from ._lib import lib as _L
from .errors import (Error, InvalidArgument, NoMemory, NotFound, Conflict, Unavailable,
                     RangeError, TimeZoneError, IdempotencyMismatch, InsufficientCredits,
                     StateError, Expired, Busy, StoreError, TamperError, AlreadyExists,
                     Misuse)
from .records import (Tenant, Rule, Override, Session, Entry, Hold, Account, Balance,
                      VerifyReport, Head, SlotList)

__all__ = [
    "open", "open_memory", "Database", "version", "version_number", "strerror",
    "utc_offset", "local_to_utc", "utc_to_local", "tz_check", "webhook_verify",
    "engine_slots", "format_time", "parse_time",
    "Tenant", "Rule", "Override", "Session", "Entry", "Hold", "Account", "Balance",
    "VerifyReport", "Head", "SlotList",
    "Error", "InvalidArgument", "NoMemory", "NotFound", "Conflict", "Unavailable",
    "RangeError", "TimeZoneError", "IdempotencyMismatch", "InsufficientCredits",
    "StateError", "Expired", "Busy", "StoreError", "TamperError", "AlreadyExists", "Misuse",
]

__version__ = "0.1.0"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECOND = timedelta(seconds=1)
_I64_MIN, _I64_MAX = -2 ** 63, 2 ** 63 - 1
_I32_MIN, _I32_MAX = -2 ** 31, 2 ** 31 - 1

_STATUS = {1: "pending", 2: "confirmed", 3: "cancelled", 4: "completed", 5: "no_show"}
_SESSION_KIND = {1: "regular", 2: "trial", 3: "manual"}
_ENTRY_KIND = {1: "purchase", 2: "grant", 3: "consume", 4: "refund", 5: "adjust", 6: "expire"}
_ENTRY_KIND_CODE = {v: k for k, v in _ENTRY_KIND.items()}
_HOLD_STATUS = {1: "active", 2: "captured", 3: "released", 4: "expired"}
_ENTITY = {"rule": 1, "override": 2, "session": 3, "account": 4}
_TZ_KIND = {0: "unique", 1: "gap", 2: "fold"}
_DURABILITY = {"durable": _lib.SL_DURABLE, "fast": _lib.SL_FAST}


# ------------------------------------------------------------ conversions
def _int(name, v, lo=_I64_MIN, hi=_I64_MAX):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("%s must be an int, not %s" % (name, type(v).__name__))
    if not lo <= v <= hi:
        raise RangeError("%s = %d is out of range %d..%d" % (name, v, lo, hi))
    return v


def _time_in(name, v):
    """Aware datetime -> Unix seconds (sub-second parts are floored)."""
    if not isinstance(v, datetime):
        raise TypeError("%s must be an aware datetime, not %s" % (name, type(v).__name__))
    if v.tzinfo is None or v.utcoffset() is None:
        raise InvalidArgument("%s: naive datetime: pass an aware datetime (e.g. tzinfo=timezone.utc)" % name)
    return (v - _EPOCH) // _SECOND


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
        return _int(name, v // _SECOND)
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


def _text_out(raw):
    return raw.decode("utf-8", "replace")


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
                   _SESSION_KIND.get(s.kind, "unknown(%d)" % s.kind), s.credits, s.hold_id,
                   s.series_id, _time_out(s.created_at), _time_out(s.updated_at),
                   _opt_time_out(s.deleted_at), _text_out(s.key) or None, bool(s.replayed))


def _entry_out(e):
    return Entry(e.id, e.tenant, e.account, e.seq, _ENTRY_KIND.get(e.kind, "unknown(%d)" % e.kind),
                 e.amount, e.balance_after, e.hold_id, _time_out(e.created_at), _text_out(e.key),
                 _text_out(e.reference) or None, bytes(e.hash), bool(e.replayed))


def _hold_out(h):
    return Hold(h.id, h.tenant, h.account, _HOLD_STATUS.get(h.status, "unknown(%d)" % h.status),
                h.amount, h.captured, _time_out(h.expires_at), _time_out(h.created_at),
                _opt_time_out(h.resolved_at), h.entry_id, _text_out(h.key) or None,
                bool(h.replayed))


def _account_out(a):
    return Account(a.tenant, a.student, a.floor, a.posted, a.held, _time_out(a.created_at),
                   _time_out(a.updated_at), _opt_time_out(a.deleted_at))


def _entity_in(entity):
    if not isinstance(entity, str):
        raise TypeError('entity must be one of "rule", "override", "session", "account"')
    try:
        return _ENTITY[entity]
    except KeyError:
        raise InvalidArgument('entity %r is not one of "rule", "override", "session", "account"'
                              % entity) from None


def _take_list(ptr, count, convert):
    """Convert a library-allocated array and release it with sl_free."""
    try:
        return [convert(ptr[i]) for i in range(count.value)]
    finally:
        _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))


# ------------------------------------------------------- module functions
def version():
    """The loaded library's version string, e.g. "0.1.0"."""
    return _L.sl_version_string().decode()


def version_number():
    """MAJOR * 1000000 + MINOR * 1000 + PATCH of the loaded library."""
    return _L.sl_version_number()


def strerror(code):
    """The symbolic name of a result code ("SL_ECONFLICT")."""
    return _L.sl_strerror(_int("code", code, _I32_MIN, _I32_MAX)).decode()


def _zone(zone):
    b = _text_in("zone", zone, required=True)
    return b


def tz_check(zone, _db=None):
    """Raise TimeZoneError unless zone names a readable IANA zone."""
    _L.sl_tz_check(_db, _zone(zone))


def utc_offset(zone, when, _db=None):
    """The UTC offset of zone at the aware datetime `when`."""
    off = ctypes.c_int32()
    _L.sl_tz_utc_offset(_db, ctypes.byref(off), _zone(zone), _time_in("when", when))
    return timedelta(seconds=off.value)


def local_to_utc(zone, local, _db=None):
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


def utc_to_local(zone, when, _db=None):
    """The naive wall-clock datetime of the aware instant `when` in zone."""
    local = ctypes.c_int64()
    _L.sl_tz_utc_to_local(_db, ctypes.byref(local), _zone(zone), _time_in("when", when))
    return _local_out(local.value)


def format_time(when):
    """ "YYYY-MM-DDTHH:MM:SSZ" of an aware datetime (sl_time_format)."""
    buf = ctypes.create_string_buffer(21)
    _L.sl_time_format(buf, len(buf), _time_in("when", when))
    return buf.value.decode()


def parse_time(text):
    """Strict ISO-8601 instant ("...Z" or "+HH:MM") -> aware UTC datetime."""
    out = _lib.sl_time()
    _L.sl_time_parse(ctypes.byref(out), _text_in("text", text, required=True))
    return _time_out(out.value)


def webhook_verify(secret, header, payload, now=None, tolerance=300):
    """Check a Stripe-style "t=...,v1=..." signature of payload. Returns None;
    raises TamperError (no signature matches), Expired (timestamp outside
    the tolerance) or InvalidArgument (malformed header)."""
    s = _bytes_in("secret", secret)
    p = _bytes_in("payload", payload)
    h = _text_in("header", header, required=True)
    _L.sl_webhook_verify(s, len(s), h, p, len(p), _now_in(now), _span_in("tolerance", tolerance))


def engine_slots(available, busy=(), *, duration, start, end, step=None, buffer_before=0,
                 buffer_after=0, earliest=None, horizon=None):
    """The pure slot engine (sl_engine_slots): day intervals `available` and
    blocking sessions `busy`, each a sequence of (start, end) aware datetimes
    sorted by start -> [(start, end)] slots in [start, end)."""
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
            break
        except RangeError:
            if count.value <= cap:
                raise
            cap = count.value
    return [(_time_out(out[i].start), _time_out(out[i].end)) for i in range(count.value)]


# ------------------------------------------------------------------ open
def _options(durability, tzdir, busy_timeout_ms, ledger_key):
    opts = _lib.SLOptions()
    _L.sl_options_init(ctypes.byref(opts), _lib.SL_OPTIONS_VERSION)
    if not isinstance(durability, str):
        raise TypeError('durability must be "durable" or "fast"')
    if durability not in _DURABILITY:
        raise InvalidArgument('durability %r is neither "durable" nor "fast"' % durability)
    opts.durability = _DURABILITY[durability]
    keep = []
    if tzdir is not None:
        raw = _path_in("tzdir", tzdir)
        opts.tzdir = raw
        keep.append(raw)
    opts.busy_timeout_ms = _int("busy_timeout_ms", busy_timeout_ms, _I32_MIN, _I32_MAX)
    if ledger_key is not None:
        key = _bytes_in("ledger_key", ledger_key)
        buf = (ctypes.c_uint8 * max(1, len(key))).from_buffer_copy(key.ljust(1, b"\0"))
        opts.ledger_key = ctypes.cast(buf, ctypes.POINTER(ctypes.c_uint8))
        opts.ledger_key_len = len(key)
        keep.append(buf)
    return opts, keep


def open(path, *, durability="durable", tzdir=None, busy_timeout_ms=0, ledger_key=None):  # noqa: A001
    """Open (creating if needed) a SQLite database file; ":memory:" gives a
    private in-memory SQLite database."""
    raw = _path_in("path", path)
    opts, keep = _options(durability, tzdir, busy_timeout_ms, ledger_key)
    h = ctypes.c_void_p()
    _L.sl_open(ctypes.byref(h), raw, ctypes.byref(opts))
    del keep
    return Database(h.value, os.fsdecode(raw))


def open_memory(*, tzdir=None, ledger_key=None):
    """Open a handle on a new, private in-memory reference store."""
    opts, keep = _options("durable", tzdir, 0, ledger_key)
    h = ctypes.c_void_p()
    _L.sl_open_memory(ctypes.byref(h), ctypes.byref(opts))
    del keep
    return Database(h.value, None)


# -------------------------------------------------------------- Database
class Database:
    """A library handle. Use as a context manager or call close(); a
    finalizer closes a forgotten handle. Calls on one Database are
    serialised by a lock, so sharing it between threads is safe (if not
    concurrent); a closed Database raises sl.Misuse."""

    def __init__(self, handle, path=None):
        if not handle:
            raise Misuse("Database() takes a handle from sl.open() or sl.open_memory()")
        self._h = handle
        self.path = path
        self._lock = threading.RLock()
        self._fin = weakref.finalize(self, _L.sl_close, handle)

    # -- lifecycle
    def close(self):
        """Close the handle (idempotent)."""
        with self._lock:
            self._h = None
            self._fin()

    @property
    def closed(self):
        return self._h is None

    def __enter__(self):
        self._handle()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if self._h is None else "open"
        return "<slotledger.Database %s %s>" % (self.path or "memory", state)

    def _handle(self):
        h = self._h
        if h is None:
            raise Misuse("this Database is closed")
        return h

    def _call(self, fname, *args):
        with self._lock:
            return getattr(_L, fname)(self._handle(), *args)

    # -- time zones with this handle's tzdir
    def utc_offset(self, zone, when):
        with self._lock:
            return utc_offset(zone, when, _db=self._handle())

    def local_to_utc(self, zone, local):
        with self._lock:
            return local_to_utc(zone, local, _db=self._handle())

    def utc_to_local(self, zone, when):
        with self._lock:
            return utc_to_local(zone, when, _db=self._handle())

    def tz_check(self, zone):
        with self._lock:
            tz_check(zone, _db=self._handle())

    # -- tenants
    def set_tenant(self, id, *, tz=None, buffer_before=None, buffer_after=None, min_notice=None,
                   step=None, max_advance_days=None, late_cancel=None, now=None):
        """Create or update a tenant. Settings left None keep their current
        value (the default, for a new tenant: tz "UTC", everything else 0).
        Spans take timedeltas or int seconds. Returns the stored Tenant."""
        tid = _int("id", id)
        t = _lib.SLTenant()
        fields = {}
        if tz is not None:
            b = _text_in("tz", tz)
            if len(b) > _lib.SL_TZ_NAME_MAX:
                raise TimeZoneError("zone name %r is longer than %d bytes" % (tz, _lib.SL_TZ_NAME_MAX))
            fields["tz"] = b
        for name, v in (("buffer_before", buffer_before), ("buffer_after", buffer_after),
                        ("min_notice", min_notice), ("step", step), ("late_cancel", late_cancel)):
            if v is not None:
                fields[name] = _span_in(name, v)
        if max_advance_days is not None:
            fields["max_advance_days"] = _int("max_advance_days", max_advance_days, _I32_MIN, _I32_MAX)
        when = _now_in(now)
        with self._lock:
            h = self._handle()
            try:
                _L.sl_tenant_get(h, ctypes.byref(t), tid)
            except NotFound:
                _L.sl_tenant_init(ctypes.byref(t), _lib.SL_TENANT_VERSION)
                t.id = tid
            for name, v in fields.items():
                setattr(t, name, v)
            _L.sl_tenant_put(h, ctypes.byref(t), when)
            _L.sl_tenant_get(h, ctypes.byref(t), tid)
        return _tenant_out(t)

    def tenant(self, id):
        t = _lib.SLTenant()
        self._call("sl_tenant_get", ctypes.byref(t), _int("id", id))
        return _tenant_out(t)

    # -- rules and overrides
    @staticmethod
    def _rule_args(weekday, start, end, valid_from, valid_until):
        return (_int("weekday", weekday, _I32_MIN, _I32_MAX), _wall_in("start", start),
                _wall_in("end", end),
                _lib.SL_DATE_MIN if valid_from is None else _date_in("valid_from", valid_from),
                _lib.SL_DATE_MAX if valid_until is None else _date_in("valid_until", valid_until))

    def add_rule(self, tenant, *, weekday, start="09:00", end="17:00", valid_from=None,
                 valid_until=None, now=None):
        """Add a weekly rule (weekday 1 = Monday .. 7 = Sunday, wall times
        "HH:MM" in the tenant's zone, valid dates inclusive). Returns its id."""
        args = self._rule_args(weekday, start, end, valid_from, valid_until)
        rid = _lib.sl_id()
        self._call("sl_rule_add", ctypes.byref(rid), _int("tenant", tenant), *args, _now_in(now))
        return rid.value

    def update_rule(self, tenant, rule, *, weekday, start, end, valid_from=None,
                    valid_until=None, now=None):
        """Replace every field of a live rule."""
        args = self._rule_args(weekday, start, end, valid_from, valid_until)
        self._call("sl_rule_update", _int("tenant", tenant), _int("rule", rule), *args, _now_in(now))

    def rule(self, tenant, id, include_deleted=False):
        r = _lib.SLRule()
        self._call("sl_rule_get", ctypes.byref(r), _int("tenant", tenant), _int("id", id),
                   _flags(include_deleted))
        return _rule_out(r)

    def rules(self, tenant, include_deleted=False):
        ptr, n = ctypes.POINTER(_lib.SLRule)(), ctypes.c_size_t()
        with self._lock:
            _L.sl_rules_list(self._handle(), ctypes.byref(ptr), ctypes.byref(n),
                             _int("tenant", tenant), _flags(include_deleted))
            return _take_list(ptr, n, _rule_out)

    def set_override(self, tenant, date, windows, now=None):
        """Replace the weekly rules of one local date by `windows`, a list of
        ("HH:MM", "HH:MM") pairs ([] = a day off). Returns the override id."""
        d = _date_in("date", date)
        if isinstance(windows, (str, bytes)) or not hasattr(windows, "__iter__"):
            raise TypeError("windows must be a list of (start, end) pairs")
        windows = list(windows)
        arr = (_lib.SLWindow * max(1, len(windows)))()
        for i, w in enumerate(windows):
            if not isinstance(w, (tuple, list)) or len(w) != 2:
                raise TypeError("windows[%d] must be a (start, end) pair" % i)
            arr[i].start_min = _wall_in("windows[%d] start" % i, w[0])
            arr[i].end_min = _wall_in("windows[%d] end" % i, w[1])
        oid = _lib.sl_id()
        self._call("sl_override_set", ctypes.byref(oid), _int("tenant", tenant), d, arr,
                   len(windows), _now_in(now))
        return oid.value

    def override(self, tenant, date, include_deleted=False):
        o = _lib.SLOverride()
        self._call("sl_override_get", ctypes.byref(o), _int("tenant", tenant), _date_in("date", date),
                   _flags(include_deleted))
        return _override_out(o)

    def overrides(self, tenant, from_date, to_date, include_deleted=False):
        """Overrides of dates in [from_date, to_date], sorted by date."""
        ptr, n = ctypes.POINTER(_lib.SLOverride)(), ctypes.c_size_t()
        with self._lock:
            _L.sl_overrides_list(self._handle(), ctypes.byref(ptr), ctypes.byref(n),
                                 _int("tenant", tenant), _date_in("from_date", from_date),
                                 _date_in("to_date", to_date), _flags(include_deleted))
            return _take_list(ptr, n, _override_out)

    # -- slots
    def slots(self, tenant, start, end, duration, now=None):
        """Bookable [(start, end)] of `duration` starting in [start, end),
        as aware UTC datetimes. A range over 14 days is cut to 14 days and
        the returned list's .clamped is True."""
        ptr, n, flags = ctypes.POINTER(_lib.SLInterval)(), ctypes.c_size_t(), ctypes.c_uint32()
        args = (_int("tenant", tenant), _time_in("start", start), _time_in("end", end),
                _span_in("duration", duration), _now_in(now))
        with self._lock:
            _L.sl_slots_alloc(self._handle(), ctypes.byref(ptr), ctypes.byref(n),
                              ctypes.byref(flags), *args)
            try:
                # The array is n (start, end) int64 pairs: read it in one go
                # rather than one ctypes Structure per slot.
                count = n.value
                flat = list((ctypes.c_int64 * (2 * count)).from_address(
                    ctypes.addressof(ptr.contents))) if count else []
            finally:
                _L.sl_free(ctypes.cast(ptr, ctypes.c_void_p))
        # One datetime per distinct instant: back-to-back slots share them.
        seen = {}
        times = []
        for t in flat:
            d = seen.get(t)
            if d is None:
                d = seen[t] = _time_out(t)
            times.append(d)
        out = SlotList(zip(times[0::2], times[1::2]))
        out.clamped = bool(flags.value & _lib.SL_SLOTS_CLAMPED)
        return out

    # -- bookings
    def _session_call(self, fname, *args):
        s = _lib.SLSession()
        self._call(fname, ctypes.byref(s), *args)
        return _session_out(s)

    def book(self, tenant, *, student, start, duration, credits=0, key=None, now=None):
        """Book a regular session (status pending; credits > 0 places a hold)."""
        return self._session_call("sl_book", _int("tenant", tenant), _int("student", student),
                                  _time_in("start", start), _span_in("duration", duration),
                                  _int("credits", credits), _text_in("key", key), _now_in(now))

    def book_many(self, tenant, bookings, key=None, now=None):
        """Book several sessions all or nothing. Each booking is a dict
        (student, start, duration, credits=0) or a tuple in that order. On
        failure the exception's .index names the failing booking."""
        if isinstance(bookings, (str, bytes, dict)) or not hasattr(bookings, "__iter__"):
            raise TypeError("bookings must be a list of dicts or tuples")
        items = list(bookings)
        arr = (_lib.SLBooking * max(1, len(items)))()
        for i, b in enumerate(items):
            if isinstance(b, dict):
                unknown = set(b) - {"student", "start", "duration", "credits"}
                if unknown:
                    raise TypeError("bookings[%d]: unknown field(s) %s" % (i, ", ".join(sorted(unknown))))
                try:
                    student, start, duration = b["student"], b["start"], b["duration"]
                except KeyError as exc:
                    raise TypeError("bookings[%d] lacks %s" % (i, exc)) from None
                credits = b.get("credits", 0)
            elif isinstance(b, (tuple, list)) and len(b) in (3, 4):
                student, start, duration = b[0], b[1], b[2]
                credits = b[3] if len(b) == 4 else 0
            else:
                raise TypeError("bookings[%d] must be a dict or a (student, start, duration[, credits]) tuple" % i)
            arr[i].student = _int("bookings[%d].student" % i, student)
            arr[i].start = _time_in("bookings[%d].start" % i, start)
            arr[i].duration = _span_in("bookings[%d].duration" % i, duration)
            arr[i].credits = _int("bookings[%d].credits" % i, credits)
        out = (_lib.SLSession * max(1, len(items)))()
        failed = ctypes.c_size_t(len(items))
        try:
            self._call("sl_book_many", out, ctypes.byref(failed), _int("tenant", tenant), arr,
                       len(items), _text_in("key", key), _now_in(now))
        except Error as exc:
            if failed.value < len(items):
                exc.index = failed.value
            raise
        return [_session_out(out[i]) for i in range(len(items))]

    def book_trial(self, tenant, *, student, start, duration, key=None, now=None):
        """Book a free trial (one live trial per student)."""
        return self._session_call("sl_book_trial", _int("tenant", tenant), _int("student", student),
                                  _time_in("start", start), _span_in("duration", duration),
                                  _text_in("key", key), _now_in(now))

    def schedule_manual(self, tenant, *, student, start, duration, credits=0, key=None, now=None):
        """A teacher-made session: skips availability and never conflicts."""
        return self._session_call("sl_schedule_manual", _int("tenant", tenant),
                                  _int("student", student), _time_in("start", start),
                                  _span_in("duration", duration), _int("credits", credits),
                                  _text_in("key", key), _now_in(now))

    def reschedule(self, tenant, session_id, new_start, now=None):
        """Move a pending or confirmed session, atomically."""
        return self._session_call("sl_reschedule", _int("tenant", tenant),
                                  _int("session_id", session_id), _time_in("new_start", new_start),
                                  _now_in(now))

    def book_recurring(self, tenant, *, student, start, duration, count, credits=0,
                       skip_conflicts=False, key=None, now=None):
        """Book `count` weekly sessions at the same local wall time. Returns
        (sessions, skipped_starts); skipped starts only with skip_conflicts."""
        n = _int("count", count, 0, 2 ** 32 - 1)
        if not isinstance(skip_conflicts, bool):
            raise TypeError("skip_conflicts must be a bool")
        if n > _lib.SL_MAX_RECURRING:
            # Checked here too: the out buffers are sized by count.
            raise InvalidArgument("count %d is more than %d" % (n, _lib.SL_MAX_RECURRING))
        cap = max(1, n)
        out = (_lib.SLSession * cap)()
        skipped = (_lib.sl_time * cap)()
        n_booked, n_skipped = ctypes.c_size_t(), ctypes.c_size_t()
        policy = _lib.SL_RECUR_SKIP_CONFLICTS if skip_conflicts else _lib.SL_RECUR_ALL_OR_NOTHING
        self._call("sl_book_recurring", out, ctypes.byref(n_booked), skipped, cap,
                   ctypes.byref(n_skipped), _int("tenant", tenant), _int("student", student),
                   _time_in("start", start), _span_in("duration", duration),
                   _int("credits", credits), n, policy, _text_in("key", key), _now_in(now))
        nb, ns = min(n_booked.value, cap), min(n_skipped.value, cap)
        return ([_session_out(out[i]) for i in range(nb)],
                [_time_out(skipped[i]) for i in range(ns)])

    def confirm(self, tenant, session_id, now=None):
        return self._session_call("sl_confirm", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def cancel(self, tenant, session_id, now=None):
        """Cancel; the hold is voided (or captured inside late_cancel)."""
        return self._session_call("sl_cancel", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def complete(self, tenant, session_id, now=None):
        return self._session_call("sl_complete", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def mark_no_show(self, tenant, session_id, now=None):
        return self._session_call("sl_mark_no_show", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def session(self, tenant, id, include_deleted=False):
        s = _lib.SLSession()
        self._call("sl_session_get", ctypes.byref(s), _int("tenant", tenant), _int("id", id),
                   _flags(include_deleted))
        return _session_out(s)

    def sessions(self, tenant, start, end, include_deleted=False):
        """Sessions overlapping [start, end), sorted by (start, id)."""
        ptr, n = ctypes.POINTER(_lib.SLSession)(), ctypes.c_size_t()
        args = (_int("tenant", tenant), _time_in("start", start), _time_in("end", end),
                _flags(include_deleted))
        with self._lock:
            _L.sl_sessions_list(self._handle(), ctypes.byref(ptr), ctypes.byref(n), *args)
            return _take_list(ptr, n, _session_out)

    def sessions_by_student(self, tenant, student, include_deleted=False):
        ptr, n = ctypes.POINTER(_lib.SLSession)(), ctypes.c_size_t()
        args = (_int("tenant", tenant), _int("student", student), _flags(include_deleted))
        with self._lock:
            _L.sl_sessions_by_student(self._handle(), ctypes.byref(ptr), ctypes.byref(n), *args)
            return _take_list(ptr, n, _session_out)

    # -- soft delete
    def soft_delete(self, tenant, entity, id, now=None):
        """entity: "rule", "override", "session" or "account"."""
        self._call("sl_soft_delete", _int("tenant", tenant), _entity_in(entity), _int("id", id),
                   _now_in(now))

    def restore(self, tenant, entity, id, now=None):
        self._call("sl_restore", _int("tenant", tenant), _entity_in(entity), _int("id", id),
                   _now_in(now))

    def purge(self, entity, before):
        """Hard-delete rows of entity soft-deleted before `before` (all
        tenants). Returns how many."""
        n = ctypes.c_size_t()
        self._call("sl_purge", ctypes.byref(n), _entity_in(entity), _time_in("before", before))
        return n.value

    # -- ledger
    @staticmethod
    def _kind_in(kind):
        if not isinstance(kind, str):
            raise TypeError("kind must be a str such as \"purchase\"")
        try:
            return _ENTRY_KIND_CODE[kind]
        except KeyError:
            raise InvalidArgument("entry kind %r is not one of %s" % (kind, ", ".join(_ENTRY_KIND_CODE))) from None

    def post(self, tenant, *, account, amount, kind="purchase", key, reference=None, now=None):
        """Post an entry (idempotent by key). Returns the Entry; on a replay,
        the original with .replayed True."""
        e = _lib.SLEntry()
        self._call("sl_ledger_post", ctypes.byref(e), _int("tenant", tenant), _int("account", account),
                   self._kind_in(kind), _int("amount", amount), _text_in("key", key, required=True),
                   _text_in("reference", reference), _now_in(now))
        return _entry_out(e)

    def post_many(self, tenant, posts, now=None):
        """Post linked entries all or nothing. Each post is a dict (account,
        amount, kind="purchase", key, reference=None) or a tuple (account,
        amount, kind, key[, reference]). On failure .index names the post."""
        if isinstance(posts, (str, bytes, dict)) or not hasattr(posts, "__iter__"):
            raise TypeError("posts must be a list of dicts or tuples")
        items = list(posts)
        arr = (_lib.SLPost * max(1, len(items)))()
        keep = []
        for i, p in enumerate(items):
            if isinstance(p, dict):
                unknown = set(p) - {"account", "amount", "kind", "key", "reference"}
                if unknown:
                    raise TypeError("posts[%d]: unknown field(s) %s" % (i, ", ".join(sorted(unknown))))
                try:
                    account, amount, key = p["account"], p["amount"], p["key"]
                except KeyError as exc:
                    raise TypeError("posts[%d] lacks %s" % (i, exc)) from None
                kind, ref = p.get("kind", "purchase"), p.get("reference")
            elif isinstance(p, (tuple, list)) and len(p) in (4, 5):
                account, amount, kind, key = p[:4]
                ref = p[4] if len(p) == 5 else None
            else:
                raise TypeError("posts[%d] must be a dict or an (account, amount, kind, key[, reference]) tuple" % i)
            arr[i].account = _int("posts[%d].account" % i, account)
            arr[i].amount = _int("posts[%d].amount" % i, amount)
            arr[i].kind = self._kind_in(kind)
            kb = _text_in("posts[%d].key" % i, key, required=True)
            rb = _text_in("posts[%d].reference" % i, ref)
            keep += [kb, rb]
            arr[i].key = kb
            arr[i].reference = rb
        out = (_lib.SLEntry * max(1, len(items)))()
        failed = ctypes.c_size_t(len(items))
        try:
            self._call("sl_ledger_post_many", out, ctypes.byref(failed), _int("tenant", tenant), arr,
                       len(items), _now_in(now))
        except Error as exc:
            if failed.value < len(items):
                exc.index = failed.value
            raise
        return [_entry_out(out[i]) for i in range(len(items))]

    def balance(self, tenant, account, now=None):
        b = _lib.SLBalance()
        self._call("sl_ledger_balance", ctypes.byref(b), _int("tenant", tenant),
                   _int("account", account), _now_in(now))
        return Balance(b.posted, b.held, b.available, b.floor)

    def set_floor(self, tenant, account, floor, now=None):
        """Set an account's floor (lowest allowed available balance)."""
        self._call("sl_account_set_floor", _int("tenant", tenant), _int("account", account),
                   _int("floor", floor), _now_in(now))

    def account(self, tenant, id, include_deleted=False):
        a = _lib.SLAccount()
        self._call("sl_account_get", ctypes.byref(a), _int("tenant", tenant), _int("id", id),
                   _flags(include_deleted))
        return _account_out(a)

    def hold(self, tenant, *, account, amount, expires_at, key, now=None):
        """Reserve credits until expires_at. Returns the Hold."""
        h = _lib.SLCreditHold()
        self._call("sl_hold", ctypes.byref(h), _int("tenant", tenant), _int("account", account),
                   _int("amount", amount), _time_in("expires_at", expires_at),
                   _text_in("key", key, required=True), _now_in(now))
        return _hold_out(h)

    def capture(self, tenant, hold_id, amount=None, *, key, now=None):
        """Capture `amount` (None: all) of a hold as a consume entry."""
        hid = _int("hold_id", hold_id)
        t = _int("tenant", tenant)
        kb = _text_in("key", key, required=True)
        when = _now_in(now)
        e = _lib.SLEntry()
        with self._lock:
            h = self._handle()
            if amount is None:
                hd = _lib.SLCreditHold()
                _L.sl_hold_get(h, ctypes.byref(hd), t, hid)
                amount = hd.amount
            _L.sl_hold_capture(h, ctypes.byref(e), t, hid, _int("amount", amount), kb, when)
        return _entry_out(e)

    def release(self, tenant, hold_id, now=None):
        h = _lib.SLCreditHold()
        self._call("sl_hold_release", ctypes.byref(h), _int("tenant", tenant),
                   _int("hold_id", hold_id), _now_in(now))
        return _hold_out(h)

    def hold_get(self, tenant, hold_id):
        h = _lib.SLCreditHold()
        self._call("sl_hold_get", ctypes.byref(h), _int("tenant", tenant), _int("hold_id", hold_id))
        return _hold_out(h)

    def history(self, tenant, account=0, after_seq=0, limit=100):
        """Up to `limit` entries with seq > after_seq (account 0: all),
        ascending; pass the last .seq as after_seq for the next page."""
        cap = _int("limit", limit, 1, 1 << 20)
        out = (_lib.SLEntry * cap)()
        n = ctypes.c_size_t()
        self._call("sl_ledger_history", out, cap, ctypes.byref(n), _int("tenant", tenant),
                   _int("account", account), _int("after_seq", after_seq))
        return [_entry_out(out[i]) for i in range(min(n.value, cap))]

    def verify(self, tenant):
        """Recompute the tenant's hash chain and balances. Returns a
        VerifyReport; raises TamperError naming the first bad entry."""
        r = _lib.SLVerifyReport()
        try:
            self._call("sl_ledger_verify", ctypes.byref(r), _int("tenant", tenant))
        except TamperError as exc:
            exc.report = VerifyReport(r.entries, r.accounts, r.first_bad_seq, r.first_bad_entry)
            raise
        return VerifyReport(r.entries, r.accounts, r.first_bad_seq, r.first_bad_entry)

    def ledger_head(self, tenant):
        """The tenant's chain head as a Head(seq, hash): an anchor to keep
        outside the database (it verifies nothing by itself)."""
        h = _lib.SLLedgerAnchor()
        self._call("sl_ledger_head", ctypes.byref(h), _int("tenant", tenant))
        return Head(h.seq, bytes(h.hash))

    def verify_head(self, tenant, head):
        """Everything verify() checks, then that the ledger still extends
        `head` (a Head from ledger_head, possibly long ago). Returns None;
        raises TamperError when the ledger was truncated below the anchor
        or rolled back or rewritten up to it."""
        seq, digest = head
        if not isinstance(digest, (bytes, bytearray)) or len(digest) != _lib.SL_HASH_BYTES:
            raise InvalidArgument("head.hash must be %d bytes" % _lib.SL_HASH_BYTES)
        h = _lib.SLLedgerAnchor()
        h.version = _lib.SL_LEDGER_ANCHOR_VERSION
        h.tenant = _int("tenant", tenant)
        h.seq = _int("head.seq", seq)
        ctypes.memmove(h.hash, bytes(digest), _lib.SL_HASH_BYTES)
        self._call("sl_ledger_verify_head", h.tenant, ctypes.byref(h))

    def webhook_claim(self, tenant, source, event_id, now=None):
        """Record an event once: True the first time, False afterwards."""
        claimed = ctypes.c_int()
        self._call("sl_webhook_claim", ctypes.byref(claimed), _int("tenant", tenant),
                   _text_in("source", source, required=True),
                   _text_in("event_id", event_id, required=True), _now_in(now))
        return bool(claimed.value)
