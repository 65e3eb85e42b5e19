"""The learner: enrol in a group (checks, key, place, approval) and withdraw."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Q, QuerySet
from django.utils import timezone

from assignments import sql
from assignments.errors import (
    AlreadyEnrolled,
    EnrolmentKeyRefused,
    GroupFull,
    NotEnrollable,
    NotEnrolled,
    WithdrawalNotAllowed,
)
from assignments.models import EnrolmentRequest, Group, GroupMember, RequestStatus
from assignments.selectors import moment_in_words
from assignments.services import enrolment_requests
from assignments.services.enrolment_keys import enrolment_key_check
from assignments.services.groups.lanes import certification_is_available, recompute, visible_certifications
from assignments.services.groups.outcome import EnrolmentOutcome, enrolment_status
from assignments.services.membership_audit import membership_audit as _audit
from certifications.models import Certification


def group_share_locked(group_id: int) -> Group:
    """The group, read under a shared row lock: learners enrolling or withdrawing at the same time do
    not wait for each other, but an administrator's change to the flags waits for them (and they
    for it), so the flags checked are the flags that hold when the membership changes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Group._meta.db_table} WHERE id = %s FOR SHARE", [group_id])
    return Group.objects.select_related("certification", "assignment").get(pk=group_id)


def enrolment_dates_open(now: datetime) -> Q:
    """Groups whose Enrolment opens / Enrolment closes dates take enrolments at ``now``."""
    return (Q(enrolment_opens_at__isnull=True) | Q(enrolment_opens_at__lte=now)) & (
        Q(enrolment_closes_at__isnull=True) | Q(enrolment_closes_at__gt=now)
    )


def _check_enrolment_dates(group: Group, now: datetime) -> None:
    if group.enrolment_opens_at and group.enrolment_opens_at > now:
        raise NotEnrollable(
            f"Enrolment in the group '{group.name}' opens on {moment_in_words(group.enrolment_opens_at)}."
        )
    if group.enrolment_closes_at and group.enrolment_closes_at <= now:
        raise NotEnrollable(
            f"Enrolment in the group '{group.name}' closed on {moment_in_words(group.enrolment_closes_at)}."
        )


def take_a_place(group: Group) -> None:
    """Refuse ``GroupFull`` when the group has no place left. Counted under the group's capacity lock,
    in the transaction that then inserts the membership, so concurrent enrolments cannot exceed the
    maximum: each one counts what the previous ones committed. Every member counts, also those an
    administrator added (who are never limited by it)."""
    if group.max_learners is None:
        return
    sql.group_capacity_lock(group.pk)
    if GroupMember.objects.filter(group_id=group.pk).count() >= group.max_learners:
        raise GroupFull("This group is full.")


def enrollable_groups(*, certification: Certification, learner, now: datetime | None = None) -> QuerySet[Group]:
    """Groups of a certification the learner may join now: enrolment allowed and open at ``now``, not a
    member already. Full groups are among them (annotated ``member_count``): the dialog says so and
    offers the others."""
    return (
        Group.objects.filter(certification=certification, allow_enrol=True, assignment__isnull=False)
        .filter(enrolment_dates_open(now or timezone.now()))
        .exclude(members__user=learner)
        .annotate(member_count=Count("members"))
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


def group_enrol(
    *, group: Group, learner: AbstractBaseUser, enrolment_key: str = "", now: datetime | None = None
) -> EnrolmentOutcome:
    """The learner joins a group by themselves, and is assigned at once (subject to the exception checks).

    Checked here, whatever the page showed: the certification is visible and available to the
    learner, the group still allows enrolment, the learner has no self-enrolment in this
    certification and is not already in this group, the enrolment key (when the group has one, with
    wrong keys slowed down), and a place (when it has a maximum). A double submission meets the
    unique constraint and gets ``AlreadyEnrolled``; nothing is changed.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            group = group_share_locked(group.pk)
            certification = group.certification
            standing = _standing(group, learner)
            if standing is None:
                raise NotEnrollable("This certification is not available to you.")
            if not certification_is_available(certification, now):
                raise NotEnrollable("This certification is not available for enrolment now.")
            if not group.allow_enrol or not hasattr(group, "assignment"):
                raise NotEnrollable(f"The group '{group.name}' no longer allows learners to enrol.")
            _check_enrolment_dates(group, now)
            self_enrolled, member, requested = standing
            if self_enrolled:
                raise AlreadyEnrolled(f"You are already enrolled in {certification.fullname}.")
            if member:
                raise AlreadyEnrolled(f"You are already a member of the group '{group.name}'.")
            if requested:
                raise AlreadyEnrolled(enrolment_requests.ALREADY_REQUESTED.format(certification=certification.fullname))
            refusal = ""
            if group.enrolment_key:
                refusal = enrolment_key_check(group=group, learner=learner, key=enrolment_key, now=now)
            if not refusal and group.requires_approval:
                return enrolment_requests.request_create(group=group, learner=learner, now=now)
            if not refusal:
                return admit(group=group, learner=learner, now=now, actor=learner)
        # A wrong key is recorded (and audited) by the committed transaction, then refused.
        raise EnrolmentKeyRefused(refusal)
    except IntegrityError as error:
        raise AlreadyEnrolled(f"You are already enrolled in {group.certification.fullname}.") from error


def _standing(group: Group, learner) -> tuple[bool, bool, bool] | None:
    """In one query: None when the certification is not visible to the learner, else whether they hold a
    self-enrolment in it, are a member of this group, and have a request awaiting approval in it."""
    mine = {"certification_id": group.certification_id, "user_id": learner.pk}
    return (
        visible_certifications(learner)
        .filter(pk=group.certification_id)
        .annotate(
            s_enrolled=Exists(GroupMember.objects.filter(self_enrolled=True, **mine)),
            s_member=Exists(GroupMember.objects.filter(group_id=group.pk, user_id=learner.pk)),
            s_requested=Exists(EnrolmentRequest.objects.filter(status=RequestStatus.PENDING, **mine)),
        )
        .values_list("s_enrolled", "s_member", "s_requested")
        .first()
    )


def admit(*, group: Group, learner, now: datetime, actor, approved_by=None) -> EnrolmentOutcome:
    """The self-enrolment itself, in the caller's transaction once every check has passed: a place
    (under the capacity lock), the membership, its audit event, the learner's route and record."""
    take_a_place(group)
    # No savepoint: a double enrolment's IntegrityError ends the caller's transaction (the caller turns it
    # into AlreadyEnrolled outside it).
    with transaction.atomic(savepoint=False):
        member = GroupMember.objects.create(
            group=group,
            certification_id=group.certification_id,
            user=learner,
            self_enrolled=True,
            joined_at=now,
            added_by=approved_by,
        )
    state = {"approved_by": approved_by.pk} if approved_by is not None else {}
    _audit(
        now=now,
        actor=actor,
        certification_id=group.certification_id,
        action="self_enrolled",
        group=group,
        user_ids=[learner.pk],
        self_enrolled=True,
        **state,
    )
    recompute(group=group, user_ids=[learner.pk], now=now, actor=actor)
    return enrolment_status(member)


def group_withdraw(*, group: Group, learner: AbstractBaseUser, now: datetime | None = None) -> None:
    """The learner leaves the group they self-enrolled in. Only that route goes; other routes stay,
    course completions are untouched, and the record follows DOMAIN.md §2 (kept in history)."""
    now = now or timezone.now()
    with transaction.atomic():
        group = group_share_locked(group.pk)
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
        recompute(group=group, user_ids=[learner.pk], now=now, actor=learner)
