"""The daily digest to site administrators of enrolments awaiting them (DOMAIN §9, last row)."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from assignments.models import (
    AssignmentException,
    AssignmentType,
    EnrolmentRequest,
    ExceptionStatus,
    GroupMember,
    RequestStatus,
)
from directory.models import SITE_ADMINISTRATORS_GROUP

from ..models import Notification
from .delivery import email_turned_off, new_notification

DIGEST_SUBJECT = "Enrolments awaiting you"


def awaiting_enrolments():
    """Open exceptions raised by self-enrolments: the learner enrolled in a group and waits for an administrator."""
    self_enrolled = GroupMember.objects.filter(
        group_id=OuterRef("assignment__group_id"), user_id=OuterRef("user_id"), self_enrolled=True
    )
    return (
        AssignmentException.objects.filter(status=ExceptionStatus.OPEN, assignment__type=AssignmentType.GROUP)
        .filter(Exists(self_enrolled))
        .select_related("certification")
    )


def site_administrators():
    admins = Q(is_superuser=True) | Q(groups__name=SITE_ADMINISTRATORS_GROUP)
    return get_user_model().objects.filter(admins, is_active=True).distinct().order_by("pk")


def awaiting_approval():
    """Enrolment requests waiting for a decision (DOMAIN §10)."""
    return EnrolmentRequest.objects.filter(status=RequestStatus.PENDING)


def _lines(counts: Counter, names: dict[int, str], url_of) -> list[str]:
    lines = []
    for certification_id, count in sorted(counts.items(), key=lambda item: names[item[0]]):
        noun = "learner" if count == 1 else "learners"
        lines.append(
            f"- {names[certification_id]}: {count} {noun} ({settings.SITE_URL.rstrip('/')}{url_of(certification_id)})"
        )
    return lines


def digest_body(counts: Counter, names: dict[int, str], requests: Counter | None = None) -> str:
    lines = []
    if counts:
        lines += ["These learners enrolled themselves and their enrolment awaits a site administrator:", ""]
        lines += _lines(counts, names, lambda pk: reverse("assignments:exceptions", args=[pk]))
    if requests:
        lines += [""] if lines else []
        lines += ["These learners asked to enrol and their request awaits approval:", ""]
        lines += _lines(requests, names, lambda pk: reverse("assignments:enrolment_requests"))
    lines += ["", settings.SITE_NAME]
    return "\n".join(lines)


def digest_send(*, now: dt.datetime | None = None) -> int:
    """One digest per site administrator and day, when enrolments await; a second run the same day writes
    nothing (a unique constraint). Returns notifications written."""
    now = now or timezone.now()
    rows = list(awaiting_enrolments().values_list("certification_id", "certification__fullname"))
    asked = list(awaiting_approval().values_list("certification_id", "certification__fullname"))
    if not rows and not asked:
        return 0
    counts = Counter(certification_id for certification_id, _ in rows)
    requests = Counter(certification_id for certification_id, _ in asked)
    names = dict(rows + asked)
    body = digest_body(counts, names, requests)
    today = timezone.localdate(now)
    done = Notification.objects.filter(digest_on=today).values("recipient_id")
    admins = list(site_administrators().exclude(pk__in=done))
    email_off = email_turned_off(admins)
    if counts:
        url = reverse(
            "assignments:exceptions", args=[min(counts, key=lambda certification_id: names[certification_id])]
        )
    else:
        url = reverse("assignments:enrolment_requests")
    notifications = [
        new_notification(
            recipient=admin,
            email_off=email_off,
            digest_on=today,
            subject=DIGEST_SUBJECT,
            body=body,
            url=url,
            created_at=now,
        )
        for admin in admins
    ]
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    return len(notifications)
