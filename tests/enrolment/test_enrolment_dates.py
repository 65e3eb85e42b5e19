"""Enrolment opens / Enrolment closes (DOMAIN.md §10): outside them the group is not offered, and a
stale dialog posted after the group closed says so and changes nothing. Time frozen."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from assignments.models import GroupMember
from assignments.services import groups as services
from certifications.models import AuditEvent
from enrolment import selectors
from tests.enrolment import builders

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
OPENS = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2027, 3, 31, 17, 0, tzinfo=UTC)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def group():
    cert = builders.certification(fullname="Forklift safety")
    return builders.group(cert, name="Spring cohort", enrolment_opens_at=OPENS, enrolment_closes_at=CLOSES)


@pytest.mark.parametrize(
    ("moment", "offered"),
    [
        (OPENS - timedelta(seconds=1), False),
        (OPENS, True),
        (CLOSES - timedelta(seconds=1), True),
        (CLOSES, False),
    ],
)
def test_the_group_is_offered_only_between_its_dates(group, learner, moment, offered):
    cert = group.certification
    assert bool(selectors.group_offers(certification=cert, learner=learner, now=moment)) is offered
    assert selectors.overview(certification=cert, user=learner, now=moment).can_enrol is offered
    assert selectors.catalogue(user=learner, now=moment).get().open_for_enrolment is offered


def test_enrolling_before_the_group_opens_is_refused_in_words(group, learner):
    with pytest.raises(services.NotEnrollable, match="Enrolment in the group 'Spring cohort' opens on "):
        services.group_enrol(group=group, learner=learner, now=OPENS - timedelta(minutes=1))
    assert not GroupMember.objects.exists()


def test_enrolling_inside_the_dates_works(group, learner):
    assert services.group_enrol(group=group, learner=learner, now=OPENS).assigned


def test_a_dialog_posted_after_the_group_closed_says_so_and_changes_nothing(client, group, learner):
    client.force_login(learner)
    url = reverse("enrolment:enrol", args=[group.certification_id])
    with time_machine.travel(CLOSES - timedelta(minutes=5), tick=False):
        client.force_login(learner)
        assert "Are you sure you want to enrol" in text(client.get(url, **HTMX))
    with time_machine.travel(CLOSES + timedelta(minutes=1), tick=False):
        client.force_login(learner)
        response = client.post(url, {"group": group.pk}, **HTMX)
    page = text(response)
    assert response.status_code == 200
    assert "Enrolment in the group &#x27;Spring cohort&#x27; closed on " in page and "Nothing was changed." in page
    assert not GroupMember.objects.exists() and not AuditEvent.objects.filter(user=learner).exists()


def test_members_stay_when_the_group_closes(group, learner):
    services.group_enrol(group=group, learner=learner, now=OPENS)
    services.group_update(group=group, name=group.name, description="", enrolment_closes_at=OPENS + timedelta(hours=1))
    assert GroupMember.objects.filter(user=learner).exists()
