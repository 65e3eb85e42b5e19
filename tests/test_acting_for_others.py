"""A learner can never act for another learner: ids of other people in a request are ignored, never obeyed.

Runs on the demo data: "learner" and "learner2" both report to "manager".
"""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assignments.models import Group, GroupMember
from courses.models import Course, CourseCompletion

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    call_command("demo_data", stdout=io.StringIO())
    return User.objects.get(username="learner"), User.objects.get(username="learner2")


def _others(other):
    return {"user_id": other.pk, "user": other.pk, "learner": other.pk, "learner_id": other.pk, "users": [other.pk]}


def test_enrolling_with_another_learners_id_enrols_only_the_requester(client, people):
    learner, other = people
    group = Group.objects.get(name="Day shift")
    client.force_login(learner)
    client.post(f"/certifications/{group.certification_id}/enrol/", {"group": group.pk, **_others(other)})
    members = set(GroupMember.objects.filter(group=group).values_list("user__username", flat=True))
    assert "learner" in members
    assert "learner2" not in members


def test_withdrawing_with_another_learners_id_withdraws_nobody_else(client, people):
    learner, other = people
    group = Group.objects.get(name="Day shift")
    client.force_login(other)
    client.post(f"/certifications/{group.certification_id}/enrol/", {"group": group.pk})
    assert GroupMember.objects.filter(group=group, user=other).exists()
    client.force_login(learner)
    response = client.post(f"/certifications/{group.certification_id}/withdraw/", _others(other))
    assert response.status_code == 200  # "You are not self-enrolled …; nothing was changed."
    assert GroupMember.objects.filter(group=group, user=other).exists()


def test_marking_a_course_complete_with_another_learners_id_completes_only_the_requester(client, people):
    learner, other = people
    course = Course.objects.filter(allow_self_completion=True).exclude(completions__user=learner).first()
    others_before = list(CourseCompletion.objects.filter(course=course, user=other).values_list("completed_at"))
    client.force_login(learner)
    client.post(f"/courses/{course.pk}/complete/", _others(other))
    assert CourseCompletion.objects.filter(course=course, user=learner).exists()
    assert list(CourseCompletion.objects.filter(course=course, user=other).values_list("completed_at")) == others_before


def test_record_of_learning_export_ignores_another_learners_id(client, people):
    learner, other = people
    client.force_login(learner)
    mine = client.get("/record-of-learning/export/csv/").getvalue()
    with_other = client.get("/record-of-learning/export/csv/", _others(other)).getvalue()
    assert with_other == mine
