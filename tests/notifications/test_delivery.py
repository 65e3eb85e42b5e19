"""Delivery (DOMAIN §9): a notification for every recipient, email through a real SMTP server, sent once."""

import datetime as dt

import pytest

from assignments.services.engine import assignment_materialise
from directory.models import JobAssignment, LearnerProfile
from notifications.models import (
    CertificationMessage,
    Delivery,
    EmailState,
    MessageType,
    Notification,
    NotificationPreference,
)
from notifications.services import deliveries_expand, emails_send
from notifications.services.delivery import retry_at
from tests.assignments.helpers import audience_assignment
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import UserFactory

from .conftest import free_port
from .helpers import deliver_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(now):
    """A learner in Tokyo enrolled on "Fire safety", due 10 March 2027 15:00 UTC."""
    learner = UserFactory(first_name="Aiko", last_name="Sato", email="aiko@example.com")
    LearnerProfile.objects.create(user=learner, timezone="Asia/Tokyo")
    certification = CertificationFactory(fullname="Fire safety")
    due = dt.datetime(2027, 3, 10, 15, 0, tzinfo=dt.UTC)
    assignment = audience_assignment([learner], certification=certification, due_kind="fixed", due_fixed_at=due)
    return learner, certification, assignment


def test_enrolment_arrives_by_email_and_in_notifications_with_the_date_in_the_learners_timezone(
    smtp_server, enrolled, now
):
    learner, certification, assignment = enrolled
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert deliver_all(now) == (1, 1)
    [(subject, body)] = smtp_server.to("aiko@example.com")
    assert subject == "You have been enrolled in Fire safety"
    assert "Hello Aiko Sato" in body
    assert "Due date: 11 Mar 2027, midnight\r\n" in body  # 15:00 UTC on the 10th is midnight in Tokyo
    assert f"/certifications/{certification.pk}/" in body
    notification = Notification.objects.get(recipient=learner)
    assert (notification.subject, notification.email_state) == (subject, EmailState.SENT)
    assert notification.read_at is None


def test_delivering_again_sends_nothing_twice(smtp_server, enrolled, now):
    learner, _, assignment = enrolled
    assignment_materialise(assignment_id=assignment.pk, now=now)
    deliver_all(now)
    Delivery.objects.update(expanded_at=None)  # as if a worker died after writing the notifications
    assert deliver_all(now + dt.timedelta(minutes=5)) == (1, 0)
    assert len(smtp_server.received) == 1
    assert Notification.objects.filter(recipient=learner).count() == 1


def test_the_manager_gets_a_copy_when_asked(smtp_server, enrolled, now):
    learner, certification, assignment = enrolled
    manager = UserFactory(email="boss@example.com")
    LearnerProfile.objects.create(user=manager, timezone="Europe/London")
    JobAssignment.objects.create(user=learner, manager=manager)
    CertificationMessage.objects.filter(certification=certification, type=MessageType.ENROLMENT).update(
        copy_to_manager=True
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    deliver_all(now)
    [(subject, body)] = smtp_server.to("boss@example.com")
    assert subject == "You have been enrolled in Fire safety"
    assert "Hello Aiko Sato" in body and "Due date: 10 Mar 2027, 3 p.m.\r\n" in body, "in the manager's timezone"
    assert len(smtp_server.to("aiko@example.com")) == 1
    assert Notification.objects.filter(recipient=manager).count() == 1


def test_no_manager_copy_unless_asked(smtp_server, enrolled, now):
    learner, _, assignment = enrolled
    manager = UserFactory(email="boss@example.com")
    JobAssignment.objects.create(user=learner, manager=manager)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    deliver_all(now)
    assert smtp_server.to("boss@example.com") == []


def test_a_learner_who_turned_email_off_gets_the_notification_only(smtp_server, enrolled, now):
    learner, _, assignment = enrolled
    NotificationPreference.objects.create(user=learner, email_enabled=False)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    deliver_all(now)
    assert smtp_server.received == []
    assert Notification.objects.get(recipient=learner).email_state == EmailState.OFF


def test_a_refused_email_is_retried_with_backoff_then_marked_failed_with_the_reason(
    smtp_server, enrolled, now, settings
):
    settings.NOTIFICATION_EMAIL_ATTEMPTS, settings.NOTIFICATION_EMAIL_BACKOFF = 3, 60
    learner, _, assignment = enrolled
    smtp_server.refuse.add("aiko@example.com")
    assignment_materialise(assignment_id=assignment.pk, now=now)
    deliveries_expand(now=now)
    assert emails_send(now=now) == 0
    notification = Notification.objects.get(recipient=learner)
    assert (notification.email_state, notification.email_attempts) == (EmailState.PENDING, 1)
    assert notification.email_next_try_at == now + dt.timedelta(seconds=60)
    assert emails_send(now=now + dt.timedelta(seconds=59)) == 0  # not yet: backing off
    assert Notification.objects.get(pk=notification.pk).email_attempts == 1
    emails_send(now=now + dt.timedelta(seconds=60))
    notification.refresh_from_db()
    assert notification.email_next_try_at == now + dt.timedelta(seconds=60 + 120)
    emails_send(now=notification.email_next_try_at)
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == (EmailState.FAILED, 3)
    assert "No such mailbox here" in notification.email_error
    assert smtp_server.received == []


def test_the_backoff_doubles(now):
    assert [retry_at(n, now) - now for n in (1, 2, 3)] == [dt.timedelta(seconds=s) for s in (60, 120, 240)]


def test_an_unreachable_mail_server_leaves_the_email_waiting(enrolled, now, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    learner, _, assignment = enrolled
    assignment_materialise(assignment_id=assignment.pk, now=now)
    deliveries_expand(now=now)
    assert emails_send(now=now) == 0
    notification = Notification.objects.get(recipient=learner)
    assert (notification.email_state, notification.email_attempts) == (EmailState.PENDING, 1)
    assert "Connection refused" in notification.email_error or "Errno" in notification.email_error


def test_a_deactivated_learner_is_told_nothing(smtp_server, enrolled, now):
    learner, _, assignment = enrolled
    assignment_materialise(assignment_id=assignment.pk, now=now)
    learner.is_active = False
    learner.save()
    assert deliver_all(now) == (1, 0)
    assert smtp_server.received == [] and not Notification.objects.exists()
