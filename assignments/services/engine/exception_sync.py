"""4. Open exceptions follow the routes: close the ones no longer true, raise (and audit) new ones."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from certifications.sql import Sql

from ... import sql
from ...models import Assignment, AssignmentException, ExceptionStatus, RouteState, UserAssignment
from .checks import reason_sql
from .context import Context
from .routes import EXC, RECORD, ROUTE, execute, route_audit


def stale_exceptions_close(ctx: Context, assignment_ids: list[int]) -> int:
    """Close the open exceptions (of these assignments, in scope) whose route no longer is in that exception."""
    still_true = UserAssignment.objects.filter(
        assignment_id=OuterRef("assignment_id"),
        user_id=OuterRef("user_id"),
        state=RouteState.EXCEPTION,
        exception_type=OuterRef("type"),
    )
    return (
        AssignmentException.objects.filter(assignment_id__in=assignment_ids, status=ExceptionStatus.OPEN)
        .filter(ctx.scope.q())
        .filter(~Exists(still_true))
        .update(status=ExceptionStatus.RESOLVED, resolved_at=ctx.now)
    )


def exceptions_sync(ctx: Context, assignment: Assignment) -> int:
    """Close the open exceptions whose route no longer is in that exception; raise the missing ones."""
    written = stale_exceptions_close(ctx, [assignment.pk])
    open_exception = AssignmentException.objects.filter(
        assignment_id=OuterRef("assignment_id"), user_id=OuterRef("user_id"), status=ExceptionStatus.OPEN
    )
    in_exception = UserAssignment.objects.filter(assignment_id=assignment.pk, state=RouteState.EXCEPTION)
    if not in_exception.filter(ctx.scope.q()).filter(~Exists(open_exception)).exists():
        return written
    pending = Sql.of(
        "ua.assignment_id = {assignment} AND ua.state = {exception}{scope} AND NOT EXISTS (SELECT 1 FROM {exc} e "
        "WHERE e.assignment_id = ua.assignment_id AND e.user_id = ua.user_id AND e.status = {open})",
        assignment=Sql.value(assignment.pk),
        exception=Sql.value(RouteState.EXCEPTION),
        scope=ctx.scope.sql("ua.user_id"),
        exc=EXC,
        open=Sql.value(ExceptionStatus.OPEN),
    )
    reason = reason_sql(ctx, assignment)
    with_record = Sql.of(
        "{route} ua LEFT JOIN {record} rec ON rec.user_id = ua.user_id AND rec.certification_id = {certification}",
        route=ROUTE,
        record=RECORD,
        certification=Sql.value(ctx.certification.pk),
    )
    after = sql.json_of({"assignment": str(int(assignment.pk)), "type": "ua.exception_type", "reason": reason})
    written += execute(
        route_audit(
            ctx,
            rows=Sql.of("{rows} WHERE {pending}", rows=with_record, pending=pending),
            action="exception_raised",
            after=after,
        )
    )
    written += execute(
        Sql.of(
            "INSERT INTO {exc} (route_id, assignment_id, certification_id, user_id, type, reason, raised_at, status, "
            "resolution) SELECT ua.id, ua.assignment_id, ua.certification_id, ua.user_id, ua.exception_type, "
            "{reason}, {now}, {open}, '' FROM {rows} WHERE {pending} ON CONFLICT DO NOTHING",
            exc=EXC,
            reason=reason,
            now=Sql.value(ctx.now),
            open=Sql.value(ExceptionStatus.OPEN),
            rows=with_record,
            pending=pending,
        )
    )
    return written
