"""A real Celery worker SIGKILLed in the middle of a recompute job: another worker finishes it.

Runs against the test's own redis-server (short visibility timeout) and the PostgreSQL test
database, which the worker subprocess opens by name. Every wait polls for a condition with a
deadline.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from assignments import tasks
from assignments.models import RecomputeJob, UserAssignment
from certifications.models import CertificationRecord
from certlms.celery import app as celery_app
from tests.assignments.helpers import audience_assignment
from tests.factories.directory import UserFactory
from tests.servers import free_port, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent
VISIBILITY_TIMEOUT = 3


@pytest.fixture
def redis_url(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )

    def answers() -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    wait_for(answers, seconds=10, what="redis-server answers")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def not_eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def queue():
    return f"certlms-fault-{uuid.uuid4().hex}"  # a queue of its own


def start_worker(redis_url: str, queue: str, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.fault_settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": redis_url,
        "CERTLMS_TEST_QUEUE": queue,
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "RECOMPUTE_JOB_STALE_AFTER": "3",
    }
    command = [sys.executable, "-m", "celery", "-A", "certlms", "worker", "-Q", queue, "--pool=solo"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def rows(certification_id: int) -> tuple[list, list]:
    routes = UserAssignment.objects.filter(certification_id=certification_id).order_by("user_id", "assignment_id")
    records = CertificationRecord.objects.filter(certification_id=certification_id).order_by("user_id")
    return (
        list(routes.values_list("user_id", "assignment_id", "state", "due_date", "exception_type", "resolved")),
        list(records.values_list("user_id", "status")),
    )


def job_of(pk: int) -> RecomputeJob:
    return RecomputeJob.objects.get(pk=pk)


def test_a_killed_worker_s_job_is_finished_by_another_worker(transactional_db, not_eager, redis_url, queue, tmp_path):
    connection_to_broker = celery_app.connection_for_write(redis_url)
    assignment = audience_assignment(UserFactory.create_batch(40))
    job = RecomputeJob.objects.create(certification=assignment.certification, assignment=assignment, description="x")
    first = start_worker(redis_url, queue, tmp_path / "first.log")
    try:
        tasks.materialise_assignment.apply_async(
            args=[assignment.pk, job.pk, None], queue=queue, connection=connection_to_broker
        )
        wait_for(lambda: job_of(job.pk).done >= 3, seconds=40, what="the first worker finishes three batches")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed = job_of(job.pk)
    assert killed.status == RecomputeJob.Status.RUNNING, (tmp_path / "first.log").read_text()
    assert killed.done < killed.total

    second = start_worker(redis_url, queue, tmp_path / "second.log")
    try:
        # The test sends the beat's takeover task each second; Redis also redelivers the killed message.
        beat = {"next": 0.0}

        def tick() -> None:
            if time.monotonic() >= beat["next"]:
                tasks.resume_stale_jobs.apply_async(queue=queue, connection=connection_to_broker)
                beat["next"] = time.monotonic() + 1

        finished = wait_for(
            lambda: job_of(job.pk).status != RecomputeJob.Status.RUNNING,
            seconds=60,
            what="another worker finishes the job",
            every=tick,
        )
    finally:
        second.terminate()
        second.wait(timeout=20)
        connection_to_broker.release()
    assert finished
    done = job_of(job.pk)
    assert done.status == RecomputeJob.Status.DONE, done.error
    assert done.done == done.total
    after_fault = rows(assignment.certification_id)

    UserAssignment.objects.filter(certification_id=assignment.certification_id).delete()
    CertificationRecord.objects.filter(certification_id=assignment.certification_id).delete()
    tasks.materialise_assignment(assignment.pk)  # a clean run, in this process
    assert after_fault == rows(assignment.certification_id)
    assert len(after_fault[0]) == 40
