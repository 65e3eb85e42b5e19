"""How PostgreSQL stores and plans the learners' records and routes: HOT due-date rewrites (decision
0144), the certification's statistics (0145), a batch's due dates looked up per learner (0147)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, F, Value

from certifications.models import CertificationRecord
from certifications.services import record_assign_many, record_due_dates_apply
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
User = get_user_model()


def test_rewriting_due_dates_touches_no_index():
    """Records leave room on their pages (decision 0144): a due-date rewrite is a HOT update on PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a storage parameter of PostgreSQL")
    certification = CertificationFactory()
    records = CertificationRecordFactory.create_batch(60, certification=certification, due_date=NOW)
    later = NOW + dt.timedelta(days=30)
    due_dates = (
        User.objects.filter(pk__in=[r.user_id for r in records])
        .annotate(user_id=F("id"), due_date=Value(later, output_field=DateTimeField()))
        .values("user_id", "due_date")
    )

    def hot_updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                [CertificationRecord._meta.db_table],
            )
            return cursor.fetchone()

    updated, hot = hot_updates()
    assert record_due_dates_apply(certification_id=certification.pk, due_dates=due_dates, now=NOW) == 60
    assert hot_updates() == (updated + 60, hot + 60)


def test_a_certification_not_yet_sampled_is_not_planned_as_one_row():
    """With every certification among the statistics' most common values, PostgreSQL planned a new
    certification's rows as one, and a batch of its first learners as nested loops over all of them
    (decision 0145): the statistics keep 10 values, and an unseen certification gets the average."""
    from django.db import connection

    from assignments.models import UserAssignment

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    certifications = CertificationFactory.create_batch(12)
    users = UserFactory.create_batch(20)
    CertificationRecord.objects.bulk_create(
        CertificationRecord(user=user, certification=c, assigned_at=NOW, updated_at=NOW)
        for c in certifications
        for user in users
    )
    new = CertificationFactory()
    for model in (CertificationRecord, UserAssignment):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if model is UserAssignment:
                cursor.execute(
                    f"INSERT INTO {table} (assigned_at, state, exception_type, resolved, assignment_id,"
                    " certification_id, user_id) SELECT %s, 'active', '', false, c.id, c.id, u.id"
                    " FROM unnest(%s) AS c(id) CROSS JOIN unnest(%s) AS u(id)",
                    [NOW, [c.pk for c in certifications], [u.pk for u in users]],
                )
            cursor.execute(f"ANALYZE {table}")
            cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table} WHERE certification_id = %s", [new.pk])
            estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
        assert estimate > 1, table


def test_a_batch_looks_each_learners_due_date_up():
    """A batch's fresh records take their due dates by a lookup for each learner, not a join (decision
    0147): with a new certification's routes not yet in the statistics, PostgreSQL planned the join's
    grouped routes as the inner side of a nested loop, grouped again for each learner (30 s a batch of
    10,000 in B11). A whole assignment keeps the join (its nested loops are off, decision 0040)."""
    from django.db import connection
    from django.db.models import Max
    from django.test.utils import CaptureQueriesContext

    from assignments.models import RouteState, UserAssignment
    from tests.factories.reporting_data import AssignmentFactory

    certification = CertificationFactory()
    assignment = AssignmentFactory(certification=certification)
    users = UserFactory.create_batch(3)
    later = NOW + dt.timedelta(days=10)
    UserAssignment.objects.bulk_create(
        UserAssignment(assignment=assignment, certification=certification, user=user, assigned_at=NOW, due_date=due)
        for user, due in zip(users, (NOW, later, None), strict=True)
    )
    routes = UserAssignment.objects.filter(certification=certification, state=RouteState.ACTIVE)
    due_dates = routes.filter(due_date__isnull=False).values("user_id").annotate(due_date=Max("due_date")).order_by()
    ids = sorted(user.pk for user in users)
    with CaptureQueriesContext(connection) as queries:
        created = record_assign_many(
            certification_id=certification.pk,
            user_ids=routes.values_list("user_id", flat=True).distinct(),
            now=NOW,
            due_dates=due_dates,
            within=(ids[0], ids[-1] + 1),
        )
    assert created == 3
    assert dict(CertificationRecord.objects.filter(certification=certification).values_list("user_id", "due_date")) == {
        users[0].pk: NOW,
        users[1].pk: later,
        users[2].pk: None,
    }
    (insert,) = [q["sql"] for q in queries if "INSERT INTO" in q["sql"] and "certificationrecord" in q["sql"]][:1]
    assert "WHERE d.user_id = u.id)" in insert and "LEFT JOIN" not in insert
