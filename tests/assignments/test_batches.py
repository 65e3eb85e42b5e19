"""A batch of the sweep (a user id range): it reads who an assignment reaches once when its membership
did not move, still repairs membership that moved without its event, and plans the routes' due-date
rewrite on its own (decision 0148)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assignments.models import DueEvent, RouteState, UserAssignment
from assignments.services.engine import assignment_materialise, certification_recompute
from certifications.models import AuditEvent, CertificationPath, CertificationRecord
from directory.models import AudienceMember, LearnerProfile, ProfileDateValue
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import ProfileDateFieldFactory, UserFactory

from .helpers import audience_assignment, relative_due, route

pytestmark = pytest.mark.django_db

MEMBERS = AudienceMember._meta.db_table
RECORDS = f'"{CertificationRecord._meta.db_table}"'


def _batch(assignment, users, now):
    ids = sorted(u.pk for u in users)
    with CaptureQueriesContext(connection) as queries:
        certification_recompute(certification_id=assignment.certification_id, now=now, id_range=(ids[0], ids[-1] + 1))
    return [q["sql"] for q in queries.captured_queries]


def test_a_batch_whose_membership_did_not_move_reads_who_is_reached_once(now):
    users = UserFactory.create_batch(4)
    for user in users:
        LearnerProfile.objects.create(user=user, first_login_at=now)
    assignment = audience_assignment(users, **relative_due("first_login", amount=30))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    LearnerProfile.objects.update(first_login_at=now + dt.timedelta(days=2))

    statements = _batch(assignment, users, now)

    assert sum(MEMBERS in s for s in statements) == 1
    assert not any(s.lstrip().startswith("WITH ua AS (INSERT") for s in statements)
    expected = now + dt.timedelta(days=32)
    assert set(UserAssignment.objects.values_list("due_date", flat=True)) == {expected}
    assert set(CertificationRecord.objects.values_list("due_date", flat=True)) == {expected}


def test_a_batch_of_a_new_assignment_looks_for_no_records_to_remove(now):
    """Inserted routes only add counting learners: the batch creates their records and does not look for
    records to remove (that statement, planned for a certification with no statistics yet, read every
    route of it for each record)."""
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)

    statements = _batch(assignment, users, now)

    assert set(CertificationRecord.objects.values_list("user_id", flat=True)) == {u.pk for u in users}
    assert not any(f"DELETE FROM {RECORDS}" in s for s in statements)


def test_a_batch_repairs_membership_that_moved_without_its_event(now):
    """Members written straight to the table (no directory event): the batch still adds and removes routes."""
    stays, leaves, joins = UserFactory.create_batch(3)
    assignment = audience_assignment([stays, leaves])
    assignment_materialise(assignment_id=assignment.pk, now=now)
    AudienceMember.objects.filter(user=leaves).delete()
    AudienceMember.objects.bulk_create([AudienceMember(audience=assignment.audience, user=joins)])

    statements = _batch(assignment, [stays, leaves, joins], now)

    assert set(UserAssignment.objects.values_list("user_id", flat=True)) == {stays.pk, joins.pk}
    assert set(CertificationRecord.objects.values_list("user_id", flat=True)) == {stays.pk, joins.pk}
    assert set(AuditEvent.objects.filter(action="route_removed").values_list("user_id", flat=True)) == {leaves.pk}
    assert set(AuditEvent.objects.filter(action="route_added", user=joins).values_list("user_id", flat=True)) == {
        joins.pk
    }
    if connection.vendor == "postgresql":
        # The batch's records without a counting route: its counting learners hashed once, whatever the
        # statistics of a new certification say (decision 0148).
        (unassign,) = [s for s in statements if f"DELETE FROM {RECORDS}" in s]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + unassign)
            assert "hashed SubPlan" in "\n".join(row[0] for row in cursor.fetchall())


def test_a_batch_whose_due_dates_start_or_stop_a_route_counting_moves_the_records(now):
    """The records' membership is read before the routes move; a route that the due-date step puts into
    or out of exception still creates or removes its learner's record in the same batch."""
    certification = CertificationFactory()
    CourseSetFactory(certification=certification, minimum_time_days=30, courses=[CourseFactory()])
    field = ProfileDateFieldFactory(name="Licence date")
    short, unknown = UserFactory.create_batch(2)
    ProfileDateValue.objects.create(user=short, field=field, value=(now - dt.timedelta(days=20)).date())
    ProfileDateValue.objects.create(user=unknown, field=field, value=now.date())
    due = relative_due(DueEvent.PROFILE_DATE, 40, due_event_profile_field=field)
    assignment = audience_assignment([short, unknown], certification=certification, **due)
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, short).state == RouteState.EXCEPTION
    assert list(CertificationRecord.objects.values_list("user_id", flat=True)) == [unknown.pk]
    # One learner's date moves out of the time allowance's reach; the other's becomes invalid.
    ProfileDateValue.objects.filter(user=short).update(value=now.date())
    ProfileDateValue.objects.filter(user=unknown).update(value=None)

    _batch(assignment, [short, unknown], now)

    assert route(assignment, short).state == RouteState.ACTIVE
    assert route(assignment, unknown).state == RouteState.EXCEPTION
    assert list(CertificationRecord.objects.values_list("user_id", flat=True)) == [short.pk]
    assert CertificationRecord.objects.get().due_date.date() == (now + dt.timedelta(days=40)).date()


