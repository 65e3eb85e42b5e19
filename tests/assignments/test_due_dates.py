"""Assignment due dates (DOMAIN §3): fixed, relative to each event, "Not yet known", latest wins, never earlier."""

import datetime as dt

import pytest
import time_machine

from assignments.models import AssignmentType, DueEvent, DueKind, GroupMember
from assignments.selectors import NOT_YET_KNOWN, routes_for_learner
from assignments.services.engine import assignment_materialise, certification_recompute
from certifications.models import CertificationRecord, CertificationRecordHistory, RecordStatus
from courses.services import course_complete
from directory.models import LearnerProfile
from directory.services import profile_date_set, user_record_first_login
from tests.factories.assignments import AssignmentFactory, GroupFactory
from tests.factories.certifications import CertificationFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import JobAssignmentFactory, PositionFactory, ProfileDateFieldFactory, UserFactory

from .helpers import audience_assignment, route

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def record_due(user):
    return CertificationRecord.objects.get(user=user).due_date


def relative(amount, unit, event, **targets):
    return {"due_kind": DueKind.RELATIVE, "due_amount": amount, "due_unit": unit, "due_event": event, **targets}


def test_fixed_due_date_is_the_routes_and_the_records(now):
    user = UserFactory()
    fixed = dt.datetime(2027, 12, 31, 17, 0, tzinfo=UTC)
    assignment = audience_assignment([user], due_kind=DueKind.FIXED, due_fixed_at=fixed)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date == fixed
    assert record_due(user) == fixed


def test_no_due_date_leaves_the_record_without_one(now):
    user = UserFactory()
    assignment = audience_assignment([user])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert record_due(user) is None
    assert routes_for_learner(user=user, certification=assignment.certification)[0].due_text == "No due date"


def test_assignment_date_counts_from_when_the_route_reached_the_learner(now):
    user = UserFactory()
    assignment = audience_assignment([user], **relative(2, "weeks", DueEvent.ASSIGNMENT_DATE))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert record_due(user) == now + dt.timedelta(weeks=2)
    # A later run does not move it: the route's assignment date stays.
    assignment_materialise(assignment_id=assignment.pk, now=now + dt.timedelta(days=3))
    assert route(assignment, user).due_date == now + dt.timedelta(weeks=2)


def test_months_are_calendar_months_clamped_to_the_month_end():
    user = UserFactory()
    jan31 = dt.datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    assignment = audience_assignment([user], **relative(1, "months", DueEvent.ASSIGNMENT_DATE))
    assignment_materialise(assignment_id=assignment.pk, now=jan31)
    assert route(assignment, user).due_date == dt.datetime(2027, 2, 28, 12, 0, tzinfo=UTC)


