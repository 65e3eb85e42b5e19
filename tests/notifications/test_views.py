"""The Messages tab, the Notifications page, the bell and the preferences: who may see what (404 otherwise)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import JobAssignment
from notifications.models import CertificationMessage, MessageType, Notification, NotificationPreference
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory
from tests.factories.directory import SiteAdminFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def people():
    learner = UserFactory(username="learner", first_name="Lee", last_name="Learner")
    manager = UserFactory(username="manager")
    JobAssignment.objects.create(user=learner, manager=manager)
    return {
        "admin": SiteAdminFactory(username="admin"),
        "learner": learner,
        "other": UserFactory(username="other"),
        "manager": manager,
    }


@pytest.fixture
def certification():
    return CertificationFactory(fullname="Fire safety")


def enrolment(certification) -> CertificationMessage:
    return CertificationMessage.objects.get(certification=certification, type=MessageType.ENROLMENT)


def notify(user, subject="Hello", **fields):
    return Notification.objects.create(recipient=user, subject=subject, body="Body", created_at=NOW, **fields)


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("learner", 404), ("other", 404), ("manager", 404), ("admin", 200)]
)
@pytest.mark.parametrize("page", ["tab", "edit"])
def test_the_messages_tab_and_its_dialog_are_for_site_administrators_only(
    client, people, certification, role, status, page
):
    if role != "anonymous":
        client.force_login(people[role])
    url = (
        reverse("notifications:tab", args=[certification.pk])
        if page == "tab"
        else reverse("notifications:edit", args=[enrolment(certification).pk])
    )
    assert client.get(url).status_code == status
    if role != "admin":
        assert client.post(url, {"subject": "x", "body": "y"}).status_code == status
        assert enrolment(certification).subject != "x"


def test_the_tab_lists_every_message_after_completion(client, people, certification):
    client.force_login(people["admin"])
    response = client.get(reverse("notifications:tab", args=[certification.pk]))
    html = response.content.decode()
    for label in MessageType.labels:
        assert label in html
    assert html.index(">Completion<") < html.index(">Messages<")
    assert "7 days before the due date" in html and "1 day after the due date" in html


def test_saving_a_message_with_an_unknown_placeholder_names_it_and_changes_nothing(client, people, certification):
    client.force_login(people["admin"])
    message = enrolment(certification)
    url = reverse("notifications:edit", args=[message.pk])
    response = client.post(url, {"enabled": "on", "subject": "Hi {learner_name}", "body": "Due {due_dat}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown placeholder {learner_name}" in html and "Unknown placeholder {due_dat}" in html
    assert enrolment(certification).subject == message.subject


def test_an_empty_subject_is_refused_with_a_message(client, people, certification):
    client.force_login(people["admin"])
    url = reverse("notifications:edit", args=[enrolment(certification).pk])
    response = client.post(url, {"enabled": "on", "subject": "  ", "body": "Hello"})
    assert "Enter a subject." in response.content.decode()
    assert enrolment(certification).subject.startswith("You have been enrolled")


def test_saving_a_message_changes_it_and_returns_to_the_tab(client, people, certification):
    client.force_login(people["admin"])
    url = reverse("notifications:edit", args=[enrolment(certification).pk])
    data = {"subject": "Welcome, {learner_fullname}", "body": "See {certification_url}", "copy_to_manager": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    message = enrolment(certification)
    assert (message.enabled, message.subject, message.copy_to_manager) == (False, data["subject"], True)


def test_a_time_based_message_offers_its_offset_and_refuses_a_negative_one(client, people, certification):
    client.force_login(people["admin"])
    due = CertificationMessage.objects.get(certification=certification, type=MessageType.DUE)
    url = reverse("notifications:edit", args=[due.pk])
    assert "Days before the due date." in client.get(url).content.decode()
    response = client.post(url, {"enabled": "on", "subject": "s", "body": "b", "offset_days": "-3"})
    assert response.status_code == 200
    client.post(url, {"enabled": "on", "subject": "s", "body": "b", "offset_days": "3"})
    due.refresh_from_db()
    assert due.offset_days == 3


def test_preview_renders_the_typed_text_for_the_chosen_learner_without_saving(client, people, certification):
    client.force_login(people["admin"])
    CertificationRecordFactory(user=people["learner"], certification=certification, due_date=NOW)
    message = enrolment(certification)
    url = reverse("notifications:edit", args=[message.pk])
    data = {"enabled": "on", "subject": "For {learner_fullname}", "body": "{certification_fullname}: {due_date}"}
    response = client.post(url, {**data, "learner": people["learner"].pk, "preview": "1"})
    html = response.content.decode()
    assert "For Lee Learner" in html and "Fire safety: 1 Mar 2027, 9 a.m." in html
    assert enrolment(certification).subject == message.subject


def test_preview_without_a_learner_says_to_choose_one(client, people, certification):
    client.force_login(people["admin"])
    url = reverse("notifications:edit", args=[enrolment(certification).pk])
    response = client.post(url, {"enabled": "on", "subject": "s", "body": "b", "preview": "1"})
    assert "Choose a learner to preview the message for." in response.content.decode()


def test_the_edit_dialog_is_a_dialog_for_htmx(client, people, certification):
    client.force_login(people["admin"])
    url = reverse("notifications:edit", args=[enrolment(certification).pk])
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith("<dialog") and "{learner_fullname}" in html


def test_a_user_sees_only_their_own_notifications_newest_first(client, people):
    notify(people["learner"], "Older")
    Notification.objects.create(
        recipient=people["learner"], subject="Newer", body="b", created_at=NOW + dt.timedelta(hours=1)
    )
    notify(people["other"], "Someone else's")
    client.force_login(people["learner"])
    html = client.get(reverse("notifications:list")).content.decode()
    assert html.index("Newer") < html.index("Older")
    assert "Someone else" not in html


@pytest.mark.parametrize("action", ["read", "open"])
def test_another_users_notification_answers_404_and_stays_unread(client, people, action):
    theirs = notify(people["other"])
    client.force_login(people["learner"])
    assert client.post(reverse(f"notifications:{action}", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_and_mark_all_as_read(client, people):
    first, second, third = (notify(people["learner"]) for _ in range(3))
    theirs = notify(people["other"])
    client.force_login(people["learner"])
    client.post(reverse("notifications:read", args=[first.pk]))
    assert list(Notification.objects.filter(read_at__isnull=False)) == [first]
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.filter(recipient=people["learner"], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, people):
    notification = notify(people["learner"], url="/certifications/1/")
    client.force_login(people["learner"])
    response = client.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/certifications/1/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_bell_shows_the_unread_count_in_one_query(client, people):
    for _ in range(3):
        notify(people["learner"])
    notify(people["learner"], read_at=NOW)
    client.force_login(people["learner"])
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("preferences")).content.decode()
    assert '3<span class="visually-hidden"> unread</span>' in html
    assert len([q for q in queries.captured_queries if 'FROM "notifications_notification"' in q["sql"]]) == 1


def test_the_notifications_page_query_count_does_not_grow_with_notifications(client, people):
    client.force_login(people["learner"])
    notify(people["learner"])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))
    for _ in range(30):
        notify(people["learner"])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notifications:list"))
    assert len(many) == len(few)


def test_preferences_turn_email_off_and_on(client, people):
    client.force_login(people["learner"])
    assert "Email me notifications" in client.get(reverse("preferences")).content.decode()
    client.post(reverse("preferences"), {})
    assert NotificationPreference.objects.get(user=people["learner"]).email_enabled is False
    client.post(reverse("preferences"), {"email_enabled": "on"})
    assert NotificationPreference.objects.get(user=people["learner"]).email_enabled is True


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (reverse("notifications:list"), reverse("preferences")):
        assert client.get(url).status_code == 302


def test_recent_messages_show_each_recipients_state_in_a_fixed_number_of_queries(client, people, certification, now):
    from notifications.models import Delivery, EmailState

    message = enrolment(certification)

    def add(learner, state, reason=""):
        delivery = Delivery.objects.create(
            message=message, user=learner, certification=certification, created_at=now, expanded_at=now
        )
        notify(learner, delivery=delivery, email_state=state, email_error=reason)

    add(people["learner"], EmailState.FAILED, "SMTPRecipientsRefused: 550 No such mailbox here")
    client.force_login(people["admin"])
    url = reverse("notifications:tab", args=[certification.pk])
    with CaptureQueriesContext(connection) as few:
        html = client.get(url).content.decode()
    assert "Failed" in html and "550 No such mailbox here" in html
    for _ in range(10):
        add(UserFactory(), EmailState.SENT)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
