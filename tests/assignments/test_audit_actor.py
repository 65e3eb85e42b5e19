"""Audit rows caused by a directory or course change carry the person who made it, and say what triggered it."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from assignments.models import AssignmentType, DueEvent
from assignments.services.engine import assignment_materialise
from certifications.models import AuditEvent, CertificationRecord
from courses.services import course_complete
from directory.csv_import import JOB_ASSIGNMENTS, directory_import
from directory.models import JobAssignment
from directory.services import (
    audience_members_add,
    audience_members_remove,
    job_assignment_save,
    profile_date_set,
    tree_node_save,
    user_record_first_login,
)
from tests.factories.assignments import AssignmentFactory
from tests.factories.certifications import CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import (
    AudienceFactory,
    OrganisationFactory,
    ProfileDateFieldFactory,
    SiteAdminFactory,
    UserFactory,
)

from .helpers import audience_assignment, relative_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks, now):
    def run(action):
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def audit_of(user) -> set[tuple[int | None, str]]:
    """(actor id, label) of every audit row about ``user``."""
    return set(AuditEvent.objects.filter(user=user).values_list("actor_id", "actor_label"))


def relative(event: str, members, **fields):
    return audience_assignment(members, **relative_due(event, **fields))


def test_audience_member_added_and_removed_carry_the_administrator(committed):
    admin, learner = SiteAdminFactory(), UserFactory()
    audience = AudienceFactory(name="Safety team")
    AssignmentFactory(type=AssignmentType.AUDIENCE, audience=audience)
    committed(lambda: audience_members_add(audience_id=audience.pk, user_ids=[learner.pk], actor_id=admin.pk))
    assert audit_of(learner) == {(admin.pk, "Audience 'Safety team' membership changed")}
    AuditEvent.objects.all().delete()
    committed(lambda: audience_members_remove(audience_id=audience.pk, user_ids=[learner.pk], actor_id=admin.pk))
    assert audit_of(learner) == {(admin.pk, "Audience 'Safety team' membership changed")}


def test_job_assignment_change_carries_the_administrator(committed):
    admin, learner = SiteAdminFactory(), UserFactory()
    organisation = OrganisationFactory()
    AssignmentFactory(type=AssignmentType.ORGANISATION, audience=None, organisation=organisation)
    committed(
        lambda: job_assignment_save(
            job_assignment=JobAssignment(user=learner, organisation=organisation), actor_id=admin.pk
        )
    )
    assert audit_of(learner) == {(admin.pk, "Job assignment changed")}


def test_job_assignments_csv_import_carries_the_importer(committed):
    admin, learner = SiteAdminFactory(), UserFactory(username="ann")
    organisation = OrganisationFactory(idnumber="WARD-3")
    AssignmentFactory(type=AssignmentType.ORGANISATION, audience=None, organisation=organisation)
    text = "username,idnumber,organisation\nann,JA1,WARD-3\n"
    result = committed(lambda: directory_import(kind=JOB_ASSIGNMENTS, text=text, actor_id=admin.pk))
    assert result.ok
    assert audit_of(learner) == {(admin.pk, "Job assignment changed")}


def test_organisation_move_carries_the_administrator(committed):
    admin, learner = SiteAdminFactory(), UserFactory()
    old_parent, new_parent = OrganisationFactory(), OrganisationFactory()
    ward = tree_node_save(node=OrganisationFactory.build(parent=old_parent))
    JobAssignment.objects.create(user=learner, organisation=ward)
    AssignmentFactory(type=AssignmentType.ORGANISATION, audience=None, organisation=new_parent, include_children=True)
    ward.parent = new_parent
    committed(lambda: tree_node_save(node=ward, actor_id=admin.pk))
    assert audit_of(learner) == {(admin.pk, "Job assignment changed")}


def test_first_login_carries_the_learner(committed, now):
    learner = UserFactory()
    relative(DueEvent.FIRST_LOGIN, [learner])
    AuditEvent.objects.all().delete()  # the assignment's own rows
    committed(lambda: user_record_first_login(user_id=learner.pk, at=now))
    assert audit_of(learner) == {(learner.pk, "First login")}


def test_profile_date_change_carries_the_administrator(committed):
    admin, learner = SiteAdminFactory(), UserFactory()
    field = ProfileDateFieldFactory()
    relative(DueEvent.PROFILE_DATE, [learner], due_event_profile_field=field)
    AuditEvent.objects.all().delete()
    committed(
        lambda: profile_date_set(user_id=learner.pk, field_id=field.pk, value=dt.date(2027, 1, 1), actor_id=admin.pk)
    )
    assert audit_of(learner) == {(admin.pk, "Profile date changed")}


def _assigned_with_course(learner):
    course = CourseFactory(allow_self_completion=True)
    set_ = CourseSetFactory(courses=[course])
    assignment_materialise(assignment_id=audience_assignment([learner], certification=set_.certification).pk)
    assert CertificationRecord.objects.filter(user=learner, certification=set_.certification).exists()
    AuditEvent.objects.all().delete()
    return course


def test_course_completion_in_admin_carries_the_administrator(client, committed):
    admin, learner = SiteAdminFactory(is_staff=True, is_superuser=True), UserFactory()
    course = _assigned_with_course(learner)
    response = committed(  # signed in inside the frozen time, so the session is current
        lambda: (
            client.force_login(admin)
            or client.post(
                reverse("admin:courses_coursecompletion_add"),
                {"user": learner.pk, "course": course.pk, "completed_at_0": "2027-02-04", "completed_at_1": "10:00:00"},
            )
        )
    )
    assert response.status_code == 302
    assert audit_of(learner) == {(admin.pk, "Course completed")}


def test_mark_as_complete_carries_the_learner(client, committed):
    learner = UserFactory()
    course = _assigned_with_course(learner)
    response = committed(
        lambda: client.force_login(learner) or client.post(reverse("courses:mark_complete", args=[course.pk]))
    )
    assert response.status_code == 302
    assert audit_of(learner) == {(learner.pk, "Course completed")}


def test_a_completion_recorded_without_an_actor_keeps_the_task_label(committed, now):
    learner = UserFactory()
    course = _assigned_with_course(learner)
    committed(lambda: course_complete(user_id=learner.pk, course_id=course.pk, completed_at=now))
    assert audit_of(learner) == {(None, "certifications.course_progress")}
