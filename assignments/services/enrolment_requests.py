"""Enrolment requests (DOMAIN.md §10 "Requires approval"): made, cancelled, approved, denied.

A learner enrolling in a group that requires approval makes a request (``group_enrol`` calls
``request_create``); site administrators, and the learner's manager, approve or deny it, one or
many at once, with an optional reason. Approval enrols the learner exactly as a self-enrolment
(``groups.admit``: a place under the capacity lock, the membership, the exception checks). Every
step is audited and sends its signal inside the transaction (decision 0135).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from assignments import signals
from assignments.errors import AlreadyEnrolled, EnrolmentError, NotEnrollable, RequestNotPending
from assignments.models import EnrolmentRequest, Group, RequestStatus
from assignments.services import groups
from assignments.services.membership_audit import membership_audit, user_or_none
from certifications.models import Certification
from directory.models import JobAssignment
from directory.permissions import is_site_admin


def request_create(*, group: Group, learner, now: datetime) -> groups.EnrolmentOutcome:
    """For a group that requires approval: the learner's request, awaiting a site administrator or
    their manager. It holds no place (the approval takes one), but a full group refuses it at once."""
    groups.take_a_place(group)
    try:
        with transaction.atomic():
            request = EnrolmentRequest.objects.create(
                group=group, certification_id=group.certification_id, user=learner, requested_at=now
            )
    except IntegrityError as error:  # a concurrent request of the same learner won
        raise AlreadyEnrolled(ALREADY_REQUESTED.format(certification=group.certification.fullname)) from error
    membership_audit(
        now=now,
        actor=learner,
        certification_id=group.certification_id,
        action="enrolment_requested",
        group=group,
        user_ids=[learner.pk],
        request_id=request.pk,
    )
    signals.enrolment_request_created.send(sender=EnrolmentRequest, **request_event(request, actor=learner))
    return groups.EnrolmentOutcome(member=None, assigned=False, due_date=None, request=request)


ALREADY_REQUESTED = (
    "Your request to enrol in {certification} is awaiting approval. Cancel it in Enrolment details to choose again."
)


def pending_request(*, certification: Certification, learner) -> EnrolmentRequest | None:
    """The learner's request awaiting approval in this certification, if any."""
    return (
        EnrolmentRequest.objects.filter(certification=certification, user=learner, status=RequestStatus.PENDING)
        .select_related("group")
        .first()
    )


def latest_request(*, certification: Certification, learner) -> EnrolmentRequest | None:
    """The learner's request to show in Enrolment details: their newest, while awaiting approval or
    after a denial (with its reason); None once approved or cancelled."""
    newest = (
        EnrolmentRequest.objects.filter(certification=certification, user=learner)
        .select_related("group", "decided_by")
        .order_by("-requested_at", "-pk")
        .first()
    )
    return newest if newest is not None and newest.status in (RequestStatus.PENDING, RequestStatus.DENIED) else None


def request_event(request: EnrolmentRequest, *, actor) -> dict:
    """What the request signals send: ids only (decision 0135); the times are on the request's row."""
    return {
        "request_id": request.pk,
        "user_id": request.user_id,
        "group_id": request.group_id,
        "certification_id": request.certification_id,
        "actor_id": getattr(user_or_none(actor), "pk", None),
    }


# --- The learner cancels ----------------------------------------------------------------------


def request_cancel(*, certification: Certification, learner, now: datetime | None = None) -> EnrolmentRequest:
    """The learner withdraws their request awaiting approval (Enrolment details → Cancel request)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            EnrolmentRequest.objects.select_for_update()
            .select_related("group")
            .filter(certification=certification, user=learner, status=RequestStatus.PENDING)
            .first()
        )
        if request is None:
            raise RequestNotPending("You have no request awaiting approval in this certification.")
        _decide(request, status=RequestStatus.CANCELLED, actor=learner, reason="", now=now)
    return request


# --- Approvers decide -------------------------------------------------------------------------


def decidable_requests(user) -> QuerySet[EnrolmentRequest]:
    """Requests awaiting approval that ``user`` may decide: every one for a site administrator, their
    staff's (the learners whose job assignment names them as manager) for a manager, none otherwise."""
    pending = EnrolmentRequest.objects.filter(status=RequestStatus.PENDING)
    return pending if is_site_admin(user) else staff_requests(user)


