"""open(), open_memory() and Database: the handle, its lifecycle, its
lock, time zones with its tzdir, and tenants. The scheduling and ledger
methods come from the mixins of scheduling.py and ledger.py."""

from __future__ import annotations

import re
import contextlib
import ctypes
import os
import sys
import threading
import weakref
from urllib.parse import unquote

from datetime import datetime, timedelta
from typing import Any, Iterator, Optional, Tuple

from ._types import BytesLike, PathLike, Span
from .records import Tenant
from . import _lib
from ._lib import lib as _L
from .errors import Error, InvalidArgument, NotFound, TimeZoneError, Misuse
from .enums import _DURABILITY
from .functions import local_to_utc, tz_check, utc_offset, utc_to_local
from .epoch import EpochMixin
from .ics import IcsMixin
from .classes import ClassesMixin
from .ledger import LedgerMixin
from .outbox import OutboxMixin
from .teams import TeamsMixin
from .scheduling import SchedulingMixin
from ._convert import (_I32_MAX, _I32_MIN, _bytes_in, _int, _now_in, _path_in, _span_in, _take_list, _tenant_out,
                       _text_in)


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


def open(path: PathLike, *, durability: str = "durable", tzdir: Optional[PathLike] = None,
         busy_timeout_ms: int = 0, ledger_key: Optional[BytesLike] = None) -> Database:  # noqa: A001
    """Open (creating if needed) a SQLite database file; ":memory:" gives a
    private in-memory SQLite database."""
    raw = _path_in("path", path)
    opts, keep = _options(durability, tzdir, busy_timeout_ms, ledger_key)
    h = ctypes.c_void_p()
    _L.sl_open(ctypes.byref(h), raw, ctypes.byref(opts))
    del keep
    return Database(h.value, os.fsdecode(raw), _token=_TOKEN)


def open_memory(*, tzdir: Optional[PathLike] = None,
                ledger_key: Optional[BytesLike] = None) -> Database:
    """Open a handle on a new, private in-memory reference store."""
    opts, keep = _options("durable", tzdir, 0, ledger_key)
    h = ctypes.c_void_p()
    _L.sl_open_memory(ctypes.byref(h), ctypes.byref(opts))
    del keep
    return Database(h.value, None, _token=_TOKEN)


# -------------------------------------------------------------- Database

def _current_task():
    """The running asyncio task, or None (asyncio not imported, no loop
    running in this thread, or a plain callback of the loop)."""
    aio = sys.modules.get("asyncio")
    if aio is None:
        return None
    try:
        return aio.current_task()
    except RuntimeError:   # no running event loop
        return None


# What only open() and open_memory() pass to Database(): a handle made up
# by the caller (an int) would crash the process at its first call.
_TOKEN = object()

