"""Reads for the learner's pages: the catalogue, the overview page, due dates in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from assignments.models import (
    Assignment,
    DueEvent,
    DueKind,
    Group,
    GroupMember,
    RouteState,
    UserAssignment,
)
from assignments.selectors import NOT_YET_KNOWN, LearnerRoute, due_date_description, routes_for_learner
from assignments.services.groups import enrollable_groups, self_enrolment, visible_certifications
from certifications.models import Certification, CertificationRecord, CourseSet
from certifications.periods import Period, add_period
from certifications.routes import due_words


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
            is_assigned=Exists(
                UserAssignment.objects.filter(certification=OuterRef("pk"), user=user, state=RouteState.ACTIVE)
            ),
            open_for_enrolment=Exists(
                Group.objects.filter(certification=OuterRef("pk"), allow_enrol=True, assignment__isnull=False)
            ),
        )
        .only("id", "fullname", "shortname", "summary")
        .order_by("fullname", "id")
    )


def due_date_if_enrolled_now(assignment: Assignment, *, now: datetime) -> datetime | None:
    """The due date a learner enrolling now would get from this group, when the rule alone gives it."""
    if assignment.due_kind == DueKind.FIXED:
        return assignment.due_fixed_at
    if assignment.due_kind == DueKind.RELATIVE and assignment.due_event == DueEvent.ASSIGNMENT_DATE:
        return add_period(now, Period(int(assignment.due_amount), assignment.due_unit))
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
            due_words=due_date_description(group.assignment),
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
    routes: list[LearnerRoute]
    enrolment: GroupMember | None
    can_enrol: bool

    @property
    def due_text(self) -> str:
        """For a record without a due date: "Not yet known" while an event is awaited, else "No due date"."""
        return due_words(awaiting=any(r.due_text == NOT_YET_KNOWN for r in self.routes if r.state == RouteState.ACTIVE))


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
