"""Notifications as people use them, by visible labels: the bell, reading, the Messages tab's dialog."""

import pytest
from playwright.sync_api import expect

from assignments.services.engine import assignment_materialise
from notifications.models import CertificationMessage, MessageType, Notification
from notifications.services import deliveries_expand
from tests.assignments.helpers import audience_assignment
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import SiteAdminFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_learner_reads_their_enrolment_under_the_bell(sign_in):
    learner = UserFactory(username="lee", first_name="Lee", last_name="Learner")
    certification = CertificationFactory(fullname="Fire safety")
    assignment_materialise(assignment_id=audience_assignment([learner], certification=certification).pk)
    deliveries_expand()
    page = sign_in("lee")
    bell = page.get_by_role("link", name="Notifications")
    expect(bell).to_contain_text("1")
    bell.click()
    expect(page.get_by_role("heading", name="Unread You have been enrolled in Fire safety")).to_be_visible()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("1 notification(s) marked as read.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications")).not_to_contain_text("1")
    assert Notification.objects.get(recipient=learner).read_at is not None


def test_an_administrator_edits_a_message_and_is_told_of_an_unknown_placeholder(sign_in):
    SiteAdminFactory(username="ada")
    certification = CertificationFactory(fullname="Fire safety")
    page = sign_in("ada")
    page.goto(f"/site-admin/certifications/{certification.pk}/messages/")
    row = page.get_by_role("row", name="Certification due")
    row.get_by_role("link", name="Edit").click()
    dialog = page.get_by_role("dialog", name="Edit message: Certification due")
    dialog.get_by_label("Subject").fill("Due: {due}")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Unknown placeholder {due}: choose one from the list.")).to_be_visible()
    dialog.get_by_label("Subject").fill("Due on {due_date}")
    dialog.get_by_label("Days").fill("3")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Message Certification due saved.")).to_be_visible()
    expect(page.get_by_role("row", name="Certification due")).to_contain_text("3 days before the due date")
    due = CertificationMessage.objects.get(certification=certification, type=MessageType.DUE)
    assert (due.subject, due.offset_days) == ("Due on {due_date}", 3)
