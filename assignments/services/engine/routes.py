"""Route steps of one assignment: remove the routes no longer reached, move due dates, insert new ones.

Every route change is audited in the same statement's set (one audit row per route) through the
certifications' audit builder.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from certifications.models import CertificationRecord
from certifications.services.audit import audit_rows_ctes, audit_rows_sql
from certifications.sql import Sql

from ... import sql
from ...models import Assignment, AssignmentException, ExceptionStatus, ExceptionType, RouteState, UserAssignment
from ...types import assignment_name, reached_user_ids
from .checks import exception_case, record_join
from .context import Context
from .due import DueSql

ROUTE = UserAssignment._meta.db_table
EXC = AssignmentException._meta.db_table
RECORD = CertificationRecord._meta.db_table


def execute(statement: Sql) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement.text, [sql.param_datetime(p) for p in statement.params])
        return cursor.rowcount


def _route_audit_args(ctx: Context, action: str, before: Sql | str, after: Sql | str) -> dict:
    return {
        "subject": "route",
        "action": action,
        "now": ctx.now,
        "certification_id": ctx.certification.pk,
        "before": before,
        "after": after,
        "actor": ctx.actor,
        "actor_label": ctx.actor_label,
    }


def route_audit(
    ctx: Context,
    *,
    rows: Sql | str,
    action: str,
    before: Sql | str = "NULL",
    after: Sql | str = "NULL",
    certification: Sql | str | None = None,
):
    """One audit row per route row ``ua`` of ``rows`` (``certification``: SQL of each row's
    certification, for rows of several; the run's certification otherwise)."""
    return audit_rows_sql(
        rows=rows,
        user_id="ua.user_id",
        certification=certification,
        **_route_audit_args(ctx, action, before, after),
    )


def route_audit_ctes(ctx: Context, *, rows: str, action: str, before: Sql | str = "NULL", after: Sql | str = "NULL"):
    """PostgreSQL: the CTEs auditing every route row of the CTE ``rows`` (per row, or the bulk form);
    ``route_json`` depends on the route's state and due date only."""
    return audit_rows_ctes(
        rows=rows,
        user_id=f"{rows}.user_id",
        keys=(f"{rows}.state", f"{rows}.due_date"),
        at_most=None if ctx.scope.user_ids is None else len(ctx.scope.user_ids),
        **_route_audit_args(ctx, action, before, after),
    )


def route_json(assignment: Assignment) -> Sql:
    """Audit JSON of a route row ``ua``."""
    return sql.json_of(
        {
            "assignment": str(int(assignment.pk)),
            "type": f"'{assignment.type}'",
            "name": Sql.of("CAST({name} AS text)", name=Sql.value(assignment_name(assignment))),
            "state": "ua.state",
            "due_date": sql.iso("ua.due_date"),
        }
    )


@dataclass
class RouteChanges:
    """What one run changed in the routes: the later steps skip what cannot have anything to do."""

    written: int = 0
    removed: int = 0
    updated: int = 0
    inserted: int = 0
    inserted_exception: int = 0
    recounted: int = 0  # routes of ``updated`` that started or stopped counting (active)

    def add(self, other: RouteChanges) -> None:
        self.written += other.written
        self.removed += other.removed
        self.updated += other.updated
        self.inserted += other.inserted
        self.inserted_exception += other.inserted_exception
        self.recounted += other.recounted

    @property
    def any_route(self) -> bool:
        return bool(self.removed or self.updated or self.inserted)

    @property
    def counting_gained(self) -> bool:
        """Whether a learner may have gained a counting route (inserted active, or started counting)."""
        return bool(self.recounted or self.inserted > self.inserted_exception)

    @property
    def counting_lost(self) -> bool:
        """Whether a learner may have lost a counting route (removed, or stopped counting)."""
        return bool(self.removed or self.recounted)


def reached_sql(ctx: Context, assignment: Assignment) -> Sql:
    """(user_id): the learners the assignment reaches, within the scope."""
    return Sql.of(
        "(SELECT q.id AS user_id FROM ({reached}) q WHERE 1=1{scope})",
        reached=Sql(*reached_user_ids(assignment, within=ctx.scope.q()).query.sql_with_params()),
        scope=ctx.scope.sql("q.id"),
    )


def routes_remove(ctx: Context, assignment: Assignment, gone: Sql) -> int:
    """Audit, detach their exceptions (closing open ones), and delete the routes ``ua`` matching ``gone``."""
    removed = execute(
        route_audit(
            ctx,
            rows=Sql.of("{route} ua WHERE {gone}", route=ROUTE, gone=gone),
            action="route_removed",
            before=route_json(assignment),
        )
    )
    if not removed:
        return 0
    open_, resolved = Sql.value(ExceptionStatus.OPEN), Sql.value(ExceptionStatus.RESOLVED)
    written = removed + execute(
        Sql.of(
            "UPDATE {exc} SET route_id = NULL, status = CASE WHEN status = {open} THEN {resolved} ELSE status END, "
            "resolved_at = CASE WHEN status = {open} THEN {now} ELSE resolved_at END "
            "WHERE route_id IN (SELECT ua.id FROM {route} ua WHERE {gone})",
            exc=EXC,
            open=open_,
            resolved=resolved,
            now=Sql.value(ctx.now),
            route=ROUTE,
            gone=gone,
        )
    )
    return written + execute(
        Sql.of("DELETE FROM {route} WHERE id IN (SELECT ua.id FROM {route} ua WHERE {gone})", route=ROUTE, gone=gone)
    )


def routes_gone(ctx: Context, assignment: Assignment) -> Sql:
    """1. Routes ``ua`` in scope that the assignment no longer reaches."""
    return Sql.of(
        "ua.assignment_id = {assignment}{scope} "
        "AND NOT EXISTS (SELECT 1 FROM {reached} r WHERE r.user_id = ua.user_id)",
        assignment=Sql.value(assignment.pk),
        scope=ctx.scope.sql("ua.user_id"),
        reached=reached_sql(ctx, assignment),
    )


def membership_changes(ctx: Context, assignment: Assignment) -> tuple[bool, bool]:
    """(any route in scope no longer reached, any learner reached without a route) in one statement, so
    that a batch of the sweep whose membership did not move (a due-date event) skips the two steps that
    would each read who is reached again to find nothing (decision 0148)."""
    routes = UserAssignment.objects.filter(ctx.scope.q(), assignment_id=assignment.pk).values("user_id")
    return sql.unmatched(Sql.queryset(routes), reached_sql(ctx, assignment))


def all_routes(assignment: Assignment) -> Sql:
    return Sql.of("ua.assignment_id = {assignment}", assignment=Sql.value(assignment.pk))


def existing_checked_sql(ctx: Context, assignment: Assignment, *, keep_override: bool = True) -> Sql:
    """SQL over the assignment's existing routes in scope: (route_id, old_state, due_date, unknown, exc) by its
    current rule.

    The due date never moves earlier (DOMAIN §3): a rule made shorter keeps a route's date, and the checks
    judge that effective date. It may become unknown or none (more time, never less). A realistic due date
    (``due_override``) is a date: its route is never "Completion time unknown".
    """
    rule = DueSql.of(assignment, assigned_at=Sql("r.assigned_at"), event_scope=ctx.scope.batch_sql("ev.user_id"))
    due = Sql.of("COALESCE(r.due_override, {due})", due=rule.due) if keep_override else rule.due
    unknown = Sql.of("(r.due_override IS NULL AND {unknown})", unknown=rule.unknown) if keep_override else rule.unknown
    values = Sql.of(
        "SELECT r.id AS route_id, r.user_id, r.state AS old_state, r.due_date AS old_due, {due} AS rule_due, "
        "{unknown} AS v_unknown "
        "FROM {route} r{joins} WHERE r.assignment_id = {assignment}{scope}",
        due=due,
        unknown=unknown,
        route=ROUTE,
        joins=rule.joins,
        assignment=Sql.value(assignment.pk),
        scope=ctx.scope.sql("r.user_id"),
    )
    never_earlier = Sql.of(
        "SELECT m.route_id, m.user_id, m.old_state, m.v_unknown, CASE WHEN m.old_due IS NOT NULL "
        "AND m.rule_due IS NOT NULL AND m.rule_due < m.old_due THEN m.old_due ELSE m.rule_due END AS v_due "
        "FROM ({values}) m",
        values=values,
    )
    return Sql.of(
        "SELECT n.route_id, n.old_state, n.v_due AS due_date, n.v_unknown AS unknown, {case} AS exc "
        "FROM ({never_earlier}) n{record}",
        case=exception_case(ctx, user="n.user_id", due="n.v_due", unknown="n.v_unknown"),
        never_earlier=never_earlier,
        record=record_join(ctx, "n.user_id"),
    )


def _route_checks(route: str) -> tuple[str, str, str]:
    """SQL over a route row ``route`` and its checked row ``v``: (changed, kept, decided).

    ``changed``: the checks run again — its due date moved, or its rule started or stopped being unable
    to give a date (Completion time unknown, for learners already on the route too: DOMAIN §5).
    ``kept``: a dismissed route ("Do not assign") whose due date did not move out stays dismissed.
    ``decided``: a route an administrator resolved (Assign, realistic due date) stays assigned when its
    due date moves later; only a rule that can no longer give a date raises an exception again.
    """
    unknown_type = ExceptionType.COMPLETION_TIME_UNKNOWN
    moved = sql.distinct(f"{route}.due_date", "v.due_date")
    unknown_changed = (
        f"((v.unknown AND {route}.exception_type <> '{unknown_type}' AND {route}.state <> '{RouteState.DISMISSED}')"
        f" OR (NOT v.unknown AND {route}.exception_type = '{unknown_type}'))"
    )
    out = f"(v.due_date IS NULL OR ({route}.due_date IS NOT NULL AND v.due_date > {route}.due_date))"
    kept = f"({route}.state = '{RouteState.DISMISSED}' AND NOT {out})"
    decided = f"({route}.resolved AND {route}.state = '{RouteState.ACTIVE}' AND NOT v.unknown)"
    return f"({moved} OR {unknown_changed})", kept, decided


def due_preview_sql(ctx: Context, proposed: Assignment) -> Sql:
    """SQL counting, for an unsaved due-date change, the routes it moves and those that would fall into
    exception: the same checks as ``due_dates_update`` (the saved change clears realistic due dates)."""
    changed, kept, decided = _route_checks("ua")
    active = Sql.value(RouteState.ACTIVE)
    return Sql.of(
        "SELECT SUM(CASE WHEN {moved} THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN {changed} AND NOT {kept} AND NOT {decided} AND v.exc <> '' AND ua.state = {active} "
        "THEN 1 ELSE 0 END) "
        "FROM {route} ua JOIN ({checked}) v ON v.route_id = ua.id WHERE ua.state IN ({active}, {exception})",
        moved=sql.distinct("ua.due_date", "v.due_date"),
        changed=changed,
        kept=kept,
        decided=decided,
        active=active,
        route=ROUTE,
        checked=existing_checked_sql(ctx, proposed, keep_override=False),
        exception=Sql.value(RouteState.EXCEPTION),
    )


def due_dates_update(ctx: Context, assignment: Assignment) -> tuple[int, int]:
    """2. Existing routes whose due date changed (never earlier) get it, and the checks run again; so do
    routes whose rule can no longer give a date, or can again (``_route_checks``).

    Returns (routes updated, of which started or stopped counting); SQLite counts every updated route
    as possibly recounted."""
    changed, kept, decided = _route_checks(ROUTE)
    keep = f"({kept} OR {decided})"
    # The checked rows are planned on their own (decision 0148): flattened into the UPDATE, the
    # routes' join to themselves on id is estimated at 1% of the batch, and the event dates and records
    # are then read one index probe per route instead of one range each.
    update = Sql.of(
        "UPDATE {route} SET due_date = v.due_date, "
        "state = CASE WHEN {keep} THEN {route}.state WHEN v.exc <> '' THEN '{exception}' ELSE '{active}' END, "
        "exception_type = CASE WHEN {keep} THEN {route}.exception_type ELSE v.exc END, "
        "resolved = CASE WHEN {keep} THEN {route}.resolved ELSE {false} END "
        "FROM ({checked}{alone}) v WHERE {route}.id = v.route_id AND {route}.assignment_id = {assignment}{batch} "
        "AND {changed}",
        route=ROUTE,
        assignment=Sql.value(assignment.pk),
        batch=ctx.scope.batch_sql(f"{ROUTE}.user_id"),
        keep=keep,
        exception=RouteState.EXCEPTION,
        active=RouteState.ACTIVE,
        false=sql.false(),
        checked=existing_checked_sql(ctx, assignment),
        alone=sql.planned_alone(),
        changed=changed,
    )
    if not sql.is_postgres():
        updated = execute(update)
        return updated, updated
    active = Sql.value(RouteState.ACTIVE)
    statement = Sql.of(
        "WITH moved AS ({update} RETURNING ({route}.state = {active}) <> (v.old_state = {active}) AS recounted) "
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN recounted THEN 1 ELSE 0 END), 0) FROM moved",
        update=update,
        route=ROUTE,
        active=active,
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.text, [sql.param_datetime(p) for p in statement.params])
        updated, recounted = cursor.fetchone()
    return int(updated), int(recounted)


