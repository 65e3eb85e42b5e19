"""Set-based assignment of learners' certification records: assign (or restore), unassign (due dates:
``record_dates``).

These run for 100,000 learners at a time, so each is a few SQL statements over the whole set,
never a loop per learner. On PostgreSQL each write and its audit rows are one statement (a
data-modifying CTE with ``RETURNING``), which is also what makes concurrent runs safe. SQLite has
no data-modifying CTEs, but it lets one writer at a time in, so there the audit rows are written
from the same SELECT just before the write.

Restore semantics (docs/decisions/0031-restore-unassigned-history.md): assigning a learner who has
no current record restores their newest unassigned history record as the current record and
deletes that history row; otherwise a fresh "Not certified" record is created.
"""

import datetime as dt
import json

from django.db import connection, transaction
from django.db.models import F, QuerySet

from outbox.services import enqueue

from ..models import (
    AuditEvent,
    AuditLearner,
    CertificationPath,
    CertificationRecord,
    CertificationRecordHistory,
    RecordStatus,
    RenewalStatus,
)
from ..signals import RecordEvent, enrolment_messages_enabled, records_changed
from ..sql import (
    Sql,
    db_datetime,
    is_postgres,
    json_object_sql,
    json_param_sql,
    queryset_sql,
    table,
    user_id_sets,
    user_table,
)
from .audit import RECORD_FIELDS, audit_prefix_params, audit_prefix_sql, audit_rows_ctes

SUBJECT = "record"
FRESH_RECORD = {
    "path": CertificationPath.CERTIFICATION.value,
    "status": RecordStatus.NOT_CERTIFIED.value,
    "renewal_status": RenewalStatus.NOT_DUE.value,
    **dict.fromkeys(RECORD_FIELDS[3:]),
}
_FIELDS = ", ".join(RECORD_FIELDS)


def _json_of(alias: str) -> str:
    return json_object_sql({field: f"{alias}.{field}" for field in RECORD_FIELDS})


def _execute(sql: str, params: tuple) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _count(statement: Sql) -> int:
    """Run a statement whose one row is a count (a write and its audit CTEs, then ``SELECT COUNT(*)``)."""
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchone()[0]


def _insert_records_audited(
    *, source_sql: str, params: tuple, action: str, audit: dict, certification_id: int, after: dict | None = None
) -> int:
    """INSERT the rows of ``source_sql`` (which yields record columns and skips existing records) into
    the current records, with one audit row per inserted record (or the bulk form, decision 0073).
    ``audit``: the audit's ``now``, ``actor`` and ``actor_label``. ``after``: the audited state when
    it is the same for every row (a fresh record), so no JSON is built per row."""
    columns = f"user_id, certification_id, {_FIELDS}, assigned_at, updated_at"
    after_sql = _json_of("new") if after is None else json_param_sql()
    after_args = () if after is None else (json.dumps(after),)
    if is_postgres():
        sql = Sql(
            f"WITH new AS (INSERT INTO {table(CertificationRecord)} ({columns}) {source_sql} "
            f"ON CONFLICT DO NOTHING RETURNING {columns}), ",
            params,
        )
        audit = audit_rows_ctes(
            rows="new",
            user_id="new.user_id",
            keys=() if after is not None else tuple(f"new.{field}" for field in RECORD_FIELDS),
            subject=SUBJECT,
            action=action,
            certification_id=certification_id,
            after=Sql(after_sql, after_args),
            **audit,
        )
        return _count(sql + audit + " SELECT COUNT(*) FROM new")
    audit_params = audit_prefix_params(**audit)
    audit_sql = f"{audit_prefix_sql()}, new.user_id, new.certification_id, %s, %s, NULL, {after_sql}"
    audit_args = (*audit_params, SUBJECT, action, *after_args)
    _execute(f"{audit_sql} FROM ({source_sql}) new", (*audit_args, *params))
    return _execute(f"INSERT INTO {table(CertificationRecord)} ({columns}) {source_sql} ON CONFLICT DO NOTHING", params)


def _audit_marker() -> int:
    """The newest audit row's id: the rows a statement writes next come after it."""
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _announce(*, event: str, certification_id: int, marker: int, now: dt.datetime, actions: tuple[str, ...]) -> None:
    """Send ``records_changed`` for the records these statements changed: their audit rows (written by
    the same statements, so only rows really changed), newer than ``marker``, at ``now``: the
    learners of per-row events and those a bulk event names (decision 0073)."""
    events = {"pk__gt": marker, "at": now, "certification_id": certification_id, "subject": SUBJECT}
    own = AuditEvent.objects.filter(user_id__isnull=False, action__in=actions, **events)
    # ``event_id > marker`` on the learners' own key too: a range of its index whatever the join.
    named = AuditLearner.objects.filter(
        event_id__gt=marker, event__action__in=actions, **{f"event__{key}": value for key, value in events.items()}
    ).annotate(certification_id=F("event__certification_id"))
    learners = (
        own.order_by()
        .values("user_id", "certification_id")
        .union(named.order_by().values("user_id", "certification_id"), all=True)
    )
    announce_learners(event=event, learners=learners, now=now)


