"""Site administration pages of groups: the Group dialog, members, the picker, removal; the permission matrix."""

import pytest
from django.urls import reverse

from assignments.models import AssignmentType, Group, GroupMember
from assignments.services import groups as services
from certifications.models import AuditEvent
from tests.enrolment import builders
from tests.factories.directory import JobAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def group(learner):
    made = builders.group(builders.certification(fullname="Forklift"), name="Warehouse")
    services.group_enrol(group=made, learner=learner)
    return made


def admin_urls(group, learner) -> list[str]:
    cert = group.certification_id
    return [
        reverse("assignments:group_list", args=[cert]),
        reverse("assignments:group_create", args=[cert]),
        reverse("assignments:group_update", args=[group.pk]),
        reverse("assignments:group_delete", args=[group.pk]),
        reverse("assignments:group_members", args=[group.pk]),
        reverse("assignments:group_member_add", args=[group.pk]),
        reverse("assignments:group_member_remove", args=[group.pk, learner.pk]),
    ]


def learner_urls(group) -> list[str]:
    cert = group.certification_id
    return [
        reverse("enrolment:catalogue"),
        reverse("enrolment:overview", args=[cert]),
        reverse("enrolment:enrol", args=[cert]),
        reverse("enrolment:enrolment_details", args=[cert]),
        reverse("enrolment:withdraw", args=[cert]),
    ]


def test_anonymous_is_sent_to_sign_in_everywhere(client, group, learner):
    for url in admin_urls(group, learner) + learner_urls(group):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert GroupMember.objects.count() == 1


@pytest.mark.parametrize("who", ["learner", "other", "manager"])
def test_non_administrators_get_404_on_group_administration(client, group, learner, who):
    user = {"learner": learner, "other": UserFactory(), "manager": UserFactory()}[who]
    if who == "manager":
        JobAssignmentFactory(user=UserFactory(), manager=user)
    client.force_login(user)
    for url in admin_urls(group, learner):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "users": [user.pk]}).status_code == 404, url
    assert Group.objects.count() == 1 and GroupMember.objects.count() == 1


def test_administrator_reaches_every_group_page(client, group, learner, admin_user):
    client.force_login(admin_user)
    for url in admin_urls(group, learner):
        assert client.get(url).status_code == 200, url
        assert client.get(url, **HTMX).status_code == 200, url


@pytest.mark.parametrize("who", ["learner", "other", "manager", "admin"])
def test_learner_pages_by_role(client, group, learner, admin_user, who):
    """Everyone signed in sees the catalogue and overview; Enrolment details and Withdraw only for their own."""
    user = {"learner": learner, "other": UserFactory(), "manager": UserFactory(), "admin": admin_user}[who]
    if who == "manager":
        JobAssignmentFactory(user=learner, manager=user)
    client.force_login(user)
    catalogue, overview, enrol, details, withdraw = learner_urls(group)
    assert client.get(catalogue).status_code == 200
    assert client.get(overview).status_code == 200
    assert client.get(enrol).status_code == 200
    own = who == "learner"
    assert client.get(details).status_code == (200 if own else 404)
    assert client.get(withdraw).status_code == (200 if own else 404)


def test_group_dialog_labels(client, admin_user):
    cert = builders.certification()
    client.force_login(admin_user)
    page = text(client.get(reverse("assignments:group_create", args=[cert.pk]), **HTMX))
    for label in (
        "Name",
        "(required)",
        "Description",
        "Group management",
        "Allow learners to enrol",
        "Allow learners to withdraw",
        ">Ok</button>",
        ">Cancel</button>",
        "required aria-required",
    ):
        assert label in page
    assert page.lstrip().startswith("<dialog data-auto-open")


def test_group_dialog_creates_the_group(client, admin_user):
    cert = builders.certification()
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:group_create", args=[cert.pk]),
        {"name": "Night shift", "description": "Late", "allow_enrol": "on"},
    )
    assert response.status_code == 302
    group = Group.objects.get()
    assert (group.name, group.allow_enrol, group.allow_withdraw) == ("Night shift", True, False)
    assert group.assignment.type == AssignmentType.GROUP and group.assignment.created_by == admin_user


def test_group_dialog_refuses_a_blank_name(client, admin_user):
    cert = builders.certification()
    client.force_login(admin_user)
    response = client.post(reverse("assignments:group_create", args=[cert.pk]), {"name": "   "}, **HTMX)
    assert response.status_code == 200 and "Name is required." in text(response)
    assert not Group.objects.exists()


