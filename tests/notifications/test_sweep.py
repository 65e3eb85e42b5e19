"""The time-based sweep: set-based, once per learner, certification and cycle, even side by side."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from certifications.models import CertificationRecord, RecordStatus
from certifications.signals import RecordEvent
from notifications.models import CertificationMessage, Delivery, MessageType
from notifications.services import deliveries_for_event, sweep
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def due_records(count: int, *, due: dt.datetime, certification=None):
    certification = certification or CertificationFactory()
    return [CertificationRecordFactory(certification=certification, due_date=due) for _ in range(count)]


@pytest.mark.django_db
def test_the_sweep_is_one_insert_for_every_message_type_and_offset_in_use():
    due_records(5, due=NOW + dt.timedelta(days=3))
    other = CertificationFactory()
    CertificationMessage.objects.filter(certification=other, type=MessageType.DUE).update(offset_days=14)
    due_records(2, due=NOW + dt.timedelta(days=10), certification=other)
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=NOW) == 7
    statements = [q["sql"] for q in queries.captured_queries]
    inserts = [sql for sql in statements if sql.startswith('INSERT INTO "notifications_delivery"')]
    assert len(inserts) == 1
    # due at 7 and 14 days, overdue at 1, window closing at 7: one branch each
    assert inserts[0].count(" UNION ALL ") == 3


@pytest.mark.django_db
def test_no_time_based_message_enabled_writes_nothing_and_sends_no_statement():
    due_records(2, due=NOW + dt.timedelta(days=3))
    CertificationMessage.objects.filter(type__in=[MessageType.DUE, MessageType.OVERDUE]).update(enabled=False)
    CertificationMessage.objects.filter(type=MessageType.WINDOW_CLOSING).update(enabled=False)
    with CaptureQueriesContext(connection) as queries:
        assert sweep(now=NOW) == 0
    assert not [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]


@pytest.mark.django_db
def test_the_once_per_cycle_rule_holds_with_the_constraint_user_first():
    """The constraint (learner, message, cycle) refuses a second row of the same cycle whichever way it
    is written, and never stops event messages (no cycle): a learner enrolled twice is told twice."""
    [record] = due_records(1, due=NOW + dt.timedelta(days=3))
    assert sweep(now=NOW) == 1
    delivery = Delivery.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            message=delivery.message,
            user_id=delivery.user_id,
            certification_id=delivery.certification_id,
            cycle_start=delivery.cycle_start,
            created_at=NOW,
        )
    learners = CertificationRecord.objects.filter(pk=record.pk).values("user_id", "certification_id")
    for _ in range(2):
        assert deliveries_for_event(event=RecordEvent.ENROLLED, learners=learners, now=NOW) == 1
    assert Delivery.objects.filter(cycle_start__isnull=True, user_id=record.user_id).count() == 2


@pytest.mark.django_db
def test_each_certification_uses_its_own_offset():
    certification = CertificationFactory()
    CertificationMessage.objects.filter(certification=certification, type=MessageType.DUE).update(offset_days=2)
    [record] = due_records(1, due=NOW + dt.timedelta(days=3), certification=certification)
    assert sweep(now=NOW) == 0
    assert sweep(now=NOW + dt.timedelta(days=1)) == 1
    assert Delivery.objects.get().user_id == record.user_id


@pytest.mark.django_db
def test_a_certified_or_expired_learner_is_judged_by_their_status():
    [certified] = due_records(1, due=NOW + dt.timedelta(days=3))
    certified.status = RecordStatus.CERTIFIED
    certified.save()
    assert sweep(now=NOW) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_side_by_side_write_each_message_once():
    due_records(200, due=NOW + dt.timedelta(days=3))
    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=30)
                results.append(sweep(now=NOW))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 200]
    assert Delivery.objects.count() == 200
