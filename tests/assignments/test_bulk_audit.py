"""The bulk audit form (decision 0073): a large set-based change writes one event per distinct (before,
after) naming many learners, and every learner's change log still shows their change (DOMAIN §8)."""

import datetime as dt

import pytest
from django.db.models import Count
from django.urls import reverse

from assignments.models import DueEvent
from assignments.services.engine import assignment_materialise, certification_recompute
from certifications.models import AuditEvent, AuditLearner, CertificationRecord
from directory.models import LearnerProfile
from notifications.models import Delivery
from tests.factories.directory import UserFactory

from .helpers import audience_assignment, relative_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def bulk_from_two(settings):
    settings.AUDIT_BULK_MIN = 2


def change_log(client, admin_user, certification, user) -> str:
    client.force_login(admin_user)
    return client.get(reverse("certifications:record_edit", args=[certification.pk, user.pk])).content.decode()


def test_a_bulk_assignment_writes_one_event_per_change_and_each_learner_finds_theirs(client, admin_user, now):
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now, actor=admin_user)
    cert = assignment.certification
    events = AuditEvent.objects.filter(certification=cert)
    # One route event and one record event for the three learners, naming no single learner.
    assert sorted(events.values_list("subject", "action")) == [("record", "assigned"), ("route", "route_added")]
    assert set(events.values_list("user_id", flat=True)) == {None}
    assert AuditLearner.objects.count() == 6
    for user in users:
        mine = AuditEvent.objects.filter(certification=cert).for_learner(user.pk)
        assert sorted(mine.values_list("action", flat=True)) == ["assigned", "route_added"]
        route_added = mine.get(action="route_added")
        assert route_added.actor == admin_user and route_added.at == now
        assert route_added.after["name"] == assignment.audience.name
        html = change_log(client, admin_user, cert, user)
        assert "Assignment route: added" in html and "Record: assigned" in html
        assert assignment.audience.name in html


def test_a_learner_outside_the_change_does_not_see_it(admin_user, now):
    assignment = audience_assignment(UserFactory.create_batch(2))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    outsider = UserFactory()
    assert not AuditEvent.objects.for_learner(outsider.pk).exists()


def test_fewer_learners_than_the_minimum_get_an_event_each(now, settings):
    settings.AUDIT_BULK_MIN = 4
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    added = AuditEvent.objects.filter(action="route_added")
    assert sorted(added.values_list("user_id", flat=True)) == sorted(u.pk for u in users)
    assert not AuditLearner.objects.exists()


def test_bulk_due_date_changes_keep_each_learners_before_and_after(client, admin_user, now):
    """Learners whose due dates differ get one event per distinct (before, after): each learner's log
    shows their own dates; two who share theirs share one event."""
    users = UserFactory.create_batch(4)
    first_logins = [now - dt.timedelta(days=10 * n) for n in (0, 1, 1, 2)]
    for user, at in zip(users, first_logins, strict=True):
        LearnerProfile.objects.update_or_create(user=user, defaults={"first_login_at": at})
    assignment = audience_assignment(users, **relative_due(DueEvent.FIRST_LOGIN, 30))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    cert = assignment.certification
    for user, at in zip(users, first_logins, strict=True):
        LearnerProfile.objects.filter(user=user).update(first_login_at=at + dt.timedelta(days=1))
    certification_recompute(certification_id=cert.pk, now=now)

    changed = AuditEvent.objects.filter(certification=cert, action="due_date_changed")
    assert changed.count() == 3 and set(changed.values_list("user_id", flat=True)) == {None}
    assert sorted(changed.annotate(n=Count("learners")).values_list("n", flat=True)) == [1, 1, 2]
    for user, at in zip(users, first_logins, strict=True):
        event = AuditEvent.objects.filter(certification=cert, action="due_date_changed").for_learner(user.pk).get()
        record = CertificationRecord.objects.get(user=user, certification=cert)
        assert record.due_date == at + dt.timedelta(days=31)
        assert dt.datetime.fromisoformat(event.after["due_date"]) == record.due_date
        assert dt.datetime.fromisoformat(event.before["due_date"]) == at + dt.timedelta(days=30)
        assert "Record: due date changed" in change_log(client, admin_user, cert, user)


def test_enrolment_messages_reach_every_learner_a_bulk_event_names(now):
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    delivered = Delivery.objects.filter(certification=assignment.certification)
    assert sorted(delivered.values_list("user_id", flat=True)) == sorted(u.pk for u in users)


def test_deleting_a_learner_removes_them_from_bulk_events_and_deleting_the_certification_removes_the_events(now):
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    users[0].delete()
    assert not AuditLearner.objects.filter(user_id=users[0].pk).exists()
    assert AuditEvent.objects.for_learner(users[1].pk).count() == 2
    assignment.certification.delete()
    assert not AuditEvent.objects.exists() and not AuditLearner.objects.exists()


def test_a_learners_log_holds_their_own_events_and_the_bulk_ones_newest_first(client, admin_user, now):
    users = UserFactory.create_batch(2)
    assignment = audience_assignment(users)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    cert = assignment.certification
    later = now + dt.timedelta(hours=1)
    AuditEvent.objects.create(
        at=later, user=users[0], certification=cert, subject="record", action="due_date_changed", actor=admin_user
    )
    mine = AuditEvent.objects.filter(certification=cert).for_learner(users[0].pk)
    assert [e.action for e in mine][:1] == ["due_date_changed"]
    assert sorted(mine.values_list("action", flat=True)) == ["assigned", "due_date_changed", "route_added"]
    assert sorted(AuditEvent.objects.for_learner(users[1].pk).values_list("action", flat=True)) == [
        "assigned",
        "route_added",
    ]
