"""The self-enrolment flows as people use them, by visible labels (issue 5, item 9)."""

import re

import pytest
from playwright.sync_api import expect

from assignments.models import AssignmentType, Group, GroupMember
from assignments.services.rules import assignment_create
from certifications.models import CertificationRecord, Visibility
from tests.enrolment import builders
from tests.factories.directory import AudienceFactory, SiteAdminFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_actions(page, certification):
    page.goto(f"/certifications/{certification.pk}/")
    page.get_by_role("button", name="Actions").click()
    return page.get_by_role("menu", name="Actions")


def enrol_through_menu(page, certification):
    open_actions(page, certification).get_by_role("menuitem", name="Enrol", exact=True).click()
    return page.get_by_role("dialog")


def test_administrator_creates_two_groups(sign_in):
    SiteAdminFactory(username="ada")
    cert = builders.certification(fullname="Forklift safety")
    page = sign_in("ada")
    for name, withdraw in (("Day shift", True), ("Night shift", False)):
        page.goto(f"/site-admin/assignments/certifications/{cert.pk}/")
        page.get_by_role("button", name="Add…").click()
        page.get_by_role("menuitem", name="Group").click()
        dialog = page.get_by_role("dialog", name="Add group")
        expect(dialog.get_by_text("(required)")).to_be_visible()
        dialog.get_by_role("button", name="Ok").click()
        expect(dialog).to_be_visible()  # the browser refuses an empty Name
        dialog.get_by_label("Name").fill(name)
        dialog.get_by_label("Description").fill(f"About {name}")
        dialog.get_by_label("Allow learners to enrol").check()
        if withdraw:
            dialog.get_by_label("Allow learners to withdraw").check()
        dialog.get_by_role("button", name="Ok").click()
        expect(page.get_by_role("row", name=re.compile(name))).to_be_visible()
    assert list(Group.objects.order_by("name").values_list("name", "allow_enrol", "allow_withdraw")) == [
        ("Day shift", True, True),
        ("Night shift", True, False),
    ]


def test_learner_enrols_through_the_one_group_dialog_and_withdraws(sign_in):
    learner = UserFactory(username="lee")
    cert = builders.certification(fullname="Forklift safety")
    builders.group(cert, name="Warehouse", description="Covers forklift theory.")
    page = sign_in("lee")
    page.goto("/catalogue/")
    page.get_by_role("link", name="Forklift safety", exact=True).click()
    dialog = enrol_through_menu(page, cert)
    expect(dialog.get_by_text("Covers forklift theory.")).to_be_visible()
    expect(dialog.get_by_text("Are you sure you want to enrol in Forklift safety?")).to_be_visible()
    dialog.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("You are enrolled in Forklift safety")).to_be_visible()
    assert GroupMember.objects.filter(user=learner, self_enrolled=True).count() == 1

    page.get_by_role("dialog").get_by_role("link", name="Close").click()
    menu = open_actions(page, cert)
    expect(menu.get_by_role("menuitem", name="Enrol", exact=True)).to_have_count(0)
    menu.get_by_role("menuitem", name="Enrolment details").click()
    page.get_by_role("dialog").get_by_role("link", name="Withdraw").click()
    confirm = page.get_by_role("dialog", name="Withdraw from Forklift safety")
    expect(confirm.get_by_text("Are you sure you want to withdraw")).to_be_visible()
    confirm.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("You have withdrawn from Forklift safety.")).to_be_visible()
    assert not GroupMember.objects.filter(user=learner).exists()


def test_learner_enrols_through_the_multi_group_dialog(sign_in):
    learner = UserFactory(username="lou")
    cert = builders.certification(fullname="First aid")
    builders.group(cert, name="Day shift", description="Mornings")
    night = builders.group(cert, name="Night shift", description="Evenings")
    page = sign_in("lou")
    dialog = enrol_through_menu(page, cert)
    expect(dialog.get_by_text("Mornings")).to_be_visible()
    dialog.get_by_role("button", name="Enrol in Night shift").click()
    confirm = page.get_by_role("dialog")
    expect(confirm.get_by_text("Are you sure you want to enrol in First aid?")).to_be_visible()
    expect(confirm.get_by_text("Mornings")).to_have_count(0)
    confirm.get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("You are enrolled in First aid")).to_be_visible()
    assert GroupMember.objects.get(user=learner).group == night


