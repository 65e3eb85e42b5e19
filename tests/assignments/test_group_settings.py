"""Group management settings of DOMAIN.md §10 in the Group dialog: saved, editable, shown in words."""

import datetime as dt

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from assignments.forms_groups import GroupForm
from assignments.models import Group
from assignments.services import groups as services
from tests.enrolment import builders
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return response.content.decode()


def test_dialog_shows_the_settings_under_group_management(client, admin_user):
    client.force_login(admin_user)
    page = text(client.get(reverse("assignments:group_create", args=[builders.certification().pk]), **HTMX))
    for label in ("Maximum learners", "Enrolment key", "Enrolment opens", "Enrolment closes", "Requires approval"):
        assert f">{label}<" in page or f"{label}</label>" in page, label
    assert page.index("Group management") < page.index("Maximum learners")


def test_dialog_saves_every_setting_and_hashes_the_key(client, admin_user):
    cert = builders.certification()
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:group_create", args=[cert.pk]),
        {
            "name": "Cohort",
            "allow_enrol": "on",
            "max_learners": "10",
            "new_enrolment_key": "Open sesame",
            "enrolment_opens_at": "2027-03-01T09:00",
            "enrolment_closes_at": "2027-03-31T17:00",
            "requires_approval": "on",
        },
    )
    assert response.status_code == 302
    group = Group.objects.get()
    assert group.max_learners == 10 and group.requires_approval
    assert group.enrolment_opens_at == dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
    assert group.enrolment_closes_at == dt.datetime(2027, 3, 31, 17, 0, tzinfo=dt.UTC)
    assert "Open sesame" not in group.enrolment_key
    assert check_password("Open sesame", group.enrolment_key)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"max_learners": "0"}, "max_learners", "Maximum learners must be at least 1, or empty for no limit."),
        (
            {"enrolment_opens_at": "2027-03-02T09:00", "enrolment_closes_at": "2027-03-01T09:00"},
            "enrolment_closes_at",
            "Enrolment closes must be later than Enrolment opens.",
        ),
        (
            {"new_enrolment_key": "k", "remove_enrolment_key": "on"},
            "new_enrolment_key",
            "Type a new enrolment key or remove it, not both.",
        ),
    ],
)
def test_form_refuses_bad_settings_in_words(data, field, message):
    form = GroupForm({"name": "G", **data})
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_bad_settings_change_nothing(client, admin_user):
    group = builders.group(name="G", max_learners=5)
    client.force_login(admin_user)
    response = client.post(
        reverse("assignments:group_update", args=[group.pk]), {"name": "G2", "max_learners": "-3"}, **HTMX
    )
    assert response.status_code == 200 and "Maximum learners must be at least 1" in text(response)
    group.refresh_from_db()
    assert (group.name, group.max_learners) == ("G", 5)


def test_editing_keeps_replaces_or_removes_the_key(client, admin_user):
    group = builders.group(name="G", enrolment_key="first")
    url = reverse("assignments:group_update", args=[group.pk])
    client.force_login(admin_user)
    assert "This group has an enrolment key" in text(client.get(url, **HTMX))
    client.post(url, {"name": "G", "allow_enrol": "on"})
    group.refresh_from_db()
    assert check_password("first", group.enrolment_key), "an empty box keeps the key"
    client.post(url, {"name": "G", "new_enrolment_key": "second"})
    group.refresh_from_db()
    assert check_password("second", group.enrolment_key)
    client.post(url, {"name": "G", "remove_enrolment_key": "on"})
    group.refresh_from_db()
    assert group.enrolment_key == "" and not group.has_enrolment_key


def test_settings_are_shown_on_the_row_and_members_page(client, admin_user):
    group = builders.group(
        name="Cohort",
        max_learners=1,
        enrolment_key="k",
        requires_approval=True,
        enrolment_closes_at=dt.datetime(2027, 3, 31, 17, 0, tzinfo=dt.UTC),
    )
    services.group_member_add_many(group=group, user_ids=[u.pk for u in UserFactory.create_batch(2)], actor=admin_user)
    client.force_login(admin_user)
    for url in (
        reverse("assignments:group_list", args=[group.certification_id]),
        reverse("assignments:group_members", args=[group.pk]),
        reverse("assignments:tab", args=[group.certification_id]),
    ):
        page = text(client.get(url))
        for words in ("Maximum learners: 1", "Enrolment key required", "Enrolment closes", "Requires approval"):
            assert words in page, (url, words)
    members = text(client.get(reverse("assignments:group_members", args=[group.pk])))
    assert "This group is over its maximum: 2 members for 1 place." in members
    assert "over its maximum" in text(client.get(reverse("assignments:group_list", args=[group.certification_id])))
