"""A real Celery worker (not eager mode) takes a task from the configured broker and runs it."""

import threading
import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from certlms.celery import app as celery_app

pytestmark = pytest.mark.worker

_done: dict[str, threading.Event] = {}
_results: dict[str, int] = {}


@celery_app.task(name="tests.worker_round_trip")
def round_trip(token: str, number: int) -> None:
    _results[token] = number * 2
    _done[token].set()


@pytest.fixture
def not_eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def test_a_task_round_trips_through_the_broker_and_a_worker(not_eager):
    token = uuid.uuid4().hex
    queue = f"certlms-test-{token}"  # a queue of its own: nothing else on a shared broker takes it
    _done[token] = threading.Event()
    with start_worker(
        celery_app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=[queue],
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        round_trip.apply_async(args=[token, 21], queue=queue)
        assert _done[token].wait(timeout=30), f"no worker ran the task (broker {celery_app.conf.broker_url})"
    assert _results[token] == 42
