"""Exceptions (DOMAIN §5): the three checks in order, routes in exception don't count, resolutions."""

import datetime as dt

import pytest

from assignments.errors import ResolutionNotAllowed
from assignments.models import (
    AssignmentException,
    DueEvent,
    DueKind,
    ExceptionStatus,
    ExceptionType,
    Resolution,
    RouteState,
)
from assignments.services.engine import assignment_materialise, certification_recompute, learners_recompute
from assignments.services.exceptions import exception_resolve, resolutions_for
from certifications.models import AuditEvent, CertificationPath, CertificationRecord
from directory.models import ProfileDateValue
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import ProfileDateFieldFactory, UserFactory

from .helpers import audience_assignment, route

pytestmark = pytest.mark.django_db


def certification_needing(days: int, *, courses=None):
    certification = CertificationFactory()
    CourseSetFactory(certification=certification, minimum_time_days=days, courses=courses or [CourseFactory()])
    return certification


def fixed(at):
    return {"due_kind": DueKind.FIXED, "due_fixed_at": at}


def open_exception(user):
    return AssignmentException.objects.get(user=user, status=ExceptionStatus.OPEN)


def test_due_date_closer_than_the_time_allowance_raises_time_allowance_and_does_not_assign(now):
    user = UserFactory()
    certification = certification_needing(30)
    assignment = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=10)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).state == RouteState.EXCEPTION
    exception = open_exception(user)
    assert exception.type == ExceptionType.TIME_ALLOWANCE
    assert exception.reason == (
        "The time left until the due date is shorter than the 30 days the certification path "
        "of this certification requires."
    )
    assert exception.raised_at == now
    assert not CertificationRecord.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(user=user, action="exception_raised").count() == 1


def test_a_past_due_date_is_a_time_allowance_exception_even_without_course_sets(now):
    user = UserFactory()
    assignment = audience_assignment([user], **fixed(now - dt.timedelta(days=1)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert open_exception(user).type == ExceptionType.TIME_ALLOWANCE


def test_enough_time_means_no_exception(now):
    user = UserFactory()
    certification = certification_needing(30)
    assignment = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=31)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).state == RouteState.ACTIVE
    assert not AssignmentException.objects.exists()


def test_the_recertification_path_allowance_applies_to_a_learner_on_it(now):
    user = UserFactory()
    certification = certification_needing(5)
    CourseSetFactory(certification=certification, path=CertificationPath.RECERTIFICATION, minimum_time_days=60)
    CertificationRecordFactory(user=user, certification=certification, path=CertificationPath.RECERTIFICATION)
    assignment = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=20)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert open_exception(user).type == ExceptionType.TIME_ALLOWANCE


def test_a_route_in_exception_leaves_the_learner_assigned_through_another_route(now):
    user = UserFactory()
    certification = certification_needing(30)
    short = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=5)))
    fine = audience_assignment([user], certification=certification)
    certification_recompute(certification_id=certification.pk, now=now)
    assert route(short, user).state == RouteState.EXCEPTION
    assert route(fine, user).state == RouteState.ACTIVE
    record = CertificationRecord.objects.get(user=user)
    assert record.due_date is None, "the route in exception does not give its due date"


def test_already_assigned_to_a_certification_sharing_a_course_comes_first(now):
    shared = CourseFactory()
    other = certification_needing(1, courses=[shared])
    certification = certification_needing(30, courses=[shared])
    user = UserFactory()
    CertificationRecordFactory(user=user, certification=other)
    # The due date is also too close: the first check wins.
    assignment = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=1)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    exception = open_exception(user)
    assert exception.type == ExceptionType.ALREADY_ASSIGNED
    assert f"'{other.fullname}'" in exception.reason


