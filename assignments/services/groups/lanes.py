"""The lanes the group services call: the engine's recompute of a membership change, and the
certification's visibility and availability rules."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from assignments.models import Assignment, Group
from assignments.services.engine import learners_recompute
from certifications.models import Certification


def recompute(*, group: Group, user_ids: list[int], now: datetime, actor) -> None:
    """The engine, in this transaction: the learners' route through this group (with its exception
    checks), then their records and due dates from all their routes. A membership change moves only
    this group's route, so the certification's other assignments are not recomputed."""
    if Group.assignment.is_cached(group):  # read with the group (``group_share_locked``)
        assignment = getattr(group, "assignment", None)
    else:
        assignment = Assignment.objects.filter(group_id=group.pk).order_by("pk").first()
    if assignment is not None:
        assignment.group = group  # its target, which the engine names in the audit: no query for it
    learners_recompute(
        certification_id=group.certification_id,
        user_ids=user_ids,
        now=now,
        actor=actor,
        assignments=[assignment] if assignment is not None else [],
        certification=group.certification if Group.certification.is_cached(group) else None,
    )


def visible_certifications(user) -> QuerySet[Certification]:
    """The one visibility rule of DOMAIN.md §2 (visibility and availability), from certifications."""
    return Certification.objects.visible_to(user)


def certification_is_available(certification: Certification, now: datetime) -> bool:
    """Inside the availability dates (they apply to everyone, administrators included, for enrolling)."""
    if certification.available_from and certification.available_from > now:
        return False
    return not (certification.available_until and certification.available_until <= now)
