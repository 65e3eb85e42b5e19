"""The materialisation engine: assignment rules → per-learner routes → learner records.

Everything is set-based SQL, a handful of statements per assignment whatever its size:

1. routes no longer reached are audited, their open exceptions closed, and deleted;
2. existing routes whose due date changed get it, and the exception checks run again
   (``UPDATE … FROM``; a dismissed route only when its due date moves out);
3. routes that now reach a learner are inserted with their due date and the result of the
   exception checks (``INSERT … SELECT … ON CONFLICT DO NOTHING``), audited;
4. open exceptions follow the routes' state (raised, or closed when no longer true);
5. the certification's learner records follow the counting (active) routes through the
   certifications services: assign/restore, unassign, due date (latest route wins, never earlier).

A recomputation of a certification takes a per-certification lock first (an advisory lock on
PostgreSQL), so two workers run one after the other and the second writes nothing; the unique
constraints stop duplicates whatever happens. Running it twice writes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from certifications import services as certification_services
from certifications.models import AuditEvent, Certification, CertificationPath, CertificationRecord, CourseSet
from certifications.selectors import path_time_allowance
from certlms.dates import days_after_clamped

from .. import sql
from ..models import (
    Assignment,
    AssignmentException,
    DueEvent,
    DueKind,
    ExceptionStatus,
    ExceptionType,
    GroupMember,
    RouteState,
    UserAssignment,
)
from ..types import assignment_name, reached_user_ids

logger = logging.getLogger(__name__)

ROUTE = UserAssignment._meta.db_table
EXC = AssignmentException._meta.db_table
AUDIT = AuditEvent._meta.db_table
RECORD = CertificationRecord._meta.db_table
CERT = Certification._meta.db_table
ENGINE_LABEL = "Assignment recomputation"


# --- scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which learners a run looks at: all, a list of ids, or a half-open id range (batches)."""

    user_ids: tuple[int, ...] | None = None
    id_range: tuple[int, int] | None = None

    @property
    def everyone(self) -> bool:
        return self.user_ids is None and self.id_range is None

    def sql(self, column: str) -> tuple[str, list]:
        if self.user_ids is not None:
            if not self.user_ids:
                return f" AND {sql.false()}", []
            marks = ", ".join(["%s"] * len(self.user_ids))
            return f" AND {column} IN ({marks})", list(self.user_ids)
        if self.id_range is not None:
            return f" AND {column} >= %s AND {column} < %s", list(self.id_range)
        return "", []

    def q(self, field_name: str = "user_id") -> Q:
        if self.user_ids is not None:
            return Q(**{f"{field_name}__in": self.user_ids})
        if self.id_range is not None:
            return Q(**{f"{field_name}__gte": self.id_range[0], f"{field_name}__lt": self.id_range[1]})
        return Q()


# --- per-certification facts the checks need -----------------------------------------------------


def path_allowance_days(certification: Certification, path: str) -> int:
    """Total time allowance of a path, in days."""
    return path_time_allowance(certification=certification, path=path).days


def allowance_days(certification: Certification) -> tuple[int, int]:
    """(certification path, recertification path) total time allowances in days, in one query."""
    recert_path = certification.content_path(CertificationPath.RECERTIFICATION)
    totals = CourseSet.objects.filter(certification=certification).aggregate(
        cert=Sum("minimum_time_days", filter=Q(path=CertificationPath.CERTIFICATION)),
        recert=Sum("minimum_time_days", filter=Q(path=recert_path)),
    )
    return totals["cert"] or 0, totals["recert"] or 0


def conflicting_certification_ids(certification_id: int) -> list[int]:
    """Other certifications that contain one of this certification's courses."""
    courses = CourseSet.courses.through.objects.filter(courseset__certification_id=certification_id).values("course_id")
    return list(
        CourseSet.objects.filter(courses__in=courses)
        .exclude(certification_id=certification_id)
        .order_by()
        .values_list("certification_id", flat=True)
        .distinct()
    )


