"""The lifecycle's periodic sweep and its Celery batches: windows opened and records expired when due,
completions that never reached the record, the progress of a large assignment, idempotent reruns."""

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings

from certifications import tasks
from certifications.models import (
    AuditEvent,
    CertificationPath,
    CertificationRecord,
    CertificationRecordHistory,
    RecordStatus,
    RenewalStatus,
)
from certifications.services import record_assign_many, records_window_open
from tests.certifications.lifecycle_helpers import LABEL, at, complete
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import UserFactory
from tests.outbox.helpers import relayed

pytestmark = pytest.mark.django_db


@pytest.fixture
def lifecycle_sweep(django_capture_on_commit_callbacks):
    """``lifecycle_sweep(now)`` runs the periodic sweep and every batch task it sends (through the
    outbox, as a worker would); returns the audit actions it wrote, counted."""

    def run(now) -> dict:
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        with (
            mock.patch("certifications.tasks.timezone.now", return_value=now),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks.lifecycle_sweep.delay()
        actions = AuditEvent.objects.exclude(pk__in=before).values_list("action", flat=True)
        return {action: list(actions).count(action) for action in set(actions)}

    return run


def test_beat_sweep_is_idempotent_and_touches_only_records_due(lifecycle_sweep):
    certification = CertificationFactory()
    now = at(2026, 6, 1)
    window_due = CertificationRecordFactory(
        certification=certification,
        status=RecordStatus.CERTIFIED,
        path=CertificationPath.RECERTIFICATION,
        window_opens=now - dt.timedelta(hours=1),
        expiry_date=now + dt.timedelta(days=20),
    )
    expiry_due = CertificationRecordFactory(
        certification=certification,
        status=RecordStatus.CERTIFIED,
        renewal_status=RenewalStatus.DUE,
        path=CertificationPath.RECERTIFICATION,
        window_opens=now - dt.timedelta(days=40),
        expiry_date=now - dt.timedelta(hours=1),
    )
    not_yet = CertificationRecordFactory(
        certification=certification,
        status=RecordStatus.CERTIFIED,
        path=CertificationPath.RECERTIFICATION,
        window_opens=now + dt.timedelta(hours=1),
        expiry_date=now + dt.timedelta(days=30),
    )
    untouched_before = {
        f: getattr(not_yet, f) for f in ("status", "renewal_status", "path", "updated_at", "window_opens")
    }
    assert lifecycle_sweep(now) == {"window_opened": 1, "expired": 1}
    assert lifecycle_sweep(now) == {}
    assert AuditEvent.objects.count() == 2
    assert set(AuditEvent.objects.values_list("actor_label", flat=True)) == {tasks.LIFECYCLE_TASK}
    window_due.refresh_from_db()
    expiry_due.refresh_from_db()
    not_yet.refresh_from_db()
    assert window_due.renewal_status == RenewalStatus.DUE
    assert expiry_due.status == RecordStatus.EXPIRED
    assert {f: getattr(not_yet, f) for f in untouched_before} == untouched_before
    assert CertificationRecordHistory.objects.get().user_id == window_due.user_id


def window_due(certification, now, *, expired: bool = False):
    """A certified record whose recertification window opened yesterday (and, if ``expired``, that expired)."""
    return CertificationRecordFactory(
        certification=certification,
        status=RecordStatus.CERTIFIED,
        path=CertificationPath.RECERTIFICATION,
        window_opens=now - dt.timedelta(days=1),
        expiry_date=now - dt.timedelta(hours=1) if expired else now + dt.timedelta(days=30),
    )


def test_sweep_works_in_batches():
    certification = CertificationFactory()
    now = at(2026, 6, 1)
    for _ in range(5):
        window_due(certification, now)
    assert records_window_open(now=now, actor_label=LABEL, batch_size=2) == 5
    assert CertificationRecord.objects.filter(renewal_status=RenewalStatus.DUE).count() == 5


def test_lifecycle_sweep_is_scheduled_at_the_configured_interval():
    sender = mock.Mock()
    tasks.register_periodic_tasks(sender)
    interval, signature = sender.add_periodic_task.call_args.args
    assert interval == settings.CERTIFICATION_LIFECYCLE_INTERVAL
    assert signature.task == tasks.LIFECYCLE_TASK


def learners_with_completions(count: int):
    """A certification of one course, and ``count`` learners who completed it before being assigned."""
    certification = CertificationFactory()
    course = CourseFactory()
    CourseSetFactory(certification=certification, courses=[course])
    learners = UserFactory.create_batch(count)
    for learner in learners:
        complete(learner, course, at(2026, 1, 2))
    return certification, learners


def test_many_learners_with_earlier_completions_are_evaluated_in_celery(django_capture_on_commit_callbacks):
    certification, learners = learners_with_completions(3)
    with mock.patch("certifications.services.lifecycle.PROGRESS_AT_ONCE", 2):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            record_assign_many(certification_id=certification.pk, user_ids=[u.pk for u in learners], now=at(2026, 2, 1))
        assert set(CertificationRecord.objects.values_list("status", flat=True)) == {RecordStatus.NOT_CERTIFIED}
        [progress] = relayed(callbacks, tasks.ASSIGNED_PROGRESS_TASK)
        progress()
    assert set(CertificationRecord.objects.values_list("status", flat=True)) == {RecordStatus.CERTIFIED}
    assert set(AuditEvent.objects.filter(action="certified").values_list("actor_label", flat=True)) == {
        tasks.ASSIGNED_PROGRESS_TASK
    }


def test_the_lifecycle_sweep_applies_completions_that_never_reached_the_record(lifecycle_sweep):
    """A completion written without its event (straight to the table, as if the event was lost) is
    found by the sweep and applied as the course_completed path does; a second sweep changes nothing."""
    now = at(2027, 3, 1)
    first, second, lone = CourseFactory(), CourseFactory(), CourseFactory()
    both = CourseSetFactory(courses=[first, second])
    partial = CourseSetFactory(courses=[lone], certification=CertificationFactory())
    partial_second = CourseSetFactory(courses=[CourseFactory()], certification=partial.certification)
    certified, in_progress, untouched = UserFactory(), UserFactory(), UserFactory()
    for user in (certified, untouched):
        CertificationRecordFactory(user=user, certification=both.certification)
    CertificationRecordFactory(user=in_progress, certification=partial_second.certification)
    complete(certified, first, at(2027, 2, 1))
    complete(certified, second, at(2027, 2, 2))
    complete(in_progress, lone, at(2027, 2, 3))
    assert lifecycle_sweep(now) == {"certified": 1, "in_progress": 1}
    assert lifecycle_sweep(now) == {}
    assert AuditEvent.objects.count() == 2
    record = CertificationRecord.objects.get(user=certified)
    assert (record.status, record.completion_date) == (RecordStatus.CERTIFIED, at(2027, 2, 2))
    assert CertificationRecord.objects.get(user=in_progress).status == RecordStatus.IN_PROGRESS
    assert CertificationRecord.objects.get(user=untouched).status == RecordStatus.NOT_CERTIFIED
    assert set(AuditEvent.objects.values_list("actor_label", "action")) == {
        (tasks.LIFECYCLE_TASK, "certified"),
        (tasks.LIFECYCLE_TASK, "in_progress"),
    }


def test_the_sweep_runs_as_batch_tasks_of_a_few_records_each(lifecycle_sweep, settings):
    """Each batch task handles at most the configured number of records and sends the next batch;
    together they open every window that is due, and a second sweep finds nothing."""
    settings.CERTIFICATION_LIFECYCLE_BATCH_SIZE = 2
    now = at(2026, 6, 1)
    for certification in CertificationFactory.create_batch(2):
        for number in range(5):
            window_due(certification, now, expired=number == 0)
    batches = []
    real = tasks.lifecycle_batch.run

    def counted(**kwargs):
        result = real(**kwargs)
        batches.append((kwargs.get("step", "window_open"), result))
        return result

    with mock.patch.object(tasks.lifecycle_batch, "run", side_effect=counted):
        assert lifecycle_sweep(now) == {"window_opened": 10, "expired": 2}
    assert all(sum(changed.values()) <= 2 for _, changed in batches)
    # Per certification: two full window batches, then 1 window + 1 expiry in the third.
    assert len(batches) == 6
    assert lifecycle_sweep(now) == {}


def test_the_progress_of_a_large_assignment_runs_in_batches(django_capture_on_commit_callbacks, settings):
    settings.CERTIFICATION_PROGRESS_BATCH_SIZE = 2
    certification, learners = learners_with_completions(5)
    sent = []
    real = tasks.assigned_progress.run

    def counted(**kwargs):
        sent.append(kwargs.get("after_user_id", 0))
        return real(**kwargs)

    with (
        mock.patch("certifications.services.lifecycle.PROGRESS_AT_ONCE", 2),
        mock.patch.object(tasks.assigned_progress, "run", side_effect=counted),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_assign_many(certification_id=certification.pk, user_ids=[u.pk for u in learners], now=at(2026, 2, 1))
    assert set(CertificationRecord.objects.values_list("status", flat=True)) == {RecordStatus.CERTIFIED}
    ids = sorted(u.pk for u in learners)
    assert sent == [0, ids[1], ids[3]]
