"""The range of dates the product accepts and stores, and the check constraints that back it.

DOMAIN §6: every date field refuses dates before 1900 or more than 100 years ahead. The database
backs this with fixed bounds (a check constraint cannot depend on today) that every timezone's
reading of an accepted value stays inside: see docs/decisions/0062-readable-date-range.md.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

EARLIEST_DATE = dt.date(1900, 1, 1)
YEARS_AHEAD = 100
DATE_RANGE_MESSAGE = (
    "Enter a date from 1 January 1900 to %(latest)s: dates before 1900 or more than 100 years ahead are refused."
)

# What the check constraints allow (UTC for timestamps): a day of slack below 1900 for the
# timezones east of UTC, and a fixed upper bound far beyond "100 years ahead" yet far below 9999.
STORED_EARLIEST_DATE = dt.date(1900, 1, 1)
STORED_EARLIEST = dt.datetime(1899, 12, 31, tzinfo=dt.UTC)
STORED_LATEST_DATE = dt.date(2999, 12, 31)
STORED_LATEST = dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last accepted day: ``today`` 100 years on (29 February becomes 28 February)."""
    today = today or timezone.now().date()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def in_date_range(value: dt.date | dt.datetime, *, today: dt.date | None = None) -> bool:
    """Whether ``value`` (a date, or a datetime read in its own timezone) is between 1900 and 100 years ahead."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST_DATE <= day <= latest_date(today)


def validate_date_range(value) -> None:
    """The one validator of typed and imported dates and datetimes (forms, admin, CSV import)."""
    if value is None:
        return
    if not in_date_range(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range", params={"latest": f"{latest_date():%-d %B %Y}"})


def readable_date_constraint(field: str, *, name: str, date_only: bool = False) -> models.CheckConstraint:
    """A check constraint keeping ``field`` (nullable or not) inside the stored bounds."""
    earliest, latest = (STORED_EARLIEST_DATE, STORED_LATEST_DATE) if date_only else (STORED_EARLIEST, STORED_LATEST)
    in_range = models.Q(**{f"{field}__gte": earliest, f"{field}__lte": latest})
    return models.CheckConstraint(condition=in_range | models.Q(**{f"{field}__isnull": True}), name=name)


def days_after_clamped(moment: dt.datetime, days: int) -> dt.datetime:
    """``moment`` plus ``days`` (a computed due date), kept at or before the last stored day, never an overflow."""
    if days > (STORED_LATEST - moment).days:
        return STORED_LATEST
    return moment + dt.timedelta(days=days)


def repair_stored_dates(model, field: str, *, date_only: bool = False) -> int:
    """The data migration's repair: an out-of-bounds ``field`` becomes NULL, or is clamped when required.

    Only compares in SQL and never reads the values, which Python may not be able to.
    """
    earliest, latest = (STORED_EARLIEST_DATE, STORED_LATEST_DATE) if date_only else (STORED_EARLIEST, STORED_LATEST)
    rows = model._default_manager.all()
    if model._meta.get_field(field).null:
        return rows.filter(models.Q(**{f"{field}__lt": earliest}) | models.Q(**{f"{field}__gt": latest})).update(
            **{field: None}
        )
    low = rows.filter(**{f"{field}__lt": earliest}).update(**{field: earliest})
    return low + rows.filter(**{f"{field}__gt": latest}).update(**{field: latest})


def _unknown_when_unreadable(base):
    """A psycopg2 typecaster like ``base`` that reads a value Python cannot hold (year 0, 10000…) as None."""
    import psycopg2
    from psycopg2 import extensions

    def cast(value, cursor):
        try:
            return base(value, cursor)
        except (ValueError, OverflowError, psycopg2.DataError):
            return None

    return extensions.new_type(base.values, f"READABLE_{base.name}", cast)


def register_readable_date_casters(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: on PostgreSQL, dates and timestamps Python cannot read become unknown.

    PostgreSQL holds years from 4713 BC to 294276 AD; a value outside Python's 1 … 9999 (written before
    the check constraints, or by hand) would otherwise make every page that reads it answer 500.
    """
    if connection.vendor != "postgresql":
        return
    from psycopg2 import extensions

    for base in (extensions.DATE, extensions.PYDATETIME, extensions.PYDATETIMETZ):
        extensions.register_type(_unknown_when_unreadable(base), connection.connection)
