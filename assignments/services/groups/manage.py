"""Groups by site administrators: create, edit and remove groups; add and remove members."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assignments.models import Assignment, AssignmentType, Group, GroupMember, RequestStatus
from assignments.services.groups.lanes import recompute
from assignments.services.membership_audit import membership_audit as _audit
from assignments.services.membership_audit import user_or_none
from assignments.services.rules import assignment_delete
from certifications.models import Certification
from directory.permissions import is_site_admin

SETTINGS_FIELDS = (
    "allow_enrol",
    "allow_withdraw",
    "max_learners",
    "enrolment_opens_at",
    "enrolment_closes_at",
    "requires_approval",
)


def _apply_settings(group: Group, *, name: str, description: str, enrolment_key: str | None, settings: dict) -> None:
    """Name, description and the Group management settings onto the row (not saved). ``enrolment_key``:
    None keeps the stored key, "" removes it, any other text is hashed with Django's password hashers."""
    name = name.strip()
    if not name:
        raise ValueError("A group needs a name.")
    unknown = set(settings) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Unknown group settings: {sorted(unknown)}")
    group.name, group.description = name, description
    for field, value in settings.items():
        setattr(group, field, value)
    if enrolment_key is not None:
        group.enrolment_key = make_password(enrolment_key) if enrolment_key else ""


def group_create(
    *,
    certification: Certification,
    name: str,
    description: str = "",
    enrolment_key: str | None = None,
    actor=None,
    **settings,
) -> Group:
    """Add a group and its assignment (type Group, no due date until the administrator sets one).
    ``settings`` are the Group management fields (``SETTINGS_FIELDS``)."""
    group = Group(certification=certification)
    _apply_settings(group, name=name, description=description, enrolment_key=enrolment_key, settings=settings)
    with transaction.atomic():
        group.save()
        Assignment.objects.create(
            certification=certification, type=AssignmentType.GROUP, group=group, created_by=user_or_none(actor)
        )
    return group


def group_update(
    *, group: Group, name: str, description: str, enrolment_key: str | None = None, actor=None, **settings
) -> Group:
    """Edit the name, description and Group management settings. Members and routes are unchanged:
    a new key, a lower maximum or closed dates never remove anyone."""
    with transaction.atomic():
        group = Group.objects.select_for_update().get(pk=group.pk)
        _apply_settings(group, name=name, description=description, enrolment_key=enrolment_key, settings=settings)
        group.save(update_fields=["name", "description", "enrolment_key", *settings])
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
        _audit(
            now=now,
            actor=actor,
            certification_id=group.certification_id,
            action="enrolment_request_cancelled",
            group=group,
            user_ids=list(group.requests.filter(status=RequestStatus.PENDING).values_list("user_id", flat=True)),
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
                    added_by=user_or_none(actor),
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
            recompute(group=group, user_ids=added, now=now, actor=actor)
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
        recompute(group=group, user_ids=[user_id], now=now, actor=actor)
    return True


def can_manage_groups(user) -> bool:
    return is_site_admin(user)
