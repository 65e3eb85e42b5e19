"""Enrolment keys (DOMAIN.md §10): asked in the dialog, stored hashed, wrong keys refused in words,
repeated wrong keys slowed down and audited, members kept when the key changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from assignments.models import EnrolmentKeyAttempts, GroupMember
from assignments.services import enrolment_keys
from assignments.services import groups as services
from certifications.models import AuditEvent
from tests.enrolment import builders
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
KEY = "Blue kettle 42"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def group():
    return builders.group(builders.certification(fullname="Forklift safety"), name="Cohort", enrolment_key=KEY)


def refused_events(learner):
    return AuditEvent.objects.filter(user=learner, subject="group_membership", action="enrolment_key_refused")


def test_the_right_key_enrols(group, learner):
    outcome = services.group_enrol(group=group, learner=learner, enrolment_key=KEY, now=NOW)
    assert outcome.assigned and GroupMember.objects.filter(user=learner, self_enrolled=True).exists()


@pytest.mark.parametrize("key", ["", "blue kettle 42", KEY + " ", "wrong"])
def test_a_wrong_key_is_refused_in_words_and_enrols_no_one(group, learner, key):
    with pytest.raises(services.EnrolmentKeyRefused, match="That enrolment key is not correct."):
        services.group_enrol(group=group, learner=learner, enrolment_key=key, now=NOW)
    assert not GroupMember.objects.exists()


def test_each_wrong_key_is_audited_with_the_count(group, learner):
    for _ in range(2):
        with pytest.raises(services.EnrolmentKeyRefused):
            services.group_enrol(group=group, learner=learner, enrolment_key="nope", now=NOW)
    events = list(refused_events(learner).order_by("id"))
    assert [e.after["failures"] for e in events] == [1, 2]
    assert events[0].actor == learner and events[0].after["group"] == "Cohort"
    assert "nope" not in str(events[0].after)


def test_repeated_wrong_keys_make_the_learner_wait_longer_each_time(group, learner):
    for _ in range(enrolment_keys.FREE_ATTEMPTS):
        with pytest.raises(services.EnrolmentKeyRefused, match="not correct"):
            services.group_enrol(group=group, learner=learner, enrolment_key="nope", now=NOW)
    # The third wrong key started a 30-second wait: even the right key is not checked during it.
    with pytest.raises(services.EnrolmentKeyRefused, match="too many times. Try again in 1 minute."):
        services.group_enrol(group=group, learner=learner, enrolment_key=KEY, now=NOW + timedelta(seconds=29))
    assert refused_events(learner).count() == 3 and not GroupMember.objects.exists()
    later = NOW + timedelta(seconds=31)
    with pytest.raises(services.EnrolmentKeyRefused, match="not correct"):
        services.group_enrol(group=group, learner=learner, enrolment_key="nope", now=later)
    attempts = EnrolmentKeyAttempts.objects.get(group=group, user=learner)
    assert attempts.failures == 4 and attempts.blocked_until == later + timedelta(seconds=60)


def test_the_wait_is_capped_and_the_right_key_after_it_enrols_and_forgets(group, learner):
    assert enrolment_keys.wait_after(2) == timedelta(0)
    assert enrolment_keys.wait_after(3) == timedelta(seconds=30)
    assert enrolment_keys.wait_after(10_000) == enrolment_keys.LONGEST_WAIT
    EnrolmentKeyAttempts.objects.create(
        group=group, user=learner, failures=50, last_failed_at=NOW, blocked_until=NOW + timedelta(minutes=15)
    )
    services.group_enrol(group=group, learner=learner, enrolment_key=KEY, now=NOW + timedelta(minutes=15))
    assert not EnrolmentKeyAttempts.objects.exists()


def test_an_hour_without_wrong_keys_forgets_them(group, learner):
    EnrolmentKeyAttempts.objects.create(group=group, user=learner, failures=9, last_failed_at=NOW)
    with pytest.raises(services.EnrolmentKeyRefused, match="not correct"):
        services.group_enrol(group=group, learner=learner, enrolment_key="x", now=NOW + timedelta(hours=2))
    assert EnrolmentKeyAttempts.objects.get().failures == 1


def test_wrong_keys_of_one_learner_do_not_slow_down_another(group, learner):
    for _ in range(5):
        with pytest.raises(services.EnrolmentKeyRefused):
            services.group_enrol(group=group, learner=learner, enrolment_key="x", now=NOW)
    services.group_enrol(group=group, learner=UserFactory(), enrolment_key=KEY, now=NOW)


def test_changing_the_key_keeps_the_members(group, learner):
    services.group_enrol(group=group, learner=learner, enrolment_key=KEY, now=NOW)
    services.group_update(group=group, name="Cohort", description="", enrolment_key="a new key")
    assert GroupMember.objects.filter(group=group, user=learner).exists()
    with pytest.raises(services.EnrolmentKeyRefused):
        services.group_enrol(group=group, learner=UserFactory(), enrolment_key=KEY, now=NOW)


def test_dialog_asks_for_the_key_and_says_when_it_is_wrong(client, group, learner):
    url = reverse("enrolment:enrol", args=[group.certification_id])
    client.force_login(learner)
    page = text(client.get(url, **HTMX))
    assert '<label for="id_enrolment_key">Enrolment key</label>' in page and 'type="password"' in page
    response = client.post(url, {"group": group.pk, "enrolment_key": "wrong"}, **HTMX)
    page = text(response)
    assert response.status_code == 200
    assert "That enrolment key is not correct." in page and "Nothing was changed." in page
    assert 'name="enrolment_key"' in page, "the dialog asks again"
    response = client.post(url, {"group": group.pk, "enrolment_key": KEY})
    assert response.status_code == 302 and GroupMember.objects.filter(user=learner).exists()


def test_dialog_without_a_key_does_not_ask_for_one(client, learner):
    group = builders.group(name="Open")
    client.force_login(learner)
    assert "Enrolment key" not in text(client.get(reverse("enrolment:enrol", args=[group.certification_id]), **HTMX))
