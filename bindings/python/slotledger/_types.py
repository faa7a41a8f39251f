"""The type aliases of the public API's annotations (see py.typed)."""

from datetime import time, timedelta
from typing import Sequence, Tuple, Union
import os

__all__ = ["Span", "WallTime", "PathLike", "BytesLike", "Window"]

#: A duration: a timedelta, or whole seconds.
Span = Union[timedelta, int]
#: A local wall-clock time: "HH:MM" (00:00..24:00) or a datetime.time.
WallTime = Union[str, time]
#: A file path or a PostgreSQL URI.
PathLike = Union[str, bytes, "os.PathLike[str]"]
#: Bytes, or a str (encoded as UTF-8).
BytesLike = Union[bytes, bytearray, memoryview, str]
#: One opening window of a day: (start, end).
Window = Union[Tuple[WallTime, WallTime], Sequence[WallTime]]
