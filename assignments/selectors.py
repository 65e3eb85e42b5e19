"""Reads of assignments and routes that pages, the engine and reports share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from certifications.routes import NO_DUE_DATE, NOT_YET_KNOWN, due_words  # noqa: F401 (NOT_YET_KNOWN: re-exported)

from .models import (
    DUE_EVENT_TARGETS,
    Assignment,
    AssignmentException,
    DueKind,
    ExceptionStatus,
    GroupMember,
    RecomputeJob,
    RouteState,
    UserAssignment,
)
from .types import TARGET_FIELDS, assignment_name, assignment_reason, kind_of


def enrolled_certification_ids(user) -> QuerySet:
    """Certifications any route reaches the user by, even one in exception (the "enrolled" of visibility)."""
    return UserAssignment.objects.filter(user_id=user.pk).values("certification_id")


def awaiting_event_routes() -> QuerySet:
    """Assigned routes whose relative rule's event has not happened yet: they make a learner's missing
    due date "Not yet known" rather than "No due date" (DOMAIN §3), on every page and in reports."""
    return UserAssignment.objects.filter(
        state=RouteState.ACTIVE, due_date__isnull=True, assignment__due_kind=DueKind.RELATIVE
    )


def awaiting_event_sql(route: str, assignment: str) -> str:
    """``awaiting_event_routes()``'s condition in SQL, on a route and its assignment (a report page reads
    it for all its learners in one statement, decision 0146)."""
    return (
        f"{route}.state = '{RouteState.ACTIVE.value}' AND {route}.due_date IS NULL"
        f" AND {assignment}.due_kind = '{DueKind.RELATIVE.value}'"
    )


def awaiting_event_user_ids(*, certification_id: int, user_ids: list[int]) -> set[int]:
    """Of a page of learners, those whose due date is "Not yet known" (one query; for the Completion tab)."""
    return set(
        awaiting_event_routes()
        .filter(certification_id=certification_id, user_id__in=user_ids)
        .values_list("user_id", flat=True)
    )


def assignment_names(ids) -> dict[int, str]:
    """Assignments' names by id, for the change log (one query)."""
    return {
        assignment.pk: assignment_name(assignment)
        for assignment in Assignment.objects.filter(pk__in=list(ids)).select_related(*TARGET_FIELDS)
    }


def assignments_for_certification(certification) -> QuerySet:
    """The Assignments tab: every assignment with its targets and the number of learners it reaches."""
    return (
        Assignment.objects.filter(certification=certification)
        .select_related(*TARGET_FIELDS, *{target.field for target in DUE_EVENT_TARGETS.values()})
        .annotate(
            learner_count=Count("user_assignments", filter=Q(user_assignments__state=RouteState.ACTIVE)),
            exception_count=Count("user_assignments", filter=Q(user_assignments__state=RouteState.EXCEPTION)),
        )
        .order_by("type", "id")
    )


def moment_in_words(moment) -> str:
    """A date and time for a sentence, in the viewer's timezone (the active one), from the one formatter."""
    from certlms.when import format_datetime

    return format_datetime(moment)


def due_date_description(assignment: Assignment) -> str:
    """The assignment due date in words: "No due date", "31 Jan 2027, 17:00 GMT" or "Complete within 3 months of …"."""
    if assignment.due_kind == DueKind.FIXED and assignment.due_fixed_at:
        return moment_in_words(assignment.due_fixed_at)
    if assignment.due_kind != DueKind.RELATIVE:
        return NO_DUE_DATE
    unit = assignment.due_unit or "days"
    amount = assignment.due_amount or 0
    if amount == 1:
        unit = unit.rstrip("s")
    refers_to = DUE_EVENT_TARGETS.get(assignment.due_event)
    target = getattr(assignment, refers_to.field) if refers_to else None
    event = assignment.get_due_event_display()
    suffix = f" '{target}'" if target is not None else (" (deleted)" if refers_to else "")
    return f"Complete within {amount} {unit} of {event}{suffix}"


@dataclass(frozen=True)
class LearnerRoute:
    assignment_id: int
    type: str
    type_label: str
    name: str
    reason: str
    due_date: dt.datetime | None
    due_text: str
    state: str
    state_label: str
    exception_reason: str


# What a route's name and reason read: the assignment's target of every type.
ROUTE_TARGETS = tuple(f"assignment__{field}" for field in TARGET_FIELDS)


