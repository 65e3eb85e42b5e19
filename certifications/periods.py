"""Calendar period arithmetic: the one place where active, window and minimum active periods are added.

A period is an amount and a unit (days, weeks, months, years). Days and weeks are exact
(``timedelta``). Months and years move the calendar month and clamp the day to the end of the
target month: 31 January + 1 month = 28 (or 29) February. The time of day and the timezone of
the datetime are kept.

Repeated periods are always counted from a stored anchor (``add_period(anchor, n * amount, unit)``),
never by adding one period to the previous result, so that month-end clamping never drifts
(31 January + 2 months is 31 March, not 28 March). See docs/decisions/0032-period-arithmetic.md.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

DAYS, WEEKS, MONTHS, YEARS = "days", "weeks", "months", "years"
UNITS = (DAYS, WEEKS, MONTHS, YEARS)


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"Unknown period unit {self.unit!r}")
        if self.amount < 0:
            raise ValueError("A period cannot be negative")

    def __str__(self) -> str:
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"

    def times(self, count: int) -> "Period":
        return Period(self.amount * count, self.unit)


def _shift_months(value: dt.datetime | dt.date, months: int):
    index = value.year * 12 + (value.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def add_period(value, period: Period, *, count: int = 1):
    """``value`` moved forward by ``count`` whole periods (negative ``count`` moves back)."""
    amount = period.amount * count
    if period.unit == DAYS:
        return value + dt.timedelta(days=amount)
    if period.unit == WEEKS:
        return value + dt.timedelta(weeks=amount)
    if period.unit == MONTHS:
        return _shift_months(value, amount)
    return _shift_months(value, amount * 12)


def subtract_period(value, period: Period):
    """``value`` moved back by one period (month-end clamped like ``add_period``)."""
    return add_period(value, period, count=-1)


def approximate_days(period: Period) -> int:
    """The longest number of days the period can span, for comparing periods of different units.

    Used by settings validation: "window ≤ active period" holds for every anchor when the
    window's longest span is not longer than the active period's shortest span, but for
    the same unit we compare amounts exactly (see ``period_le``).
    """
    return {DAYS: 1, WEEKS: 7, MONTHS: 31, YEARS: 366}[period.unit] * period.amount


def _shortest_days(period: Period) -> int:
    return {DAYS: 1, WEEKS: 7, MONTHS: 28, YEARS: 365}[period.unit] * period.amount


def period_le(left: Period, right: Period) -> bool:
    """Whether ``left`` is never longer than ``right``, whatever the anchor date.

    Same unit (or months against years): compare amounts in the common unit. Otherwise compare
    the longest span of ``left`` with the shortest span of ``right``.
    """
    month_units = {MONTHS: 1, YEARS: 12}
    day_units = {DAYS: 1, WEEKS: 7}
    if left.unit in month_units and right.unit in month_units:
        return left.amount * month_units[left.unit] <= right.amount * month_units[right.unit]
    if left.unit in day_units and right.unit in day_units:
        return left.amount * day_units[left.unit] <= right.amount * day_units[right.unit]
    return approximate_days(left) <= _shortest_days(right)


def period_covers_days(period: Period, days: int) -> bool:
    """Whether ``period`` always spans at least ``days`` days, whatever the anchor date."""
    return _shortest_days(period) >= days
