"""Set-based due dates of learners' certification records (DOMAIN §3: the record carries the learner's due
date), for 100,000 learners at a time: one statement with its audit rows on PostgreSQL, an audit
``INSERT … SELECT`` and the ``UPDATE`` on SQLite (see ``records``)."""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet

from ..models import CertificationPath, CertificationRecord, RecordStatus
from ..sql import Sql, db_datetime, is_distinct_sql, is_postgres, json_object_sql, queryset_sql, table
from .audit import audit_prefix_params, audit_prefix_sql, audit_rows_ctes
from .records import SUBJECT, _count, _execute, _within


def record_due_dates_apply(
    *,
    certification_id: int,
    due_dates: QuerySet,
    now: dt.datetime,
    allow_earlier: bool = False,
    actor=None,
    actor_label: str = "",
    within: tuple[int, int] | None = None,
) -> int:
    """Set the due date of current records from ``due_dates`` (rows with ``user_id`` and ``due_date``,
    one per user); returns records changed.

    Applies only while the learner works towards their first certification (path Certification,
    "Not certified" or "In progress"): once certified, the due date is the expiry. A null due date
    ("Not yet known") never clears a known one. Without ``allow_earlier`` a due date only moves
    later. One UPDATE … FROM; one audit row per changed learner (the bulk form for many, decision 0073).
    ``within``: the half-open user id range of a batch, when ``due_dates`` lies inside one.
    """
    now = db_datetime(now)
    with transaction.atomic(savepoint=False):
        if not is_postgres():
            return _apply_sqlite(certification_id, due_dates, now, allow_earlier, actor, actor_label, within)
        audit = audit_rows_ctes(
            rows="d",
            user_id="d.user_id",
            keys=("d.old_due", "d.due_date"),
            subject=SUBJECT,
            action="due_date_changed",
            now=now,
            certification_id=certification_id,
            before=json_object_sql({"due_date": "d.old_due"}),
            after=json_object_sql({"due_date": "d.due_date"}),
            actor=actor,
            actor_label=actor_label,
        )
        moved = _due_dates_moved(certification_id, due_dates, _change("r", allow_earlier), now, within)
        return _count(moved + audit + " SELECT COUNT(*) FROM d")


def _change(alias: str, allow_earlier: bool) -> str:
    """SQL: the record ``alias``'s due date changes to ``d0.due_date`` (only later, unless allowed earlier)."""
    if allow_earlier:
        return is_distinct_sql(f"{alias}.due_date", "d0.due_date")
    return f"({alias}.due_date IS NULL OR d0.due_date > {alias}.due_date)"


def _apply_sqlite(certification_id, due_dates, now, allow_earlier, actor, actor_label, within) -> int:
    """SQLite (no data-modifying CTEs, one writer at a time): the audit rows from the same SELECT, then
    the UPDATE."""
    records = table(CertificationRecord)
    dsql, dparams = queryset_sql(due_dates)
    r0_sql, r0_params = _within("r0.user_id", within)
    changed_sql = (
        f"SELECT d0.user_id AS user_id, d0.due_date AS due_date, r0.due_date AS old_due "
        f"FROM ({dsql}) d0 JOIN {records} r0 ON r0.user_id = d0.user_id AND r0.certification_id = %s{r0_sql} "
        f"WHERE d0.due_date IS NOT NULL AND r0.path = %s AND r0.status IN (%s, %s) "
        f"AND {_change('r0', allow_earlier)}"
    )
    changed_params = (
        *dparams,
        certification_id,
        *r0_params,
        CertificationPath.CERTIFICATION.value,
        RecordStatus.NOT_CERTIFIED.value,
        RecordStatus.IN_PROGRESS.value,
    )
    audit_params = audit_prefix_params(now=now, actor=actor, actor_label=actor_label)
    audit_sql = (
        f"{audit_prefix_sql()}, d.user_id, %s, %s, %s, "
        f"{json_object_sql({'due_date': 'd.old_due'})}, {json_object_sql({'due_date': 'd.due_date'})}"
    )
    audit_args = (*audit_params, certification_id, SUBJECT, "due_date_changed")
    target_sql, target_params = _within(f"{records}.user_id", within)
    update_sql = (
        f"UPDATE {records} SET due_date = d.due_date, updated_at = %s FROM ({changed_sql}) d "
        f"WHERE {records}.user_id = d.user_id AND {records}.certification_id = %s{target_sql}"
    )
    _execute(f"{audit_sql} FROM ({changed_sql}) d", (*audit_args, *changed_params))
    return _execute(update_sql, (now, *changed_params, certification_id, *target_params))


def _due_dates_moved(certification_id: int, due_dates: QuerySet, change: str, now, within) -> Sql:
    """PostgreSQL: ``WITH … d AS (…),``: the records' due-date UPDATE, its rows ``d`` (user_id, due_date,
    old_due) for the audit CTEs that follow (decision 0148).

    The records drive the join: the UPDATE joins the grouped due dates to the records it changes, and
    the old dates come from the same statement's snapshot of the records (``old`` sees them as they were
    before the UPDATE). Joined to themselves instead, the records were estimated at a few rows and
    read again one index probe per record."""
    return Sql.of(
        "WITH old AS MATERIALIZED (SELECT o.user_id, o.due_date FROM {records} o "
        "WHERE o.certification_id = {certification}{old_within}), "
        "moved AS (UPDATE {records} r SET due_date = d0.due_date, updated_at = {now} FROM ({due_dates}) d0 "
        "WHERE r.user_id = d0.user_id AND r.certification_id = {certification}{within} "
        "AND d0.due_date IS NOT NULL AND r.path = {path} AND r.status IN ({statuses}) AND {change} "
        "RETURNING r.user_id, r.due_date), "
        "d AS (SELECT m.user_id, m.due_date, o.due_date AS old_due FROM moved m JOIN old o ON o.user_id = m.user_id), ",
        records=table(CertificationRecord),
        certification=Sql.value(certification_id),
        old_within=Sql(*_within("o.user_id", within)),
        now=Sql.value(now),
        due_dates=Sql.queryset(due_dates),
        within=Sql(*_within("r.user_id", within)),
        path=Sql.value(CertificationPath.CERTIFICATION.value),
        statuses=Sql.values([RecordStatus.NOT_CERTIFIED.value, RecordStatus.IN_PROGRESS.value]),
        change=change,
    )
