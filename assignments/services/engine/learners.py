"""The per-learner path: a few learners, any number of assignments and certifications, in a fixed
number of statements (decision 0140).

An enrol, a withdrawal, an administrator adding a member or one directory event moves a few
learners' routes in many assignments at once. Instead of each assignment's steps in a loop, every
step is one statement whose rows carry their ``assignment_id`` and ``certification_id`` as columns:
each assignment contributes its part (its reached set, due-date rule and exception checks, from the
same fragment builders as the large-scope steps) to a ``UNION ALL``, and the audit rows are written
by the same statement (a data-modifying CTE):

1. routes no longer reached: deleted, their exceptions detached (open ones closed), audited;
2. routes whose due date changed (never earlier): updated, the checks run again;
3. routes that newly reach a learner: inserted with due date and checks, audited
   (1–3 are one statement: their sets of routes are disjoint);
4. exceptions of the assignments where a route's state may have changed: closed / raised, audited;
5. records of the certifications whose routes changed: assigned or restored, unassigned, due dates
   moved — one statement each across the certifications (``certifications.services.record_sets``),
   and one Enrolment / Unenrolment announcement (one message statement, one outbox row).

It runs on PostgreSQL (data-modifying CTEs) when no certification of the run shares a course with
another one of it (the "already assigned" check of one would read the record the other just
wrote); otherwise the engine runs each certification's steps in turn (``applies``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection

from certifications.services import record_progress
from certifications.services.lifecycle import PROGRESS_AT_ONCE
from certifications.services.record_sets import (
    announce,
    records_assign_set,
    records_due_dates_set,
    records_unassign_set,
)
from certifications.signals import RecordEvent
from certifications.sql import Sql

from ... import sql
from ...models import Assignment, ExceptionStatus, RouteState
from ...types import assignment_name
from .checks import exception_case, reason_sql
from .context import Context
from .due import DueSql
from .exception_sync import stale_exceptions_close
from .routes import EXC, RECORD, ROUTE, RouteChanges, _route_checks, existing_checked_sql, reached_sql, route_audit

Part = tuple[Context, Assignment]


@dataclass
class Moves:
    """What the route steps changed, by certification (for the records) and by assignment (for the
    exception step)."""

    by_certification: dict[int, RouteChanges] = field(default_factory=lambda: defaultdict(RouteChanges))
    recheck: set[int] = field(default_factory=set)
    written: int = 0

    def count(self, rows) -> None:
        """Add the rows of ``routes_step``: (kind, assignment, certification, routes, of which in exception)."""
        for kind, assignment_id, certification_id, n, in_exception in rows:
            changes = self.by_certification[certification_id]
            setattr(changes, kind, getattr(changes, kind) + n)
            changes.inserted_exception += in_exception
            self.written += 2 * n if kind == "inserted" else n
            if kind == "updated" or in_exception:
                self.recheck.add(assignment_id)


def applies(contexts: dict[int, Context]) -> bool:
    """The fast path serves this run: PostgreSQL, and no certification of it conflicts with another."""
    ids = set(contexts)
    return sql.is_postgres() and not any(ids & set(ctx.conflicts) for ctx in contexts.values())


def _rows(statement: Sql) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement.text, [sql.param_datetime(p) for p in statement.params])
        return cursor.fetchall()


def _shared(text: str, same: list[Sql]) -> bool:
    """Parts of one text can be one branch: more than one, a value for each placeholder, and no column of
    NULLs only (``VALUES`` would type it text)."""
    n = len(same[0].params)
    if len(same) < 2 or not n or text.count("%s") != n or "%%" in text:
        return False
    return not any(all(part.params[i] is None for part in same) for i in range(n))


def _union(parts: list[Sql]) -> Sql:
    """``UNION ALL`` of the parts, the parts of one shape (the same text, other values) as one branch:
    ``(VALUES <each part's values>) k CROSS JOIN LATERAL (<the text over k's columns>)``. PostgreSQL
    then plans each shape once, however many assignments share it (50 certifications assigned to one
    audience are one branch, not 50)."""
    shapes: dict[str, list[Sql]] = {}
    for part in parts:
        shapes.setdefault(part.text, []).append(part)
    branches: list[Sql] = []
    for text, same in shapes.items():
        if not _shared(text, same):
            branches += [Sql.of("({part})", part=p) for p in same]
            continue
        pieces = text.split("%s")
        columns = [f"k{n}" for n in range(len(same[0].params))]
        generic = pieces[0] + "".join(f"k.{c}{piece}" for c, piece in zip(columns, pieces[1:], strict=True))
        rows = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in same)
        branches.append(
            Sql(
                f"(SELECT g.* FROM (VALUES {rows}) AS k({', '.join(columns)}) CROSS JOIN LATERAL ({generic}) g)",
                tuple(value for part in same for value in part.params),
            )
        )
    return reduce(lambda a, b: a + " UNION ALL " + b, branches)


def _ids(parts: list[Part]) -> Sql:
    return Sql.values(a.pk for _, a in parts)


def _meta(parts: list[Part]) -> Sql:
    """(assignment_id, type, name) of each assignment, for the routes' audit JSON."""
    return _union(
        [
            Sql.of(
                "SELECT CAST({a} AS integer) AS assignment_id, CAST({t} AS text) AS type, CAST({n} AS text) AS name",
                a=Sql.value(a.pk),
                t=Sql.value(a.type),
                n=Sql.value(assignment_name(a)),
            )
            for _, a in parts
        ]
    )


