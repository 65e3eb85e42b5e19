"""Calendar arithmetic for relative due dates, the same in Python, PostgreSQL and SQLite.

Months and years add to the calendar month and clamp to its last day (31 January + 1 month =
28/29 February), as PostgreSQL's interval arithmetic does. On SQLite the engine registers
``add_period`` as the SQL function ``certlms_add_period`` so that the set-based SQL is the
same on both databases (see docs/decisions).
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_period(value: dt.datetime | dt.date, amount: int, unit: str):
    """``value`` plus ``amount`` days, weeks, months or years."""
    if unit == "days":
        return value + dt.timedelta(days=amount)
    if unit == "weeks":
        return value + dt.timedelta(weeks=amount)
    months = amount * 12 if unit == "years" else amount
    if unit not in {"months", "years"}:
        raise ValueError(f"Unknown period unit {unit!r}")
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def sqlite_add_period(value: str | None, amount: int | None, unit: str | None) -> str | None:
    """The SQLite function: ``value`` is Django's stored text ('YYYY-MM-DD[ HH:MM:SS[.ffffff]]')."""
    if value is None or amount is None or not unit:
        return None
    text = str(value)
    moment = dt.datetime.fromisoformat(text if len(text) > 10 else f"{text} 00:00:00")
    return str(add_period(moment.replace(tzinfo=None), int(amount), unit))