@dataclass
class Context:
    certification: Certification
    now: dt.datetime
    actor_id: int | None
    actor_label: str
    scope: Scope
    conflicts: list[int] = field(default_factory=list)
    cert_days: int = 0
    recert_days: int = 0

    @classmethod
    def build(cls, *, certification: Certification, now, actor, scope: Scope, actor_label: str = "") -> Context:
        cert_days, recert_days = allowance_days(certification)
        return cls(
            certification=certification,
            now=now,
            actor_id=getattr(actor, "pk", None),
            actor_label=actor_label or ("" if actor is not None else ENGINE_LABEL),
            scope=scope,
            conflicts=conflicting_certification_ids(certification.pk),
            cert_days=cert_days,
            recert_days=recert_days,
        )

    def threshold(self, days: int) -> dt.datetime:
        """now + a time allowance, kept at the last stored day (an allowance of millions of days never overflows)."""
        return days_after_clamped(self.now, days)


# --- due dates ---------------------------------------------------------------------------------

_EVENT_TARGET = {
    DueEvent.POSITION_ASSIGNED: "due_event_position_id",
    DueEvent.JOB_START: "due_event_position_id",
    DueEvent.CERTIFICATION_COMPLETION: "due_event_certification_id",
    DueEvent.COURSE_COMPLETION: "due_event_course_id",
    DueEvent.PROFILE_DATE: "due_event_profile_field_id",
}


def _event_sql(assignment: Assignment) -> tuple[str, list] | None:
    """SQL yielding (user_id, at): when each learner's event happened; at NULL = invalid value."""
    event = assignment.due_event
    if event == DueEvent.FIRST_LOGIN:
        return (
            "SELECT user_id, first_login_at AS at FROM directory_learnerprofile WHERE first_login_at IS NOT NULL",
            [],
        )
    if event in (DueEvent.POSITION_ASSIGNED, DueEvent.JOB_START):
        column = "position_assigned_date" if event == DueEvent.POSITION_ASSIGNED else "start_date"
        return (
            f"SELECT user_id, {sql.date_start(f'MAX({column})')} AS at FROM directory_jobassignment "
            f"WHERE position_id = %s AND {column} IS NOT NULL GROUP BY user_id",
            [assignment.due_event_position_id],
        )
    if event == DueEvent.CERTIFICATION_COMPLETION:
        return (
            "SELECT user_id, MAX(completion_date) AS at FROM ("
            f"SELECT user_id, completion_date FROM {RECORD} WHERE certification_id = %s "
            "UNION ALL SELECT user_id, completion_date FROM certifications_certificationrecordhistory "
            "WHERE certification_id = %s) c WHERE completion_date IS NOT NULL GROUP BY user_id",
            [assignment.due_event_certification_id] * 2,
        )
    if event == DueEvent.COURSE_COMPLETION:
        return (
            "SELECT user_id, MAX(completed_at) AS at FROM ("
            "SELECT user_id, completed_at FROM courses_coursecompletion WHERE course_id = %s "
            "UNION ALL SELECT user_id, completed_at FROM courses_coursecompletionhistory WHERE course_id = %s"
            ") c GROUP BY user_id",
            [assignment.due_event_course_id] * 2,
        )
    if event == DueEvent.PROFILE_DATE:
        return (
            f"SELECT user_id, {sql.date_start('value')} AS at FROM directory_profiledatevalue WHERE field_id = %s",
            [assignment.due_event_profile_field_id],
        )
    if event == DueEvent.ASSIGNMENT_DATE and assignment.group_id:
        return (
            f"SELECT user_id, joined_at AS at FROM {GroupMember._meta.db_table} WHERE group_id = %s",
            [assignment.group_id],
        )
    return None


def event_target_missing(assignment: Assignment) -> bool:
    """The event can never give a date: its position, course, certification or field was deleted."""
    if assignment.due_kind != DueKind.RELATIVE:
        return False
    column = _EVENT_TARGET.get(assignment.due_event)
    return column is not None and getattr(assignment, column) is None


