"""Approval requests notify (DOMAIN §10): the learner's manager hears of a request, the learner of the
decision, with the reason; written in the request's transaction, so a rolled-back request tells nobody."""

from datetime import UTC, datetime

import pytest
from django.db import transaction

from assignments.services import enrolment_requests as requests
from assignments.services import groups as services
from notifications.models import Notification
from tests.enrolment import builders
from tests.factories.directory import JobAssignmentFactory, SiteAdminFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def group():
    return builders.group(builders.certification(fullname="Forklift safety"), name="Supervised", requires_approval=True)


@pytest.fixture
def boss(learner):
    manager = UserFactory(username="boss", first_name="Bea", last_name="Boss")
    JobAssignmentFactory(user=learner, manager=manager)
    return manager


def notices(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("subject", "body"))


def test_the_manager_hears_of_a_request_and_nobody_else(group, learner, boss):
    services.group_enrol(group=group, learner=learner, now=NOW)
    [(subject, body)] = notices(boss)
    assert subject == f"{learner.get_full_name()} asks to enrol in Forklift safety"
    assert "Enrolment requests" in body
    assert notices(learner) == []


def test_a_denied_learner_is_told_the_reason(group, learner, boss):
    request = services.group_enrol(group=group, learner=learner, now=NOW).request
    requests.requests_decide(request_ids=[request.pk], approve=False, actor=SiteAdminFactory(), reason="Ask in May")
    assert notices(learner) == [
        (
            "Your enrolment in Forklift safety is denied",
            "Your request to enrol in Forklift safety was denied. Reason: Ask in May",
        )
    ]


def test_an_approved_learner_is_told(group, learner, boss):
    request = services.group_enrol(group=group, learner=learner, now=NOW).request
    requests.requests_decide(request_ids=[request.pk], approve=True, actor=boss)
    assert (
        "Your enrolment in Forklift safety is approved",
        "Your request to enrol in Forklift safety was approved.",
    ) in (notices(learner))


def test_a_rolled_back_request_tells_nobody(group, learner, boss):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.group_enrol(group=group, learner=learner, now=NOW)
        raise RuntimeError("the request's transaction fails")
    assert notices(boss) == []


def test_the_daily_digest_lists_requests_awaiting_approval(group, learner, boss):
    from notifications.services import digest_send

    admin = SiteAdminFactory()
    services.group_enrol(group=group, learner=learner, now=NOW)
    assert digest_send(now=NOW) >= 1
    [(subject, body)] = notices(admin)
    assert subject == "Enrolments awaiting you"
    assert "These learners asked to enrol and their request awaits approval:" in body
    assert "- Forklift safety: 1 learner (" in body
    assert "enrolled themselves" not in body, "no exception is waiting, so the exceptions part is left out"
