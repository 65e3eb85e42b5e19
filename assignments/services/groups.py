"""Self-enrolment groups: create, edit and remove groups; add and remove members; enrol and withdraw.

A group is one assignment of type Group; its members are the users it reaches. Every service
runs in one transaction, writes its audit events in it, and ends by recomputing the learners it
touched (``learners_recompute``), so a learner's routes, exceptions, record and due date follow
at once. Concurrent enrolments are stopped by the database first (a learner has at most one
self-enrolment per certification: a partial unique constraint), by row locks second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from assignments.errors import AlreadyEnrolled, NotEnrollable, NotEnrolled, WithdrawalNotAllowed
from assignments.models import (
    Assignment,
    AssignmentException,
    AssignmentType,
    ExceptionStatus,
    Group,
    GroupMember,
    RouteState,
    UserAssignment,
)
from assignments.services.engine import learners_recompute
from assignments.services.rules import assignment_delete
from certifications.models import Certification
from directory.permissions import is_site_admin

AUDIT_SUBJECT = "group_membership"


@dataclass(frozen=True)
class EnrolmentOutcome:
    """What a self-enrolment led to: assigned (with a due date or none), or awaiting a site administrator."""

    member: GroupMember
    assigned: bool
    due_date: datetime | None
    exception_reason: str = ""

    @property
    def awaiting_administrator(self) -> bool:
        return bool(self.exception_reason)


# --- Lanes this module calls ------------------------------------------------------------------


def _recompute(*, group: Group, user_ids: list[int], now: datetime, actor) -> None:
    """The engine, in this transaction: the learners' route through this group (with its exception
    checks), then their records and due dates from all their routes. A membership change moves only
    this group's route, so the certification's other assignments are not recomputed."""
    assignment_id = Assignment.objects.filter(group_id=group.pk).values_list("pk", flat=True).first()
    learners_recompute(
        certification_id=group.certification_id,
        user_ids=user_ids,
        now=now,
        actor=actor,
        assignment_ids=[assignment_id] if assignment_id is not None else [],
    )


def visible_certifications(user) -> QuerySet[Certification]:
    """The one visibility rule of DOMAIN.md §2 (visibility and availability), from certifications."""
    return Certification.objects.visible_to(user)


def certification_is_available(certification: Certification, now: datetime) -> bool:
    """Inside the availability dates (they apply to everyone, administrators included, for enrolling)."""
    if certification.available_from and certification.available_from > now:
        return False
    return not (certification.available_until and certification.available_until <= now)


def _audit(
    *, now: datetime, actor, certification_id: int, action: str, group: Group, user_ids: list[int], **state
) -> None:
    """One audit event per learner, in one INSERT (certifications' audit helper)."""
    from certifications.services import audit_insert_select

    if not user_ids:
        return
    snapshot = {"group_id": group.pk, "group": group.name, **state}
    removal = action in {"withdrawn", "removed"}
    audit_insert_select(
        user_ids=user_ids,
        subject=AUDIT_SUBJECT,
        action=action,
        now=now,
        certification_id=certification_id,
        before=snapshot if removal else None,
        after=None if removal else snapshot,
        actor=_user_or_none(actor),
    )


# --- Groups -----------------------------------------------------------------------------------


def group_create(
    *,
    certification: Certification,
    name: str,
    description: str = "",
    allow_enrol: bool = False,
    allow_withdraw: bool = False,
    actor=None,
) -> Group:
    """Add a group and its assignment (type Group, no due date until the administrator sets one)."""
    name = name.strip()
    if not name:
        raise ValueError("A group needs a name.")
    with transaction.atomic():
        group = Group.objects.create(
            certification=certification,
            name=name,
            description=description,
            allow_enrol=allow_enrol,
            allow_withdraw=allow_withdraw,
        )
        Assignment.objects.create(
            certification=certification, type=AssignmentType.GROUP, group=group, created_by=_user_or_none(actor)
        )
    return group


def group_update(
    *, group: Group, name: str, description: str, allow_enrol: bool, allow_withdraw: bool, actor=None
) -> Group:
    """Edit the name, description and both flags. Members and routes are unchanged."""
    name = name.strip()
    if not name:
        raise ValueError("A group needs a name.")
    with transaction.atomic():
        group.name, group.description = name, description
        group.allow_enrol, group.allow_withdraw = allow_enrol, allow_withdraw
        group.save(update_fields=["name", "description", "allow_enrol", "allow_withdraw"])
    return group


def group_delete(*, group: Group, actor=None, now: datetime | None = None) -> int:
    """Remove a group with its assignment and memberships: its members lose this route (other routes
    stay). Returns how many members it had."""
    now = now or timezone.now()
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        members = list(group.members.order_by("user_id").values_list("user_id", "self_enrolled"))
        for self_enrolled in (True, False):
            _audit(
                now=now,
                actor=actor,
                certification_id=group.certification_id,
                action="withdrawn" if self_enrolled else "removed",
                group=group,
                user_ids=[u for u, s in members if s == self_enrolled],
                self_enrolled=self_enrolled,
                reason="group deleted",
            )
        # The engine removes the routes and settles the records (in Celery when there are many).
        assignment = Assignment.objects.filter(group=group).first()
        if assignment is not None:
            assignment_delete(assignment=assignment, actor=actor, now=now)
        group.delete()
    return len(members)


# --- Membership by administrators -------------------------------------------------------------


def group_member_add_many(*, group: Group, user_ids: Iterable[int], actor, now: datetime | None = None) -> int:
    """Add users to a group directly (not a self-enrolment). Existing members stay as they are. Returns rows added."""
    now = now or timezone.now()
    wanted = sorted({int(u) for u in user_ids})
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        existing = set(GroupMember.objects.filter(group=group, user_id__in=wanted).values_list("user_id", flat=True))
        new = [u for u in wanted if u not in existing]
        GroupMember.objects.bulk_create(
            [
                GroupMember(
                    group=group,
                    certification_id=group.certification_id,
                    user_id=u,
                    self_enrolled=False,
                    joined_at=now,
                    added_by=_user_or_none(actor),
                )
                for u in new
            ],
            ignore_conflicts=True,
        )
        added = list(
            GroupMember.objects.filter(group=group, user_id__in=new, joined_at=now).values_list("user_id", flat=True)
        )
        _audit(
            now=now,
            actor=actor,
            certification_id=group.certification_id,
            action="added",
            group=group,
            user_ids=added,
            self_enrolled=False,
        )
        if added:
            _recompute(group=group, user_ids=added, now=now, actor=actor)
    return len(added)


def group_member_remove(*, group: Group, user_id: int, actor, now: datetime | None = None) -> bool:
    """Remove one member (added or self-enrolled; removing a self-enrolment is audited like a withdrawal)."""
    now = now or timezone.now()
    with transaction.atomic():
        member = GroupMember.objects.select_for_update().filter(group=group, user_id=user_id).first()
        if member is None:
            return False
        _audit(
            now=now,
            actor=actor,
            certification_id=group.certification_id,
            action="withdrawn" if member.self_enrolled else "removed",
            group=group,
            user_ids=[user_id],
            self_enrolled=member.self_enrolled,
            joined_at=member.joined_at.isoformat(),
            by_administrator=True,
        )
        member.delete()
        _recompute(group=group, user_ids=[user_id], now=now, actor=actor)
    return True


# --- The learner ------------------------------------------------------------------------------


def _group_share_locked(group_id: int) -> Group:
    """The group, read under a shared row lock: learners enrolling or withdrawing at the same time do
    not wait for each other, but an administrator's change to the flags waits for them (and they
    for it), so the flags checked are the flags that hold when the membership changes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Group._meta.db_table} WHERE id = %s FOR SHARE", [group_id])
    return Group.objects.select_related("certification", "assignment").get(pk=group_id)


def enrollable_groups(*, certification: Certification, learner) -> QuerySet[Group]:
    """Groups of a certification the learner may join now: enrolment allowed, not a member already."""
    return (
        Group.objects.filter(certification=certification, allow_enrol=True, assignment__isnull=False)
        .exclude(members__user=learner)
        .select_related("assignment")
        .order_by("name", "id")
    )


def self_enrolment(*, certification: Certification, learner) -> GroupMember | None:
    """The learner's self-enrolment in this certification, if any."""
    return (
        GroupMember.objects.filter(certification=certification, user=learner, self_enrolled=True)
        .select_related("group", "group__assignment")
        .first()
    )


def group_enrol(*, group: Group, learner: AbstractBaseUser, now: datetime | None = None) -> EnrolmentOutcome:
    """The learner joins a group by themselves, and is assigned at once (subject to the exception checks).

    Checked here, whatever the page showed: the certification is visible and available to the
    learner, the group still allows enrolment, the learner has no self-enrolment in this
    certification and is not already in this group. A double submission meets the unique
    constraint and gets ``AlreadyEnrolled``; nothing is changed.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            group = _group_share_locked(group.pk)
            certification = group.certification
            if not visible_certifications(learner).filter(pk=certification.pk).exists():
                raise NotEnrollable("This certification is not available to you.")
            if not certification_is_available(certification, now):
                raise NotEnrollable("This certification is not available for enrolment now.")
            if not group.allow_enrol or not hasattr(group, "assignment"):
                raise NotEnrollable(f"The group '{group.name}' no longer allows learners to enrol.")
            joined = (
                GroupMember.objects.filter(Q(certification=certification, self_enrolled=True) | Q(group=group))
                .filter(user=learner)
                .values_list("self_enrolled", flat=True)
            )
            if joined:
                if any(joined):
                    raise AlreadyEnrolled(f"You are already enrolled in {certification.fullname}.")
                raise AlreadyEnrolled(f"You are already a member of the group '{group.name}'.")
            with transaction.atomic():
                member = GroupMember.objects.create(
                    group=group, certification=certification, user=learner, self_enrolled=True, joined_at=now
                )
            _audit(
                now=now,
                actor=learner,
                certification_id=certification.pk,
                action="self_enrolled",
                group=group,
                user_ids=[learner.pk],
                self_enrolled=True,
            )
            _recompute(group=group, user_ids=[learner.pk], now=now, actor=learner)
            return _outcome(member)
    except IntegrityError as error:
        raise AlreadyEnrolled(f"You are already enrolled in {group.certification.fullname}.") from error


def group_withdraw(*, group: Group, learner: AbstractBaseUser, now: datetime | None = None) -> None:
    """The learner leaves the group they self-enrolled in. Only that route goes; other routes stay,
    course completions are untouched, and the record follows DOMAIN.md §2 (kept in history)."""
    now = now or timezone.now()
    with transaction.atomic():
        group = _group_share_locked(group.pk)
        member = GroupMember.objects.select_for_update().filter(group=group, user=learner, self_enrolled=True).first()
        if member is None:
            raise NotEnrolled("You are not self-enrolled in this group.")
        if not group.allow_withdraw:
            raise WithdrawalNotAllowed(f"The group '{group.name}' does not allow learners to withdraw.")
        _audit(
            now=now,
            actor=learner,
            certification_id=group.certification_id,
            action="withdrawn",
            group=group,
            user_ids=[learner.pk],
            self_enrolled=True,
            joined_at=member.joined_at.isoformat(),
        )
        member.delete()
        _recompute(group=group, user_ids=[learner.pk], now=now, actor=learner)


def enrolment_status(member: GroupMember) -> EnrolmentOutcome:
    """Where a member's route through their group stands now (for Enrolment details)."""
    return _outcome(member)


def _outcome(member: GroupMember) -> EnrolmentOutcome:
    route = (
        UserAssignment.objects.filter(assignment__group_id=member.group_id, user_id=member.user_id)
        .only("state", "due_date")
        .first()
    )
    if route is None:
        return EnrolmentOutcome(member=member, assigned=False, due_date=None)
    reason = ""
    if route.state != RouteState.ACTIVE:
        exception = (
            AssignmentException.objects.filter(
                assignment__group_id=member.group_id, user_id=member.user_id, status=ExceptionStatus.OPEN
            )
            .only("reason")
            .first()
        )
        reason = exception.reason if exception else "Your enrolment was not accepted by a site administrator."
    return EnrolmentOutcome(
        member=member, assigned=route.state == RouteState.ACTIVE, due_date=route.due_date, exception_reason=reason
    )


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def can_manage_groups(user) -> bool:
    return is_site_admin(user)
