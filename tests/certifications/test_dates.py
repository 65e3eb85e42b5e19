"""Expiry and window dates for each recertification method (DOMAIN §2)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from certifications.models import RecertificationMethod
from certifications.periods import DAYS, MONTHS, UNITS, WEEKS, YEARS, Period, add_period, subtract_period
from certifications.services import period_dates


def at(*args):
    return dt.datetime(*args, 9, 0, tzinfo=dt.UTC)


ACTIVE = Period(1, YEARS)
WINDOW = Period(2, MONTHS)


def dates(method, completion, previous_expiry=None, due_date=None, active=ACTIVE, window=WINDOW, minimum=None):
    return period_dates(
        method=method,
        completion=completion,
        previous_expiry=previous_expiry,
        due_date=due_date,
        active=active,
        window=window,
        minimum_active=minimum,
    )


def test_completion_method_counts_from_the_completion():
    result = dates(RecertificationMethod.COMPLETION, at(2026, 3, 10), previous_expiry=at(2026, 4, 1))
    assert result.base == at(2026, 3, 10)
    assert result.expiry == at(2027, 3, 10)
    assert result.window_opens == at(2027, 1, 10)


def test_expiry_method_recertified_in_the_window_keeps_the_previous_expiry():
    result = dates(RecertificationMethod.EXPIRY, at(2026, 3, 10), previous_expiry=at(2026, 4, 1))
    assert result.base == at(2026, 4, 1)
    assert result.expiry == at(2027, 4, 1)
    assert result.window_opens == at(2027, 2, 1)


def test_expiry_method_overdue_counts_from_the_completion():
    result = dates(RecertificationMethod.EXPIRY, at(2026, 5, 10), previous_expiry=at(2026, 4, 1))
    assert result.base == at(2026, 5, 10)
    assert result.expiry == at(2027, 5, 10)


def test_expiry_method_first_certification_uses_the_due_date():
    result = dates(RecertificationMethod.EXPIRY, at(2026, 3, 10), due_date=at(2026, 4, 1))
    assert result.base == at(2026, 4, 1)


def test_expiry_method_first_certification_overdue_uses_the_completion():
    result = dates(RecertificationMethod.EXPIRY, at(2026, 4, 2), due_date=at(2026, 4, 1))
    assert result.base == at(2026, 4, 2)


def test_expiry_method_completed_before_the_window_uses_the_completion():
    """Completing long before the due date must not bank the time until it."""
    result = dates(RecertificationMethod.EXPIRY, at(2026, 1, 31), due_date=at(2026, 4, 1))
    assert result.base == at(2026, 1, 31)
    assert result.expiry == at(2027, 1, 31)


def test_expiry_method_without_due_date_uses_the_completion():
    assert dates(RecertificationMethod.EXPIRY, at(2026, 1, 31)).base == at(2026, 1, 31)


def test_fixed_method_keeps_the_cycle_when_recertified_in_the_window():
    result = dates(
        RecertificationMethod.FIXED, at(2026, 11, 20), previous_expiry=at(2027, 1, 1), minimum=Period(6, MONTHS)
    )
    assert result.base == at(2027, 1, 1)
    assert result.expiry == at(2028, 1, 1)


def test_fixed_method_moves_whole_periods_until_a_minimum_period_lies_ahead():
    result = dates(
        RecertificationMethod.FIXED,
        at(2026, 6, 10),
        previous_expiry=at(2026, 1, 31),
        active=Period(3, MONTHS),
        window=Period(1, MONTHS),
        minimum=Period(2, MONTHS),
    )
    # Expiries from the anchor: 30 Apr, 31 Jul (less than 2 months after 10 Jun), 31 Oct.
    assert result.base == at(2026, 7, 31)
    assert result.expiry == at(2026, 10, 31)
    assert result.window_opens == at(2026, 9, 30)


def test_fixed_method_first_certification_counts_from_the_due_date_then_the_completion():
    minimum = Period(10, MONTHS)
    assert dates(RecertificationMethod.FIXED, at(2026, 3, 1), due_date=at(2026, 4, 1), minimum=minimum).expiry == at(
        2027, 4, 1
    )
    assert dates(RecertificationMethod.FIXED, at(2026, 3, 1), minimum=minimum).expiry == at(2027, 3, 1)


instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2060, 1, 1), timezones=st.just(dt.UTC))
offsets = st.integers(min_value=-800, max_value=800)
amounts = st.integers(min_value=1, max_value=24)
units = st.sampled_from(UNITS)


@given(instants, offsets, amounts, units, st.integers(1, 12))
def test_expiry_and_window_follow_from_the_base(completion, offset, amount, unit, window_days):
    active = Period(amount, unit)
    window = Period(window_days, DAYS)
    anchor = completion + dt.timedelta(days=offset)
    for method in (RecertificationMethod.COMPLETION, RecertificationMethod.EXPIRY):
        result = dates(method, completion, previous_expiry=anchor, active=active, window=window)
        assert result.expiry == add_period(result.base, active)
        assert result.window_opens == subtract_period(result.expiry, window)
        assert result.base in (completion, anchor)
        if method == RecertificationMethod.EXPIRY and result.base == anchor:
            assert subtract_period(anchor, window) <= completion <= anchor


@given(instants, offsets, st.integers(1, 12), st.sampled_from([MONTHS, WEEKS]), st.data())
def test_fixed_method_gives_the_earliest_cycle_expiry_a_minimum_period_ahead(completion, offset, amount, unit, data):
    active = Period(amount, unit)
    minimum = Period(data.draw(st.integers(0, amount)), unit)
    anchor = completion + dt.timedelta(days=offset)
    result = dates(RecertificationMethod.FIXED, completion, previous_expiry=anchor, active=active, minimum=minimum)
    must_reach = add_period(completion, minimum)
    assert result.expiry >= must_reach
    count = 1
    while add_period(anchor, active, count=count) != result.expiry:
        count += 1
    assert count == 1 or add_period(anchor, active, count=count - 1) < must_reach
    assert result.base == add_period(anchor, active, count=count - 1)
