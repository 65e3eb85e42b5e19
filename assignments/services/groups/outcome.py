"""What a self-enrolment led to, and where a member's route through their group stands now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assignments.models import (
    AssignmentException,
    EnrolmentRequest,
    ExceptionStatus,
    GroupMember,
    RequestStatus,
    RouteState,
    UserAssignment,
)


@dataclass(frozen=True)
class EnrolmentOutcome:
    """What a self-enrolment led to: assigned (with a due date or none), awaiting a site administrator
    (an exception), or, for a group that requires approval, a request awaiting approval."""

    member: GroupMember | None
    assigned: bool
    due_date: datetime | None
    exception_reason: str = ""
    request: EnrolmentRequest | None = None

    @property
    def awaiting_approval(self) -> bool:
        return self.request is not None and self.request.status == RequestStatus.PENDING

    @property
    def awaiting_administrator(self) -> bool:
        return bool(self.exception_reason)


def enrolment_status(member: GroupMember) -> EnrolmentOutcome:
    """Where a member's route through their group stands now (for Enrolment details)."""
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
