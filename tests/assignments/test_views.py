"""The Assignments and Exceptions tabs: permission matrix, query counts, pickers, dialogs, resolutions."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse

from assignments.models import (
    Assignment,
    AssignmentException,
    AssignmentType,
    DueKind,
    ExceptionStatus,
    RecomputeJob,
    Resolution,
    RouteState,
    UserAssignment,
)
from assignments.services.engine import assignment_materialise
from certifications.models import CertificationRecord
from directory.models import LearnerProfile
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.directory import AudienceFactory, JobAssignmentFactory, OrganisationFactory, UserFactory

from .helpers import audience_assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def certification():
    return CertificationFactory()


@pytest.fixture
def assignment(certification, now):
    assignment = audience_assignment(UserFactory.create_batch(2), certification=certification)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    return assignment


def urls(certification, assignment):
    return [
        ("get", reverse("assignments:tab", args=[certification.pk])),
        ("get", reverse("assignments:jobs", args=[certification.pk])),
        ("get", reverse("assignments:add", args=[certification.pk, "audience"])),
        ("get", reverse("assignments:due_date", args=[assignment.pk])),
        ("get", reverse("assignments:delete", args=[assignment.pk])),
        ("get", reverse("assignments:exceptions", args=[certification.pk])),
        ("post", reverse("assignments:exceptions_resolve", args=[certification.pk])),
        ("post", reverse("assignments:recompute", args=[certification.pk])),
    ]


def test_anonymous_is_sent_to_login(client, certification, assignment):
    for method, url in urls(certification, assignment):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


@pytest.mark.parametrize("who", ["learner", "manager", "assigned learner"])
def test_everyone_but_site_administrators_gets_404(client, certification, assignment, who):
    if who == "learner":
        user = UserFactory()
    elif who == "manager":
        user = UserFactory()
        JobAssignmentFactory(manager=user)
    else:
        user = UserAssignment.objects.filter(assignment=assignment).first().user
    client.force_login(user)
    for method, url in urls(certification, assignment):
        assert getattr(client, method)(url).status_code == 404, url
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_missing_certification_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("assignments:tab", args=[999999])).status_code == 404
    assert client.get(reverse("assignments:add", args=[999999, "audience"])).status_code == 404


def test_tab_lists_assignments_with_type_name_due_date_and_learners(client, admin_user, certification, assignment):
    client.force_login(admin_user)
    response = client.get(reverse("assignments:tab", args=[certification.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert assignment.audience.name in body and "No due date" in body
    assert ">2<" in body.replace(" ", "") or "<td>2" in body.replace(" ", "")
    for label in ["Audience", "Organisation", "Position", "Manager", "Individual", "Group"]:
        assert f">{label}</a>" in body, label
    assert reverse("assignments:group_create", args=[certification.pk]) in body


def test_tab_query_count_does_not_grow_with_assignments(
    client, admin_user, certification, now, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for _ in range(3):
        audience_assignment(UserFactory.create_batch(2), certification=certification)
    OrganisationFactory()
    Assignment.objects.create(
        certification=certification, type=AssignmentType.ORGANISATION, organisation=OrganisationFactory()
    )
    Assignment.objects.create(certification=certification, type=AssignmentType.INDIVIDUAL, user=UserFactory())
    url = reverse("assignments:tab", args=[certification.pk])
    client.get(url)
    with django_assert_max_num_queries(9):  # 8, and the enrolment requests awaiting approval (one query)
        client.get(url)
    for _ in range(5):
        audience_assignment([], certification=certification)
    with django_assert_max_num_queries(9):
        client.get(url)


def test_adding_an_audience_assigns_its_members_in_the_background_with_a_job(
    client, admin_user, certification, django_capture_on_commit_callbacks
):
    members = UserFactory.create_batch(3)
    audience = AudienceFactory(name="Safety team")
    for user in members:
        audience.memberships.create(user=user)
    client.force_login(admin_user)
    picker = client.get(reverse("assignments:add", args=[certification.pk, "audience"]), {"q": "Safety"})
    assert "Safety team" in picker.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assignments:add", args=[certification.pk, "audience"]), {"targets": [audience.pk]}
        )
    assert response.status_code == 302
    assignment = Assignment.objects.get(certification=certification, audience=audience)
    assert assignment.created_by == admin_user
    assert CertificationRecord.objects.filter(certification=certification).count() == 3
    job = RecomputeJob.objects.get(assignment=assignment)
    assert job.status == RecomputeJob.Status.DONE and job.done == job.total
    # The same audience again is refused.
    response = client.post(reverse("assignments:add", args=[certification.pk, "audience"]), {"targets": [audience.pk]})
    assert "already assigned" in response.content.decode()


def test_adding_an_organisation_with_children(client, admin_user, certification, django_capture_on_commit_callbacks):
    top = OrganisationFactory(name="Head office")
    child = OrganisationFactory(parent=top)
    user = UserFactory()
    JobAssignmentFactory(user=user, organisation=child)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assignments:add", args=[certification.pk, "organisation"]),
            {"targets": [top.pk], "include_children": "on"},
        )
    assert Assignment.objects.get(organisation=top).include_children
    assert UserAssignment.objects.filter(user=user).exists()


def test_adding_individuals_assigns_them_at_once(client, admin_user, certification):
    user = UserFactory(first_name="Ida")
    client.force_login(admin_user)
    picker = client.get(reverse("assignments:add", args=[certification.pk, "individual"]), {"q": "Ida"})
    assert "Ida" in picker.content.decode()
    client.post(reverse("assignments:add", args=[certification.pk, "individual"]), {"targets": [user.pk]})
    assert CertificationRecord.objects.filter(user=user, certification=certification).exists()


def test_manager_picker_offers_managers_only(client, admin_user, certification):
    boss = UserFactory(first_name="Bossy")
    UserFactory(first_name="Plainy")
    JobAssignmentFactory(manager=boss)
    client.force_login(admin_user)
    body = client.get(reverse("assignments:add", args=[certification.pk, "manager"])).content.decode()
    assert "Bossy" in body and "Plainy" not in body
    assert "Include children" in body


def test_due_date_dialog_previews_then_saves_in_the_administrators_timezone(
    client, admin_user, certification, django_capture_on_commit_callbacks
):
    CourseSetFactory(certification=certification, minimum_time_days=30)
    users = UserFactory.create_batch(2)
    assignment = audience_assignment(users, certification=certification)
    assignment_materialise(assignment_id=assignment.pk)
    LearnerProfile.objects.create(user=admin_user, timezone="Europe/Paris")
    client.force_login(admin_user)
    url = reverse("assignments:due_date", args=[assignment.pk])
    soon = (dt.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")) + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    preview = client.post(url, {"kind": "fixed", "fixed_at": soon})
    body = preview.content.decode()
    assert "moves the due date of <strong>2</strong> learner(s)" in body
    assert "<strong>2</strong> would fall into exception" in body
    assignment.refresh_from_db()
    assert assignment.due_kind == DueKind.NONE, "a preview saves nothing"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"kind": "fixed", "fixed_at": soon, "confirm": "1"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    expected = dt.datetime.strptime(soon, "%Y-%m-%dT%H:%M").replace(tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    assert assignment.due_fixed_at == expected
    assert AssignmentException.objects.filter(assignment=assignment, status=ExceptionStatus.OPEN).count() == 2
    # Re-opening shows the saved values, in the administrator's timezone.
    reopened = client.get(url).content.decode()
    assert f'value="{soon}"' in reopened
    assert re.search(r'<input[^>]*value="fixed"[^>]*checked', reopened)


def test_relative_due_date_needs_its_event_target(client, admin_user, assignment):
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:due_date", args=[assignment.pk]),
        {"kind": "relative", "amount": "3", "unit": "months", "event": "course_completion"},
    )
    assert "Choose what the event refers to." in response.content.decode()


def test_removing_asks_with_the_number_of_learners_then_unassigns(client, admin_user, certification, assignment):
    client.force_login(admin_user)
    url = reverse("assignments:delete", args=[assignment.pk])
    body = client.get(url).content.decode()
    assert "reaches <strong>2</strong> learner(s)" in body
    client.post(url)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert not CertificationRecord.objects.filter(certification=certification).exists()


def test_jobs_fragment_polls_while_a_job_runs(client, admin_user, certification):
    client.force_login(admin_user)
    RecomputeJob.objects.create(
        certification=certification, description="Assigning X", status=RecomputeJob.Status.RUNNING, total=4, done=1
    )
    body = client.get(reverse("assignments:jobs", args=[certification.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and "1 of 4 batches" in body
    RecomputeJob.objects.update(status=RecomputeJob.Status.DONE)
    body = client.get(reverse("assignments:jobs", args=[certification.pk])).content.decode()
    assert "hx-trigger" not in body


def exceptions_for(certification, count, now):
    users = UserFactory.create_batch(count)
    assignment = audience_assignment(
        users, certification=certification, due_kind=DueKind.FIXED, due_fixed_at=now - dt.timedelta(days=1)
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    return assignment


def test_exceptions_tab_lists_50_per_page_with_pinned_queries(
    client, admin_user, certification, now, django_assert_max_num_queries
):
    exceptions_for(certification, 55, now)
    client.force_login(admin_user)
    url = reverse("assignments:exceptions", args=[certification.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url, {"type": "time_allowance"})
    body = response.content.decode()
    assert body.count('name="exceptions"') == 50
    assert "Page 1 of 2" in body
    assert "Time allowance" in body and "Set realistic due date and assign" in body


def test_resolving_selected_exceptions(client, admin_user, certification, now):
    assignment = exceptions_for(certification, 3, now)
    chosen = list(AssignmentException.objects.values_list("pk", flat=True)[:2])
    client.force_login(admin_user)
    client.post(
        reverse("assignments:exceptions_resolve", args=[certification.pk]),
        {"scope": "selected", "exceptions": chosen, "resolution": Resolution.ASSIGN},
    )
    assert AssignmentException.objects.filter(status=ExceptionStatus.RESOLVED, resolved_by=admin_user).count() == 2
    assert UserAssignment.objects.filter(assignment=assignment, state=RouteState.ACTIVE).count() == 2


def test_resolving_all_of_a_type(client, admin_user, certification, now):
    exceptions_for(certification, 3, now)
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:exceptions_resolve", args=[certification.pk]),
        {"scope": "all", "type": "time_allowance", "resolution": Resolution.DISMISS},
        follow=True,
    )
    assert "3 exception(s) resolved" in response.content.decode()
    assert not AssignmentException.objects.filter(status=ExceptionStatus.OPEN).exists()


def test_resolving_nothing_selected_says_so(client, admin_user, certification, now):
    exceptions_for(certification, 1, now)
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:exceptions_resolve", args=[certification.pk]),
        {"scope": "selected", "resolution": Resolution.DISMISS},
        follow=True,
    )
    assert "Select at least one exception." in response.content.decode()


def test_the_tabs_sit_in_the_certifications_tab_row(client, admin_user, certification):
    client.force_login(admin_user)
    body = client.get(reverse("certifications:overview", args=[certification.pk])).content.decode()
    assert reverse("assignments:tab", args=[certification.pk]) in body
    assert reverse("assignments:exceptions", args=[certification.pk]) in body
    tab = client.get(reverse("assignments:tab", args=[certification.pk])).content.decode()
    assert 'aria-current="page">Assignments<' in tab


def test_completion_tab_shows_each_learners_routes(client, admin_user, certification, assignment):
    """DOMAIN §6: the Completion tab lists every learner's assignment routes (type and name)."""
    client.force_login(admin_user)
    body = client.get(reverse("certifications:completion", args=[certification.pk])).content.decode()
    assert f"Audience: {assignment.audience.name}" in body


def test_group_row_offers_the_person_icon_to_add_members(client, admin_user, certification):
    from assignments.services.groups import group_create

    group = group_create(certification=certification, name="Night shift", actor=admin_user)
    client.force_login(admin_user)
    body = client.get(reverse("assignments:tab", args=[certification.pk])).content.decode()
    assert reverse("assignments:group_member_add", args=[group.pk]) in body
    assert "Add users to Night shift" in body
