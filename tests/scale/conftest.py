"""A real PostgreSQL streaming replica of the test database (bin/replica), for the replica tests."""

import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import dj_database_url
import pytest
from django.db import connection, connections

from certlms import db as replica_routing
from tests.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent


def _primary_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def replica_server():
    """The URL of a streaming replica of the cluster holding the test database.

    ``CERTLMS_TEST_REPLICA_URL`` names one already running (CI may start it first); otherwise
    ``bin/replica start`` makes one from ``pg_basebackup`` on a free port, stopped after the session.
    """
    if connection.vendor != "postgresql":
        pytest.skip("a replica needs PostgreSQL")
    given = os.environ.get("CERTLMS_TEST_REPLICA_URL")
    if given:
        yield given
        return
    # Straight under the system's temporary folder: the cluster runs as the postgres user, who
    # cannot enter pytest's own (private) temporary folders.
    directory = Path(tempfile.gettempdir()) / f"certlms-replica-{uuid.uuid4().hex}"
    command = ["bash", str(ROOT / "bin" / "replica"), "start", str(free_port()), str(directory)]
    started = subprocess.run(
        command, env=os.environ | {"DATABASE_URL": _primary_url()}, capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0:
        pytest.fail(f"bin/replica could not start a replica:\n{started.stderr}")
    yield started.stdout.strip().splitlines()[-1]
    subprocess.run(["bash", str(ROOT / "bin" / "replica"), "stop", str(directory)], timeout=120, check=False)


def register_replica(url: str) -> None:
    """Add the ``replica`` database alias (the test database's name on the replica's server)."""
    settings_dict = dj_database_url.parse(url)
    settings_dict["NAME"] = connection.settings_dict["NAME"]
    settings_dict["OPTIONS"] = {"connect_timeout": 2}
    settings_dict["TEST"] = {"MIRROR": "default"}
    configured = connections.configure_settings({"default": connections.settings["default"], "replica": settings_dict})
    connections.settings["replica"] = configured["replica"]


def unregister_replica() -> None:
    if "replica" in connections.settings:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]
    replica_routing._down_until["at"] = 0.0


def replica_caught_up() -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        position = cursor.fetchone()[0]

    def replayed() -> bool:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            return cursor.fetchone()[0]

    wait_for(replayed, seconds=30, what="the replica replays the primary's writes")


@pytest.fixture(scope="module")
def replica_alias(django_db_setup, replica_server):
    """The ``replica`` alias for the tests of one module (``django_db(databases=[..., "replica"])``).

    Only committed data reaches the replica, so those tests are transactional."""
    register_replica(replica_server)
    yield
    unregister_replica()


@pytest.fixture
def replica(replica_alias):
    yield connections["replica"]
    replica_routing._down_until["at"] = 0.0


@pytest.fixture
def replica_down(replica):
    """The ``replica`` alias pointed at a server that does not answer (nothing listens on its port)."""
    settings_dict = connections.settings["replica"]
    real_port = settings_dict["PORT"]
    replica.close()
    del connections["replica"]
    settings_dict["PORT"] = free_port()
    yield
    connections["replica"].close()
    del connections["replica"]
    settings_dict["PORT"] = real_port