@dataclass
class DueRule:
    """How one assignment's due date is computed, as SQL over a row aliased ``r`` (with ``r.user_id``).

    ``due`` (with ``due_params``) comes first in the SELECT list, ``joins`` (with ``params``) after FROM.
    """

    joins: str
    params: list
    due: str
    due_params: list
    unknown: str

    @classmethod
    def of(cls, assignment: Assignment, *, assigned_at_sql: str, assigned_at_params: list) -> DueRule:
        if assignment.due_kind == DueKind.FIXED and assignment.due_fixed_at:
            return cls("", [], "%s", [assignment.due_fixed_at], sql.false())
        if assignment.due_kind != DueKind.RELATIVE:
            return cls("", [], sql.null_timestamp(), [], sql.false())
        if event_target_missing(assignment):
            return cls("", [], sql.null_timestamp(), [], sql.true())
        amount, unit = assignment.due_amount or 0, assignment.due_unit or "days"
        event = _event_sql(assignment)
        if event is None:  # Assignment date of a non-group route: when the route reached the learner.
            return cls("", [], sql.add_period(assigned_at_sql, amount, unit), list(assigned_at_params), sql.false())
        event_sql, event_params = event
        unknown = sql.false()
        if assignment.due_event == DueEvent.PROFILE_DATE:
            unknown = "(ev.user_id IS NOT NULL AND ev.at IS NULL)"
        return cls(
            f" LEFT JOIN ({event_sql}) ev ON ev.user_id = r.user_id",
            event_params,
            sql.add_period("ev.at", amount, unit),
            [],
            unknown,
        )


# --- the checks (DOMAIN §5) -------------------------------------------------------------------


def _exception_case(ctx: Context, *, user: str, due: str, unknown: str) -> tuple[str, list]:
    """SQL CASE giving the first exception that matches, or '' (``rec`` = the learner's record row)."""
    params: list = []
    if ctx.conflicts:
        marks = ", ".join(["%s"] * len(ctx.conflicts))
        already = f"EXISTS (SELECT 1 FROM {RECORD} o WHERE o.user_id = {user} AND o.certification_id IN ({marks}))"
        params += ctx.conflicts
    else:
        already = sql.false()
    allowance = f"({due} IS NOT NULL AND {due} < CASE WHEN rec.path = %s THEN %s ELSE %s END)"
    params += [CertificationPath.RECERTIFICATION, ctx.threshold(ctx.recert_days), ctx.threshold(ctx.cert_days)]
    case = (
        f"CASE WHEN {already} THEN '{ExceptionType.ALREADY_ASSIGNED}' "
        f"WHEN {unknown} THEN '{ExceptionType.COMPLETION_TIME_UNKNOWN}' "
        f"WHEN {allowance} THEN '{ExceptionType.TIME_ALLOWANCE}' ELSE '' END"
    )
    return case, params


def unknown_reason(assignment: Assignment) -> str:
    if event_target_missing(assignment):
        what = {
            DueEvent.POSITION_ASSIGNED: "a position",
            DueEvent.JOB_START: "a position",
            DueEvent.CERTIFICATION_COMPLETION: "the completion of a certification",
            DueEvent.COURSE_COMPLETION: "the completion of a course",
            DueEvent.PROFILE_DATE: "a profile field",
        }[assignment.due_event]
        return f"The due date is relative to {what} that has been deleted, so it can never be known."
    field_name = assignment.due_event_profile_field.name if assignment.due_event_profile_field_id else ""
    return (
        f"The due date is relative to the profile field '{field_name}', "
        "whose value for this learner is not a valid date."
    )


def allowance_reason(days: int, path_label: str) -> str:
    return (
        f"The time left until the due date is shorter than the {days} days the {path_label} path "
        "of this certification requires."
    )


# --- one assignment ----------------------------------------------------------------------------


def _execute(statement: str, params: Iterable) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, [sql.param_datetime(p) for p in params])
        return cursor.rowcount


def _audit_sql(ctx: Context, *, action: str, before: dict | None, after: dict | None) -> tuple[str, list]:
    """The SELECT list of one audit row per route row ``ua`` (set-based audit)."""
    before_sql = sql.json_object(before) if before else "NULL"
    after_sql = sql.json_object(after) if after else "NULL"
    return (
        f"SELECT %s, %s, %s, ua.user_id, %s, 'route', %s, {before_sql}, {after_sql}",
        [ctx.now, ctx.actor_id, ctx.actor_label, ctx.certification.pk, action],
    )


AUDIT_COLUMNS = (
    f"INSERT INTO {AUDIT} (at, actor_id, actor_label, user_id, certification_id, subject, action, before, after) "
)


