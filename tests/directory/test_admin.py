"""The directory's administration pages (Django's admin under /site-admin/django/)."""

import datetime

import pytest
from django.urls import reverse

from courses.models import CourseCompletion
from directory import signals
from directory.models import AudienceMember, JobAssignment, Organisation, ProfileDateValue
from tests.admin_forms import admin_post_data
from tests.factories.courses import CourseFactory
from tests.factories.directory import (
    AudienceFactory,
    JobAssignmentFactory,
    OrganisationFactory,
    PositionFactory,
    ProfileDateFieldFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "auth_user",
    "directory_organisation",
    "directory_position",
    "directory_jobassignment",
    "directory_audience",
    "directory_audiencemember",
    "directory_profiledatefield",
    "directory_profiledatevalue",
    "courses_course",
    "courses_coursecompletion",
    "courses_coursecompletionhistory",
]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_is_sent_to_sign_in(client, model):
    response = client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("model", MODELS)
def test_learner_and_manager_get_404(client, learner, model):
    JobAssignmentFactory(manager=learner)  # a manager is no administrator either
    client.force_login(learner)
    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 404
    assert client.get(reverse("admin:index")).status_code == 404


def test_staff_flag_alone_is_not_enough(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:index")).status_code == 404


@pytest.mark.parametrize("model", MODELS)
def test_site_administrator_group_member_sees_every_list(admin_client, model, django_assert_max_num_queries):
    """A member of "Site administrators" (not a superuser) may use every page; lists take few queries."""
    org = OrganisationFactory()
    for _ in range(5):
        JobAssignmentFactory(organisation=org, manager=UserFactory(), position=PositionFactory())
    with django_assert_max_num_queries(15):
        response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_site_administration_links_every_list(admin_client):
    html = admin_client.get(reverse("site_administration")).content.decode()
    for model in MODELS:
        assert reverse(f"admin:{model}_changelist") in html


def test_tree_list_is_ordered_by_path_and_indented(admin_client):
    root = OrganisationFactory(name="Acme")
    OrganisationFactory(name="Zeta", parent=root)
    OrganisationFactory(name="Beta")
    html = admin_client.get(reverse("admin:directory_organisation_changelist")).content.decode()
    assert html.index(">Acme<") < html.index("\u2003Zeta<")
    assert "style=" not in html.split('id="result_list"')[1].split("</table>")[0]


def test_adding_and_moving_an_organisation_keeps_paths(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    root, other = OrganisationFactory(name="Root"), OrganisationFactory(name="Other")
    response = admin_client.post(
        reverse("admin:directory_organisation_add"), {"name": "Child", "idnumber": "C1", "parent": root.pk}
    )
    assert response.status_code == 302
    child = Organisation.objects.get(name="Child")
    assert child.path == f"/{root.pk}/{child.pk}/"
    grandchild = OrganisationFactory(parent=child)
    ja = JobAssignmentFactory(organisation=grandchild)
    calls = capture_signal(signals.job_assignments_changed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:directory_organisation_change", args=[child.pk]),
            {"name": "Child", "idnumber": "C1", "parent": other.pk},
        )
    assert response.status_code == 302
    grandchild.refresh_from_db()
    assert grandchild.path == f"/{other.pk}/{child.pk}/{grandchild.pk}/"
    assert calls == [{"user_ids": [ja.user_id], "actor_id": admin_user.pk}]


def test_moving_an_organisation_below_itself_is_refused(admin_client):
    root = OrganisationFactory()
    child = OrganisationFactory(parent=root)
    response = admin_client.post(
        reverse("admin:directory_organisation_change", args=[root.pk]), {"name": root.name, "parent": child.pk}
    )
    assert response.status_code == 200
    assert "cannot be moved below itself" in response.content.decode()
    root.refresh_from_db()
    assert root.parent is None


def test_job_assignment_added_in_admin_signals(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    user, manager = UserFactory(), UserFactory()
    calls = capture_signal(signals.job_assignments_changed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:directory_jobassignment_add"),
            {"user": user.pk, "manager": manager.pk, "fullname": "Clerk", "start_date": "2026-01-05"},
        )
    assert response.status_code == 302
    assert JobAssignment.objects.get(user=user).manager == manager
    assert calls == [{"user_ids": [user.pk], "actor_id": admin_user.pk}]


def test_job_assignment_deleted_in_bulk_signals_once(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    jas = [JobAssignmentFactory(), JobAssignmentFactory()]
    calls = capture_signal(signals.job_assignments_changed)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:directory_jobassignment_changelist"),
            {"action": "delete_selected", "_selected_action": [ja.pk for ja in jas], "post": "yes"},
        )
    assert not JobAssignment.objects.exists()
    assert calls == [{"user_ids": sorted(ja.user_id for ja in jas), "actor_id": admin_user.pk}]


def test_user_page_edits_profile_job_assignments_and_profile_dates(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    user = UserFactory()
    field = ProfileDateFieldFactory()
    org = OrganisationFactory()
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    assert "First login" in html and "Timezone" in html
    data = admin_post_data(page)
    data.update(
        {
            "profile-0-timezone": "Europe/Paris",
            "job_assignments-0-fullname": "Nurse",
            "job_assignments-0-organisation": str(org.pk),
            "profile_dates-0-field": str(field.pk),
            "profile_dates-0-value": "2026-02-03",
        }
    )
    data["job_assignments-TOTAL_FORMS"] = "1"
    data["profile_dates-TOTAL_FORMS"] = "1"
    jobs = capture_signal(signals.job_assignments_changed)
    dates = capture_signal(signals.profile_date_changed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    user.profile.refresh_from_db()
    assert user.profile.timezone == "Europe/Paris"
    assert JobAssignment.objects.get(user=user).organisation == org
    assert ProfileDateValue.objects.get(user=user, field=field).value == datetime.date(2026, 2, 3)
    assert jobs == [{"user_ids": [user.pk], "actor_id": admin_user.pk}]
    assert dates == [{"user_id": user.pk, "field_id": field.pk, "actor_id": admin_user.pk}]


def test_user_page_deleting_a_job_assignment_signals(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    ja = JobAssignmentFactory()
    url = reverse("admin:auth_user_change", args=[ja.user_id])
    data = admin_post_data(admin_client.get(url))
    data["job_assignments-0-DELETE"] = "on"
    calls = capture_signal(signals.job_assignments_changed)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    assert not JobAssignment.objects.filter(pk=ja.pk).exists()
    assert calls == [{"user_ids": [ja.user_id], "actor_id": admin_user.pk}]


def test_user_page_rejects_an_unknown_timezone(admin_client):
    user = UserFactory()
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = admin_post_data(admin_client.get(url))
    data["profile-0-timezone"] = "Mars/Olympus"
    assert admin_client.post(url, data).status_code == 200


def test_audience_members_added_and_removed_in_admin(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    audience = AudienceFactory(name="Nurses")
    leaving, staying, joining = UserFactory(), UserFactory(), UserFactory()
    for user in (leaving, staying):
        AudienceMember.objects.create(audience=audience, user=user)
    calls = capture_signal(signals.audience_members_changed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:directory_audience_change", args=[audience.pk]),
            {"name": "Nurses", "description": "", "add_members": [joining.pk], "remove_members": [leaving.pk]},
        )
    assert response.status_code == 302
    assert set(audience.members.all()) == {staying, joining}
    assert calls == [
        {"audience_id": audience.pk, "user_ids": sorted([leaving.pk, joining.pk]), "actor_id": admin_user.pk}
    ]


def test_audience_member_search_works_for_the_member_fields(admin_client):
    UserFactory(username="findme")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "findme", "app_label": "directory", "model_name": "audience", "field_name": "members"},
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "findme"


def test_audience_memberships_deleted_in_bulk_signal_per_audience(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    a, b = AudienceFactory(), AudienceFactory()
    users = [UserFactory() for _ in range(3)]
    memberships = [
        AudienceMember.objects.create(audience=a, user=users[0]),
        AudienceMember.objects.create(audience=a, user=users[1]),
        AudienceMember.objects.create(audience=b, user=users[2]),
    ]
    calls = capture_signal(signals.audience_members_changed)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:directory_audiencemember_changelist"),
            {"action": "delete_selected", "_selected_action": [m.pk for m in memberships], "post": "yes"},
        )
    assert not AudienceMember.objects.exists()
    assert sorted(calls, key=lambda c: c["audience_id"]) == [
        {"audience_id": a.pk, "user_ids": sorted([users[0].pk, users[1].pk]), "actor_id": admin_user.pk},
        {"audience_id": b.pk, "user_ids": [users[2].pk], "actor_id": admin_user.pk},
    ]


def test_audience_member_added_on_its_own_page(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    audience, user = AudienceFactory(), UserFactory()
    calls = capture_signal(signals.audience_members_changed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:directory_audiencemember_add"), {"audience": audience.pk, "user": user.pk}
        )
    assert response.status_code == 302
    assert calls == [{"audience_id": audience.pk, "user_ids": [user.pk], "actor_id": admin_user.pk}]


def test_profile_date_value_page_signals(admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks):
    field, user = ProfileDateFieldFactory(), UserFactory()
    calls = capture_signal(signals.profile_date_changed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:directory_profiledatevalue_add"), {"user": user.pk, "field": field.pk, "value": "2026-07-01"}
        )
    assert response.status_code == 302
    value = ProfileDateValue.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:directory_profiledatevalue_delete", args=[value.pk]), {"post": "yes"})
    assert not ProfileDateValue.objects.exists()
    assert calls == [{"user_id": user.pk, "field_id": field.pk, "actor_id": admin_user.pk}] * 2


def test_recording_a_completion_in_admin_goes_through_the_service(
    admin_user, admin_client, capture_signal, django_capture_on_commit_callbacks
):
    from courses import signals as course_signals

    user, course = UserFactory(), CourseFactory()
    calls = capture_signal(course_signals.course_completed)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:courses_coursecompletion_add"),
            {"user": user.pk, "course": course.pk, "completed_at_0": "2026-03-04", "completed_at_1": "10:00:00"},
        )
    assert response.status_code == 302
    assert CourseCompletion.objects.filter(user=user, course=course).exists()
    assert calls == [{"user_id": user.pk, "course_id": course.pk, "actor_id": admin_user.pk}]


def test_completions_cannot_be_deleted_in_admin(admin_client):
    from tests.factories.courses import CourseCompletionFactory

    completion = CourseCompletionFactory()
    response = admin_client.post(
        reverse("admin:courses_coursecompletion_delete", args=[completion.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert CourseCompletion.objects.filter(pk=completion.pk).exists()
    response = admin_client.post(reverse("admin:courses_course_delete", args=[completion.course_id]), {"post": "yes"})
    assert response.status_code == 403
    assert CourseCompletion.objects.filter(pk=completion.pk).exists()
