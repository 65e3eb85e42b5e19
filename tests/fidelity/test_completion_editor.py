"""The completion editor never saves what nobody meant (DOMAIN §6, issue 10 point 5): empty or unchanged
submissions save nothing and say so; clearing a due date is an explicit "No due date" that asks for
confirmation; a history record needs its dates; a record corrected to Certified is due at its expiry."""

import datetime as dt

import pytest
from django.urls import reverse

from certifications.models import (
    AuditEvent,
    CertificationPath,
    CertificationRecordHistory,
    RecordStatus,
    RenewalStatus,
)
from tests.factories.certifications import CertificationRecordFactory
from tests.factories.reporting_data import NOW

pytestmark = pytest.mark.django_db
DUE = NOW + dt.timedelta(days=30, seconds=17)


@pytest.fixture
def record():
    return CertificationRecordFactory(
        status=RecordStatus.CERTIFIED,
        renewal_status=RenewalStatus.NOT_DUE,
        path=CertificationPath.RECERTIFICATION,
        completion_date=NOW - dt.timedelta(days=10),
        window_opens=NOW + dt.timedelta(days=20),
        expiry_date=DUE,
        due_date=DUE,
    )


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return client


def url(name, record, *args):
    return reverse(f"certifications:{name}", args=[record.certification_id, record.user_id, *args])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_an_empty_save_due_date_saves_nothing_and_says_what_is_missing(admin, record):
    response = admin.post(url("record_due_date", record), {"due_date": ""})
    assert response.status_code == 200
    assert "Enter a due date, or choose “No due date” to clear it." in response.content.decode()
    record.refresh_from_db()
    assert record.due_date == DUE
    assert not AuditEvent.objects.exists()


def test_an_unchanged_due_date_saves_nothing_and_says_so(admin, record):
    shown = admin.get(url("record_edit", record)).context["due_form"]["due_date"].value()
    response = admin.post(url("record_due_date", record), {"due_date": shown.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "Nothing was saved: the due date is unchanged." in messages_of(response)
    record.refresh_from_db()
    assert record.due_date == DUE
    assert not AuditEvent.objects.exists()


def test_no_due_date_asks_for_confirmation_then_clears_and_audits(admin, record, admin_user):
    response = admin.post(url("record_due_date", record), {"no_due_date": "on"})
    assert response.status_code == 200
    assert "Clear the due date of" in response.content.decode()
    record.refresh_from_db()
    assert record.due_date == DUE
    response = admin.post(url("record_due_date", record), {"no_due_date": "on", "confirm": "1"}, follow=True)
    assert "Due date cleared." in messages_of(response)
    record.refresh_from_db()
    assert record.due_date is None
    event = AuditEvent.objects.get(action="due_date_changed")
    assert (event.actor, event.after) == (admin_user, {"due_date": None})


def test_a_due_date_and_no_due_date_together_are_refused(admin, record):
    response = admin.post(url("record_due_date", record), {"due_date": "2026-07-01T09:00", "no_due_date": "on"})
    assert "not both" in response.content.decode()
    record.refresh_from_db()
    assert record.due_date == DUE


def posted(form) -> dict:
    """What a browser posts for a form as it is shown (datetime-local inputs: to the minute)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, dt.datetime) else (value or "")
    return data


def test_an_unchanged_record_correction_saves_nothing_and_says_so(admin, record):
    data = posted(admin.get(url("record_edit", record)).context["state_form"])
    response = admin.post(url("record_state", record), {**data, "confirm": "1"}, follow=True)
    assert "Nothing was saved: the record is unchanged." in messages_of(response)
    assert not AuditEvent.objects.exists()


def test_correcting_to_certified_sets_the_due_date_to_the_expiry_and_logs_it(admin):
    record = CertificationRecordFactory(status=RecordStatus.IN_PROGRESS, due_date=NOW + dt.timedelta(days=3))
    data = {
        "status": RecordStatus.CERTIFIED,
        "renewal_status": RenewalStatus.NOT_DUE,
        "path": CertificationPath.RECERTIFICATION,
        "due_date": "2026-06-04T12:00",
        "completion_date": "2026-05-01T00:00",
        "window_opens": "2027-04-01T00:00",
        "expiry_date": "2027-05-01T00:00",
    }
    preview = admin.post(url("record_state", record), data).content.decode()
    assert "Due date changes from 04 June 2026 12:00 to 01 May 2027 00:00." in preview
    admin.post(url("record_state", record), {**data, "confirm": "1"})
    record.refresh_from_db()
    assert record.due_date == dt.datetime(2027, 5, 1, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="corrected")
    assert event.after["due_date"].startswith("2027-05-01")


def test_an_empty_history_record_is_refused_with_what_it_needs(admin, record):
    form = admin.get(url("history_add", record)).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    for name in ("status", "renewal_status", "path"):  # a browser posts a select's first option
        data[name] = data[name] or form.fields[name].choices[0][0]
    data["archived_at"] = data["archived_at"].strftime("%Y-%m-%dT%H:%M")
    response = admin.post(url("history_add", record), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "A history record is a past certification: choose Certified or Expired." in errors["status"]
    assert not CertificationRecordHistory.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_expired_history_record_needs_its_completion_date(admin, record):
    data = {
        "status": RecordStatus.EXPIRED,
        "renewal_status": RenewalStatus.EXPIRED,
        "path": CertificationPath.CERTIFICATION,
        "expiry_date": "2026-01-01T00:00",
        "archived_at": "2026-01-01T00:00",
    }
    response = admin.post(url("history_add", record), data)
    assert "A history record needs its completion date." in response.context["form"].errors["completion_date"]
    response = admin.post(url("history_add", record), {**data, "completion_date": "2025-01-01T00:00"})
    assert response.status_code == 302
    assert CertificationRecordHistory.objects.get().status == RecordStatus.EXPIRED


def test_an_unchanged_history_edit_saves_nothing_and_says_so(admin, record):
    history = CertificationRecordHistory.objects.create(
        user=record.user,
        certification=record.certification,
        status=RecordStatus.EXPIRED,
        renewal_status=RenewalStatus.EXPIRED,
        completion_date=NOW - dt.timedelta(days=500),
        expiry_date=NOW - dt.timedelta(days=135),
        archived_at=NOW - dt.timedelta(days=135),
    )
    edit = url("history_edit", record, history.pk)
    response = admin.post(edit, posted(admin.get(edit).context["form"]), follow=True)
    assert "Nothing was saved: the history record is unchanged." in messages_of(response)
    assert not AuditEvent.objects.exists()
