"""Group services: groups, membership by administrators, self-enrolment and withdrawal (DOMAIN.md §4)."""

from datetime import UTC, datetime, timedelta

import pytest

from assignments.models import Assignment, AssignmentType, DueKind, GroupMember, RouteState, UserAssignment
from assignments.services import groups as services
from certifications.models import (
    AuditEvent,
    CertificationRecord,
    CertificationRecordHistory,
    RecordStatus,
    Visibility,
)
from courses.models import CourseCompletion
from tests.enrolment import builders
from tests.factories.courses import CourseCompletionFactory
from tests.factories.directory import AudienceFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_group_create_adds_a_group_assignment():
    cert = builders.certification()
    group = services.group_create(certification=cert, name="  Night shift ", description="d", allow_enrol=True)
    assert group.name == "Night shift"
    assert Assignment.objects.get(group=group).type == AssignmentType.GROUP
    assert group.assignment.certification == cert


def test_group_create_refuses_an_empty_name():
    with pytest.raises(ValueError, match="name"):
        services.group_create(certification=builders.certification(), name="   ")


def test_group_update_changes_name_description_and_flags():
    group = builders.group(allow_enrol=False, allow_withdraw=False)
    services.group_update(group=group, name="New", description="About", allow_enrol=True, allow_withdraw=True)
    group.refresh_from_db()
    assert (group.name, group.description, group.allow_enrol, group.allow_withdraw) == ("New", "About", True, True)


def test_enrol_adds_a_self_enrolment_assigns_and_audits(learner):
    due = NOW + timedelta(days=90)
    group = builders.group(due_kind=DueKind.FIXED, due_fixed_at=due)
    outcome = services.group_enrol(group=group, learner=learner, now=NOW)
    member = GroupMember.objects.get(group=group, user=learner)
    assert member.self_enrolled and member.joined_at == NOW
    assert outcome.assigned and outcome.due_date == due and not outcome.awaiting_administrator
    assert CertificationRecord.objects.get(user=learner, certification=group.certification).due_date == due
    event = AuditEvent.objects.get(user=learner, action="self_enrolled")
    assert event.actor == learner and event.after["group"] == group.name


def test_enrol_twice_keeps_one_membership(learner):
    group = builders.group()
    services.group_enrol(group=group, learner=learner, now=NOW)
    with pytest.raises(services.AlreadyEnrolled):
        services.group_enrol(group=group, learner=learner, now=NOW)
    assert GroupMember.objects.filter(user=learner).count() == 1


def test_at_most_one_self_enrolment_per_certification(learner):
    cert = builders.certification()
    first, second = builders.group(cert), builders.group(cert)
    services.group_enrol(group=first, learner=learner, now=NOW)
    with pytest.raises(services.AlreadyEnrolled):
        services.group_enrol(group=second, learner=learner, now=NOW)
    assert list(GroupMember.objects.filter(user=learner).values_list("group_id", flat=True)) == [first.pk]


def test_self_enrolments_in_two_certifications_are_independent(learner):
    services.group_enrol(group=builders.group(), learner=learner, now=NOW)
    services.group_enrol(group=builders.group(), learner=learner, now=NOW)
    assert GroupMember.objects.filter(user=learner, self_enrolled=True).count() == 2


def test_enrol_refused_when_group_does_not_allow_it(learner):
    group = builders.group(allow_enrol=False)
    with pytest.raises(services.NotEnrollable, match="no longer allows"):
        services.group_enrol(group=group, learner=learner, now=NOW)
    assert not GroupMember.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("visibility", [Visibility.NONE, Visibility.ENROLLED, Visibility.ENROLLED_AND_AUDIENCES])
def test_enrol_refused_when_certification_is_hidden_from_the_learner(learner, visibility):
    group = builders.group(builders.certification(visibility=visibility))
    with pytest.raises(services.NotEnrollable):
        services.group_enrol(group=group, learner=learner, now=NOW)
    assert not GroupMember.objects.exists()


def test_enrol_allowed_for_a_member_of_a_selected_audience(learner):
    cert = builders.certification(visibility=Visibility.ENROLLED_AND_AUDIENCES)
    audience = AudienceFactory()
    audience.members.add(learner)
    cert.visible_audiences.add(audience)
    services.group_enrol(group=builders.group(cert), learner=learner, now=NOW)
    assert GroupMember.objects.filter(user=learner).exists()


