import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certifications.periods import (
    DAYS,
    MONTHS,
    UNITS,
    WEEKS,
    YEARS,
    Period,
    add_period,
    period_covers_days,
    period_le,
    subtract_period,
)

UTC = dt.UTC
datetimes = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=st.just(UTC))
periods = st.builds(Period, st.integers(min_value=0, max_value=120), st.sampled_from(UNITS))


@pytest.mark.parametrize(
    ("start", "period", "expected"),
    [
        (dt.date(2025, 1, 31), Period(1, MONTHS), dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), Period(1, MONTHS), dt.date(2024, 2, 29)),
        (dt.date(2024, 2, 29), Period(1, YEARS), dt.date(2025, 2, 28)),
        (dt.date(2025, 8, 31), Period(6, MONTHS), dt.date(2026, 2, 28)),
        (dt.date(2025, 12, 15), Period(1, MONTHS), dt.date(2026, 1, 15)),
        (dt.date(2025, 1, 1), Period(2, WEEKS), dt.date(2025, 1, 15)),
        (dt.date(2025, 1, 1), Period(45, DAYS), dt.date(2025, 2, 15)),
    ],
)
def test_add_period_examples(start, period, expected):
    assert add_period(start, period) == expected


def test_subtract_month_clamps_to_month_end():
    assert subtract_period(dt.date(2025, 3, 31), Period(1, MONTHS)) == dt.date(2025, 2, 28)


def test_repeated_periods_counted_from_the_anchor_do_not_drift():
    anchor = dt.date(2025, 1, 31)
    assert add_period(anchor, Period(1, MONTHS), count=2) == dt.date(2025, 3, 31)


@given(datetimes, periods)
def test_adding_keeps_time_of_day_and_timezone(value, period):
    result = add_period(value, period)
    assert result.time() == value.time()
    assert result.tzinfo is value.tzinfo


@given(datetimes, periods)
def test_adding_never_goes_back(value, period):
    assert add_period(value, period) >= value


@given(datetimes, st.integers(0, 240), st.sampled_from([MONTHS, YEARS]))
def test_calendar_units_land_on_the_anchor_day_or_the_month_end(value, amount, unit):
    result = add_period(value, Period(amount, unit))
    months = amount * (12 if unit == YEARS else 1)
    assert (result.year * 12 + result.month) - (value.year * 12 + value.month) == months
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(value.day, last_day)


@given(datetimes, st.integers(0, 500), st.sampled_from([DAYS, WEEKS]))
def test_day_units_are_exact(value, amount, unit):
    days = amount * (7 if unit == WEEKS else 1)
    assert add_period(value, Period(amount, unit)) - value == dt.timedelta(days=days)


@given(datetimes, periods)
def test_subtracting_after_adding_never_passes_the_start(value, period):
    assert subtract_period(add_period(value, period), period) <= value


@given(datetimes, st.integers(0, 60), st.integers(0, 20), st.sampled_from(UNITS))
def test_more_periods_from_an_anchor_is_monotonic(anchor, amount, count, unit):
    period = Period(amount, unit)
    assert add_period(anchor, period, count=count) <= add_period(anchor, period, count=count + 1)


@given(datetimes, periods, periods)
def test_period_le_holds_for_every_anchor(anchor, left, right):
    if period_le(left, right):
        assert add_period(anchor, left) <= add_period(anchor, right)


@given(datetimes, periods, st.integers(0, 2000))
def test_period_covers_days_holds_for_every_anchor(anchor, period, days):
    if period_covers_days(period, days):
        assert add_period(anchor, period) - anchor >= dt.timedelta(days=days)


def test_period_le_same_units_compares_amounts():
    assert period_le(Period(12, MONTHS), Period(1, YEARS))
    assert not period_le(Period(13, MONTHS), Period(1, YEARS))
    assert period_le(Period(14, DAYS), Period(2, WEEKS))


def test_negative_period_is_refused():
    with pytest.raises(ValueError):
        Period(-1, DAYS)
