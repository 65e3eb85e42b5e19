import pytest

from directory.models import JobAssignment
from directory.selectors import staff_user_ids
from tests.factories.directory import JobAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """boss → (lead1, lead2); lead1 → (a, b); b → c; outsider reports to someone else."""
    boss, lead1, lead2, a, b, c = (UserFactory() for _ in range(6))
    for user, manager in [(lead1, boss), (lead2, boss), (a, lead1), (b, lead1), (c, b)]:
        JobAssignmentFactory(user=user, manager=manager)
    JobAssignmentFactory(user=UserFactory(), manager=UserFactory())
    return {"boss": boss, "lead1": lead1, "lead2": lead2, "a": a, "b": b, "c": c}


def ids(*users):
    return {user.pk for user in users}


def test_direct_reports(chain):
    assert set(staff_user_ids(chain["boss"].pk, all_levels=False)) == ids(chain["lead1"], chain["lead2"])


def test_everyone_below(chain):
    expected = ids(*(chain[name] for name in ("lead1", "lead2", "a", "b", "c")))
    assert set(staff_user_ids(chain["boss"].pk, all_levels=True)) == expected
    assert set(staff_user_ids(chain["b"].pk, all_levels=True)) == ids(chain["c"])


def test_a_user_with_two_job_assignments_under_one_manager_counts_once(chain):
    JobAssignmentFactory(user=chain["a"], manager=chain["lead1"])
    assert sorted(staff_user_ids(chain["lead1"].pk, all_levels=True)) == sorted(ids(chain["a"], chain["b"], chain["c"]))


def test_no_staff():
    assert list(staff_user_ids(UserFactory().pk, all_levels=True)) == []


def test_cycles_end_and_exclude_the_manager(chain):
    JobAssignmentFactory(user=chain["boss"], manager=chain["c"])
    staff = set(staff_user_ids(chain["boss"].pk, all_levels=True))
    assert chain["boss"].pk not in staff
    assert staff == ids(*(chain[name] for name in ("lead1", "lead2", "a", "b", "c")))


@pytest.mark.parametrize("all_levels", [False, True])
def test_one_query_however_deep(django_assert_num_queries, all_levels):
    users = [UserFactory() for _ in range(12)]
    for manager, user in zip(users, users[1:], strict=False):
        JobAssignmentFactory(user=user, manager=manager)
    with django_assert_num_queries(1):
        result = list(staff_user_ids(users[0].pk, all_levels=all_levels))
    assert len(result) == (11 if all_levels else 1)


def test_usable_as_a_subquery(chain):
    jobs = JobAssignment.objects.filter(user_id__in=staff_user_ids(chain["lead1"].pk, all_levels=True))
    assert set(jobs.values_list("user_id", flat=True)) == ids(chain["a"], chain["b"], chain["c"])
