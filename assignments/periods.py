"""Calendar arithmetic for relative due dates, the same in Python, PostgreSQL and SQLite.

The arithmetic itself is ``certifications.periods`` (months and years clamp to the end of the
month, as PostgreSQL's interval arithmetic does). On SQLite the engine registers
``sqlite_add_period`` as the SQL function ``certlms_add_period`` so that the set-based SQL is the
same on both databases (see docs/decisions).
"""

from __future__ import annotations

import datetime as dt

from certifications.periods import Period, add_period
from certlms.dates import STORED_LATEST


def sqlite_add_period(value: str | None, amount: int | None, unit: str | None) -> str | None:
    """The SQLite function: ``value`` is Django's stored text ('YYYY-MM-DD[ HH:MM:SS[.ffffff]]')."""
    if value is None or amount is None or not unit:
        return None
    text = str(value)
    moment = dt.datetime.fromisoformat(text if len(text) > 10 else f"{text} 00:00:00").replace(tzinfo=None)
    latest = STORED_LATEST.replace(tzinfo=None)
    try:
        return str(min(add_period(moment, Period(int(amount), unit)), latest))
    except (OverflowError, ValueError):  # beyond year 9999: clamped like every sum past the stored bound
        return str(latest)
