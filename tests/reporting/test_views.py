"""Viewing and exporting a report: keyset pages, constant query count, count, chart, exports equal to the table."""

import csv
import io
import zipfile

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from certlms.when import format_date
from reporting import selectors, totals
from reporting.models import AccessRule
from reporting.sources import get_source
from reporting.sources.common import ADDED_BY_ADMINISTRATOR
from tests.factories.directory import UserFactory
from tests.factories.reporting_data import NOW, AssignmentFactory, CertificationFactory, RecordFactory, route

from .conftest import make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_records(db):
    """120 learners on one certification, each through an audience; three pages of 50."""
    cert = CertificationFactory(fullname="Working at height")
    assignment = AssignmentFactory(certification=cert)
    users = [UserFactory(username=f"climber{i:03d}", first_name="Climber", last_name=f"{i:03d}") for i in range(120)]
    for user in users:
        RecordFactory(user=user, certification=cert)
        route(user=user, certification=cert, assignment=assignment)
    return users


def table_rows(response):
    return response.context["page"].cells


def walk_pages(client, report, query=""):
    """Every row of the report, following the Next links; and the number of queries of each page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("reporting:report_view", args=[report.pk]) + query
    rows, counts = [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts.append(len(queries))
        rows.extend(table_rows(response))
        page = response.context["page"]
        url = reverse("reporting:report_view", args=[report.pk]) + response.context["next_url"] if page.has_next else ""
    return rows, counts


def test_pages_follow_each_other_with_the_same_query_count(client, admin_user, many_records):
    report = make_report(
        "certification_overview", columns=["user_name", "assignment_type", "assignment_name", "progress"]
    )
    client.force_login(admin_user)
    rows, counts = walk_pages(client, report, "?sort=user_name")
    assert [r[0] for r in rows] == [f"Climber {i:03d}" for i in range(120)]
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 10


def test_sorted_descending_pages_and_previous_links(client, admin_user, many_records):
    report = make_report("certification_overview", columns=["user_name"])
    client.force_login(admin_user)
    url = reverse("reporting:report_view", args=[report.pk])
    first = client.get(url + "?sort=-user_name")
    second = client.get(url + first.context["next_url"])
    assert [r[0] for r in table_rows(second)][0] == "Climber 069"
    back = client.get(url + second.context["previous_url"])
    assert table_rows(back) == table_rows(first)
    assert not back.context["page"].has_previous
    last = client.get(url + "?sort=-user_name&last=1")
    # The last page is the last 50 rows (keyset pages are not aligned to page numbers).
    assert [r[0] for r in table_rows(last)] == [f"Climber {i:03d}" for i in range(49, -1, -1)]
    assert not last.context["page"].has_next


def test_cursor_on_a_nullable_sort_column_pages_through_nulls(admin_user, many_records):
    import datetime

    from certifications.models import CertificationRecord

    for i, record in enumerate(CertificationRecord.objects.order_by("id")[:70]):
        record.due_date = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=i % 7)
        record.save()
    report = make_report("certification_overview", columns=["user_name", "due_date"])
    run = selectors.report_run(report=report, user=admin_user, params={"sort": "due_date"}, now=selectors_now())
    seen, after = [], ""
    for _ in range(3):
        page = selectors.keyset_page(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx, after=after, size=50)
        seen.extend(page.rows)
        after = page.next_cursor
    assert len({r["pk"] for r in seen}) == 120
    assert sum(1 for r in seen if r["c_due_date"] is None) == 50


def selectors_now():
    from tests.factories.reporting_data import NOW

    return NOW


def test_tampered_cursor_shows_the_first_page(client, admin_user, many_records):
    report = make_report("certification_overview", columns=["user_name"])
    client.force_login(admin_user)
    response = client.get(reverse("reporting:report_view", args=[report.pk]) + "?after=not-a-cursor&sort=user_name")
    assert table_rows(response)[0] == ["Climber 000"]


@time_machine.travel(NOW, tick=False)
def test_total_is_exact_for_small_reports_and_the_chart_shows_the_status_distribution(client, admin_user, world):
    report = make_report("certification_completion", columns=["user_name", "rag_status"])
    client.force_login(admin_user)
    response = client.get(reverse("reporting:report_view", args=[report.pk]))
    total = response.context["total"]
    assert (total.value, total.exact) == (6, True)
    html = response.content.decode()
    assert "6 records" in html
    label, bars = response.context["chart"]
    assert {bar.label: bar.count for bar in bars} == {
        "Assigned": 1, "Due": 1, "Window opens": 1, "Expires": 1, "Overdue since": 1, "Expired": 1
    }  # fmt: skip
    assert 'class="bar rag-red"' in html


def test_chart_fragment_follows_the_filters(client, admin_user, world):
    report = make_report("certification_overview", columns=["user_name"])
    client.force_login(admin_user)
    response = client.get(reverse("reporting:report_chart", args=[report.pk]) + "?status=certified")
    assert response.status_code == 200
    assert {bar.label: bar.count for bar in response.context["chart"][1]} == {"Certified": 2}


def test_large_totals_are_bounded(monkeypatch, admin_user, many_records):
    monkeypatch.setattr(totals, "COUNT_EXACT_UP_TO", 100)
    report = make_report("certification_overview", columns=["user_name"])
    run = selectors.report_run(report=report, user=admin_user, params={}, now=selectors_now())
    total = totals.report_total(run.rows)
    assert total.value >= 101
    if not total.exact:  # PostgreSQL: the plan's estimate beyond the bound
        assert str(total).startswith("About ")
    assert str(totals.Total(1_000_000, False)) == "About 1,000,000 records (estimated)"
    assert str(totals.Total(1, True)) == "1 record"


def _as_shown(cell) -> str:
    """A typed Excel cell as the report table shows it (dates in the one date format, percentages with %)."""
    if cell.value is None:
        return ""
    if cell.is_date:
        return format_date(cell.value.date())
    if cell.number_format == "0%":
        return f"{round(cell.value * 100)}%"
    return str(cell.value)


def exported(client, report, fmt, query=""):
    response = client.get(reverse("reporting:report_export", args=[report.pk, fmt]) + query)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        return [[_as_shown(cell) for cell in row] for row in sheet.iter_rows()]
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    document = load(io.BytesIO(body))
    table = document.spreadsheet.getElementsByType(Table)[0]
    return [[str(cell) for cell in row.getElementsByType(TableCell)] for row in table.getElementsByType(TableRow)]


ROUTE_HEADINGS = ("Assignment type", "Assignment name", "Group membership")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_export_equals_the_table_for_the_same_filters(client, admin_user, world, fmt):
    source = get_source("certification_membership")
    keys = [c.key for c in source.columns if c.label not in ROUTE_HEADINGS]
    report = make_report("certification_membership", columns=keys)
    client.force_login(admin_user)
    query = "?assignment_type=group&sort=user_name"
    response = client.get(reverse("reporting:report_view", args=[report.pk]) + query)
    headings = [c.heading for c in response.context["run"].columns]
    rows = exported(client, report, fmt, query)
    assert rows[0] == headings
    assert rows[1:] == table_rows(response)
    assert len(rows) == 2  # Dora, through her group


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_export_repeats_the_table_row_once_per_route_of_a_learner_with_two_routes(client, admin_user, world, fmt):
    """Decision 0114: the page lists Dora's two routes in one row; an export gives one row per route."""
    report = make_report("certification_membership")
    client.force_login(admin_user)
    query = "?user_name=Dora&sort=user_name"
    response = client.get(reverse("reporting:report_view", args=[report.pk]) + query)
    headings = [c.heading for c in response.context["run"].columns]
    [table_row] = table_rows(response)
    rows = exported(client, report, fmt, query)
    assert rows[0] == headings
    route_cells = [headings.index(heading) for heading in ROUTE_HEADINGS]
    assert [table_row[i] for i in route_cells] == ["Audience; Group", "All staff; Fire wardens", ADDED_BY_ADMINISTRATOR]
    assert [[row[i] for i in route_cells] for row in rows[1:]] == [
        ["Audience", "All staff", ""],
        ["Group", "Fire wardens", ADDED_BY_ADMINISTRATOR],
    ]
    others = [i for i in range(len(headings)) if i not in route_cells]
    assert [[row[i] for i in others] for row in rows[1:]] == [[table_row[i] for i in others]] * 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_an_export_filtered_by_assignment_type_gives_only_the_routes_of_that_type(client, admin_user, world, fmt):
    """Decision 0114: filtered by Group, Dora's row is her group route only, not also her audience route."""
    report = make_report("certification_membership")
    client.force_login(admin_user)
    query = "?assignment_type=group&sort=user_name"
    response = client.get(reverse("reporting:report_view", args=[report.pk]) + query)
    headings = [c.heading for c in response.context["run"].columns]
    [table_row] = table_rows(response)
    rows = exported(client, report, fmt, query)
    route_cells = [headings.index(heading) for heading in ROUTE_HEADINGS]
    assert [[row[i] for i in route_cells] for row in rows[1:]] == [["Group", "Fire wardens", ADDED_BY_ADMINISTRATOR]]
    others = [i for i in range(len(headings)) if i not in route_cells]
    assert [row[i] for i in others for row in rows[1:]] == [table_row[i] for i in others]


