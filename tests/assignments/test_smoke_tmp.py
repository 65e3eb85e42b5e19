from assignments.models import UserAssignment
from assignments.services.engine import assignment_materialise
from certifications.models import AuditEvent, CertificationRecord
from directory.models import AudienceMember
from tests.factories.assignments import AssignmentFactory
from tests.factories.directory import UserFactory


def test_smoke(db, now):
    a = AssignmentFactory()
    users = UserFactory.create_batch(3)
    for u in users:
        AudienceMember.objects.create(audience=a.audience, user=u)
    written = assignment_materialise(assignment_id=a.pk, now=now)
    assert UserAssignment.objects.count() == 3
    assert CertificationRecord.objects.count() == 3
    print(written, list(AuditEvent.objects.values("subject", "action", "after")))
    assert assignment_materialise(assignment_id=a.pk, now=now) == 0
