"""The catalogue and the overview page: visibility, the actions menu under DOMAIN.md §4's conditions."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments.models import Assignment, AssignmentType, UserAssignment
from assignments.services import groups as services
from certifications.models import CertificationRecord, CourseSet, Visibility
from tests.enrolment import builders
from tests.factories.courses import CourseFactory

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_catalogue_lists_visible_available_certifications_only(client, learner):
    shown = builders.certification(fullname="Forklift safety", summary="Drive forklifts safely.")
    builders.certification(fullname="Hidden", visibility=Visibility.NONE)
    builders.certification(fullname="Enrolled only", visibility=Visibility.ENROLLED)
    builders.certification(fullname="Closed", available_until=timezone.now() - timedelta(days=1))
    builders.certification(fullname="Not yet", available_from=timezone.now() + timedelta(days=1))
    client.force_login(learner)
    page = html(client.get(reverse("enrolment:catalogue")))
    assert "Forklift safety" in page and "Drive forklifts safely." in page
    assert reverse("enrolment:overview", args=[shown.pk]) in page
    for hidden in ("Hidden", "Enrolled only", "Closed", "Not yet"):
        assert hidden not in page


def test_catalogue_shows_enrolled_and_assigned(client, learner):
    enrolled = builders.group(builders.certification(fullname="Alpha"))
    services.group_enrol(group=enrolled, learner=learner)
    assigned = builders.certification(fullname="Beta", visibility=Visibility.ENROLLED)
    rule = Assignment.objects.create(certification=assigned, type=AssignmentType.INDIVIDUAL, user=learner)
    UserAssignment.objects.create(assignment=rule, certification=assigned, user=learner, assigned_at=timezone.now())
    CertificationRecord.objects.create(
        certification=assigned, user=learner, assigned_at=timezone.now(), updated_at=timezone.now()
    )
    client.force_login(learner)
    page = html(client.get(reverse("enrolment:catalogue")))
    assert page.count("text-bg-success") == 2
    assert ">Enrolled<" in page and ">Assigned<" in page


def test_catalogue_search_and_paging(client, learner):
    for n in range(25):
        builders.certification(fullname=f"Welding {n:02d}")
    builders.certification(fullname="First aid")
    client.force_login(learner)
    page = html(client.get(reverse("enrolment:catalogue"), {"q": "weld"}))
    assert "25 certifications" in page and "First aid" not in page and "Page 1 of 2" in page
    second = html(client.get(reverse("enrolment:catalogue"), {"q": "weld", "page": 2}))
    assert "Welding 24" in second and "Welding 00" not in second
    assert "No certification matches" in html(client.get(reverse("enrolment:catalogue"), {"q": "zzz"}))


def test_catalogue_query_count_does_not_grow(client, learner, django_assert_max_num_queries):
    client.force_login(learner)
    for n in range(30):
        cert = builders.certification(fullname=f"C{n}")
        builders.group(cert)
        builders.group(cert)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("enrolment:catalogue"))
    for n in range(30):
        builders.group(builders.certification(fullname=f"D{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("enrolment:catalogue"))


def test_overview_shows_summary_content_status_and_routes(client, learner):
    cert = builders.certification(fullname="Forklift", summary="Safety first.")
    course_set = CourseSet.objects.create(certification=cert, name="Basics", minimum_time_days=5)
    course_set.courses.add(CourseFactory(fullname="Forklift theory"))
    group = builders.group(cert, name="Warehouse")
    services.group_enrol(group=group, learner=learner)
    client.force_login(learner)
    page = html(client.get(reverse("enrolment:overview", args=[cert.pk])))
    for text in (
        "Safety first.",
        "Basics",
        "Forklift theory",
        "Minimum time required: 5 days",
        "Not certified",
        "Self-enrolled in group &#x27;Warehouse&#x27;",
    ):
        assert text in page


@pytest.mark.parametrize("visibility", [Visibility.NONE, Visibility.ENROLLED])
def test_overview_of_a_hidden_certification_is_404(client, learner, visibility):
    cert = builders.certification(visibility=visibility)
    builders.group(cert)
    client.force_login(learner)
    for name in ("overview", "enrol", "enrolment_details", "withdraw"):
        assert client.get(reverse(f"enrolment:{name}", args=[cert.pk])).status_code == 404


def _menu(client, cert) -> str:
    page = html(client.get(reverse("enrolment:overview", args=[cert.pk])))
    return page


def test_enrol_shown_when_a_group_allows_enrolment(client, learner):
    cert = builders.certification()
    builders.group(cert)
    client.force_login(learner)
    page = _menu(client, cert)
    assert 'data-bs-toggle="dropdown"' in page and 'aria-haspopup="menu"' in page
    assert ">Enrol</a>" in page and "Enrolment details" not in page


def test_no_enrol_without_a_group_that_allows_enrolment(client, learner):
    cert = builders.certification()
    builders.group(cert, allow_enrol=False)
    client.force_login(learner)
    assert ">Enrol</a>" not in _menu(client, cert)


def test_no_enrol_once_self_enrolled_but_enrolment_details(client, learner):
    cert = builders.certification()
    group = builders.group(cert)
    builders.group(cert)
    services.group_enrol(group=group, learner=learner)
    client.force_login(learner)
    page = _menu(client, cert)
    assert ">Enrol</a>" not in page and "Enrolment details" in page


def test_enrol_shown_to_a_learner_assigned_by_another_route(client, learner):
    cert = builders.certification()
    builders.group(cert)
    rule = Assignment.objects.create(certification=cert, type=AssignmentType.INDIVIDUAL, user=learner)
    UserAssignment.objects.create(assignment=rule, certification=cert, user=learner, assigned_at=timezone.now())
    CertificationRecord.objects.create(
        certification=cert, user=learner, assigned_at=timezone.now(), updated_at=timezone.now()
    )
    client.force_login(learner)
    assert ">Enrol</a>" in _menu(client, cert)


def test_no_enrol_outside_availability_for_an_administrator(client, admin_user):
    cert = builders.certification(available_until=datetime(2020, 1, 1, tzinfo=UTC))
    builders.group(cert)
    client.force_login(admin_user)
    page = _menu(client, cert)
    assert client.get(reverse("enrolment:overview", args=[cert.pk])).status_code == 200
    assert ">Enrol</a>" not in page


def test_member_added_by_administrator_sees_no_enrolment_details(client, learner, admin_user):
    cert = builders.certification()
    group = builders.group(cert)
    services.group_member_add_many(group=group, user_ids=[learner.pk], actor=admin_user)
    client.force_login(learner)
    page = _menu(client, cert)
    assert "Enrolment details" not in page and ">Enrol</a>" not in page
    assert "Added to group &#x27;" in page
    assert client.get(reverse("enrolment:enrolment_details", args=[cert.pk])).status_code == 404
    assert client.get(reverse("enrolment:withdraw", args=[cert.pk])).status_code == 404


@pytest.mark.parametrize(
    ("due", "shown"),
    [
        ({}, "No due date"),
        ({"due_kind": "relative", "due_amount": 2, "due_unit": "weeks", "due_event": "first_login"}, "Not yet known"),
    ],
)
def test_overview_due_date_none_or_not_yet_known(client, learner, due, shown):
    cert = builders.certification()
    services.group_enrol(group=builders.group(cert, **due), learner=learner)
    client.force_login(learner)
    page = html(client.get(reverse("enrolment:overview", args=[cert.pk])))
    assert f"<dt>Due date</dt><dd>{shown}</dd>" in page


def test_overview_query_count_is_pinned(client, learner, django_assert_max_num_queries):
    cert = builders.certification()
    for n in range(5):
        course_set = CourseSet.objects.create(certification=cert, sortorder=n)
        course_set.courses.add(*CourseFactory.create_batch(3))
    groups = [builders.group(cert) for _ in range(5)]
    services.group_enrol(group=groups[0], learner=learner)
    client.force_login(learner)
    # 16, the learner's latest enrolment request and the groups' states (places, dates, key, approval)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("enrolment:overview", args=[cert.pk])).status_code == 200
