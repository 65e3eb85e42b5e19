"""The registry of assignment types: each type described once.

An ``AssignmentKind`` says who the type reaches, its name for reports and its reason, the
Assignment field (and so the model) of its target, whether "include children" applies, what
its Add… picker offers, which directory events change whom it reaches, and whether it is
materialised at once in the request. Adding a type means adding one entry to ``REGISTRY``:
the engine, the rules, the selectors, the Assignments tab and the receivers only ever ask the
registry. ``reached_user_ids`` returns one query (a QuerySet of user ids, active users only,
no duplicates) that the engine embeds in its set-based SQL; ``within`` narrows the membership rows
themselves to the learners a run looks at (a batch's id range), which PostgreSQL cannot infer from a
range on the users (decision 0148).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse

from directory.models import Audience, AudienceMember, JobAssignment, Organisation, Position
from directory.selectors import staff_user_ids

from .models import Assignment, AssignmentType, GroupMember


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _active_users(**filters) -> QuerySet:
    return get_user_model().objects.filter(is_active=True, **filters).values_list("id", flat=True)


def _members(members: QuerySet, within: Q) -> QuerySet:
    """Active users among the ``user_id`` of membership rows, those rows narrowed by ``within``."""
    return _active_users(id__in=members.filter(within).values("user_id"))


def _tree_user_ids(assignment: Assignment, field: str, model, within: Q) -> QuerySet:
    node_id = getattr(assignment, f"{field}_id")
    if assignment.include_children:
        node = model.objects.get(pk=node_id)
        jobs = JobAssignment.objects.filter(**{f"{field}__path__startswith": node.path})
    else:
        jobs = JobAssignment.objects.filter(**{f"{field}_id": node_id})
    return _members(jobs, within)


# Directory events a type may listen to (the signals of directory.signals that change whom it reaches).
AUDIENCE_MEMBERS_CHANGED = "audience_members_changed"
JOB_ASSIGNMENTS_CHANGED = "job_assignments_changed"


def _users(search: str) -> QuerySet:
    words = Q(username__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(words | Q(email__icontains=search))
        .order_by("last_name", "first_name", "id")
    )


def _managers(search: str) -> QuerySet:
    return _users(search).filter(pk__in=JobAssignment.objects.filter(manager__isnull=False).values("manager_id"))


def _named(model) -> Callable[[str], QuerySet]:
    return lambda search: model.objects.filter(Q(name__icontains=search) | Q(idnumber__icontains=search))


@dataclass(frozen=True)
class AssignmentKind:
    type: str
    label: str
    target_field: str
    reached: Callable[[Assignment, Q], QuerySet]  # (assignment, within: membership rows' user_id)
    name: Callable[[Assignment], str]
    reason: Callable[[Assignment], str]
    # What the Add… picker offers for a search text; None: the type is added on pages of its own (``add_view``).
    picker: Callable[[str], QuerySet] | None = None
    add_view: str = "assignments:add"
    include_children: bool = False
    listens_to: frozenset[str] = frozenset()
    at_once: bool = False  # one learner: materialised in the request, not in the background

    def reached_user_ids(self, assignment: Assignment, within: Q) -> QuerySet:
        return self.reached(assignment, within)

    @property
    def target_model(self):
        return Assignment._meta.get_field(self.target_field).related_model

    def targets(self, ids: list[int]) -> list:
        """The chosen targets that exist (users only while active)."""
        targets = self.target_model.objects.filter(pk__in=ids)
        if self.target_model is get_user_model():
            targets = targets.filter(is_active=True)
        return list(targets)

    def add_url(self, certification_id: int) -> str:
        if self.picker is None:
            return reverse(self.add_view, args=[certification_id])
        return reverse(self.add_view, args=[certification_id, self.type])


def _group_reason(assignment: Assignment) -> str:
    return f"Member of group '{assignment.group.name}'"


REGISTRY: dict[str, AssignmentKind] = {
    kind.type: kind
    for kind in [
        AssignmentKind(
            type=AssignmentType.AUDIENCE,
            label="Audience",
            target_field="audience",
            reached=lambda a, within: _members(AudienceMember.objects.filter(audience_id=a.audience_id), within),
            name=lambda a: a.audience.name,
            reason=lambda a: f"Member of audience '{a.audience.name}'",
            picker=lambda search: Audience.objects.filter(name__icontains=search),
            listens_to=frozenset({AUDIENCE_MEMBERS_CHANGED}),
        ),
        AssignmentKind(
            type=AssignmentType.GROUP,
            label="Group",
            target_field="group",
            reached=lambda a, within: _members(GroupMember.objects.filter(group_id=a.group_id), within),
            name=lambda a: a.group.name,
            reason=_group_reason,
            add_view="assignments:group_create",
        ),
        AssignmentKind(
            type=AssignmentType.INDIVIDUAL,
            label="Individual",
            target_field="user",
            reached=lambda a, within: _active_users(id=a.user_id),
            name=lambda a: _user_name(a.user),
            reason=lambda a: "Assigned as an individual",
            picker=_users,
            at_once=True,
        ),
        AssignmentKind(
            type=AssignmentType.MANAGER,
            label="Manager",
            target_field="manager",
            reached=lambda a, within: _active_users(id__in=staff_user_ids(a.manager_id, all_levels=a.include_children)),
            name=lambda a: _user_name(a.manager),
            reason=lambda a: f"Reports to '{_user_name(a.manager)}'",
            picker=_managers,
            include_children=True,
            listens_to=frozenset({JOB_ASSIGNMENTS_CHANGED}),
        ),
        AssignmentKind(
            type=AssignmentType.ORGANISATION,
            label="Organisation",
            target_field="organisation",
            reached=lambda a, within: _tree_user_ids(a, "organisation", Organisation, within),
            name=lambda a: a.organisation.name,
            reason=lambda a: f"Member of organisation '{a.organisation.name}'",
            picker=_named(Organisation),
            include_children=True,
            listens_to=frozenset({JOB_ASSIGNMENTS_CHANGED}),
        ),
        AssignmentKind(
            type=AssignmentType.POSITION,
            label="Position",
            target_field="position",
            reached=lambda a, within: _tree_user_ids(a, "position", Position, within),
            name=lambda a: a.position.name,
            reason=lambda a: f"Holds position '{a.position.name}'",
            picker=_named(Position),
            include_children=True,
            listens_to=frozenset({JOB_ASSIGNMENTS_CHANGED}),
        ),
    ]
}


# Every type's target field, for select_related of assignments and of routes.
TARGET_FIELDS = tuple(kind.target_field for kind in REGISTRY.values())


def listening(event: str, target_id: int | None = None) -> Q:
    """The assignments whose reach a directory event changes (of that one target when given)."""
    found = Q(pk__in=[])
    for kind in REGISTRY.values():
        if event in kind.listens_to:
            of_target = {f"{kind.target_field}_id": target_id} if target_id is not None else {}
            found |= Q(type=kind.type, **of_target)
    return found


def kind_of(assignment: Assignment) -> AssignmentKind:
    return REGISTRY[assignment.type]


def reached_user_ids(assignment: Assignment, within: Q | None = None) -> QuerySet:
    """Who an assignment reaches now: active users, one query (``within``: see the module's docstring)."""
    return kind_of(assignment).reached_user_ids(assignment, within or Q())


def assignment_name(assignment: Assignment) -> str:
    """The assignment's name for reports: the audience's, organisation's, … or group's name."""
    return kind_of(assignment).name(assignment)


def assignment_reason(assignment: Assignment) -> str:
    """Why the learner is assigned, in the learner's words."""
    return kind_of(assignment).reason(assignment)


def staff_below(user_ids: list[int]) -> list[int]:
    """Everyone who reports, at any level, to one of these users (one recursive query)."""
    if not user_ids:
        return []
    table = JobAssignment._meta.db_table
    marks = ", ".join(["%s"] * len(user_ids))
    sql = (
        f"WITH RECURSIVE staff(uid) AS ("
        f"SELECT user_id FROM {table} WHERE manager_id IN ({marks}) "
        f"UNION SELECT ja.user_id FROM {table} ja JOIN staff s ON ja.manager_id = s.uid"
        f") SELECT uid FROM staff"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, list(user_ids))
        return [row[0] for row in cursor.fetchall()]
