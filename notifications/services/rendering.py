"""What a message says to one recipient: its placeholders' values, dates in the recipient's timezone."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from assignments.models import GroupMember

from ..placeholders import render

NO_DATE = "not set"


def user_timezone(user) -> dt.tzinfo:
    """The user's own timezone (their profile), else the site's."""
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    name = profile.timezone if profile else ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


def date_text(value: dt.datetime | None, tz: dt.tzinfo) -> str:
    if value is None:
        return NO_DATE
    return date_format(timezone.localtime(value, tz), "DATETIME_FORMAT")


def certification_path(certification_id: int) -> str:
    return reverse("enrolment:overview", args=[certification_id])


def certification_url(certification_id: int, path: str | None = None) -> str:
    return settings.SITE_URL.rstrip("/") + (path or certification_path(certification_id))


def group_names(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """(user id, certification id) → the name of the group the learner is a member of (self-enrolment first)."""
    if not pairs:
        return {}
    names: dict[tuple[int, int], str] = {}
    rows = (
        GroupMember.objects.filter(
            user_id__in={user for user, _ in pairs}, certification_id__in={cert for _, cert in pairs}
        )
        .order_by("-self_enrolled", "joined_at")
        .values_list("user_id", "certification_id", "group__name")
    )
    for user_id, certification_id, name in rows:
        names.setdefault((user_id, certification_id), name)
    return names


def message_values(
    *, learner, certification, record, group_name: str, tz: dt.tzinfo, path: str | None = None
) -> dict[str, str]:
    """The placeholders' values for a message about ``learner`` (``record`` may be gone: unenrolment);
    ``path``: the certification's, if already known (a batch reverses it once per certification)."""
    return {
        "learner_fullname": learner.get_full_name() or learner.username,
        "certification_fullname": certification.fullname,
        "due_date": date_text(record.due_date if record else None, tz),
        "expiry_date": date_text(record.expiry_date if record else None, tz),
        "window_opens": date_text(record.window_opens if record else None, tz),
        "group_name": group_name,
        "certification_url": certification_url(certification.pk, path),
        "site_name": settings.SITE_NAME,
    }


def rendered(message, values: dict[str, str]) -> tuple[str, str]:
    """(subject, body) of ``message`` with ``values``; the subject on one line."""
    subject = " ".join(render(message.subject, values).split())[:255]
    return subject, render(message.body, values)
