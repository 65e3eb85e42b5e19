"""Project-wide pytest fixtures and markers."""

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: nothing remembered by another test (report estimates,
    throttle counts) is seen."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def admin_user(db):
    from tests.factories.directory import SiteAdminFactory

    return SiteAdminFactory(username="siteadmin")


@pytest.fixture
def learner(db):
    from tests.factories.directory import UserFactory

    return UserFactory(username="learnerone")


@pytest.fixture
def capture_signal():
    """``calls = capture_signal(signal)``: a list that receives the keyword arguments of each send.

    With ``as_work=True`` each send also records outbox work, as the real receivers do, so that a
    rollback test shows the work rolling back with the change.
    """
    from outbox.services import enqueue

    connected = []

    def capture(signal, *, as_work: bool = False):
        calls = []

        def receiver(sender, **kwargs):
            kwargs.pop("signal", None)
            calls.append(kwargs)
            if as_work:
                enqueue("tests.signal_work", **kwargs)

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return calls

    yield capture
    for signal, receiver in connected:
        signal.disconnect(receiver)


@pytest.fixture
def run_rolled_back(django_capture_on_commit_callbacks):
    """``run_rolled_back(action)`` runs it in a transaction that rolls back; returns the on-commit callbacks left."""
    from django.db import transaction

    def run(action):
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            action()
            raise RuntimeError("roll back")
        return callbacks

    return run
