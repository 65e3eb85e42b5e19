"""Who sees which report and which rows: administrators, managers (own staff only), learners; 404 when forbidden."""

import pytest
from django.urls import reverse

from reporting.models import AccessRule, ContentRule
from tests.factories.directory import UserFactory

from .conftest import make_report
from .helpers import names, report_rows

pytestmark = pytest.mark.django_db

TEAM_BELOW_MONA = {"Dora Deep", "Dan Direct", "Mick Middle"}


def view_names(client, report, params=""):
    response = client.get(reverse("reporting:report_view", args=[report.pk]) + params)
    assert response.status_code == 200
    cells = response.context["page"].cells
    headings = [c.heading for c in response.context["run"].columns]
    return {dict(zip(headings, row, strict=True))["User's name"] for row in cells}


def report_urls(report):
    return [
        reverse("reporting:report_view", args=[report.pk]),
        reverse("reporting:report_chart", args=[report.pk]),
        reverse("reporting:report_export", args=[report.pk, "csv"]),
    ]


def admin_urls(report):
    return [
        reverse("reporting:report_edit", args=[report.pk]),
        reverse("reporting:report_delete", args=[report.pk]),
        reverse("reporting:report_create"),
        reverse("reporting:record_of_learning_edit"),
    ]


def test_anonymous_is_sent_to_sign_in_everywhere(client, world):
    report = make_report("certification_overview", access=AccessRule.ALL)
    for url in [*report_urls(report), *admin_urls(report), reverse("reporting:report_list"), "/record-of-learning/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_report_list_shows_what_each_role_may_see(client, world, admin_user):
    admins = make_report("certification_overview", name="For administrators", access=AccessRule.ADMINS)
    managers = make_report("certification_overview", name="For managers", access=AccessRule.MANAGERS)
    everyone = make_report("certification_overview", name="For everyone", access=AccessRule.ALL)

    def listed(user):
        client.force_login(user)
        html = client.get(reverse("reporting:report_list")).content.decode()
        return {r.name for r in (admins, managers, everyone) if r.name in html}

    assert listed(admin_user) == {"For administrators", "For managers", "For everyone"}
    assert listed(world.manager) == {"For managers", "For everyone"}
    assert listed(world.deep) == {"For everyone"}
    assert "Record of Learning: Certifications" not in client.get(reverse("reporting:report_list")).content.decode()


@pytest.mark.parametrize("access", [AccessRule.ADMINS, AccessRule.MANAGERS])
def test_learner_gets_404_for_reports_not_open_to_them(client, world, access):
    report = make_report("certification_overview", access=access)
    client.force_login(world.deep)
    for url in report_urls(report):
        assert client.get(url).status_code == 404, url


def test_manager_gets_404_for_administrators_reports_and_admin_pages(client, world):
    report = make_report("certification_overview", access=AccessRule.ADMINS)
    open_report = make_report("certification_overview", access=AccessRule.ALL)
    client.force_login(world.manager)
    for url in [*report_urls(report), *admin_urls(open_report)]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("reporting:report_copy", args=[open_report.pk])).status_code == 404
    assert client.post(reverse("reporting:report_delete", args=[open_report.pk])).status_code == 404


def test_missing_report_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("reporting:report_view", args=[999999])).status_code == 404


def test_administrator_sees_all_records(client, world, admin_user):
    report = make_report("certification_overview", access=AccessRule.MANAGERS)
    client.force_login(admin_user)
    assert len(view_names(client, report)) == 6


def test_manager_sees_only_staff_directly_and_further_down(client, world):
    report = make_report("certification_overview", access=AccessRule.MANAGERS, content=ContentRule.ALL)
    client.force_login(world.manager)
    assert view_names(client, report) == TEAM_BELOW_MONA


def test_middle_manager_sees_only_their_own_team(client, world):
    report = make_report("certification_overview", access=AccessRule.MANAGERS, content=ContentRule.STAFF)
    client.force_login(world.middle)
    assert view_names(client, report) == {"Dora Deep"}


def test_manager_cannot_reach_another_team_by_filter_or_url(client, world):
    report = make_report("certification_overview", access=AccessRule.MANAGERS)
    client.force_login(world.manager)
    assert view_names(client, report, "?user_name=Olga") == set()
    assert view_names(client, report, "?user_manager=Otto") == set()
    assert view_names(client, report, "?content=all&user=outsider") == TEAM_BELOW_MONA
    export = client.get(reverse("reporting:report_export", args=[report.pk, "csv"]))
    assert "Olga" not in b"".join(export.streaming_content).decode()


def test_content_rule_people_who_report_to_the_viewer_applies_to_administrators_too(world, admin_user):
    report = make_report("certification_overview", content=ContentRule.STAFF)
    assert report_rows(report, admin_user) == []
    assert names(report_rows(report, world.manager)) == TEAM_BELOW_MONA


def test_content_rule_own_records(world, admin_user):
    report = make_report("certification_overview", access=AccessRule.ALL, content=ContentRule.OWN)
    assert names(report_rows(report, world.deep)) == {"Dora Deep"}
    assert names(report_rows(report, world.manager)) == set()
    assert report_rows(report, admin_user) == []


def test_learner_on_a_report_for_all_users_sees_only_their_own_records(client, world):
    report = make_report("certification_overview", access=AccessRule.ALL, content=ContentRule.ALL)
    client.force_login(world.direct)
    assert view_names(client, report) == {"Dan Direct"}


def test_a_new_manager_sees_nobody_else(client, world):
    lonely = UserFactory(username="lonely")
    report = make_report("certification_overview", access=AccessRule.ALL)
    client.force_login(lonely)
    assert view_names(client, report) == set()
