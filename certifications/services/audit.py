"""The audit log: who (or which task) changed what, when, from what to what.

Every service writes its audit rows inside its own transaction: ``audit_write`` for one row,
``audit_insert_select`` for one row per user of a set, in one ``INSERT … SELECT``. Other apps
(assignments, groups) call these for routes, due dates and memberships.
See docs/decisions/0030-explicit-audit-events.md.
"""

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet

from ..models import AuditEvent
from ..sql import db_datetime, json_param_sql, table, user_id_sets, user_table

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
    before_json = json.dumps(before, cls=DjangoJSONEncoder) if before is not None else None
    after_json = json.dumps(after, cls=DjangoJSONEncoder) if after is not None else None
    for ids_sql, ids_params in user_id_sets(user_ids):
        sql = (
            f"{audit_prefix_sql()}, u.id, %s, %s, %s, {json_param_sql()}, {json_param_sql()} "
            f"FROM {user_table()} u WHERE u.id IN ({ids_sql})"
        )
        params = (
            *audit_prefix_params(now=now, actor=actor, actor_label=actor_label),
            certification_id,
            subject,
            action,
            before_json,
            after_json,
            *ids_params,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written