def _audit_insert(ctx: Context, *, select_from: str, where: str, params: list, action: str, before, after) -> int:
    """INSERT one audit row per selected route row ``ua``; ``params``: those of the JSON, then of ``where``."""
    select, select_params = _audit_sql(ctx, action=action, before=before, after=after)
    return _execute(f"{AUDIT_COLUMNS}{select} FROM {select_from} WHERE {where}", [*select_params, *params])


def _route_json(assignment: Assignment) -> dict[str, str]:
    """Audit JSON of a route row ``ua`` (its name is the first parameter)."""
    return {
        "assignment": str(int(assignment.pk)),
        "type": f"'{assignment.type}'",
        "name": "CAST(%s AS text)",
        "state": "ua.state",
        "due_date": sql.iso("ua.due_date"),
    }


@dataclass
class RouteChanges:
    """What one run changed in the routes: the later steps skip what cannot have anything to do."""

    written: int = 0
    removed: int = 0
    updated: int = 0
    inserted: int = 0
    inserted_exception: int = 0

    def add(self, other: RouteChanges) -> None:
        self.written += other.written
        self.removed += other.removed
        self.updated += other.updated
        self.inserted += other.inserted
        self.inserted_exception += other.inserted_exception

    @property
    def any_route(self) -> bool:
        return bool(self.removed or self.updated or self.inserted)


def _materialise_one(ctx: Context, assignment: Assignment) -> RouteChanges:
    """Bring one assignment's routes within the scope up to date.

    For a few learners (a list of ids), the exception step runs only where a route's state may have
    changed (a due date moved, or a route was inserted in exception): routes that did not change
    cannot make an exception stale or due. Larger scopes always run it (they are the repair path).
    """
    changes = RouteChanges()
    reached_sql, reached_params = reached_user_ids(assignment).query.sql_with_params()
    scope_q, scope_q_params = ctx.scope.sql("q.id")
    reached = f"(SELECT q.id AS user_id FROM ({reached_sql}) q WHERE 1=1{scope_q})"
    reached_params = [*reached_params, *scope_q_params]
    scope_ua, scope_ua_params = ctx.scope.sql("ua.user_id")
    name = assignment_name(assignment)
    route_json = _route_json(assignment)

    # 1. Routes no longer reached: audit, detach and close their exceptions, delete.
    gone = f"ua.assignment_id = %s{scope_ua} AND NOT EXISTS (SELECT 1 FROM {reached} r WHERE r.user_id = ua.user_id)"
    removed = _remove_routes(ctx, assignment, gone, [assignment.pk, *scope_ua_params, *reached_params])
    changes.removed = removed
    changes.updated = _update_due_dates(ctx, assignment)
    inserted, inserted_exception = _insert_new_routes(ctx, assignment, reached, reached_params, name, route_json)
    changes.inserted, changes.inserted_exception = inserted, inserted_exception
    changes.written = removed + changes.updated + 2 * inserted
    if ctx.scope.user_ids is None or changes.updated or inserted_exception:
        changes.written += _sync_exceptions(ctx, assignment)
    return changes


def _remove_routes(ctx: Context, assignment: Assignment, gone: str, gone_params: list) -> int:
    """Audit, detach their exceptions (closing open ones), and delete the routes ``ua`` matching ``gone``."""
    removed = _audit_insert(
        ctx,
        select_from=f"{ROUTE} ua",
        where=gone,
        params=[assignment_name(assignment), *gone_params],
        action="route_removed",
        before=_route_json(assignment),
        after=None,
    )
    if not removed:
        return 0
    written = removed + _execute(
        f"UPDATE {EXC} SET route_id = NULL, status = CASE WHEN status = %s THEN %s ELSE status END, "
        f"resolved_at = CASE WHEN status = %s THEN %s ELSE resolved_at END "
        f"WHERE route_id IN (SELECT ua.id FROM {ROUTE} ua WHERE {gone})",
        [ExceptionStatus.OPEN, ExceptionStatus.RESOLVED, ExceptionStatus.OPEN, ctx.now, *gone_params],
    )
    return written + _execute(
        f"DELETE FROM {ROUTE} WHERE id IN (SELECT ua.id FROM {ROUTE} ua WHERE {gone})", gone_params
    )


