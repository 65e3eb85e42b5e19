"""Directory and course events → Celery tasks that recompute exactly the affected learners.

Receivers only decide what to enqueue; the tasks call the engine. The exception are deletions that
the database cascades (``pre_delete``): the routes about to vanish are removed by a service first, so
that they are audited like any other removal. The signals are sent inside
the change's transaction, and the tasks are recorded in the outbox in that same transaction: a
rollback leaves no work behind, a commit hands the work to Celery (decision 0060).
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from certifications.models import Certification
from courses.models import Course
from courses.signals import course_completed
from directory.models import Position, ProfileDateField
from directory.signals import audience_members_changed, first_login, job_assignments_changed, profile_date_changed
from outbox.services import enqueue as _enqueue

from .models import Assignment, DueEvent, DueKind
from .types import AUDIENCE_MEMBERS_CHANGED, JOB_ASSIGNMENTS_CHANGED, TARGET_FIELDS, listening


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
        _recompute(listening(AUDIENCE_MEMBERS_CHANGED, audience_id), user_ids, actor_id=actor_id, actor_label=label)
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
        listening(JOB_ASSIGNMENTS_CHANGED) | _relative(DueEvent.POSITION_ASSIGNED) | _relative(DueEvent.JOB_START),
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


# --- deletions that cascade to assignments or leave their due-date rule without an event -----------


def _origin_model(origin):
    return origin.model if isinstance(origin, QuerySet) else type(origin)


def _deleted_label(origin) -> str:
    """ "Audience 'Sales' deleted", "Users deleted": who acted, in the learners' change log."""
    if isinstance(origin, QuerySet):
        return f"{str(origin.model._meta.verbose_name_plural).capitalize()} deleted"
    name = origin.get_full_name() if hasattr(origin, "get_full_name") else str(origin)
    return f"{str(origin._meta.verbose_name).capitalize()} '{name or origin}' deleted"


def _departing_user_ids(origin) -> list[int]:
    user = get_user_model()
    if isinstance(origin, QuerySet) and origin.model is user:
        return list(origin.values_list("pk", flat=True))
    return [origin.pk] if isinstance(origin, user) else []


@receiver(pre_delete, sender=Assignment, dispatch_uid="assignments.assignment_cascade_delete")
def on_assignment_cascade_delete(sender, instance: Assignment, origin=None, **kwargs) -> None:
    """An assignment deleted with its audience, organisation, position, manager, user or group: its routes
    are removed and audited, and its learners' records follow, before the cascade drops them. Deleting
    the assignment itself (the service did this already) or its certification (everything goes) skips."""
    from .services.rules import assignment_cascade_delete

    if origin is None or _origin_model(origin) in (Assignment, Certification):
        return
    assignment_cascade_delete(
        assignment=instance, actor_label=_deleted_label(origin), departing_user_ids=_departing_user_ids(origin)
    )


# The model whose deletion leaves a rule without its event: (the rule's field, assignments the deletion
# removes anyway — those of the deleted certification, or of the deleted position).
_EVENT_TARGET_FIELDS = {
    Course: ("due_event_course", None),
    Certification: ("due_event_certification", "certification"),
    Position: ("due_event_position", "position"),
    ProfileDateField: ("due_event_profile_field", None),
}


def on_event_target_delete(sender, instance, origin=None, **kwargs) -> None:
    """A course, certification, position or profile field that due-date rules count from is deleted: those
    rules can never give a date again, so their assignments are recomputed once the deletion commits
    (Completion time unknown, for learners already assigned too — DOMAIN §5)."""
    from .services.rules import materialise_later

    field, removed_with = _EVENT_TARGET_FIELDS[sender]
    dependent = Assignment.objects.filter(due_kind=DueKind.RELATIVE, **{field: instance})
    if removed_with:
        dependent = dependent.exclude(**{removed_with: instance})
    label = _deleted_label(instance)
    for assignment in dependent.select_related(*TARGET_FIELDS).order_by("pk"):
        materialise_later(assignment=assignment, description=f"{label}: updating the learners of its due date")


for _model in _EVENT_TARGET_FIELDS:
    pre_delete.connect(
        on_event_target_delete, sender=_model, dispatch_uid=f"assignments.event_target_{_model.__name__}"
    )
