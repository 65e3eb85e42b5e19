"""Notices of approval requests (DOMAIN §10): the learner's manager hears of a request, the learner of
the decision. Written in the transaction of the request's change (the signals of assignments.signals
are sent inside it), then emailed by ``notifications.deliver`` like every notification."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.urls import reverse

from certifications.models import Certification

from ..models import Notification
from .delivery import _managers, email_turned_off, new_notification
from .writing import _deliver_later

CREATED, APPROVED, DENIED = "created", "approved", "denied"


def _full_name(user) -> str:
    return user.get_full_name() or user.username


def request_notices(*, event: str, user_id: int, certification_id: int, reason: str, now: dt.datetime) -> int:
    """Write the notices of one request's step; returns how many were written."""
    users = get_user_model().objects
    learner = users.get(pk=user_id)
    certification = Certification.objects.only("fullname").get(pk=certification_id)
    name = certification.fullname
    if event == CREATED:
        recipients = list(users.filter(pk__in=_managers({user_id})[user_id], is_active=True))
        subject = f"{_full_name(learner)} asks to enrol in {name}"
        body = f"{_full_name(learner)} asked to enrol in {name}. Approve or deny the request under Enrolment requests."
        url = reverse("enrolment_requests:staff")
    else:
        recipients = [learner] if learner.is_active else []
        url = reverse("enrolment:overview", args=[certification_id])
        if event == APPROVED:
            subject = f"Your enrolment in {name} is approved"
            body = f"Your request to enrol in {name} was approved."
        else:
            subject = f"Your enrolment in {name} is denied"
            body = f"Your request to enrol in {name} was denied."
        if reason:
            body += f" Reason: {reason}"
    if not recipients:
        return 0
    email_off = email_turned_off(recipients)
    Notification.objects.bulk_create(
        new_notification(recipient=r, email_off=email_off, subject=subject, body=body, url=url, created_at=now)
        for r in recipients
    )
    _deliver_later()
    return len(recipients)
