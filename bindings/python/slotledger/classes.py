"""Group-class methods of Database (the C contract is
include/slotledger/classes.h): a class is a session of kind "class" with a
capacity; students take seats (each holding credits_per_seat) or join a
first-come waitlist; withdrawing fills every free seat with the first
waitlisted students who can pay, in the same transaction. The session calls (confirm, cancel,
complete, reschedule, soft_delete, restore) work on a class too."""

import ctypes
from datetime import datetime
from typing import List, Optional

from . import _lib
from ._lib import lib as _L
from ._convert import (_int, _now_in, _opt_id_out, _span_in, _text_in, _text_out, _time_in, _time_out,
                       _flags, _take_list, _I32_MIN, _I32_MAX)
from ._types import Span
from .enums import _SEAT_STATUS
from .records import ClassInfo, Seat, Session


def _seat_out(s):
    return Seat(s.id, s.tenant, s.class_id, s.student, _SEAT_STATUS.get(s.status, "unknown(%d)" % s.status),
                s.position, _opt_id_out(s.hold_id), _time_out(s.created_at), _time_out(s.updated_at),
                _text_out(s.key) or None, bool(s.replayed))


def _class_out(c):
    return ClassInfo(c.id, c.tenant, c.capacity, c.credits_per_seat, c.taken, c.waitlisted)


class ClassesMixin:
    """create_class / enroll / withdraw / class_no_show / seats / class_info."""

    def create_class(self, tenant: int, *, start: datetime, duration: Span, capacity: int,
                     credits_per_seat: int = 0, key: Optional[str] = None,
                     now: Optional[datetime] = None) -> Session:
        """Create a class (status confirmed; availability and grid skipped,
        but never overlapping another blocking session: Conflict).
        capacity 1..1000. Returns the class's session (kind "class")."""
        return self._session_call("sl_class_create", _int("tenant", tenant), _time_in("start", start),
                                  _span_in("duration", duration), _int("capacity", capacity, _I32_MIN, _I32_MAX),
                                  _int("credits_per_seat", credits_per_seat), _text_in("key", key), _now_in(now))

    def class_info(self, tenant: int, class_id: int, include_deleted: bool = False) -> ClassInfo:
        """The class's capacity, price and seat counts."""
        return self._get("sl_class_get", _lib.SLClass, _class_out, _int("tenant", tenant),
                         _int("class_id", class_id), _flags(include_deleted))

    def enroll(self, tenant: int, class_id: int, student: int, *, waitlist: bool = False,
               key: Optional[str] = None, now: Optional[datetime] = None) -> Seat:
        """A seat for student, holding credits_per_seat, in one
        transaction. A full class raises ClassFull, or with waitlist=True
        the student joins the waitlist (no hold until promoted)."""
        if not isinstance(waitlist, bool):
            raise TypeError("waitlist must be a bool")
        return self._get("sl_class_enroll", _lib.SLSeat, _seat_out, _int("tenant", tenant),
                         _int("class_id", class_id), _int("student", student),
                         _lib.SL_WAITLIST if waitlist else 0, _text_in("key", key), _now_in(now))

    def withdraw(self, tenant: int, class_id: int, student: int, *, key: Optional[str] = None,
                 now: Optional[datetime] = None) -> None:
        """Free the student's seat (hold released, or captured inside the
        late-cancel window) and fill every free seat with the first
        waitlisted students who can pay, in one transaction; or leave the
        waitlist."""
        self._call("sl_class_withdraw", _int("tenant", tenant), _int("class_id", class_id),
                   _int("student", student), _text_in("key", key), _now_in(now))

    def class_no_show(self, tenant: int, class_id: int, student: int,
                      now: Optional[datetime] = None) -> Seat:
        """Mark a seated student a no-show: the seat's hold is captured."""
        return self._get("sl_class_no_show", _lib.SLSeat, _seat_out, _int("tenant", tenant),
                         _int("class_id", class_id), _int("student", student), _now_in(now))

    def seats(self, tenant: int, class_id: int) -> List[Seat]:
        """Taken seats by position, then the waitlist in promotion order,
        then ended places (withdrawn, cancelled)."""
        ptr, n = ctypes.POINTER(_lib.SLSeat)(), ctypes.c_size_t()
        with self._lock:
            _L.sl_class_seats(self._handle(), ctypes.byref(ptr), ctypes.byref(n), _int("tenant", tenant),
                              _int("class_id", class_id))
            return _take_list(ptr, n, _seat_out)
