"""Settings of the ``messages`` worker that tests/notifications/test_worker.py starts as a subprocess.

The test database, broker and mail server come from the environment the test passes; tasks go
through the broker (not eagerly), email through SMTP, in batches of five; after each task the worker
writes a marker file and pauses, so that the test can kill it between two tasks.
"""

import os
import time
from pathlib import Path

from celery.signals import task_postrun

from certlms.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["BROKER_VISIBILITY_TIMEOUT"])}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
NOTIFICATION_BATCH_SIZE = 5
NOTIFICATION_LEASE = 2
MARKERS = Path(os.environ["TEST_MARKERS"])


def _between_tasks(task=None, **kwargs) -> None:
    MARKERS.mkdir(exist_ok=True)
    (MARKERS / f"{time.monotonic_ns()}-{task.name}").touch()
    time.sleep(0.5)


task_postrun.connect(_between_tasks, weak=False)
