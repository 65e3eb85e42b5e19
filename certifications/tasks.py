"""Celery entry points of certifications: course progress, and the periodic lifecycle sweep."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from certlms.celery import app

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


@shared_task(name=ASSIGNED_PROGRESS_TASK, time_limit=30 * 60, soft_time_limit=25 * 60)
def assigned_progress(certification_id: int, assigned_at: str) -> int:
    """Learners were just assigned: count the course completions they already hold."""
    return records_progress_assigned(
        certification_id=certification_id,
        assigned_at=datetime.datetime.fromisoformat(assigned_at),
        now=timezone.now(),
        actor_label=ASSIGNED_PROGRESS_TASK,
    )


@shared_task(name=LIFECYCLE_TASK, time_limit=60 * 60, soft_time_limit=55 * 60)
def lifecycle_sweep() -> dict:
    """Open the recertification windows and expire the certifications that are due, in batches, then
    apply any course completion that never reached its record (a lost event).

    Idempotent: a record once moved no longer matches, so a second run touches nothing.
    """
    now = timezone.now()
    opened = records_window_open(now=now, actor_label=LIFECYCLE_TASK)
    expired = records_expire(now=now, actor_label=LIFECYCLE_TASK)
    repaired = records_progress_repair(now=now, actor_label=LIFECYCLE_TASK)
    return {"windows_opened": opened, "expired": expired, "progress_repaired": repaired}


@app.on_after_finalize.connect
def register_periodic_tasks(sender, **kwargs) -> None:
    sender.add_periodic_task(
        settings.CERTIFICATION_LIFECYCLE_INTERVAL, lifecycle_sweep.s(), name="certification lifecycle sweep"
    )
