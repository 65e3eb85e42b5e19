"""Computed due dates (event + period) never leave the stored range: clamped to its last day, never an error."""

import datetime as dt

import pytest

from assignments.models import AssignmentException, DueEvent, DueKind, ExceptionStatus, Resolution
from assignments.periods import sqlite_add_period
from assignments.services.engine import assignment_materialise
from assignments.services.exceptions import exception_resolve
from certifications.models import CertificationRecord
from certlms.dates import STORED_LATEST
from directory.models import ProfileDateValue
from tests.factories.certifications import CertificationFactory, CourseSetFactory
from tests.factories.directory import ProfileDateFieldFactory, UserFactory

from .helpers import audience_assignment, route

pytestmark = pytest.mark.django_db


def test_a_far_event_plus_a_long_period_is_clamped_to_the_last_stored_day(now):
    field = ProfileDateFieldFactory()
    user = UserFactory()
    ProfileDateValue.objects.create(user=user, field=field, value=dt.date(2126, 1, 1))
    assignment = audience_assignment(
        [user],
        due_kind=DueKind.RELATIVE,
        due_amount=1000,
        due_unit="years",
        due_event=DueEvent.PROFILE_DATE,
        due_event_profile_field=field,
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date == STORED_LATEST
    assert CertificationRecord.objects.get(user=user).due_date == STORED_LATEST


def test_a_sum_within_the_range_is_not_clamped(now):
    field = ProfileDateFieldFactory()
    user = UserFactory()
    ProfileDateValue.objects.create(user=user, field=field, value=dt.date(2026, 1, 31))
    assignment = audience_assignment(
        [user],
        due_kind=DueKind.RELATIVE,
        due_amount=1,
        due_unit="months",
        due_event=DueEvent.PROFILE_DATE,
        due_event_profile_field=field,
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert route(assignment, user).due_date == dt.datetime(2026, 2, 28, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", ["2999-06-01 00:00:00", "9999-12-31 23:59:00", "9999-12-31"])
def test_the_sqlite_function_clamps_even_past_year_9999(value):
    assert sqlite_add_period(value, 1000, "years") == "2999-12-31 23:59:59"


@pytest.mark.parametrize("allowance", [900_000_000, 400_000])
def test_set_realistic_due_date_with_a_huge_time_allowance_is_the_last_stored_day(now, admin_user, allowance):
    """now + allowance + 1 week would overflow Python (or pass year 2999): the due date is clamped instead."""
    user = UserFactory()
    certification = CertificationFactory()
    CourseSetFactory(certification=certification, minimum_time_days=allowance)
    assignment = audience_assignment(
        [user], certification=certification, due_kind=DueKind.FIXED, due_fixed_at=now + dt.timedelta(days=10)
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)
    exception = AssignmentException.objects.get(user=user, status=ExceptionStatus.OPEN)
    result = exception_resolve(
        certification=certification,
        exception_ids=[exception.pk],
        resolution=Resolution.REALISTIC_DUE,
        actor=admin_user,
        now=now,
    )
    assert result.resolved == 1
    assert route(assignment, user).due_date == STORED_LATEST
    assert CertificationRecord.objects.get(user=user).due_date == STORED_LATEST
