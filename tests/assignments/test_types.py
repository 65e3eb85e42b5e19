"""Who each assignment type reaches (DOMAIN §3), its name for reports and its reason."""

import pytest

from assignments.models import AssignmentType, GroupMember
from assignments.types import REGISTRY, assignment_name, assignment_reason, reached_user_ids
from tests.factories.assignments import AssignmentFactory, GroupFactory
from tests.factories.directory import (
    AudienceFactory,
    JobAssignmentFactory,
    OrganisationFactory,
    PositionFactory,
    UserFactory,
)

from .helpers import audience_assignment

pytestmark = pytest.mark.django_db


def reached(assignment) -> set[int]:
    return set(reached_user_ids(assignment))


def test_every_assignment_type_has_a_registry_entry():
    assert set(REGISTRY) == set(AssignmentType.values)
    assert {kind.label for kind in REGISTRY.values()} == {
        "Audience",
        "Group",
        "Individual",
        "Manager",
        "Organisation",
        "Position",
    }


def test_audience_reaches_its_active_members_only():
    active, inactive = UserFactory(), UserFactory(is_active=False)
    assignment = audience_assignment([active, inactive])
    assert reached(assignment) == {active.pk}
    assert assignment_name(assignment) == assignment.audience.name
    assert assignment_reason(assignment) == f"Member of audience '{assignment.audience.name}'"


def test_deleted_user_is_no_longer_reached():
    gone, stays = UserFactory(), UserFactory()
    assignment = audience_assignment([gone, stays])
    gone.delete()
    assert reached(assignment) == {stays.pk}


@pytest.mark.parametrize("model_factory,field", [(OrganisationFactory, "organisation"), (PositionFactory, "position")])
def test_tree_types_reach_the_node_and_with_children_its_subtree(model_factory, field):
    top = model_factory(name="Top")
    child = model_factory(parent=top)
    grandchild = model_factory(parent=child)
    elsewhere = model_factory()
    at_top, at_child, at_grandchild, outside = UserFactory.create_batch(4)
    JobAssignmentFactory(user=at_top, **{field: top})
    JobAssignmentFactory(user=at_child, **{field: child})
    JobAssignmentFactory(user=at_grandchild, **{field: grandchild})
    JobAssignmentFactory(user=outside, **{field: elsewhere})
    # A second job assignment in the subtree reaches the user once.
    JobAssignmentFactory(user=at_child, **{field: grandchild})

    type_ = AssignmentType.ORGANISATION if field == "organisation" else AssignmentType.POSITION
    only = AssignmentFactory(type=type_, audience=None, **{field: top})
    with_children = AssignmentFactory(type=type_, audience=None, include_children=True, **{field: top})

    assert reached(only) == {at_top.pk}
    assert sorted(reached_user_ids(with_children)) == sorted([at_top.pk, at_child.pk, at_grandchild.pk])
    expected_reason = "Member of organisation 'Top'" if field == "organisation" else "Holds position 'Top'"
    assert assignment_reason(only) == expected_reason


def test_manager_direct_reports_or_everyone_below():
    boss = UserFactory(first_name="Bea", last_name="Boss")
    middle, bottom, other = UserFactory.create_batch(3)
    JobAssignmentFactory(user=middle, manager=boss)
    JobAssignmentFactory(user=bottom, manager=middle)
    JobAssignmentFactory(user=other)
    direct = AssignmentFactory(type=AssignmentType.MANAGER, audience=None, manager=boss)
    everyone = AssignmentFactory(type=AssignmentType.MANAGER, audience=None, manager=boss, include_children=True)
    assert reached(direct) == {middle.pk}
    assert reached(everyone) == {middle.pk, bottom.pk}
    assert assignment_name(direct) == "Bea Boss"
    assert assignment_reason(direct) == "Reports to 'Bea Boss'"


def test_manager_all_levels_survives_a_reporting_cycle():
    a, b = UserFactory(), UserFactory()
    JobAssignmentFactory(user=b, manager=a)
    JobAssignmentFactory(user=a, manager=b)
    assignment = AssignmentFactory(type=AssignmentType.MANAGER, audience=None, manager=a, include_children=True)
    assert reached(assignment) == {b.pk}


def test_individual_reaches_the_user_unless_inactive():
    user = UserFactory(first_name="Ida", last_name="Vidual")
    assignment = AssignmentFactory(type=AssignmentType.INDIVIDUAL, audience=None, user=user)
    assert reached(assignment) == {user.pk}
    assert assignment_name(assignment) == "Ida Vidual"
    assert assignment_reason(assignment) == "Assigned as an individual"
    user.is_active = False
    user.save()
    assert reached(assignment) == set()


def test_group_reaches_its_members():
    group = GroupFactory(name="Night shift")
    assignment = AssignmentFactory(
        certification=group.certification, type=AssignmentType.GROUP, audience=None, group=group
    )
    member, _ = UserFactory(), UserFactory()
    GroupMember.objects.create(
        group=group, certification=group.certification, user=member, joined_at="2027-01-01T00:00Z"
    )
    assert reached(assignment) == {member.pk}
    assert assignment_name(assignment) == "Night shift"
    assert assignment_reason(assignment) == "Member of group 'Night shift'"


def test_audience_name_for_reports():
    assignment = AssignmentFactory(audience=AudienceFactory(name="Safety team"))
    assert assignment_reason(assignment) == "Member of audience 'Safety team'"


def _membership_assignments(users) -> list:
    """One assignment of each type whose membership rows carry the learner (decision 0148)."""
    group = GroupFactory()
    organisation, position = OrganisationFactory(), PositionFactory()
    for user in users:
        GroupMember.objects.create(
            group=group, certification=group.certification, user=user, joined_at="2027-01-01T00:00Z"
        )
        JobAssignmentFactory(user=user, organisation=organisation, position=position)
    return [
        audience_assignment(users),
        AssignmentFactory(certification=group.certification, type=AssignmentType.GROUP, audience=None, group=group),
        AssignmentFactory(type=AssignmentType.ORGANISATION, audience=None, organisation=organisation),
        AssignmentFactory(type=AssignmentType.POSITION, audience=None, position=position),
    ]


def test_within_narrows_the_membership_rows_themselves():
    """A batch's range reaches only its learners, and it is a condition on the membership table (a range
    on the users alone leaves PostgreSQL one index probe per user into the members)."""
    from django.db.models import Q

    users = sorted(UserFactory.create_batch(4), key=lambda u: u.pk)
    within = Q(user_id__gte=users[1].pk, user_id__lt=users[3].pk)
    for assignment in _membership_assignments(users):
        assert set(reached_user_ids(assignment, within=within)) == {users[1].pk, users[2].pk}, assignment.type
        assert reached(assignment) == {u.pk for u in users}, assignment.type
        members_sql = str(reached_user_ids(assignment, within=within).query).split(" IN (", 1)[1]
        assert '"user_id" >= ' in members_sql and '"user_id" < ' in members_sql, assignment.type
