"""Learner records of several certifications in one statement each: assign (or restore), unassign,
due dates — for the per-learner path of the engine (a few learners, any number of certifications).

The rows to change are given as SQL yielding ``(user_id, certification_id[, due_date])``, so the
certification is a column of every statement, never a loop. Each write and its audit rows are one
statement (a data-modifying CTE), and the learners' Enrolment/Unenrolment messages are announced
once for all certifications (``records_changed``). PostgreSQL only: the set-of-one-certification
services in ``records`` are the path SQLite takes. The rules are those of ``records`` (restore
semantics of decision 0031; a due date only moves later while working towards a first
certification; a never-started record is deleted, any other kept in history as unassigned).
"""

from __future__ import annotations

import datetime as dt
import operator
from functools import reduce

from django.db import connection
from django.db.models import Q

from courses.models import CourseCompletion

from ..models import (
    AuditEvent,
    CertificationPath,
    CertificationRecord,
    CertificationRecordHistory,
    CourseSet,
    RecordStatus,
    RenewalStatus,
)
from ..sql import Sql, db_datetime, json_object_sql, table
from .audit import RECORD_FIELDS, audit_rows_sql
from .records import SUBJECT, announce_learners

RECORD = table(CertificationRecord)
HISTORY = table(CertificationRecordHistory)
_FIELDS = ", ".join(RECORD_FIELDS)


def _count(statement: Sql) -> int:
    """Run a data-modifying CTE ending in ``SELECT COUNT(*)``; returns that count."""
    return int(_rows(statement)[0][0])


def _rows(statement: Sql) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchall()


def _audit(rows: Sql | str, action: str, *, now, actor, actor_label: str, before="NULL", after="NULL") -> Sql:
    """One record audit row per row ``new`` of ``rows`` (with ``user_id`` and ``certification_id``)."""
    return audit_rows_sql(
        rows=rows,
        user_id="new.user_id",
        subject=SUBJECT,
        action=action,
        now=now,
        before=before,
        after=after,
        actor=actor,
        actor_label=actor_label,
        certification="new.certification_id",
    )


def _pairs(rows) -> Q:
    return reduce(operator.or_, (Q(user_id=u, certification_id=c) for u, c in rows))


def announce(*, event: str, changed: list[tuple[int, int]], now: dt.datetime, actions: tuple) -> None:
    """``records_changed`` once for the records ``(user_id, certification_id)`` the statements changed
    (read back from their audit rows at ``now``, so that the query names exactly those)."""
    if not changed:
        return
    learners = (
        AuditEvent.objects.filter(_pairs(changed), at=now, subject=SUBJECT, action__in=actions)
        .order_by()
        .values("user_id", "certification_id")
        .distinct()
    )
    announce_learners(event=event, learners=learners, now=now)


def _no_record(alias: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM {RECORD} r WHERE r.user_id = {alias}.user_id "
        f"AND r.certification_id = {alias}.certification_id)"
    )


def _learned(alias: str) -> str:
    """SQL: the learner of row ``alias`` holds a completion of one of its certification's courses."""
    through = CourseSet.courses.through
    return (
        f"EXISTS (SELECT 1 FROM {table(CourseCompletion)} cc JOIN {table(through)} t "
        f"ON t.{through._meta.get_field('course').column} = cc.course_id JOIN {table(CourseSet)} cs "
        f"ON cs.id = t.{through._meta.get_field('courseset').column} "
        f"WHERE cc.user_id = {alias}.user_id AND cs.certification_id = {alias}.certification_id)"
    )


def records_assign_set(
    *, rows: Sql, now: dt.datetime, actor=None, actor_label: str = ""
) -> list[tuple[str, int, int, bool]]:
    """Give each ``(user_id, certification_id, due_date)`` of ``rows`` a current record, in one statement:
    the newest unassigned history record comes back (and leaves the history), or a fresh "Not
    certified" record is created with that due date. Existing records are untouched. Audited
    ("restored" / "assigned"). Returns ``(what, user_id, certification_id, learned)`` of the records
    restored (``"restored"``), created (``"assigned"``) and those that were there already (``"kept"``),
    ``learned`` when the learner holds a completion of one of the certification's courses (their
    progress is to be evaluated); the caller announces them."""
    at = db_datetime(now)
    returning = f"RETURNING user_id, certification_id, {_FIELDS}"
    after = json_object_sql({field: f"new.{field}" for field in RECORD_FIELDS})
    audit = {"now": now, "actor": actor, "actor_label": actor_label, "after": after}
    statement = Sql.of(
        "WITH want AS ({rows}), "
        "newest AS (SELECT MAX(h.id) AS id FROM {history} h JOIN want w ON w.user_id = h.user_id "
        "AND w.certification_id = h.certification_id WHERE h.unassigned = {true} AND {no_record_w} "
        "GROUP BY h.user_id, h.certification_id), "
        "restored AS (INSERT INTO {record} (user_id, certification_id, {fields}, assigned_at, updated_at) "
        "SELECT h.user_id, h.certification_id, {h_fields}, {at}, {at} FROM {history} h "
        "WHERE h.id IN (SELECT id FROM newest) ON CONFLICT DO NOTHING {returning}), "
        "dropped AS (DELETE FROM {history} WHERE id IN (SELECT id FROM newest) AND EXISTS (SELECT 1 FROM restored x "
        "WHERE x.user_id = {history}.user_id AND x.certification_id = {history}.certification_id)), "
        "fresh AS (INSERT INTO {record} (user_id, certification_id, {fields}, assigned_at, updated_at) "
        "SELECT w.user_id, w.certification_id, {path}, {status}, {renewal}, w.due_date, NULL, NULL, NULL, NULL, "
        "{at}, {at} FROM want w WHERE {no_record_w} AND NOT EXISTS (SELECT 1 FROM newest n JOIN {history} h "
        "ON h.id = n.id WHERE h.user_id = w.user_id AND h.certification_id = w.certification_id) "
        "ON CONFLICT DO NOTHING {returning}), "
        "a_restored AS ({audit_restored}), a_fresh AS ({audit_fresh}) "
        "SELECT x.what, x.user_id, x.certification_id, {learned} FROM ("
        "SELECT 'restored' AS what, user_id, certification_id FROM restored UNION ALL "
        "SELECT 'assigned', user_id, certification_id FROM fresh UNION ALL "
        "SELECT 'kept', w.user_id, w.certification_id FROM want w WHERE NOT {no_record_w}) x",
        learned=_learned("x"),
        rows=rows,
        history=HISTORY,
        record=RECORD,
        true="TRUE",
        no_record_w=_no_record("w"),
        fields=_FIELDS,
        h_fields=", ".join(f"h.{field}" for field in RECORD_FIELDS),
        at=Sql.value(at),
        returning=returning,
        path=Sql.value(CertificationPath.CERTIFICATION.value),
        status=Sql.value(RecordStatus.NOT_CERTIFIED.value),
        renewal=Sql.value(RenewalStatus.NOT_DUE.value),
        audit_restored=_audit("restored new", "restored", **audit),
        audit_fresh=_audit("fresh new", "assigned", **audit),
    )
    return _rows(statement)


