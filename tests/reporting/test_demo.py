import io

import pytest

from reporting import demo
from reporting.models import Report
from reporting.services import record_of_learning_report

pytestmark = pytest.mark.django_db


def test_demo_reports_load_once_and_again_change_nothing():
    demo.load(stdout=io.StringIO())
    before = list(Report.objects.order_by("pk").values())
    demo.load(stdout=io.StringIO())
    assert list(Report.objects.order_by("pk").values()) == before
    names = set(Report.objects.values_list("name", flat=True))
    assert {"Certification membership by assignment", "My team's certifications"} <= names
    embedded = record_of_learning_report()
    assert [c["key"] for c in embedded.columns][-2:] == ["assignment_type", "assignment_name"]
    assert embedded.filters == ["assignment_type"]