def staff_requests(manager) -> QuerySet[EnrolmentRequest]:
    """Requests awaiting approval of the manager's staff (their own Enrolment requests page)."""
    if not getattr(manager, "is_authenticated", False):
        return EnrolmentRequest.objects.none()
    staff = JobAssignment.objects.filter(manager=manager).values("user_id")
    return EnrolmentRequest.objects.filter(status=RequestStatus.PENDING, user_id__in=staff)


@dataclass
class Decisions:
    """What ``requests_decide`` did: the requests approved or denied, and those it could not decide, with why."""

    decided: list[EnrolmentRequest] = field(default_factory=list)
    refused: list[tuple[EnrolmentRequest, str]] = field(default_factory=list)
    not_found: int = 0


def requests_decide(
    *,
    request_ids: list[int],
    approve: bool,
    actor,
    reason: str = "",
    among: QuerySet[EnrolmentRequest] | None = None,
    now: datetime | None = None,
) -> Decisions:
    """Approve or deny the chosen requests, each in its own transaction, so that one that cannot be
    approved (the group is full, the learner enrolled meanwhile) leaves the others decided.
    ``among`` narrows what may be decided (a page's list); it is always within ``decidable_requests``."""
    now = now or timezone.now()
    allowed = decidable_requests(actor)
    if among is not None:
        allowed = allowed.filter(pk__in=among.values("pk"))
    wanted = sorted({int(i) for i in request_ids})
    ids = list(allowed.filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True))
    outcome = Decisions(not_found=len(wanted) - len(ids))
    for request_id in ids:
        request = None
        try:
            with transaction.atomic():
                request = (
                    EnrolmentRequest.objects.select_for_update(of=("self",))
                    .select_related("group", "user", "certification")
                    .get(pk=request_id)
                )
                if request.status != RequestStatus.PENDING:
                    raise RequestNotPending("This request was decided or cancelled meanwhile.")
                if approve:
                    _admit_requested(request, actor=actor, now=now)
                status = RequestStatus.APPROVED if approve else RequestStatus.DENIED
                _decide(request, status=status, actor=actor, reason=reason, now=now)
            outcome.decided.append(request)
        except EnrolmentError as error:
            outcome.refused.append((request, str(error)))
        except IntegrityError:
            outcome.refused.append((request, "The learner is already enrolled in this certification."))
    return outcome


def _admit_requested(request: EnrolmentRequest, *, actor, now: datetime) -> None:
    """Approval enrols as usual: the learner still sees the certification, holds no self-enrolment in it,
    and a place is free (under the capacity lock); then membership, exception checks, record. The
    enrolment key and dates were checked when the request was made."""
    group = groups.group_share_locked(request.group_id)
    learner, certification = request.user, group.certification
    if not hasattr(group, "assignment"):
        raise NotEnrollable(f"The group '{group.name}' takes no enrolments any more.")
    if not groups.visible_certifications(learner).filter(pk=certification.pk).exists():
        raise NotEnrollable(f"{certification.fullname} is no longer available to this learner.")
    if groups.self_enrolment(certification=certification, learner=learner) is not None:
        raise AlreadyEnrolled("The learner is already enrolled in this certification.")
    groups.admit(group=group, learner=learner, now=now, actor=actor, approved_by=user_or_none(actor))


ACTIONS = {
    RequestStatus.APPROVED: ("enrolment_request_approved", signals.enrolment_request_approved),
    RequestStatus.DENIED: ("enrolment_request_denied", signals.enrolment_request_denied),
    RequestStatus.CANCELLED: ("enrolment_request_cancelled", signals.enrolment_request_cancelled),
}


def _decide(request: EnrolmentRequest, *, status: str, actor, reason: str, now: datetime) -> None:
    """The request's new status, its audit event and its signal, in the caller's transaction."""
    request.status, request.decided_at, request.decided_by = status, now, user_or_none(actor)
    request.reason = reason.strip()
    request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    action, signal = ACTIONS[status]
    membership_audit(
        now=now,
        actor=actor,
        certification_id=request.certification_id,
        action=action,
        group=request.group,
        user_ids=[request.user_id],
        request_id=request.pk,
        reason=request.reason,
    )
    signal.send(sender=EnrolmentRequest, reason=request.reason, **request_event(request, actor=actor))
