"""A learner's record through its lifecycle: progress, certification, window, expiry, recertification."""

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
    CompletionRule,
    RecertificationMethod,
    RecordStatus,
    RenewalStatus,
)
from certifications.periods import MONTHS
from certifications.services import record_assign_many, record_progress, records_expire, records_window_open
from courses.models import CourseCompletion, CourseCompletionHistory
from courses.signals import course_completed
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import UserFactory
from tests.outbox.helpers import relayed

pytestmark = pytest.mark.django_db
LABEL = "test sweep"


def at(*args):
    return dt.datetime(*args, 9, 0, tzinfo=dt.UTC)


def complete(user, course, when):
    CourseCompletion.objects.update_or_create(user=user, course=course, defaults={"completed_at": when})


def sweep(now):
    return records_window_open(now=now, actor_label=LABEL), records_expire(now=now, actor_label=LABEL)


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


@pytest.fixture
def six_month_certification():
    certification = CertificationFactory(
        active_period_amount=6,
        active_period_unit=MONTHS,
        window_period_amount=2,
        window_period_unit=MONTHS,
        recertification_method=RecertificationMethod.COMPLETION,
        recertification_same_content=True,
    )
    course = CourseFactory()
    CourseSetFactory(certification=certification, courses=[course])
    return certification, course


def test_learner_recertifies_several_times_then_expires(six_month_certification, django_capture_on_commit_callbacks):
    certification, course = six_month_certification
    learner = UserFactory()
    record_assign_many(certification_id=certification.pk, user_ids=[learner.pk], now=at(2026, 1, 15))

    def record():
        return CertificationRecord.objects.get(user=learner, certification=certification)

    # First certification, through the courses app's signal and the Celery task.
    complete(learner, course, at(2026, 2, 1))
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(sender=None, user_id=learner.pk, course_id=course.pk)
    r = record()
    assert (r.status, r.renewal_status, r.path) == (
        RecordStatus.CERTIFIED,
        RenewalStatus.NOT_DUE,
        CertificationPath.RECERTIFICATION,
    )
    assert (r.completion_date, r.expiry_date, r.window_opens, r.due_date) == (
        at(2026, 2, 1),
        at(2026, 8, 1),
        at(2026, 6, 1),
        at(2026, 8, 1),
    )

    expected = [
        # window opens, recertified on, new expiry
        (at(2026, 6, 1), at(2026, 7, 1), at(2027, 1, 1)),
        (at(2026, 11, 1), at(2026, 12, 15), at(2027, 6, 15)),
        (at(2027, 4, 15), at(2027, 5, 31), at(2027, 11, 30)),
    ]
    for window_opens, recertified, expiry in expected:
        assert sweep(window_opens - dt.timedelta(minutes=1)) == (0, 0)
        assert sweep(window_opens) == (1, 0)
        r = record()
        assert (r.status, r.renewal_status) == (RecordStatus.CERTIFIED, RenewalStatus.DUE)
        assert not CourseCompletion.objects.filter(user=learner).exists()
        assert CourseCompletionHistory.objects.filter(user=learner, course=course).exists()
        complete(learner, course, recertified)
        record_progress(user_id=learner.pk, certification_id=certification.pk, now=recertified)
        r = record()
        assert (r.status, r.renewal_status, r.path) == (
            RecordStatus.CERTIFIED,
            RenewalStatus.NOT_DUE,
            CertificationPath.RECERTIFICATION,
        )
        assert (r.completion_date, r.expiry_date, r.due_date) == (recertified, expiry, expiry)
    assert CertificationRecordHistory.objects.filter(user=learner, unassigned=False).count() == 3

    # The last window opens; nobody renews; expiry passes.
    assert sweep(at(2027, 9, 30)) == (1, 0)
    assert sweep(at(2027, 11, 30)) == (0, 1)
    r = record()
    assert (r.status, r.renewal_status, r.path) == (
        RecordStatus.EXPIRED,
        RenewalStatus.EXPIRED,
        CertificationPath.CERTIFICATION,
    )
    assert r.due_date == at(2027, 11, 30)
    assert r.due_date < at(2027, 12, 1)  # overdue from now on
    expiry_event = AuditEvent.objects.get(user=learner, action="expired")
    assert expiry_event.actor_label == LABEL
    assert expiry_event.after["status"] == RecordStatus.EXPIRED


def test_expired_learner_starts_again_and_certifies_from_the_completion(six_month_certification):
    certification, course = six_month_certification
    r = CertificationRecordFactory(
        certification=certification,
        status=RecordStatus.EXPIRED,
        renewal_status=RenewalStatus.EXPIRED,
        expiry_date=at(2026, 1, 1),
        baseline_expiry=at(2026, 1, 1),
        due_date=at(2026, 1, 1),
    )
    complete(r.user, course, at(2026, 3, 3))
    record_progress(user_id=r.user_id, certification_id=certification.pk, now=at(2026, 3, 3))
    r.refresh_from_db()
    assert (r.status, r.expiry_date) == (RecordStatus.CERTIFIED, at(2026, 9, 3))


