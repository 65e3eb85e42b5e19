"""Due dates as SQL: when each learner's event happened, and the due date an assignment gives.

Lower apps' tables and columns are named through their models (``_meta``), never as strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from certifications.models import CertificationRecord, CertificationRecordHistory
from certifications.sql import Sql
from courses.models import CourseCompletion, CourseCompletionHistory
from directory.models import JobAssignment, LearnerProfile, ProfileDateValue

from ... import sql
from ...models import DUE_EVENT_TARGETS, Assignment, DueEvent, DueKind, GroupMember


def table(model) -> str:
    return model._meta.db_table


def column(model, name: str) -> str:
    return model._meta.get_field(name).column


def _latest_of_two(models, *, key: str, key_value, when: str, known_only: bool) -> Sql:
    """(user_id, at): the latest ``when`` of each learner over a table and its history."""
    parts = [
        Sql.of(
            "SELECT {user} AS user_id, {when} AS at FROM {table} WHERE {key} = {value}",
            user=column(model, "user"),
            when=column(model, when),
            table=table(model),
            key=column(model, key),
            value=Sql.value(key_value),
        )
        for model in models
    ]
    return Sql.of(
        "SELECT user_id, MAX(at) AS at FROM ({current} UNION ALL {history}) c {where}GROUP BY user_id",
        current=parts[0],
        history=parts[1],
        where="WHERE at IS NOT NULL " if known_only else "",
    )


# Completion events: (table and its history, the key column, the date column, skip unknown dates).
_COMPLETIONS = {
    DueEvent.CERTIFICATION_COMPLETION: (
        (CertificationRecord, CertificationRecordHistory),
        "certification",
        "completion_date",
        True,
    ),
    DueEvent.COURSE_COMPLETION: ((CourseCompletion, CourseCompletionHistory), "course", "completed_at", False),
}


def event_sql(assignment: Assignment) -> Sql | None:
    """SQL yielding (user_id, at): when each learner's event happened; at NULL = invalid value."""
    event = assignment.due_event
    if event == DueEvent.FIRST_LOGIN:
        first_logins = LearnerProfile.objects.filter(first_login_at__isnull=False).order_by()
        return Sql.queryset(first_logins.values("user_id", at=F("first_login_at")))
    if event in (DueEvent.POSITION_ASSIGNED, DueEvent.JOB_START):
        when = column(JobAssignment, "position_assigned_date" if event == DueEvent.POSITION_ASSIGNED else "start_date")
        return Sql.of(
            "SELECT {user} AS user_id, {at} AS at FROM {table} WHERE {position} = {value} AND {when} IS NOT NULL "
            "GROUP BY {user}",
            user=column(JobAssignment, "user"),
            at=sql.date_start(f"MAX({when})"),
            table=table(JobAssignment),
            position=column(JobAssignment, "position"),
            value=Sql.value(assignment.due_event_position_id),
            when=when,
        )
    if event in _COMPLETIONS:
        models, key, when, known_only = _COMPLETIONS[event]
        return _latest_of_two(
            models,
            key=key,
            key_value=getattr(assignment, f"{DUE_EVENT_TARGETS[event].field}_id"),
            when=when,
            known_only=known_only,
        )
    if event == DueEvent.PROFILE_DATE:
        return Sql.of(
            "SELECT {user} AS user_id, {at} AS at FROM {table} WHERE {field} = {value}",
            user=column(ProfileDateValue, "user"),
            at=sql.date_start(column(ProfileDateValue, "value")),
            table=table(ProfileDateValue),
            field=column(ProfileDateValue, "field"),
            value=Sql.value(assignment.due_event_profile_field_id),
        )
    if event == DueEvent.ASSIGNMENT_DATE and assignment.group_id:
        members = GroupMember.objects.filter(group_id=assignment.group_id).order_by()
        return Sql.queryset(members.values("user_id", at=F("joined_at")))
    return None


def event_target_missing(assignment: Assignment) -> bool:
    """The event can never give a date: its position, course, certification or field was deleted."""
    if assignment.due_kind != DueKind.RELATIVE:
        return False
    target = DUE_EVENT_TARGETS.get(assignment.due_event)
    return target is not None and getattr(assignment, f"{target.field}_id") is None


@dataclass(frozen=True)
class DueSql:
    """How one assignment's due date is computed, as SQL over a row aliased ``r`` (with ``r.user_id``).

    ``due`` is the due date's expression, ``joins`` what it needs after ``FROM … r``, ``unknown``
    whether the learner's event gave an invalid date."""

    joins: Sql
    due: Sql
    unknown: str

    @classmethod
    def of(cls, assignment: Assignment, *, assigned_at: Sql, event_scope: Sql | str = "") -> DueSql:
        """``assigned_at``: when the route reached the learner (the base of an "assignment date" rule);
        ``event_scope``: a further condition on the event's rows ``ev`` (a batch's id range)."""
        none = Sql("")
        if assignment.due_kind == DueKind.FIXED and assignment.due_fixed_at:
            return cls(none, Sql.value(assignment.due_fixed_at), sql.false())
        if assignment.due_kind != DueKind.RELATIVE:
            return cls(none, Sql(sql.null_timestamp()), sql.false())
        if event_target_missing(assignment):
            return cls(none, Sql(sql.null_timestamp()), sql.true())
        amount, unit = assignment.due_amount or 0, assignment.due_unit or "days"
        event = event_sql(assignment)
        if event is None:  # Assignment date of a non-group route: when the route reached the learner.
            return cls(none, sql.plus_period(assigned_at, amount, unit), sql.false())
        unknown = sql.false()
        if assignment.due_event == DueEvent.PROFILE_DATE:
            unknown = "(ev.user_id IS NOT NULL AND ev.at IS NULL)"
        return cls(
            Sql.of(" LEFT JOIN ({event}) ev ON ev.user_id = r.user_id{scope}", event=event, scope=event_scope),
            sql.plus_period(Sql("ev.at"), amount, unit),
            unknown,
        )
