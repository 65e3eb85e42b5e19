"""Reads of assignments and routes that pages, the engine and reports share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

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

NOT_YET_KNOWN = "Not yet known"


def enrolled_certification_ids(user) -> QuerySet:
    """Certifications any route reaches the user by, even one in exception (the "enrolled" of visibility)."""
    return UserAssignment.objects.filter(user_id=user.pk).values("certification_id")


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


def due_date_description(assignment: Assignment) -> str:
    """The assignment due date in words: "No due date", "31 Jan 2027, 17:00" or "Complete within 3 months of …"."""
    if assignment.due_kind == DueKind.FIXED and assignment.due_fixed_at:
        from django.utils import formats, timezone

        return formats.date_format(timezone.localtime(assignment.due_fixed_at), "DATETIME_FORMAT")
    if assignment.due_kind != DueKind.RELATIVE:
        return "No due date"
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
        if route.due_date is not None:
            due_text = ""
        elif assignment.due_kind == DueKind.RELATIVE:
            due_text = NOT_YET_KNOWN
        else:
            due_text = "No due date"
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


def recent_jobs(certification) -> dict:
    """The last recomputations of this certification, and whether the page should keep polling."""
    jobs = list(RecomputeJob.objects.filter(certification=certification).order_by("-id")[:5])
    running = {RecomputeJob.Status.QUEUED, RecomputeJob.Status.RUNNING}
    return {"jobs": jobs, "polling": any(job.status in running for job in jobs)}