def routes_remove_all(ctx: Context, assignment: Assignment) -> int:
    """Every route of an assignment that is being removed (audited, set-based)."""
    return _remove_routes(ctx, assignment, "ua.assignment_id = %s", [assignment.pk])


def _existing_checked_sql(ctx: Context, assignment: Assignment, *, keep_override: bool = True) -> tuple[str, list]:
    """SQL over the assignment's existing routes in scope: (route_id, due_date, exc) by its current rule."""
    rule = DueRule.of(assignment, assigned_at_sql="r.assigned_at", assigned_at_params=[])
    scope_r, scope_r_params = ctx.scope.sql("r.user_id")
    due = f"COALESCE(r.due_override, {rule.due})" if keep_override else rule.due
    values = (
        f"SELECT r.id AS route_id, r.user_id, {due} AS v_due, "
        f"{rule.unknown} AS v_unknown FROM {ROUTE} r{rule.joins} WHERE r.assignment_id = %s{scope_r}"
    )
    values_params = [*rule.due_params, *rule.params, assignment.pk, *scope_r_params]
    case, case_params = _exception_case(ctx, user="n.user_id", due="n.v_due", unknown="n.v_unknown")
    checked = (
        f"SELECT n.route_id, n.v_due AS due_date, {case} AS exc FROM ({values}) n "
        f"LEFT JOIN {RECORD} rec ON rec.user_id = n.user_id AND rec.certification_id = %s"
    )
    return checked, [*case_params, *values_params, ctx.certification.pk]


def due_preview_sql(ctx: Context, proposed: Assignment) -> tuple[str, list]:
    """SQL counting, for an unsaved due-date change, the routes it moves and those that would fall into exception."""
    checked, params = _existing_checked_sql(ctx, proposed, keep_override=False)
    moved = sql.distinct("ua.due_date", "v.due_date")
    return (
        f"SELECT SUM(CASE WHEN {moved} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {moved} AND v.exc <> '' AND ua.state = %s THEN 1 ELSE 0 END) "
        f"FROM {ROUTE} ua JOIN ({checked}) v ON v.route_id = ua.id WHERE ua.state IN (%s, %s)",
        [RouteState.ACTIVE, *params, RouteState.ACTIVE, RouteState.EXCEPTION],
    )


def _update_due_dates(ctx: Context, assignment: Assignment) -> int:
    """2. Existing routes whose due date changed get it, and the checks run again.

    A dismissed route ("Do not assign") is checked again only when its due date moves out.
    """
    checked, checked_params = _existing_checked_sql(ctx, assignment)
    out = f"(v.due_date IS NULL OR ({ROUTE}.due_date IS NOT NULL AND v.due_date > {ROUTE}.due_date))"
    keep = f"({ROUTE}.state = '{RouteState.DISMISSED}' AND NOT {out})"
    return _execute(
        f"UPDATE {ROUTE} SET due_date = v.due_date, "
        f"state = CASE WHEN {keep} THEN {ROUTE}.state WHEN v.exc <> '' THEN '{RouteState.EXCEPTION}' "
        f"ELSE '{RouteState.ACTIVE}' END, "
        f"exception_type = CASE WHEN {keep} THEN {ROUTE}.exception_type ELSE v.exc END, "
        f"resolved = CASE WHEN {keep} THEN {ROUTE}.resolved ELSE {sql.false()} END "
        f"FROM ({checked}) v WHERE {ROUTE}.id = v.route_id AND {sql.distinct(f'{ROUTE}.due_date', 'v.due_date')}",
        checked_params,
    )


