"""The hot lists' rows (``api.rows``) are the schema's serializer's rows, field for field."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from api.rows import RECORD_COLUMNS, iso_dates, record_row
from api.serializers import RecordSerializer
from certifications.models import CertificationRecord
from tests.factories.certifications import CertificationRecordFactory
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _both(record):
    values = CertificationRecord.objects.filter(pk=record.pk).values(*RECORD_COLUMNS).get()
    instance = CertificationRecord.objects.select_related("user", "certification").get(pk=record.pk)
    return record_row(values, iso_dates()), RecordSerializer(instance).data


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_a_record_row_is_the_record_serializers_row_in_any_time_zone(zone):
    record = CertificationRecordFactory(
        user=UserFactory(first_name="Ada", last_name="Lovelace"),
        due_date=WHEN,
        completion_date=WHEN - dt.timedelta(days=400),
        window_opens=WHEN - dt.timedelta(days=30),
        expiry_date=WHEN + dt.timedelta(days=365),
    )
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        row, expected = _both(record)
    assert row == expected
    assert row["due_date"].endswith("Z") == (zone == "UTC")


def test_a_record_row_without_dates_or_names_shows_nulls_and_the_username():
    record = CertificationRecordFactory(user=UserFactory(username="nameless", first_name="", last_name=""))
    CertificationRecord.objects.filter(pk=record.pk).update(
        due_date=None, completion_date=None, window_opens=None, expiry_date=None
    )
    row, expected = _both(record)
    assert row == expected
    assert row["user"]["name"] == "nameless"
    assert row["due_date"] is None


def test_a_certifications_records_have_the_keysets_index():
    """``certification_id = … AND id > after ORDER BY id`` is a range of one index at any depth, however
    the certification's records lie in the table (api/migrations/0002)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, CertificationRecord._meta.db_table)
    assert any(c["index"] and c["columns"] == ["certification_id", "id"] for c in constraints.values())