def announce_learners(*, event: str, learners: QuerySet, now: dt.datetime) -> None:
    """``records_changed`` for ``learners`` (rows with ``user_id`` and ``certification_id``), quiet when
    the administrator asked for no enrolment messages."""
    quiet = not enrolment_messages_enabled()
    records_changed.send(sender=CertificationRecord, event=event, learners=learners, now=now, quiet=quiet)


def _within(column: str, within: tuple[int, int] | None) -> tuple[str, tuple]:
    """`` AND <column> in [low, high)`` for a batch of user ids (``within``), else nothing: a batch's
    joins to the whole records table then read its slice through an index (decision 0075)."""
    if within is None:
        return "", ()
    return f" AND {column} >= %s AND {column} < %s", tuple(within)


def _no_current_record(user_column: str) -> str:
    return (
        f"NOT EXISTS (SELECT 1 FROM {table(CertificationRecord)} r "
        f"WHERE r.user_id = {user_column} AND r.certification_id = %s)"
    )


def _newest_unassigned_sql(ids_sql: str) -> str:
    return (
        f"SELECT MAX(h2.id) FROM {table(CertificationRecordHistory)} h2 "
        f"WHERE h2.certification_id = %s AND h2.unassigned = %s AND h2.user_id IN ({ids_sql}) GROUP BY h2.user_id"
    )


def record_assign_many(
    *,
    certification_id: int,
    user_ids: QuerySet | list[int],
    now: dt.datetime,
    actor=None,
    actor_label: str = "",
    due_dates: QuerySet | None = None,
    within: tuple[int, int] | None = None,
) -> int:
    """Give every user in ``user_ids`` a current record of the certification; returns records created.

    Users who already have one are untouched (idempotent). A user with an unassigned history
    record gets the newest one back (and it leaves the history); others get a fresh record on the
    certification path, "Not certified". Audited ("restored" / "assigned").

    ``due_dates`` (optional; rows with ``user_id`` and ``due_date``, one per user, as for
    ``record_due_dates_apply``) gives fresh records their due date as they are created, so a large
    assignment writes each record once instead of inserting it and then updating its due date.
    ``within``: the half-open user id range of a batch, when ``user_ids`` lies inside one.
    """
    assigned_at = now
    now = db_datetime(now)
    audit = {"now": now, "actor": actor, "actor_label": actor_label}
    due_params = join_params = ()
    if due_dates is None:
        join_sql, due_sql, after = "", "NULL", FRESH_RECORD
    elif within is None:
        dsql, join_params = queryset_sql(due_dates)
        join_sql, due_sql, after = f"LEFT JOIN ({dsql}) d ON d.user_id = u.id", "d.due_date", None
    else:
        # A batch looks each learner's due date up (the grouped routes narrowed to the learner, by the
        # routes' (user, certification, state) index). As a join, a batch of a certification whose
        # routes were inserted since the last ANALYZE was estimated at 2 rows and planned as a nested
        # loop that grouped the batch's 10,000 routes again for each of its 10,000 learners: 30 s a
        # batch in B11 (decision 0147).
        dsql, due_params = queryset_sql(due_dates)
        join_sql, due_sql, after = "", f"(SELECT d.due_date FROM ({dsql}) d WHERE d.user_id = u.id)", None
    range_sql, range_params = _within("u.id", within)
    created = 0
    with transaction.atomic(savepoint=False):
        marker = _audit_marker()
        has_history = CertificationRecordHistory.objects.filter(
            certification_id=certification_id, unassigned=True
        ).exists()
        for ids_sql, ids_params in user_id_sets(user_ids):
            if has_history:
                created += _restore(certification_id, ids_sql, ids_params, now, audit)
            source = (
                f"SELECT u.id AS user_id, %s AS certification_id, %s AS path, %s AS status, %s AS renewal_status, "
                f"{due_sql} AS due_date, NULL AS completion_date, NULL AS window_opens, NULL AS expiry_date, "
                f"NULL AS baseline_expiry, %s AS assigned_at, %s AS updated_at "
                f"FROM {user_table()} u {join_sql} WHERE u.id IN ({ids_sql}){range_sql} "
                f"AND {_no_current_record('u.id')}"
            )
            params = (
                certification_id,
                CertificationPath.CERTIFICATION.value,
                RecordStatus.NOT_CERTIFIED.value,
                RenewalStatus.NOT_DUE.value,
                *due_params,
                now,
                now,
                *join_params,
                *ids_params,
                *range_params,
                certification_id,
            )
            created += _insert_records_audited(
                source_sql=source,
                params=params,
                action="assigned",
                audit=audit,
                certification_id=certification_id,
                after=after,
            )
        if created:
            _announce(
                event=RecordEvent.ENROLLED,
                certification_id=certification_id,
                marker=marker,
                now=assigned_at,
                actions=("assigned", "restored"),
            )
            _progress_after_assign(certification_id, assigned_at, actor=actor, actor_label=actor_label)
    return created


