"""Self-enrolment controls as people use them (DOMAIN.md §10): an enrolment key, a full group, and
approval by the learner's manager; by visible labels, in Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from assignments.models import EnrolmentRequest, GroupMember, RequestStatus
from assignments.services import groups as services
from tests.e2e.test_enrolment_flows import enrol_through_menu, open_actions
from tests.enrolment import builders
from tests.factories.directory import JobAssignmentFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_learner_enrols_with_the_key_after_a_wrong_one(sign_in):
    learner = UserFactory(username="kay")
    cert = builders.certification(fullname="Forklift safety")
    builders.group(cert, name="Warehouse A", enrolment_key="forklift2027")
    page = sign_in("kay")
    dialog = enrol_through_menu(page, cert)
    dialog.get_by_label("Enrolment key").fill("forklift2026")
    dialog.get_by_role("button", name="Enrol", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("That enrolment key is not correct.")).to_be_visible()
    assert not GroupMember.objects.filter(user=learner).exists()
    dialog.get_by_label("Enrolment key").fill("forklift2027")
    dialog.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("You are enrolled in Forklift safety")).to_be_visible()
    assert GroupMember.objects.filter(user=learner, self_enrolled=True).exists()


def test_a_full_group_says_so_and_the_other_group_is_offered(sign_in):
    learner = UserFactory(username="fay")
    cert = builders.certification(fullname="Forklift safety")
    full = builders.group(cert, name="Warehouse B", max_learners=1)
    services.group_enrol(group=full, learner=UserFactory())
    open_group = builders.group(cert, name="Warehouse C")
    page = sign_in("fay")
    page.goto(f"/certifications/{cert.pk}/")
    expect(page.get_by_text("Full: 1 of 1 place taken")).to_be_visible()
    dialog = enrol_through_menu(page, cert)
    expect(dialog.get_by_text("This group is full.")).to_be_visible()
    expect(dialog.get_by_role("button", name="Enrol in Warehouse B")).to_have_count(0)
    dialog.get_by_role("button", name="Enrol in Warehouse C").click()
    page.get_by_role("dialog").get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("You are enrolled in Forklift safety")).to_be_visible()
    assert GroupMember.objects.get(user=learner).group == open_group


def test_manager_approves_a_request_and_the_learner_is_enrolled(sign_in):
    learner = UserFactory(username="lee", first_name="Lee", last_name="Learner")
    boss = UserFactory(username="morgan")
    JobAssignmentFactory(user=learner, manager=boss)
    cert = builders.certification(fullname="Forklift safety")
    builders.group(cert, name="Supervised drivers", requires_approval=True)

    page = sign_in("lee")
    dialog = enrol_through_menu(page, cert)
    expect(dialog.get_by_text("This group needs approval")).to_be_visible()
    dialog.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("is awaiting approval")).to_be_visible()
    page.goto(f"/certifications/{cert.pk}/")
    open_actions(page, cert).get_by_role("menuitem", name="Enrolment details").click()
    details = page.get_by_role("dialog", name="Enrolment details")
    expect(details.get_by_text("Awaiting approval", exact=True)).to_be_visible()
    expect(details.get_by_role("link", name="Cancel request")).to_be_visible()
    assert not GroupMember.objects.filter(user=learner).exists()

    manager_page = sign_in("morgan")
    manager_page.goto("/")
    manager_page.get_by_role("link", name="Enrolment requests").click()
    manager_page.get_by_label("Select the request of Lee Learner").check()
    manager_page.get_by_label("Reason (optional)").fill("Ride along with Sam first.")
    manager_page.get_by_role("button", name="Approve").click()
    expect(manager_page.get_by_text("1 request approved.")).to_be_visible()
    expect(manager_page.get_by_text("No enrolment requests await approval.")).to_be_visible()

    assert EnrolmentRequest.objects.get(user=learner).status == RequestStatus.APPROVED
    page.goto(f"/certifications/{cert.pk}/")
    open_actions(page, cert).get_by_role("menuitem", name="Enrolment details").click()
    expect(page.get_by_role("dialog").get_by_text("You are enrolled in Forklift safety")).to_be_visible()
