"""Site administration → Certifications: permission matrix, lists, tabs, content and settings."""

import pytest
from django.urls import reverse

from certifications.models import Certification, CertificationPath, CompletionRule, CourseSet
from certifications.tabs import EXTRA_TABS, register_tab
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import JobAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certification():
    return CertificationFactory(fullname="Fire safety")


@pytest.fixture
def record(certification):
    return CertificationRecordFactory(certification=certification)


def admin_urls(certification, record):
    course_set = CourseSetFactory(certification=certification)
    history = record.user.certification_history.create(
        certification=certification, archived_at=record.assigned_at, status="certified"
    )
    pk, user_pk = certification.pk, record.user_id
    return [
        reverse("certifications:list"),
        reverse("certifications:create"),
        reverse("certifications:overview", args=[pk]),
        reverse("certifications:details", args=[pk]),
        reverse("certifications:delete", args=[pk]),
        reverse("certifications:content", args=[pk]),
        reverse("certifications:course_set_add", args=[pk, "certification"]),
        reverse("certifications:course_set_edit", args=[pk, course_set.pk]),
        reverse("certifications:course_set_delete", args=[pk, course_set.pk]),
        reverse("certifications:settings", args=[pk]),
        reverse("certifications:completion", args=[pk]),
        reverse("certifications:record_edit", args=[pk, user_pk]),
        reverse("certifications:record_due_date", args=[pk, user_pk]),
        reverse("certifications:record_state", args=[pk, user_pk]),
        reverse("certifications:history_add", args=[pk, user_pk]),
        reverse("certifications:history_edit", args=[pk, user_pk, history.pk]),
        reverse("certifications:history_delete", args=[pk, user_pk, history.pk]),
    ]


def test_permission_matrix(client, certification, record, admin_user):
    urls = admin_urls(certification, record)
    manager = UserFactory()
    JobAssignmentFactory(user=record.user, manager=manager)
    for url in urls:
        client.logout()
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url
        for user in (record.user, manager, UserFactory()):
            client.force_login(user)
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url
        client.force_login(admin_user)
        assert client.get(url).status_code in (200, 302), url
    assert Certification.objects.filter(pk=certification.pk).exists()


def test_missing_certification_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("certifications:overview", args=[999])).status_code == 404


def test_list_search_sort_and_query_count(client, admin_user, django_assert_max_num_queries):
    CertificationFactory(fullname="Fire safety")
    CertificationFactory(fullname="First aid")
    for _ in range(30):
        CertificationFactory()
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("certifications:list"), {"q": "fire", "sort": "-fullname"})
    html = response.content.decode()
    assert "Fire safety" in html and "First aid" not in html
    with django_assert_max_num_queries(8):
        client.get(reverse("certifications:list"))


def test_create_then_tabs(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("certifications:create"),
        {"fullname": "Forklift", "shortname": "FORK", "visibility": "all"},
    )
    certification = Certification.objects.get(shortname="FORK")
    assert response["Location"] == reverse("certifications:content", args=[certification.pk])
    html = client.get(reverse("certifications:overview", args=[certification.pk])).content.decode()
    for label in ("Overview", "Details", "Content", "Certification", "Completion"):
        assert f">{label}</a>" in html


def test_registered_tabs_render_before_completion(client, admin_user, certification):
    register_tab("Learners elsewhere", "certifications:completion")
    try:
        client.force_login(admin_user)
        html = client.get(reverse("certifications:overview", args=[certification.pk])).content.decode()
        assert html.index("Learners elsewhere") < html.index(">Completion</a>")
    finally:
        EXTRA_TABS.remove(("Learners elsewhere", "certifications:completion"))


