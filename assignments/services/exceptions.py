"""Resolving exceptions (DOMAIN §5): the three resolutions, for many exceptions at once.

- **Set realistic due date and assign**: due = now + total time allowance + 1 week; assigned.
  Offered for Time allowance and Completion time unknown.
- **Assign**: assigned, due date unchanged. Offered for Time allowance and Already assigned.
- **Do not assign**: dismissed; checked again only if the due date later moves out. Offered for all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from certifications.models import Certification, CertificationPath, CertificationRecord
from certifications.services import audit_insert_select
from certlms.dates import days_after_clamped

from .. import sql
from ..errors import ResolutionNotAllowed
from ..models import AssignmentException, ExceptionStatus, ExceptionType, Resolution, RouteState, UserAssignment
from . import engine

REALISTIC_EXTRA = dt.timedelta(weeks=1)

ALLOWED: dict[str, set[str]] = {
    Resolution.REALISTIC_DUE: {ExceptionType.TIME_ALLOWANCE, ExceptionType.COMPLETION_TIME_UNKNOWN},
    Resolution.ASSIGN: {ExceptionType.TIME_ALLOWANCE, ExceptionType.ALREADY_ASSIGNED},
    Resolution.DISMISS: {
        ExceptionType.ALREADY_ASSIGNED,
        ExceptionType.COMPLETION_TIME_UNKNOWN,
        ExceptionType.TIME_ALLOWANCE,
    },
}


def resolutions_for(exception_type: str) -> list[str]:
    """The resolutions offered for an exception type, in the order of the table."""
    return [resolution for resolution in Resolution.values if exception_type in ALLOWED[resolution]]


@dataclass(frozen=True)
class ResolveResult:
    resolved: int
    skipped: int


def exception_resolve(
    *, certification: Certification, exception_ids, resolution: str, actor=None, now: dt.datetime | None = None
) -> ResolveResult:
    """Apply one resolution to the chosen open exceptions of a certification.

    Exceptions of a type the resolution is not offered for are skipped (counted in the result).
    Each resolved learner's change is audited, and their record follows at once.
    """
    if resolution not in ALLOWED:
        raise ResolutionNotAllowed("Choose a resolution.")
    now = now or timezone.now()
    with transaction.atomic():
        sql.certification_lock(certification.pk)
        chosen = list(
            AssignmentException.objects.filter(
                certification=certification, status=ExceptionStatus.OPEN, pk__in=exception_ids
            ).values("id", "route_id", "user_id", "type", "assignment_id")
        )
        allowed = [e for e in chosen if e["type"] in ALLOWED[resolution]]
        if not allowed:
            return ResolveResult(0, len(chosen))
        route_ids = [e["route_id"] for e in allowed]
        user_ids = sorted({e["user_id"] for e in allowed})
        routes = UserAssignment.objects.filter(pk__in=route_ids)
        if resolution == Resolution.REALISTIC_DUE:
            _set_realistic_due(certification, routes, user_ids, now)
        elif resolution == Resolution.ASSIGN:
            routes.update(state=RouteState.ACTIVE, resolved=True, exception_type="")
        else:
            routes.update(state=RouteState.DISMISSED, resolved=False)
        status = ExceptionStatus.DISMISSED if resolution == Resolution.DISMISS else ExceptionStatus.RESOLVED
        AssignmentException.objects.filter(pk__in=[e["id"] for e in allowed]).update(
            status=status,
            resolution=resolution,
            resolved_at=now,
            resolved_by=actor if actor is not None and actor.is_authenticated else None,
        )
        by_assignment: dict[int, list[int]] = defaultdict(list)
        for e in allowed:
            by_assignment[e["assignment_id"]].append(e["user_id"])
        for assignment_id, users in sorted(by_assignment.items()):
            audit_insert_select(
                user_ids=users,
                subject="route",
                action="exception_resolved",
                now=now,
                certification_id=certification.pk,
                before={"assignment": assignment_id, "state": RouteState.EXCEPTION},
                after={"assignment": assignment_id, "resolution": resolution},
                actor=actor,
            )
        engine.records_resync(certification=certification, now=now, actor=actor, user_ids=user_ids)
    return ResolveResult(len(allowed), len(chosen) - len(allowed))


def _set_realistic_due(certification: Certification, routes, user_ids: list[int], now: dt.datetime) -> None:
    """due = now + the total time allowance of the learner's current path + 1 week."""
    recertifying = set(
        CertificationRecord.objects.filter(
            certification=certification, user_id__in=user_ids, path=CertificationPath.RECERTIFICATION
        ).values_list("user_id", flat=True)
    )
    for path, in_path in ((CertificationPath.RECERTIFICATION, True), (CertificationPath.CERTIFICATION, False)):
        allowance = engine.path_allowance_days(certification, path) + REALISTIC_EXTRA.days
        due = days_after_clamped(now, allowance)
        subset = routes.filter(user_id__in=recertifying) if in_path else routes.exclude(user_id__in=recertifying)
        subset.update(due_override=due, due_date=due, state=RouteState.ACTIVE, resolved=True, exception_type="")
