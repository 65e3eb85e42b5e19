"""No page shows an internal value (DOMAIN §8, issue 10 point 6): the overview's routes, the change log's
every subject, key and value, and the refusals say words, never an id, a raw state or a field name."""

import re

import pytest
from django.urls import reverse

from assignments.models import AssignmentException, DueKind, ExceptionStatus, Resolution, RouteState, UserAssignment
from assignments.services import groups
from assignments.services.engine import assignment_materialise
from assignments.services.exceptions import exception_resolve
from certifications.models import CourseSet
from tests.enrolment import builders
from tests.factories.courses import CourseFactory
from tests.factories.directory import UserFactory
from tests.factories.reporting_data import NOW

from ..assignments.helpers import audience_assignment

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def learner():
    return UserFactory(first_name="Lea", last_name="Learner")


def test_overview_route_line_does_not_end_in_a_raw_state(client, learner):
    certification = builders.certification()
    groups.group_enrol(group=builders.group(certification, name="Night shift"), learner=learner)
    client.force_login(learner)
    html = client.get(reverse("enrolment:overview", args=[certification.pk])).content.decode()
    assert "Self-enrolled in group &#x27;Night shift&#x27;" in html
    assert "— active" not in html and "— Assigned" not in html


def test_change_log_reads_as_words(client, admin_user, learner):
    certification = builders.certification()
    course_set = CourseSet.objects.create(certification=certification, minimum_time_days=30)
    course_set.courses.add(CourseFactory())
    added = builders.group(certification, name="Warehouse")
    groups.group_member_add_many(group=added, user_ids=[learner.pk], actor=admin_user)
    groups.group_enrol(group=builders.group(certification, name="Night shift"), learner=learner)
    # A route in exception (due in a week, 30 days needed), then resolved with Assign.
    tight = audience_assignment(
        [learner], certification=certification, due_kind=DueKind.FIXED, due_fixed_at=NOW.replace(year=2026, day=8)
    )
    assignment_materialise(assignment_id=tight.pk, now=NOW)
    exception = AssignmentException.objects.get(status=ExceptionStatus.OPEN)
    exception_resolve(
        certification=certification,
        exception_ids=[exception.pk],
        resolution=Resolution.ASSIGN,
        actor=admin_user,
        now=NOW,
    )
    assert UserAssignment.objects.get(assignment=tight).state == RouteState.ACTIVE
    client.force_login(admin_user)
    text = page_text(client.get(reverse("certifications:record_edit", args=[certification.pk, learner.pk])))
    log = text[text.index("Change log") :]
    assert "Group membership: self-enrolled" in log
    assert "Group membership: added" in log
    assert "Self-enrolled: Yes" in log and "Self-enrolled: No" in log
    assert "Assignment route: exception raised" in log and "Assignment route: exception resolved" in log
    assert f"Assignment: {tight.audience.name}" in log
    assert "Resolution: Assign" in log and "State: In exception" in log and "Type: Time allowance" in log
    for internal in ("_", "Group id", "True", "False", "Self enrolled", "time_allowance", "exception State"):
        assert internal not in log, internal
    assert not re.search(r"Assignment: \d+", log)


def test_a_group_of_another_certification_is_refused_for_what_it_is(client, learner):
    certification = builders.certification(fullname="Forklift safety")
    builders.group(certification)
    elsewhere = builders.group(builders.certification())
    client.force_login(learner)
    response = client.post(reverse("enrolment:enrol", args=[certification.pk]), {"group": elsewhere.pk})
    assert "That group does not belong to Forklift safety." in page_text(response)
    assert "no longer exists" not in page_text(response)


def test_the_due_date_dialog_posted_without_a_kind_says_what_is_missing(client, admin_user):
    assignment = audience_assignment([])
    client.force_login(admin_user)
    response = client.post(reverse("assignments:due_date", args=[assignment.pk]), {})
    assert response.status_code == 200
    assert "Choose the assignment due date: No due date, Fixed date or Relative to event." in page_text(response)
    response = client.post(reverse("assignments:due_date", args=[assignment.pk]), {"kind": DueKind.RELATIVE})
    text = page_text(response)
    assert "Enter how many days, weeks, months or years the learner has." in text
    assert "Choose the event the due date is relative to." in text
    assert "This field is required" not in text
