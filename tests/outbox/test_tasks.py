import pytest
from django.conf import settings

from certlms.celery import app
from outbox import tasks
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_drain_runs_every_few_seconds_in_beat():
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule[tasks.DRAIN_TASK] == settings.OUTBOX_DRAIN_INTERVAL <= 10


def test_the_drain_task_sends_and_prunes():
    OutboxMessage.objects.create(task="outbox.drain", kwargs={})  # draining a drain row is harmless
    assert tasks.drain.delay().get() == {"sent": 1, "pruned": 0}
