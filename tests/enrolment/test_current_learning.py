"""Current learning (the learner's home), the overview's course sets, the course page's links back (issue 11)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from certifications.models import CertificationRecord, CompletionRule, CourseSet, RecordStatus
from certifications.selectors import paths_progress
from courses.models import CourseCompletion
from enrolment import selectors
from tests.enrolment import builders
from tests.factories.courses import CourseFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 2, 17, 0, tzinfo=UTC)


def record(cert, user, **fields):
    return CertificationRecord.objects.create(certification=cert, user=user, assigned_at=NOW, updated_at=NOW, **fields)


def course_set(cert, *courses, rule=CompletionRule.ALL, order=0, name=""):
    made = CourseSet.objects.create(certification=cert, completion_rule=rule, sortorder=order, name=name)
    made.courses.add(*courses)
    return made


def test_home_is_current_learning(client, learner):
    client.force_login(learner)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("enrolment:current_learning")


def test_current_learning_lists_overdue_first_then_by_due_date_then_no_due_date(learner):
    later = record(builders.certification(fullname="Later"), learner, due_date=NOW + timedelta(days=30))
    undated = record(builders.certification(fullname="Undated"), learner)
    overdue = record(builders.certification(fullname="Overdue"), learner, due_date=NOW - timedelta(days=1))
    soon = record(builders.certification(fullname="Soon"), learner, due_date=NOW + timedelta(days=2))
    items = selectors.current_learning(user=learner, now=NOW)
    assert [i.record for i in items] == [overdue, soon, later, undated]
    assert [i.overdue for i in items] == [True, False, False, False]


def test_a_certified_record_past_its_due_date_is_not_overdue(learner):
    record(builders.certification(), learner, status=RecordStatus.CERTIFIED, due_date=NOW - timedelta(days=1))
    assert selectors.current_learning(user=learner, now=NOW)[0].overdue is False


def test_current_learning_query_count_does_not_grow(learner, django_assert_max_num_queries):
    for n in range(6):
        cert = builders.certification()
        course_set(cert, CourseFactory(), CourseFactory())
        record(cert, learner, due_date=NOW + timedelta(days=n))
    with django_assert_max_num_queries(4):
        items = selectors.current_learning(user=learner, now=NOW)
    assert len(items) == 6


@time_machine.travel(NOW, tick=False)
def test_current_learning_page_shows_status_due_date_with_zone_progress_and_next_course(client, learner):
    cert = builders.certification(fullname="Forklift safety")
    done, next_course = CourseFactory(fullname="Theory"), CourseFactory(fullname="Practice")
    course_set(cert, done, order=0)
    course_set(cert, next_course, order=1)
    CourseCompletion.objects.create(user=learner, course=done, completed_at=NOW)
    record(cert, learner, status=RecordStatus.IN_PROGRESS, due_date=datetime(2027, 10, 3, 5, 10, tzinfo=UTC))
    client.force_login(learner)
    page = client.get(reverse("enrolment:current_learning")).content.decode()
    assert reverse("enrolment:overview", args=[cert.pk]) in page
    assert "In progress" in page
    assert "Due 3 Oct 2027, 05:10 UTC" in page
    assert 'aria-valuenow="50"' in page and "50% complete" in page
    assert f'href="{reverse("courses:detail", args=[next_course.pk])}">Practice' in page


def test_current_learning_without_certifications_points_to_the_catalogue(client, learner):
    client.force_login(learner)
    page = client.get(reverse("enrolment:current_learning")).content.decode()
    assert "You have no certifications to complete right now." in page
    assert f'href="{reverse("enrolment:catalogue")}">Browse the catalogue' in page


def test_progress_follows_the_rules_and_marks_the_first_unfinished_set_next(learner):
    cert = builders.certification()
    a, b, c, d = (CourseFactory() for _ in range(4))
    any_set = course_set(cert, a, b, rule=CompletionRule.ANY, order=0)
    all_set = course_set(cert, c, d, order=1)
    course_set(cert, order=2)  # no courses: does not count
    CourseCompletion.objects.create(user=learner, course=b, completed_at=NOW)
    CourseCompletion.objects.create(user=learner, course=c, completed_at=NOW)
    progress = paths_progress(user_id=learner.pk, items=[(cert, "certification", False)])[cert.pk]
    assert [(s.course_set, s.complete, s.is_next) for s in progress.sets] == [
        (any_set, True, False),
        (all_set, False, True),
    ]
    assert progress.percent == 50 and progress.next_course == d


def test_a_certified_learner_is_at_100_percent_with_nothing_next(learner):
    cert = builders.certification()
    course_set(cert, CourseFactory())
    progress = paths_progress(user_id=learner.pk, items=[(cert, "certification", True)])[cert.pk]
    assert progress.percent == 100 and progress.next_course is None


def test_overview_lists_course_links_rule_and_highlights_the_next_set(client, learner):
    cert = builders.certification(fullname="First aid")
    course = CourseFactory(fullname="CPR")
    course_set(cert, course, rule=CompletionRule.ANY, name="Essentials")
    record(cert, learner)
    builders.group(cert)
    client.force_login(learner)
    page = client.get(reverse("enrolment:overview", args=[cert.pk])).content.decode()
    assert f'href="{reverse("courses:detail", args=[course.pk])}"' in page
    assert "Any one course" in page and "course-set is-next" in page and "Your next course" in page
    assert "Not completed" in page and "0% complete" in page


def test_course_page_links_back_to_each_visible_certification_containing_it(client, learner):
    course = CourseFactory(fullname="CPR", allow_self_completion=True)
    shown = builders.certification(fullname="First aid")
    hidden = builders.certification(fullname="Secret", visibility="none")
    course_set(shown, course)
    course_set(hidden, course)
    client.force_login(learner)
    page = client.get(reverse("courses:detail", args=[course.pk])).content.decode()
    assert f'href="{reverse("enrolment:overview", args=[shown.pk])}">First aid' in page
    assert "Secret" not in page
    assert "Mark as complete" in page


def test_catalogue_card_offers_enrol_and_shows_progress_when_assigned(client, learner):
    open_cert = builders.certification(fullname="Open")
    builders.group(open_cert)
    assigned = builders.certification(fullname="Assigned")
    course_set(assigned, CourseFactory())
    record(assigned, learner)
    client.force_login(learner)
    page = client.get(reverse("enrolment:catalogue")).content.decode()
    assert f'href="{reverse("enrolment:enrol", args=[open_cert.pk])}"' in page
    assert 'aria-label="Enrol in Open"' in page
    assert 'aria-label="Progress of Assigned"' in page
    assert 'aria-label="Enrol in Assigned"' not in page


def test_record_of_learning_rows_link_to_the_overview(client, learner):
    cert = builders.certification(fullname="Manual handling")
    record(cert, learner)
    client.force_login(learner)
    page = client.get(reverse("reporting:record_of_learning")).content.decode()
    assert f'<a href="{reverse("enrolment:overview", args=[cert.pk])}">Manual handling</a>' in page
