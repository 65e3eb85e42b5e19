import pytest

from directory import services, signals
from directory.errors import TreeMoveError
from directory.models import Organisation, Position
from outbox.models import OutboxMessage
from tests.factories.directory import JobAssignmentFactory, OrganisationFactory, PositionFactory

pytestmark = pytest.mark.django_db


def test_new_nodes_get_paths_and_depths():
    root = OrganisationFactory(name="Acme")
    child = OrganisationFactory(name="Sales", parent=root)
    grandchild = OrganisationFactory(name="North", parent=child)
    assert (root.path, root.depth) == (f"/{root.pk}/", 1)
    assert (child.path, child.depth) == (f"/{root.pk}/{child.pk}/", 2)
    assert (grandchild.path, grandchild.depth) == (f"/{root.pk}/{child.pk}/{grandchild.pk}/", 3)


def test_subtree_is_one_query_however_deep(django_assert_num_queries):
    root = OrganisationFactory()
    node = root
    for _ in range(6):
        node = OrganisationFactory(parent=node)
    OrganisationFactory()  # another tree
    with django_assert_num_queries(1):
        assert len(list(Organisation.objects.subtree_of(root))) == 7


def test_moving_a_node_moves_its_subtree():
    a, b = OrganisationFactory(name="A"), OrganisationFactory(name="B")
    child = OrganisationFactory(parent=a)
    grandchild = OrganisationFactory(parent=child)
    child.parent = b
    services.tree_node_save(node=child)
    grandchild.refresh_from_db()
    assert grandchild.path == f"/{b.pk}/{child.pk}/{grandchild.pk}/"
    assert grandchild.depth == 3
    assert set(Organisation.objects.subtree_of(b)) == {b, child, grandchild}
    assert set(Organisation.objects.subtree_of(a)) == {a}


def test_moving_a_node_to_the_top_reduces_depths():
    a = PositionFactory()
    child = PositionFactory(parent=a)
    grandchild = PositionFactory(parent=child)
    child.parent = None
    services.tree_node_save(node=child)
    grandchild.refresh_from_db()
    assert (grandchild.path, grandchild.depth) == (f"/{child.pk}/{grandchild.pk}/", 2)


def test_a_node_cannot_move_below_itself():
    a = OrganisationFactory()
    child = OrganisationFactory(parent=a)
    a.parent = child
    with pytest.raises(TreeMoveError):
        services.tree_node_save(node=a)
    a.refresh_from_db()
    assert a.parent is None


def test_moving_a_node_signals_users_of_the_moved_subtree(capture_signal, django_capture_on_commit_callbacks):
    calls = capture_signal(signals.job_assignments_changed)
    a, b = OrganisationFactory(), OrganisationFactory()
    child = OrganisationFactory(parent=a)
    grandchild = OrganisationFactory(parent=child)
    inside = [JobAssignmentFactory(organisation=child).user_id, JobAssignmentFactory(organisation=grandchild).user_id]
    JobAssignmentFactory(organisation=a)  # stays where it was
    child.parent = b
    with django_capture_on_commit_callbacks(execute=True):
        services.tree_node_save(node=child)
    assert calls == [{"user_ids": sorted(inside), "actor_id": None}]


def test_moving_a_position_signals_its_users(capture_signal, django_capture_on_commit_callbacks):
    calls = capture_signal(signals.job_assignments_changed)
    a, b = PositionFactory(), PositionFactory()
    ja = JobAssignmentFactory(position=a)
    a.parent = b
    with django_capture_on_commit_callbacks(execute=True):
        services.tree_node_save(node=a)
    assert calls == [{"user_ids": [ja.user_id], "actor_id": None}]


def test_renaming_a_node_sends_nothing(capture_signal, django_capture_on_commit_callbacks):
    calls = capture_signal(signals.job_assignments_changed)
    node = OrganisationFactory()
    JobAssignmentFactory(organisation=node)
    node.name = "Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        services.tree_node_save(node=node)
    assert calls == []


def test_rolled_back_move_leaves_no_work(capture_signal, run_rolled_back):
    calls = capture_signal(signals.job_assignments_changed, as_work=True)
    a, b = OrganisationFactory(), OrganisationFactory()
    JobAssignmentFactory(organisation=a)
    a.parent = b
    callbacks = run_rolled_back(lambda: services.tree_node_save(node=a))
    assert len(calls) == 1  # sent inside the transaction…
    assert callbacks == [] and not OutboxMessage.objects.exists()  # …so its work rolled back with it


def test_deleting_a_node_signals_its_users(capture_signal, django_capture_on_commit_callbacks):
    calls = capture_signal(signals.job_assignments_changed)
    node = PositionFactory()
    ja = JobAssignmentFactory(position=node)
    with django_capture_on_commit_callbacks(execute=True):
        services.tree_node_delete(node=node)
    assert calls == [{"user_ids": [ja.user_id], "actor_id": None}]
    ja.refresh_from_db()
    assert ja.position is None
    assert not Position.objects.filter(pk=node.pk).exists()