def routes_insert(ctx: Context, assignment: Assignment) -> tuple[int, int]:
    """3. Routes that newly reach a learner: due date and checks computed in the same INSERT, audited.

    Returns (routes inserted, of which in exception)."""
    rule = DueSql.of(assignment, assigned_at=Sql.value(ctx.now), event_scope=ctx.scope.batch_sql("ev.user_id"))
    new = Sql.of(
        "SELECT r.user_id, {due} AS due_date, {unknown} AS unknown FROM {reached} r{joins} "
        "WHERE NOT EXISTS (SELECT 1 FROM {route} x WHERE x.assignment_id = {assignment} AND x.user_id = r.user_id"
        "{batch})",
        due=rule.due,
        unknown=rule.unknown,
        reached=reached_sql(ctx, assignment),
        joins=rule.joins,
        route=ROUTE,
        assignment=Sql.value(assignment.pk),
        batch=ctx.scope.batch_sql("x.user_id"),
    )
    certification = Sql.value(ctx.certification.pk)
    insert = Sql.of(
        "INSERT INTO {route} (assignment_id, certification_id, user_id, assigned_at, due_date, state, "
        "exception_type, resolved) "
        "SELECT {assignment}, {certification}, v.user_id, {now}, v.due_date, "
        "CASE WHEN v.exc <> '' THEN '{exception}' ELSE '{active}' END, v.exc, {false} "
        "FROM (SELECT n.user_id, n.due_date, {case} AS exc FROM ({new}) n{record}) v "
        "WHERE {true} ON CONFLICT DO NOTHING",
        route=ROUTE,
        assignment=Sql.value(assignment.pk),
        certification=certification,
        now=Sql.value(ctx.now),
        exception=RouteState.EXCEPTION,
        active=RouteState.ACTIVE,
        false=sql.false(),
        case=exception_case(ctx, user="n.user_id", due="n.due_date", unknown="n.unknown"),
        new=new,
        record=record_join(ctx, "n.user_id"),
        true=sql.true(),
    )
    after = route_json(assignment)
    if sql.is_postgres():
        # One statement: the audit rows are the inserted rows (data-modifying CTEs, run whether read or
        # not); a large insert is audited in the bulk form (decision 0073).
        statement = Sql.of(
            "WITH ua AS ({insert} RETURNING user_id, state, due_date), {audit} "
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = '{exception}' THEN 1 ELSE 0 END), 0) FROM ua",
            insert=insert,
            audit=route_audit_ctes(ctx, rows="ua", action="route_added", after=after),
            exception=RouteState.EXCEPTION,
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.text, [sql.param_datetime(p) for p in statement.params])
            inserted, in_exception = cursor.fetchone()
        return int(inserted), int(in_exception)
    returning = insert + " RETURNING id, state"
    with connection.cursor() as cursor:
        cursor.execute(returning.text, [sql.param_datetime(p) for p in returning.params])
        rows = cursor.fetchall()
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 500):
        chunk = Sql.values(ids[start : start + 500])
        rows_sql = Sql.of("{route} ua WHERE ua.id IN ({ids})", route=ROUTE, ids=chunk)
        execute(route_audit(ctx, rows=rows_sql, action="route_added", after=after))
    return len(ids), sum(1 for row in rows if row[1] == RouteState.EXCEPTION)
