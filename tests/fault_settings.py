"""Settings of the worker that the fault test starts as a subprocess (tests/test_worker_killed.py).

The test database and broker come from the environment the test passes; tasks go through the
broker (not eagerly), onto the test's own queue, in small batches that each take a moment so
that the test can kill the worker in the middle of a job.
"""

import os
import time

from celery.signals import task_prerun

from certlms.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["CERTLMS_TEST_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ["BROKER_VISIBILITY_TIMEOUT"])}
RECOMPUTE_BATCH_SIZE = 2


def _slow_down(**kwargs) -> None:
    time.sleep(0.2)


task_prerun.connect(_slow_down, weak=False)
# Every task onto the test's own queue, whatever queue it is routed to on a site.
CELERY_TASK_ROUTES = {"*": {"queue": CELERY_TASK_DEFAULT_QUEUE}}