def _redacted(path):
    """path with any password of a PostgreSQL connection string replaced by
    ***, so that a repr or a log line never carries it."""
    if not path:
        return path
    if "://" in path:
        path = re.sub(r"(://[^/@:]*):[^/@]*@", r"\1:***@", path)
        # libpq decodes the parameter names too: ?%70assword= is password
        return re.sub(r"([?&])([^=&]*)=[^&]*",
                      lambda m: m.group(1) + m.group(2) + "=***" if unquote(m.group(2)) == "password" else m.group(0),
                      path)
    return re.sub(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", path)

# How long the finalizer run at interpreter exit waits for a thread still in
# a call on the Database (seconds); after that the handle is left open (the
# process is ending) rather than freed under the call.
_EXIT_WAIT = 5.0


def _finalize(ref, lock, handle):
    """Close handle: the Database's finalizer, run by close(), when the
    Database is collected, or at interpreter exit for one still open. Under
    the Database's lock, as every call is: at exit a thread may still be in
    a call on it, so this waits for that call to end, then marks the
    Database closed (the thread's next call raises Misuse) and closes the
    handle. ref: a weak reference to the Database (dead when collected)."""
    if not lock.acquire(timeout=_EXIT_WAIT):
        return
    try:
        db = ref()
        if db is not None:
            db._h = None
        _L.sl_close(handle)
    finally:
        lock.release()


class Database(SchedulingMixin, EpochMixin, LedgerMixin, IcsMixin, OutboxMixin, ClassesMixin, TeamsMixin):
    """A library handle: slotledger.open(path) or slotledger.open_memory().

    Use it as a context manager (``with sl.open("tutor.db") as db:``) or call
    close(); a finalizer closes a forgotten handle (at interpreter exit too,
    under the lock: after a call another thread is making has returned). Calls on one Database
    are serialised by a lock, so sharing it between threads is safe (if
    not concurrent); a closed Database raises sl.Misuse. Failures raise
    subclasses of sl.Error carrying .code and the library's .message.

    Times are aware datetimes in and aware UTC datetimes out; spans are
    timedeltas or int seconds; wall-clock times are "HH:MM" in the tenant's
    zone; every call that depends on the clock takes now= (default: now).

    Tenants:    set_tenant, tenant
    Schedule:   add_rule, update_rule, rule, rules, set_override, override,
                overrides, slots, slots_epoch
    Bookings:   book, book_many, book_trial, schedule_manual, book_recurring,
                reschedule, confirm, cancel, complete, mark_no_show
    Sessions:   session, sessions, sessions_by_student, soft_delete,
                restore, purge
    Ledger:     post, post_many, balance, set_floor, account, hold, capture,
                release, hold_get, history
    Integrity:  verify, ledger_head, verify_head, seal, webhook_claim
    Time zones: tz_check, utc_offset, utc_to_local, local_to_utc
    """

    def __init__(self, handle: int, path: Optional[str] = None, *, _token: Any = None) -> None:
        """Internal: use slotledger.open() or slotledger.open_memory()."""
        if not handle or _token is not _TOKEN:
            raise Misuse("Database() takes a handle from sl.open() or sl.open_memory()")
        self._h = handle
        self.path = path
        self._lock = threading.RLock()
        self._fin = weakref.finalize(self, _finalize, weakref.ref(self), self._lock, handle)

    _calling = 0   # C calls on the handle that run Python (a summary callable) in progress

    # -- lifecycle
    def close(self) -> None:
        """Close the handle (idempotent). From a summary callable of
        session_ics / calendar_ics it raises Misuse: the call in progress
        uses the handle."""
        with self._lock:
            if self._calling:
                raise Misuse("close() inside a call on this Database (from a summary callable); "
                             "close it after the call returns")
            self._h = None
            self._fin()

    @property
    def closed(self) -> bool:
        """True once close() has been called."""
        return self._h is None

    def __enter__(self) -> "Database":
        """`with sl.open(...) as db:` closes the handle at the end of the block."""
        self._handle()
        return self

    def __exit__(self, *exc: Any) -> None:
        """Close the handle."""
        self.close()
        return False

    def __reduce__(self):
        # copy.copy would share the handle and its finalizer: closing the
        # copy freed the handle the original still used (a segfault).
        raise TypeError("a Database (a library handle) cannot be copied or pickled; open another one")

    def __repr__(self):
        state = "closed" if self._h is None else "open"
        return "<slotledger.Database %s %s>" % (_redacted(self.path) or "memory", state)

    def _handle(self):
        h = self._h
        if h is None:
            raise Misuse("this Database is closed")
        if self._with_task is not None and _current_task() is not self._with_task:
            raise Misuse("a call from another asyncio task while a `with db.group():` block of this Database "
                         "awaits: it would join that group (committed or rolled back with it); await the "
                         "block's end, or open one Database per task")
        return h

    def _call(self, fname, *args):
        with self._lock:
            return getattr(_L, fname)(self._handle(), *args)

    def _get(self, fname, struct, convert, *args):
        """One record: fname(handle, &out, *args), converted."""
        out = struct()
        self._call(fname, ctypes.byref(out), *args)
        return convert(out)

    def _list(self, fname, struct, convert, *args):
        """A library-allocated array: fname(handle, &ptr, &n, *args), each
        item converted, the array released with sl_free."""
        ptr, n = ctypes.POINTER(struct)(), ctypes.c_size_t()
        with self._lock:
            getattr(_L, fname)(self._handle(), ctypes.byref(ptr), ctypes.byref(n), *args)
            return _take_list(ptr, n, convert)

    # -- groups: many calls, one commit
    _group_end = None   # how the last group ended when its commit failed (for group_rollback's Misuse)
    _in_with = False    # a `with db.group():` block is running (in the thread holding the lock)
    _with_task = None   # the asyncio task running that block, if one does

    def _refuse_in_with(self, what):
        """Misuse inside a `with db.group():` block: its group ends with
        the block, never by an explicit call in it (a group_commit() there
        kept the first half and the block's end then raised; a
        group_rollback() and group_begin() there dropped it silently)."""
        if self._in_with:
            raise Misuse("%s() inside `with db.group():` is refused: the group ends with the block "
                         "(committed when it ends, rolled back when it raises); raise to roll it back" % what)

    def group_begin(self) -> None:
        """Open a group: every call until group_commit() runs in its own
        savepoint of one transaction (a failed call undoes only itself) and
        nothing is durable before group_commit() returns. Groups do not
        nest (sl.Misuse). Prefer `with db.group():` (inside its block this
        and group_commit / group_rollback raise sl.Misuse)."""
        with self._lock:
            self._refuse_in_with("group_begin")
            self._call("sl_group_begin")
            self._group_end = None

    def group_commit(self) -> None:
        """Commit the open group. Raises when nothing of the group was kept:
        sl.Busy (retryable: the group was given up, e.g. its connection was
        lost or a lock wait failed) or sl.StoreError (e.g. the connection
        was lost during the commit); the group is over either way, so a
        group_rollback() after it raises sl.Misuse. Retry the whole group."""
        with self._lock:
            self._refuse_in_with("group_commit")
            self._commit_group()

    def _commit_group(self):
        """sl_group_commit (under the lock). A failure ends the group: its
        message says so and what to do, and a following group_rollback's
        Misuse says how the group ended."""
        try:
            _L.sl_group_commit(self._handle())
        except Misuse:
            raise   # no group was open
        except Error as exc:
            self._group_end = "its commit failed (%s)" % type(exc).__name__
            if "retry" not in exc.message:
                exc.message += "; the group is over and nothing of it was kept: retry the whole group"
                exc.args = (exc.message,)
            raise

    def group_rollback(self) -> None:
        """Undo every call of the open group and end it. sl.Misuse when
        no group is open, e.g. after a group_commit() that raised (that
        ended the group, keeping nothing of it)."""
        with self._lock:
            self._refuse_in_with("group_rollback")
            try:
                _L.sl_group_rollback(self._handle())
            except Misuse as exc:
                if self._group_end is not None:
                    exc.message = ("group_rollback(): no group is open: the group already ended when %s, and "
                                   "nothing of it was kept, so there is nothing to roll back; retry the whole "
                                   "group (group_begin() and its calls again)" % self._group_end)
                    exc.args = (exc.message,)
                raise

    @property
    def in_group(self) -> bool:
        """True while a group is open on this handle."""
        with self._lock:
            return self._h is not None and bool(_L.sl_group_active(self._h))

    @contextlib.contextmanager
    def group(self) -> Iterator["Database"]:
        """`with db.group(): ...` runs the block's calls as one group:
        committed when the block ends normally (acknowledge your clients
        only after that), rolled back when it raises; group_begin,
        group_commit and group_rollback inside it raise sl.Misuse. A commit that fails
        (sl.Busy, sl.StoreError: see group_commit) keeps nothing of the
        group: run the whole block again. The block holds this
        Database's lock, so other threads' calls wait instead of joining
        the group, and a call from another asyncio task while the block
        awaits raises sl.Misuse (the lock cannot tell coroutines apart)."""
        with self._lock:
            self.group_begin()
            self._in_with, self._with_task = True, _current_task()
            try:
                yield self
            except BaseException:
                if self._h is not None and _L.sl_group_active(self._h):
                    _L.sl_group_rollback(self._h)
                raise
            finally:
                self._in_with, self._with_task = False, None
            if self._h is None:
                raise Misuse("the Database was closed inside its group (the group was rolled back)")
            self._commit_group()

    # -- time zones with this handle's tzdir
    def utc_offset(self, zone: str, when: datetime) -> timedelta:
        """The zone's offset from UTC at `when`, with this handle's tzdir."""
        with self._lock:
            return utc_offset(zone, when, _db=self._handle())

    def local_to_utc(self, zone: str,
                     local: datetime) -> Tuple[datetime, str]:
        """The UTC instant of a local time in `zone` and its kind ("unique", "gap" or "fold"),
        with this handle's tzdir."""
        with self._lock:
            return local_to_utc(zone, local, _db=self._handle())

    def utc_to_local(self, zone: str, when: datetime) -> datetime:
        """The local time in `zone` of the instant `when`, with this handle's tzdir."""
        with self._lock:
            return utc_to_local(zone, when, _db=self._handle())

    def tz_check(self, zone: str) -> None:
        """Raise TimeZoneError unless `zone` is a time zone this handle's tzdir knows."""
        with self._lock:
            tz_check(zone, _db=self._handle())

    # -- tenants
    def set_tenant(self, id: int, *, tz: Optional[str] = None,
                   buffer_before: Optional[Span] = None, buffer_after: Optional[Span] = None,
                   min_notice: Optional[Span] = None, step: Optional[Span] = None,
                   max_advance_days: Optional[int] = None, late_cancel: Optional[Span] = None,
                   now: Optional[datetime] = None) -> Tenant:
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

    def tenant(self, id: int) -> Tenant:
        """The tenant `id` (NotFound if it was never set)."""
        return self._get("sl_tenant_get", _lib.SLTenant, _tenant_out, _int("id", id))
