import io

import pytest

from assignments.models import Group, GroupMember
from enrolment import demo
from tests.enrolment import builders
from tests.factories.directory import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_groups_are_idempotent_one_certification_with_one_group_one_with_three():
    builders.certification(shortname="FIRE", fullname="Fire safety")
    builders.certification(shortname="FIRSTAID", fullname="First aid at work")
    builders.certification(shortname="FORKLIFT", fullname="Forklift safety")
    UserFactory(username="admin")
    UserFactory(username="manager")
    UserFactory(username="ivan")
    UserFactory(username="cara")
    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())
    counts = {g.certification.shortname: 0 for g in Group.objects.select_related("certification")}
    for group in Group.objects.select_related("certification"):
        counts[group.certification.shortname] += 1
    assert counts == {"FIRE": 3, "FIRSTAID": 1, "FORKLIFT": 3}
    assert Group.objects.filter(allow_enrol=True).count() == 6
    assert Group.objects.get(name="Warehouse A").has_enrolment_key
    assert (
        GroupMember.objects.filter(group__name="Warehouse B").count()
        == Group.objects.get(name="Warehouse B").max_learners
    )
    assert Group.objects.get(name="Supervised drivers").requires_approval
    assert GroupMember.objects.filter(group__name="Fire wardens", user__username="manager").exists()
    assert Group.objects.get(name="Day shift").assignment.due_amount == 1
