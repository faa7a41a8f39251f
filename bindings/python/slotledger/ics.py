"""iCalendar methods of Database: session_ics and calendar_ics (RFC 5545
text of sessions, for calendar subscriptions and sync workers; the C
contract is include/slotledger/ics.h)."""

import ctypes
from datetime import datetime
from typing import Callable, Optional, Union

from . import _lib
from ._lib import lib as _L
from .errors import InvalidArgument
from ._convert import _flags, _int, _session_out, _text_in, _time_in


def _summary_callback(fn, failures):
    """A C callback calling fn(Session) -> str. An exception (or a result
    that is not a str of at most SL_ICS_TEXT_MAX UTF-8 bytes) is kept in
    failures and makes the C call fail; the caller re-raises it."""

    def cb(ctx, sess, buf, cap):
        try:
            raw = _text_in("the summary callable's result", fn(_session_out(sess.contents)), required=True)
            if len(raw) >= cap:
                raise InvalidArgument("the summary callable returned %d bytes of UTF-8; at most %d"
                                      % (len(raw), cap - 1))
            ctypes.memmove(buf, raw + b"\0", len(raw) + 1)
            return 0
        except BaseException as exc:  # noqa: B902 - handed back to the caller, never lost
            failures.append(exc)
            return 1

    return _lib.SL_ICS_SUMMARY_FN(cb)


class IcsMixin:
    """session_ics / calendar_ics: the iCalendar half of Database."""

    @staticmethod
    def _ics_options(domain, summary, prodid, include_deleted, student, failures):
        o = _lib.SLIcsOptions()
        _L.sl_ics_options_init(ctypes.byref(o), _lib.SL_ICS_OPTIONS_VERSION)
        o.domain = _text_in("domain", domain, required=True)
        o.prodid = _text_in("prodid", prodid)
        o.flags = _flags(include_deleted)
        o.student = 0 if student is None else _int("student", student)
        keep = None
        if callable(summary):
            keep = _summary_callback(summary, failures)
            o.summary_fn = keep
        else:
            o.summary = _text_in("summary", summary)
        return o, keep

    def _ics_call(self, fname, args, opts, failures):
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        with self._lock:
            self._calling += 1   # the summary callable runs in this call: close() refuses
            try:
                getattr(_L, fname)(self._handle(), ctypes.byref(out), ctypes.byref(n), *args, ctypes.byref(opts))
            except Exception as exc:
                if failures:
                    # Taken out of the list: the callback (a ctypes object
                    # the garbage collector cannot see through) holds the
                    # list, and the exception's traceback holds this frame,
                    # so a kept exception was a cycle that held the Database
                    # (and its handle) forever.
                    failure = failures.pop(0)
                    failures.clear()
                    raise failure from exc
                raise
            finally:
                self._calling -= 1
        try:
            return ctypes.string_at(out.value, n.value).decode("utf-8")
        finally:
            _L.sl_free(out)

    def session_ics(self, tenant: int, session: int, *, domain: str,
                    summary: Union[str, Callable[..., str], None] = None, prodid: Optional[str] = None,
                    include_deleted: bool = False) -> str:
        """One session as an iCalendar (RFC 5545) str: a VCALENDAR with one
        VEVENT, CRLF line ends, lines folded at 75 octets. domain (required)
        makes the UID "sl-<tenant>-<session>@<domain>". summary is a
        template ("Lesson {id} with {student}"; placeholders {id} {tenant}
        {student} {status} {kind} {start} {end}, "{{" "}}" for braces) or a
        callable(Session) -> str; default "Session {id}". A soft-deleted
        session only with include_deleted (STATUS:CANCELLED)."""
        failures = []
        opts, keep = self._ics_options(domain, summary, prodid, include_deleted, None, failures)
        text = self._ics_call("sl_session_ics", (_int("tenant", tenant), _int("session", session)), opts, failures)
        del keep
        return text

    def calendar_ics(self, tenant: int, start: datetime, end: datetime, *, domain: str,
                     student: Optional[int] = None, summary: Union[str, Callable[..., str], None] = None,
                     prodid: Optional[str] = None, include_deleted: bool = False) -> str:
        """Every session of tenant overlapping [start, end) (aware
        datetimes, at most 366 days), only `student`'s when given, as one
        iCalendar str. Options as session_ics."""
        failures = []
        opts, keep = self._ics_options(domain, summary, prodid, include_deleted, student, failures)
        args = (_int("tenant", tenant), _time_in("start", start), _time_in("end", end))
        text = self._ics_call("sl_calendar_ics", args, opts, failures)
        del keep
        return text
