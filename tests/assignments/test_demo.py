"""The demo data: every record holder has a route, due dates are mixed, an exception is open; idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from assignments.models import Assignment, AssignmentException, DueKind, ExceptionStatus, RouteState, UserAssignment
from certifications.models import CertificationRecord


@pytest.mark.django_db
def test_demo_assigns_every_record_holder_with_mixed_due_dates_and_an_open_exception():
    call_command("demo_data", stdout=StringIO())
    records = CertificationRecord.objects.all()
    assert records.exists()
    for record in records:
        assert UserAssignment.objects.filter(
            user=record.user, certification=record.certification, state=RouteState.ACTIVE
        ).exists(), record
    assert set(Assignment.objects.values_list("due_kind", flat=True)) == {DueKind.NONE, DueKind.FIXED, DueKind.RELATIVE}
    assert AssignmentException.objects.filter(status=ExceptionStatus.OPEN).exists()

    counts = (UserAssignment.objects.count(), CertificationRecord.objects.count(), AssignmentException.objects.count())
    call_command("demo_data", stdout=StringIO())
    assert (
        UserAssignment.objects.count(),
        CertificationRecord.objects.count(),
        AssignmentException.objects.count(),
    ) == counts
