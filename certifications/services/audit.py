"""The audit log: who (or which task) changed what, when, from what to what.

Every service writes its audit rows inside its own transaction: ``audit_write`` for one row,
``audit_insert_select`` for one row per user of a set, in one ``INSERT … SELECT``; a large set-based
change on PostgreSQL writes the bulk form (``audit_rows_ctes``: one event naming many learners, read
back per learner by ``AuditEvent.objects.for_learner``, decision 0073). Other apps
(assignments, groups) call these for routes, due dates and memberships.
See docs/decisions/0030-explicit-audit-events.md.
"""

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet

from ..models import AuditEvent, AuditLearner
from ..sql import Sql, db_datetime, json_param_sql, table, user_id_sets, user_table

RECORD_FIELDS = (
    "path",
    "status",
    "renewal_status",
    "due_date",
    "completion_date",
    "window_opens",
    "expiry_date",
    "baseline_expiry",
)

AUDIT_COLUMNS = "at, actor_id, actor_label, user_id, certification_id, subject, action, before, after"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder)) if value is not None else None


def record_snapshot(record) -> dict:
    """The fields of a record (current or history) as they go into the audit log."""
    return _jsonable({field: getattr(record, field) for field in RECORD_FIELDS})


def audit_write(
    *,
    user_id: int,
    subject: str,
    action: str,
    now: dt.datetime,
    certification_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> AuditEvent:
    """Write one audit event. Call it inside the transaction that made the change."""
    return AuditEvent.objects.create(
        at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=actor_label,
        user_id=user_id,
        certification_id=certification_id,
        subject=subject,
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
    )


def audit_prefix_sql() -> str:
    """``INSERT INTO audit (…) SELECT %s, %s, %s`` — at, actor, actor label; the caller adds the rest."""
    return f"INSERT INTO {table(AuditEvent)} ({AUDIT_COLUMNS}) SELECT %s, %s, %s"


def audit_prefix_params(*, now: dt.datetime, actor=None, actor_label: str = "") -> tuple:
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return (db_datetime(now), actor_id, actor_label)


def audit_rows_sql(
    *,
    rows: Sql | str,
    user_id: Sql | str,
    subject: str,
    action: str,
    now: dt.datetime,
    certification_id: int | None = None,
    before: Sql | str = "NULL",
    after: Sql | str = "NULL",
    actor=None,
    actor_label: str = "",
    certification: Sql | str | None = None,
) -> Sql:
    """``INSERT`` one audit event per row of ``rows`` (what follows ``FROM``: tables and a ``WHERE``).

    ``user_id`` is the SQL of each row's learner; ``before`` and ``after`` SQL expressions giving
    each row's JSON (or ``NULL``); ``certification``, when given, the SQL of each row's certification
    (rows of several certifications in one statement) instead of ``certification_id``. Every
    set-based audit write goes through here."""
    return Sql.of(
        "{prefix}, {user_id}, {certification}, {subject}, {action}, {before}, {after} FROM {rows}",
        prefix=Sql(audit_prefix_sql(), audit_prefix_params(now=now, actor=actor, actor_label=actor_label)),
        user_id=user_id,
        certification=Sql.value(certification_id) if certification is None else certification,
        subject=Sql.value(subject),
        action=Sql.value(action),
        before=before,
        after=after,
        rows=rows,
    )


def _jsonb(expr: Sql | str) -> Sql | str:
    return "CAST(NULL AS jsonb)" if expr == "NULL" else expr


def audit_rows_ctes(
    *,
    rows: str,
    user_id: Sql | str,
    keys: tuple[str, ...],
    subject: str,
    action: str,
    now: dt.datetime,
    certification_id: int | None = None,
    before: Sql | str = "NULL",
    after: Sql | str = "NULL",
    actor=None,
    actor_label: str = "",
    name: str = "audit",
    at_most: int | None = None,
) -> Sql:
    """PostgreSQL: data-modifying CTEs (to follow ``WITH <rows> AS (…),``) auditing every row of the
    CTE ``rows`` (one per learner; ``user_id``, ``before`` and ``after`` are SQL over it, and ``keys``
    the columns of ``rows`` that ``before`` and ``after`` depend on).

    Fewer than ``settings.AUDIT_BULK_MIN`` rows get one event each, as ``audit_rows_sql`` writes them.
    More get the bulk form (decision 0073): one event per distinct ``keys`` (so per distinct before
    and after), with no learner of its own, and one ``AuditLearner`` (learner, event) per row, so that
    each learner's change log still finds the change (actor, time, before, after). The rows are
    numbered by their keys (``dense_rank``), the first row of each group marked in the same ordering
    (its ``rank`` is its ``row_number``), and groups 1…n take their event ids from the sequence, so
    the JSON is built once per group, not once per learner, with one sort of the rows in all.
    ``at_most``: a bound on the rows known beforehand (a few learners' ids); below the minimum only the
    per-row CTE is written, so the per-learner path plans no more than it did."""
    at, actor_id, label = audit_prefix_params(now=now, actor=actor, actor_label=actor_label)
    order = ", ".join(keys)
    each = {"subject": subject, "action": action, "now": now, "certification_id": certification_id}
    few = at_most is not None and at_most < settings.AUDIT_BULK_MIN
    per_row = audit_rows_sql(
        rows=rows if few else f"{rows} WHERE NOT (SELECT yes FROM {name}_bulk)",
        user_id=user_id,
        before=before,
        after=after,
        actor=actor,
        actor_label=actor_label,
        **each,
    )
    if few:
        return Sql.of("{n}_row AS ({per_row} RETURNING 1)", n=name, per_row=per_row)
    return Sql.of(
        "{n}_bulk AS (SELECT COUNT(*) >= {min} AS yes FROM {rows}), {n}_row AS ({per_row} RETURNING 1), "
        "{n}_ranked AS (SELECT {rows}.*, {rank} AS audit_group, {first} AS audit_first FROM {rows} "
        "WHERE (SELECT yes FROM {n}_bulk)), "
        "{n}_key AS (SELECT g AS audit_group, nextval(pg_get_serial_sequence('{table}', 'id')) AS id "
        "FROM generate_series(1, (SELECT COALESCE(MAX(audit_group), 0) FROM {n}_ranked)) g), "
        "{n}_event AS (INSERT INTO {table} (id, {columns}) SELECT k.id, {at}, {actor}, {label}, NULL, "
        "{certification}, {subject}, {action}, {before}, {after} "
        "FROM {n}_ranked {rows} JOIN {n}_key k ON k.audit_group = {rows}.audit_group WHERE {rows}.audit_first "
        "RETURNING 1), "
        "{n}_learner AS (INSERT INTO {learner} (user_id, event_id) SELECT {user_id}, k.id FROM {n}_ranked {rows} "
        "JOIN {n}_key k ON k.audit_group = {rows}.audit_group RETURNING 1)",
        n=name,
        rows=rows,
        min=Sql.value(int(settings.AUDIT_BULK_MIN)),
        per_row=per_row,
        user_id=user_id,
        certification=Sql.value(certification_id),
        subject=Sql.value(subject),
        action=Sql.value(action),
        before=_jsonb(before),
        after=_jsonb(after),
        rank=f"dense_rank() OVER (ORDER BY {order})" if keys else "1",
        first=f"rank() OVER (ORDER BY {order}) = row_number() OVER (ORDER BY {order})" if keys else "TRUE",
        table=AuditEvent._meta.db_table,
        columns=AUDIT_COLUMNS,
        at=Sql.value(at),
        actor=Sql.value(actor_id),
        label=Sql.value(label),
        learner=table(AuditLearner),
    )


def _json_param(value: dict | None) -> Sql:
    return Sql(json_param_sql(), (json.dumps(value, cls=DjangoJSONEncoder) if value is not None else None,))


def audit_insert_select(
    *,
    user_ids: QuerySet | list[int],
    subject: str,
    action: str,
    now: dt.datetime,
    certification_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    actor_label: str = "",
) -> int:
    """One audit event per user in ``user_ids`` (a list or a QuerySet of ids), all alike, in one INSERT … SELECT.

    ``before`` and ``after`` are the same JSON for every row (e.g. ``{"route": "Audience 'Sales'"}``).
    Returns the number of rows written.
    """
    written = 0
    for ids_sql, ids_params in user_id_sets(user_ids):
        statement = audit_rows_sql(
            rows=Sql.of("{users} u WHERE u.id IN ({ids})", users=user_table(), ids=Sql(ids_sql, ids_params)),
            user_id="u.id",
            subject=subject,
            action=action,
            now=now,
            certification_id=certification_id,
            before=_json_param(before),
            after=_json_param(after),
            actor=actor,
            actor_label=actor_label,
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.text, statement.params)
            written += cursor.rowcount
    return written
