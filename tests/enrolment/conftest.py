import pytest

from tests.factories.directory import JobAssignmentFactory, UserFactory


@pytest.fixture
def other_learner(db):
    return UserFactory(username="learnertwo")


@pytest.fixture
def manager(db):
    boss = UserFactory(username="boss")
    JobAssignmentFactory(user=UserFactory(username="staffer"), manager=boss)
    return boss
