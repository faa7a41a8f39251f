"""Exceptions: one class per result code of slotledger/common.h.

Every failure of the C library surfaces as a subclass of :class:`Error`
carrying the numeric ``code`` (the negative ``SL_E*`` value), its symbolic
``name`` and the library's ``message`` (``sl_errmsg``).
"""

__all__ = [
    "Error", "InvalidArgument", "NoMemory", "NotFound", "Conflict", "Unavailable",
    "RangeError", "TimeZoneError", "IdempotencyMismatch", "InsufficientCredits",
    "StateError", "Expired", "Busy", "StoreError", "TamperError", "AlreadyExists",
    "Misuse", "error_for_code", "CODE_NAMES",
]

# The numeric codes of include/slotledger/common.h (stable once released).
CODE_NAMES = {
    -1: "SL_EINVAL", -2: "SL_ENOMEM", -3: "SL_ENOTFOUND", -4: "SL_ECONFLICT",
    -5: "SL_EUNAVAILABLE", -6: "SL_ERANGE", -7: "SL_ETZ", -8: "SL_EIDEMPOTENCY",
    -9: "SL_EINSUFFICIENT", -10: "SL_ESTATE", -11: "SL_EEXPIRED", -12: "SL_EBUSY",
    -13: "SL_ESTORE", -14: "SL_ETAMPER", -15: "SL_EEXISTS", -16: "SL_EMISUSE",
}


class Error(Exception):
    """A slotledger failure. ``code`` is the negative SL_E* value, ``message``
    the library's sentence. ``index`` names the failing item of a batch call
    (book_many, post_many) when the library reported one, else None."""

    code = None

    def __init__(self, message="", code=None, index=None):
        if code is not None:
            self.code = code
        self.message = message or CODE_NAMES.get(self.code, "slotledger error")
        self.index = index
        super().__init__(self.message)

    @property
    def name(self):
        """The symbolic name of the code, e.g. "SL_ECONFLICT"."""
        return CODE_NAMES.get(self.code, "SL_EUNKNOWN")

    def __str__(self):
        return self.message

    def __repr__(self):
        return "%s(%r, code=%s)" % (type(self).__name__, self.message, self.code)


class InvalidArgument(Error, ValueError):
    """SL_EINVAL: NULL, out of range or malformed input (also a ValueError)."""
    code = -1


class NoMemory(Error, MemoryError):
    """SL_ENOMEM."""
    code = -2


class NotFound(Error, LookupError):
    """SL_ENOTFOUND: no such row for this tenant."""
    code = -3


class Conflict(Error):
    """SL_ECONFLICT: the time is taken by another session."""
    code = -4


class Unavailable(Error):
    """SL_EUNAVAILABLE: outside availability, notice, grid or horizon."""
    code = -5


class RangeError(Error):
    """SL_ERANGE: value or range too large, or arithmetic overflow."""
    code = -6


class TimeZoneError(Error):
    """SL_ETZ: unknown, malicious or unreadable time zone."""
    code = -7


class IdempotencyMismatch(Error):
    """SL_EIDEMPOTENCY: idempotency key reused with a different request."""
    code = -8


class InsufficientCredits(Error):
    """SL_EINSUFFICIENT: not enough credits."""
    code = -9


class StateError(Error):
    """SL_ESTATE: illegal state transition."""
    code = -10


class Expired(Error):
    """SL_EEXPIRED: the hold (or a webhook timestamp) has expired."""
    code = -11


class Busy(Error):
    """SL_EBUSY: lock contention outlasted the busy timeout; retry."""
    code = -12


class StoreError(Error):
    """SL_ESTORE: storage backend failure."""
    code = -13


class TamperError(Error):
    """SL_ETAMPER: ledger chain or a webhook signature does not verify."""
    code = -14


class AlreadyExists(Error):
    """SL_EEXISTS: the row already exists."""
    code = -15


class Misuse(Error):
    """SL_EMISUSE: the API was used against its contract (e.g. a closed
    Database)."""
    code = -16


# Shown as slotledger.Conflict (the public name) in tracebacks and reprs.
for _cls in (Error,) + tuple(globals()[n] for n in __all__ if n[0].isupper() and n != "CODE_NAMES"
                             and n != "Error"):
    _cls.__module__ = "slotledger"
del _cls

_BY_CODE = {cls.code: cls for cls in (
    InvalidArgument, NoMemory, NotFound, Conflict, Unavailable, RangeError,
    TimeZoneError, IdempotencyMismatch, InsufficientCredits, StateError, Expired,
    Busy, StoreError, TamperError, AlreadyExists, Misuse)}


def error_for_code(code, message="", index=None):
    """The exception instance for a negative result code."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return Error(message or "unknown slotledger error %d" % code, code=code, index=index)
    return cls(message, index=index)