def _progress_after_assign(certification_id: int, assigned_at: dt.datetime, *, actor, actor_label: str) -> None:
    """Let completions the learners already hold count: at once for a few learners, in Celery for many."""
    from .lifecycle import PROGRESS_AT_ONCE, assigned_with_completions, record_progress

    user_ids = list(
        assigned_with_completions(certification_id=certification_id, assigned_at=assigned_at)[: PROGRESS_AT_ONCE + 1]
    )
    if len(user_ids) > PROGRESS_AT_ONCE:
        _enqueue_progress(certification_id, assigned_at)
        return
    for user_id in user_ids:
        record_progress(
            user_id=user_id, certification_id=certification_id, now=assigned_at, actor=actor, actor_label=actor_label
        )


def _enqueue_progress(certification_id: int, assigned_at: dt.datetime) -> None:
    from ..tasks import assigned_progress

    enqueue(assigned_progress, certification_id=certification_id, assigned_at=assigned_at.isoformat())


def _restore(certification_id: int, ids_sql: str, ids_params: tuple, now: dt.datetime, audit: dict) -> int:
    history = table(CertificationRecordHistory)
    newest = _newest_unassigned_sql(ids_sql)
    newest_params = (certification_id, True, *ids_params)
    columns = ", ".join(f"h.{field} AS {field}" for field in RECORD_FIELDS)
    source = (
        f"SELECT h.user_id AS user_id, h.certification_id AS certification_id, {columns}, "
        f"%s AS assigned_at, %s AS updated_at FROM {history} h "
        f"WHERE h.id IN ({newest}) AND {_no_current_record('h.user_id')}"
    )
    restored = _insert_records_audited(
        source_sql=source,
        params=(now, now, *newest_params, certification_id),
        action="restored",
        audit=audit,
        certification_id=certification_id,
    )
    if restored:
        _execute(
            f"DELETE FROM {history} WHERE id IN ({newest}) AND EXISTS (SELECT 1 FROM {table(CertificationRecord)} r "
            f"WHERE r.user_id = {history}.user_id AND r.certification_id = %s)",
            (*newest_params, certification_id),
        )
    return restored


def record_unassign_many(
    *, certification_id: int, user_ids: QuerySet | list[int], now: dt.datetime, actor=None, actor_label: str = ""
) -> int:
    """Remove the current records of ``user_ids``; returns records removed.

    A record never started ("Not certified") is deleted; any other is first copied to history
    marked unassigned, to be restored when the learner is assigned again. Audited
    ("deleted" / "unassigned"); idempotent.
    """
    records = table(CertificationRecord)
    history = table(CertificationRecordHistory)
    moment, now = now, db_datetime(now)
    audit_params = audit_prefix_params(now=now, actor=actor, actor_label=actor_label)
    action = "CASE WHEN gone.status = %s THEN %s ELSE %s END"
    action_params = (RecordStatus.NOT_CERTIFIED.value, "deleted", "unassigned")
    audit_sql = f"{audit_prefix_sql()}, gone.user_id, gone.certification_id, %s, {action}, {_json_of('gone')}, NULL"
    audit_args = (*audit_params, SUBJECT, *action_params)
    history_sql = (
        f"INSERT INTO {history} (user_id, certification_id, {_FIELDS}, unassigned, archived_at) "
        f"SELECT user_id, certification_id, {_FIELDS}, %s, %s FROM {{source}} WHERE gone.status <> %s"
    )
    removed = 0
    with transaction.atomic(savepoint=False):
        marker = _audit_marker()
        for ids_sql, ids_params in user_id_sets(user_ids):
            where = f"certification_id = %s AND user_id IN ({ids_sql})"
            where_params = (certification_id, *ids_params)
            if is_postgres():
                removed += _execute(
                    f"WITH gone AS (DELETE FROM {records} WHERE {where} "
                    f"RETURNING user_id, certification_id, {_FIELDS}), "
                    f"kept AS ({history_sql.format(source='gone')}) {audit_sql} FROM gone",
                    (*where_params, True, now, RecordStatus.NOT_CERTIFIED.value, *audit_args),
                )
                continue
            gone = f"(SELECT * FROM {records} WHERE {where}) gone"
            _execute(f"{audit_sql} FROM {gone}", (*audit_args, *where_params))
            _execute(history_sql.format(source=gone), (True, now, *where_params, RecordStatus.NOT_CERTIFIED.value))
            removed += _execute(f"DELETE FROM {records} WHERE {where}", where_params)
        if removed:
            _announce(
                event=RecordEvent.UNENROLLED,
                certification_id=certification_id,
                marker=marker,
                now=moment,
                actions=("deleted", "unassigned"),
            )
    return removed
