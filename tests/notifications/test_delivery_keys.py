"""The outbox's lean design (decisions 0104, 0105): no database constraints on its keys and one index
each for what reads it, Django's cascades instead; a batch of emails over one SMTP connection, the
accepted ones marked sent in groups."""

import pytest
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certifications.models import CertificationRecord
from certifications.signals import RecordEvent
from notifications.models import CertificationMessage, Delivery, EmailState, MessageType, Notification
from notifications.services import deliveries_expand, deliveries_for_event, emails_send
from notifications.services.delivery import more_to_deliver
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory

from .helpers import deliver_all

pytestmark = pytest.mark.django_db


def enrolled(count: int, certification=None) -> list[CertificationRecord]:
    """``count`` learners with an address, enrolled (their Enrolment messages written, not delivered)."""
    certification = certification or CertificationFactory(fullname="Fire safety")
    records = [
        CertificationRecordFactory(certification=certification, user__email=f"learner{n}@example.com")
        for n in range(count)
    ]
    learners = CertificationRecord.objects.filter(pk__in=[r.pk for r in records]).values("user_id", "certification_id")
    deliveries_for_event(event=RecordEvent.ENROLLED, learners=learners, now=records[0].assigned_at)
    return records


def test_the_delivery_table_has_no_foreign_key_constraints_and_four_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Delivery._meta.db_table)
    assert [name for name, c in constraints.items() if c["foreign_key"]] == []
    indexed = sorted(tuple(c["columns"]) for c in constraints.values() if c["index"] or c["unique"] or c["primary_key"])
    assert indexed == sorted(
        [
            ("id",),  # the primary key
            ("id",),  # delivery_pending_idx: what waits to be expanded
            ("certification_id", "created_at"),  # the Messages tab's recent messages; a certification's cascade
            ("user_id", "message_id", "cycle_start"),  # once per cycle; a user's cascade
        ]
    )


def test_a_batch_of_emails_goes_over_one_smtp_connection(smtp_server, now):
    enrolled(3)
    assert deliver_all(now) == (3, 3)
    assert len(smtp_server.received) == 3
    assert len(set(smtp_server.peers)) == 1


def test_accepted_emails_are_marked_sent_in_groups(smtp_server, now, settings):
    settings.NOTIFICATION_MARK_EVERY = 2
    enrolled(5)
    deliveries_expand(now=now)
    with CaptureQueriesContext(connection) as queries:
        assert emails_send(now=now) == 5
    marks = [q["sql"] for q in queries.captured_queries if "\"email_state\" = 'sent'" in q["sql"]]
    assert len(marks) == 3, "two groups of two, then the last one"
    assert Notification.objects.filter(email_state=EmailState.SENT, email_attempts=1).count() == 5
    assert len(smtp_server.received) == 5


def test_a_refused_email_is_retried_alone_and_the_batch_goes_on(smtp_server, now, settings):
    settings.NOTIFICATION_MARK_EVERY = 2
    records = enrolled(3)
    smtp_server.refuse.add("learner1@example.com")
    deliveries_expand(now=now)
    assert emails_send(now=now) == 2
    states = dict(Notification.objects.values_list("recipient_id", "email_state"))
    assert states == {
        records[0].user_id: EmailState.SENT,
        records[1].user_id: EmailState.PENDING,
        records[2].user_id: EmailState.SENT,
    }
    assert Notification.objects.get(recipient_id=records[1].user_id).email_attempts == 1


def test_emails_accepted_before_an_unexpected_error_are_still_marked_sent(smtp_server, now, settings, monkeypatch):
    settings.NOTIFICATION_MARK_EVERY = 10
    enrolled(3)
    deliveries_expand(now=now)
    real_send, calls = EmailMessage.send, []

    def send_then_fail(self, *args, **kwargs):
        calls.append(self.to)
        if len(calls) == 3:
            raise RuntimeError("the worker fails mid-batch")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send_then_fail)
    with pytest.raises(RuntimeError):
        emails_send(now=now)
    assert Notification.objects.filter(email_state=EmailState.SENT).count() == 2 == len(smtp_server.received)


def test_a_delivery_whose_message_is_gone_tells_nobody_and_is_done(smtp_server, now):
    [record] = enrolled(1)
    message = CertificationMessage.objects.get(certification=record.certification, type=MessageType.ENROLMENT)
    with connection.cursor() as cursor:  # no constraint stops it: the outbox does not guard its keys
        cursor.execute(f"DELETE FROM {CertificationMessage._meta.db_table} WHERE id = %s", [message.pk])
    assert deliveries_expand(now=now) == 1
    assert not Notification.objects.exists()
    assert Delivery.objects.get().expanded_at == now
    assert not more_to_deliver(now)


def test_deleting_a_user_deletes_their_messages_and_notifications(now):
    kept, gone = enrolled(2)
    deliveries_expand(now=now)
    gone.user.delete()
    assert list(Delivery.objects.values_list("user_id", flat=True)) == [kept.user_id]
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [kept.user_id]


def test_deleting_a_certification_deletes_its_messages_and_notifications(now):
    [gone] = enrolled(1)
    [kept] = enrolled(1, certification=CertificationFactory())
    deliveries_expand(now=now)
    gone.certification.delete()
    assert list(Delivery.objects.values_list("certification_id", flat=True)) == [kept.certification_id]
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [kept.user_id]
