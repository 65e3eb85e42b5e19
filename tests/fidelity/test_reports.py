"""Reports (DOMAIN §7, issue 10 point 8): the Group membership column, the direct-reports content rule,
exported cells that never run as formulas, typed date and number cells, a CSV that Excel reads."""

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assignments.models import GroupMember
from reporting.models import AccessRule, ContentRule
from tests.factories.reporting_data import NOW, RecordFactory, group_assignment, route
from tests.reporting.conftest import build_world, make_report
from tests.reporting.helpers import names, report_rows

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture
def world():
    return build_world()


def test_group_membership_tells_self_enrolment_from_an_administrators_addition(admin_user, world):
    added = group_assignment(world.cert, "Added crew")
    route(user=world.direct, certification=world.cert, assignment=added)
    GroupMember.objects.create(group=added.group, certification=world.cert, user=world.direct, joined_at=NOW)
    enrolled = group_assignment(world.cert, "Volunteers")
    route(user=world.positioned, certification=world.cert, assignment=enrolled)
    GroupMember.objects.create(
        group=enrolled.group, certification=world.cert, user=world.positioned, joined_at=NOW, self_enrolled=True
    )
    report = make_report("certification_overview", columns=["user_name", "assignment_type", "group_membership"])
    rows = {row["User's name"]: row for row in report_rows(report, admin_user)}
    assert rows["Dan Direct"]["Assignment type"] == "Organisation; Group"
    assert rows["Dan Direct"]["Group membership"] == "Added by a site administrator"
    assert rows["Pia Post"]["Group membership"] == "Self-enrolled"
    assert rows["Ivo Single"]["Group membership"] == ""  # no Group route


def test_content_rule_offers_the_viewers_direct_reports(world):
    direct = make_report("certification_overview", access=AccessRule.MANAGERS, content=ContentRule.DIRECT)
    everyone = make_report("certification_overview", access=AccessRule.MANAGERS, content=ContentRule.STAFF)
    assert names(report_rows(direct, world.manager)) == {"Mick Middle", "Dan Direct"}
    assert names(report_rows(everyone, world.manager)) == {"Mick Middle", "Dan Direct", "Dora Deep"}
    labels = dict(ContentRule.choices)
    assert labels[ContentRule.DIRECT] == "The viewer's direct reports"


@pytest.fixture
def export(client, admin_user, world):
    world.direct.first_name, world.direct.last_name = HOSTILE, ""
    world.direct.save()
    world.deep.first_name = "Zoë"
    world.deep.save()
    RecordFactory(user=world.excepted, certification=world.other_cert, due_date=None)
    report = make_report(
        "certification_overview", columns=["user_name", "due_date", "previous_completions", "progress"]
    )
    client.force_login(admin_user)

    def get(fmt: str) -> bytes:
        response = client.get(reverse("reporting:report_export", args=[report.pk, fmt]) + "?sort=user_name")
        assert response.status_code == 200
        return b"".join(response.streaming_content)

    return get


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_no_exported_text_starts_like_a_formula(start):
    from reporting.formatting import neutralised

    assert neutralised(f"{start}1+1") == f"'{start}1+1"
    assert neutralised("Ada") == "Ada"


def test_csv_starts_with_a_byte_order_mark_and_neutralises_formulas(export):
    body = export("csv")
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "Zoë Deep" in text
    assert f'"\'{HOSTILE.replace(chr(34), chr(34) * 2)}"' in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_excel_cells_are_typed_and_never_formulas(export):
    sheet = load_workbook(io.BytesIO(export("xlsx"))).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    hostile = rows[f"'{HOSTILE}"][0]
    assert hostile.data_type == "s"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    dan_due, dora = rows[f"'{HOSTILE}"][1], rows["Zoë Deep"]
    assert isinstance(dan_due.value, dt.datetime) and dan_due.value.date() == (NOW - dt.timedelta(days=3)).date()
    assert dan_due.is_date
    assert dora[2].value == 1 and dora[2].data_type == "n"  # previous completions
    assert dora[3].value == 1 and dora[3].number_format == "0%"  # progress 100 %
    assert rows["Ella Except"][1].value == "No due date"


def test_ods_cells_are_typed_and_never_formulas(export):
    content = zipfile.ZipFile(io.BytesIO(export("ods"))).read("content.xml").decode()
    due = (NOW - dt.timedelta(days=3)).date().isoformat()
    assert f'office:value-type="date" office:date-value="{due}"' in content
    assert 'office:value-type="float" office:value="1"' in content
    assert 'office:value-type="percentage" office:value="1.0"' in content
    assert "table:formula" not in content
    assert "&#x27;=HYPERLINK" in content or "'=HYPERLINK" in content
