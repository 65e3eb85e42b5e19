"""Celery entry points of certifications: course progress, and the periodic lifecycle sweep.

Every task is a batch of seconds; long work sends its next batch as a task of its own."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from certlms.celery import app
from outbox.services import enqueue

from .models import Certification
from .services.lifecycle import (
    records_expire,
    records_progress_assigned,
    records_progress_for_course,
    records_progress_repair,
    records_window_open,
)

logger = logging.getLogger(__name__)

LIFECYCLE_TASK = "certifications.lifecycle_sweep"
PROGRESS_TASK = "certifications.course_progress"
ASSIGNED_PROGRESS_TASK = "certifications.assigned_progress"
LIFECYCLE_BATCH_TASK = "certifications.lifecycle_batch"


@shared_task(name=PROGRESS_TASK, time_limit=120, soft_time_limit=100)
def course_progress(user_id: int, course_id: int, actor_id: int | None = None) -> int:
    """A learner completed a course: re-evaluate their records of the certifications that contain it.

    ``actor_id`` is who recorded the completion (the learner, or an administrator)."""
    return records_progress_for_course(
        user_id=user_id,
        course_id=course_id,
        now=timezone.now(),
        actor=get_user_model()(pk=actor_id) if actor_id else None,
        actor_label="Course completed" if actor_id else PROGRESS_TASK,
    )


@shared_task(name=ASSIGNED_PROGRESS_TASK, time_limit=60, soft_time_limit=50)
def assigned_progress(certification_id: int, assigned_at: str, after_user_id: int = 0) -> int:
    """Learners were just assigned: count the course completions they already hold.

    One batch of ``CERTIFICATION_PROGRESS_BATCH_SIZE`` learners (ids above ``after_user_id``); the
    next batch is a task of its own. Safe to run twice: a record already moved stays as it is."""
    looked_at, after = records_progress_assigned(
        certification_id=certification_id,
        assigned_at=datetime.datetime.fromisoformat(assigned_at),
        now=timezone.now(),
        actor_label=ASSIGNED_PROGRESS_TASK,
        after_user_id=after_user_id,
        limit=settings.CERTIFICATION_PROGRESS_BATCH_SIZE,
    )
    if after is not None:
        enqueue(assigned_progress, certification_id=certification_id, assigned_at=assigned_at, after_user_id=after)
    return looked_at


# The steps of one certification's lifecycle sweep, in order.
LIFECYCLE_STEPS = ("window_open", "expire", "progress_repair")


@shared_task(name=LIFECYCLE_TASK, time_limit=60, soft_time_limit=50)
def lifecycle_sweep() -> int:
    """The periodic lifecycle sweep: one batch task per certification, all with the same moment.

    Returns the number of certifications sent."""
    now = timezone.now().isoformat()
    sent = 0
    for certification_id in Certification.objects.order_by("pk").values_list("pk", flat=True):
        enqueue(lifecycle_batch, certification_id=certification_id, now=now)
        sent += 1
    return sent


@shared_task(name=LIFECYCLE_BATCH_TASK, time_limit=60, soft_time_limit=50)
def lifecycle_batch(certification_id: int, now: str, step: str = "window_open", after_user_id: int = 0) -> dict:
    """One batch of a certification's lifecycle sweep: open the recertification windows that are due,
    expire the certifications that are due, then apply any course completion that never reached its
    record (a lost event). Each step runs one batch; a step with more left sends the next batch as a
    task of its own and stops here, so no task runs for long.

    Idempotent: a record once moved no longer matches, so a second run touches nothing. Returns
    what this batch changed.
    """
    moment = datetime.datetime.fromisoformat(now)
    batch = settings.CERTIFICATION_LIFECYCLE_BATCH_SIZE
    done = {"windows_opened": 0, "expired": 0, "progress_repaired": 0}
    sweeps = {"window_open": ("windows_opened", records_window_open), "expire": ("expired", records_expire)}
    for current in LIFECYCLE_STEPS[LIFECYCLE_STEPS.index(step) :]:
        if current in sweeps:
            key, sweep = sweeps[current]
            done[key] = sweep(
                now=moment, actor_label=LIFECYCLE_TASK, certification_id=certification_id, batch_size=batch, batches=1
            )
            after, more = 0, done[key] == batch
        else:
            done["progress_repaired"], after = records_progress_repair(
                now=moment,
                actor_label=LIFECYCLE_TASK,
                certification_id=certification_id,
                after_user_id=after_user_id,
                limit=settings.CERTIFICATION_PROGRESS_BATCH_SIZE,
            )
            more = after is not None
        if more:
            enqueue(lifecycle_batch, certification_id=certification_id, now=now, step=current, after_user_id=after)
            break
    return done


@app.on_after_finalize.connect
def register_periodic_tasks(sender, **kwargs) -> None:
    sender.add_periodic_task(
        settings.CERTIFICATION_LIFECYCLE_INTERVAL, lifecycle_sweep.s(), name="certification lifecycle sweep"
    )
