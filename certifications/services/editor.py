"""An administrator's corrections on the Completion tab: due date, record state, history records.

Each validates with ``certifications.rules``, saves, and audits in one transaction.
"""

import datetime as dt

from django.db import transaction

from ..errors import RecordStateError
from ..models import CertificationRecord, CertificationRecordHistory
from ..rules import corrected_values, history_record_errors, record_state_errors, same_moment, unchanged
from .audit import RECORD_FIELDS, audit_write, record_snapshot

HISTORY_FIELDS = (*RECORD_FIELDS, "archived_at")


def record_due_date_set(*, record: CertificationRecord, due_date: dt.datetime | None, actor, now: dt.datetime) -> bool:
    """Set the learner's due date, earlier or later (only an administrator may move it earlier), or clear it
    (``None``). Returns whether anything changed: the same date (to the minute) saves and audits nothing."""
    if same_moment(record.due_date, due_date):
        return False
    with transaction.atomic():
        before = {"due_date": record.due_date}
        record.due_date = due_date
        record.updated_at = now
        record.save(update_fields=["due_date", "updated_at"])
        audit_write(
            user_id=record.user_id,
            certification_id=record.certification_id,
            subject="record",
            action="due_date_changed",
            before=before,
            after={"due_date": due_date},
            now=now,
            actor=actor,
        )
    return True


def record_correct(*, record: CertificationRecord, values: dict, actor, now: dt.datetime) -> bool:
    """Correct the record's status, renewal status, path and dates; refused unless they fit the status.

    A certified record's due date becomes its expiry date. Returns whether anything changed: a
    correction that says what the record already says saves and audits nothing.
    """
    merged = corrected_values({field: values.get(field, getattr(record, field)) for field in RECORD_FIELDS})
    errors = record_state_errors(merged, now=now)
    if errors:
        raise RecordStateError(errors)
    if unchanged({field: getattr(record, field) for field in RECORD_FIELDS}, merged):
        return False
    with transaction.atomic():
        before = record_snapshot(record)
        for field, value in merged.items():
            setattr(record, field, value)
        record.updated_at = now
        record.save()
        audit_write(
            user_id=record.user_id,
            certification_id=record.certification_id,
            subject="record",
            action="corrected",
            before=before,
            after=record_snapshot(record),
            now=now,
            actor=actor,
        )
    return True


def _history_snapshot(history: CertificationRecordHistory) -> dict:
    snapshot = record_snapshot(history)
    snapshot["archived_at"] = history.archived_at.isoformat() if history.archived_at else None
    return snapshot


def history_save(
    *, history: CertificationRecordHistory, values: dict, actor, now: dt.datetime
) -> CertificationRecordHistory:
    """Add (``history.pk`` is None) or edit a history record of a learner; returns whether anything changed
    (an edit that says what the record already says saves and audits nothing)."""
    merged = {field: values.get(field, getattr(history, field)) for field in HISTORY_FIELDS}
    errors = history_record_errors(merged, now=now, unassigned=history.unassigned)
    if errors:
        raise RecordStateError(errors)
    adding = history.pk is None
    if not adding and unchanged({field: getattr(history, field) for field in HISTORY_FIELDS}, merged):
        return False
    with transaction.atomic():
        before = None if adding else _history_snapshot(CertificationRecordHistory.objects.get(pk=history.pk))
        for field, value in merged.items():
            setattr(history, field, value)
        history.save()
        audit_write(
            user_id=history.user_id,
            certification_id=history.certification_id,
            subject="history",
            action="added" if adding else "edited",
            before=before,
            after=_history_snapshot(history),
            now=now,
            actor=actor,
        )
    return True


def history_delete(*, history: CertificationRecordHistory, actor, now: dt.datetime) -> None:
    with transaction.atomic():
        audit_write(
            user_id=history.user_id,
            certification_id=history.certification_id,
            subject="history",
            action="deleted",
            before=_history_snapshot(history),
            after=None,
            now=now,
            actor=actor,
        )
        history.delete()
