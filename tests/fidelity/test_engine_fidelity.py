"""The engine behaves like the reference product where learners are at stake (DOMAIN §3, §5; issue 10
points 1–3). Run on PostgreSQL and on SQLite.

1. Shortening a rule never hurts learners already assigned: their effective due date stays, and the
   checks judge it; a realistic due date stays too; learners reached afterwards get the new rule.
2. A resolution is a decision: after **Assign**, a later due date does not raise the exception again.
3. A rule whose event can never give a date raises Completion time unknown for learners already on
   the route too, and the due-date dialog's preview counts them.
"""

import datetime as dt

import pytest
from django.urls import reverse

from assignments.models import (
    AssignmentException,
    DueEvent,
    DueKind,
    ExceptionStatus,
    ExceptionType,
    Resolution,
    RouteState,
    UserAssignment,
)
from assignments.services.engine import assignment_materialise
from assignments.services.exceptions import exception_resolve
from assignments.services.rules import DueRule, assignment_due_update, due_change_preview
from certifications.models import AuditEvent, CertificationRecord
from directory.models import AudienceMember, ProfileDateValue
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import ProfileDateFieldFactory, UserFactory
from tests.factories.reporting_data import NOW

from ..assignments.helpers import audience_assignment, relative_due

pytestmark = pytest.mark.django_db
ALLOWANCE = 21  # days the certification path needs


