"""Calendar-sync outbox methods of Database (the C contract is
include/slotledger/outbox.h): every session change appends an event in the
same transaction; workers claim events under a lease, then acknowledge or
fail them (retried with exponential backoff and jitter, dead after the
configured attempts)."""

import ctypes
from datetime import datetime, timedelta
from typing import List, Optional, Union

from . import _lib
from ._lib import lib as _L
from ._convert import _int, _now_in, _opt_time_out, _span_in, _text_in, _text_out, _time_in, _time_out
from .errors import InvalidArgument, StateError
from .enums import _EVENT_KIND, _OUTBOX_STATE, _SESSION_KIND, _STATUS
from .records import OutboxEvent, OutboxStats


def _name(table, v):
    return table.get(v, "unknown(%d)" % v)


def _event_out(e):
    return OutboxEvent(e.id, e.tenant, e.session, e.seq, _name(_EVENT_KIND, e.kind), _name(_STATUS, e.status),
                       _name(_SESSION_KIND, e.session_kind), e.student, _time_out(e.start), _time_out(e.end),
                       e.credits, _opt_time_out(e.deleted_at), _time_out(e.created_at),
                       _name(_OUTBOX_STATE, e.state), e.attempts, _time_out(e.available_at),
                       _opt_time_out(e.lease_until), e.token or None, _opt_time_out(e.acked_at),
                       _text_out(e.consumer) or None, _text_out(e.error) or None)


def _lease_args(event, tenant, token):
    """(tenant, event id, token) from an OutboxEvent or from the three ints."""
    if isinstance(event, OutboxEvent):
        if tenant is not None or token is not None:
            raise TypeError("pass an OutboxEvent alone, or tenant, event id and token")
        if event.token is None:
            raise StateError("event %d is not leased (state %s): it has no token" % (event.id, event.state))
        return event.tenant, event.id, event.token
    if tenant is None or token is None:
        raise TypeError("pass an OutboxEvent, or tenant=, the event id and token=")
    return (_int("tenant", tenant), _int("event", event),
            _int("token", token, 1, _lib.SL_OUTBOX_TOKEN_MAX))


def _count_in(name, v):
    """A count of events (a size_t): an int, not negative (the library
    checks its range)."""
    if isinstance(v, int) and not isinstance(v, bool) and v < 0:
        raise InvalidArgument("%s must not be negative (got %d): it is a count of events" % (name, v))
    return _int(name, v, 0, 2 ** 64 - 1)


class OutboxMixin:
    """outbox_*: the consumer side of the calendar-sync outbox."""

    def _events(self, fname, *args):
        ptr, n = ctypes.POINTER(_lib.SLOutboxEvent)(), ctypes.c_size_t()
        with self._lock:
            getattr(_L, fname)(self._handle(), ctypes.byref(ptr), ctypes.byref(n), *args)
            try:
                return [_event_out(ptr[i]) for i in range(n.value)]
            finally:
                _L.sl_outbox_free(ctypes.cast(ptr, ctypes.c_void_p))

    def outbox_configure(self, *, attempts: int = 10, backoff_base: Union[timedelta, int] = 5,
                         backoff_cap: Union[timedelta, int] = 3600) -> None:
        """Set this handle's retry policy for outbox_fail: after failure k
        the event waits a random time in [d/2, d], d = min(backoff_cap,
        backoff_base * 2**(k-1)); failure number `attempts` makes it dead.
        attempts 1..1000, backoff_base 1 s..1 day, backoff_cap
        backoff_base..30 days (timedeltas or int seconds)."""
        o = _lib.SLOutboxOptions()
        _L.sl_outbox_options_init(ctypes.byref(o), _lib.SL_OUTBOX_OPTIONS_VERSION)
        o.attempts = _int("attempts", attempts, -2 ** 31, 2 ** 31 - 1)
        o.backoff_base = _span_in("backoff_base", backoff_base)
        o.backoff_cap = _span_in("backoff_cap", backoff_cap)
        self._call("sl_outbox_configure", ctypes.byref(o))

    def outbox_claim(self, consumer: str, *, tenant: Optional[int] = None, max: int = 100,  # noqa: A002
                     lease: Union[timedelta, int] = 60, now: Optional[datetime] = None) -> List[OutboxEvent]:
        """Lease up to max (1..1000) due events to consumer (1..63 bytes)
        for `lease` (1 s..1 day), oldest first, at most one per session and
        never one whose earlier event of the session is unacknowledged.
        tenant None claims across every tenant. [] when none are due."""
        name = _text_in("consumer", consumer, required=True)
        tid = 0 if tenant is None else _int("tenant", tenant)
        count = _count_in("max", max)
        secs = _span_in("lease", lease)
        return self._events("sl_outbox_claim", name, tid, count, secs, _now_in(now))

    def outbox_ack(self, event: Union[OutboxEvent, int], *, tenant: Optional[int] = None,
                   token: Optional[int] = None, now: Optional[datetime] = None) -> None:
        """Acknowledge a leased event (delivered). StateError when the lease
        lapsed or the event was claimed again (a stale token)."""
        t, e, tok = _lease_args(event, tenant, token)
        self._call("sl_outbox_ack", t, e, tok, _now_in(now))

    def outbox_fail(self, event: Union[OutboxEvent, int], message: Optional[str] = None, *,
                    tenant: Optional[int] = None, token: Optional[int] = None,
                    now: Optional[datetime] = None) -> None:
        """Report a failed delivery: retried after a backoff, dead after
        the handle's attempts. message (UTF-8) is kept, cut to 255 bytes."""
        t, e, tok = _lease_args(event, tenant, token)
        self._call("sl_outbox_fail", t, e, tok, _text_in("message", message), _now_in(now))

    def outbox_dead(self, tenant: Optional[int] = None, *, max: int = 100) -> List[OutboxEvent]:  # noqa: A002
        """Dead events (of tenant, or every tenant), oldest first."""
        tid = 0 if tenant is None else _int("tenant", tenant)
        return self._events("sl_outbox_dead", tid, _count_in("max", max))

    def outbox_retry(self, tenant: int, event: int, now: Optional[datetime] = None) -> None:
        """Re-queue a dead event: pending, due now, attempts 0."""
        self._call("sl_outbox_retry", _int("tenant", tenant), _int("event", event), _now_in(now))

    def outbox_stats(self, tenant: Optional[int] = None, now: Optional[datetime] = None) -> OutboxStats:
        """Counts by delivery state (monitoring; reads every event)."""
        c = _lib.SLOutboxCounts()
        tid = 0 if tenant is None else _int("tenant", tenant)
        self._call("sl_outbox_stats", ctypes.byref(c), tid, _now_in(now))
        return OutboxStats(c.due, c.waiting, c.leased, c.dead, c.acked, timedelta(seconds=c.oldest_age))

    def outbox_purge(self, before: datetime) -> int:
        """Delete acknowledged events acked before `before` (each session's
        last event stays: it carries the sequence). Returns the count."""
        n = ctypes.c_size_t()
        self._call("sl_outbox_purge", ctypes.byref(n), _time_in("before", before))
        return n.value

    def outbox_event(self, tenant: int, event: int) -> OutboxEvent:
        """One event."""
        e = _lib.SLOutboxEvent()
        self._call("sl_outbox_get", ctypes.byref(e), _int("tenant", tenant), _int("event", event))
        return _event_out(e)

    def outbox_events(self, tenant: int, session: int) -> List[OutboxEvent]:
        """A session's events still in the outbox, in seq order."""
        return self._events("sl_outbox_session_events", _int("tenant", tenant), _int("session", session))
