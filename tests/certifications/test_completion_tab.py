"""The Completion tab and the per-learner editor: validated, audited, permission-checked (the matrix is
in test_admin_views)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from certifications.models import (
    AuditEvent,
    CertificationPath,
    CertificationRecord,
    CertificationRecordHistory,
    RecordStatus,
    RenewalStatus,
)
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def certification():
    return CertificationFactory(fullname="Fire safety")


def edit_url(record):
    return reverse("certifications:record_edit", args=[record.certification_id, record.user_id])


def test_completion_list_search_filter_paging_and_query_count(
    client, admin_user, certification, django_assert_max_num_queries
):
    ada = CertificationRecordFactory(
        certification=certification, user=UserFactory(first_name="Ada", last_name="Lovelace")
    )
    CertificationRecordFactory(
        certification=certification,
        user=UserFactory(first_name="Alan", last_name="Turing"),
        status=RecordStatus.CERTIFIED,
        renewal_status=RenewalStatus.DUE,
        path=CertificationPath.RECERTIFICATION,
        due_date=NOW + dt.timedelta(days=3),
        expiry_date=NOW + dt.timedelta(days=3),
    )
    for _ in range(60):
        CertificationRecordFactory(certification=certification)
    CertificationRecordFactory(user=UserFactory(first_name="Grace", last_name="Hopper"))  # another certification
    client.force_login(admin_user)
    url = reverse("certifications:completion", args=[certification.pk])
    with django_assert_max_num_queries(10):  # 8, the bell's unread count, routes awaiting their event
        response = client.get(url)
    html = response.content.decode()
    assert "Hopper" not in html
    assert html.count('aria-label="Edit ') == 50
    with django_assert_max_num_queries(10):  # 8, the bell's unread count, routes awaiting their event
        response = client.get(url, {"page": 2})
    assert response.content.decode().count('aria-label="Edit ') == 12
    html = client.get(url, {"q": "lovelace"}).content.decode()
    assert "Ada Lovelace" in html and "Alan Turing" not in html
    assert edit_url(ada) in html
    html = client.get(url, {"status": RecordStatus.CERTIFIED}).content.decode()
    assert "Alan Turing" in html and "Ada Lovelace" not in html
    for label in ("Name", "Status", "Renewal status", "Due date", "Expiry date", "Due", "No due date"):
        assert label in client.get(url).content.decode()


def test_editor_shows_record_history_and_change_log(client, admin_user, certification):
    record = CertificationRecordFactory(certification=certification)
    CertificationRecordHistory.objects.create(
        user=record.user,
        certification=certification,
        status=RecordStatus.CERTIFIED,
        archived_at=NOW - dt.timedelta(days=5),
    )
    AuditEvent.objects.create(
        at=NOW, user=record.user, certification=certification, subject="record", action="assigned", actor_label="x"
    )
    client.force_login(admin_user)
    html = client.get(edit_url(record)).content.decode()
    assert "History records" in html and "Change log" in html and "Record: assigned" in html


def test_due_date_can_move_earlier_and_is_audited(client, admin_user, certification):
    record = CertificationRecordFactory(certification=certification, due_date=NOW + dt.timedelta(days=30))
    client.force_login(admin_user)
    response = client.post(
        reverse("certifications:record_due_date", args=[certification.pk, record.user_id]),
        {"due_date": "2026-06-10T09:00"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.due_date == dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="due_date_changed")
    assert event.actor == admin_user
    assert event.before["due_date"].startswith("2026-07-01")
    assert event.after["due_date"].startswith("2026-06-10")


def state(**changes):
    data = {
        "status": RecordStatus.CERTIFIED,
        "renewal_status": RenewalStatus.NOT_DUE,
        "path": CertificationPath.RECERTIFICATION,
        "due_date": "2027-05-01T00:00",
        "completion_date": "2026-05-01T00:00",
        "window_opens": "2027-04-01T00:00",
        "expiry_date": "2027-05-01T00:00",
        "baseline_expiry": "2027-05-01T00:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_correcting_the_state_previews_consequences_then_saves_and_audits(client, admin_user, certification):
    record = CertificationRecordFactory(certification=certification, status=RecordStatus.IN_PROGRESS)
    url = reverse("certifications:record_state", args=[certification.pk, record.user_id])
    client.force_login(admin_user)
    response = client.post(url, state(window_opens="2026-05-20T00:00"))
    html = response.content.decode()
    assert "Saving will do this" in html
    assert "Status changes from In progress to Certified." in html
    assert "the next lifecycle run will open the recertification window" in html
    record.refresh_from_db()
    assert record.status == RecordStatus.IN_PROGRESS
    response = client.post(url, {**state(), "confirm": "1"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.path) == (RecordStatus.CERTIFIED, CertificationPath.RECERTIFICATION)
    assert record.expiry_date == dt.datetime(2027, 5, 1, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="corrected")
    assert event.actor == admin_user
    assert event.before["status"] == RecordStatus.IN_PROGRESS
    assert event.after["status"] == RecordStatus.CERTIFIED


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (state(expiry_date=""), "expiry_date", "A certified record needs this date."),
        (state(path=CertificationPath.CERTIFICATION), "path", "A certified learner is on the recertification path."),
        (
            state(renewal_status=RenewalStatus.DUE),
            "renewal_status",
            'Renewal can only be "Due" once the window has opened.',
        ),
        (
            state(status=RecordStatus.NOT_CERTIFIED, path=CertificationPath.CERTIFICATION),
            "completion_date",
            "Leave this empty until the learner certifies.",
        ),
        (
            state(
                status=RecordStatus.EXPIRED,
                path=CertificationPath.CERTIFICATION,
                renewal_status=RenewalStatus.EXPIRED,
            ),
            "expiry_date",
            "An expired record's expiry date is in the past.",
        ),
        (
            state(status=RecordStatus.EXPIRED),
            "renewal_status",
            'An expired record has renewal status "Renewal expired".',
        ),
        (state(window_opens="2027-06-01T00:00"), "window_opens", "The window cannot open after the expiry date."),
    ],
)
def test_correcting_the_state_is_validated_per_status(client, admin_user, certification, data, field, message):
    record = CertificationRecordFactory(certification=certification, status=RecordStatus.IN_PROGRESS)
    client.force_login(admin_user)
    response = client.post(
        reverse("certifications:record_state", args=[certification.pk, record.user_id]), {**data, "confirm": "1"}
    )
    assert response.status_code == 200
    assert message in response.context["state_form"].errors[field]
    record.refresh_from_db()
    assert record.status == RecordStatus.IN_PROGRESS
    assert not AuditEvent.objects.exists()


def test_history_records_add_edit_delete_audited(client, admin_user, certification):
    record = CertificationRecordFactory(certification=certification)
    client.force_login(admin_user)
    add_url = reverse("certifications:history_add", args=[certification.pk, record.user_id])
    response = client.post(add_url, {**state(), "archived_at": "2026-04-01T00:00"})
    assert response.status_code == 302
    history = CertificationRecordHistory.objects.get()
    assert (history.status, history.unassigned) == (RecordStatus.CERTIFIED, False)
    response = client.post(add_url, {**state(completion_date=""), "archived_at": "2026-04-01T00:00"})
    assert response.status_code == 200
    assert "A certified record needs this date." in response.context["form"].errors["completion_date"]
    edit = reverse("certifications:history_edit", args=[certification.pk, record.user_id, history.pk])
    client.post(edit, {**state(completion_date="2026-04-15T00:00"), "archived_at": "2026-04-01T00:00"})
    history.refresh_from_db()
    assert history.completion_date == dt.datetime(2026, 4, 15, tzinfo=dt.UTC)
    client.post(reverse("certifications:history_delete", args=[certification.pk, record.user_id, history.pk]))
    assert not CertificationRecordHistory.objects.exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("subject", "action", "actor"))
    assert actions == [
        ("history", "added", admin_user.pk),
        ("history", "edited", admin_user.pk),
        ("history", "deleted", admin_user.pk),
    ]


def test_editor_for_a_learner_without_record_is_404(client, admin_user, certification):
    other = CertificationRecordFactory()
    client.force_login(admin_user)
    url = reverse("certifications:record_edit", args=[certification.pk, other.user_id])
    assert client.get(url).status_code == 404
    assert CertificationRecord.objects.count() == 1


def test_completion_list_shows_routes_from_a_registered_source(
    client, admin_user, certification, django_assert_max_num_queries, monkeypatch
):
    """Without a source (the assignments app registers one) the column is hidden; with one it shows."""
    from certifications.routes import register_routes_source, unregister_routes_source

    monkeypatch.setattr("certifications.routes._sources", [])

    records = [CertificationRecordFactory(certification=certification) for _ in range(3)]
    calls = []

    def source(*, certification_id, user_ids):
        calls.append(sorted(user_ids))
        return {user_id: [f"Audience: Team {user_id}", "Group: <Night>"] for user_id in user_ids}

    client.force_login(admin_user)
    url = reverse("certifications:completion", args=[certification.pk])
    assert "Assignment routes" not in client.get(url).content.decode()
    register_routes_source(source)
    try:
        with django_assert_max_num_queries(10):  # 8, the bell's unread count, routes awaiting their event
            html = client.get(url).content.decode()
    finally:
        unregister_routes_source(source)
    assert calls == [sorted(r.user_id for r in records)]
    assert "Assignment routes" in html
    assert f"Audience: Team {records[0].user_id}" in html
    assert "Group: &lt;Night&gt;" in html
