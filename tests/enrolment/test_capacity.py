"""Maximum learners (DOMAIN.md §10): a full group says so, the other groups are still offered,
administrators are not limited by it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from assignments.models import GroupMember
from assignments.services import groups as services
from certifications.models import AuditEvent
from tests.enrolment import builders
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cert():
    return builders.certification(fullname="Forklift safety")


def fill(group, n: int = 1) -> None:
    for user in UserFactory.create_batch(n):
        services.group_enrol(group=group, learner=user, now=NOW)


def test_the_last_place_can_be_taken_and_then_the_group_is_full(cert, learner):
    group = builders.group(cert, max_learners=2)
    fill(group)
    services.group_enrol(group=group, learner=learner, now=NOW)
    with pytest.raises(services.GroupFull, match="This group is full."):
        services.group_enrol(group=group, learner=UserFactory(), now=NOW)
    assert GroupMember.objects.filter(group=group).count() == 2


def test_members_added_by_an_administrator_take_places(cert, learner, admin_user):
    group = builders.group(cert, max_learners=1)
    services.group_member_add_many(group=group, user_ids=[UserFactory().pk], actor=admin_user, now=NOW)
    with pytest.raises(services.GroupFull):
        services.group_enrol(group=group, learner=learner, now=NOW)
    assert not AuditEvent.objects.filter(user=learner).exists()


def test_administrators_adding_members_are_not_limited(cert, admin_user):
    group = builders.group(cert, max_learners=1)
    added = services.group_member_add_many(
        group=group, user_ids=[u.pk for u in UserFactory.create_batch(3)], actor=admin_user, now=NOW
    )
    assert added == 3 and GroupMember.objects.filter(group=group).count() == 3


def test_a_place_freed_by_a_withdrawal_can_be_taken(cert, learner):
    group = builders.group(cert, max_learners=1)
    first = UserFactory()
    services.group_enrol(group=group, learner=first, now=NOW)
    services.group_withdraw(group=group, learner=first, now=NOW)
    services.group_enrol(group=group, learner=learner, now=NOW)
    assert list(GroupMember.objects.values_list("user", flat=True)) == [learner.pk]


def test_dialog_says_the_group_is_full_and_offers_the_others(client, cert, learner):
    full = builders.group(cert, name="Day shift", max_learners=1)
    fill(full)
    builders.group(cert, name="Night shift", max_learners=5)
    client.force_login(learner)
    page = text(client.get(reverse("enrolment:enrol", args=[cert.pk]), **HTMX))
    assert page.count("This group is full.") == 1
    assert 'aria-label="Enrol in Night shift"' in page and 'aria-label="Enrol in Day shift"' not in page


def test_the_one_group_full_is_said_without_an_enrol_button(client, cert, learner):
    fill(builders.group(cert, name="Day shift", max_learners=1))
    client.force_login(learner)
    page = text(client.get(reverse("enrolment:enrol", args=[cert.pk]), **HTMX))
    assert "This group is full." in page and ">Enrol</button>" not in page


def test_a_post_into_a_group_that_filled_meanwhile_says_so_and_offers_the_others(client, cert, learner):
    full = builders.group(cert, name="Day shift", max_learners=1)
    builders.group(cert, name="Night shift")
    client.force_login(learner)
    fill(full)  # after the learner's dialog opened
    response = client.post(reverse("enrolment:enrol", args=[cert.pk]), {"group": full.pk}, **HTMX)
    page = text(response)
    assert response.status_code == 200
    assert "This group is full." in page and 'aria-label="Enrol in Night shift"' in page
    assert not GroupMember.objects.filter(user=learner).exists()
    assert not AuditEvent.objects.filter(user=learner).exists()
