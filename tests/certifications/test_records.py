"""The set-based record services: assign (or restore), unassign, due dates; audited and idempotent."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Case, DateTimeField, F, Value, When

from certifications.models import (
    AuditEvent,
    CertificationPath,
    CertificationRecord,
    CertificationRecordHistory,
    RecordStatus,
    RenewalStatus,
)
from certifications.services import (
    audit_insert_select,
    audit_write,
    record_assign_many,
    record_due_dates_apply,
    record_unassign_many,
)
from tests.factories.certifications import (
    CertificationFactory,
    CertificationRecordFactory,
    CertificationRecordHistoryFactory,
)
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
User = get_user_model()


def test_assign_creates_not_certified_records_and_audits(admin_user):
    certification = CertificationFactory()
    users = UserFactory.create_batch(3)
    created = record_assign_many(
        certification_id=certification.pk, user_ids=[u.pk for u in users], now=NOW, actor=admin_user
    )
    assert created == 3
    records = CertificationRecord.objects.filter(certification=certification)
    assert records.count() == 3
    record = records.first()
    assert (record.path, record.status, record.renewal_status) == (
        CertificationPath.CERTIFICATION,
        RecordStatus.NOT_CERTIFIED,
        RenewalStatus.NOT_DUE,
    )
    assert record.assigned_at == NOW
    events = AuditEvent.objects.filter(certification=certification, action="assigned")
    assert events.count() == 3
    event = events.first()
    assert event.actor == admin_user
    assert event.at == NOW
    assert event.before is None
    assert event.after["status"] == RecordStatus.NOT_CERTIFIED


def test_assign_is_idempotent():
    certification = CertificationFactory()
    users = UserFactory.create_batch(2)
    ids = User.objects.filter(pk__in=[u.pk for u in users]).values_list("id", flat=True)
    assert record_assign_many(certification_id=certification.pk, user_ids=ids, now=NOW) == 2
    assert record_assign_many(certification_id=certification.pk, user_ids=ids, now=NOW) == 0
    assert CertificationRecord.objects.count() == 2
    assert AuditEvent.objects.count() == 2


def test_assign_accepts_a_queryset_with_duplicates_and_leaves_other_records_alone():
    certification = CertificationFactory()
    other = CertificationFactory()
    user = UserFactory()
    existing = CertificationRecordFactory(user=user, certification=other, status=RecordStatus.CERTIFIED)
    new_user = UserFactory()
    ids = (
        User.objects.filter(pk__in=[user.pk, new_user.pk])
        .values_list("id", flat=True)
        .union(User.objects.filter(pk=user.pk).values_list("id", flat=True), all=True)
    )
    assert record_assign_many(certification_id=certification.pk, user_ids=ids, now=NOW) == 2
    existing.refresh_from_db()
    assert existing.status == RecordStatus.CERTIFIED


def test_assign_with_nothing_to_do():
    certification = CertificationFactory()
    assert record_assign_many(certification_id=certification.pk, user_ids=[], now=NOW) == 0


def test_unassign_deletes_never_started_and_keeps_started_in_history(admin_user):
    certification = CertificationFactory()
    fresh = CertificationRecordFactory(certification=certification)
    started = CertificationRecordFactory(
        certification=certification, status=RecordStatus.IN_PROGRESS, due_date=NOW + dt.timedelta(days=9)
    )
    bystander = CertificationRecordFactory(certification=certification)
    removed = record_unassign_many(
        certification_id=certification.pk,
        user_ids=[fresh.user_id, started.user_id],
        now=NOW,
        actor=None,
        actor_label="test sweep",
    )
    assert removed == 2
    assert list(CertificationRecord.objects.values_list("id", flat=True)) == [bystander.pk]
    history = CertificationRecordHistory.objects.get()
    assert (history.user_id, history.status, history.unassigned, history.archived_at) == (
        started.user_id,
        RecordStatus.IN_PROGRESS,
        True,
        NOW,
    )
    assert history.due_date == started.due_date
    actions = dict(AuditEvent.objects.values_list("user_id", "action"))
    assert actions == {fresh.user_id: "deleted", started.user_id: "unassigned"}
    event = AuditEvent.objects.get(user_id=started.user_id)
    assert event.actor_label == "test sweep"
    assert event.before["status"] == RecordStatus.IN_PROGRESS
    assert event.after is None
    assert record_unassign_many(certification_id=certification.pk, user_ids=[started.user_id], now=NOW) == 0
    assert CertificationRecordHistory.objects.count() == 1


@pytest.mark.parametrize(
    "state",
    [
        {"status": RecordStatus.IN_PROGRESS},
        {
            "status": RecordStatus.CERTIFIED,
            "path": CertificationPath.RECERTIFICATION,
            "completion_date": NOW - dt.timedelta(days=30),
            "expiry_date": NOW + dt.timedelta(days=335),
            "window_opens": NOW + dt.timedelta(days=305),
            "baseline_expiry": NOW + dt.timedelta(days=335),
            "due_date": NOW + dt.timedelta(days=335),
        },
        {
            "status": RecordStatus.CERTIFIED,
            "renewal_status": RenewalStatus.DUE,
            "path": CertificationPath.RECERTIFICATION,
            "completion_date": NOW - dt.timedelta(days=340),
            "expiry_date": NOW + dt.timedelta(days=25),
            "window_opens": NOW - dt.timedelta(days=5),
            "baseline_expiry": NOW + dt.timedelta(days=25),
            "due_date": NOW + dt.timedelta(days=25),
        },
        {
            "status": RecordStatus.EXPIRED,
            "renewal_status": RenewalStatus.EXPIRED,
            "completion_date": NOW - dt.timedelta(days=400),
            "expiry_date": NOW - dt.timedelta(days=35),
            "baseline_expiry": NOW - dt.timedelta(days=35),
            "due_date": NOW - dt.timedelta(days=35),
        },
    ],
    ids=["in progress", "certified", "window open", "expired"],
)
def test_unassign_then_assign_restores_the_state(state):
    certification = CertificationFactory()
    record = CertificationRecordFactory(certification=certification, **state)
    fields = ("path", "status", "renewal_status", "due_date", "completion_date", "window_opens", "expiry_date")
    before = {f: getattr(record, f) for f in fields}
    record_unassign_many(certification_id=certification.pk, user_ids=[record.user_id], now=NOW)
    later = NOW + dt.timedelta(days=3)
    assert record_assign_many(certification_id=certification.pk, user_ids=[record.user_id], now=later) == 1
    restored = CertificationRecord.objects.get(user_id=record.user_id, certification=certification)
    assert {f: getattr(restored, f) for f in fields} == before
    assert restored.assigned_at == later
    assert not CertificationRecordHistory.objects.filter(unassigned=True).exists()
    assert AuditEvent.objects.filter(user_id=record.user_id, action="restored").count() == 1
    assert record_assign_many(certification_id=certification.pk, user_ids=[record.user_id], now=later) == 0


def test_unassign_then_assign_never_started_gives_a_fresh_record():
    certification = CertificationFactory()
    record = CertificationRecordFactory(certification=certification, due_date=NOW)
    record_unassign_many(certification_id=certification.pk, user_ids=[record.user_id], now=NOW)
    record_assign_many(certification_id=certification.pk, user_ids=[record.user_id], now=NOW)
    fresh = CertificationRecord.objects.get(user_id=record.user_id)
    assert fresh.status == RecordStatus.NOT_CERTIFIED
    assert fresh.due_date is None
    assert AuditEvent.objects.filter(user_id=record.user_id, action="assigned").count() == 1


def test_restore_takes_the_newest_unassigned_history_and_keeps_completed_periods():
    certification = CertificationFactory()
    user = UserFactory()
    period = CertificationRecordHistoryFactory(
        user=user, certification=certification, status=RecordStatus.CERTIFIED, unassigned=False
    )
    CertificationRecordHistoryFactory(
        user=user, certification=certification, status=RecordStatus.IN_PROGRESS, unassigned=True
    )
    newest = CertificationRecordHistoryFactory(
        user=user, certification=certification, status=RecordStatus.EXPIRED, unassigned=True
    )
    other_user = UserFactory()
    record_assign_many(certification_id=certification.pk, user_ids=[user.pk, other_user.pk], now=NOW)
    assert CertificationRecord.objects.get(user=user).status == RecordStatus.EXPIRED
    assert CertificationRecord.objects.get(user=other_user).status == RecordStatus.NOT_CERTIFIED
    remaining = set(CertificationRecordHistory.objects.values_list("id", flat=True))
    assert period.pk in remaining
    assert newest.pk not in remaining


def test_due_dates_move_later_only_unless_allowed(admin_user):
    certification = CertificationFactory()
    early = NOW + dt.timedelta(days=10)
    late = NOW + dt.timedelta(days=40)
    unknown = CertificationRecordFactory(certification=certification, due_date=None)
    later = CertificationRecordFactory(certification=certification, due_date=early)
    earlier = CertificationRecordFactory(certification=certification, due_date=late)
    certified = CertificationRecordFactory(
        certification=certification,
        status=RecordStatus.CERTIFIED,
        path=CertificationPath.RECERTIFICATION,
        due_date=early,
    )
    targets = {unknown.user_id: late, later.user_id: late, earlier.user_id: early, certified.user_id: late}
    # A queryset yielding (user_id, due_date), as the engine passes routes grouped by learner.
    due_dates = (
        User.objects.filter(pk__in=targets)
        .annotate(user_id=F("id"))
        .annotate(due_date=Case(*[When(id=u, then=Value(d)) for u, d in targets.items()], output_field=DateTimeField()))
        .values("user_id", "due_date")
    )
    changed = record_due_dates_apply(certification_id=certification.pk, due_dates=due_dates, now=NOW)
    assert changed == 2
    got = dict(CertificationRecord.objects.values_list("user_id", "due_date"))
    assert got[unknown.user_id] == late
    assert got[later.user_id] == late
    assert got[earlier.user_id] == late
    assert got[certified.user_id] == early
    assert record_due_dates_apply(certification_id=certification.pk, due_dates=due_dates, now=NOW) == 0
    changed = record_due_dates_apply(
        certification_id=certification.pk, due_dates=due_dates, now=NOW, allow_earlier=True, actor=admin_user
    )
    assert changed == 1
    assert CertificationRecord.objects.get(pk=earlier.pk).due_date == early
    event = AuditEvent.objects.filter(user_id=earlier.user_id, action="due_date_changed").first()
    assert event.actor == admin_user
    assert event.before["due_date"] is not None
    assert AuditEvent.objects.filter(action="due_date_changed").count() == 3


def test_audit_write_and_insert_select(admin_user):
    certification = CertificationFactory()
    users = UserFactory.create_batch(3)
    event = audit_write(
        user_id=users[0].pk,
        certification_id=certification.pk,
        subject="route",
        action="added",
        before=None,
        after={"due": NOW},
        now=NOW,
        actor=admin_user,
    )
    assert event.after == {"due": NOW.isoformat().replace("+00:00", "Z")}
    ids = User.objects.filter(pk__in=[u.pk for u in users]).values_list("id", flat=True)
    written = audit_insert_select(
        user_ids=ids,
        certification_id=certification.pk,
        subject="membership",
        action="added",
        after={"group": "Night shift"},
        now=NOW,
        actor_label="assignment sweep",
    )
    assert written == 3
    rows = AuditEvent.objects.filter(subject="membership")
    assert {r.after["group"] for r in rows} == {"Night shift"}
    assert {r.actor_label for r in rows} == {"assignment sweep"}
    assert all(r.before is None and r.at == NOW for r in rows)


def test_assign_can_create_records_with_their_due_dates():
    certification = CertificationFactory()
    with_date, without_date, not_listed = UserFactory.create_batch(3)
    due = NOW + dt.timedelta(days=60)
    due_dates = (
        User.objects.filter(pk__in=[with_date.pk, without_date.pk])
        .annotate(user_id=F("id"))
        .annotate(due_date=Case(When(id=with_date.pk, then=Value(due)), default=None, output_field=DateTimeField()))
        .values("user_id", "due_date")
    )
    created = record_assign_many(
        certification_id=certification.pk,
        user_ids=[with_date.pk, without_date.pk, not_listed.pk],
        now=NOW,
        due_dates=due_dates,
    )
    assert created == 3
    assert dict(CertificationRecord.objects.values_list("user_id", "due_date")) == {
        with_date.pk: due,
        without_date.pk: None,
        not_listed.pk: None,
    }
    event = AuditEvent.objects.get(user=with_date, action="assigned")
    assert event.after["due_date"] is not None and event.after["status"] == RecordStatus.NOT_CERTIFIED
    assert AuditEvent.objects.get(user=not_listed, action="assigned").after["due_date"] is None
    # The due dates are already there: applying them again changes nothing.
    assert record_due_dates_apply(certification_id=certification.pk, due_dates=due_dates, now=NOW) == 0