def route_labels(*, certification_id: int, user_ids: list[int]) -> dict[int, list[str]]:
    """The routes of a page of learners as "Type: name" labels, for the Completion tab (one query).

    Registered with ``certifications.routes`` so that certifications never imports this app.
    Routes in exception or dismissed say so.
    """
    routes = (
        UserAssignment.objects.filter(certification_id=certification_id, user_id__in=user_ids)
        .select_related(*ROUTE_TARGETS)
        .order_by("user_id", "assignment__type", "assignment_id")
    )
    labels: dict[int, list[str]] = {}
    for route in routes:
        label = f"{route.assignment.get_type_display()}: {assignment_name(route.assignment)}"
        if route.state != RouteState.ACTIVE:
            label = f"{label} ({route.get_state_display().lower()})"
        labels.setdefault(route.user_id, []).append(label)
    return labels


def routes_for_learner(*, user, certification) -> list[LearnerRoute]:
    """Every route that reaches a learner for a certification: type, name, reason, due date, state, exception."""
    routes = (
        UserAssignment.objects.filter(user_id=user.pk, certification_id=certification.pk)
        .select_related(*ROUTE_TARGETS)
        .order_by("assignment__type", "assignment_id")
    )
    reasons = dict(
        AssignmentException.objects.filter(
            user_id=user.pk, certification_id=certification.pk, status=ExceptionStatus.OPEN
        ).values_list("assignment_id", "reason")
    )
    routes = list(routes)
    self_enrolled = set()
    if any(route.assignment.group_id for route in routes):
        self_enrolled = set(
            GroupMember.objects.filter(
                user_id=user.pk, certification_id=certification.pk, self_enrolled=True
            ).values_list("group_id", flat=True)
        )
    result = []
    for route in routes:
        assignment = route.assignment
        reason = assignment_reason(assignment)
        if assignment.group_id:
            verb = "Self-enrolled in" if assignment.group_id in self_enrolled else "Added to"
            reason = f"{verb} group '{assignment.group.name}'"
        due_text = "" if route.due_date is not None else due_words(awaiting=assignment.due_kind == DueKind.RELATIVE)
        result.append(
            LearnerRoute(
                assignment_id=assignment.pk,
                type=assignment.type,
                type_label=kind_of(assignment).label,
                name=assignment_name(assignment),
                reason=reason,
                due_date=route.due_date,
                due_text=due_text,
                state=route.state,
                state_label=route.get_state_display(),
                exception_reason=reasons.get(assignment.pk, ""),
            )
        )
    return result


def open_exceptions(certification, *, type: str = "") -> QuerySet:
    qs = AssignmentException.objects.filter(certification=certification, status=ExceptionStatus.OPEN)
    if type:
        qs = qs.filter(type=type)
    return qs.select_related("user", *ROUTE_TARGETS).order_by("user__last_name", "user__first_name", "user_id", "id")


# Finished job lines fold away (into "Earlier background work") this long after they finished.
JOB_FOLD_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class JobLine:
    """One line of background work on the Assignments tab: what runs, who started it, when, how far, how long."""

    job: RecomputeJob
    started_by: str
    percent: int
    took: str
    folded: bool

    @property
    def active(self) -> bool:
        return self.job.status in (RecomputeJob.Status.QUEUED, RecomputeJob.Status.RUNNING)


def duration_words(delta: dt.timedelta) -> str:
    """ "less than a second", "45 s", "3 min 5 s", "2 h 10 min"."""
    seconds = int(delta.total_seconds())
    if seconds < 1:
        return "less than a second"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def job_line(job: RecomputeJob, *, now: dt.datetime) -> JobLine:
    finished = job.status in (RecomputeJob.Status.DONE, RecomputeJob.Status.FAILED)
    end = job.finished_at or (job.heartbeat_at if finished else now) or now
    actor = job.actor
    started_by = (actor.get_full_name() or actor.username) if actor else "The system"
    percent = 100 if job.status == RecomputeJob.Status.DONE else (100 * job.done // job.total if job.total else 0)
    folded = finished and job.finished_at is not None and now - job.finished_at > JOB_FOLD_AFTER
    return JobLine(job, started_by, percent, duration_words(max(end - job.created_at, dt.timedelta())), folded)


def recent_jobs(certification, *, now: dt.datetime | None = None) -> dict:
    """The last recomputations of this certification as job lines, and whether the page should keep polling."""
    now = now or timezone.now()
    jobs = RecomputeJob.objects.filter(certification=certification).select_related("actor").order_by("-id")[:5]
    lines = [job_line(job, now=now) for job in jobs]
    return {
        "jobs": [line for line in lines if not line.folded],
        "earlier_jobs": [line for line in lines if line.folded],
        "polling": any(line.active for line in lines),
    }
