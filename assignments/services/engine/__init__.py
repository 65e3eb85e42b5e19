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

The package: ``context`` (scope, context), ``due`` (due-date SQL), ``checks`` (exception checks and
their reasons), ``routes`` (steps 1–3), ``exception_sync`` (4), ``records`` (5), and ``learners``
(the per-learner path: steps 1–5 for a few learners over many assignments and certifications, each
step one statement whatever their number); this module is the public surface the rest of the project
calls (see docs/architecture.md).

A recomputation of a certification takes a per-certification lock first (an advisory lock on
PostgreSQL), so two workers run one after the other and the second writes nothing; the unique
constraints stop duplicates whatever happens. Running it twice writes nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from certifications.models import Certification

from ... import sql
from ...models import Assignment, UserAssignment
from ...types import TARGET_FIELDS
from .context import Context, Scope, path_allowance_days
from .exception_sync import exceptions_sync
from .learners import applies, learners_run
from .records import counting_routes, records_membership, records_sync
from .routes import (
    RouteChanges,
    all_routes,
    due_dates_update,
    due_preview_sql,
    membership_changes,
    routes_gone,
    routes_insert,
    routes_remove,
)

__all__ = [
    "assignment_materialise",
    "assignment_routes_remove",
    "certification_recompute",
    "counting_routes",
    "due_change_counts",
    "learners_recompute",
    "learners_recompute_many",
    "path_allowance_days",
    "records_resync",
]


def _materialise_one(ctx: Context, assignment: Assignment) -> RouteChanges:
    """Bring one assignment's routes within the scope up to date.

    For a few learners (a list of ids), the exception step runs only where a route's state may have
    changed (a due date moved, or a route was inserted in exception): routes that did not change
    cannot make an exception stale or due. Larger scopes always run it (they are the repair path).
    """
    changes = RouteChanges()
    # A batch of the sweep asks first whether its membership moved at all (one read of who is reached).
    gone, new = membership_changes(ctx, assignment) if ctx.scope.id_range is not None else (True, True)
    if gone:
        changes.removed = routes_remove(ctx, assignment, routes_gone(ctx, assignment))
    changes.updated, changes.recounted = due_dates_update(ctx, assignment)
    if new:
        changes.inserted, changes.inserted_exception = routes_insert(ctx, assignment)
    changes.written = changes.removed + changes.updated + 2 * changes.inserted
    if ctx.scope.user_ids is None or changes.updated or changes.inserted_exception:
        changes.written += exceptions_sync(ctx, assignment)
    return changes


def _run(
    *,
    certification_id: int,
    assignments,
    scope: Scope,
    now,
    actor,
    actor_label: str = "",
) -> int:
    now = now or timezone.now()
    # No savepoint inside a caller's transaction (an enrol): any error here ends that transaction anyway.
    with transaction.atomic(savepoint=False):
        sql.certification_lock(certification_id, user_ids=scope.user_ids)
        sql.bulk_session(large=scope.user_ids is None, batch=scope.id_range is not None)
        certification = Certification.objects.get(pk=certification_id)
        ctx = Context.build(certification=certification, now=now, actor=actor, scope=scope, actor_label=actor_label)
        return _recompute(ctx, assignments, restricted=False)


def _recompute(ctx: Context, assignments, *, restricted: bool) -> int:
    """One certification's assignments, then its records, in the caller's transaction."""
    # A batch of the sweep reads whether its records match its counting routes before the routes move,
    # while their pages are still all-visible (decision 0148); what the routes then move is added to it.
    before = records_membership(ctx) if ctx.scope.id_range is not None else None
    changes = RouteChanges()
    for assignment in assignments:
        changes.add(_materialise_one(ctx, assignment))
    if before is not None:
        sql.statistics_catch_up(UserAssignment, ctx.certification.pk, changes.inserted)
        return changes.written + records_sync(ctx, changes, before=before)
    # A run restricted to some assignments for a few learners (a signal, a group membership) moves
    # records only through the routes it changed; any other run re-derives them (repair).
    incremental = restricted and ctx.scope.user_ids is not None
    return changes.written + records_sync(ctx, changes if incremental else None)


