""" "No due date" is not "Not yet known" (DOMAIN §3, issue 10 point 4): one rule on the overview page,
the Completion tab and reports with their exports — "No due date" without a due-date rule, "Not yet
known" while the rule's event has not happened."""

import pytest
from django.urls import reverse

from assignments.models import DueEvent
from assignments.services.engine import assignment_materialise
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import UserFactory
from tests.factories.reporting_data import NOW
from tests.reporting.conftest import make_report
from tests.reporting.helpers import report_rows

from ..assignments.helpers import audience_assignment, relative_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def learners():
    """Nora's route has no due-date rule; Wes waits for his first login."""
    certification = CertificationFactory(fullname="Fire safety")
    nora = UserFactory(first_name="Nora", last_name="None")
    wes = UserFactory(first_name="Wes", last_name="Waiting")
    for user, due in ((nora, {}), (wes, relative_due(DueEvent.FIRST_LOGIN, 2, "weeks"))):
        assignment = audience_assignment([user], certification=certification, **due)
        assignment_materialise(assignment_id=assignment.pk, now=NOW)
    return certification, nora, wes


def _row_of(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_completion_tab_says_no_due_date_without_a_rule_and_not_yet_known_while_waiting(client, admin_user, learners):
    certification, nora, wes = learners
    client.force_login(admin_user)
    html = client.get(reverse("certifications:completion", args=[certification.pk])).content.decode()
    assert "No due date" in _row_of(html, "Nora None") and "Not yet known" not in _row_of(html, "Nora None")
    assert "Not yet known" in _row_of(html, "Wes Waiting") and "No due date" not in _row_of(html, "Wes Waiting")


def test_overview_page_follows_the_same_rule(client, learners):
    certification, nora, wes = learners
    for user, shown in ((nora, "No due date"), (wes, "Not yet known")):
        client.force_login(user)
        html = client.get(reverse("enrolment:overview", args=[certification.pk])).content.decode()
        assert f"<dt>Due date</dt><dd>{shown}</dd>" in html


@pytest.mark.parametrize("source", ["certification_overview", "certification_completion", "certification_membership"])
def test_reports_and_their_exports_follow_the_same_rule(admin_user, learners, source):
    certification, nora, wes = learners
    report = make_report(source, columns=["user_name", "due_date"])
    due = {row["User's name"]: row["Due date"] for row in report_rows(report, admin_user)}
    assert due == {"Nora None": "No due date", "Wes Waiting": "Not yet known"}
