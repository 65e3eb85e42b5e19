"""The data migrations' repair: out-of-bounds stored dates become NULL where nullable, clamped where required."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection

from certifications.models import CertificationRecord, CertificationRecordHistory
from certlms.dates import STORED_EARLIEST, STORED_LATEST
from courses.models import CourseCompletion
from directory.models import JobAssignment
from tests.factories.certifications import CertificationRecordFactory
from tests.factories.courses import CourseCompletionFactory
from tests.factories.directory import JobAssignmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _without_constraints(*models):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            for constraint in model._meta.constraints:
                if constraint.name.endswith("_readable"):
                    cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DROP CONSTRAINT "{constraint.name}"')
    return connection.cursor()


def _repair(app: str, migration: str) -> None:
    importlib.import_module(f"{app}.migrations.{migration}").repair(apps, None)


def test_nullable_dates_out_of_bounds_become_null_and_the_rest_stay():
    bad = CertificationRecordFactory(due_date=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    good = CertificationRecordFactory(due_date=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    ja = JobAssignmentFactory(start_date=dt.date(2020, 1, 1))
    with _without_constraints(CertificationRecord, CertificationRecordHistory, JobAssignment) as cursor:
        cursor.execute(
            f'UPDATE "{CertificationRecord._meta.db_table}" SET due_date = %s, expiry_date = %s WHERE id = %s',
            ["10000-01-01 10:59:00+00", "1899-06-01 00:00:00+00", bad.pk],
        )
        cursor.execute(
            f"UPDATE \"{JobAssignment._meta.db_table}\" SET start_date = '0001-01-01 BC' WHERE id = %s", [ja.pk]
        )
    _repair("certifications", "0004_repair_unreadable_dates")
    _repair("directory", "0003_repair_unreadable_dates")
    bad.refresh_from_db()
    good.refresh_from_db()
    ja.refresh_from_db()
    assert (bad.due_date, bad.expiry_date, ja.start_date) == (None, None, None)
    assert good.due_date == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def test_required_dates_out_of_bounds_are_clamped():
    late, early = CourseCompletionFactory(), CourseCompletionFactory()
    with _without_constraints(CourseCompletion) as cursor:
        table = CourseCompletion._meta.db_table
        cursor.execute(f'UPDATE "{table}" SET completed_at = %s WHERE id = %s', ["10000-01-01 10:59:00+00", late.pk])
        cursor.execute(f'UPDATE "{table}" SET completed_at = %s WHERE id = %s', ["0001-01-01 00:00:00+00 BC", early.pk])
    _repair("courses", "0002_repair_unreadable_dates")
    late.refresh_from_db()
    early.refresh_from_db()
    assert (late.completed_at, early.completed_at) == (STORED_LATEST, STORED_EARLIEST)
