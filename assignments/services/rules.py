"""Assignment rules: add, change the due date of, and remove an assignment.

Each change is one transaction with its audit event, and ends by enqueueing (on commit) the
materialisation of the assignment, which runs in Celery with progress shown on the Assignments
tab. An individual assignment touches one learner and is materialised at once, in the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from certifications.models import Certification
from certifications.services import audit_write
from outbox.services import enqueue

from .. import sql
from ..errors import DuplicateAssignment, InvalidDueDate
from ..models import DUE_EVENT_TARGETS, Assignment, AssignmentException, DueKind, RecomputeJob, UserAssignment
from ..types import REGISTRY, assignment_name
from . import engine

AUDIT_SUBJECT = "assignment"


@dataclass(frozen=True)
class DueRule:
    """An assignment due date as the administrator enters it."""

    kind: str = DueKind.NONE
    fixed_at: dt.datetime | None = None
    amount: int | None = None
    unit: str = ""
    event: str = ""
    target: object | None = None

    def validate(self) -> None:
        if self.kind == DueKind.FIXED and self.fixed_at is None:
            raise InvalidDueDate("Enter the fixed due date.")
        if self.kind == DueKind.RELATIVE:
            if not self.amount or not self.unit or not self.event:
                raise InvalidDueDate("Enter the number, the unit and the event of the relative due date.")
            if self.event in DUE_EVENT_TARGETS and self.target is None:
                raise InvalidDueDate("Choose what the event refers to.")

    def apply_to(self, assignment: Assignment) -> None:
        assignment.due_kind = self.kind
        assignment.due_fixed_at = self.fixed_at if self.kind == DueKind.FIXED else None
        relative = self.kind == DueKind.RELATIVE
        assignment.due_amount = self.amount if relative else None
        assignment.due_unit = self.unit if relative else ""
        assignment.due_event = self.event if relative else ""
        chosen = DUE_EVENT_TARGETS.get(self.event) if relative else None
        for field in {target.field for target in DUE_EVENT_TARGETS.values()}:
            setattr(assignment, field, self.target if chosen is not None and chosen.field == field else None)

    @classmethod
    def of(cls, assignment: Assignment) -> DueRule:
        target = DUE_EVENT_TARGETS.get(assignment.due_event)
        return cls(
            kind=assignment.due_kind,
            fixed_at=assignment.due_fixed_at,
            amount=assignment.due_amount,
            unit=assignment.due_unit,
            event=assignment.due_event,
            target=getattr(assignment, target.field) if target else None,
        )


def _describe(assignment: Assignment) -> dict:
    return {
        "assignment": assignment.pk,
        "type": assignment.type,
        "name": assignment_name(assignment),
        "include_children": assignment.include_children,
        "due_kind": assignment.due_kind,
        "due_fixed_at": assignment.due_fixed_at,
        "due_amount": assignment.due_amount,
        "due_unit": assignment.due_unit,
        "due_event": assignment.due_event,
    }


def _audit(*, assignment: Assignment, action: str, before, after, actor, now) -> None:
    """An assignment change is logged against the administrator who made it (the learners' changes
    are logged per learner by the engine)."""
    if actor is None or not actor.is_authenticated:
        return
    audit_write(
        user_id=actor.pk,
        subject=AUDIT_SUBJECT,
        action=action,
        now=now,
        certification_id=assignment.certification_id,
        before=before,
        after=after,
        actor=actor,
    )


def _actor_id(actor) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def materialise_later(
    *, assignment: Assignment, actor=None, description: str = "", send_messages: bool = True
) -> RecomputeJob:
    """Record (in the outbox, in this transaction) the materialisation of an assignment, with a job the
    Assignments tab follows; without ``send_messages`` the learners it assigns get no enrolment message."""
    from ..tasks import materialise_assignment

    job = RecomputeJob.objects.create(
        certification_id=assignment.certification_id,
        assignment=assignment,
        description=description or f"Updating learners of {assignment_name(assignment)}",
        send_messages=send_messages,
        actor_id=_actor_id(actor),
    )
    enqueue(materialise_assignment, assignment_id=assignment.pk, job_id=job.pk, actor_id=_actor_id(actor))
    return job


def recompute_later(
    *, certification_id: int, actor=None, description: str = "Recomputing every assignment"
) -> RecomputeJob:
    """Record (in the outbox, in this transaction) a recompute of every assignment of a certification,
    with a job the Assignments tab follows."""
    from ..tasks import recompute_certification

    with transaction.atomic():
        job = RecomputeJob.objects.create(
            certification_id=certification_id, description=description, actor_id=_actor_id(actor)
        )
        enqueue(recompute_certification, certification_id=certification_id, job_id=job.pk, actor_id=_actor_id(actor))
    return job


def assignment_create(
    *,
    certification: Certification,
    type: str,
    target,
    include_children: bool = False,
    due: DueRule | None = None,
    actor=None,
    now: dt.datetime | None = None,
    send_messages: bool = True,
) -> Assignment:
    """Add an assignment of ``type`` reaching ``target`` (an audience, organisation, position, manager or user).

    ``send_messages`` (the dialog's **Send enrolment messages**) applies to the background assignment of
    the types that reach many learners; an Individual assignment always sends its one message."""
    now = now or timezone.now()
    kind = REGISTRY[type]
    due = due or DueRule()
    due.validate()
    with transaction.atomic():
        duplicate = Assignment.objects.filter(certification=certification, type=type, **{kind.target_field: target})
        if kind.include_children:
            duplicate = duplicate.filter(include_children=include_children)
        if duplicate.exists():
            raise DuplicateAssignment(f"This certification is already assigned to {kind.label.lower()} '{target}'.")
        assignment = Assignment(
            certification=certification,
            type=type,
            include_children=include_children,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            **{kind.target_field: target},
        )
        due.apply_to(assignment)
        assignment.save()
        _audit(assignment=assignment, action="created", before=None, after=_describe(assignment), actor=actor, now=now)
        if kind.at_once:
            engine.assignment_materialise(assignment_id=assignment.pk, now=now, actor=actor)
        else:
            materialise_later(
                assignment=assignment,
                actor=actor,
                description=f"Assigning {assignment_name(assignment)}",
                send_messages=send_messages,
            )
    return assignment


def assignment_due_update(*, assignment: Assignment, due: DueRule, actor=None, now: dt.datetime | None = None):
    """Change an assignment's due date; its learners' routes follow (a realistic due date set by an
    exception resolution gives way to the new rule)."""
    now = now or timezone.now()
    due.validate()
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        before = _describe(assignment)
        due.apply_to(assignment)
        assignment.save()
        UserAssignment.objects.filter(assignment=assignment, due_override__isnull=False).update(due_override=None)
        _audit(
            assignment=assignment,
            action="due_date_changed",
            before=before,
            after=_describe(assignment),
            actor=actor,
            now=now,
        )
        if REGISTRY[assignment.type].at_once:
            engine.assignment_materialise(assignment_id=assignment.pk, now=now, actor=actor)
        else:
            materialise_later(assignment=assignment, actor=actor, description="Applying the new due date")
    return assignment


def assignment_delete(*, assignment: Assignment, actor=None, now: dt.datetime | None = None) -> int:
    """Remove an assignment: its routes go (audited, set-based) and its learners' records follow.

    Returns how many learners the assignment reached.
    """

    now = now or timezone.now()
    with transaction.atomic():
        affected = _routes_withdraw(assignment=assignment, actor=actor, now=now)
        AssignmentException.objects.filter(assignment=assignment).delete()
        _audit(assignment=assignment, action="deleted", before=_describe(assignment), after=None, actor=actor, now=now)
        assignment.delete()
    return affected


def assignment_cascade_delete(
    *, assignment: Assignment, actor_label: str, departing_user_ids=(), now: dt.datetime | None = None
) -> int:
    """An assignment deleted with what it points at (its audience, organisation, position, manager, user or
    group): its routes are removed as any removal is — audited, the learners' records following — before
    the database cascade would drop them silently. Learners deleted in the same cascade (``departing``)
    take their routes, records and log with them, so nothing is written for them.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if departing_user_ids:
            UserAssignment.objects.filter(assignment=assignment, user_id__in=list(departing_user_ids)).delete()
        return _routes_withdraw(assignment=assignment, actor=None, now=now, actor_label=actor_label)


def _routes_withdraw(*, assignment: Assignment, actor, now: dt.datetime, actor_label: str = "") -> int:
    """Remove every route of an assignment (audited) and settle its learners' records: at once for a few,
    through a recompute job for many. Returns how many learners it reached."""
    sql.certification_lock(assignment.certification_id)
    routes = UserAssignment.objects.filter(assignment=assignment)
    user_ids = tuple(routes.order_by("user_id").values_list("user_id", flat=True)[: SYNC_LIMIT + 1])
    if not user_ids:
        return 0
    affected = len(user_ids) if len(user_ids) <= SYNC_LIMIT else routes.count()
    certification = Certification.objects.get(pk=assignment.certification_id)
    engine.assignment_routes_remove(
        assignment=assignment, certification=certification, now=now, actor=actor, actor_label=actor_label
    )
    if affected <= SYNC_LIMIT:
        engine.records_resync(
            certification=certification, now=now, actor=actor, user_ids=list(user_ids), actor_label=actor_label
        )
    else:
        recompute_later(
            certification_id=certification.pk, actor=actor, description="Removing an assignment from its learners"
        )
    return affected


SYNC_LIMIT = 1000


def due_change_preview(*, assignment: Assignment, due: DueRule, now: dt.datetime | None = None) -> dict[str, int]:
    """Before a due-date change is saved: how many learners it moves, and how many would fall into exception."""
    now = now or timezone.now()
    due.validate()
    proposed = Assignment.objects.get(pk=assignment.pk)
    due.apply_to(proposed)
    certification = Certification.objects.get(pk=assignment.certification_id)
    moves, exceptions = engine.due_change_counts(proposed=proposed, certification=certification, now=now)
    return {"moves": moves, "exceptions": exceptions}
