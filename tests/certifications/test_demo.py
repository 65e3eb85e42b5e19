import io

import pytest

from certifications import demo
from certifications.models import Certification, CertificationRecord, RecordStatus, RenewalStatus

pytestmark = pytest.mark.django_db


def test_demo_builds_every_state_and_is_idempotent():
    demo.load(stdout=io.StringIO())
    assert set(Certification.objects.values_list("shortname", flat=True)) == {"FIRE", "FIRSTAID", "FORKLIFT"}
    fire = {r.user.username: r for r in CertificationRecord.objects.filter(certification__shortname="FIRE")}
    assert fire["nina"].status == RecordStatus.NOT_CERTIFIED
    assert fire["ivan"].status == RecordStatus.IN_PROGRESS
    assert (fire["cara"].status, fire["cara"].renewal_status) == (RecordStatus.CERTIFIED, RenewalStatus.NOT_DUE)
    assert (fire["wes"].status, fire["wes"].renewal_status) == (RecordStatus.CERTIFIED, RenewalStatus.DUE)
    assert (fire["eddie"].status, fire["eddie"].renewal_status) == (RecordStatus.EXPIRED, RenewalStatus.EXPIRED)
    first_aid = Certification.objects.get(shortname="FIRSTAID")
    assert first_aid.course_sets.filter(path="recertification").exists()
    records = list(CertificationRecord.objects.values_list("id", "status", "renewal_status", "expiry_date"))
    demo.load(stdout=io.StringIO())
    assert list(CertificationRecord.objects.values_list("id", "status", "renewal_status", "expiry_date")) == records
