"""Faults against real services: Redis stops, pages still answer, and the work runs once it is back.

A Redis server of the test's own (its own port, so nothing else consumes its queues) is started,
stopped while an administrator and a learner use the site, and started again; the outbox drain
then publishes what the pages could not, and a real Celery worker runs it.
"""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.urls import reverse
from kombu import pools

from assignments.models import Assignment, AssignmentType, UserAssignment
from certifications.models import CertificationRecord, RecordStatus
from certlms.celery import app as celery_app
from directory.models import AudienceMember
from outbox import services as outbox
from outbox.models import OutboxMessage
from tests.factories.certifications import CertificationFactory, CertificationRecordFactory, CourseSetFactory
from tests.factories.courses import CourseFactory
from tests.factories.directory import AudienceFactory, UserFactory
from tests.servers import started_redis

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Publishing to a stopped broker costs a request about the connection timeout (2 s, CELERY_BROKER_CONNECTION_TIMEOUT).
LONGEST_REQUEST = 5


def _use_broker(url: str | None, transport_options: dict) -> None:
    """Point the Celery app at ``url`` (``None``: the configured broker), dropping its pooled connections.

    The read and write URLs are set because the environment's CELERY_BROKER_URL outranks ``broker_url``.
    """
    pools.reset()  # kombu's pools are global, keyed by broker: close and forget them all
    celery_app.conf.broker_read_url = celery_app.conf.broker_write_url = url
    celery_app.conf.broker_transport_options = transport_options
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_server(tmp_path):
    server = started_redis(tmp_path)
    previous = (celery_app.conf.broker_transport_options, celery_app.conf.task_always_eager)
    _use_broker(server.url, dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS))
    celery_app.conf.task_always_eager = False
    yield server
    server.stop()
    _use_broker(None, previous[0])
    celery_app.conf.task_always_eager = previous[1]


class FinishedTasks:
    """Names of the tasks a worker finished; ``wait_for`` returns once all the expected ones have."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.changed = threading.Condition()

    def __call__(self, sender=None, **kwargs) -> None:
        with self.changed:
            self.names.append(sender.name)
            self.changed.notify_all()

    def wait_for(self, expected: set[str], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: expected <= set(self.names), timeout=timeout)


@pytest.fixture
def finished_tasks():
    finished = FinishedTasks()
    task_postrun.connect(finished, weak=False)
    yield finished
    task_postrun.disconnect(finished)


def _timed_post(client, url: str, data: dict | None = None):
    started = time.monotonic()
    response = client.post(url, data or {})
    return response.status_code, time.monotonic() - started


def test_with_redis_stopped_pages_answer_and_the_work_runs_once_it_is_back(
    client, admin_user, redis_server, finished_tasks
):
    # A learner already on a certification whose course they may mark complete.
    course = CourseFactory(allow_self_completion=True)
    held = CertificationFactory()
    CourseSetFactory(certification=held, courses=[course])
    learner = UserFactory()
    record = CertificationRecordFactory(user=learner, certification=held)
    # A certification and an audience not yet assigned to it.
    assigned = CertificationFactory()
    CourseSetFactory(certification=assigned)
    audience = AudienceFactory()
    member, joiner = UserFactory(), UserFactory()
    AudienceMember.objects.create(audience=audience, user=member)

    redis_server.stop()

    answers = []
    client.force_login(admin_user)
    answers.append(
        _timed_post(client, reverse("assignments:add", args=[assigned.pk, "audience"]), {"targets": [audience.pk]})
    )
    answers.append(
        _timed_post(client, reverse("admin:directory_audiencemember_add"), {"audience": audience.pk, "user": joiner.pk})
    )
    answers.append(_timed_post(client, reverse("assignments:recompute", args=[assigned.pk])))
    client.force_login(learner)
    answers.append(_timed_post(client, reverse("courses:mark_complete", args=[course.pk])))

    assert [status for status, _ in answers] == [302, 302, 302, 302]
    assert max(seconds for _, seconds in answers) < LONGEST_REQUEST
    expected = {
        "assignments.materialise_assignment",
        "assignments.recompute_learners_many",
        "assignments.recompute_certification",
        "certifications.course_progress",
    }
    waiting = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert set(waiting.values_list("task", flat=True)) == expected
    assert all(attempts == 1 for attempts in waiting.values_list("attempts", flat=True))
    assert CertificationRecord.objects.get(pk=record.pk).status != RecordStatus.CERTIFIED
    assert not UserAssignment.objects.filter(certification=assigned).exists()

    redis_server.start()
    assert outbox.drain() == len(expected)
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    with start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=[queue.name for queue in celery_app.conf.task_queues],  # every named queue, as `make run`
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        assert finished_tasks.wait_for(expected, timeout=60), f"the worker finished only {finished_tasks.names}"

    assert CertificationRecord.objects.get(pk=record.pk).status == RecordStatus.CERTIFIED
    assignment = Assignment.objects.get(certification=assigned, type=AssignmentType.AUDIENCE)
    routes = UserAssignment.objects.filter(assignment=assignment).values_list("user_id", flat=True)
    assert set(routes) == {member.pk, joiner.pk}
    assert assigned.records.filter(user__in=[member, joiner]).count() == 2
    assert outbox.drain() == 0  # a second drain finds nothing left to send
