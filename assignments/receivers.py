"""Directory and course events → Celery tasks that recompute exactly the affected learners.

Receivers only decide what to enqueue; the tasks call the engine. The signals are sent inside
the change's transaction, and the tasks are recorded in the outbox in that same transaction: a
rollback leaves no work behind, a commit hands the work to Celery (decision 0060).
"""

from django.db.models import Q
from django.dispatch import receiver

from courses.signals import course_completed
from directory.signals import audience_members_changed, first_login, job_assignments_changed, profile_date_changed
from outbox.services import enqueue as _enqueue

from .models import Assignment, AssignmentType, DueEvent, DueKind


def _relative(event: str, **target) -> Q:
    return Q(due_kind=DueKind.RELATIVE, due_event=event, **target)


def _recompute(assignments: Q, user_ids: list[int], *, actor_id: int | None, actor_label: str) -> None:
    """Enqueue one recompute of exactly these learners for every affected assignment, whatever the
    number of certifications (the engine loads them together and runs them all in one transaction,
    decision 0071)."""
    from .tasks import recompute_learners_many

    assignment_ids = sorted(Assignment.objects.filter(assignments).order_by().values_list("id", flat=True))
    if assignment_ids:
        _enqueue(
            recompute_learners_many,
            user_ids=sorted(set(user_ids)),
            assignment_ids=assignment_ids,
            actor_id=actor_id,
            actor_label=actor_label,
        )


@receiver(audience_members_changed, dispatch_uid="assignments.audience_members_changed")
def on_audience_members_changed(
    sender, audience_id: int, user_ids: list[int], actor_id: int | None = None, **kwargs
) -> None:
    """Routes of the audience's assignments; when the audience itself was deleted (its assignments went
    with it), every certification its former members hold a record of."""
    from directory.models import Audience

    name = Audience.objects.filter(pk=audience_id).values_list("name", flat=True).first()
    if name is not None:
        label = f"Audience '{name}' membership changed"
        _recompute(
            Q(type=AssignmentType.AUDIENCE, audience_id=audience_id), user_ids, actor_id=actor_id, actor_label=label
        )
        return
    from certifications.models import CertificationRecord

    from .tasks import recompute_learners

    held = CertificationRecord.objects.filter(user_id__in=user_ids).values_list("certification_id", flat=True)
    for certification_id in sorted(set(held)):
        _enqueue(
            recompute_learners,
            certification_id=certification_id,
            user_ids=sorted(set(user_ids)),
            actor_id=actor_id,
            actor_label="Audience deleted",
        )


@receiver(job_assignments_changed, dispatch_uid="assignments.job_assignments_changed")
def on_job_assignments_changed(sender, user_ids: list[int], actor_id: int | None = None, **kwargs) -> None:
    """Organisation, position and manager routes, and position-relative due dates, of these users and
    (for "all reports" manager routes) of everyone below them."""
    from .types import staff_below

    affected = sorted(set(user_ids) | set(staff_below(user_ids)))
    _recompute(
        Q(type__in=[AssignmentType.ORGANISATION, AssignmentType.POSITION, AssignmentType.MANAGER])
        | _relative(DueEvent.POSITION_ASSIGNED)
        | _relative(DueEvent.JOB_START),
        affected,
        actor_id=actor_id,
        actor_label="Job assignment changed",
    )


@receiver(first_login, dispatch_uid="assignments.first_login")
def on_first_login(sender, user_id: int, actor_id: int | None = None, **kwargs) -> None:
    _recompute(_relative(DueEvent.FIRST_LOGIN), [user_id], actor_id=actor_id, actor_label="First login")


@receiver(profile_date_changed, dispatch_uid="assignments.profile_date_changed")
def on_profile_date_changed(sender, user_id: int, field_id: int, actor_id: int | None = None, **kwargs) -> None:
    _recompute(
        _relative(DueEvent.PROFILE_DATE, due_event_profile_field_id=field_id),
        [user_id],
        actor_id=actor_id,
        actor_label="Profile date changed",
    )


@receiver(course_completed, dispatch_uid="assignments.course_completed")
def on_course_completed(sender, user_id: int, course_id: int, actor_id: int | None = None, **kwargs) -> None:
    """Course-relative due dates, and certification-relative ones (a course completion may complete one)."""
    _recompute(
        _relative(DueEvent.COURSE_COMPLETION, due_event_course_id=course_id)
        | _relative(DueEvent.CERTIFICATION_COMPLETION, due_event_certification__course_sets__courses=course_id),
        [user_id],
        actor_id=actor_id,
        actor_label="Course completed",
    )
