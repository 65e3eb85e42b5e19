"""Reads for the learner's pages: the catalogue, the overview page, due dates in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from assignments.models import (
    Assignment,
    DueEvent,
    DueKind,
    EnrolmentRequest,
    Group,
    GroupMember,
    RequestStatus,
    RouteState,
    UserAssignment,
)
from assignments.selectors import (
    NOT_YET_KNOWN,
    LearnerRoute,
    due_date_description,
    moment_in_words,
    routes_for_learner,
)
from assignments.services.enrolment_requests import latest_request
from assignments.services.groups import (
    enrollable_groups,
    enrolment_dates_open,
    self_enrolment,
    visible_certifications,
)
from certifications.models import Certification, CertificationRecord, CourseSet, RecordStatus
from certifications.periods import Period, add_period
from certifications.routes import due_words
from certifications.selectors import PathProgress, paths_progress


def catalogue(*, user, search: str = "", now: datetime | None = None) -> QuerySet[Certification]:
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
                Group.objects.filter(certification=OuterRef("pk"), allow_enrol=True, assignment__isnull=False).filter(
                    enrolment_dates_open(now or timezone.now())
                )
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

    @property
    def full(self) -> bool:
        """No place left now (the service counts again, under its lock, when the learner enrols)."""
        return self.group.max_learners is not None and self.group.member_count >= self.group.max_learners


def group_offers(*, certification: Certification, learner, now: datetime | None = None) -> list[GroupOffer]:
    now = now or timezone.now()
    return [
        GroupOffer(
            group=group,
            due_date=due_date_if_enrolled_now(group.assignment, now=now),
            due_words=due_date_description(group.assignment),
        )
        for group in enrollable_groups(certification=certification, learner=learner, now=now).select_related(
            "assignment__due_event_position",
            "assignment__due_event_certification",
            "assignment__due_event_course",
            "assignment__due_event_profile_field",
        )
    ]


@dataclass(frozen=True)
class GroupState:
    """A group that allows enrolment, and in words whether it is open to the learner now, or why not."""

    group: Group
    open: bool
    words: str


def group_state(group: Group, *, now: datetime) -> GroupState:
    """``group`` annotated with ``member_count``. Closed by its dates or full says so; open says what it
    asks of the learner: places left, when it closes, a key, approval (DOMAIN.md §10)."""
    opens, closes, limit = group.enrolment_opens_at, group.enrolment_closes_at, group.max_learners
    if opens and opens > now:
        return GroupState(group, False, f"Opens for enrolment on {moment_in_words(opens)}")
    if closes and closes <= now:
        return GroupState(group, False, f"Closed for enrolment on {moment_in_words(closes)}")
    if limit is not None and group.member_count >= limit:
        return GroupState(group, False, f"Full: {limit} of {limit} place{'s' if limit != 1 else ''} taken")
    notes = []
    if limit is not None:
        left = limit - group.member_count
        notes.append(f"{left} of {limit} place{'s' if limit != 1 else ''} left")
    if closes:
        notes.append(f"closes on {moment_in_words(closes)}")
    if group.enrolment_key:
        notes.append("needs an enrolment key")
    if group.requires_approval:
        notes.append("needs approval")
    return GroupState(group, True, "Open for enrolment" + (f": {', '.join(notes)}" if notes else ""))


def group_states(*, certification_ids: list[int], now: datetime | None = None) -> dict[int, list[GroupState]]:
    """The groups that allow enrolment of each certification, in words; one query for them all."""
    now = now or timezone.now()
    states: dict[int, list[GroupState]] = {pk: [] for pk in certification_ids}
    groups = (
        Group.objects.filter(certification_id__in=certification_ids, allow_enrol=True, assignment__isnull=False)
        .annotate(member_count=Count("members"))
        .order_by("name", "id")
    )
    for group in groups:
        states[group.certification_id].append(group_state(group, now=now))
    return states


@dataclass(frozen=True)
class Overview:
    certification: Certification
    course_sets: list[CourseSet]
    record: CertificationRecord | None
    routes: list[LearnerRoute]
    enrolment: GroupMember | None
    can_enrol: bool
    progress: PathProgress
    request: EnrolmentRequest | None = None  # awaiting approval, or denied (shown in Enrolment details)
    groups: list[GroupState] = ()  # the groups that allow enrolment, open or not, and why

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
    request = None if enrolment else latest_request(certification=certification, learner=user)
    can_enrol = (
        enrolment is None
        and (request is None or request.status != RequestStatus.PENDING)
        and certification_is_available(certification, now)
        and enrollable_groups(certification=certification, learner=user, now=now).exists()
    )
    record = CertificationRecord.objects.filter(certification=certification, user=user).first()
    path, certified = (record.path, record.status == RecordStatus.CERTIFIED) if record else ("certification", False)
    return Overview(
        certification=certification,
        course_sets=course_sets,
        record=record,
        progress=paths_progress(user_id=user.pk, items=[(certification, path, certified)])[certification.pk],
        routes=routes_for_learner(user=user, certification=certification),
        enrolment=enrolment,
        can_enrol=can_enrol,
        request=request,
        groups=group_states(certification_ids=[certification.pk], now=now)[certification.pk],
    )


# --- Current learning: the learner's home ---------------------------------------------------------


@dataclass(frozen=True)
class LearningItem:
    record: CertificationRecord
    progress: PathProgress
    overdue: bool

    @property
    def certification(self) -> Certification:
        return self.record.certification


def current_learning(*, user, now: datetime | None = None) -> list[LearningItem]:
    """The certifications the learner is assigned: overdue first, then by due date (none last), then name.

    Four queries whatever the number of certifications.
    """
    now = now or timezone.now()
    records = list(
        CertificationRecord.objects.filter(user=user)
        .select_related("certification")
        .only(
            "id",
            "status",
            "path",
            "due_date",
            "expiry_date",
            "certification__fullname",
            "certification__recertification_same_content",
        )
    )
    progress = paths_progress(
        user_id=user.pk,
        items=[(r.certification, r.path, r.status == RecordStatus.CERTIFIED) for r in records],
    )
    items = [
        LearningItem(
            record=r,
            progress=progress[r.certification_id],
            overdue=r.status != RecordStatus.CERTIFIED and r.due_date is not None and r.due_date < now,
        )
        for r in records
    ]
    items.sort(
        key=lambda i: (
            not i.overdue,
            i.record.due_date is None,
            i.record.due_date or now,
            i.certification.fullname.lower(),
            i.record.pk,
        )
    )
    return items


def course_certifications(*, course, user) -> list[tuple[str, str]]:
    """(name, overview URL) of every certification the learner may see whose content holds ``course``."""
    certifications = (
        visible_certifications(user).filter(course_sets__courses=course).distinct().order_by("fullname", "id")
    )
    return [(c.fullname, reverse("enrolment:overview", args=[c.pk])) for c in certifications.only("id", "fullname")]


def catalogue_progress(*, user, certifications) -> dict[int, PathProgress]:
    """The learner's progress on those of ``certifications`` (a catalogue page) they are assigned."""
    records = CertificationRecord.objects.filter(user=user, certification__in=certifications).select_related(
        "certification"
    )
    return paths_progress(
        user_id=user.pk, items=[(r.certification, r.path, r.status == RecordStatus.CERTIFIED) for r in records]
    )
