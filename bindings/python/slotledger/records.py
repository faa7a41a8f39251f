"""Immutable result objects. Times are aware UTC datetimes (None for "not
set"), spans are timedeltas, civil dates are datetime.date, and an id the
library reports as 0 for "none" (a session's hold and series, an entry's
hold, a hold's entry, a report's first bad entry) is None."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, Optional, Tuple

__all__ = ["Tenant", "Rule", "Override", "Session", "Entry", "Hold", "Account",
           "Balance", "VerifyReport", "Head", "SlotList", "OutboxEvent", "OutboxStats", "ClassInfo", "Seat"]


@dataclass(frozen=True)
class Tenant:
    id: int
    tz: str
    buffer_before: timedelta
    buffer_after: timedelta
    min_notice: timedelta
    step: timedelta              # timedelta(0): the duration
    max_advance_days: int        # 0: no horizon
    late_cancel: timedelta
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Rule:
    id: int
    tenant: int
    weekday: int                 # 1 = Monday .. 7 = Sunday
    start: str                   # "HH:MM" local wall time
    end: str                     # "HH:MM", up to "24:00"
    valid_from: Optional[date]   # None: since forever
    valid_until: Optional[date]  # None: forever
    created_at: datetime
    updated_at: datetime
    deleted_at: Optional[datetime]


@dataclass(frozen=True)
class Override:
    id: int
    tenant: int
    date: date
    windows: Tuple[Tuple[str, str], ...]   # () = a day off
    created_at: datetime
    updated_at: datetime
    deleted_at: Optional[datetime]


@dataclass(frozen=True)
class Session:
    id: int
    tenant: int
    student: int
    start: datetime
    end: datetime
    status: str                  # pending, confirmed, cancelled, completed, no_show
    kind: str                    # regular, trial, manual
    credits: int
    hold_id: Optional[int]       # None: no credits held
    series_id: Optional[int]     # None: not part of a recurring series
    created_at: datetime
    updated_at: datetime
    deleted_at: Optional[datetime]
    key: Optional[str]
    replayed: bool

    @property
    def duration(self) -> timedelta:
        """end - start."""
        return self.end - self.start


@dataclass(frozen=True)
class Entry:
    id: int
    tenant: int
    account: int
    seq: int
    kind: str                    # purchase, grant, consume, refund, adjust, expire
    amount: int
    balance_after: int
    hold_id: Optional[int]       # the hold this entry captured; None: none
    created_at: datetime
    key: str
    reference: Optional[str]
    hash: bytes
    replayed: bool


@dataclass(frozen=True)
class Hold:
    id: int
    tenant: int
    account: int
    status: str                  # active, captured, released, expired
    amount: int
    captured: int
    expires_at: datetime
    created_at: datetime
    resolved_at: Optional[datetime]
    entry_id: Optional[int]      # the capture's entry; None: not captured
    key: Optional[str]
    replayed: bool


@dataclass(frozen=True)
class Account:
    tenant: int
    id: int                      # the student
    floor: int
    posted: int
    held: int
    created_at: datetime
    updated_at: datetime
    deleted_at: Optional[datetime]


class Balance(NamedTuple):
    posted: int
    held: int
    available: int
    floor: int


class VerifyReport(NamedTuple):
    """first_bad_seq: None when everything verifies, -1 when the entries
    chain but an account or hold row is bad; first_bad_entry: the id of the
    first bad entry, None if none (or it is missing)."""
    entries: int
    accounts: int
    first_bad_seq: Optional[int]
    first_bad_entry: Optional[int]


class Head(NamedTuple):
    """An anchor: where a tenant's chain stood (seq 0 and a zero hash for
    an empty ledger). Keep it outside the database; see Database.verify_head."""
    seq: int
    hash: bytes


class SlotList(list):
    """A list of (start, end) aware UTC datetimes; ``clamped`` is True when
    the library cut the query range to 14 days."""

    clamped = False


@dataclass(frozen=True)
class OutboxEvent:
    """One calendar-sync outbox event: a change of one session (its state
    after the change) and its delivery. Pass it back to Database.outbox_ack
    or outbox_fail, which read tenant, id and token from it."""
    id: int
    tenant: int
    session: int
    seq: int                     # per session: 1, 2, 3, ... in change order
    kind: str                    # booked, rescheduled, confirmed, cancelled, ..., purged
    status: str                  # the session's status after the change
    session_kind: str            # regular, trial, manual, ...
    student: int
    start: datetime
    end: datetime
    credits: int
    deleted_at: Optional[datetime]
    created_at: datetime         # when the change was made
    state: str                   # pending, leased, acked, dead
    attempts: int                # failures so far
    available_at: datetime       # pending: due from then on
    lease_until: Optional[datetime]  # leased: the lease lapses then
    token: Optional[int]         # leased: the lease token
    acked_at: Optional[datetime]
    consumer: Optional[str]      # the last consumer that claimed it
    error: Optional[str]         # the last failure message


class OutboxStats(NamedTuple):
    """Counts by delivery state (Database.outbox_stats); oldest_age is the
    age of the oldest event neither acknowledged nor dead (0 if none)."""
    due: int
    waiting: int
    leased: int
    dead: int
    acked: int
    oldest_age: timedelta


@dataclass(frozen=True)
class ClassInfo:
    """A group class's own row (its session: Database.session)."""
    id: int                      # the class session's id
    tenant: int
    capacity: int
    credits_per_seat: int
    taken: int                   # seated, present or no-show seats (<= capacity)
    waitlisted: int


@dataclass(frozen=True)
class Seat:
    """A student's place in a class: a seat or a waitlist place."""
    id: int
    tenant: int
    class_id: int
    student: int
    status: str                  # seated, waitlisted, withdrawn, present, no_show, cancelled
    position: int                # first-come order within the class, from 1
    hold_id: Optional[int]       # the seat's credit hold; None: none
    created_at: datetime
    updated_at: datetime
    key: Optional[str]
    replayed: bool
