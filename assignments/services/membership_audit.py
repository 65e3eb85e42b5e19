"""Audit events of group membership (subject ``group_membership``, decision 0053), for the group services."""

from __future__ import annotations

from datetime import datetime

from assignments.models import Group

AUDIT_SUBJECT = "group_membership"


def membership_audit(
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
        actor=user_or_none(actor),
    )


def user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
