"""The demo company (directory and courses parts of `manage.py demo_data`)."""

import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from courses import demo as courses_demo
from courses.models import Course, CourseCompletion
from directory import demo as directory_demo
from directory.models import (
    Audience,
    AudienceMember,
    JobAssignment,
    LearnerProfile,
    Organisation,
    Position,
    ProfileDateField,
    ProfileDateValue,
)
from directory.permissions import is_manager, is_site_admin
from directory.selectors import staff_user_ids

pytestmark = pytest.mark.django_db

MODELS = [
    User,
    LearnerProfile,
    Organisation,
    Position,
    JobAssignment,
    Audience,
    AudienceMember,
    ProfileDateField,
    ProfileDateValue,
    Course,
    CourseCompletion,
    User.groups.through,
]


def load():
    directory_demo.load(stdout=io.StringIO())
    courses_demo.load(stdout=io.StringIO())


def snapshot():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def demo():
    load()


def test_running_it_twice_changes_nothing(demo, django_assert_max_num_queries):
    before = snapshot()
    with django_assert_max_num_queries(40):
        load()
    assert snapshot() == before


def test_a_company_of_about_200_people(demo):
    assert User.objects.count() == 200
    assert JobAssignment.objects.count() == 199  # everyone but the administrator
    assert not JobAssignment.objects.filter(organisation=None).exists()
    assert set(Organisation.objects.values_list("depth", flat=True)) == {1, 2, 3}
    assert Position.objects.filter(depth__gt=1).exists()
    assert Audience.objects.count() >= 5
    assert all(audience.members.exists() for audience in Audience.objects.all())
    assert ProfileDateField.objects.count() == 3 and ProfileDateValue.objects.count() > 200


def test_the_demo_logins(demo, client):
    for username, role in directory_demo.LOGINS:
        user = User.objects.get(username=username)
        response = client.post(reverse("login"), {"username": username, "password": directory_demo.DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert is_site_admin(user) == (role == "Site administrator")
    assert is_manager(User.objects.get(username="manager"))
    assert not is_manager(User.objects.get(username="learner"))


def test_manager_manages_the_learners_and_team_leaders_who_manage_others(demo):
    manager = User.objects.get(username="manager")
    direct = set(
        User.objects.filter(pk__in=staff_user_ids(manager.pk, all_levels=False)).values_list("username", flat=True)
    )
    assert {"learner", "learner2"} <= direct
    everyone = set(staff_user_ids(manager.pk, all_levels=True))
    assert len(everyone) > len(direct) >= 5
    leads = JobAssignment.objects.filter(manager=manager, position__idnumber="POS-TL")
    assert leads.count() == 2
    assert all(JobAssignment.objects.filter(manager_id=lead.user_id).exists() for lead in leads)


def test_courses_have_stable_short_names_and_some_completions(demo):
    assert set(Course.objects.values_list("shortname", flat=True)) == set(courses_demo.SHORTNAMES)
    assert len(courses_demo.SHORTNAMES) == 12
    assert Course.objects.filter(allow_self_completion=True).exists()
    assert CourseCompletion.objects.count() > 50
    assert CourseCompletion.objects.filter(user__username="learner", course__shortname="FIRE-101").exists()
    assert not CourseCompletion.objects.filter(user__username="learner2").exists()