def _insert_new_routes(
    ctx: Context, assignment: Assignment, reached: str, reached_params: list, name, route_json
) -> tuple[int, int]:
    """3. Routes that newly reach a learner: due date and checks computed in the same INSERT, audited.

    Returns (routes inserted, of which in exception)."""
    rule = DueRule.of(assignment, assigned_at_sql="%s", assigned_at_params=[ctx.now])
    new = (
        f"SELECT r.user_id, {rule.due} AS due_date, {rule.unknown} AS unknown FROM {reached} r{rule.joins} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {ROUTE} x WHERE x.assignment_id = %s AND x.user_id = r.user_id)"
    )
    new_params = [*rule.due_params, *reached_params, *rule.params, assignment.pk]
    case, case_params = _exception_case(ctx, user="n.user_id", due="n.due_date", unknown="n.unknown")
    insert = (
        f"INSERT INTO {ROUTE} (assignment_id, certification_id, user_id, assigned_at, due_date, state, "
        f"exception_type, resolved) "
        f"SELECT %s, %s, v.user_id, %s, v.due_date, "
        f"CASE WHEN v.exc <> '' THEN '{RouteState.EXCEPTION}' ELSE '{RouteState.ACTIVE}' END, v.exc, {sql.false()} "
        f"FROM (SELECT n.user_id, n.due_date, {case} AS exc FROM ({new}) n "
        f"LEFT JOIN {RECORD} rec ON rec.user_id = n.user_id AND rec.certification_id = %s) v "
        f"WHERE {sql.true()} ON CONFLICT DO NOTHING"
    )
    insert_params = [assignment.pk, ctx.certification.pk, ctx.now, *case_params, *new_params, ctx.certification.pk]
    select, select_params = _audit_sql(ctx, action="route_added", before=None, after=route_json)
    if sql.is_postgres():
        # One statement: the audit rows are the inserted rows (data-modifying CTE, run whether read or not).
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH ua AS ({insert} RETURNING user_id, state, due_date), "
                f"a AS ({AUDIT_COLUMNS}{select} FROM ua RETURNING 1) "
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = '{RouteState.EXCEPTION}' THEN 1 ELSE 0 END), 0) "
                "FROM ua",
                [sql.param_datetime(p) for p in [*insert_params, *select_params, name]],
            )
            inserted, in_exception = cursor.fetchone()
        return int(inserted), int(in_exception)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{insert} RETURNING id, state",
            [sql.param_datetime(p) for p in insert_params],
        )
        rows = cursor.fetchall()
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        _execute(f"{AUDIT_COLUMNS}{select} FROM {ROUTE} ua WHERE ua.id IN ({marks})", [*select_params, name, *chunk])
    return len(ids), sum(1 for row in rows if row[1] == RouteState.EXCEPTION)


def _sync_exceptions(ctx: Context, assignment: Assignment) -> int:
    """4. Open exceptions follow the routes: close the ones no longer true, raise (and audit) new ones."""
    scope_e, scope_e_params = ctx.scope.sql(f"{EXC}.user_id")
    written = _execute(
        f"UPDATE {EXC} SET status = %s, resolved_at = %s WHERE assignment_id = %s AND status = %s{scope_e} "
        f"AND NOT EXISTS (SELECT 1 FROM {ROUTE} ua WHERE ua.assignment_id = {EXC}.assignment_id "
        f"AND ua.user_id = {EXC}.user_id AND ua.state = %s AND ua.exception_type = {EXC}.type)",
        [ExceptionStatus.RESOLVED, ctx.now, assignment.pk, ExceptionStatus.OPEN, *scope_e_params, RouteState.EXCEPTION],
    )
    scope_ua, scope_ua_params = ctx.scope.sql("ua.user_id")
    pending = (
        f"ua.assignment_id = %s AND ua.state = %s{scope_ua} AND NOT EXISTS (SELECT 1 FROM {EXC} e "
        f"WHERE e.assignment_id = ua.assignment_id AND e.user_id = ua.user_id AND e.status = %s)"
    )
    pending_params = [assignment.pk, RouteState.EXCEPTION, *scope_ua_params, ExceptionStatus.OPEN]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {ROUTE} ua WHERE {pending} LIMIT 1", pending_params)
        if cursor.fetchone() is None:
            return written
    reason, reason_params = _reason_sql(ctx, assignment)
    with_record = f"{ROUTE} ua LEFT JOIN {RECORD} rec ON rec.user_id = ua.user_id AND rec.certification_id = %s"
    written += _audit_insert(
        ctx,
        select_from=with_record,
        where=pending,
        params=[*reason_params, ctx.certification.pk, *pending_params],
        action="exception_raised",
        before=None,
        after={"assignment": str(int(assignment.pk)), "type": "ua.exception_type", "reason": reason},
    )
    written += _execute(
        f"INSERT INTO {EXC} (route_id, assignment_id, certification_id, user_id, type, reason, raised_at, status, "
        f"resolution) SELECT ua.id, ua.assignment_id, ua.certification_id, ua.user_id, ua.exception_type, "
        f"{reason}, %s, %s, '' FROM {with_record} WHERE {pending} ON CONFLICT DO NOTHING",
        [*reason_params, ctx.now, ExceptionStatus.OPEN, ctx.certification.pk, *pending_params],
    )
    return written


