"""A site administrator builds a report with Assignment type and name, filters it to Group and exports it."""

import csv
import io
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_build_a_report_with_assignment_columns_filter_to_group_and_export(transactional_db, sign_in):
    from tests.factories.directory import SiteAdminFactory
    from tests.reporting.conftest import build_world

    build_world()
    SiteAdminFactory(username="builder")
    page = sign_in("builder")

    page.get_by_role("link", name="Reports").click()
    page.get_by_label("Name").fill("Routes of our learners")
    page.get_by_label("Report source").select_option(label="Certification membership")
    page.get_by_role("button", name="Create report").click()
    page.get_by_role("heading", name="Edit report: Routes of our learners").wait_for()

    # The source's default columns already include both; remove them and add them back, as a person building it would.
    for label in ("Assignment type", "Assignment name"):
        page.get_by_label(f"Remove {label}").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Add column").select_option(label="Assignment type")
    page.get_by_label("Add filter").select_option(label="Assignment type")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Add column").select_option(label="Assignment name")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Report saved.").wait_for()

    page.get_by_role("link", name="View report").click()
    table = page.locator("table.report-table")
    for heading in ("Assignment type", "Assignment name"):
        assert table.get_by_role("columnheader", name=heading).count() == 1
    assert "Dan Direct" in table.inner_text()

    page.get_by_label("Assignment type").select_option(label="Group")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "assignment_type=group" in url)
    rows = table.locator("tbody tr")
    assert rows.count() == 1
    assert "Dora Deep" in rows.inner_text() and "Fire wardens" in rows.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")  # a byte order mark for Excel
    exported = list(csv.DictReader(io.StringIO(content)))
    # One row per route of the filtered type (decision 0114): her group route, not also her audience route.
    assert [row["User's name"] for row in exported] == ["Dora Deep"]
    assert exported[0]["Assignment type"] == "Group"
    assert exported[0]["Assignment name"] == "Fire wardens"