def test_no_withdraw_where_withdrawal_is_off(sign_in):
    learner = UserFactory(username="kim")
    cert = builders.certification(fullname="Ladders")
    builders.group(cert, name="Site crew", allow_withdraw=False)
    page = sign_in("kim")
    enrol_through_menu(page, cert).get_by_role("button", name="Enrol", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("You are enrolled in Ladders")).to_be_visible()
    page.goto(f"/certifications/{cert.pk}/")
    open_actions(page, cert).get_by_role("menuitem", name="Enrolment details").click()
    dialog = page.get_by_role("dialog", name="Enrolment details")
    expect(dialog.get_by_text("does not allow learners to withdraw")).to_be_visible()
    expect(dialog.get_by_role("link", name="Withdraw")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert GroupMember.objects.filter(user=learner).exists()


def test_audience_assigned_learner_self_enrols_and_stays_assigned_after_withdrawing(sign_in):
    learner = UserFactory(username="ana")
    cert = builders.certification(fullname="Fire safety")
    audience = AudienceFactory(name="Everyone")
    audience.members.add(learner)
    assignment_create(certification=cert, type=AssignmentType.AUDIENCE, target=audience)
    builders.group(cert, name="Volunteers")
    page = sign_in("ana")
    page.goto(f"/certifications/{cert.pk}/")
    expect(page.get_by_text("Member of audience 'Everyone'")).to_be_visible()
    enrol_through_menu(page, cert).get_by_role("button", name="Enrol", exact=True).click()
    page.get_by_role("dialog").get_by_role("link", name="Close").click()
    expect(page.get_by_text("Self-enrolled in group 'Volunteers'")).to_be_visible()
    open_actions(page, cert).get_by_role("menuitem", name="Enrolment details").click()
    page.get_by_role("dialog").get_by_role("link", name="Withdraw").click()
    page.get_by_role("dialog").get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("You have withdrawn from Fire safety.")).to_be_visible()
    expect(page.get_by_text("Member of audience 'Everyone'")).to_be_visible()
    expect(page.get_by_text("Self-enrolled in group 'Volunteers'")).to_have_count(0)
    assert CertificationRecord.objects.filter(user=learner, certification=cert).exists()


def test_administrator_adds_and_removes_members(sign_in):
    SiteAdminFactory(username="ada")
    alice = UserFactory(username="alice", first_name="Alice", last_name="Archer")
    UserFactory(username="alan", first_name="Alan", last_name="Archer")
    UserFactory(username="bob", first_name="Bob", last_name="Baker")
    group = builders.group(builders.certification(fullname="Cranes"), name="Crane crew")
    page = sign_in("ada")
    page.goto(f"/site-admin/assignments/certifications/{group.certification_id}/groups/")
    page.get_by_role("link", name="Add users to Crane crew").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Search users").fill("archer")
    dialog.get_by_role("button", name="Search").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Bob Baker")).to_have_count(0)
    dialog.get_by_label(re.compile("Alice Archer")).check()
    dialog.get_by_label(re.compile("Alan Archer")).check()
    dialog.get_by_role("button", name="Add").click()
    expect(page.get_by_text("2 member(s) added")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Alice Archer"))).to_contain_text("Added by an administrator")
    page.get_by_role("link", name="Remove Alice Archer").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Alice Archer removed from 'Crane crew'.")).to_be_visible()
    assert list(GroupMember.objects.values_list("user__username", flat=True)) == ["alan"]
    assert not GroupMember.objects.filter(user=alice).exists()


def test_hidden_certification_offers_no_enrol(sign_in):
    UserFactory(username="hal")
    hidden = builders.certification(fullname="Secret", visibility=Visibility.NONE)
    builders.group(hidden)
    enrolled_only = builders.certification(fullname="Members only", visibility=Visibility.ENROLLED)
    builders.group(enrolled_only)
    page = sign_in("hal")
    page.goto("/catalogue/")
    expect(page.get_by_role("link", name="Secret")).to_have_count(0)
    expect(page.get_by_role("link", name="Members only")).to_have_count(0)
    response = page.goto(f"/certifications/{hidden.pk}/")
    assert response.status == 404
    expect(page.get_by_role("menuitem", name="Enrol", exact=True)).to_have_count(0)
    assert page.goto(f"/certifications/{hidden.pk}/enrol/").status == 404


def test_actions_menu_and_enrol_dialog_work_from_the_keyboard(sign_in):
    UserFactory(username="kay")
    cert = builders.certification(fullname="Scaffolding")
    builders.group(cert, name="Builders")
    page = sign_in("kay")
    page.goto(f"/certifications/{cert.pk}/")
    button = page.get_by_role("button", name="Actions")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    enrol = page.get_by_role("menuitem", name="Enrol", exact=True)
    expect(enrol).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu", name="Actions")).to_be_hidden()
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # on the focused Enrol item
    dialog = page.get_by_role("dialog", name="Enrol in Scaffolding")
    expect(dialog.get_by_role("button", name="Enrol", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert not GroupMember.objects.exists()
