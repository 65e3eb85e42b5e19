"""Changes to the directory. Each sends its signal once, inside its transaction, with ids only (see ``signals``).

``actor_id`` is the person who made the change (the learner themself for a first login); it goes
with the signal so the audit rows of the work it causes carry them."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from . import signals
from .errors import TreeMoveError
from .models import (
    Audience,
    AudienceMember,
    JobAssignment,
    LearnerProfile,
    Organisation,
    Position,
    ProfileDateField,
    ProfileDateValue,
)

TreeNodeT = Organisation | Position

# The fields of a job assignment whose change matters to assignments and due dates.
JOB_ASSIGNMENT_FIELDS = (
    "user_id",
    "position_id",
    "organisation_id",
    "manager_id",
    "start_date",
    "position_assigned_date",
)


def _send(signal, *, sender, **kwargs) -> None:
    """Send inside the change's transaction: receivers record their work in the outbox, which rolls back with it."""
    signal.send(sender=sender, **kwargs)


def user_record_first_login(*, user_id: int, at: datetime | None = None) -> bool:
    """Record the first login of a user, once. Returns True when this was the first."""
    at = at or timezone.now()
    with transaction.atomic():
        LearnerProfile.objects.get_or_create(user_id=user_id)
        updated = LearnerProfile.objects.filter(user_id=user_id, first_login_at__isnull=True).update(first_login_at=at)
        if updated:
            _send(signals.first_login, sender=LearnerProfile, user_id=user_id, actor_id=user_id)
    return bool(updated)


# --- Organisation and position trees -------------------------------------------------------------


def _tree_user_ids(node: TreeNodeT, path: str) -> list[int]:
    """Users with a job assignment anywhere in the subtree whose root path is ``path``."""
    tree_field = type(node)._meta.model_name  # "organisation" or "position"
    return sorted(
        set(JobAssignment.objects.filter(**{f"{tree_field}__path__startswith": path}).values_list("user_id", flat=True))
    )


def tree_node_save(*, node: TreeNodeT, actor_id: int | None = None) -> TreeNodeT:
    """Save an organisation or position, keeping its materialised path and its subtree's right.

    Moving a node rewrites the paths of everything below it in one UPDATE, and tells the
    engine that the job assignments of everyone in the moved subtree changed.
    """
    model = type(node)
    with transaction.atomic():
        old_path = None
        if node.pk:
            old_path = model.objects.select_for_update().filter(pk=node.pk).values_list("path", flat=True).first()
        if node.parent_id:
            parent = model.objects.select_for_update().get(pk=node.parent_id)
            if old_path and parent.path.startswith(old_path):
                raise TreeMoveError("A node cannot be moved below itself or below a node beneath it.")
            prefix, depth = parent.path, parent.depth + 1
        else:
            prefix, depth = "/", 1
        if not node.pk:
            node.path, node.depth = "", depth
            node.save()
        new_path = f"{prefix}{node.pk}/"
        node.path, node.depth = new_path, depth
        node.save()
        if old_path and old_path != new_path:
            old_depth = old_path.count("/") - 1
            model.objects.filter(path__startswith=old_path).exclude(pk=node.pk).update(
                path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
                depth=F("depth") + (depth - old_depth),
            )
            user_ids = _tree_user_ids(node, new_path)
            if user_ids:
                _send(signals.job_assignments_changed, sender=JobAssignment, user_ids=user_ids, actor_id=actor_id)
    return node


def tree_node_delete(*, node: TreeNodeT, actor_id: int | None = None) -> None:
    """Delete a leaf organisation or position; job assignments that named it lose it (signalled).

    A node with children cannot be deleted (``ProtectedError``): move or delete the children first.
    """
    with transaction.atomic():
        user_ids = _tree_user_ids(node, node.path)
        node.delete()
        if user_ids:
            _send(signals.job_assignments_changed, sender=JobAssignment, user_ids=user_ids, actor_id=actor_id)


# --- Job assignments ------------------------------------------------------------------------------


def job_assignments_save(
    *,
    job_assignments: Iterable[JobAssignment] = (),
    deleted: Iterable[JobAssignment] = (),
    actor_id: int | None = None,
) -> list[int]:
    """Create, change and delete job assignments together; one signal names every user affected.

    An unchanged job assignment is not written and names nobody. Returns the user ids signalled.
    """
    job_assignments, deleted = list(job_assignments), list(deleted)
    user_ids: set[int] = set()
    with transaction.atomic():
        existing_ids = [ja.pk for ja in job_assignments if ja.pk]
        before = {
            row["id"]: row
            for row in JobAssignment.objects.select_for_update()
            .filter(pk__in=existing_ids)
            .values("id", *JOB_ASSIGNMENT_FIELDS)
        }
        for ja in job_assignments:
            if ja.manager_id is not None and ja.manager_id == ja.user_id:
                raise ValidationError({"manager": "A user cannot be their own manager."})
            ja.save()
            old = before.get(ja.pk)
            if old is None or any(old[name] != getattr(ja, name) for name in JOB_ASSIGNMENT_FIELDS):
                user_ids.add(ja.user_id)
                if old is not None:
                    user_ids.add(old["user_id"])
        for ja in deleted:
            if ja.pk is None:
                continue
            user_ids.add(ja.user_id)
            ja.delete()
        if user_ids:
            _send(signals.job_assignments_changed, sender=JobAssignment, user_ids=sorted(user_ids), actor_id=actor_id)
    return sorted(user_ids)


