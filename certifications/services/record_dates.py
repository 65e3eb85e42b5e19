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
    records = table(CertificationRecord)
    now = db_datetime(now)
    dsql, dparams = queryset_sql(due_dates)
    r0_sql, r0_params = _within("r0.user_id", within)
    if allow_earlier:
        change = is_distinct_sql("r0.due_date", "d0.due_date")
    else:
        change = "(r0.due_date IS NULL OR d0.due_date > r0.due_date)"
    changed_sql = (
        f"SELECT d0.user_id AS user_id, d0.due_date AS due_date, r0.due_date AS old_due "
        f"FROM ({dsql}) d0 JOIN {records} r0 ON r0.user_id = d0.user_id AND r0.certification_id = %s{r0_sql} "
        f"WHERE d0.due_date IS NOT NULL AND r0.path = %s AND r0.status IN (%s, %s) AND {change}"
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
    update_params = (now, *changed_params, certification_id, *target_params)
    with transaction.atomic(savepoint=False):
        if is_postgres():
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
            moved = _due_dates_moved(certification_id, dsql, dparams, change, now, within)
            return _count(moved + audit + " SELECT COUNT(*) FROM d")
        _execute(f"{audit_sql} FROM ({changed_sql}) d", (*audit_args, *changed_params))
        return _execute(update_sql, update_params)


def _due_dates_moved(certification_id: int, dsql: str, dparams: tuple, change: str, now, within) -> Sql:
    """PostgreSQL: ``WITH … d AS (…),``: the records' due-date UPDATE, its rows ``d`` (user_id, due_date,
    old_due) for the audit CTEs that follow (decision 0148).

    The records drive the join: the UPDATE joins the grouped due dates to the records it changes, and
    the old dates come from the same statement's snapshot of the records (``old`` sees them as they were
    before the UPDATE). Joined to themselves instead, the records were estimated at a few rows and
    read again one index probe per record."""
    records = table(CertificationRecord)
    target_sql, target_params = _within("r.user_id", within)
    old_sql, old_params = _within("o.user_id", within)
    return Sql(
        f"WITH old AS MATERIALIZED (SELECT o.user_id, o.due_date FROM {records} o "
        f"WHERE o.certification_id = %s{old_sql}), "
        f"moved AS (UPDATE {records} r SET due_date = d0.due_date, updated_at = %s FROM ({dsql}) d0 "
        f"WHERE r.user_id = d0.user_id AND r.certification_id = %s{target_sql} AND d0.due_date IS NOT NULL "
        f"AND r.path = %s AND r.status IN (%s, %s) AND {change.replace('r0.', 'r.')} "
        f"RETURNING r.user_id, r.due_date), "
        "d AS (SELECT m.user_id, m.due_date, o.due_date AS old_due FROM moved m JOIN old o ON o.user_id = m.user_id), ",
        (
            certification_id,
            *old_params,
            now,
            *dparams,
            certification_id,
            *target_params,
            CertificationPath.CERTIFICATION.value,
            RecordStatus.NOT_CERTIFIED.value,
            RecordStatus.IN_PROGRESS.value,
        ),
    )