def _reason_sql(ctx: Context, assignment: Assignment) -> tuple[str, list]:
    """SQL giving the exception's reason in plain words, from the route ``ua`` and record ``rec``."""
    params: list = []
    if ctx.conflicts:
        marks = ", ".join(["%s"] * len(ctx.conflicts))
        other = (
            f"(SELECT MIN(c.fullname) FROM {RECORD} o JOIN {CERT} c ON c.id = o.certification_id "
            f"WHERE o.user_id = ua.user_id AND o.certification_id IN ({marks}))"
        )
        already = f"%s || {other} || %s"
        params += ["The learner is already assigned to the certification '", *ctx.conflicts]
        params += ["', which contains a course of this certification."]
    else:
        already = "''"
    allowance = "CASE WHEN rec.path = %s THEN %s ELSE %s END"
    case = (
        f"CASE ua.exception_type WHEN '{ExceptionType.ALREADY_ASSIGNED}' THEN {already} "
        f"WHEN '{ExceptionType.COMPLETION_TIME_UNKNOWN}' THEN %s ELSE {allowance} END"
    )
    params += [
        unknown_reason(assignment),
        CertificationPath.RECERTIFICATION,
        allowance_reason(ctx.recert_days, "recertification"),
        allowance_reason(ctx.cert_days, "certification"),
    ]
    return case, params


# --- learner records ---------------------------------------------------------------------------


def counting_routes(certification_id: int):
    """Routes that count: active ones (a route in exception or dismissed does not)."""
    return UserAssignment.objects.filter(certification_id=certification_id, state=RouteState.ACTIVE)


def records_sync(ctx: Context, changes: RouteChanges | None = None) -> int:
    """Learner records follow the counting routes: assign/restore, unassign, due date.

    ``changes`` (a run over only some assignments, for a few learners) says what the routes did, so
    that the steps that can find nothing are skipped: no record to create unless a route was
    inserted or changed state, none to remove unless a route was removed or changed state.
    Without it every step runs (the repair path: records follow all the certification's routes).
    """
    if changes is not None and not changes.any_route:
        return 0
    cert_id, scope = ctx.certification.pk, ctx.scope
    actor = _actor(ctx)
    counting = counting_routes(cert_id).filter(scope.q())
    due_dates = counting.filter(due_date__isnull=False).values("user_id").annotate(due_date=Max("due_date")).order_by()
    # The service skips learners who have a record already (NOT EXISTS), so no exclusion here;
    # fresh records are created with their due date (one write per record).
    written = 0
    adds = changes is None or bool(changes.updated) or changes.inserted > changes.inserted_exception
    if adds:
        written += certification_services.record_assign_many(
            certification_id=cert_id,
            user_ids=counting.values_list("user_id", flat=True).distinct(),
            now=ctx.now,
            actor=actor,
            actor_label=ctx.actor_label,
            due_dates=due_dates,
        )
    # Records with no counting route left: an anti-join (NOT EXISTS), never NOT IN over a large set.
    orphans = (
        CertificationRecord.objects.filter(certification_id=cert_id)
        .filter(scope.q())
        .filter(~Exists(counting_routes(cert_id).filter(user_id=OuterRef("user_id"))))
        .values_list("user_id", flat=True)
    )
    if changes is None or changes.removed or changes.updated:
        written += certification_services.record_unassign_many(
            certification_id=cert_id, user_ids=orphans, now=ctx.now, actor=actor, actor_label=ctx.actor_label
        )
    if adds:  # due dates only move later: a removed route never changes one
        written += certification_services.record_due_dates_apply(
            certification_id=cert_id, due_dates=due_dates, now=ctx.now, actor=actor, actor_label=ctx.actor_label
        )
    return written


