"""Scheduling methods of Database (rules, overrides, slots, bookings,
sessions, soft delete)."""

from __future__ import annotations

import ctypes

from datetime import date, datetime
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from ._types import Span, Window
from .records import Override, Rule, Session
from . import _lib
from ._lib import lib as _L
from .errors import Error, InvalidArgument
from .records import SlotList
from .epoch import _slots_packed, slot_list
from ._convert import (_I32_MAX, _I32_MIN, _batch_in, _date_in, _entity_in, _flags, _int, _item, _list_in,
                       _now_in, _override_out, _rule_out, _session_out, _span_in, _text_in, _time_in, _time_out,
                       _wall_in)


class SchedulingMixin:
    """Availability rules and overrides, slots, bookings, session
    lifecycle and soft delete: the scheduling half of Database."""

    # -- rules and overrides
    @staticmethod
    def _rule_args(weekday, start, end, valid_from, valid_until):
        return (_int("weekday", weekday, _I32_MIN, _I32_MAX), _wall_in("start", start),
                _wall_in("end", end),
                _lib.SL_DATE_MIN if valid_from is None else _date_in("valid_from", valid_from),
                _lib.SL_DATE_MAX if valid_until is None else _date_in("valid_until", valid_until))

    def add_rule(self, tenant: int, *, weekday: int, start: datetime = "09:00",
                 end: datetime = "17:00", valid_from: Optional[date] = None,
                 valid_until: Optional[date] = None, now: Optional[datetime] = None) -> int:
        """Add a weekly rule (weekday 1 = Monday .. 7 = Sunday, wall times
        "HH:MM" in the tenant's zone, valid dates inclusive). Returns its id."""
        args = self._rule_args(weekday, start, end, valid_from, valid_until)
        rid = _lib.sl_id()
        self._call("sl_rule_add", ctypes.byref(rid), _int("tenant", tenant), *args, _now_in(now))
        return rid.value

    def update_rule(self, tenant: int, rule: int, *, weekday: int, start: datetime, end: datetime,
                    valid_from: Optional[date] = None, valid_until: Optional[date] = None,
                    now: Optional[datetime] = None) -> None:
        """Replace every field of a live rule."""
        args = self._rule_args(weekday, start, end, valid_from, valid_until)
        self._call("sl_rule_update", _int("tenant", tenant), _int("rule", rule), *args, _now_in(now))

    def rule(self, tenant: int, id: int, include_deleted: bool = False) -> Rule:
        """The rule `id` of `tenant` (NotFound if missing or soft-deleted, unless
        include_deleted)."""
        return self._get("sl_rule_get", _lib.SLRule, _rule_out, _int("tenant", tenant), _int("id", id),
                         _flags(include_deleted))

    def rules(self, tenant: int, include_deleted: bool = False) -> List[Rule]:
        """The tenant's weekly rules, by id (soft-deleted ones only with include_deleted)."""
        return self._list("sl_rules_list", _lib.SLRule, _rule_out, _int("tenant", tenant),
                          _flags(include_deleted))

    def set_override(self, tenant: int, date: date, windows: Iterable[Window],
                     now: Optional[datetime] = None) -> int:
        """Replace the weekly rules of one local date by `windows`, a list of
        ("HH:MM", "HH:MM") pairs ([] = a day off). Returns the override id."""
        d = _date_in("date", date)
        windows = _list_in("windows", windows, 0, _lib.SL_MAX_WINDOWS_PER_DAY, "(start, end) pairs")
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

    def override(self, tenant: int, date: date, include_deleted: bool = False) -> Override:
        """The override of one local date (NotFound if that date has none)."""
        return self._get("sl_override_get", _lib.SLOverride, _override_out, _int("tenant", tenant),
                         _date_in("date", date), _flags(include_deleted))

    def overrides(self, tenant: int, from_date: date, to_date: date,
                  include_deleted: bool = False) -> List[Override]:
        """Overrides of dates in [from_date, to_date], sorted by date."""
        return self._list("sl_overrides_list", _lib.SLOverride, _override_out, _int("tenant", tenant),
                          _date_in("from_date", from_date), _date_in("to_date", to_date),
                          _flags(include_deleted))

    # -- slots
    def slots(self, tenant: int, start: datetime, end: datetime, duration: Span,
              now: Optional[datetime] = None) -> SlotList:
        """Bookable [(start, end)] of `duration` starting in [start, end),
        as aware UTC datetimes. A range over 14 days is cut to 14 days and
        the returned list's .clamped is True."""
        return slot_list(_slots_packed(self, tenant, start, end, duration, now))

    # -- bookings
    def _session_call(self, fname, *args):
        s = _lib.SLSession()
        self._call(fname, ctypes.byref(s), *args)
        return _session_out(s)

    def book(self, tenant: int, *, student: int, start: datetime, duration: Span, credits: int = 0,
             key: Optional[str] = None, now: Optional[datetime] = None) -> Session:
        """Book a regular session (status pending; credits > 0 places a hold)."""
        return self._session_call("sl_book", _int("tenant", tenant), _int("student", student),
                                  _time_in("start", start), _span_in("duration", duration),
                                  _int("credits", credits), _text_in("key", key), _now_in(now))

    def book_many(self, tenant: int, bookings: Iterable[Mapping[str, Any]],
                  key: Optional[str] = None, now: Optional[datetime] = None) -> List[Session]:
        """Book several sessions all or nothing. Each booking is a dict
        (student, start, duration, credits=0) or a tuple in that order. On
        failure the exception's .index names the failing booking."""
        items = _batch_in("bookings", bookings, ("student", "start", "duration", "credits"), 3, {"credits": 0},
                          _lib.SL_MAX_BATCH)
        arr = (_lib.SLBooking * max(1, len(items)))()
        for i, (student, start, duration, credits) in enumerate(items):
            with _item(i):
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

    def book_trial(self, tenant: int, *, student: int, start: datetime, duration: Span,
                   key: Optional[str] = None, now: Optional[datetime] = None) -> Session:
        """Book a free trial (one live trial per student)."""
        return self._session_call("sl_book_trial", _int("tenant", tenant), _int("student", student),
                                  _time_in("start", start), _span_in("duration", duration),
                                  _text_in("key", key), _now_in(now))

    def schedule_manual(self, tenant: int, *, student: int, start: datetime, duration: Span,
                        credits: int = 0, key: Optional[str] = None,
                        now: Optional[datetime] = None) -> Session:
        """A teacher-made session: skips availability and never conflicts."""
        return self._session_call("sl_schedule_manual", _int("tenant", tenant),
                                  _int("student", student), _time_in("start", start),
                                  _span_in("duration", duration), _int("credits", credits),
                                  _text_in("key", key), _now_in(now))

    def reschedule(self, tenant: int, session_id: int, new_start: datetime,
                   now: Optional[datetime] = None) -> Session:
        """Move a pending or confirmed session, atomically."""
        return self._session_call("sl_reschedule", _int("tenant", tenant),
                                  _int("session_id", session_id), _time_in("new_start", new_start),
                                  _now_in(now))

    def book_recurring(self, tenant: int, *, student: int, start: datetime, duration: Span,
                       count: int, credits: int = 0, skip_conflicts: bool = False,
                       key: Optional[str] = None,
                       now: Optional[datetime] = None) -> Tuple[List[Session], List[datetime]]:
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

    def confirm(self, tenant: int, session_id: int, now: Optional[datetime] = None) -> Session:
        """Confirm a pending session; returns it."""
        return self._session_call("sl_confirm", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def cancel(self, tenant: int, session_id: int, now: Optional[datetime] = None) -> Session:
        """Cancel; the hold is voided (or captured inside late_cancel)."""
        return self._session_call("sl_cancel", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def complete(self, tenant: int, session_id: int, now: Optional[datetime] = None) -> Session:
        """Mark a session completed; its credit hold is captured. Returns the session."""
        return self._session_call("sl_complete", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def mark_no_show(self, tenant: int, session_id: int, now: Optional[datetime] = None) -> Session:
        """Mark a session a no-show (the student did not come); its credit hold is captured.
        Returns the session."""
        return self._session_call("sl_mark_no_show", _int("tenant", tenant),
                                  _int("session_id", session_id), _now_in(now))

    def session(self, tenant: int, id: int, include_deleted: bool = False) -> Session:
        """The session `id` of `tenant` (NotFound if missing or soft-deleted, unless
        include_deleted)."""
        return self._get("sl_session_get", _lib.SLSession, _session_out, _int("tenant", tenant),
                         _int("id", id), _flags(include_deleted))

    def sessions(self, tenant: int, start: datetime, end: datetime,
                 include_deleted: bool = False) -> List[Session]:
        """Sessions overlapping [start, end), sorted by (start, id)."""
        return self._list("sl_sessions_list", _lib.SLSession, _session_out, _int("tenant", tenant),
                          _time_in("start", start), _time_in("end", end), _flags(include_deleted))

    def sessions_by_student(self, tenant: int, student: int,
                            include_deleted: bool = False) -> List[Session]:
        """A student's sessions, by start time."""
        return self._list("sl_sessions_by_student", _lib.SLSession, _session_out, _int("tenant", tenant),
                          _int("student", student), _flags(include_deleted))

    # -- soft delete
    def soft_delete(self, tenant: int, entity: str, id: int,
                    now: Optional[datetime] = None) -> None:
        """entity: "rule", "override", "session" or "account"."""
        self._call("sl_soft_delete", _int("tenant", tenant), _entity_in(entity), _int("id", id),
                   _now_in(now))

    def restore(self, tenant: int, entity: str, id: int, now: Optional[datetime] = None) -> None:
        """Undo soft_delete() of one rule, override, session or account."""
        self._call("sl_restore", _int("tenant", tenant), _entity_in(entity), _int("id", id),
                   _now_in(now))

    def purge(self, entity: str, before: datetime) -> int:
        """Hard-delete rows of entity soft-deleted before `before` (all
        tenants). Returns how many."""
        n = ctypes.c_size_t()
        self._call("sl_purge", ctypes.byref(n), _entity_in(entity), _time_in("before", before))
        return n.value
