"""What the API does is what the pages do, for enrolment and administration: the same rows, the
same rules, the same messages (self-enrolment, the catalogue, assignments and their due dates, groups)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from assignments.models import Assignment, AssignmentType, GroupMember, UserAssignment
from certifications.models import AuditEvent, CertificationRecord
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _rows_of(user, certification):
    """Everything an enrolment wrote for one learner, without ids and users."""
    member = GroupMember.objects.filter(user=user, certification=certification).values(
        "group_id", "self_enrolled", "joined_at", "added_by"
    )
    routes = UserAssignment.objects.filter(user=user, certification=certification).values(
        "assignment_id", "state", "due_date", "assigned_at", "exception_type", "resolved"
    )
    records = CertificationRecord.objects.filter(user=user, certification=certification).values(
        "path", "status", "renewal_status", "due_date", "assigned_at"
    )
    audit = AuditEvent.objects.filter(user=user, certification=certification).order_by("id")
    events = [(e.subject, e.action, e.actor_id == user.pk, e.before, _without_user(e.after), e.at) for e in audit]
    return list(member), list(routes), list(records), events


def _without_user(snapshot):
    if isinstance(snapshot, dict):
        return {k: v for k, v in snapshot.items() if k not in {"user", "user_id"}}
    return snapshot


@time_machine.travel(NOW, tick=False)
def test_an_enrolment_through_the_api_writes_what_the_dialog_writes(world, api, client):
    by_dialog, by_api = UserFactory(username="bydialog"), UserFactory(username="byapi")
    client.force_login(by_dialog)
    page = client.post(reverse("enrolment:enrol", args=[world.certification.pk]), {"group": world.group.pk})
    assert page.status_code == 302
    response = api(by_api).post(
        f"/api/v1/certifications/{world.certification.pk}/enrolment/", {"group": world.group.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["assigned"] is True
    dialog_rows, api_rows = _rows_of(by_dialog, world.certification), _rows_of(by_api, world.certification)
    assert dialog_rows == api_rows
    assert all(dialog_rows), "membership, route, record and audit rows were all written"


def test_a_withdrawal_through_the_api_is_the_dialogs(world, api):
    response = api(world.learner).delete(f"/api/v1/certifications/{world.certification.pk}/enrolment/")
    assert response.status_code == 204
    assert not GroupMember.objects.filter(user=world.learner).exists()
    assert AuditEvent.objects.filter(user=world.learner, action="withdrawn", actor=world.learner).exists()


def test_enrolling_twice_gives_the_dialogs_message(world, api):
    response = api(world.learner).post(
        f"/api/v1/certifications/{world.certification.pk}/enrolment/", {"group": world.group.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"code": "already_enrolled", "message": "You are already enrolled in Fire safety."}


def test_a_group_that_no_longer_takes_enrolments_is_refused_as_on_the_page(world, api):
    world.group.allow_enrol = False
    world.group.save()
    response = api(world.other_learner).post(
        f"/api/v1/certifications/{world.certification.pk}/enrolment/", {"group": world.group.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_enrollable"
    assert "no longer allows learners to enrol" in response.json()["message"]


def test_the_detail_offers_the_groups_the_caller_may_enrol_in(world, api):
    detail = api(world.other_learner).get(f"/api/v1/certifications/{world.certification.pk}/").json()
    assert [g["name"] for g in detail["groups_open_for_enrolment"]] == ["Wardens"]
    assert detail["is_assigned"] is True
    enrolled = api(world.learner).get(f"/api/v1/certifications/{world.certification.pk}/").json()
    assert enrolled["groups_open_for_enrolment"] == []
    assert enrolled["is_self_enrolled"] is True


def test_search_finds_by_name(world, api):
    found = api(world.learner).get("/api/v1/certifications/?q=fire").json()["results"]
    assert [c["shortname"] for c in found] == ["FIRE"]
    assert api(world.learner).get("/api/v1/certifications/?q=nothing").json()["results"] == []


# --- Assignments and their due dates ------------------------------------------------------------


def test_an_assignment_is_created_with_a_fixed_due_date_given_with_its_offset(world, api):
    body = {
        "type": "individual",
        "target": world.manager.pk,
        "due": {"kind": "fixed", "fixed_at": "2027-03-01T17:00:00+01:00"},
    }
    response = api(world.admin).post(
        f"/api/v1/certifications/{world.certification.pk}/assignments/", body, format="json"
    )
    assert response.status_code == 201, response.content
    assignment = Assignment.objects.get(pk=response.json()["id"])
    assert assignment.due_fixed_at == dt.datetime(2027, 3, 1, 16, 0, tzinfo=dt.UTC)
    assert UserAssignment.objects.get(assignment=assignment).due_date == assignment.due_fixed_at
    assert response.json()["due"]["fixed_at"].endswith(("+00:00", "Z"))
    assert AuditEvent.objects.filter(subject="assignment", action="created", actor=world.admin).exists()


@pytest.mark.parametrize(
    ("due", "field"),
    [
        ({"kind": "fixed", "fixed_at": "2027-03-01T17:00:00"}, "fixed_at"),
        ({"kind": "fixed"}, "fixed_at"),
        ({"kind": "relative", "amount": 3, "unit": "months"}, "event"),
        ({"kind": "relative", "amount": 3, "unit": "months", "event": "course_completion"}, "course"),
        ({"kind": "fixed", "fixed_at": "1850-01-01T00:00:00Z"}, "fixed_at"),
    ],
)
def test_a_bad_due_date_is_refused_per_field_and_nothing_is_assigned(world, api, due, field):
    body = {"type": "individual", "target": world.manager.pk, "due": due}
    response = api(world.admin).post(
        f"/api/v1/certifications/{world.certification.pk}/assignments/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]["due"]
    assert not Assignment.objects.filter(user=world.manager).exists()


def test_assigning_twice_is_the_tabs_duplicate_message(world, api):
    body = {"type": "individual", "target": world.other_learner.pk}
    response = api(world.admin).post(
        f"/api/v1/certifications/{world.certification.pk}/assignments/", body, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_assignment"


def test_an_unknown_target_is_a_field_error(world, api):
    body = {"type": "audience", "target": 999999}
    response = api(world.admin).post(
        f"/api/v1/certifications/{world.certification.pk}/assignments/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"target": ["No audience with id 999999."]}


def test_removing_an_assignment_removes_its_learners_routes(world, api):
    assignment = world.certification.assignments.get(type=AssignmentType.INDIVIDUAL)
    response = api(world.admin).delete(f"/api/v1/assignments/{assignment.pk}/")
    assert response.json() == {"learners_affected": 1}
    assert not CertificationRecord.objects.filter(user=world.other_learner, certification=world.certification).exists()


def test_a_groups_assignment_is_removed_with_its_group(world, api):
    response = api(world.admin).delete(f"/api/v1/assignments/{world.group.assignment.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "group_assignment"


# --- Groups ---------------------------------------------------------------------------------------


def test_a_group_is_created_with_its_due_date_and_checked_by_the_dialogs_form(world, api):
    path = f"/api/v1/certifications/{world.certification.pk}/groups/"
    body = {
        "name": "  Night shift ",
        "allow_enrol": True,
        "due": {"kind": "relative", "amount": 2, "unit": "weeks", "event": "assignment_date"},
    }
    response = api(world.admin).post(path, body, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "Night shift"
    assert response.json()["due_description"] == "Complete within 2 weeks of Assignment date"
    response = api(world.admin).post(path, {"name": "   "}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"name": ["Name is required."]}


def test_members_added_are_assigned_and_audited(world, api):
    response = api(world.admin).post(
        f"/api/v1/groups/{world.group.pk}/members/", {"users": [world.manager.pk]}, format="json"
    )
    assert response.json() == {"added": 1}
    assert CertificationRecord.objects.filter(user=world.manager, certification=world.certification).exists()
    assert AuditEvent.objects.filter(user=world.manager, subject="group_membership", action="added").exists()
    again = api(world.admin).post(
        f"/api/v1/groups/{world.group.pk}/members/", {"users": [world.manager.pk]}, format="json"
    )
    assert again.status_code == 400
    assert "already a member" in again.json()["fields"]["users"][0]


def test_group_update_keeps_what_is_not_sent(world, api):
    response = api(world.admin).patch(f"/api/v1/groups/{world.group.pk}/", {"allow_withdraw": False}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Wardens" and response.json()["allow_withdraw"] is False
