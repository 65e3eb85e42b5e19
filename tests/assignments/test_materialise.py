"""The materialisation engine: routes, learner records, audit, idempotence, incremental recompute."""

import pytest

from assignments.models import RouteState, UserAssignment
from assignments.services.engine import assignment_materialise, certification_recompute, learners_recompute
from certifications.models import AuditEvent, CertificationRecord, CertificationRecordHistory, RecordStatus
from directory.models import AudienceMember
from tests.factories.directory import UserFactory

from .helpers import audience_assignment, writes_during

pytestmark = pytest.mark.django_db


def table_counts():
    return (
        UserAssignment.objects.count(),
        CertificationRecord.objects.count(),
        CertificationRecordHistory.objects.count(),
        AuditEvent.objects.count(),
    )


def test_materialise_creates_a_route_and_a_record_per_member_and_audits_each(now, admin_user):
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now, actor=admin_user)
    routes = UserAssignment.objects.filter(assignment=assignment)
    assert sorted(routes.values_list("user_id", flat=True)) == sorted(u.pk for u in users)
    assert set(routes.values_list("state", "assigned_at")) == {(RouteState.ACTIVE, now)}
    records = CertificationRecord.objects.filter(certification=assignment.certification)
    assert records.count() == 3
    assert set(records.values_list("status", flat=True)) == {RecordStatus.NOT_CERTIFIED}
    audit = AuditEvent.objects.filter(subject="route", action="route_added")
    assert sorted(audit.values_list("user_id", flat=True)) == sorted(u.pk for u in users)
    event = audit.first()
    assert event.actor == admin_user and event.at == now
    assert event.after["name"] == assignment.audience.name and event.after["state"] == RouteState.ACTIVE


def test_running_twice_writes_nothing_the_second_time(now):
    """B2 in small: the second run writes 0 rows (no INSERT/UPDATE/DELETE touches a row)."""
    assignment = audience_assignment(UserFactory.create_batch(5))
    assert assignment_materialise(assignment_id=assignment.pk, now=now) > 0
    before = table_counts()
    written, _ = writes_during(lambda: assignment_materialise(assignment_id=assignment.pk, now=now))
    assert written == 0
    assert table_counts() == before
    assert certification_recompute(certification_id=assignment.certification_id, now=now) == 0


def test_member_who_leaves_loses_the_route_and_is_unassigned_and_restored_on_return(now):
    stays, leaves = UserFactory(), UserFactory()
    assignment = audience_assignment([stays, leaves])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    CertificationRecord.objects.filter(user=leaves).update(status=RecordStatus.IN_PROGRESS)

    AudienceMember.objects.filter(user=leaves).delete()
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert not UserAssignment.objects.filter(user=leaves).exists()
    assert not CertificationRecord.objects.filter(user=leaves).exists()
    history = CertificationRecordHistory.objects.get(user=leaves)
    assert history.unassigned and history.status == RecordStatus.IN_PROGRESS
    assert AuditEvent.objects.filter(user=leaves, action="route_removed").count() == 1
    assert CertificationRecord.objects.filter(user=stays).exists()

    AudienceMember.objects.create(audience=assignment.audience, user=leaves)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert CertificationRecord.objects.get(user=leaves).status == RecordStatus.IN_PROGRESS


def test_a_learner_reached_by_two_routes_keeps_the_record_when_one_goes(now):
    user = UserFactory()
    first = audience_assignment([user])
    second = audience_assignment([user], certification=first.certification)
    certification_recompute(certification_id=first.certification_id, now=now)
    assert UserAssignment.objects.filter(user=user).count() == 2
    AudienceMember.objects.filter(audience=first.audience).delete()
    certification_recompute(certification_id=first.certification_id, now=now)
    assert list(UserAssignment.objects.filter(user=user).values_list("assignment_id", flat=True)) == [second.pk]
    assert CertificationRecord.objects.filter(user=user).exists()


def test_deactivated_user_is_unassigned_by_the_next_recompute(now):
    user = UserFactory()
    assignment = audience_assignment([user])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    user.is_active = False
    user.save()
    certification_recompute(certification_id=assignment.certification_id, now=now)
    assert not CertificationRecord.objects.filter(user=user).exists()


def test_incremental_recompute_touches_only_the_affected_learner(now):
    """B8 in small: one member added; only that learner's rows are written."""
    others = UserFactory.create_batch(4)
    assignment = audience_assignment(others)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    newcomer = UserFactory()
    AudienceMember.objects.create(audience=assignment.audience, user=newcomer)
    audit_before = AuditEvent.objects.count()
    later = now.replace(hour=10)
    written = learners_recompute(certification_id=assignment.certification_id, user_ids=[newcomer.pk], now=later)
    # The route and its audit row, and the record (the certifications service counts records only).
    assert written == 3
    new_audit = AuditEvent.objects.all()[: AuditEvent.objects.count() - audit_before]
    assert {event.user_id for event in new_audit} == {newcomer.pk}
    assert set(CertificationRecord.objects.filter(user__in=others).values_list("assigned_at", flat=True)) == {now}


def test_learners_recompute_ignores_learners_outside_its_list(now):
    user, other = UserFactory(), UserFactory()
    assignment = audience_assignment([user, other])
    learners_recompute(certification_id=assignment.certification_id, user_ids=[user.pk], now=now)
    assert list(UserAssignment.objects.values_list("user_id", flat=True)) == [user.pk]


def test_batches_by_user_id_range_cover_everyone_once(now):
    users = UserFactory.create_batch(6)
    assignment = audience_assignment(users)
    ids = sorted(u.pk for u in users)
    assignment_materialise(assignment_id=assignment.pk, now=now, id_range=(ids[0], ids[3]))
    assert UserAssignment.objects.count() == 3
    assert CertificationRecord.objects.count() == 3
    assignment_materialise(assignment_id=assignment.pk, now=now, id_range=(ids[3], ids[-1] + 1))
    assert UserAssignment.objects.count() == 6
    assert CertificationRecord.objects.count() == 6


def test_routes_for_learner_says_why_and_in_which_state(now):
    from assignments.models import AssignmentType, GroupMember
    from assignments.selectors import routes_for_learner
    from tests.factories.assignments import AssignmentFactory, GroupFactory

    user = UserFactory()
    audience = audience_assignment([user])
    group = GroupFactory(certification=audience.certification, name="Night shift")
    GroupMember.objects.create(
        group=group, certification=group.certification, user=user, joined_at=now, self_enrolled=True
    )
    AssignmentFactory(certification=group.certification, type=AssignmentType.GROUP, audience=None, group=group)
    certification_recompute(certification_id=audience.certification_id, now=now)
    routes = routes_for_learner(user=user, certification=audience.certification)
    assert [(r.type_label, r.reason, r.state) for r in routes] == [
        ("Audience", f"Member of audience '{audience.audience.name}'", RouteState.ACTIVE),
        ("Group", "Self-enrolled in group 'Night shift'", RouteState.ACTIVE),
    ]
