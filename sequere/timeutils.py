"""Converting follow times to and from the integer microseconds Redis stores as scores.

Microseconds since the Unix epoch stay below 2**53 until the year 2255, so a Redis score
(a double) holds them exactly.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.utils import timezone

EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)


def now_micros() -> int:
    """The current time in microseconds since the epoch (the clock of ``since``/``at`` marks)."""
    return time.time_ns() // 1000


def to_micros(value: datetime) -> int:
    """Integer microseconds since the epoch; a naive value is taken in the current time zone."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: float | int | str) -> datetime:
    """The datetime for a stored score: aware UTC, or naive local time when ``USE_TZ = False``."""
    value = EPOCH + timedelta(microseconds=int(float(micros)))
    if not settings.USE_TZ:
        return timezone.make_naive(value, timezone.get_default_timezone())
    return value
