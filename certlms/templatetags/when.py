"""``{{ value|when }}`` ("2 Mar 2027, 17:00 GMT") and ``{{ value|day }}`` ("2 Mar 2027"): certlms/when.py.

A template builtin (settings), so no template loads it; an empty value reads as ``default`` when given.
"""

from django import template

from certlms.when import format_date, format_datetime

register = template.Library()


@register.filter(name="when", expects_localtime=False)
def when(value, default: str = "") -> str:
    return format_datetime(value) or default


@register.filter(name="day", expects_localtime=False)
def day(value, default: str = "") -> str:
    return format_date(value) or default