@pytest.mark.parametrize(
    "window", [{"available_until": NOW - timedelta(days=1)}, {"available_from": NOW + timedelta(days=1)}]
)
def test_enrol_refused_outside_the_availability_dates_even_for_an_administrator(admin_user, window):
    group = builders.group(builders.certification(**window))
    with pytest.raises(services.NotEnrollable, match="not available"):
        services.group_enrol(group=group, learner=admin_user, now=NOW)


def test_member_added_by_administrator_cannot_self_enrol_in_the_same_group(learner, admin_user):
    group = builders.group()
    services.group_member_add_many(group=group, user_ids=[learner.pk], actor=admin_user, now=NOW)
    with pytest.raises(services.AlreadyEnrolled, match="already a member"):
        services.group_enrol(group=group, learner=learner, now=NOW)
    assert not GroupMember.objects.get(user=learner).self_enrolled


def test_withdraw_removes_the_self_enrolment_and_audits(learner):
    group = builders.group()
    services.group_enrol(group=group, learner=learner, now=NOW)
    services.group_withdraw(group=group, learner=learner, now=NOW + timedelta(days=1))
    assert not GroupMember.objects.exists()
    assert not UserAssignment.objects.filter(user=learner).exists()
    assert not CertificationRecord.objects.filter(user=learner).exists(), "a never-started record is deleted"
    event = AuditEvent.objects.get(action="withdrawn")
    assert event.actor == learner and event.before["group"] == group.name and event.after is None


def test_withdraw_refused_when_the_group_does_not_allow_it(learner):
    group = builders.group(allow_withdraw=False)
    services.group_enrol(group=group, learner=learner, now=NOW)
    with pytest.raises(services.WithdrawalNotAllowed, match="does not allow"):
        services.group_withdraw(group=group, learner=learner, now=NOW)
    assert GroupMember.objects.filter(user=learner).exists()


def test_member_added_by_administrator_cannot_withdraw(learner, admin_user):
    group = builders.group()
    services.group_member_add_many(group=group, user_ids=[learner.pk], actor=admin_user, now=NOW)
    with pytest.raises(services.NotEnrolled):
        services.group_withdraw(group=group, learner=learner, now=NOW)
    assert GroupMember.objects.filter(user=learner).exists()


def test_withdraw_keeps_course_completions_and_history_and_re_enrol_restores(learner):
    group = builders.group()
    services.group_enrol(group=group, learner=learner, now=NOW)
    completion = CourseCompletionFactory(user=learner, completed_at=NOW)
    CertificationRecord.objects.filter(user=learner).update(status=RecordStatus.IN_PROGRESS)
    services.group_withdraw(group=group, learner=learner, now=NOW + timedelta(days=1))
    assert CourseCompletion.objects.filter(pk=completion.pk).exists()
    history = CertificationRecordHistory.objects.get(user=learner)
    assert history.unassigned and history.status == RecordStatus.IN_PROGRESS
    services.group_enrol(group=group, learner=learner, now=NOW + timedelta(days=2))
    assert CertificationRecord.objects.get(user=learner).status == RecordStatus.IN_PROGRESS


def test_withdraw_leaves_an_audience_route_in_place(learner):
    cert = builders.certification()
    audience = AudienceFactory()
    audience.members.add(learner)
    by_audience = Assignment.objects.create(certification=cert, type=AssignmentType.AUDIENCE, audience=audience)
    UserAssignment.objects.create(assignment=by_audience, certification=cert, user=learner, assigned_at=NOW)
    CertificationRecord.objects.create(certification=cert, user=learner, assigned_at=NOW, updated_at=NOW)
    group = builders.group(cert)
    services.group_enrol(group=group, learner=learner, now=NOW)
    assert UserAssignment.objects.filter(user=learner, certification=cert).count() == 2
    services.group_withdraw(group=group, learner=learner, now=NOW)
    assert list(UserAssignment.objects.filter(user=learner).values_list("assignment_id", "state")) == [
        (by_audience.pk, RouteState.ACTIVE)
    ]
    assert CertificationRecord.objects.filter(user=learner, certification=cert).exists()


