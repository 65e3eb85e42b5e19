"""A learner's record through its lifecycle: progress, certification, window, expiry, recertification."""

import datetime as dt

import pytest

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
from tests.certifications.lifecycle_helpers import LABEL, at, complete
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db


def sweep(now):
    return records_window_open(now=now, actor_label=LABEL), records_expire(now=now, actor_label=LABEL)


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
