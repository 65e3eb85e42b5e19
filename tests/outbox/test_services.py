"""The outbox: rows written with the change, published on commit, drained when the broker was away."""

import datetime as dt
import logging
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from certlms.celery import app as celery_app
from outbox import services
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

runs: list[dict] = []


@celery_app.task(name="tests.outbox_record")
def record(**kwargs) -> None:
    runs.append(kwargs)


@pytest.fixture(autouse=True)
def no_runs():
    runs.clear()
    yield
    runs.clear()


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails as it does when Redis cannot be reached."""

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(record, "apply_async", refuse)


def unsent(**kwargs):
    """Rows written as if their relay never ran (the process died at commit)."""
    return [OutboxMessage.objects.create(task=record.name, kwargs=kwargs)]


def test_the_row_is_written_in_the_transaction_and_relayed_only_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        message = services.enqueue(record, user_id=7, course_id=3)
        assert OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).exists()
    assert (message.task, message.kwargs) == ("tests.outbox_record", {"user_id": 7, "course_id": 3})
    assert len(callbacks) == 1 and runs == []


def test_a_rollback_leaves_no_row_and_no_relay(run_rolled_back):
    callbacks = run_rolled_back(lambda: services.enqueue(record, user_id=7))
    assert callbacks == [] and not OutboxMessage.objects.exists() and runs == []


def test_on_commit_the_relay_runs_the_task_and_marks_the_row_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue("tests.outbox_record", user_id=7)
    message.refresh_from_db()
    assert runs == [{"user_id": 7}]
    assert message.sent_at is not None and message.attempts == 1 and message.claimed_until is None


def test_a_broker_error_leaves_the_rows_unsent_and_is_only_logged(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.WARNING, logger="outbox.services"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        first = services.enqueue(record, user_id=1)
        second = services.enqueue(record, user_id=2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.sent_at is None and first.claimed_until is None and first.attempts == 1
    assert "Connection refused" in first.last_error
    assert second.sent_at is None and second.claimed_until is None
    assert "left for the drain" in caplog.text


def test_the_relay_returns_how_many_it_sent_and_skips_rows_already_sent():
    (message,) = unsent(user_id=1)
    assert services.relay([message.pk]) == 1
    assert services.relay([message.pk]) == 0
    assert runs == [{"user_id": 1}]


def test_the_drain_sends_every_unsent_row_in_order_and_a_second_drain_sends_nothing():
    for user_id in (1, 2, 3):
        unsent(user_id=user_id)
    assert services.drain(batch_size=2) == 3
    assert services.drain(batch_size=2) == 0
    assert runs == [{"user_id": 1}, {"user_id": 2}, {"user_id": 3}]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_the_drain_stops_at_a_broker_error_and_leaves_the_rows_for_next_time(broker_down):
    unsent(user_id=1)
    unsent(user_id=2)
    assert services.drain() == 0
    assert OutboxMessage.objects.filter(sent_at__isnull=True, claimed_until__isnull=True).count() == 2


def test_the_drain_leaves_rows_leased_to_another_process_until_the_lease_expires():
    now = timezone.now()
    (held,) = unsent(user_id=1)
    (expired,) = unsent(user_id=2)
    OutboxMessage.objects.filter(pk=held.pk).update(claimed_until=now + dt.timedelta(minutes=1))
    OutboxMessage.objects.filter(pk=expired.pk).update(claimed_until=now - dt.timedelta(seconds=1))
    assert services.drain() == 1
    assert runs == [{"user_id": 2}]


def test_prune_deletes_only_rows_sent_long_enough_ago(settings):
    settings.OUTBOX_KEEP_SENT = 3600
    now = timezone.now()
    (old,) = unsent(user_id=1)
    (recent,) = unsent(user_id=2)
    (waiting,) = unsent(user_id=3)
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=now - dt.timedelta(hours=2))
    OutboxMessage.objects.filter(pk=recent.pk).update(sent_at=now - dt.timedelta(minutes=5))
    assert services.prune(now=now) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_drain_skips_the_row_another_transaction_holds_instead_of_waiting():
    """``FOR UPDATE SKIP LOCKED``: a relay holding a row does not block the drain, nor is the row sent twice."""
    (locked,) = unsent(user_id=1)
    unsent(user_id=2)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        assert services.drain() == 1
        assert runs == [{"user_id": 2}]
    finally:
        release.set()
        thread.join(timeout=30)
    assert services.drain() == 1
    assert runs == [{"user_id": 2}, {"user_id": 1}]
