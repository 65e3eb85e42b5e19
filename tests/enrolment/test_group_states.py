"""Catalogue, overview and Enrolment details say in words why a group is or is not open (DOMAIN.md §10). Time frozen."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from assignments.services import groups as services
from enrolment import selectors
from tests.enrolment import builders
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def words(group) -> str:
    return selectors.group_states(certification_ids=[group.certification_id], now=NOW)[group.certification_id][0].words


def test_an_open_group_says_what_it_asks():
    group = builders.group(
        max_learners=10,
        enrolment_key="k",
        requires_approval=True,
        enrolment_closes_at=datetime(2027, 3, 31, 17, 0, tzinfo=UTC),
    )
    services.group_enrol(group=group, learner=UserFactory(), enrolment_key="k", now=NOW)  # a request holds no place
    assert words(group) == (
        "Open for enrolment: 10 of 10 places left, closes on 31 Mar 2027, 17:00 UTC, "
        "needs an enrolment key, needs approval"
    )


def test_a_plain_group_is_just_open():
    assert words(builders.group()) == "Open for enrolment"


def test_a_full_group_says_so():
    group = builders.group(max_learners=1)
    services.group_enrol(group=group, learner=UserFactory(), now=NOW)
    assert words(group) == "Full: 1 of 1 place taken"


@pytest.mark.parametrize(
    ("field", "moment", "start"),
    [
        ("enrolment_opens_at", NOW + timedelta(days=1), "Opens for enrolment on "),
        ("enrolment_closes_at", NOW - timedelta(days=1), "Closed for enrolment on "),
    ],
)
def test_a_group_outside_its_dates_says_when(field, moment, start):
    assert words(builders.group(**{field: moment})).startswith(start)


def test_the_pages_say_it(client, learner):
    cert = builders.certification(fullname="Forklift safety")
    builders.group(cert, name="Keyed", enrolment_key="k")
    full = builders.group(cert, name="Small", max_learners=1)
    services.group_enrol(group=full, learner=UserFactory(), now=NOW)
    client.force_login(learner)
    for url in (reverse("enrolment:catalogue"), reverse("enrolment:overview", args=[cert.pk])):
        page = client.get(url).content.decode()
        assert "<strong>Keyed</strong>: Open for enrolment: needs an enrolment key" in page, url
        assert "<strong>Small</strong>: Full: 1 of 1 place taken" in page, url
    services.group_enrol(group=cert.groups.get(name="Keyed"), learner=learner, enrolment_key="k", now=NOW)
    details = client.get(reverse("enrolment:enrolment_details", args=[cert.pk])).content.decode()
    assert escape("Enrolment in this group") in details and "needs an enrolment key" in details