def test_group_assignment_date_is_when_the_learner_joined(now):
    group = GroupFactory()
    user = UserFactory()
    joined = dt.datetime(2027, 2, 1, tzinfo=UTC)
    GroupMember.objects.create(group=group, certification=group.certification, user=user, joined_at=joined)
    assignment = AssignmentFactory(
        certification=group.certification,
        type=AssignmentType.GROUP,
        audience=None,
        group=group,
        **relative(1, "years", DueEvent.ASSIGNMENT_DATE),
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date == dt.datetime(2028, 2, 1, tzinfo=UTC)


def test_first_login_unknown_then_filled_in_when_the_learner_signs_in(now, django_capture_on_commit_callbacks):
    user = UserFactory()
    assignment = audience_assignment([user], **relative(30, "days", DueEvent.FIRST_LOGIN))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert CertificationRecord.objects.filter(user=user).exists(), "assigned although the event is unknown"
    assert record_due(user) is None
    [learner_route] = routes_for_learner(user=user, certification=assignment.certification)
    assert learner_route.due_text == NOT_YET_KNOWN

    login = now + dt.timedelta(days=2)
    with time_machine.travel(login, tick=False), django_capture_on_commit_callbacks(execute=True):
        user_record_first_login(user_id=user.pk, at=login)
    assert record_due(user) == login + dt.timedelta(days=30)
    assert routes_for_learner(user=user, certification=assignment.certification)[0].due_text == ""


@pytest.mark.parametrize(
    "event,column", [(DueEvent.POSITION_ASSIGNED, "position_assigned_date"), (DueEvent.JOB_START, "start_date")]
)
def test_position_events_use_the_job_assignment_date_of_that_position(now, event, column):
    position, other = PositionFactory(), PositionFactory()
    user = UserFactory()
    JobAssignmentFactory(user=user, position=position, **{column: dt.date(2027, 2, 10)})
    JobAssignmentFactory(user=user, position=other, **{column: dt.date(2027, 1, 1)})
    assignment = audience_assignment([user], **relative(3, "months", event, due_event_position=position))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date == dt.datetime(2027, 5, 10, tzinfo=UTC)


def test_course_completion_event_fills_in_when_the_course_is_completed(now, django_capture_on_commit_callbacks):
    course = CourseFactory()
    user = UserFactory()
    assignment = audience_assignment(
        [user], **relative(10, "days", DueEvent.COURSE_COMPLETION, due_event_course=course)
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date is None
    done = now + dt.timedelta(days=1)
    with time_machine.travel(done, tick=False), django_capture_on_commit_callbacks(execute=True):
        course_complete(user_id=user.pk, course_id=course.pk, completed_at=done)
    assert route(assignment, user).due_date == done + dt.timedelta(days=10)
    assert record_due(user) == done + dt.timedelta(days=10)


def test_certification_completion_event_uses_the_other_certifications_completion(now):
    other = CertificationFactory()
    user = UserFactory()
    completed = dt.datetime(2027, 1, 15, tzinfo=UTC)
    CertificationRecordHistory.objects.create(
        user=user, certification=other, status=RecordStatus.CERTIFIED, completion_date=completed, archived_at=now
    )
    assignment = audience_assignment(
        [user], **relative(1, "years", DueEvent.CERTIFICATION_COMPLETION, due_event_certification=other)
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date == dt.datetime(2028, 1, 15, tzinfo=UTC)


def test_profile_field_date_follows_the_value(now, django_capture_on_commit_callbacks):
    field = ProfileDateFieldFactory()
    user = UserFactory()
    assignment = audience_assignment(
        [user], **relative(1, "months", DueEvent.PROFILE_DATE, due_event_profile_field=field)
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date is None
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        profile_date_set(user_id=user.pk, field_id=field.pk, value=dt.date(2027, 6, 1))
    assert route(assignment, user).due_date == dt.datetime(2027, 7, 1, tzinfo=UTC)


def test_latest_route_wins_and_recomputation_never_moves_the_due_date_earlier(now):
    user = UserFactory()
    early = dt.datetime(2027, 9, 1, tzinfo=UTC)
    late = dt.datetime(2027, 11, 1, tzinfo=UTC)
    first = audience_assignment([user], due_kind=DueKind.FIXED, due_fixed_at=early)
    second = audience_assignment([user], certification=first.certification, due_kind=DueKind.FIXED, due_fixed_at=late)
    certification_recompute(certification_id=first.certification_id, now=now)
    assert record_due(user) == late

    second.due_fixed_at = dt.datetime(2027, 10, 1, tzinfo=UTC)
    second.save()
    certification_recompute(certification_id=first.certification_id, now=now)
    assert route(second, user).due_date == late, "automatic recomputation never moves a due date earlier"
    assert record_due(user) == late


def test_first_login_already_known_gives_the_date_at_once(now):
    user = UserFactory()
    login = dt.datetime(2027, 2, 1, 8, 30, tzinfo=UTC)
    LearnerProfile.objects.create(user=user, first_login_at=login)
    assignment = audience_assignment([user], **relative(2, "months", DueEvent.FIRST_LOGIN))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert record_due(user) == dt.datetime(2027, 4, 1, 8, 30, tzinfo=UTC)