def test_completion_time_unknown_when_the_event_course_was_deleted_comes_before_time_allowance(now):
    user = UserFactory()
    certification = certification_needing(30)
    assignment = audience_assignment(
        [user],
        certification=certification,
        due_kind=DueKind.RELATIVE,
        due_amount=1,
        due_unit="days",
        due_event=DueEvent.COURSE_COMPLETION,
        due_event_course=None,
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    exception = open_exception(user)
    assert exception.type == ExceptionType.COMPLETION_TIME_UNKNOWN
    assert "completion of a course that has been deleted" in exception.reason


def test_completion_time_unknown_when_the_profile_value_is_invalid(now):
    field = ProfileDateFieldFactory(name="Licence date")
    invalid, missing = UserFactory(), UserFactory()
    ProfileDateValue.objects.create(user=invalid, field=field, value=None)
    assignment = audience_assignment(
        [invalid, missing],
        due_kind=DueKind.RELATIVE,
        due_amount=1,
        due_unit="days",
        due_event=DueEvent.PROFILE_DATE,
        due_event_profile_field=field,
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert open_exception(invalid).type == ExceptionType.COMPLETION_TIME_UNKNOWN
    assert "'Licence date'" in open_exception(invalid).reason
    assert route(assignment, missing).state == RouteState.ACTIVE, "a missing value is only not yet known"


def test_checks_run_again_when_the_due_date_changes(now):
    user = UserFactory()
    certification = certification_needing(30)
    assignment = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=60)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).state == RouteState.ACTIVE
    # Moved earlier: the learner keeps the date they had (never earlier, issue 10), and stays assigned.
    assignment.due_fixed_at = now + dt.timedelta(days=3)
    assignment.save()
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).state == RouteState.ACTIVE
    assert route(assignment, user).due_date == now + dt.timedelta(days=60)
    # A later date too close (30 days needed) raises it; moved out again, it closes by itself.
    assignment.due_fixed_at = now + dt.timedelta(days=70)
    assignment.save()
    assignment_materialise(assignment_id=assignment.pk, now=now + dt.timedelta(days=50))
    assert route(assignment, user).state == RouteState.EXCEPTION
    assert not CertificationRecord.objects.filter(user=user).exists()
    assignment.due_fixed_at = now + dt.timedelta(days=90)
    assignment.save()
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).state == RouteState.ACTIVE
    assert not AssignmentException.objects.filter(status=ExceptionStatus.OPEN).exists()
    assert CertificationRecord.objects.filter(user=user).exists()


def test_checks_do_not_run_again_while_the_due_date_stays(now):
    """A route that passed keeps counting although time passes (checks run only on reach or due change)."""
    user = UserFactory()
    certification = certification_needing(30)
    assignment = audience_assignment([user], certification=certification, **fixed(now + dt.timedelta(days=40)))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    certification_recompute(certification_id=certification.pk, now=now + dt.timedelta(days=20))
    assert route(assignment, user).state == RouteState.ACTIVE


