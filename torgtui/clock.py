"""The shop's clock. Services take a ``Clock`` so tests fix time instead of sleeping.

Times are the shop's local wall-clock time, naive (no tz): receipts, shifts and Z reports are
about the shop's day, and every register of one shop shares its time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """Now, to the microsecond, in local time."""
    return dt.datetime.now()


class FixedClock:
    """A clock for tests: starts at ``start`` and moves only when told."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