def job_assignment_save(*, job_assignment: JobAssignment, actor_id: int | None = None) -> JobAssignment:
    """Create or change one job assignment (signalled when a field that matters changed)."""
    job_assignments_save(job_assignments=[job_assignment], actor_id=actor_id)
    return job_assignment


def job_assignment_delete(*, job_assignment: JobAssignment, actor_id: int | None = None) -> None:
    job_assignments_save(deleted=[job_assignment], actor_id=actor_id)


# --- Audiences ------------------------------------------------------------------------------------


def audience_members_change(
    *,
    audience_id: int,
    add_user_ids: Iterable[int] = (),
    remove_user_ids: Iterable[int] = (),
    actor_id: int | None = None,
) -> tuple[list[int], list[int]]:
    """Add and remove members of one audience; one signal names everyone who joined or left.

    Adding a member twice or removing a non-member changes nothing and names nobody.
    Returns (added user ids, removed user ids).
    """
    add, remove = set(add_user_ids), set(remove_user_ids)
    both = add & remove
    add, remove = add - both, remove - both
    with transaction.atomic():
        current = set(
            AudienceMember.objects.filter(audience_id=audience_id, user_id__in=add | remove).values_list(
                "user_id", flat=True
            )
        )
        added = sorted(add - current)
        removed = sorted(remove & current)
        if added:
            AudienceMember.objects.bulk_create(
                [AudienceMember(audience_id=audience_id, user_id=user_id) for user_id in added],
                ignore_conflicts=True,
            )
        if removed:
            AudienceMember.objects.filter(audience_id=audience_id, user_id__in=removed).delete()
        if added or removed:
            _send(
                signals.audience_members_changed,
                sender=AudienceMember,
                audience_id=audience_id,
                user_ids=sorted(added + removed),
                actor_id=actor_id,
            )
    return added, removed


def audience_members_add(*, audience_id: int, user_ids: Iterable[int], actor_id: int | None = None) -> list[int]:
    """Add users to an audience; returns the ids that were not members before."""
    return audience_members_change(audience_id=audience_id, add_user_ids=user_ids, actor_id=actor_id)[0]


def audience_members_remove(*, audience_id: int, user_ids: Iterable[int], actor_id: int | None = None) -> list[int]:
    """Remove users from an audience; returns the ids that were members."""
    return audience_members_change(audience_id=audience_id, remove_user_ids=user_ids, actor_id=actor_id)[1]


def audience_memberships_delete(*, memberships: Iterable[AudienceMember], actor_id: int | None = None) -> None:
    """Remove the given memberships (of any audiences): one signal per audience."""
    by_audience: dict[int, set[int]] = {}
    for membership in memberships:
        by_audience.setdefault(membership.audience_id, set()).add(membership.user_id)
    with transaction.atomic():
        for audience_id, user_ids in sorted(by_audience.items()):
            audience_members_remove(audience_id=audience_id, user_ids=user_ids, actor_id=actor_id)


def audience_delete(*, audience: Audience, actor_id: int | None = None) -> None:
    """Delete an audience; its former members are signalled as having left it."""
    with transaction.atomic():
        audience_id = audience.pk
        user_ids = sorted(AudienceMember.objects.filter(audience_id=audience_id).values_list("user_id", flat=True))
        audience.delete()
        if user_ids:
            _send(
                signals.audience_members_changed,
                sender=AudienceMember,
                audience_id=audience_id,
                user_ids=user_ids,
                actor_id=actor_id,
            )


# --- Profile dates --------------------------------------------------------------------------------


def _profile_date_send(*, user_id: int, field_id: int, actor_id: int | None) -> None:
    _send(signals.profile_date_changed, sender=ProfileDateValue, user_id=user_id, field_id=field_id, actor_id=actor_id)


def profile_date_set(*, user_id: int, field_id: int, value: date | None, actor_id: int | None = None) -> bool:
    """Set a user's value of a profile date field (``None`` stores an invalid/unknown value).

    Returns True (and signals) when the stored value was created or changed.
    """
    with transaction.atomic():
        row = ProfileDateValue.objects.select_for_update().filter(user_id=user_id, field_id=field_id).first()
        if row is not None and row.value == value:
            return False
        if row is None:
            ProfileDateValue.objects.create(user_id=user_id, field_id=field_id, value=value)
        else:
            row.value = value
            row.save(update_fields=["value"])
        _profile_date_send(user_id=user_id, field_id=field_id, actor_id=actor_id)
    return True


def profile_date_remove(*, user_id: int, field_id: int, actor_id: int | None = None) -> bool:
    """Remove a user's value of a profile date field. Returns True (and signals) when there was one."""
    with transaction.atomic():
        deleted, _ = ProfileDateValue.objects.filter(user_id=user_id, field_id=field_id).delete()
        if deleted:
            _profile_date_send(user_id=user_id, field_id=field_id, actor_id=actor_id)
    return bool(deleted)


def profile_date_field_delete(*, field: ProfileDateField, actor_id: int | None = None) -> None:
    """Delete a profile date field and its values; each user who had a value is signalled."""
    with transaction.atomic():
        field_id = field.pk
        user_ids = sorted(ProfileDateValue.objects.filter(field_id=field_id).values_list("user_id", flat=True))
        field.delete()
        for user_id in user_ids:
            _profile_date_send(user_id=user_id, field_id=field_id, actor_id=actor_id)


def profile_dates_remove(*, values: Iterable[ProfileDateValue], actor_id: int | None = None) -> None:
    with transaction.atomic():
        for value in values:
            profile_date_remove(user_id=value.user_id, field_id=value.field_id, actor_id=actor_id)