@pytest.fixture
def certification():
    certification = CertificationFactory(fullname="Forklift safety")
    CourseSetFactory(certification=certification, minimum_time_days=ALLOWANCE, courses=[CourseFactory()])
    return certification


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service as a request would: its outbox work (the recompute) runs once it commits."""

    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call


def weeks_of_assignment_date(n: int) -> DueRule:
    return DueRule(kind=DueKind.RELATIVE, amount=n, unit="weeks", event=DueEvent.ASSIGNMENT_DATE)


def the_route(assignment, user) -> UserAssignment:
    return UserAssignment.objects.get(assignment=assignment, user=user)


def open_exceptions(user):
    return AssignmentException.objects.filter(user=user, status=ExceptionStatus.OPEN)


def assigned(certification, learners, **due):
    """An audience assignment of ``learners`` with ``due``, materialised at ``NOW``."""
    assignment = audience_assignment(learners, certification=certification, **due)
    assignment_materialise(assignment_id=assignment.pk, now=NOW)
    return assignment


def kept(assignment, learner, due_date) -> None:
    """The learner is still assigned through the route, with this due date, and no open exception."""
    route = the_route(assignment, learner)
    assert (route.state, route.due_date) == (RouteState.ACTIVE, due_date)
    assert not open_exceptions(learner).exists()
    assert CertificationRecord.objects.get(user=learner, certification=assignment.certification).due_date == due_date


def resolve(user, resolution: str, admin_user, now=NOW):
    exception = open_exceptions(user).get()
    exception_resolve(
        certification=exception.certification,
        exception_ids=[exception.pk],
        resolution=resolution,
        actor=admin_user,
        now=now,
    )


# --- 1. Shortening a rule never hurts learners already assigned ---------------------------------


def test_shortening_a_rule_keeps_assigned_learners_and_their_due_date(certification, admin_user, run):
    learner = UserFactory()
    assignment = assigned(certification, [learner], **relative_due(DueEvent.ASSIGNMENT_DATE, 5, "weeks"))
    five_weeks = NOW + dt.timedelta(weeks=5)
    assert the_route(assignment, learner).due_date == five_weeks

    run(assignment_due_update, assignment=assignment, due=weeks_of_assignment_date(2), actor=admin_user, now=NOW)

    kept(assignment, learner, five_weeks)
    assert not AuditEvent.objects.filter(user=learner, action__in=("exception_raised", "deleted")).exists()

    # Learners reached afterwards get the new rule (2 weeks, shorter than the 21 days needed).
    newcomer = UserFactory()
    AudienceMember.objects.create(audience=assignment.audience, user=newcomer)
    later = NOW + dt.timedelta(days=1)
    assignment_materialise(assignment_id=assignment.pk, now=later)
    assert the_route(assignment, newcomer).due_date == later + dt.timedelta(weeks=2)
    assert open_exceptions(newcomer).get().type == ExceptionType.TIME_ALLOWANCE
    assert the_route(assignment, learner).due_date == five_weeks


def test_a_realistic_due_date_stays_when_the_rule_is_shortened(certification, admin_user, run):
    learner = UserFactory()
    assignment = assigned(certification, [learner], **relative_due(DueEvent.ASSIGNMENT_DATE, 2, "weeks"))
    resolve(learner, Resolution.REALISTIC_DUE, admin_user)
    realistic = NOW + dt.timedelta(days=ALLOWANCE, weeks=1)
    assert the_route(assignment, learner).due_date == realistic

    run(assignment_due_update, assignment=assignment, due=weeks_of_assignment_date(1), actor=admin_user, now=NOW)

    kept(assignment, learner, realistic)


def test_moving_a_fixed_date_earlier_keeps_assigned_learners(certification, admin_user, run):
    learner = UserFactory()
    first = NOW + dt.timedelta(days=60)
    assignment = audience_assignment([learner], certification=certification, due_kind=DueKind.FIXED, due_fixed_at=first)
    assignment_materialise(assignment_id=assignment.pk, now=NOW)
    earlier = DueRule(kind=DueKind.FIXED, fixed_at=NOW + dt.timedelta(days=3))
    run(assignment_due_update, assignment=assignment, due=earlier, actor=admin_user, now=NOW)
    route = the_route(assignment, learner)
    assert (route.state, route.due_date) == (RouteState.ACTIVE, first)


# --- 2. A resolution is a decision -----------------------------------------------------------------


def test_after_assign_a_later_due_date_does_not_raise_the_exception_again(certification, admin_user, run):
    learner = UserFactory()
    assignment = assigned(certification, [learner], **relative_due(DueEvent.ASSIGNMENT_DATE, 2, "weeks"))
    resolve(learner, Resolution.ASSIGN, admin_user)
    assert the_route(assignment, learner).state == RouteState.ACTIVE

    # Three weeks less a day: more time than before, still less than the 21 days needed.
    longer = DueRule(kind=DueKind.RELATIVE, amount=20, unit="days", event=DueEvent.ASSIGNMENT_DATE)
    run(assignment_due_update, assignment=assignment, due=longer, actor=admin_user, now=NOW)

    route = the_route(assignment, learner)
    assert (route.state, route.due_date) == (RouteState.ACTIVE, NOW + dt.timedelta(days=20))
    assert not open_exceptions(learner).exists()
    assert CertificationRecord.objects.filter(user=learner, certification=certification).exists()


# --- 3. Completion time unknown for learners already on the route ---------------------------------


def test_a_rule_whose_profile_value_is_invalid_raises_the_exception_for_assigned_learners(
    certification, admin_user, run
):
    field = ProfileDateFieldFactory(name="Licence date")
    invalid, valid = UserFactory(), UserFactory()
    ProfileDateValue.objects.create(user=invalid, field=field, value=None)
    ProfileDateValue.objects.create(user=valid, field=field, value=dt.date(2026, 9, 1))
    assignment = audience_assignment(
        [invalid, valid], certification=certification, **relative_due(DueEvent.FIRST_LOGIN, 3, "months")
    )
    assignment_materialise(assignment_id=assignment.pk, now=NOW)
    assert the_route(assignment, invalid).due_date is None  # Not yet known: no first login

    licence = DueRule(kind=DueKind.RELATIVE, amount=2, unit="months", event=DueEvent.PROFILE_DATE, target=field)
    assert due_change_preview(assignment=assignment, due=licence, now=NOW)["exceptions"] == 1
    run(assignment_due_update, assignment=assignment, due=licence, actor=admin_user, now=NOW)

    assert the_route(assignment, invalid).state == RouteState.EXCEPTION
    assert open_exceptions(invalid).get().type == ExceptionType.COMPLETION_TIME_UNKNOWN
    assert not CertificationRecord.objects.filter(user=invalid, certification=certification).exists()
    assert the_route(assignment, valid).state == RouteState.ACTIVE


def test_the_due_date_dialog_counts_the_learners_who_would_fall_into_exception(client, certification, admin_user):
    field = ProfileDateFieldFactory(name="Licence date")
    learners = UserFactory.create_batch(3)
    for learner in learners[:2]:
        ProfileDateValue.objects.create(user=learner, field=field, value=None)
    assignment = audience_assignment(
        learners, certification=certification, **relative_due(DueEvent.FIRST_LOGIN, 3, "months")
    )
    assignment_materialise(assignment_id=assignment.pk, now=NOW)
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:due_date", args=[assignment.pk]),
        {
            "kind": DueKind.RELATIVE,
            "amount": 2,
            "unit": "months",
            "event": DueEvent.PROFILE_DATE,
            "profile_field": field.pk,
        },
    )
    html = response.content.decode()
    assert "<strong>2</strong> would fall into exception" in html


@pytest.mark.parametrize("deleted", ["course", "certification"])
def test_deleting_the_event_of_a_rule_raises_the_exception_for_assigned_learners(
    certification, admin_user, run, deleted
):
    """The event's course or certification is deleted: the rule can never give a date. The learner, on
    this route only, falls into Completion time unknown; the route change and the record's removal are
    audited (issue 10 point 7)."""
    learner = UserFactory()
    if deleted == "course":
        target = CourseFactory(fullname="Induction")
        due = relative_due(DueEvent.COURSE_COMPLETION, 1, "months", due_event_course=target)
    else:
        target = CertificationFactory(fullname="Induction")
        due = relative_due(DueEvent.CERTIFICATION_COMPLETION, 1, "months", due_event_certification=target)
    assignment = audience_assignment([learner], certification=certification, **due)
    assignment_materialise(assignment_id=assignment.pk, now=NOW)
    assert the_route(assignment, learner).state == RouteState.ACTIVE

    run(target.delete)

    assert the_route(assignment, learner).state == RouteState.EXCEPTION
    assert open_exceptions(learner).get().type == ExceptionType.COMPLETION_TIME_UNKNOWN
    assert not CertificationRecord.objects.filter(user=learner, certification=certification).exists()
    logged = set(AuditEvent.objects.filter(user=learner).values_list("subject", "action"))
    assert {("route", "exception_raised"), ("record", "deleted")} <= logged
