"""Each assignment type and due-date event is described once: a type registered in ``REGISTRY`` alone
reaches the Add… menu, its picker, the rules, the engine and the receivers; every event that refers to
something is one entry of ``DUE_EVENT_TARGETS`` that the rules, the dialog and the selectors follow."""

import dataclasses

import pytest
from django.urls import reverse

from assignments.forms import EVENT_TARGET_FIELDS, DueDateForm
from assignments.models import DUE_EVENT_TARGETS, Assignment, DueKind, UserAssignment
from assignments.selectors import due_date_description
from assignments.services.engine import assignment_materialise
from assignments.services.rules import DueRule
from assignments.types import AUDIENCE_MEMBERS_CHANGED, JOB_ASSIGNMENTS_CHANGED, REGISTRY, listening
from directory.models import AudienceMember
from tests.factories.certifications import CertificationFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import AudienceFactory, PositionFactory, ProfileDateFieldFactory, UserFactory

pytestmark = pytest.mark.django_db

FACTORIES = {
    "due_event_position": PositionFactory,
    "due_event_certification": CertificationFactory,
    "due_event_course": CourseFactory,
    "due_event_profile_field": ProfileDateFieldFactory,
}


@pytest.fixture
def cohort(monkeypatch):
    """A new type, registered with one entry: audiences reached under another name and reason."""
    kind = dataclasses.replace(
        REGISTRY["audience"],
        type="cohort",
        label="Cohort",
        reason=lambda a: f"In cohort '{a.audience.name}'",
    )
    monkeypatch.setitem(REGISTRY, "cohort", kind)
    return kind


def test_a_registered_type_is_offered_picked_added_and_materialised(client, admin_user, cohort, now):
    certification = CertificationFactory()
    learner = UserFactory()
    audience = AudienceFactory(name="Night shift")
    AudienceMember.objects.create(audience=audience, user=learner)
    client.force_login(admin_user)

    tab = client.get(reverse("assignments:tab", args=[certification.pk]))
    picker_url = reverse("assignments:add", args=[certification.pk, "cohort"])
    assert picker_url in tab.content.decode()
    picker = client.get(picker_url, {"q": "Night"})
    assert picker.status_code == 200 and "Night shift" in picker.content.decode()

    response = client.post(picker_url, {"targets": [audience.pk]})
    assert response.status_code == 302
    assignment = Assignment.objects.get(certification=certification, type="cohort")
    assert assignment.audience_id == audience.pk

    assignment_materialise(assignment_id=assignment.pk, now=now)
    assert UserAssignment.objects.filter(assignment=assignment, user=learner).exists()
    assert set(Assignment.objects.filter(listening(AUDIENCE_MEMBERS_CHANGED, audience.pk))) == {assignment}


def test_receivers_follow_the_types_listening_to_an_event():
    certification = CertificationFactory()
    audience = AudienceFactory()
    by_audience = Assignment.objects.create(certification=certification, type="audience", audience=audience)
    by_position = Assignment.objects.create(certification=certification, type="position", position=PositionFactory())
    assert set(Assignment.objects.filter(listening(AUDIENCE_MEMBERS_CHANGED, audience.pk))) == {by_audience}
    assert set(Assignment.objects.filter(listening(AUDIENCE_MEMBERS_CHANGED, audience.pk + 1))) == set()
    assert set(Assignment.objects.filter(listening(JOB_ASSIGNMENTS_CHANGED))) == {by_position}
    assert {kind.type for kind in REGISTRY.values() if kind.picker is None} == {"group"}


@pytest.mark.parametrize("event", sorted(DUE_EVENT_TARGETS))
def test_each_event_target_is_set_alone_read_back_and_described(event):
    target = DUE_EVENT_TARGETS[event]
    assert target.form_field in DueDateForm.base_fields and EVENT_TARGET_FIELDS[event] == target.form_field
    thing = FACTORIES[target.field]()
    assignment = Assignment(certification=CertificationFactory(), type="audience", audience=AudienceFactory())
    DueRule(kind=DueKind.RELATIVE, amount=2, unit="days", event=event, target=thing).apply_to(assignment)
    others = {t.field for t in DUE_EVENT_TARGETS.values()} - {target.field}
    assert getattr(assignment, target.field) == thing
    assert all(getattr(assignment, field) is None for field in others)
    assert DueRule.of(assignment).target == thing
    assert due_date_description(assignment).endswith(f"'{thing}'")
    setattr(assignment, target.field, None)
    assert due_date_description(assignment).endswith("(deleted)")
