"""5. Learner records follow the counting routes, through the certifications services."""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef

from certifications import services as certification_services
from certifications.models import CertificationRecord
from certifications.sql import Sql

from ... import sql
from ...models import RouteState, UserAssignment
from .context import Context
from .routes import RouteChanges


def counting_routes(certification_id: int):
    """Routes that count: active ones (a route in exception or dismissed does not)."""
    return UserAssignment.objects.filter(certification_id=certification_id, state=RouteState.ACTIVE)


def records_membership(ctx: Context) -> tuple[bool, bool]:
    """(a counting learner without a record, a record without a counting learner) in the scope, in one
    statement: for a batch of the sweep, whose records almost always match its routes (decision 0148)."""
    cert_id, scope = ctx.certification.pk, ctx.scope
    counting = counting_routes(cert_id).filter(scope.q()).values("user_id").distinct()
    records = CertificationRecord.objects.filter(scope.q(), certification_id=cert_id).values("user_id")
    return sql.unmatched(Sql.queryset(counting), Sql.queryset(records))


def records_sync(ctx: Context, changes: RouteChanges | None = None, *, before: tuple[bool, bool] | None = None) -> int:
    """Learner records follow the counting routes: assign/restore, unassign, due date.

    ``changes`` (a run over only some assignments, for a few learners) says what the routes did, so
    that the steps that can find nothing are skipped: no record to create unless a route was
    inserted or changed state, none to remove unless a route was removed or changed state.
    Without it every step runs (the repair path: records follow all the certification's routes).
    ``before`` (a batch of the sweep, a repair): ``records_membership`` read before its routes moved;
    records to create are looked for only where it found some or a learner gained a counting route,
    records to remove only where it found some or a learner lost one (a batch of a new assignment
    inserts routes and removes nothing), and the due dates are always applied.
    """
    if before is None and changes is not None and not changes.any_route:
        return 0
    cert_id, scope = ctx.certification.pk, ctx.scope
    actor = ctx.actor
    counting = counting_routes(cert_id).filter(scope.q())
    due_dates = counting.filter(due_date__isnull=False).values("user_id").annotate(due_date=Max("due_date")).order_by()
    # The service skips learners who have a record already (NOT EXISTS), so no exclusion here;
    # fresh records are created with their due date (one write per record).
    written = 0
    adds = changes is None or bool(changes.updated) or changes.inserted > changes.inserted_exception
    removes = changes is None or bool(changes.removed or changes.updated)
    dates = adds
    if before is not None and changes is not None:
        adds, removes, dates = before[0] or changes.counting_gained, before[1] or changes.counting_lost, True
    if adds:
        created = certification_services.record_assign_many(
            certification_id=cert_id,
            user_ids=counting.values_list("user_id", flat=True).distinct(),
            now=ctx.now,
            actor=actor,
            actor_label=ctx.actor_label,
            due_dates=due_dates,
            within=scope.id_range,
        )
        written += created
        if before is not None:
            sql.statistics_catch_up(CertificationRecord, cert_id, created)
    orphans = CertificationRecord.objects.filter(certification_id=cert_id).filter(scope.q())
    if scope.id_range is not None:
        # A batch: its counting learners hashed once (NOT IN a hashed subquery, at most a batch of ids).
        # As an anti-join, a certification with no statistics yet was planned as a loop reading all its
        # routes for each record (decision 0148).
        orphans = orphans.exclude(user_id__in=counting.values("user_id"))
    else:
        # Records with no counting route left: an anti-join (NOT EXISTS), never NOT IN over a large set.
        orphans = orphans.filter(~Exists(counting.filter(user_id=OuterRef("user_id"))))
    orphans = orphans.values_list("user_id", flat=True)
    if removes:
        written += certification_services.record_unassign_many(
            certification_id=cert_id, user_ids=orphans, now=ctx.now, actor=actor, actor_label=ctx.actor_label
        )
    if dates:  # due dates only move later: a removed route never changes one
        written += certification_services.record_due_dates_apply(
            certification_id=cert_id,
            due_dates=due_dates,
            now=ctx.now,
            actor=actor,
            actor_label=ctx.actor_label,
            within=scope.id_range,
        )
    return written
