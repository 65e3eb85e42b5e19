"""Removals by cascade are audited (issue 10 point 7): deleting what routes depend on writes the same
route-removed and record audit rows as any other removal (DOMAIN §8: every change to a learner's
assignment or record is in the log)."""

import pytest

from assignments.models import AssignmentType, UserAssignment
from assignments.services.engine import assignment_materialise
from certifications.models import AuditEvent, CertificationRecord
from directory import services as directory
from tests.factories.assignments import AssignmentFactory, GroupFactory
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import JobAssignmentFactory, OrganisationFactory, PositionFactory, UserFactory
from tests.factories.reporting_data import NOW

from ..assignments.helpers import audience_assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def certification():
    return CertificationFactory(fullname="Fire safety")


def _assigned(assignment, *users):
    assignment_materialise(assignment_id=assignment.pk, now=NOW)
    for user in users:
        assert UserAssignment.objects.filter(assignment=assignment, user=user).exists()
        assert CertificationRecord.objects.filter(user=user, certification=assignment.certification).exists()


def _assert_removal_audited(user, certification, *, actor_label: str, record_kept: bool = False):
    removed = AuditEvent.objects.get(user=user, certification=certification, action="route_removed")
    assert removed.actor_label == actor_label
    assert removed.before["name"]
    record_rows = AuditEvent.objects.filter(user=user, certification=certification, subject="record")
    if record_kept:
        assert CertificationRecord.objects.filter(user=user, certification=certification).exists()
        assert not record_rows.filter(action__in=("deleted", "unassigned")).exists()
    else:
        assert not CertificationRecord.objects.filter(user=user, certification=certification).exists()
        assert record_rows.filter(action="deleted", actor_label=actor_label).exists()


def test_deleting_an_audience_audits_its_routes_and_records(certification):
    lone, twice = UserFactory(), UserFactory()
    assignment = audience_assignment([lone, twice], certification=certification)
    other = audience_assignment([twice], certification=certification)
    _assigned(assignment, lone, twice)
    _assigned(other, twice)
    audience = assignment.audience
    label = f"Audience '{audience.name}' deleted"
    directory.audience_delete(audience=audience)
    _assert_removal_audited(lone, certification, actor_label=label)
    _assert_removal_audited(twice, certification, actor_label=label, record_kept=True)


def test_deleting_an_organisation_audits_its_routes_and_records(certification):
    learner = UserFactory()
    organisation = OrganisationFactory(name="Depot")
    JobAssignmentFactory(user=learner, organisation=organisation)
    assignment = AssignmentFactory(
        certification=certification, type=AssignmentType.ORGANISATION, organisation=organisation
    )
    _assigned(assignment, learner)
    directory.tree_node_delete(node=organisation)
    _assert_removal_audited(learner, certification, actor_label="Organisation 'Depot' deleted")


def test_deleting_a_position_audits_its_routes_and_records(certification):
    learner = UserFactory()
    position = PositionFactory(name="Driver")
    JobAssignmentFactory(user=learner, position=position)
    assignment = AssignmentFactory(certification=certification, type=AssignmentType.POSITION, position=position)
    _assigned(assignment, learner)
    directory.tree_node_delete(node=position)
    _assert_removal_audited(learner, certification, actor_label="Position 'Driver' deleted")


def test_deleting_a_manager_audits_their_teams_routes_and_records(certification):
    learner = UserFactory()
    boss = UserFactory(first_name="Bea", last_name="Boss")
    JobAssignmentFactory(user=learner, manager=boss)
    assignment = AssignmentFactory(certification=certification, type=AssignmentType.MANAGER, manager=boss)
    _assigned(assignment, learner)
    boss.delete()
    _assert_removal_audited(learner, certification, actor_label="User 'Bea Boss' deleted")


def test_deleting_a_learner_leaves_no_log_rows_behind(certification):
    """The individual assignment goes with its user, and so do their record and log: nothing is written."""
    learner = UserFactory()
    assignment = AssignmentFactory(certification=certification, type=AssignmentType.INDIVIDUAL, user=learner)
    _assigned(assignment, learner)
    learner_id = learner.pk
    learner.delete()
    assert not AuditEvent.objects.filter(user_id=learner_id).exists()
    assert not UserAssignment.objects.exists()


def test_deleting_a_group_directly_audits_its_routes(certification):
    from assignments.models import GroupMember

    learner = UserFactory()
    group = GroupFactory(certification=certification, name="Night shift")
    assignment = AssignmentFactory(certification=certification, type=AssignmentType.GROUP, group=group)
    GroupMember.objects.create(group=group, certification=certification, user=learner, joined_at=NOW)
    _assigned(assignment, learner)
    group.delete()
    _assert_removal_audited(learner, certification, actor_label="Group 'Night shift' deleted")


def test_deleting_the_certification_itself_writes_nothing(certification):
    learner = UserFactory()
    _assigned(audience_assignment([learner], certification=certification), learner)
    certification.delete()
    assert not AuditEvent.objects.exists() and not UserAssignment.objects.exists()