def test_some_courses_complete_gives_in_progress_and_certified_when_every_set_is_complete():
    certification = CertificationFactory(recertification_method=RecertificationMethod.COMPLETION)
    first, second, third, fourth = CourseFactory.create_batch(4)
    CourseSetFactory(certification=certification, courses=[first, second], completion_rule=CompletionRule.ALL)
    CourseSetFactory(certification=certification, courses=[third, fourth], completion_rule=CompletionRule.ANY)
    r = CertificationRecordFactory(certification=certification)
    steps = [
        (first, at(2026, 1, 1), RecordStatus.IN_PROGRESS),
        (fourth, at(2026, 1, 3), RecordStatus.IN_PROGRESS),
        (second, at(2026, 1, 2), RecordStatus.CERTIFIED),
    ]
    for course, when, status in steps:
        complete(r.user, course, when)
        record_progress(user_id=r.user_id, certification_id=certification.pk, now=when)
        r.refresh_from_db()
        assert r.status == status
    assert r.completion_date == at(2026, 1, 3)  # the latest course completion of the path
    assert list(AuditEvent.objects.filter(user=r.user).values_list("action", flat=True).order_by("id")) == [
        "in_progress",
        "certified",
    ]


def test_separate_recertification_path_counts_only_once_the_window_is_open():
    certification = CertificationFactory(recertification_method=RecertificationMethod.COMPLETION)
    initial, renewal = CourseFactory.create_batch(2)
    CourseSetFactory(certification=certification, courses=[initial])
    CourseSetFactory(certification=certification, courses=[renewal], path=CertificationPath.RECERTIFICATION)
    r = CertificationRecordFactory(certification=certification)
    complete(r.user, initial, at(2026, 1, 1))
    record_progress(user_id=r.user_id, certification_id=certification.pk, now=at(2026, 1, 1))
    r.refresh_from_db()
    assert (r.expiry_date, r.window_opens) == (at(2027, 1, 1), at(2026, 12, 1))
    complete(r.user, renewal, at(2026, 6, 1))
    record_progress(user_id=r.user_id, certification_id=certification.pk, now=at(2026, 6, 1))
    r.refresh_from_db()
    assert r.completion_date == at(2026, 1, 1)
    assert sweep(at(2026, 12, 1)) == (1, 0)
    # Both paths' courses were archived, so the early renewal course has to be taken again.
    assert not CourseCompletion.objects.filter(user=r.user).exists()
    complete(r.user, renewal, at(2026, 12, 10))
    record_progress(user_id=r.user_id, certification_id=certification.pk, now=at(2026, 12, 10))
    r.refresh_from_db()
    assert (r.status, r.renewal_status, r.expiry_date) == (
        RecordStatus.CERTIFIED,
        RenewalStatus.NOT_DUE,
        at(2027, 12, 10),
    )


def test_first_certification_with_expiry_method_uses_the_due_date():
    certification = CertificationFactory()  # expiry method, 1 year, window 1 month
    course = CourseFactory()
    CourseSetFactory(certification=certification, courses=[course])
    r = CertificationRecordFactory(certification=certification, due_date=at(2026, 4, 1))
    complete(r.user, course, at(2026, 3, 20))
    record_progress(user_id=r.user_id, certification_id=certification.pk, now=at(2026, 3, 20))
    r.refresh_from_db()
    assert (r.expiry_date, r.window_opens, r.baseline_expiry) == (at(2027, 4, 1), at(2027, 3, 1), at(2027, 4, 1))


def test_progress_without_record_or_without_completions_changes_nothing(six_month_certification):
    certification, course = six_month_certification
    learner = UserFactory()
    assert record_progress(user_id=learner.pk, certification_id=certification.pk, now=at(2026, 1, 1)) is None
    r = CertificationRecordFactory(certification=certification)
    record_progress(user_id=r.user_id, certification_id=certification.pk, now=at(2026, 1, 1))
    r.refresh_from_db()
    assert r.status == RecordStatus.NOT_CERTIFIED
    assert not AuditEvent.objects.exists()


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


def test_completions_held_before_assignment_count_once_assigned():
    certification = CertificationFactory(recertification_method=RecertificationMethod.COMPLETION)
    first, second = CourseFactory.create_batch(2)
    CourseSetFactory(certification=certification, courses=[first, second])
    done, started, fresh = UserFactory.create_batch(3)
    complete(done, first, at(2026, 1, 2))
    complete(done, second, at(2026, 1, 3))
    complete(started, first, at(2026, 1, 2))
    record_assign_many(
        certification_id=certification.pk,
        user_ids=[done.pk, started.pk, fresh.pk],
        now=at(2026, 2, 1),
        actor_label="engine",
    )
    statuses = dict(CertificationRecord.objects.values_list("user_id", "status"))
    assert statuses == {
        done.pk: RecordStatus.CERTIFIED,
        started.pk: RecordStatus.IN_PROGRESS,
        fresh.pk: RecordStatus.NOT_CERTIFIED,
    }
    assert CertificationRecord.objects.get(user=done).expiry_date == at(2027, 1, 3)
    assert AuditEvent.objects.get(user=done, action="certified").actor_label == "engine"


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