def test_details_validation(client, admin_user, certification):
    client.force_login(admin_user)
    response = client.post(
        reverse("certifications:details", args=[certification.pk]),
        {
            "fullname": "Fire safety",
            "shortname": certification.shortname,
            "visibility": "enrolled_audiences",
            "available_from": "2026-05-01T00:00",
            "available_until": "2026-04-01T00:00",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["available_until"] == ["Available until must be after available from."]
    assert form.errors["visible_audiences"] == ["Select at least one audience."]


def test_content_course_sets_and_same_content(client, admin_user, certification):
    courses = CourseFactory.create_batch(2)
    client.force_login(admin_user)
    response = client.post(
        reverse("certifications:course_set_add", args=[certification.pk, "recertification"]),
        {
            "name": "Refresher",
            "courses": [c.pk for c in courses],
            "completion_rule": CompletionRule.ANY,
            "minimum_time_days": 10,
            "sortorder": 0,
        },
    )
    assert response.status_code == 302
    course_set = CourseSet.objects.get(certification=certification)
    assert course_set.path == CertificationPath.RECERTIFICATION
    assert set(course_set.courses.all()) == set(courses)
    html = client.get(reverse("certifications:content", args=[certification.pk])).content.decode()
    assert "Refresher" in html and "Total time allowance: 10 days" in html and "Any one course" in html
    client.post(reverse("certifications:content", args=[certification.pk]), {"recertification_same_content": "on"})
    certification.refresh_from_db()
    assert certification.recertification_same_content
    client.post(reverse("certifications:course_set_delete", args=[certification.pk, course_set.pk]))
    assert not CourseSet.objects.exists()


def test_delete_certification(client, admin_user, certification):
    client.force_login(admin_user)
    client.post(reverse("certifications:delete", args=[certification.pk]))
    assert not Certification.objects.filter(pk=certification.pk).exists()


SETTINGS = {
    "active_period_amount": 1,
    "active_period_unit": "years",
    "window_period_amount": 1,
    "window_period_unit": "months",
    "minimum_active_amount": "",
    "minimum_active_unit": "",
    "recertification_method": "expiry",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"window_period_amount": 13},
            "window_period_amount",
            "The window period cannot be longer than the active period.",
        ),
        (
            {"window_period_amount": 0, "allowance": 0},
            "window_period_amount",
            "The window period must be at least 1 day.",
        ),
        (
            {"window_period_amount": 1, "window_period_unit": "weeks"},
            "window_period_amount",
            "The window period must be at least the recertification path's total time allowance (10 days).",
        ),
        (
            {"recertification_method": "fixed"},
            "minimum_active_amount",
            "The fixed expiry date method needs a minimum active period.",
        ),
        (
            {"recertification_method": "fixed", "minimum_active_amount": 2, "minimum_active_unit": "years"},
            "minimum_active_amount",
            "The minimum active period cannot be longer than the active period.",
        ),
        (
            {"recertification_method": "fixed", "minimum_active_amount": 2, "minimum_active_unit": "weeks"},
            "minimum_active_amount",
            "The minimum active period cannot be shorter than the window period.",
        ),
        ({"active_period_amount": 0}, "active_period_amount", "The active period must be at least 1."),
    ],
)
def test_settings_validation_rejects_each_invalid_combination(
    client, admin_user, certification, changes, field, message
):
    changes = dict(changes)
    allowance = changes.pop("allowance", 10)
    CourseSetFactory(certification=certification, path=CertificationPath.RECERTIFICATION, minimum_time_days=allowance)
    client.force_login(admin_user)
    response = client.post(reverse("certifications:settings", args=[certification.pk]), {**SETTINGS, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()


def test_settings_accepts_valid_fixed_settings(client, admin_user, certification):
    client.force_login(admin_user)
    data = {**SETTINGS, "recertification_method": "fixed", "minimum_active_amount": 6, "minimum_active_unit": "months"}
    response = client.post(reverse("certifications:settings", args=[certification.pk]), data)
    assert response.status_code == 302
    certification.refresh_from_db()
    assert certification.recertification_method == "fixed"
    assert str(certification.minimum_active_period) == "6 months"


def test_site_administration_links_to_certifications(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("site_administration")).content.decode()
    assert reverse("certifications:list") in html
