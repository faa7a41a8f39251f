"""Exceptions: one class per result code of the loaded library.

Every failure of the C library surfaces as a subclass of :class:`Error`
carrying the numeric ``code`` (the negative ``SL_E*`` value), its symbolic
``code_name`` (also ``name``), the code's ``description`` and the library's
``message`` (``sl_errmsg``).

The codes, names and descriptions are read from the loaded library at
import time (sl_error_min, sl_strerror, sl_code_description: the
SL_RESULT_CODES list of slotledger/codes.h). The classes below give the
known codes their Python names; a code this module has no name for gets a
generic subclass of Error named after the code (e.g. ``SL_ENEWTHING``).
"""

from ._lib import lib as _L

__all__ = [
    "Error", "InvalidArgument", "NoMemory", "NotFound", "Conflict", "Unavailable",
    "RangeError", "OutOfRange", "TimeZoneError", "IdempotencyMismatch", "InsufficientCredits",
    "StateError", "Expired", "Busy", "StoreError", "TamperError", "AlreadyExists",
    "Misuse", "ClassFull", "error_for_code", "CODE_NAMES", "CODES", "DESCRIPTIONS", "BY_CODE",
]


def _read_codes():
    lowest = _L.sl_error_min()
    names, descriptions = {}, {}
    for code in range(0, lowest - 1, -1):
        names[code] = _L.sl_strerror(code).decode("ascii")
        descriptions[code] = _L.sl_code_description(code).decode("utf-8", "replace")
    return names, descriptions


_ALL_NAMES, DESCRIPTIONS = _read_codes()
# Negative codes only (SL_OK is not an error), as before: {-1: "SL_EINVAL", ...}
CODE_NAMES = {c: n for c, n in _ALL_NAMES.items() if c < 0}
# Name -> code, SL_OK included: {"SL_OK": 0, "SL_EINVAL": -1, ...}
CODES = {n: c for c, n in _ALL_NAMES.items()}


def _code(name):
    try:
        return CODES[name]
    except KeyError:
        raise ImportError("slotledger: the loaded library has no result code %s" % name) from None


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
    def code_name(self):
        """The symbolic name of the code, e.g. "SL_ECONFLICT" (Node: .codeName)."""
        return CODE_NAMES.get(self.code, "SL_EUNKNOWN")

    @property
    def name(self):
        """The same as code_name (the older name)."""
        return self.code_name

    @property
    def description(self):
        """The library's sentence for the code (sl_code_description)."""
        return DESCRIPTIONS.get(self.code, "unknown result code")

    def __str__(self):
        return self.message

    def __repr__(self):
        return "%s(%r, code=%s)" % (type(self).__name__, self.message, self.code)


# (class name, code name, extra base, note): the classes the known codes
# get, built below. The docstring is the code's name and the library's
# description of it (sl_code_description), then the note. The extra bases
# let callers catch the builtin too.
_CLASSES = (
    ("InvalidArgument", "SL_EINVAL", ValueError, "Also a ValueError."),
    ("NoMemory", "SL_ENOMEM", MemoryError, "Also a MemoryError."),
    ("NotFound", "SL_ENOTFOUND", LookupError, "Also a LookupError."),
    ("Conflict", "SL_ECONFLICT", None, None),
    ("Unavailable", "SL_EUNAVAILABLE", None, None),
    ("RangeError", "SL_ERANGE", None, "Also available as OutOfRange, the name the Node binding uses."),
    ("TimeZoneError", "SL_ETZ", None, None),
    ("IdempotencyMismatch", "SL_EIDEMPOTENCY", None, None),
    ("InsufficientCredits", "SL_EINSUFFICIENT", None, None),
    ("StateError", "SL_ESTATE", None, None),
    ("Expired", "SL_EEXPIRED", None, "Also raised for an expired webhook timestamp."),
    ("Busy", "SL_EBUSY", None, None),
    ("StoreError", "SL_ESTORE", None, None),
    ("TamperError", "SL_ETAMPER", None, "Also raised for a webhook signature that does not verify."),
    ("AlreadyExists", "SL_EEXISTS", None, None),
    ("Misuse", "SL_EMISUSE", None, "For example a call on a closed Database."),
    ("ClassFull", "SL_EFULL", None, "Enroll with waitlist=True to queue."),
)


def _doc(code, note=None):
    """A code's docstring: "SL_ECONFLICT: the time is taken by another session." and the note."""
    doc = "%s: %s." % (CODE_NAMES[code], DESCRIPTIONS[code])
    return doc if note is None else "%s %s" % (doc, note)


def _make_class(name, code_name, extra, note):
    bases = (Error,) if extra is None else (Error, extra)
    code = _code(code_name)
    return type(name, bases, {"code": code, "__doc__": _doc(code, note)})


_NAMED = tuple(_make_class(*row) for row in _CLASSES)
(InvalidArgument, NoMemory, NotFound, Conflict, Unavailable, RangeError, TimeZoneError,
 IdempotencyMismatch, InsufficientCredits, StateError, Expired, Busy, StoreError,
 TamperError, AlreadyExists, Misuse, ClassFull) = _NAMED
OutOfRange = RangeError


def _build_by_code(named):
    """code -> class for every negative code of the library: the named class
    when there is one, else a generic subclass named after the code."""
    known = {cls.code: cls for cls in named}
    table = {}
    for code, cname in CODE_NAMES.items():
        cls = known.get(code)
        if cls is None:
            cls = type(cname, (Error,), {"code": code, "__doc__": _doc(code)})
        table[code] = cls
    return table


BY_CODE = _build_by_code(_NAMED)

# Shown as slotledger.Conflict (the public name) in tracebacks and reprs.
for _cls in (Error,) + tuple(BY_CODE.values()):
    _cls.__module__ = "slotledger"
del _cls


def error_for_code(code, message="", index=None):
    """The exception instance for a negative result code."""
    cls = BY_CODE.get(code)
    if cls is None:
        return Error(message or "unknown slotledger error %d" % code, code=code, index=index)
    return cls(message, index=index)
