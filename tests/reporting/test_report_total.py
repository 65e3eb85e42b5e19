"""A report's total: exact up to the bound and counted on every page; beyond it PostgreSQL's estimate,
remembered for REPORT_ESTIMATE_SECONDS so that the next pages skip the count (decision 0116)."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from assignments.models import DueKind
from reporting import selectors, totals
from tests.factories.directory import UserFactory
from tests.factories.reporting_data import (
    NOW,
    AssignmentFactory,
    CertificationFactory,
    RecordFactory,
    group_assignment,
    route,
)

from .conftest import make_report

pytestmark = pytest.mark.django_db

UNREACHABLE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def _records(count: int):
    cert = CertificationFactory(fullname="Working at height")
    assignment = AssignmentFactory(certification=cert)
    for i in range(count):
        user = UserFactory(username=f"climber{i:03d}")
        RecordFactory(user=user, certification=cert)
        route(user=user, certification=cert, assignment=assignment)
    return cert


def _total(admin_user):
    report = make_report("certification_overview", columns=["user_name"])
    run = selectors.report_run(report=report, user=admin_user, params={}, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        total = totals.report_total(run.rows)
    return total, len(queries)


@pytest.mark.postgres
def test_an_estimate_is_remembered_and_the_next_page_does_not_count(monkeypatch, admin_user):
    monkeypatch.setattr(totals, "COUNT_EXACT_UP_TO", 10)
    _records(15)
    first, first_queries = _total(admin_user)
    assert not first.exact and first.value >= 11
    assert first_queries == 2  # the bounded count and the plan's estimate
    again, again_queries = _total(admin_user)
    assert (again.value, again.exact) == (first.value, False)
    assert again_queries == 0


@pytest.mark.postgres
def test_an_estimate_is_not_remembered_beyond_its_time(monkeypatch, admin_user, settings):
    monkeypatch.setattr(totals, "COUNT_EXACT_UP_TO", 10)
    settings.REPORT_ESTIMATE_SECONDS = 0  # Django's cache: a timeout of 0 keeps nothing
    _records(15)
    _total(admin_user)
    again, again_queries = _total(admin_user)
    assert not again.exact
    assert again_queries == 2


def test_an_exact_total_is_counted_on_every_page(admin_user):
    cert = _records(3)
    first, _ = _total(admin_user)
    assert (first.value, first.exact) == (3, True)
    RecordFactory(user=UserFactory(username="newcomer"), certification=cert)
    again, queries = _total(admin_user)
    assert (again.value, again.exact) == (4, True)
    assert queries == 1


def test_the_report_page_counts_when_the_cache_cannot_be_reached(client, admin_user):
    _records(3)
    report = make_report("certification_overview", columns=["user_name"])
    client.force_login(admin_user)
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    assert "3 records" in response.content.decode()


def test_a_page_reads_its_learners_routes_in_one_statement_and_an_export_reads_them_set_based(admin_user):
    """The route lists and the due date's "Not yet known" on a page: one statement over the routes of
    the page's learners, not subqueries for each row of the page's own (decision 0146); in an export,
    a set-based EXISTS (decision 0116)."""
    cert = _records(3)
    waiting = AssignmentFactory(certification=cert, due_kind=DueKind.RELATIVE)
    learners = {user.username: user for user in User.objects.filter(username__startswith="climber")}
    route(user=learners["climber000"], certification=cert, assignment=waiting)
    route(user=learners["climber001"], certification=cert, assignment=group_assignment(cert))
    report = make_report(
        "certification_overview", columns=["user_name", "due_date", "assignment_type", "group_membership"]
    )
    run = selectors.report_run(report=report, user=admin_user, params={}, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        page = selectors.keyset_page(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    assert [cells[1:] for cells in page.cells] == [
        ["Not yet known", "Audience; Audience", ""],
        ["No due date", "Audience; Group", "Added by a site administrator"],
        ["No due date", "Audience", ""],
    ]
    page_sql, routes_sql = [q["sql"] for q in queries]
    assert "assignments_userassignment" not in page_sql
    assert routes_sql.count("assignments_userassignment") == 1 and "VALUES" in routes_sql
    export = selectors.export_sql(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    assert "EXISTS(" in export.sql