def _assignments(certification_id: int | None = None, **filters):
    # order_by("pk"): the model's default ordering joins the certification (its name) for nothing.
    if certification_id is not None:
        filters["certification_id"] = certification_id
    return list(
        Assignment.objects.filter(**filters).select_related(*TARGET_FIELDS, "due_event_profile_field").order_by("pk")
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
    certification: Certification | None = None,
    assignments: list[Assignment] | None = None,
) -> int:
    """Recompute a few learners of one certification, synchronously (every assignment, or the given ones).

    ``actor`` is the person whose change caused it, ``actor_label`` says in words what triggered it;
    ``certification``, the certification when the caller has read it already in this transaction;
    ``assignments``, the given assignments themselves when the caller holds them with their target
    (a self-enrolment holds its group's), instead of ``assignment_ids``: no query to read them again."""
    if assignments is not None or assignment_ids is not None:  # a few learners, some assignments: per-learner path
        if assignments is None:
            assignments = _assignments(certification_id, pk__in=assignment_ids)
        return _learners(
            assignments=assignments,
            user_ids=user_ids,
            now=now,
            actor=actor,
            actor_label=actor_label,
            certifications=[certification] if certification is not None else None,
        )
    return _run(
        certification_id=certification_id,
        assignments=_assignments(certification_id),
        scope=Scope(user_ids=tuple(sorted(set(user_ids)))),
        now=now,
        actor=actor,
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
    directory or course event that reaches them all), in one transaction: the assignments and their
    certifications are loaded in two queries, every certification's locks taken in two statements
    and their facts (time allowances, conflicting certifications) read in two; then the per-learner
    path (``learners``: each step one statement over all the assignments), or where it does not
    apply each certification's steps in turn, skipping the record steps where its routes did not change."""
    return _learners(
        assignments=_assignments(pk__in=assignment_ids),
        user_ids=user_ids,
        now=now,
        actor=actor,
        actor_label=actor_label,
    )


def _learners(*, assignments: list[Assignment], user_ids, now, actor, actor_label: str, certifications=None) -> int:
    scope = Scope(user_ids=tuple(sorted(set(user_ids))))
    by_certification: dict[int, list[Assignment]] = {}
    for assignment in assignments:
        by_certification.setdefault(assignment.certification_id, []).append(assignment)
    if not by_certification or not scope.user_ids:
        return 0
    ids = sorted(by_certification)
    with transaction.atomic(savepoint=False):
        sql.learners_lock(ids, scope.user_ids)
        if certifications is None or sorted(c.pk for c in certifications) != ids:
            certifications = list(Certification.objects.filter(pk__in=ids).order_by("pk"))
        contexts = Context.build_many(
            certifications=certifications, now=now or timezone.now(), actor=actor, scope=scope, actor_label=actor_label
        )
        if applies(contexts):
            return learners_run(contexts, by_certification)
        return sum(_recompute(contexts[c.pk], by_certification[c.pk], restricted=True) for c in certifications)


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


def assignment_routes_remove(
    *, assignment: Assignment, certification: Certification, now: dt.datetime, actor, actor_label: str = ""
) -> int:
    """Every route of an assignment that is being removed (audited, set-based), in the caller's transaction.

    ``actor_label`` says in words what removed them when no person did ("Audience 'Sales' deleted")."""
    ctx = Context.build(certification=certification, now=now, actor=actor, scope=Scope(), actor_label=actor_label)
    return routes_remove(ctx, assignment, all_routes(assignment))


def records_resync(
    *,
    certification: Certification,
    now: dt.datetime,
    actor,
    user_ids: list[int] | None = None,
    actor_label: str = "",
) -> int:
    """The certification's learner records follow its counting routes again (all learners, or the given ones)."""
    scope = Scope() if user_ids is None else Scope(user_ids=tuple(user_ids))
    ctx = Context.build(certification=certification, now=now, actor=actor, scope=scope, actor_label=actor_label)
    return records_sync(ctx)


def due_change_counts(*, proposed: Assignment, certification: Certification, now: dt.datetime) -> tuple[int, int]:
    """For an unsaved due-date change: (routes it moves, routes that would fall into exception)."""
    ctx = Context.build(certification=certification, now=now, actor=None, scope=Scope())
    statement = due_preview_sql(ctx, proposed)
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        moves, exceptions = cursor.fetchone()
    return moves or 0, exceptions or 0
