"""The one way a date or a time reads, on every page and in every export (decision 0091).

A date reads in the locale's date format ("2 Mar 2027" in en-gb); a time adds the hour and the
viewer's timezone ("2 Mar 2027, 17:00 GMT"). The viewer's timezone is the active one
(``directory.middleware.UserTimezoneMiddleware`` activates each user's own). Pages use the
``|when`` and ``|day`` template filters (``certlms.templatetags.when``, a template builtin);
exports call :func:`date_formatter` / :func:`datetime_formatter` once and format many cells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import formats, timezone
from django.utils.dateformat import format as django_format

TIME_PART = "H:i T"
# Django format characters with a strftime equivalent (exports format millions of cells).
_STRFTIME = {
    "d": "%d",
    "j": "%-d",
    "m": "%m",
    "n": "%-m",
    "Y": "%Y",
    "y": "%y",
    "H": "%H",
    "i": "%M",
    "b": "%b",
    "M": "%b",
    "F": "%B",
    "T": "%Z",
}


def date_pattern() -> str:
    """The active locale's date format (Django's DATE_FORMAT: "j M Y" in en-gb)."""
    return formats.get_format("DATE_FORMAT")


def datetime_pattern() -> str:
    return f"{date_pattern()}, {TIME_PART}"


def _compile(pattern: str, tz: dt.tzinfo) -> Callable[[dt.date | dt.datetime], str]:
    if all(ch in _STRFTIME or not ch.isalpha() for ch in pattern) and "\\" not in pattern:
        strftime = "".join(_STRFTIME.get(ch, ch) for ch in pattern)

        def fast(value):
            return _local(value, tz).strftime(strftime)

        return fast
    return lambda value: django_format(_local(value, tz), pattern)


def _local(value: dt.date | dt.datetime, tz: dt.tzinfo) -> dt.date | dt.datetime:
    if not isinstance(value, dt.datetime):
        return value
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    try:
        return value.astimezone(tz)
    except OverflowError:  # the last or first representable instant, read east or west of UTC
        return value


def date_formatter(tz: dt.tzinfo | None = None) -> Callable[[dt.date | dt.datetime], str]:
    """A function reading a date (or a datetime, as its day in ``tz``) the one way: "2 Mar 2027"."""
    return _compile(date_pattern(), tz or timezone.get_current_timezone())


def datetime_formatter(tz: dt.tzinfo | None = None) -> Callable[[dt.date | dt.datetime], str]:
    """A function reading a datetime the one way, zone included: "2 Mar 2027, 17:00 GMT"."""
    tz = tz or timezone.get_current_timezone()
    with_time, day = _compile(datetime_pattern(), tz), _compile(date_pattern(), tz)
    return lambda value: with_time(value) if isinstance(value, dt.datetime) else day(value)


def format_date(value: dt.date | dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    return "" if value is None else date_formatter(tz)(value)


def format_datetime(value: dt.date | dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    return "" if value is None else datetime_formatter(tz)(value)