def test_add_many_adds_only_new_members_and_audits_each(admin_user):
    group = builders.group()
    users = UserFactory.create_batch(3)
    self_enrolled = users[0]
    services.group_enrol(group=group, learner=self_enrolled, now=NOW)
    added = services.group_member_add_many(group=group, user_ids=[u.pk for u in users], actor=admin_user, now=NOW)
    assert added == 2
    assert GroupMember.objects.get(user=self_enrolled).self_enrolled, "an existing self-enrolment stays one"
    assert AuditEvent.objects.filter(action="added", actor=admin_user).count() == 2
    assert UserAssignment.objects.filter(assignment=group.assignment).count() == 3


def test_removing_a_self_enrolled_member_is_audited_as_a_withdrawal(learner, admin_user):
    group = builders.group(allow_withdraw=False)
    services.group_enrol(group=group, learner=learner, now=NOW)
    assert services.group_member_remove(group=group, user_id=learner.pk, actor=admin_user, now=NOW)
    event = AuditEvent.objects.get(action="withdrawn")
    assert event.actor == admin_user and event.before["by_administrator"]
    assert not UserAssignment.objects.filter(user=learner).exists()
    assert not services.group_member_remove(group=group, user_id=learner.pk, actor=admin_user, now=NOW)


def test_group_delete_removes_members_routes_and_audits(admin_user):
    group = builders.group()
    users = UserFactory.create_batch(2)
    services.group_member_add_many(group=group, user_ids=[u.pk for u in users], actor=admin_user, now=NOW)
    assert services.group_delete(group=group, actor=admin_user, now=NOW) == 2
    assert not GroupMember.objects.exists() and not UserAssignment.objects.exists()
    assert not CertificationRecord.objects.exists()
    assert AuditEvent.objects.filter(subject="group_membership", action="removed").count() == 2


def _with_course_set(cert, *, days: int = 0, course=None):
    from certifications.models import CourseSet
    from tests.factories.courses import CourseFactory

    course_set = CourseSet.objects.create(certification=cert, name="Set", minimum_time_days=days)
    course_set.courses.add(course or CourseFactory())
    return course_set


def test_self_enrolment_with_too_little_time_awaits_an_administrator(learner):
    cert = builders.certification()
    _with_course_set(cert, days=30)
    group = builders.group(cert, due_kind=DueKind.FIXED, due_fixed_at=NOW + timedelta(days=5))
    outcome = services.group_enrol(group=group, learner=learner, now=NOW)
    assert outcome.awaiting_administrator and not outcome.assigned
    assert outcome.exception_reason
    assert GroupMember.objects.filter(user=learner, self_enrolled=True).exists()
    assert not CertificationRecord.objects.filter(user=learner).exists(), "a route in exception does not count"
    assert UserAssignment.objects.get(user=learner).state == RouteState.EXCEPTION


def test_self_enrolment_with_a_course_of_another_assigned_certification_awaits_an_administrator(learner):
    from tests.factories.courses import CourseFactory

    shared = CourseFactory()
    first, second = builders.certification(), builders.certification()
    _with_course_set(first, course=shared)
    _with_course_set(second, course=shared)
    services.group_enrol(group=builders.group(first), learner=learner, now=NOW)
    outcome = services.group_enrol(group=builders.group(second), learner=learner, now=NOW)
    assert outcome.awaiting_administrator
    assert UserAssignment.objects.get(user=learner, certification=second).exception_type == "already_assigned"


def test_enough_time_assigns_with_the_due_date(learner):
    cert = builders.certification()
    _with_course_set(cert, days=30)
    due = NOW + timedelta(days=60)
    group = builders.group(cert, due_kind=DueKind.FIXED, due_fixed_at=due)
    outcome = services.group_enrol(group=group, learner=learner, now=NOW)
    assert outcome.assigned and outcome.due_date == due


def test_a_group_whose_assignment_was_removed_takes_no_enrolments_and_can_still_be_deleted(learner, admin_user):
    from assignments.services.rules import assignment_delete

    group = builders.group()
    assignment_delete(assignment=group.assignment, actor=admin_user)
    group = type(group).objects.get(pk=group.pk)
    assert not services.enrollable_groups(certification=group.certification, learner=learner).exists()
    with pytest.raises(services.NotEnrollable):
        services.group_enrol(group=group, learner=learner, now=NOW)
    assert services.group_delete(group=group, actor=admin_user, now=NOW) == 0
