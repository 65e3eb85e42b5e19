"""The per-learner path (decision 0140): a few learners over the assignments of many certifications in
a fixed number of statements, with the same routes, records, exceptions, audit rows and messages as
each certification's steps in turn. Counts are asserted, never times."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assignments.models import (
    AssignmentException,
    AssignmentType,
    DueEvent,
    DueKind,
    ExceptionStatus,
    RouteState,
    UserAssignment,
)
from assignments.services import engine
from assignments.services.engine import assignment_materialise, learners_recompute_many
from certifications.models import (
    AuditEvent,
    CertificationRecord,
    CertificationRecordHistory,
    RecordStatus,
)
from directory.models import AudienceMember
from notifications.models import Delivery
from outbox.models import OutboxMessage
from tests.factories.assignments import AssignmentFactory
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.courses import CourseCompletionFactory, CourseFactory
from tests.factories.directory import UserFactory

from .helpers import audience_assignment, relative_due

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _fixed(at):
    return {"due_kind": DueKind.FIXED, "due_fixed_at": at}


def _world(now):
    """Two learners and six certifications where one recompute does every kind of change."""
    u1, u2 = UserFactory(), UserFactory()
    before = now - dt.timedelta(days=3)
    ids = []
    # C1: both newly reached, due 30 days after the assignment date: routes and fresh records; u1
    # completed one of its two courses already, so their record is in progress at once.
    c1 = audience_assignment([], **relative_due(DueEvent.ASSIGNMENT_DATE, 30))
    held = CourseFactory()
    CourseSetFactory(certification=c1.certification, courses=[held, CourseFactory()])
    CourseCompletionFactory(user=u1, course=held, completed_at=before)
    ids.append(c1.pk)
    # C2: u1 newly reached, with an unassigned record in history: restored.
    c2 = audience_assignment([])
    CertificationRecordHistory.objects.create(
        user=u1, certification=c2.certification, unassigned=True, archived_at=before, status=RecordStatus.IN_PROGRESS
    )
    ids.append(c2.pk)
    # C3: both were reached and are not any more (u1's record started, u2's not); u2 also had a
    # route in exception (time allowance) through a second assignment that no longer reaches them.
    cert3 = CertificationFactory()
    CourseSetFactory(certification=cert3, minimum_time_days=60)
    c3 = audience_assignment([u1, u2], certification=cert3)
    c3b = audience_assignment([u2], certification=cert3, **_fixed(now + dt.timedelta(days=10)))
    # C4: u1 newly reached with a due date closer than the time allowance: an exception, no record.
    cert4 = CertificationFactory()
    CourseSetFactory(certification=cert4, minimum_time_days=60)
    c4 = audience_assignment([], certification=cert4, **_fixed(now + dt.timedelta(days=10)))
    ids.append(c4.pk)
    # C5: u1's fixed due date moves later: the route and the record follow.
    c5 = audience_assignment([u1], **_fixed(now + dt.timedelta(days=100)))
    # C6: u2 through two assignments of one certification: the record takes the latest due date.
    c6 = audience_assignment([], **_fixed(now + dt.timedelta(days=50)))
    c6b = AssignmentFactory(
        certification=c6.certification, type=AssignmentType.INDIVIDUAL, user=u2, **_fixed(now + dt.timedelta(days=80))
    )
    ids += [c3.pk, c3b.pk, c5.pk, c6.pk, c6b.pk]
    for assignment in (c3, c3b, c5):
        assignment_materialise(assignment_id=assignment.pk, now=before)
    CertificationRecord.objects.filter(user=u1, certification=cert3).update(status=RecordStatus.IN_PROGRESS)
    assert AssignmentException.objects.filter(user=u2, status=ExceptionStatus.OPEN).count() == 1
    # The changes the recompute follows.
    AudienceMember.objects.filter(audience_id__in=[c3.audience_id, c3b.audience_id]).delete()
    for assignment, users in ((c1, [u1, u2]), (c2, [u1]), (c4, [u1]), (c6, [u2])):
        for user in users:
            AudienceMember.objects.create(audience_id=assignment.audience_id, user=user)
    c5.due_fixed_at = now + dt.timedelta(days=120)
    c5.save()
    return [u1.pk, u2.pk], ids


def _state(users, marker: int, outbox: int) -> dict:
    routes = UserAssignment.objects.filter(user_id__in=users).values_list(
        "assignment_id", "user_id", "certification_id", "state", "exception_type", "due_date", "assigned_at", "resolved"
    )
    records = CertificationRecord.objects.filter(user_id__in=users).values_list(
        "user_id", "certification_id", "path", "status", "due_date", "assigned_at"
    )
    history = CertificationRecordHistory.objects.filter(user_id__in=users).values_list(
        "user_id", "certification_id", "status", "unassigned"
    )
    exceptions = [
        (*row, route_id is None)
        for *row, route_id in AssignmentException.objects.filter(user_id__in=users).values_list(
            "assignment_id", "user_id", "type", "reason", "status", "raised_at", "resolved_at", "route_id"
        )
    ]
    audit = AuditEvent.objects.filter(pk__gt=marker).values_list(
        "user_id", "certification_id", "subject", "action", "before", "after", "actor_id", "actor_label", "at"
    )
    deliveries = Delivery.objects.filter(user_id__in=users).values_list("message_id", "user_id", "certification_id")
    return {
        "routes": sorted(routes),
        "records": sorted(records),
        "history": sorted(history),
        "exceptions": sorted(exceptions, key=repr),
        "audit": sorted(audit, key=repr),
        "deliveries": sorted(deliveries),
        "outbox": OutboxMessage.objects.filter(pk__gt=outbox).values_list("task", flat=True).distinct().count(),
    }


def _run(users, ids, now, monkeypatch, *, fast: bool) -> tuple[dict, int]:
    marker = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outbox = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(engine, "applies", lambda contexts: False)
        with CaptureQueriesContext(connection) as queries:
            learners_recompute_many(user_ids=users, assignment_ids=ids, now=now, actor_label="Test")
    return _state(users, marker, outbox), len(queries)


def test_the_fast_path_changes_what_each_certification_in_turn_changes(now, monkeypatch):
    users, ids = _world(now)
    point = transaction.savepoint()
    fast, fast_statements = _run(users, ids, now, monkeypatch, fast=True)
    transaction.savepoint_rollback(point)
    slow, slow_statements = _run(users, ids, now, monkeypatch, fast=False)
    assert fast == slow
    # Every kind of change happened (so the comparison compared something).
    actions = {row[3] for row in fast["audit"]}
    assert {"route_added", "route_removed", "exception_raised", "assigned", "restored", "due_date_changed"} <= actions
    assert {"deleted", "unassigned"} <= actions
    assert RecordStatus.IN_PROGRESS in {row[3] for row in fast["records"]}
    assert fast_statements < slow_statements


def _one_member_added(certifications: int) -> int:
    learner = UserFactory()
    audience = audience_assignment([]).audience
    ids = [AssignmentFactory(type=AssignmentType.AUDIENCE, audience=audience).pk for _ in range(certifications)]
    AudienceMember.objects.create(audience=audience, user=learner)
    with CaptureQueriesContext(connection) as queries:
        learners_recompute_many(user_ids=[learner.pk], assignment_ids=ids)
    assert UserAssignment.objects.filter(user=learner, state=RouteState.ACTIVE).count() == certifications
    assert CertificationRecord.objects.filter(user=learner).count() == certifications
    return len(queries)


def test_adding_a_member_takes_the_same_statements_with_1_5_or_50_certifications():
    assert _one_member_added(1) == _one_member_added(5) == _one_member_added(50)
    # One Enrolment delivery task for all the certifications, not one each.
    assert OutboxMessage.objects.filter(task="notifications.deliver").count() == 3
