"""DOMAIN §6: every date field refuses dates before 1900 or more than 100 years ahead, with a message.

Each typed or imported date of the product is posted with the extreme values in timezones far west
and far east of UTC (where 0001-01-01 00:00 and 9999-12-31 23:59 leave Python's range once in UTC);
each is refused with the message and nothing is saved.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assignments.models import Assignment, DueKind
from certifications.forms import CourseSetForm
from certifications.models import CertificationRecordHistory
from certifications.periods import Period
from certifications.rules import settings_errors
from certlms.dates import EARLIEST_DATE, in_date_range, latest_date, validate_date_range
from courses.models import CourseCompletion
from directory.csv_import import JOB_ASSIGNMENTS, directory_import
from directory.models import JobAssignment, LearnerProfile, ProfileDateField, ProfileDateValue
from tests.factories.assignments import AssignmentFactory
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import UserFactory

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
MESSAGE = "more than 100 years ahead are refused"
DATETIMES = ["0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59", "2126-06-02T00:00"]
DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2126-06-02"]
TIMEZONES = ["Pacific/Pago_Pago", "America/New_York", "Pacific/Kiritimati"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# --- the validator ---------------------------------------------------------------------------------


def test_bounds_are_1900_and_100_years_ahead():
    assert latest_date(dt.date(2026, 6, 1)) == dt.date(2126, 6, 1)
    assert latest_date(dt.date(2000, 2, 29)) == dt.date(2100, 2, 28)
    assert in_date_range(dt.date(1900, 1, 1)) and not in_date_range(dt.date(1899, 12, 31))
    assert in_date_range(dt.date(2126, 6, 1)) and not in_date_range(dt.date(2126, 6, 2))


def test_a_datetime_is_judged_by_its_own_day_in_its_own_timezone():
    kiritimati = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    assert in_date_range(dt.datetime(1900, 1, 1, 0, 0, tzinfo=kiritimati))  # 1899 in UTC, 1900 as typed
    with pytest.raises(ValidationError, match=MESSAGE):
        validate_date_range(dt.datetime(9999, 12, 31, 23, 59, tzinfo=zoneinfo.ZoneInfo("Pacific/Pago_Pago")))


@given(day=st.dates(), today=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2500, 12, 31)))
def test_validator_accepts_exactly_the_range(day, today):
    earliest, latest = EARLIEST_DATE, latest_date(today)
    assert in_date_range(day, today=today) == (earliest <= day <= latest)
    assert (latest.year, latest.month) == (today.year + 100, today.month)
    assert latest.day == today.day or (today.month, today.day, latest.day) == (2, 29, 28)


@given(
    moment=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2126, 6, 1, 23, 59)),
    tz=st.sampled_from(TIMEZONES),
)
def test_an_accepted_datetime_is_readable_in_utc_from_any_timezone(moment, tz):
    aware = moment.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    validate_date_range(aware)
    assert dt.datetime(1899, 12, 31, tzinfo=dt.UTC) <= aware.astimezone(dt.UTC) < dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


# --- every form --------------------------------------------------------------------------------------


@pytest.fixture
def administrator(request, client, admin_user):
    LearnerProfile.objects.create(user=admin_user, timezone=request.param)
    client.force_login(admin_user)
    return admin_user


def assert_refused(response):
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()


def record_state(**changes):
    return {
        "status": "certified",
        "renewal_status": "not_due",
        "path": "recertification",
        "due_date": "2027-05-01T00:00",
        "completion_date": "2026-05-01T00:00",
        "window_opens": "2027-04-01T00:00",
        "expiry_date": "2027-05-01T00:00",
        "baseline_expiry": "2027-05-01T00:00",
        "confirm": "1",
        **changes,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("administrator", TIMEZONES, indirect=True)
@pytest.mark.parametrize("value", DATETIMES)
def test_certification_availability_refuses(client, administrator, value):
    certification = CertificationFactory(fullname="Fire safety", shortname="fire")
    url = reverse("certifications:details", args=[certification.pk])
    data = {"fullname": "Fire safety", "shortname": "fire", "visibility": "all", "confirm": "1"}
    for field in ("available_from", "available_until"):
        assert_refused(client.post(url, {**data, field: value}))
    certification.refresh_from_db()
    assert certification.available_from is None and certification.available_until is None


@pytest.mark.django_db
@pytest.mark.parametrize("administrator", TIMEZONES, indirect=True)
@pytest.mark.parametrize("value", DATETIMES)
def test_completion_editor_refuses(client, administrator, value):
    record = CertificationRecordFactory(due_date=NOW + dt.timedelta(days=30))
    before = (record.status, record.due_date, record.completion_date, record.expiry_date)
    args = [record.certification_id, record.user_id]
    assert_refused(client.post(reverse("certifications:record_due_date", args=args), {"due_date": value}))
    for field in ("due_date", "completion_date", "window_opens", "expiry_date", "baseline_expiry"):
        assert_refused(client.post(reverse("certifications:record_state", args=args), record_state(**{field: value})))
    assert_refused(client.post(reverse("certifications:history_add", args=args), record_state(archived_at=value)))
    assert_refused(
        client.post(
            reverse("certifications:history_add", args=args),
            record_state(archived_at="2026-04-01T00:00", completion_date=value),
        )
    )
    record.refresh_from_db()
    assert (record.status, record.due_date, record.completion_date, record.expiry_date) == before
    assert not CertificationRecordHistory.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("administrator", TIMEZONES, indirect=True)
@pytest.mark.parametrize("value", DATETIMES)
def test_assignment_fixed_due_date_refuses(client, administrator, value):
    assignment = AssignmentFactory()
    response = client.post(
        reverse("assignments:due_date", args=[assignment.pk]), {"kind": "fixed", "fixed_at": value, "confirm": "1"}
    )
    assert_refused(response)
    assignment.refresh_from_db()
    assert (assignment.due_kind, assignment.due_fixed_at) == (DueKind.NONE, None)
    assert Assignment.objects.filter(due_fixed_at__isnull=False).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("value", DATES)
@pytest.mark.parametrize("column", ["start_date", "position_assigned_date"])
def test_csv_import_refuses_job_assignment_dates(value, column):
    UserFactory(username="ann")
    header = "username,idnumber,fullname,organisation,position,manager,start_date,position_assigned_date\n"
    row = {"start_date": "", "position_assigned_date": "", column: value}
    text = header + f"ann,JA1,Nurse,,,,{row['start_date']},{row['position_assigned_date']}\n"
    result = directory_import(kind=JOB_ASSIGNMENTS, text=text)
    assert [e.line for e in result.errors] == [2]
    assert MESSAGE in result.errors[0].message and column in result.errors[0].message
    assert not JobAssignment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("administrator", TIMEZONES, indirect=True)
@pytest.mark.parametrize("value", DATETIMES)
def test_admin_course_completion_refuses(client, administrator, value):
    learner, course = UserFactory(), CourseFactory()
    day, time = value.split("T")
    response = client.post(
        reverse("admin:courses_coursecompletion_add"),
        {"user": learner.pk, "course": course.pk, "completed_at_0": day, "completed_at_1": time},
    )
    assert_refused(response)
    assert not CourseCompletion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("administrator", TIMEZONES[:1], indirect=True)
@pytest.mark.parametrize("value", DATES)
def test_admin_profile_date_and_job_assignment_dates_refuse(client, administrator, value):
    learner = UserFactory()
    field = ProfileDateField.objects.create(shortname="hire", name="Date of hire")
    response = client.post(
        reverse("admin:directory_profiledatevalue_add"), {"user": learner.pk, "field": field.pk, "value": value}
    )
    assert_refused(response)
    assert not ProfileDateValue.objects.exists()
    for column in ("start_date", "position_assigned_date"):
        response = client.post(
            reverse("admin:directory_jobassignment_add"),
            {"user": learner.pk, "idnumber": "JA1", "fullname": "Nurse", column: value},
        )
        assert_refused(response)
    assert not JobAssignment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "valid"), [(36525, True), (36526, False)])
def test_a_course_sets_minimum_time_is_at_most_100_years(days, valid):
    """The time allowance is added to today for realistic due dates and exceptions' checks."""
    form = CourseSetForm(
        data={
            "name": "Core",
            "courses": [CourseFactory().pk],
            "completion_rule": "all",
            "minimum_time_days": days,
            "sortorder": 0,
        }
    )
    assert ("minimum_time_days" not in form.errors) is valid


@pytest.mark.parametrize(("active", "refused"), [(Period(100, "years"), False), (Period(1201, "months"), True)])
def test_an_active_period_is_at_most_100_years(active, refused):
    """Expiry dates are completion + active period; a longer period would leave the readable range."""
    errors = settings_errors(
        active=active,
        window=Period(1, "months"),
        minimum_active=None,
        method="expiry",
        recertification_allowance_days=0,
    )
    assert ("active_period_amount" in errors) is refused
