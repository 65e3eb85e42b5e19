"""Each report source's rows: several routes, routes in exception, history; the Assignment type filter."""

import datetime

import pytest

from assignments.models import AssignmentType
from reporting.sources import SOURCES, get_source
from tests.factories.courses import CourseCompletionFactory, CourseFactory
from tests.factories.reporting_data import NOW

from .conftest import make_report
from .helpers import names, report_rows

pytestmark = pytest.mark.django_db


def by_name(rows):
    return {row["User's name"]: row for row in rows}


def test_every_source_offers_user_certification_and_route_columns_and_the_assignment_type_filter():
    shared = {
        "user_name", "user_email", "user_organisation", "user_position", "user_manager",
        "certification_fullname", "certification_shortname", "certification_idnumber",
        "certification_visibility", "certification_active_period", "certification_window_period",
        "assignment_type", "assignment_name",
    }  # fmt: skip
    for source in SOURCES:
        assert shared <= {c.key for c in source.columns}, source.key
        assignment_filter = source.filter("assignment_type")
        assert [label for _, label in assignment_filter.choices] == [
            "Audience", "Group", "Individual", "Manager", "Organisation", "Position"
        ]  # fmt: skip
        assert len({c.key for c in source.columns}) == len(source.columns)


def test_overview_shows_every_route_of_a_learner_with_two_routes_on_one_row(world, admin_user):
    rows = report_rows(make_report("certification_overview"), admin_user)
    dora = [row for row in rows if row["User's name"] == "Dora Deep"]
    assert len(dora) == 1
    assert dora[0]["Assignment type"] == "Audience; Group"
    assert dora[0]["Assignment name"] == "All staff; Fire wardens"


def test_overview_has_one_row_per_record_and_leaves_out_learners_only_in_exception(world, admin_user):
    rows = report_rows(make_report("certification_overview"), admin_user)
    assert names(rows) == {"Dora Deep", "Dan Direct", "Olga Outsider", "Pia Post", "Ivo Single", "Mick Middle"}


def test_user_and_certification_columns(world, admin_user):
    row = by_name(report_rows(make_report("certification_overview"), admin_user))["Dora Deep"]
    assert row["User's email"] == "deep@example.com"
    assert row["User's organisation"] == "Engineering"
    assert row["User's position"] == "Warden"
    assert row["User's manager"] == "Mick Middle"
    assert row["Certification"] == "Fire safety"
    assert row["Short name"] == "FIRE"
    assert row["Visibility"] == "All users"
    assert row["Active period"] == "1 year"
    assert row["Window period"] == "1 month"


def test_overview_record_fields_previous_completions_and_progress(world, admin_user):
    rows = by_name(report_rows(make_report("certification_overview"), admin_user))
    dora = rows["Dora Deep"]
    assert dora["Path"] == "Recertification"
    assert dora["Status"] == "Certified"
    assert dora["Completion date"] == "22 May 2026"
    assert dora["Previous completions"] == "1"
    assert dora["Progress"] == "100%"
    assert rows["Dan Direct"]["Previous completions"] == "0"


def test_progress_counts_course_sets_of_the_current_path(world, admin_user):
    from certifications.models import CourseSet

    first, second = CourseFactory(), CourseFactory()
    all_set = CourseSet.objects.create(certification=world.cert, path="certification", completion_rule="all")
    all_set.courses.set([first, second])
    any_set = CourseSet.objects.create(certification=world.cert, path="certification", completion_rule="any")
    any_set.courses.set([first, second])
    CourseCompletionFactory(user=world.direct, course=first)
    rows = by_name(report_rows(make_report("certification_overview"), admin_user))
    assert rows["Dan Direct"]["Progress"] == "50%"  # "Any one course" done, "All courses" not
    assert rows["Olga Outsider"]["Progress"] == "0%"


def test_membership_shows_current_members_and_former_members_from_history(world, admin_user):
    rows = by_name(report_rows(make_report("certification_membership"), admin_user))
    assert rows["Dora Deep"]["Membership"] == "Assigned"
    assert rows["Dora Deep"]["Assignment type"] == "Audience; Group"
    assert rows["Fred Former"]["Membership"] == "Unassigned"
    assert rows["Fred Former"]["Status"] == "In progress"
    assert rows["Fred Former"]["Assignment type"] == ""
    assert "Ella Except" not in rows
    # Dora's completed period in history is not a second membership row.
    assert (
        len(
            [
                r
                for r in report_rows(make_report("certification_membership"), admin_user)
                if r["User's name"] == "Dora Deep"
            ]
        )
        == 1
    )