def _actor(ctx: Context):
    if ctx.actor_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model()(pk=ctx.actor_id)


# --- entry points ------------------------------------------------------------------------------


def _run(
    *,
    certification_id: int,
    assignments,
    scope: Scope,
    now,
    actor,
    restricted: bool = False,
    certification=None,
    actor_label: str = "",
) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        sql.certification_lock(certification_id, user_ids=scope.user_ids)
        sql.bulk_session(large=scope.user_ids is None)
        if certification is None:
            certification = Certification.objects.get(pk=certification_id)
        ctx = Context.build(certification=certification, now=now, actor=actor, scope=scope, actor_label=actor_label)
        changes = RouteChanges()
        for assignment in assignments:
            changes.add(_materialise_one(ctx, assignment))
        # A run restricted to some assignments for a few learners (a signal, a group membership) moves
        # records only through the routes it changed; any other run re-derives them (repair).
        incremental = restricted and scope.user_ids is not None
        return changes.written + records_sync(ctx, changes if incremental else None)


def _assignments(certification_id: int | None = None, **filters):
    # order_by("pk"): the model's default ordering joins the certification (its name) for nothing.
    if certification_id is not None:
        filters["certification_id"] = certification_id
    return list(
        Assignment.objects.filter(**filters)
        .select_related("audience", "organisation", "position", "manager", "user", "group", "due_event_profile_field")
        .order_by("pk")
    )


def assignment_materialise(
    *, assignment_id: int, now: dt.datetime | None = None, actor=None, id_range: tuple[int, int] | None = None
) -> int:
    """Bring one assignment's routes, exceptions and its learners' records up to date. Returns rows written."""
    assignment = Assignment.objects.filter(pk=assignment_id).values_list("certification_id", flat=True).first()
    if assignment is None:
        return 0
    return _run(
        certification_id=assignment,
        assignments=_assignments(assignment, pk=assignment_id),
        scope=Scope(id_range=id_range),
        now=now,
        actor=actor,
    )


def learners_recompute(
    *,
    certification_id: int,
    user_ids: list[int],
    now: dt.datetime | None = None,
    actor=None,
    assignment_ids=None,
    actor_label: str = "",
) -> int:
    """Recompute a few learners of one certification, synchronously (every assignment, or the given ones).

    ``actor`` is the person whose change caused it, ``actor_label`` says in words what triggered it."""
    filters = {"pk__in": assignment_ids} if assignment_ids is not None else {}
    return _run(
        certification_id=certification_id,
        assignments=_assignments(certification_id, **filters),
        scope=Scope(user_ids=tuple(sorted(set(user_ids)))),
        now=now,
        actor=actor,
        restricted=assignment_ids is not None,
        actor_label=actor_label,
    )


def learners_recompute_many(
    *,
    user_ids: list[int],
    assignment_ids: list[int],
    now: dt.datetime | None = None,
    actor=None,
    actor_label: str = "",
) -> int:
    """``learners_recompute`` of a few learners for the given assignments of many certifications (a
    directory or course event that reaches them all): the assignments and their certifications are
    loaded in two queries, then each certification runs in its own transaction, with its own lock,
    skipping the record steps where its routes did not change."""
    scope = Scope(user_ids=tuple(sorted(set(user_ids))))
    by_certification: dict[int, list[Assignment]] = {}
    for assignment in _assignments(pk__in=assignment_ids):
        by_certification.setdefault(assignment.certification_id, []).append(assignment)
    certifications = Certification.objects.in_bulk(list(by_certification))
    written = 0
    for certification_id in sorted(by_certification):
        written += _run(
            certification_id=certification_id,
            assignments=by_certification[certification_id],
            scope=scope,
            now=now,
            actor=actor,
            restricted=True,
            certification=certifications[certification_id],
            actor_label=actor_label,
        )
    return written


def certification_recompute(
    *, certification_id: int, now: dt.datetime | None = None, actor=None, id_range: tuple[int, int] | None = None
) -> int:
    """Recompute every assignment of a certification (optionally for one batch of user ids)."""
    return _run(
        certification_id=certification_id,
        assignments=_assignments(certification_id),
        scope=Scope(id_range=id_range),
        now=now,
        actor=actor,
    )
