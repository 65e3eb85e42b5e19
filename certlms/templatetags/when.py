"""``{{ value|when }}`` ("2 Mar 2027, 17:00 GMT") and ``{{ value|day }}`` ("2 Mar 2027"): certlms/when.py.

A template builtin (settings), so no template loads it; an empty value reads as ``default`` when given.
"""

import datetime as dt

from django import template
from django.utils import timezone

from certlms.when import format_date, format_datetime

register = template.Library()


@register.filter(name="when", expects_localtime=False)
def when(value, default: str = "") -> str:
    return format_datetime(value) if isinstance(value, dt.date) else default


@register.filter(name="day", expects_localtime=False)
def day(value, default: str = "") -> str:
    return format_date(value) if isinstance(value, dt.date) else default


@register.simple_tag
def time_zone_name() -> str:
    """The viewer's timezone by name ("Europe/London"): what a typed time is read in."""
    return timezone.get_current_timezone_name()