def test_edit_changes_the_flags_later(client, admin_user, group):
    client.force_login(admin_user)
    client.post(reverse("assignments:group_update", args=[group.pk]), {"name": "Warehouse 2", "allow_withdraw": "on"})
    group.refresh_from_db()
    assert (group.name, group.allow_enrol, group.allow_withdraw) == ("Warehouse 2", False, True)


def test_members_list_says_how_and_when_each_joined(client, admin_user, group, learner):
    added = UserFactory(first_name="Added", last_name="Person")
    services.group_member_add_many(group=group, user_ids=[added.pk], actor=admin_user)
    client.force_login(admin_user)
    page = text(client.get(reverse("assignments:group_members", args=[group.pk])))
    assert "Self-enrolled" in page and "Added by an administrator" in page and "Added Person" in page


def test_members_page_query_count_is_pinned(client, admin_user, group, django_assert_max_num_queries):
    services.group_member_add_many(group=group, user_ids=[u.pk for u in UserFactory.create_batch(30)], actor=admin_user)
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        client.get(reverse("assignments:group_members", args=[group.pk]))


def test_picker_searches_and_adds_several(client, admin_user, group):
    alice, alan, bob = (UserFactory(first_name=n, last_name="Smith") for n in ("Alice", "Alan", "Bob"))
    client.force_login(admin_user)
    page = text(client.get(reverse("assignments:group_member_add", args=[group.pk]), {"q": "al"}))
    assert "Alice" in page and "Alan" in page and "Bob" not in page
    response = client.post(reverse("assignments:group_member_add", args=[group.pk]), {"users": [alice.pk, alan.pk]})
    assert response.status_code == 302
    assert set(GroupMember.objects.filter(self_enrolled=False).values_list("user_id", flat=True)) == {alice.pk, alan.pk}
    assert AuditEvent.objects.filter(subject="group_membership", action="added").count() == 2
    _ = bob


def test_picker_refuses_an_existing_member_and_changes_nothing(client, admin_user, group, learner):
    client.force_login(admin_user)
    response = client.post(reverse("assignments:group_member_add", args=[group.pk]), {"users": [learner.pk]})
    assert response.status_code == 200 and "cannot be added" in text(response)
    assert GroupMember.objects.get(user=learner).self_enrolled


def test_remove_asks_then_removes(client, admin_user, group, learner):
    client.force_login(admin_user)
    url = reverse("assignments:group_member_remove", args=[group.pk, learner.pk])
    assert "Are you sure you want to remove" in text(client.get(url, **HTMX))
    response = client.post(url, **HTMX)
    assert response["HX-Redirect"] == reverse("assignments:group_members", args=[group.pk])
    assert not GroupMember.objects.exists()
    assert client.post(url).status_code == 404


def test_delete_group(client, admin_user, group):
    client.force_login(admin_user)
    url = reverse("assignments:group_delete", args=[group.pk])
    assert "Are you sure you want to remove the group" in text(client.get(url))
    assert client.post(url).status_code == 302
    assert not Group.objects.exists()


def test_list_shows_groups_with_the_person_icon(client, admin_user, group):
    client.force_login(admin_user)
    page = text(client.get(reverse("assignments:group_list", args=[group.certification_id])))
    assert "Warehouse" in page and "Add users to Warehouse" in page and "1 self-enrolled" in page


def test_after_ok_the_administrator_is_back_on_the_assignments_tab(client, admin_user):
    cert = builders.certification()
    client.force_login(admin_user)
    response = client.post(reverse("assignments:group_create", args=[cert.pk]), {"name": "Late"}, **HTMX)
    assert response["HX-Redirect"] == reverse("assignments:tab", args=[cert.pk])
    tab = text(client.get(reverse("assignments:tab", args=[cert.pk])))
    assert "Late" in tab and reverse("assignments:group_create", args=[cert.pk]) in tab


def test_members_page_offers_edit_due_date_and_the_person_icon(client, admin_user, group):
    client.force_login(admin_user)
    page = text(client.get(reverse("assignments:group_members", args=[group.pk])))
    for link in (
        reverse("assignments:group_update", args=[group.pk]),
        reverse("assignments:group_member_add", args=[group.pk]),
        reverse("assignments:due_date", args=[group.assignment.pk]),
    ):
        assert link in page
