"""A date PostgreSQL holds but Python cannot read (year 0, year 10000) shows as unknown; no page fails.

Such values were stored before the readable-date constraints (or written by hand). The test drops the
constraints inside its own transaction, writes them with raw SQL, and visits every page that shows
them, the page that would fix them included.
"""

import pytest
from django.db import connection
from django.urls import reverse

from assignments.models import UserAssignment
from certifications.models import CertificationRecord, CertificationRecordHistory
from courses.models import CourseCompletion
from directory.models import JobAssignment, ProfileDateField, ProfileDateValue
from reporting.models import AccessRule
from tests.factories.courses import CourseFactory
from tests.reporting.conftest import make_report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

YEAR_10000 = "10000-01-01 10:59:00+00"  # 9999-12-31 23:59 typed in Pacific/Pago_Pago
YEAR_0 = "0001-01-01 00:00:00+00 BC"  # 0001-01-01 00:00 typed in Pacific/Kiritimati
TABLES = (CertificationRecord, CertificationRecordHistory, UserAssignment, CourseCompletion, JobAssignment)


def _write_unreadable(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks block ALTER TABLE
        for model in (*TABLES, ProfileDateValue):
            for constraint in model._meta.constraints:
                if constraint.name.endswith("_readable"):
                    cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DROP CONSTRAINT "{constraint.name}"')
        cursor.execute(sql, params)


@pytest.fixture
def unreadable(world):
    deep = world.deep
    course = CourseFactory()
    CourseCompletion.objects.create(user=deep, course=course, completed_at="2026-01-01T00:00Z")
    ProfileDateValue.objects.create(
        user=deep, field=ProfileDateField.objects.create(shortname="hire", name="Hire"), value="2020-01-01"
    )
    record, history = CertificationRecord._meta.db_table, CertificationRecordHistory._meta.db_table
    _write_unreadable(
        f"""
        UPDATE "{record}" SET due_date = %(late)s, completion_date = %(early)s, expiry_date = %(late)s,
            window_opens = %(early)s WHERE user_id = %(user)s;
        UPDATE "{history}" SET completion_date = %(early)s, expiry_date = %(late)s WHERE user_id = %(user)s;
        UPDATE "{UserAssignment._meta.db_table}" SET due_date = %(late)s WHERE user_id = %(user)s;
        UPDATE "{CourseCompletion._meta.db_table}" SET completed_at = %(early)s WHERE user_id = %(user)s;
        UPDATE "{JobAssignment._meta.db_table}" SET start_date = '0001-01-01 BC',
            position_assigned_date = '10000-01-01' WHERE user_id = %(user)s;
        UPDATE "{ProfileDateValue._meta.db_table}" SET value = '10000-01-01' WHERE user_id = %(user)s;
        """,
        {"late": YEAR_10000, "early": YEAR_0, "user": deep.pk},
    )
    return world


def test_unreadable_values_are_read_as_unknown(unreadable):
    record = CertificationRecord.objects.get(user=unreadable.deep, certification=unreadable.cert)
    assert (record.due_date, record.completion_date, record.expiry_date, record.window_opens) == (None,) * 4
    assert JobAssignment.objects.get(user=unreadable.deep).start_date is None
    assert CourseCompletion.objects.get(user=unreadable.deep).completed_at is None


def test_administrators_certification_pages_answer(client, admin_user, unreadable):
    client.force_login(admin_user)
    cert, deep = unreadable.cert, unreadable.deep
    for url in (
        reverse("certifications:list"),
        reverse("certifications:overview", args=[cert.pk]),
        reverse("certifications:details", args=[cert.pk]),
        reverse("certifications:completion", args=[cert.pk]),
        reverse("certifications:record_edit", args=[cert.pk, deep.pk]),
        reverse("assignments:tab", args=[cert.pk]),
        reverse("admin:courses_coursecompletion_changelist"),
        reverse("admin:directory_jobassignment_changelist"),
        reverse("admin:directory_profiledatevalue_changelist"),
    ):
        assert client.get(url).status_code == 200, url


def test_learners_catalogue_overview_and_record_of_learning_answer(client, unreadable):
    client.force_login(unreadable.deep)
    for url in (
        reverse("enrolment:catalogue"),
        reverse("enrolment:overview", args=[unreadable.cert.pk]),
        reverse("reporting:record_of_learning"),
        reverse("reporting:record_of_learning_export", args=["csv"]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("source", ["certification_membership", "certification_overview", "certification_completion"])
def test_managers_report_and_export_answer(client, unreadable, source):
    report = make_report(source, access=AccessRule.MANAGERS)
    client.force_login(unreadable.manager)
    assert client.get(reverse("reporting:report_view", args=[report.pk])).status_code == 200
    assert client.get(reverse("reporting:report_export", args=[report.pk, "xlsx"])).status_code == 200
