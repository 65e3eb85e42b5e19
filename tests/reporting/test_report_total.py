"""A report's total: exact up to the bound and counted on every page; beyond it PostgreSQL's estimate,
remembered for REPORT_ESTIMATE_SECONDS so that the next pages skip the count (decision 0116)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from reporting import selectors, totals
from tests.factories.directory import UserFactory
from tests.factories.reporting_data import NOW, AssignmentFactory, CertificationFactory, RecordFactory, route

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


@pytest.mark.postgres
def test_a_page_looks_up_each_rows_waiting_route_and_an_export_reads_them_once(admin_user):
    """The due date's "Not yet known" lookup: per row shown on a page (``OFFSET 0`` keeps PostgreSQL
    from hashing every waiting route of the site for 50 rows), set-based in an export (decision 0116)."""
    _records(3)
    report = make_report("certification_overview", columns=["user_name", "due_date"])
    run = selectors.report_run(report=report, user=admin_user, params={}, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        page = selectors.keyset_page(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    assert len(page.rows) == 3
    (page_sql,) = [q["sql"] for q in queries if '"c_due_date__date"' in q["sql"]]
    assert "LIMIT 1 OFFSET 0) AS" in page_sql
    export = selectors.export_sql(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    assert "EXISTS(" in export.sql and "OFFSET 0" not in export.sql