def test_membership_shows_only_the_newest_unassigned_history_record(world, admin_user):
    from tests.factories.reporting_data import HistoryFactory

    HistoryFactory(user=world.former, certification=world.cert, unassigned=True, status="certified",
                   archived_at=NOW)  # fmt: skip
    rows = [
        r for r in report_rows(make_report("certification_membership"), admin_user) if r["User's name"] == "Fred Former"
    ]
    assert [r["Status"] for r in rows] == ["Certified"]


def test_exception_source_has_one_row_per_exception_with_its_route(world, admin_user):
    rows = report_rows(make_report("certification_exception"), admin_user)
    assert len(rows) == 1
    row = rows[0]
    assert row["User's name"] == "Ella Except"
    assert row["Exception type"] == "Time allowance"
    assert row["Time raised"] == "1 Jun 2026"
    assert row["Route type"] == "Group"
    assert row["Route name"] == "Fire wardens"
    assert row["Assignment type"] == "Group"
    assert row["Assignment name"] == "Fire wardens (in exception)"


def test_completion_red_amber_green_status(world, admin_user):
    rows = by_name(report_rows(make_report("certification_completion"), admin_user))
    status = "Status (red-amber-green)"

    def day(days):
        return (NOW + datetime.timedelta(days=days)).strftime("%-d %b %Y")

    assert rows["Dora Deep"][status] == f"Window opens {day(300)}"
    assert rows["Ivo Single"][status] == f"Expires {day(29)}"
    assert rows["Dan Direct"][status] == f"Overdue since {day(-3)}"
    assert rows["Olga Outsider"][status] == f"Due {day(20)}"
    assert rows["Pia Post"][status] == f"Expired {day(-5)}"
    assert rows["Mick Middle"][status] == "Assigned"


def test_completion_status_turns_expired_once_the_expiry_date_passes(world, admin_user):
    later = NOW + datetime.timedelta(days=400)
    rows = by_name(report_rows(make_report("certification_completion"), admin_user, now=later))
    assert rows["Dora Deep"]["Status (red-amber-green)"].startswith("Expired")


def test_completion_filter_by_red_amber_green_status(world, admin_user):
    report = make_report("certification_completion")
    assert names(report_rows(report, admin_user, "rag_status=overdue")) == {"Dan Direct"}
    assert names(report_rows(report, admin_user, "rag_status=expired")) == {"Pia Post"}


@pytest.mark.parametrize("source_key", [s.key for s in SOURCES if s.key != "certification_exception"])
@pytest.mark.parametrize("assignment_type", AssignmentType.values)
def test_assignment_type_filter_keeps_learners_with_a_route_of_that_type(
    world, admin_user, source_key, assignment_type
):
    report = make_report(source_key)
    rows = report_rows(report, admin_user, f"assignment_type={assignment_type}")
    by_user = {
        u.get_full_name(): u.pk for u in (world.deep, world.direct, world.outsider, world.positioned, world.individual)
    }
    assert {by_user[name] for name in names(rows)} == world.learners_by_type()[assignment_type]


def test_assignment_type_filter_on_exceptions_counts_routes_in_exception(world, admin_user):
    report = make_report("certification_exception")
    assert names(report_rows(report, admin_user, "assignment_type=group")) == {"Ella Except"}
    assert names(report_rows(report, admin_user, "assignment_type=audience")) == set()


def test_assignment_type_filter_ignores_values_it_does_not_offer(world, admin_user):
    report = make_report("certification_overview")
    assert len(report_rows(report, admin_user, "assignment_type=bogus")) == len(report_rows(report, admin_user))