# The audit JSON of a route row ``ua`` joined to its assignment's ``meta`` row ``m`` (as ``route_json``).
ROUTE_JSON = sql.json_of(
    {
        "assignment": "ua.assignment_id",
        "type": "m.type",
        "name": "m.name",
        "state": "ua.state",
        "due_date": sql.iso("ua.due_date"),
    }
)


def _audit(ctx: Context, rows: Sql | str, action: str, *, before: Sql | str = "NULL", after: Sql | str = "NULL"):
    """One audit row per route row ``ua`` of ``rows``, its certification a column of the row."""
    return route_audit(ctx, rows=rows, action=action, before=before, after=after, certification="ua.certification_id")


def _gone(ctx: Context, parts: list[Part]) -> Sql:
    """1. Routes in scope no longer reached: deleted (``gone``), their exceptions detached, audited."""
    reached = _union(
        [
            Sql.of("SELECT {a} AS assignment_id, r.user_id FROM {r} r", a=Sql.value(a.pk), r=reached_sql(c, a))
            for c, a in parts
        ]
    )
    open_, resolved = Sql.value(ExceptionStatus.OPEN), Sql.value(ExceptionStatus.RESOLVED)
    return Sql.of(
        "reached AS ({reached}), "
        "gone AS (DELETE FROM {route} ua WHERE ua.assignment_id IN ({ids}){scope} AND NOT EXISTS "
        "(SELECT 1 FROM reached x WHERE x.assignment_id = ua.assignment_id AND x.user_id = ua.user_id) "
        "RETURNING ua.id, ua.assignment_id, ua.certification_id, ua.user_id, ua.state, ua.due_date), "
        "detached AS (UPDATE {exc} SET route_id = NULL, "
        "status = CASE WHEN status = {open} THEN {resolved} ELSE status END, "
        "resolved_at = CASE WHEN status = {open} THEN {now} ELSE resolved_at END "
        "WHERE route_id IN (SELECT id FROM gone)), a_gone AS ({audit})",
        reached=reached,
        route=ROUTE,
        ids=_ids(parts),
        scope=ctx.scope.sql("ua.user_id"),
        exc=EXC,
        open=open_,
        resolved=resolved,
        now=Sql.value(ctx.now),
        audit=_audit(
            ctx, "gone ua JOIN meta m ON m.assignment_id = ua.assignment_id", "route_removed", before=ROUTE_JSON
        ),
    )


def _moved(parts: list[Part]) -> Sql:
    """2. Existing routes whose due date changed (as ``routes.due_dates_update``): ``up``. The routes step 1
    deletes in the same statement are left out (in turn, they would be gone before this step)."""
    changed, kept, decided = _route_checks(ROUTE)
    keep = f"({kept} OR {decided})"
    return Sql.of(
        "up AS (UPDATE {route} SET due_date = v.due_date, "
        "state = CASE WHEN {keep} THEN {route}.state WHEN v.exc <> '' THEN '{exception}' ELSE '{active}' END, "
        "exception_type = CASE WHEN {keep} THEN {route}.exception_type ELSE v.exc END, "
        "resolved = CASE WHEN {keep} THEN {route}.resolved ELSE FALSE END "
        "FROM ({checked}) v WHERE {route}.id = v.route_id AND {changed} "
        "AND {route}.id NOT IN (SELECT id FROM gone) "
        "RETURNING {route}.assignment_id, {route}.certification_id)",
        route=ROUTE,
        keep=keep,
        exception=RouteState.EXCEPTION,
        active=RouteState.ACTIVE,
        checked=_union([existing_checked_sql(c, a) for c, a in parts]),
        changed=changed,
    )


