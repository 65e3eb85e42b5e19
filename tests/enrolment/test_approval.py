"""Requires approval (DOMAIN.md §10): requests, Cancel request, Approve / Deny by site administrators
and the learner's manager (their staff only), one or many, with a reason; audited and signalled."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assignments import signals
from assignments.errors import RequestNotPending
from assignments.models import EnrolmentRequest, GroupMember, RequestStatus, RouteState, UserAssignment
from assignments.services import enrolment_requests as requests
from assignments.services import groups as services
from certifications.models import AuditEvent
from tests.enrolment import builders
from tests.factories.directory import JobAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def cert():
    return builders.certification(fullname="Forklift safety")


@pytest.fixture
def group(cert):
    return builders.group(cert, name="Supervised", requires_approval=True)


@pytest.fixture
def boss(learner):
    manager = UserFactory(username="boss", first_name="Bea", last_name="Boss")
    JobAssignmentFactory(user=learner, manager=manager)
    return manager


def actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(user=user, subject="group_membership").order_by("id").values_list("action", flat=True)
    )


def ask(group, learner) -> EnrolmentRequest:
    outcome = services.group_enrol(group=group, learner=learner, now=NOW)
    assert outcome.awaiting_approval and outcome.member is None
    return outcome.request


# --- Services ---------------------------------------------------------------------------------


def test_enrolling_makes_a_request_and_no_membership(group, learner, capture_signal):
    created = capture_signal(signals.enrolment_request_created)
    request = ask(group, learner)
    assert request.status == RequestStatus.PENDING and request.requested_at == NOW
    assert not GroupMember.objects.exists() and not UserAssignment.objects.exists()
    assert actions(learner) == ["enrolment_requested"]
    assert len(created) == 1
    assert {key: created[0][key] for key in ("request_id", "user_id", "group_id", "certification_id", "actor_id")} == {
        "request_id": request.pk,
        "user_id": learner.pk,
        "group_id": group.pk,
        "certification_id": group.certification_id,
        "actor_id": learner.pk,
    }


def test_a_second_request_in_the_certification_is_refused(cert, group, learner):
    ask(group, learner)
    other = builders.group(cert, name="Open")
    with pytest.raises(services.AlreadyEnrolled, match="is awaiting approval"):
        services.group_enrol(group=other, learner=learner, now=NOW)
    assert EnrolmentRequest.objects.count() == 1


def test_approval_enrols_as_usual_and_is_audited(group, learner, admin_user, capture_signal):
    approved = capture_signal(signals.enrolment_request_approved)
    request = ask(group, learner)
    done = requests.requests_decide(request_ids=[request.pk], approve=True, actor=admin_user, now=NOW)
    assert done.decided == [request] and done.refused == []
    member = GroupMember.objects.get(user=learner)
    assert member.self_enrolled and member.added_by == admin_user
    assert UserAssignment.objects.get(user=learner).state == RouteState.ACTIVE
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decided_at) == (RequestStatus.APPROVED, admin_user, NOW)
    assert actions(learner) == ["enrolment_requested", "self_enrolled", "enrolment_request_approved"]
    assert len(approved) == 1 and approved[0]["actor_id"] == admin_user.pk


def test_approval_runs_the_exception_checks(cert, learner, admin_user):
    """Too little time for the content's minimum: the approved learner's route goes into exception."""
    from datetime import timedelta

    from assignments.models import DueKind
    from certifications.models import CourseSet
    from tests.factories.courses import CourseFactory

    CourseSet.objects.create(certification=cert, name="Set", minimum_time_days=30).courses.add(CourseFactory())
    group = builders.group(cert, requires_approval=True, due_kind=DueKind.FIXED, due_fixed_at=NOW + timedelta(days=5))
    request = ask(group, learner)
    requests.requests_decide(request_ids=[request.pk], approve=True, actor=admin_user, now=NOW)
    assert GroupMember.objects.filter(user=learner, self_enrolled=True).exists()
    assert UserAssignment.objects.get(user=learner).state == RouteState.EXCEPTION


def test_denial_records_the_reason_for_the_learner(group, learner, boss, capture_signal):
    denied = capture_signal(signals.enrolment_request_denied)
    request = ask(group, learner)
    requests.requests_decide(request_ids=[request.pk], approve=False, actor=boss, reason=" Not this quarter ", now=NOW)
    request.refresh_from_db()
    assert (request.status, request.reason, request.decided_by) == (RequestStatus.DENIED, "Not this quarter", boss)
    assert not GroupMember.objects.exists()
    assert actions(learner)[-1] == "enrolment_request_denied"
    assert denied[0]["reason"] == "Not this quarter"


def test_many_at_once_and_a_full_group_leaves_the_others_decided(cert, admin_user):
    group = builders.group(cert, name="Two places", requires_approval=True, max_learners=2)
    asked = [ask(group, UserFactory()) for _ in range(3)]
    done = requests.requests_decide(request_ids=[r.pk for r in asked], approve=True, actor=admin_user, now=NOW)
    assert len(done.decided) == 2
    assert [why for _, why in done.refused] == ["This group is full."]
    assert GroupMember.objects.filter(group=group).count() == 2
    assert EnrolmentRequest.objects.filter(status=RequestStatus.PENDING).count() == 1


def test_a_manager_decides_only_their_staffs_requests(group, learner, boss):
    stranger = UserFactory()
    mine, theirs = ask(group, learner), ask(group, stranger)
    done = requests.requests_decide(request_ids=[mine.pk, theirs.pk], approve=True, actor=boss, now=NOW)
    assert done.decided == [mine] and done.not_found == 1
    assert list(GroupMember.objects.values_list("user", flat=True)) == [learner.pk]
    assert requests.requests_decide(request_ids=[theirs.pk], approve=True, actor=learner, now=NOW).not_found == 1


def test_a_decided_request_is_not_decided_twice(group, learner, admin_user):
    request = ask(group, learner)
    requests.requests_decide(request_ids=[request.pk], approve=False, actor=admin_user, now=NOW)
    again = requests.requests_decide(request_ids=[request.pk], approve=True, actor=admin_user, now=NOW)
    assert again.decided == [] and again.not_found == 1 and not GroupMember.objects.exists()


def test_the_learner_cancels_their_request(cert, group, learner):
    ask(group, learner)
    requests.request_cancel(certification=cert, learner=learner, now=NOW)
    assert EnrolmentRequest.objects.get().status == RequestStatus.CANCELLED
    assert actions(learner)[-1] == "enrolment_request_cancelled"
    with pytest.raises(RequestNotPending):
        requests.request_cancel(certification=cert, learner=learner, now=NOW)


def test_a_rolled_back_request_leaves_nothing(group, learner, capture_signal):
    """The request, its audit and what a receiver writes (the notifications outbox) share the transaction."""
    from django.db import transaction

    from outbox.models import OutboxMessage

    calls = capture_signal(signals.enrolment_request_created, as_work=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        ask(group, learner)
        assert OutboxMessage.objects.count() == 1, "the receiver ran inside the transaction"
        raise RuntimeError
    assert len(calls) == 1
    assert not EnrolmentRequest.objects.exists() and actions(learner) == [] and not OutboxMessage.objects.exists()


# --- The learner's pages ----------------------------------------------------------------------


def test_the_dialog_says_approval_is_needed_and_the_outcome_awaits_it(client, cert, group, learner):
    client.force_login(learner)
    url = reverse("enrolment:enrol", args=[cert.pk])
    assert "This group needs approval" in text(client.get(url, **HTMX))
    page = text(client.post(url, {"group": group.pk}, **HTMX))
    assert "is awaiting approval" in page and "You are enrolled" not in page


def test_enrolment_details_show_awaiting_approval_with_cancel_request(client, cert, group, learner):
    ask(group, learner)
    client.force_login(learner)
    overview = text(client.get(reverse("enrolment:overview", args=[cert.pk])))
    assert "Enrolment details" in overview and ">Enrol</a>" not in overview
    details = text(client.get(reverse("enrolment:enrolment_details", args=[cert.pk]), **HTMX))
    assert "Awaiting approval" in details and "Cancel request" in details
    response = client.post(reverse("enrolment:cancel_request", args=[cert.pk]))
    assert response.status_code == 302 and EnrolmentRequest.objects.get().status == RequestStatus.CANCELLED
    assert client.get(reverse("enrolment:enrolment_details", args=[cert.pk])).status_code == 404


def test_a_denied_learner_reads_the_reason_and_may_ask_again(client, cert, group, learner, admin_user):
    request = ask(group, learner)
    requests.requests_decide(request_ids=[request.pk], approve=False, actor=admin_user, reason="Full this term")
    client.force_login(learner)
    details = text(client.get(reverse("enrolment:enrolment_details", args=[cert.pk])))
    assert "Denied" in details and "Full this term" in details
    assert ">Enrol</a>" in text(client.get(reverse("enrolment:overview", args=[cert.pk])))


# --- The requests pages: permission matrix ----------------------------------------------------


def test_requests_pages_by_role(client, group, learner, boss, admin_user):
    """Anonymous: sign in; learner: 404 on both; manager: their page only, their staff only; admin: theirs."""
    stranger = UserFactory(first_name="Stan", last_name="Stranger")
    learner.first_name, learner.last_name = "Lee", "Learner"
    learner.save()
    ask(group, learner), ask(group, stranger)
    admin_page, staff_page = reverse("assignments:enrolment_requests"), reverse("enrolment_requests:staff")
    for url in (admin_page, staff_page):
        assert client.get(url).status_code == 302
    client.force_login(learner)
    assert client.get(admin_page).status_code == 404 and client.get(staff_page).status_code == 404
    client.force_login(boss)
    assert client.get(admin_page).status_code == 404
    page = text(client.get(staff_page))
    assert "Lee Learner" in page and "Stan Stranger" not in page
    client.force_login(admin_user)
    page = text(client.get(admin_page))
    assert "Lee Learner" in page and "Stan Stranger" in page
    assert client.get(staff_page).status_code == 404, "an administrator without staff has no manager page"


def test_a_manager_posting_someone_elses_request_changes_nothing(client, group, learner, boss):
    theirs = ask(group, UserFactory())
    client.force_login(boss)
    response = client.post(reverse("enrolment_requests:staff"), {"requests": [theirs.pk], "decision": "approve"})
    assert response.status_code == 302
    assert EnrolmentRequest.objects.get(pk=theirs.pk).status == RequestStatus.PENDING


def test_the_manager_approves_and_denies_from_their_page(client, cert, group, learner, boss):
    other = UserFactory()
    JobAssignmentFactory(user=other, manager=boss)
    first, second = ask(group, learner), ask(group, other)
    client.force_login(boss)
    url = reverse("enrolment_requests:staff")
    response = client.post(url, {"requests": [first.pk], "decision": "approve"}, follow=True)
    assert "1 request approved." in text(response)
    response = client.post(url, {"requests": [second.pk], "decision": "deny", "reason": "Ask in May"}, follow=True)
    assert "1 request denied." in text(response)
    assert GroupMember.objects.filter(user=learner).exists() and not GroupMember.objects.filter(user=other).exists()
    assert EnrolmentRequest.objects.get(pk=second.pk).reason == "Ask in May"


def test_bad_posts_say_why_and_change_nothing(client, group, learner, admin_user):
    ask(group, learner)
    client.force_login(admin_user)
    url = reverse("assignments:enrolment_requests")
    for data in ({}, {"requests": ["x"], "decision": "approve"}, {"requests": ["1"], "decision": "maybe"}):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200 and "Nothing was changed." in text(response)
    assert EnrolmentRequest.objects.get().status == RequestStatus.PENDING


def test_assignments_tab_lists_the_certifications_requests(client, cert, group, learner, admin_user):
    ask(group, learner)
    client.force_login(admin_user)
    tab = reverse("assignments:tab", args=[cert.pk])
    page = text(client.get(tab))
    assert "Enrolment requests" in page and ">Approve</button>" in page
    request = EnrolmentRequest.objects.get()
    response = client.post(
        reverse("assignments:enrolment_requests"), {"requests": [request.pk], "decision": "approve", "next": tab}
    )
    assert response["Location"] == tab and GroupMember.objects.filter(user=learner).exists()


def test_requests_page_query_count_does_not_grow(client, group, admin_user, django_assert_max_num_queries):
    for _ in range(3):
        ask(group, UserFactory())
    client.force_login(admin_user)
    url = reverse("assignments:enrolment_requests")
    client.get(url)
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for _ in range(5):
        ask(group, UserFactory())
    with django_assert_max_num_queries(len(few)):
        client.get(url)
