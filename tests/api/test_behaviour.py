"""What the API does is what the pages do: the same rows, the same rules, the same messages."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ImportedCompletion
from assignments.models import Assignment, AssignmentType, GroupMember, UserAssignment
from certifications.models import AuditEvent, CertificationRecord, RecordStatus
from courses.models import CourseCompletion
from tests.factories.certifications import CertificationRecordFactory
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


# --- Records: filters and keyset pages --------------------------------------------------------------


def test_records_filter_by_status_due_date_and_assignment_type(world, api):
    CertificationRecord.objects.filter(user=world.learner).update(due_date=NOW, status=RecordStatus.IN_PROGRESS)
    path = f"/api/v1/certifications/{world.certification.pk}/records/"
    client = api(world.admin)

    def names(query):
        response = client.get(path + query)
        assert response.status_code == 200, response.content
        return {row["user"]["username"] for row in response.json()["results"]}

    assert names("?status=in_progress") == {"apilearner"}
    assert names("?status=not_certified") == {"apiother"}
    assert names("?assignment_type=group") == {"apilearner"}
    assert names("?assignment_type=individual") == {"apiother"}
    assert names("?due_after=2026-12-01T09:00:00Z") == {"apilearner"}
    assert names("?due_before=2026-12-01T09:00:00Z") == set()
    assert names("?due_before=2026-12-01T10:00:00%2B01:00") == set()
    bad = client.get(path + "?status=bogus&due_after=yesterday")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"status", "due_after"}


def test_record_dates_are_iso_8601_with_an_offset(world, api):
    CertificationRecord.objects.filter(user=world.learner).update(due_date=NOW)
    row = api(world.learner).get("/api/v1/me/records/").json()["results"][0]
    assert row["due_date"] == "2026-12-01T09:00:00Z"
    assert dt.datetime.fromisoformat(row["assigned_at"]).tzinfo is not None


def test_keyset_pages_walk_every_record_once_at_the_same_query_count(world, api):
    for n in range(7):
        CertificationRecordFactory(user=UserFactory(username=f"walker{n}"), certification=world.certification)
    client = api(world.admin)
    path = f"/api/v1/certifications/{world.certification.pk}/records/?limit=3"
    seen, after, counts = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(path + (f"&after={after}" if after else "")).json()
        counts.append(len(queries))
        seen += [row["id"] for row in page["results"]]
        after = page["next_after"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 9
    assert seen == sorted(seen)
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 10


# --- Course completions import ----------------------------------------------------------------------


def _completion(external_id="c1", user="apilearner", course="EXT", completed_at="2026-11-30T09:00:00+00:00"):
    return {"external_id": external_id, "user": user, "course": course, "completed_at": completed_at}


def test_completions_import_is_idempotent_by_external_id(world, api):
    client = api(world.admin)
    body = {"completions": [_completion(), _completion("c2", user="apiother")]}
    assert client.post("/api/v1/course-completions/", body, format="json").json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert client.post("/api/v1/course-completions/", body, format="json").json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
    }
    corrected = {"completions": [_completion(completed_at="2026-11-29T09:00:00Z")]}
    assert client.post("/api/v1/course-completions/", corrected, format="json").json()["updated"] == 1
    completion = CourseCompletion.objects.get(user=world.learner, course=world.course)
    assert completion.completed_at == dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
    assert CourseCompletion.objects.count() == 2


def test_an_import_with_bad_rows_reports_each_and_writes_nothing(world, api):
    body = {
        "completions": [
            _completion(),
            _completion("c2", user="nobody"),
            _completion("c3", course="NOPE", completed_at="yesterday"),
            _completion("c1"),
            {"external_id": "c5"},
        ]
    }
    response = api(world.admin).post("/api/v1/course-completions/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid_rows"
    assert data["message"] == "4 row(s) are invalid; nothing was imported."
    by_index = {row["index"]: row for row in data["rows"]}
    assert set(by_index) == {1, 2, 3, 4}
    assert by_index[1]["errors"] == {"user": ["No active user has the username 'nobody'."]}
    assert "completed_at" in by_index[2]["errors"]
    assert by_index[3]["errors"] == {"external_id": ["This external id is given twice in this request."]}
    assert set(by_index[4]["errors"]) == {"user", "course", "completed_at"}
    assert not CourseCompletion.objects.exists()
    assert not ImportedCompletion.objects.exists()


def test_an_external_id_cannot_move_to_another_learner(world, api):
    client = api(world.admin)
    client.post("/api/v1/course-completions/", {"completions": [_completion()]}, format="json")
    response = client.post(
        "/api/v1/course-completions/", {"completions": [_completion(user="apiother")]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rows"][0]["errors"]["external_id"][0].startswith("This external id was imported before")


def test_an_imported_completion_reaches_the_learners_certification(world, api, django_capture_on_commit_callbacks):
    """The import goes through course_complete, so the certification hears of it like any completion."""
    from certifications.models import CourseSet

    course_set = CourseSet.objects.create(certification=world.certification)
    course_set.courses.add(world.course)
    with django_capture_on_commit_callbacks(execute=True):
        api(world.admin).post("/api/v1/course-completions/", {"completions": [_completion()]}, format="json")
    record = CertificationRecord.objects.get(user=world.learner, certification=world.certification)
    assert record.status == RecordStatus.CERTIFIED


# --- Exceptions, reports -----------------------------------------------------------------------------


def test_exceptions_are_listed_and_resolved_as_on_the_tab(world, api):
    from assignments.models import AssignmentException, ExceptionStatus, ExceptionType, RouteState

    route = UserAssignment.objects.get(user=world.other_learner, certification=world.certification)
    route.state = RouteState.EXCEPTION
    route.save()
    exception = AssignmentException.objects.create(
        route=route,
        assignment=route.assignment,
        certification=world.certification,
        user=world.other_learner,
        type=ExceptionType.TIME_ALLOWANCE,
        reason="Not enough time.",
        raised_at=NOW,
    )
    client = api(world.admin)
    listed = client.get(f"/api/v1/certifications/{world.certification.pk}/exceptions/").json()["results"]
    assert [(e["id"], e["route_type"], e["resolutions"]) for e in listed] == [
        (exception.pk, "Individual", ["realistic_due", "assign", "dismiss"])
    ]
    response = client.post(
        f"/api/v1/certifications/{world.certification.pk}/exceptions/resolve/",
        {"resolution": "assign", "exceptions": [exception.pk]},
        format="json",
    )
    assert response.json() == {"resolved": 1, "skipped": 0}
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.RESOLVED and exception.resolved_by == world.admin


def test_report_rows_page_by_keyset_with_the_pages_filters(world, api):
    world.report.filters = ["status"]
    world.report.save()
    client = api(world.admin)
    rows = client.get(f"/api/v1/reports/{world.report.pk}/rows/").json()
    assert [c["key"] for c in rows["columns"]] == [
        "user_name",
        "certification_fullname",
        "path",
        "status",
        "due_date",
        "progress",
    ]
    assert len(rows["rows"]) == 2 and rows["next_cursor"] is None
    assert rows["rows"][0]["values"]["status"] == "not_certified"
    assert rows["rows"][0]["cells"][3] == "Not certified"
    CertificationRecord.objects.filter(user=world.learner).update(status=RecordStatus.IN_PROGRESS)
    filtered = client.get(f"/api/v1/reports/{world.report.pk}/rows/?status=in_progress").json()
    assert [row["values"]["user_name"] for row in filtered["rows"]] == ["Ada Lovelace"]


def test_a_report_exports_as_a_stream(world, api):
    response = api(world.learner).get(f"/api/v1/reports/{world.report.pk}/export/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # the CSV starts with a byte order mark
    assert body.splitlines()[0].startswith("User's name")
    assert len(body.splitlines()) == 2, "a learner sees only their own row"
    assert api(world.learner).get(f"/api/v1/reports/{world.report.pk}/export/pdf/").status_code == 404


# --- Errors -----------------------------------------------------------------------------------------


def test_errors_are_json_with_a_code_and_a_message(world, api):
    client = api(world.admin)
    assert client.get("/api/v1/nowhere/").json() == {"code": "not_found", "message": "Not found."}
    malformed = client.post(
        f"/api/v1/certifications/{world.certification.pk}/groups/", "{not json", content_type="application/json"
    )
    assert malformed.status_code == 400 and malformed.json()["code"] == "malformed_request"
    form = client.post(f"/api/v1/certifications/{world.certification.pk}/groups/", {"name": "x"})
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    method = client.put("/api/v1/certifications/", {}, format="json")
    assert method.status_code == 405 and method.json()["code"] == "method_not_allowed"
    anonymous = api().get("/api/v1/certifications/")
    assert anonymous.json()["code"] == "not_authenticated"