def _new_routes(ctx: Context, assignment: Assignment) -> Sql:
    """(assignment_id, certification_id, user_id, due_date, exc) of the learners the assignment newly reaches."""
    rule = DueSql.of(assignment, assigned_at=Sql.value(ctx.now))
    certification = Sql.value(ctx.certification.pk)
    return Sql.of(
        "SELECT CAST({assignment} AS integer) AS assignment_id, CAST({certification} AS integer) AS certification_id, "
        "n.user_id, CAST(n.due_date AS timestamp with time zone) AS due_date, {case} AS exc "
        "FROM (SELECT r.user_id, {due} AS due_date, {unknown} AS unknown FROM {reached} r{joins} WHERE NOT EXISTS "
        "(SELECT 1 FROM {route} x WHERE x.assignment_id = {assignment} AND x.user_id = r.user_id)) n "
        "LEFT JOIN {record} rec ON rec.user_id = n.user_id AND rec.certification_id = {certification}",
        assignment=Sql.value(assignment.pk),
        certification=certification,
        case=exception_case(ctx, user="n.user_id", due="n.due_date", unknown="n.unknown"),
        due=rule.due,
        unknown=rule.unknown,
        reached=reached_sql(ctx, assignment),
        joins=rule.joins,
        route=ROUTE,
        record=RECORD,
    )


def _added(ctx: Context, parts: list[Part]) -> Sql:
    """3. Routes that newly reach a learner (``ua``), with due date and checks, audited."""
    return Sql.of(
        "ua AS (INSERT INTO {route} (assignment_id, certification_id, user_id, "
        "assigned_at, due_date, state, exception_type, resolved) "
        "SELECT v.assignment_id, v.certification_id, v.user_id, {now}, v.due_date, "
        "CASE WHEN v.exc <> '' THEN '{exception}' ELSE '{active}' END, v.exc, FALSE FROM ({new}) v "
        "ON CONFLICT DO NOTHING RETURNING assignment_id, certification_id, user_id, state, due_date), "
        "a_added AS ({audit})",
        route=ROUTE,
        now=Sql.value(ctx.now),
        exception=RouteState.EXCEPTION,
        active=RouteState.ACTIVE,
        new=_union([_new_routes(c, a) for c, a in parts]),
        audit=_audit(ctx, "ua JOIN meta m ON m.assignment_id = ua.assignment_id", "route_added", after=ROUTE_JSON),
    )


def routes_step(ctx: Context, parts: list[Part]) -> list[tuple]:
    """Steps 1–3 over all the assignments in ONE statement: the three sets are disjoint (a route gone is
    not reached, so neither moved nor added; an added route had none), and their checks read only the
    records, which this statement does not change. Returns (kind, assignment, certification, routes,
    of which in exception) per assignment and kind."""
    grouped = "GROUP BY assignment_id, certification_id"
    return _rows(
        Sql.of(
            "WITH meta AS ({meta}), {gone}, {moved}, {added} "
            "SELECT 'removed', assignment_id, certification_id, COUNT(*), 0 FROM gone {grouped} UNION ALL "
            "SELECT 'updated', assignment_id, certification_id, COUNT(*), 0 FROM up {grouped} UNION ALL "
            "SELECT 'inserted', assignment_id, certification_id, COUNT(*), "
            "SUM(CASE WHEN state = '{exception}' THEN 1 ELSE 0 END) FROM ua {grouped}",
            meta=_meta(parts),
            gone=_gone(ctx, parts),
            moved=_moved(parts),
            added=_added(ctx, parts),
            grouped=grouped,
            exception=RouteState.EXCEPTION,
        )
    )


def exceptions_sync(ctx: Context, parts: list[Part]) -> int:
    """4. Open exceptions follow the routes of these assignments: close the stale, raise (and audit) the missing."""
    ids = [a.pk for _, a in parts]
    written = stale_exceptions_close(ctx, ids)
    reason = Sql("CASE ua.assignment_id")
    for c, a in parts:
        reason = reason + Sql.of(" WHEN {a} THEN {reason}", a=Sql.value(a.pk), reason=reason_sql(c, a))
    reason = reason + " END"
    open_ = Sql.value(ExceptionStatus.OPEN)
    after = sql.json_of({"assignment": "ua.assignment_id", "type": "ua.type", "reason": "ua.reason"})
    inserted = _rows(
        Sql.of(
            "WITH ua AS (INSERT INTO {exc} (route_id, assignment_id, certification_id, user_id, type, reason, "
            "raised_at, status, resolution) SELECT ua.id, ua.assignment_id, ua.certification_id, ua.user_id, "
            "ua.exception_type, {reason}, {now}, {open}, '' FROM {route} ua LEFT JOIN {record} rec "
            "ON rec.user_id = ua.user_id AND rec.certification_id = ua.certification_id "
            "WHERE ua.assignment_id IN ({ids}) AND ua.state = {exception}{scope} AND NOT EXISTS (SELECT 1 FROM {exc} e "
            "WHERE e.assignment_id = ua.assignment_id AND e.user_id = ua.user_id AND e.status = {open}) "
            "ON CONFLICT DO NOTHING RETURNING assignment_id, certification_id, user_id, type, reason), "
            "audited AS ({audit}) SELECT COUNT(*) FROM ua",
            exc=EXC,
            reason=reason,
            now=Sql.value(ctx.now),
            open=open_,
            route=ROUTE,
            record=RECORD,
            ids=Sql.values(ids),
            exception=Sql.value(RouteState.EXCEPTION),
            scope=ctx.scope.sql("ua.user_id"),
            audit=_audit(ctx, "ua", "exception_raised", after=after),
        )
    )
    return written + 2 * int(inserted[0][0])


