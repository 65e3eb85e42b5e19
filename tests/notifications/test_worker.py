"""A real ``messages`` worker SIGKILLed between two delivery tasks: another finishes, nothing arrives twice.

Runs against the test's own redis-server (short visibility timeout), a real SMTP server (aiosmtpd)
and the PostgreSQL test database, which the worker subprocess opens by name. Every wait polls for a
condition with a deadline.
"""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from assignments.services.engine import assignment_materialise
from certlms.celery import app as celery_app
from notifications import tasks
from notifications.models import EmailState, Notification
from outbox.models import OutboxMessage
from tests.assignments.helpers import audience_assignment
from tests.factories.directory import UserFactory
from tests.test_worker_killed import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parent.parent.parent
LEARNERS = 30


def start_worker(*, broker_url: str, smtp_port: int, markers: Path, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url,
        "BROKER_VISIBILITY_TIMEOUT": "3",
        "TEST_SMTP_PORT": str(smtp_port),
        "TEST_MARKERS": str(markers),
    }
    command = [sys.executable, "-m", "celery", "-A", "certlms", "worker", "-Q", tasks.QUEUE, "--pool=solo"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def emailed() -> int:
    return Notification.objects.filter(email_state=EmailState.SENT).count()


def test_nothing_arrives_twice_after_a_worker_is_killed_between_tasks(
    transactional_db, not_eager, redis_url, smtp_server, tmp_path
):
    learners = UserFactory.create_batch(LEARNERS)
    assignment = audience_assignment(learners)
    assignment_materialise(assignment_id=assignment.pk)
    OutboxMessage.objects.all().delete()  # this process's relay is not under test: the test sends the task
    broker = celery_app.connection_for_write(redis_url)
    markers = tmp_path / "markers"
    first = start_worker(broker_url=redis_url, smtp_port=smtp_server.port, markers=markers, log=tmp_path / "1.log")
    try:
        tasks.deliver.apply_async(queue=tasks.QUEUE, connection=broker)
        wait_for(lambda: markers.exists() and len(list(markers.iterdir())) >= 2, seconds=60, what="two tasks done")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    sent_before = emailed()
    assert 0 < sent_before < LEARNERS, (tmp_path / "1.log").read_text()

    second = start_worker(broker_url=redis_url, smtp_port=smtp_server.port, markers=markers, log=tmp_path / "2.log")
    try:
        wait_for(lambda: emailed() == LEARNERS, seconds=90, what="the second worker sends the rest")
    finally:
        second.terminate()
        second.wait(timeout=20)
        broker.release()
    received = Counter(recipient for recipients, _, _ in smtp_server.received for recipient in recipients)
    assert sorted(received) == sorted(learner.email for learner in learners)
    assert set(received.values()) == {1}, "nothing arrives twice"
    assert Notification.objects.count() == LEARNERS
