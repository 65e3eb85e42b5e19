"""Reads for the learner's pages: the catalogue, the overview page, due dates in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from assignments.models import Assignment, AssignmentType, DueEvent, DueKind, Group, GroupMember, UserAssignment
from assignments.services.groups import enrollable_groups, self_enrolment, visible_certifications
from certifications.models import Certification, CertificationRecord, CourseSet


def catalogue(*, user, search: str = "") -> QuerySet[Certification]:
    """Certifications visible and available to the user, each annotated with whether they are
    self-enrolled, assigned (an active route), and whether a group takes enrolments. One query per page."""
    queryset = visible_certifications(user)
    if search:
        queryset = queryset.filter(
            Q(fullname__icontains=search) | Q(shortname__icontains=search) | Q(summary__icontains=search)
        )
    return (
        queryset.annotate(
            is_self_enrolled=Exists(
                GroupMember.objects.filter(certification=OuterRef("pk"), user=user, self_enrolled=True)
            ),
            is_assigned=Exists(UserAssignment.objects.filter(certification=OuterRef("pk"), user=user, state="active")),
            open_for_enrolment=Exists(Group.objects.filter(certification=OuterRef("pk"), allow_enrol=True)),
        )
        .only("id", "fullname", "shortname", "summary")
        .order_by("fullname", "id")
    )


@dataclass(frozen=True)
class Route:
    type: str
    name: str
    reason: str
    due_date: datetime | None
    state: str
    exception_reason: str


def routes_for_learner(*, user, certification: Certification) -> list[Route]:
    """The learner's own assignment routes to a certification, with the reason in their words."""
    from assignments.models import AssignmentException, ExceptionStatus

    self_enrolled = dict(
        GroupMember.objects.filter(certification=certification, user=user).values_list("group_id", "self_enrolled")
    )
    open_reasons = dict(
        AssignmentException.objects.filter(
            certification=certification, user=user, status=ExceptionStatus.OPEN
        ).values_list("assignment_id", "reason")
    )
    routes = UserAssignment.objects.filter(certification=certification, user=user).select_related(
        "assignment__audience",
        "assignment__organisation",
        "assignment__position",
        "assignment__manager",
        "assignment__user",
        "assignment__group",
    )
    result = []
    for route in routes.order_by("assignment__type", "assignment_id"):
        name, reason = _route_words(route.assignment, self_enrolled)
        result.append(
            Route(
                type=route.assignment.get_type_display(),
                name=name,
                reason=reason,
                due_date=route.due_date,
                state=route.get_state_display(),
                exception_reason=open_reasons.get(route.assignment_id, ""),
            )
        )
    return result


def _route_words(assignment: Assignment, self_enrolled: dict[int, bool]) -> tuple[str, str]:
    kind = assignment.type
    if kind == AssignmentType.GROUP:
        name = assignment.group.name
        joined = "Self-enrolled in" if self_enrolled.get(assignment.group_id) else "Added to"
        return name, f"{joined} group '{name}'"
    if kind == AssignmentType.AUDIENCE:
        return assignment.audience.name, f"Member of audience '{assignment.audience.name}'"
    if kind == AssignmentType.ORGANISATION:
        return assignment.organisation.name, f"Member of organisation '{assignment.organisation.name}'"
    if kind == AssignmentType.POSITION:
        return assignment.position.name, f"Holds position '{assignment.position.name}'"
    if kind == AssignmentType.MANAGER:
        name = assignment.manager.get_full_name() or assignment.manager.username
        return name, f"Reports to '{name}'"
    name = assignment.user.get_full_name() or assignment.user.username
    return name, "Assigned individually"


def _period_words(amount: int, unit: str) -> str:
    word = unit[:-1] if amount == 1 and unit.endswith("s") else unit
    return f"{amount} {word}"


def due_rule_words(assignment: Assignment) -> str:
    """An assignment's due date rule in words: "Complete within 3 months of first login"."""
    if assignment.due_kind == DueKind.FIXED and assignment.due_fixed_at:
        return f"Due {timezone.localtime(assignment.due_fixed_at):%-d %B %Y, %H:%M}"
    if assignment.due_kind != DueKind.RELATIVE or not assignment.due_amount:
        return "No due date"
    event = DueEvent(assignment.due_event).label.lower() if assignment.due_event else "an event"
    of_what = {
        DueEvent.POSITION_ASSIGNED: assignment.due_event_position,
        DueEvent.JOB_START: assignment.due_event_position,
        DueEvent.CERTIFICATION_COMPLETION: assignment.due_event_certification,
        DueEvent.COURSE_COMPLETION: assignment.due_event_course,
        DueEvent.PROFILE_DATE: assignment.due_event_profile_field,
    }.get(assignment.due_event)
    if assignment.due_event == DueEvent.ASSIGNMENT_DATE:
        event = "enrolling"
    elif of_what is not None:
        event = f"{event} ('{of_what}')"
    return f"Complete within {_period_words(assignment.due_amount, assignment.due_unit)} of {event}"


def due_date_if_enrolled_now(assignment: Assignment, *, now: datetime) -> datetime | None:
    """The due date a learner enrolling now would get from this group, when the rule alone gives it."""
    if assignment.due_kind == DueKind.FIXED:
        return assignment.due_fixed_at
    if assignment.due_kind == DueKind.RELATIVE and assignment.due_event == DueEvent.ASSIGNMENT_DATE:
        return now + relativedelta(**{assignment.due_unit: assignment.due_amount})
    return None


@dataclass(frozen=True)
class GroupOffer:
    """A group the learner may join, with what its due date would be."""

    group: Group
    due_date: datetime | None
    due_words: str


def group_offers(*, certification: Certification, learner, now: datetime | None = None) -> list[GroupOffer]:
    now = now or timezone.now()
    return [
        GroupOffer(
            group=group,
            due_date=due_date_if_enrolled_now(group.assignment, now=now),
            due_words=due_rule_words(group.assignment),
        )
        for group in enrollable_groups(certification=certification, learner=learner).select_related(
            "assignment__due_event_position",
            "assignment__due_event_certification",
            "assignment__due_event_course",
            "assignment__due_event_profile_field",
        )
    ]


@dataclass(frozen=True)
class Overview:
    certification: Certification
    course_sets: list[CourseSet]
    record: CertificationRecord | None
    routes: list[Route]
    enrolment: GroupMember | None
    can_enrol: bool


def overview(*, certification: Certification, user, now: datetime | None = None) -> Overview:
    """What the overview page shows a learner; ``can_enrol`` is exactly DOMAIN.md §4's condition."""
    from assignments.services.groups import certification_is_available

    now = now or timezone.now()
    course_sets = list(
        CourseSet.objects.filter(certification=certification)
        .order_by("path", "sortorder", "id")
        .prefetch_related(Prefetch("courses"))
    )
    enrolment = self_enrolment(certification=certification, learner=user)
    can_enrol = (
        enrolment is None
        and certification_is_available(certification, now)
        and enrollable_groups(certification=certification, learner=user).exists()
    )
    return Overview(
        certification=certification,
        course_sets=course_sets,
        record=CertificationRecord.objects.filter(certification=certification, user=user).first(),
        routes=routes_for_learner(user=user, certification=certification),
        enrolment=enrolment,
        can_enrol=can_enrol,
    )
