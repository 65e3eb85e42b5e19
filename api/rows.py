"""Rows of the hot lists straight from ``values()``: no model instances, no serializer per field.

A learner's records and a certification's records are the API's busiest reads (an HR or BI system
walking a million records). Each row is built from the columns it shows, in one function, with the
same output as the schema's serializer (``RecordSerializer``): dates in the active time zone, ISO
8601 with the offset (``Z`` for UTC), as DRF's ``DateTimeField`` writes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

RECORD_COLUMNS = (
    "id",
    "user_id",
    "user__username",
    "user__first_name",
    "user__last_name",
    "certification_id",
    "certification__shortname",
    "certification__fullname",
    "path",
    "status",
    "renewal_status",
    "due_date",
    "completion_date",
    "window_opens",
    "expiry_date",
    "assigned_at",
)


def iso_dates() -> Callable[[dt.datetime | None], str | None]:
    """DRF's ``DateTimeField.to_representation`` for aware datetimes, the time zone read once per page."""
    zone = timezone.get_current_timezone()

    def iso(value: dt.datetime | None) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def _user_name(first: str, last: str, username: str) -> str:
    """``User.get_full_name()`` or, when blank, the username (as ``UserRefSerializer``)."""
    return f"{first} {last}".strip() or username


def record_row(v: dict, when: Callable) -> dict:
    """One certification record as ``RecordSerializer`` shows it, from ``values(*RECORD_COLUMNS)``;
    ``when`` writes its dates (``iso_dates()``)."""
    return {
        "id": v["id"],
        "user": {
            "id": v["user_id"],
            "username": v["user__username"],
            "name": _user_name(v["user__first_name"], v["user__last_name"], v["user__username"]),
        },
        "certification": {
            "id": v["certification_id"],
            "shortname": v["certification__shortname"],
            "fullname": v["certification__fullname"],
        },
        "path": v["path"],
        "status": v["status"],
        "renewal_status": v["renewal_status"],
        "due_date": when(v["due_date"]),
        "completion_date": when(v["completion_date"]),
        "window_opens": when(v["window_opens"]),
        "expiry_date": when(v["expiry_date"]),
        "assigned_at": when(v["assigned_at"]),
    }