def test_export_has_every_row_not_just_a_page(client, admin_user, many_records):
    report = make_report("certification_overview", columns=["user_name", "assignment_type"])
    client.force_login(admin_user)
    rows = exported(client, report, "csv", "?sort=user_name")
    assert len(rows) == 121
    assert rows[1] == ["Climber 000", "Audience"]


def test_ods_export_is_a_valid_package(client, admin_user, world):
    report = make_report("certification_overview", columns=["user_name"])
    client.force_login(admin_user)
    response = client.get(reverse("reporting:report_export", args=[report.pk, "ods"]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist()[0] == "mimetype"
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"


def test_unknown_export_format_is_404(client, admin_user, world):
    report = make_report("certification_overview")
    client.force_login(admin_user)
    assert client.get(reverse("reporting:report_export", args=[report.pk, "pdf"])).status_code == 404


def test_report_page_query_count_is_pinned(client, world, django_assert_max_num_queries):
    report = make_report("certification_overview", access=AccessRule.MANAGERS)
    client.force_login(world.manager)
    with django_assert_max_num_queries(10):
        client.get(reverse("reporting:report_view", args=[report.pk]))


def test_report_list_query_count_is_pinned(client, admin_user, django_assert_max_num_queries):
    for i in range(20):
        make_report("certification_overview", name=f"Report {i}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reporting:report_list"))
    assert "Report 19" in response.content.decode()


def test_export_reads_inside_one_transaction_so_postgresql_streams_the_cursor(transactional_db, admin_user):
    """In autocommit a server-side cursor is WITH HOLD, and PostgreSQL computes the whole result first."""
    from django.db import connection

    from tests.reporting.conftest import build_world

    build_world()
    report = make_report("certification_overview", columns=["user_name"])
    run = selectors.report_run(report=report, user=admin_user, params={}, now=selectors_now())
    rows = selectors.export_rows(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    assert not connection.in_atomic_block
    next(rows)
    assert connection.in_atomic_block
    list(rows)
    assert not connection.in_atomic_block


@pytest.mark.postgres
def test_large_reports_load_the_chart_after_the_page(client, monkeypatch, admin_user, many_records):
    """Beyond the exact bound the total is PostgreSQL's estimate and the chart comes after the page."""
    monkeypatch.setattr(totals, "COUNT_EXACT_UP_TO", 100)
    report = make_report("certification_overview", columns=["user_name"], filters=["status"])
    client.force_login(admin_user)
    response = client.get(reverse("reporting:report_view", args=[report.pk]) + "?status=not_certified")
    assert response.context["chart"] is None
    chart_url = reverse("reporting:report_chart", args=[report.pk]) + "?status=not_certified"
    assert f'hx-get="{chart_url}"' in response.content.decode()
    fragment = client.get(chart_url)
    assert {bar.label: bar.count for bar in fragment.context["chart"][1]} == {"Not certified": 120}