def records_unassign_set(*, rows: Sql, now: dt.datetime, actor=None, actor_label: str = "") -> list[tuple[int, int]]:
    """Remove the current records ``(user_id, certification_id)`` of ``rows`` in one statement: a
    never-started record is deleted, any other kept in history as unassigned. Audited ("deleted" /
    "unassigned"). Returns the ``(user_id, certification_id)`` removed; the caller announces them."""
    not_started = Sql.value(RecordStatus.NOT_CERTIFIED.value)
    audit = {"now": now, "actor": actor, "actor_label": actor_label}
    before = json_object_sql({field: f"new.{field}" for field in RECORD_FIELDS})
    statement = Sql.of(
        "WITH gone AS (DELETE FROM {record} WHERE (user_id, certification_id) IN "
        "(SELECT o.user_id, o.certification_id FROM ({rows}) o) RETURNING user_id, certification_id, {fields}), "
        "kept AS (INSERT INTO {history} (user_id, certification_id, {fields}, unassigned, archived_at) "
        "SELECT user_id, certification_id, {fields}, TRUE, {at} FROM gone WHERE status <> {not_certified}), "
        "a_deleted AS ({deleted}), a_unassigned AS ({unassigned}) SELECT user_id, certification_id FROM gone",
        record=RECORD,
        rows=rows,
        fields=_FIELDS,
        history=HISTORY,
        at=Sql.value(db_datetime(now)),
        not_certified=Sql.value(RecordStatus.NOT_CERTIFIED.value),
        deleted=_audit(Sql.of("gone new WHERE new.status = {v}", v=not_started), "deleted", before=before, **audit),
        unassigned=_audit(
            Sql.of("gone new WHERE new.status <> {v}", v=not_started), "unassigned", before=before, **audit
        ),
    )
    return [tuple(row) for row in _rows(statement)]


def records_due_dates_set(*, rows: Sql, now: dt.datetime, actor=None, actor_label: str = "") -> int:
    """Move the due dates of current records to ``(user_id, certification_id, due_date)`` of ``rows``, in
    one statement: only later, only a known date, only on the way to a first certification (path
    Certification, "Not certified" or "In progress"). Audited ("due_date_changed")."""
    statement = Sql.of(
        "WITH new AS (UPDATE {record} SET due_date = d.due_date, updated_at = {at} FROM ("
        "SELECT d0.user_id, d0.certification_id, d0.due_date, r0.due_date AS old_due FROM ({rows}) d0 "
        "JOIN {record} r0 ON r0.user_id = d0.user_id AND r0.certification_id = d0.certification_id "
        "WHERE d0.due_date IS NOT NULL AND r0.path = {path} AND r0.status IN ({not_certified}, {in_progress}) "
        "AND (r0.due_date IS NULL OR d0.due_date > r0.due_date)) d "
        "WHERE {record}.user_id = d.user_id AND {record}.certification_id = d.certification_id "
        "RETURNING d.user_id, d.certification_id, d.due_date, d.old_due), audited AS ({audit}) "
        "SELECT COUNT(*) FROM new",
        record=RECORD,
        at=Sql.value(db_datetime(now)),
        rows=rows,
        path=Sql.value(CertificationPath.CERTIFICATION.value),
        not_certified=Sql.value(RecordStatus.NOT_CERTIFIED.value),
        in_progress=Sql.value(RecordStatus.IN_PROGRESS.value),
        audit=_audit(
            "new",
            "due_date_changed",
            now=now,
            actor=actor,
            actor_label=actor_label,
            before=json_object_sql({"due_date": "new.old_due"}),
            after=json_object_sql({"due_date": "new.due_date"}),
        ),
    )
    return _count(statement)