def in_exception(now, days=10, allowance=30, **fields):
    user = UserFactory()
    certification = certification_needing(allowance)
    assignment = audience_assignment(
        [user], certification=certification, **(fields or fixed(now + dt.timedelta(days=days)))
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    return user, assignment, open_exception(user)


def test_set_realistic_due_date_and_assign(now, admin_user):
    user, assignment, exception = in_exception(now)
    result = exception_resolve(
        certification=assignment.certification,
        exception_ids=[exception.pk],
        resolution=Resolution.REALISTIC_DUE,
        actor=admin_user,
        now=now,
    )
    assert result.resolved == 1
    realistic = now + dt.timedelta(days=30) + dt.timedelta(weeks=1)
    assert route(assignment, user).due_date == realistic
    assert route(assignment, user).state == RouteState.ACTIVE
    assert CertificationRecord.objects.get(user=user).due_date == realistic
    exception.refresh_from_db()
    assert (exception.status, exception.resolution, exception.resolved_by) == (
        ExceptionStatus.RESOLVED,
        Resolution.REALISTIC_DUE,
        admin_user,
    )
    assert AuditEvent.objects.filter(user=user, action="exception_resolved", actor=admin_user).exists()
    # The realistic due date holds through later recomputation.
    assert certification_recompute(certification_id=assignment.certification_id, now=now) == 0


def test_assign_keeps_the_due_date_and_is_not_checked_again(now, admin_user):
    user, assignment, exception = in_exception(now)
    exception_resolve(
        certification=assignment.certification,
        exception_ids=[exception.pk],
        resolution=Resolution.ASSIGN,
        actor=admin_user,
        now=now,
    )
    assert route(assignment, user).due_date == now + dt.timedelta(days=10)
    assert CertificationRecord.objects.get(user=user).due_date == now + dt.timedelta(days=10)
    certification_recompute(certification_id=assignment.certification_id, now=now)
    assert route(assignment, user).state == RouteState.ACTIVE


def test_do_not_assign_dismisses_until_the_due_date_moves_out(now, admin_user):
    user, assignment, exception = in_exception(now)
    exception_resolve(
        certification=assignment.certification,
        exception_ids=[exception.pk],
        resolution=Resolution.DISMISS,
        actor=admin_user,
        now=now,
    )
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.DISMISSED
    assert route(assignment, user).state == RouteState.DISMISSED
    assert not CertificationRecord.objects.filter(user=user).exists()
    # Recomputed, or moved earlier: still dismissed, no new exception.
    certification_recompute(certification_id=assignment.certification_id, now=now)
    assignment.due_fixed_at = now + dt.timedelta(days=5)
    assignment.save()
    learners_recompute(certification_id=assignment.certification_id, user_ids=[user.pk], now=now)
    assert route(assignment, user).state == RouteState.DISMISSED
    assert not AssignmentException.objects.filter(status=ExceptionStatus.OPEN).exists()
    # Moved out (still too close): checked again, a new exception is raised.
    assignment.due_fixed_at = now + dt.timedelta(days=20)
    assignment.save()
    learners_recompute(certification_id=assignment.certification_id, user_ids=[user.pk], now=now)
    assert route(assignment, user).state == RouteState.EXCEPTION
    assert open_exception(user).type == ExceptionType.TIME_ALLOWANCE


def test_resolutions_offered_per_type():
    assert resolutions_for(ExceptionType.TIME_ALLOWANCE) == [
        Resolution.REALISTIC_DUE,
        Resolution.ASSIGN,
        Resolution.DISMISS,
    ]
    assert resolutions_for(ExceptionType.COMPLETION_TIME_UNKNOWN) == [Resolution.REALISTIC_DUE, Resolution.DISMISS]
    assert resolutions_for(ExceptionType.ALREADY_ASSIGNED) == [Resolution.ASSIGN, Resolution.DISMISS]


def test_a_resolution_skips_exceptions_it_is_not_offered_for(now):
    user, assignment, exception = in_exception(
        now, due_kind=DueKind.RELATIVE, due_amount=1, due_unit="days", due_event=DueEvent.COURSE_COMPLETION
    )
    assert exception.type == ExceptionType.COMPLETION_TIME_UNKNOWN
    result = exception_resolve(
        certification=assignment.certification, exception_ids=[exception.pk], resolution=Resolution.ASSIGN, now=now
    )
    assert (result.resolved, result.skipped) == (0, 1)
    assert route(assignment, user).state == RouteState.EXCEPTION


def test_an_unknown_resolution_is_refused(now):
    _, assignment, exception = in_exception(now)
    with pytest.raises(ResolutionNotAllowed):
        exception_resolve(certification=assignment.certification, exception_ids=[exception.pk], resolution="x")


def test_exceptions_of_another_certification_are_not_resolved(now):
    _, assignment, exception = in_exception(now)
    other = CertificationFactory()
    result = exception_resolve(certification=other, exception_ids=[exception.pk], resolution=Resolution.DISMISS)
    assert result.resolved == 0
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN


def test_leaving_the_audience_closes_the_open_exception(now):
    user, assignment, exception = in_exception(now)
    assignment.audience.memberships.all().delete()
    assignment_materialise(assignment_id=assignment.pk, now=now)
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.RESOLVED and exception.route_id is None