def test_text_filters(world, admin_user):
    report = make_report("certification_overview")
    assert names(report_rows(report, admin_user, "user_name=dora")) == {"Dora Deep"}
    assert names(report_rows(report, admin_user, "user_manager=mona")) == {"Dan Direct", "Mick Middle"}
    assert names(report_rows(report, admin_user, "user_position=ward")) == {"Dora Deep"}
    assert names(report_rows(report, admin_user, "certification=first")) == {"Mick Middle"}
    assert names(report_rows(report, admin_user, "user_organisation=engin")) == {
        "Dora Deep",
        "Dan Direct",
        "Mick Middle",
    }


def test_report_only_uses_filters_it_was_given(world, admin_user):
    report = make_report("certification_overview", filters=["status"])
    assert len(report_rows(report, admin_user, "user_name=dora")) == 6


def test_sorting_by_a_column_both_ways(world, admin_user):
    report = make_report("certification_overview", columns=["user_name"])
    ascending = [r["User's name"] for r in report_rows(report, admin_user, "sort=user_name")]
    assert ascending == sorted(ascending)
    descending = [r["User's name"] for r in report_rows(report, admin_user, "sort=-user_name")]
    assert descending == sorted(ascending, reverse=True)


def test_unknown_columns_in_a_report_are_skipped():
    source = get_source("certification_overview")
    assert source.column("no_such_column") is None


# --- Exports: one row per learner route (decision 0114) -------------------------------------------

ROUTE_CELLS = ("Assignment type", "Assignment name", "Group membership")


def _routes_of(rows, name):
    return [tuple(row[cell] for cell in ROUTE_CELLS) for row in rows if row["User's name"] == name]


@pytest.mark.parametrize("source_key", [s.key for s in SOURCES if s.key != "certification_exception"])
def test_export_has_one_row_per_route_and_the_page_rows_otherwise(world, admin_user, source_key):
    report = make_report(source_key)
    page_rows = report_rows(report, admin_user)
    export_rows = report_rows(report, admin_user, per_route=True)
    assert _routes_of(export_rows, "Dora Deep") == [
        ("Audience", "All staff", ""),
        ("Group", "Fire wardens", "Added by a site administrator"),
    ]
    expected = {
        "Dan Direct": [("Organisation", "Engineering", "")],
        "Olga Outsider": [("Manager", "Otto Boss", "")],
        "Pia Post": [("Position", "Warden", "")],
        "Ivo Single": [("Individual", "Ivo Single", "")],
    }
    for name, routes in expected.items():
        assert _routes_of(export_rows, name) == routes
    # Every other cell of Dora's two export rows is her page row's.
    [dora] = [row for row in page_rows if row["User's name"] == "Dora Deep"]
    for row in (row for row in export_rows if row["User's name"] == "Dora Deep"):
        assert {k: v for k, v in row.items() if k not in ROUTE_CELLS} == {
            k: v for k, v in dora.items() if k not in ROUTE_CELLS
        }
    # One more row than the page: Dora's second route; a record without a shown route stays one row.
    assert len(export_rows) == len(page_rows) + 1


def test_export_keeps_a_former_member_without_a_route_as_one_row(world, admin_user):
    rows = report_rows(make_report("certification_membership"), admin_user, per_route=True)
    assert _routes_of(rows, "Fred Former") == [("", "", "")]


def test_export_marks_a_route_in_exception(world, admin_user):
    rows = report_rows(make_report("certification_exception"), admin_user, per_route=True)
    assert _routes_of(rows, "Ella Except") == [
        ("Group", "Fire wardens (in exception)", "Added by a site administrator")
    ]


def test_export_without_a_route_column_has_the_page_rows(world, admin_user):
    report = make_report("certification_overview", columns=["user_name", "status", "due_date"])
    assert report_rows(report, admin_user, per_route=True) == report_rows(report, admin_user)


def test_export_follows_the_sort_and_lists_a_learners_routes_in_order(world, admin_user):
    report = make_report("certification_overview", columns=["user_name", "assignment_type"])
    rows = report_rows(report, admin_user, "sort=-user_name", per_route=True)
    assert [(row["User's name"], row["Assignment type"]) for row in rows] == [
        ("Pia Post", "Position"),
        ("Olga Outsider", "Manager"),
        ("Mick Middle", ""),
        ("Ivo Single", "Individual"),
        ("Dora Deep", "Audience"),
        ("Dora Deep", "Group"),
        ("Dan Direct", "Organisation"),
    ]