@pytest.mark.parametrize("recertification_days,reads_records", [(30, False), (60, True)])
def test_the_checks_read_the_learners_record_only_where_the_path_decides_the_allowance(
    now, recertification_days, reads_records
):
    """The time allowance depends on the learner's path only where the two paths' allowances differ: only
    then do the routes' statements join the learner's record (decision 0148)."""
    certification = CertificationFactory()
    CourseSetFactory(certification=certification, minimum_time_days=30, courses=[CourseFactory()])
    CourseSetFactory(
        certification=certification,
        path=CertificationPath.RECERTIFICATION,
        minimum_time_days=recertification_days,
        courses=[CourseFactory()],
    )
    users = UserFactory.create_batch(2)
    for user in users:
        LearnerProfile.objects.create(user=user, first_login_at=now)
    assignment = audience_assignment(users, certification=certification, **relative_due("first_login", 40))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    LearnerProfile.objects.update(first_login_at=now + dt.timedelta(days=1))

    statements = _batch(assignment, users, now)

    (update,) = [s for s in statements if f"UPDATE {UserAssignment._meta.db_table} SET due_date" in s]
    assert (f"{CertificationRecord._meta.db_table} rec" in update) is reads_records
    assert set(UserAssignment.objects.values_list("state", flat=True)) == {RouteState.ACTIVE}


def test_a_batchs_due_date_rewrite_plans_the_checked_routes_on_their_own(now):
    """Flattened into the UPDATE, the routes' join to themselves was estimated at 1% of the batch and the
    event dates and records were read one probe per route (decision 0148)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    users = UserFactory.create_batch(3)
    for user in users:
        LearnerProfile.objects.create(user=user, first_login_at=now)
    assignment = audience_assignment(users, **relative_due("first_login", amount=30))
    assignment_materialise(assignment_id=assignment.pk, now=now)
    ids = sorted(u.pk for u in users)
    with CaptureQueriesContext(connection) as queries:
        certification_recompute(certification_id=assignment.certification_id, now=now, id_range=(ids[0], ids[-1] + 1))
    table = UserAssignment._meta.db_table
    (update,) = [q["sql"] for q in queries.captured_queries if f"UPDATE {table} SET due_date" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + update)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Subquery Scan on v" in plan


def _estimate(model, certification_id) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {model._meta.db_table} WHERE certification_id = %s",
            [certification_id],
        )
        return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]


def test_a_batch_that_lands_a_certification_the_planner_does_not_know_analyzes_it(now, monkeypatch):
    """With every certification of the table in its statistics, a new one is estimated at one row, and a
    large new assignment's batches read its rows in loops over all of them (decision 0149): its first
    large batch analyzes the routes and records once it has written them."""
    from assignments import sql

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr(sql, "STATISTICS_CATCH_UP_ROWS", 3)
    known = audience_assignment(UserFactory.create_batch(4))
    assignment_materialise(assignment_id=known.pk, now=now)
    with connection.cursor() as cursor:
        for model in (UserAssignment, CertificationRecord):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    users = UserFactory.create_batch(3)
    new = audience_assignment(users)
    assert _estimate(UserAssignment, new.certification_id) == 1

    _batch(new, users, now)

    assert _estimate(UserAssignment, new.certification_id) == 3
    assert _estimate(CertificationRecord, new.certification_id) == 3


def test_a_batch_analyzes_a_certification_estimated_below_what_it_wrote(now, monkeypatch):
    """A certification not yet sampled may be estimated above one row and still below one batch (the
    average of the others, decision 0145; PostgreSQL's default share of a table analyzed while empty):
    the batch analyzes it all the same (decision 0149)."""
    from django.contrib.auth import get_user_model

    from assignments import sql

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr(sql, "STATISTICS_CATCH_UP_ROWS", 3)
    routes = UserAssignment._meta.db_table
    with connection.cursor() as cursor:
        # 20 other certifications' 50 routes each (no foreign keys, decision 0072), learners outside the batch.
        cursor.execute(
            f"INSERT INTO {routes} (assigned_at, state, exception_type, resolved, assignment_id, certification_id,"
            " user_id) SELECT %s, 'active', '', false, 0, -c, 10000000 + 100 * c + g"
            " FROM generate_series(1, 20) c CROSS JOIN generate_series(1, 50) g",
            [now],
        )
        cursor.execute(f"ANALYZE {routes}")
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"batch-{n}") for n in range(300))
    new = audience_assignment()
    AudienceMember.objects.bulk_create(AudienceMember(audience=new.audience, user=u) for u in users)
    average = _estimate(UserAssignment, new.certification_id)
    assert 1 < average < 300

    _batch(new, users, now)

    assert _estimate(UserAssignment, new.certification_id) > max(average, 270)  # sampled: about 300