def _counting(ctx: Context, certification_ids: list[int]) -> Sql:
    """(user_id, certification_id, due_date): the latest due date of each learner's counting routes."""
    return Sql.of(
        "SELECT user_id, certification_id, MAX(due_date) AS due_date FROM {route} "
        "WHERE state = {active} AND certification_id IN ({ids}){scope} GROUP BY user_id, certification_id",
        route=ROUTE,
        active=Sql.value(RouteState.ACTIVE),
        ids=Sql.values(certification_ids),
        scope=ctx.scope.sql("user_id"),
    )


def _orphans(ctx: Context, certification_ids: list[int]) -> Sql:
    """(user_id, certification_id): records in scope with no counting route left."""
    return Sql.of(
        "SELECT rec.user_id, rec.certification_id FROM {record} rec WHERE rec.certification_id IN ({ids}){scope} "
        "AND NOT EXISTS (SELECT 1 FROM {route} ua WHERE ua.user_id = rec.user_id "
        "AND ua.certification_id = rec.certification_id AND ua.state = {active})",
        record=RECORD,
        ids=Sql.values(certification_ids),
        scope=ctx.scope.sql("rec.user_id"),
        route=ROUTE,
        active=Sql.value(RouteState.ACTIVE),
    )


def records_sync(ctx: Context, moves: Moves) -> int:
    """5. Records of the certifications whose routes changed, as ``records.records_sync`` decides for each."""
    changed = sorted(c for c, ch in moves.by_certification.items() if ch.any_route)
    if not changed:
        return 0
    changes = moves.by_certification
    adds = [c for c in changed if changes[c].updated or changes[c].inserted > changes[c].inserted_exception]
    removes = [c for c in changed if changes[c].removed or changes[c].updated]
    who = {"now": ctx.now, "actor": ctx.actor, "actor_label": ctx.actor_label}
    assigned = records_assign_set(rows=_counting(ctx, adds), **who) if adds else []
    removed = records_unassign_set(rows=_orphans(ctx, removes), **who) if removes else []
    created = [(u, c) for what, u, c, _ in assigned if what != "kept"]
    announce(event=RecordEvent.ENROLLED, changed=created, now=ctx.now, actions=("assigned", "restored"))
    announce(event=RecordEvent.UNENROLLED, changed=removed, now=ctx.now, actions=("deleted", "unassigned"))
    _progress([(u, c) for what, u, c, learned in assigned if learned and what != "kept"], ctx)
    # A fresh record has its due date already; restored and existing ones may move later.
    moved = 0
    if any(row[0] != "assigned" for row in assigned):
        moved = records_due_dates_set(rows=_counting(ctx, adds), **who)
    return len(created) + len(removed) + moved


def _progress(learned: list[tuple[int, int]], ctx: Context) -> None:
    """Completions the learners already hold count: at once for a few, in Celery for many (as ``records``)."""
    from certifications.services.records import _enqueue_progress

    by_certification: dict[int, list[int]] = defaultdict(list)
    for user_id, certification_id in learned:
        by_certification[certification_id].append(user_id)
    for certification_id, user_ids in sorted(by_certification.items()):
        if len(user_ids) > PROGRESS_AT_ONCE:
            _enqueue_progress(certification_id, ctx.now)
            continue
        for user_id in sorted(user_ids):
            record_progress(
                user_id=user_id,
                certification_id=certification_id,
                now=ctx.now,
                actor=ctx.actor,
                actor_label=ctx.actor_label,
            )


def learners_run(contexts: dict[int, Context], by_certification: dict[int, list[Assignment]]) -> int:
    """Steps 1–5 for these learners over every given assignment, in the caller's transaction."""
    parts = [(contexts[c], a) for c in sorted(by_certification) for a in by_certification[c]]
    ctx = parts[0][0]
    moves = Moves()
    moves.count(routes_step(ctx, parts))
    recheck = [(c, a) for c, a in parts if a.pk in moves.recheck]
    if recheck:
        moves.written += exceptions_sync(ctx, recheck)
    return moves.written + records_sync(ctx, moves)
