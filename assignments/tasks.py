"""Celery entry points of the assignments engine: thin, ids in, safe to run twice.

Large work runs in batches of user ids, one transaction per batch, with its progress in a
``RecomputeJob`` that the Assignments tab shows.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Min
from django.utils import timezone

from certlms.celery import app

from .models import Assignment, RecomputeJob
from .services import engine

logger = logging.getLogger(__name__)

# One transaction per batch: at 20,000 ids B3's longest transaction took 7.7 s on the 2-core
# bench machine (about 5 s on average), so 10,000 keeps every one under the 5 s B3 allows.
BATCH_SIZE = 10_000


def id_ranges(batch_size: int = BATCH_SIZE) -> list[tuple[int, int]]:
    """Half-open ranges of user ids covering every user, ``batch_size`` ids wide."""
    bounds = get_user_model().objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    return [(lo, lo + batch_size) for lo in range(bounds["lo"], bounds["hi"] + 1, batch_size)]


def _run_batches(job: RecomputeJob | None, step, batch_size: int) -> None:
    ranges = id_ranges(batch_size)
    if job is not None:
        RecomputeJob.objects.filter(pk=job.pk).update(status=RecomputeJob.Status.RUNNING, total=len(ranges), done=0)
    finished = False
    try:
        for number, id_range in enumerate(ranges, start=1):
            step(id_range)
            if job is not None:
                RecomputeJob.objects.filter(pk=job.pk).update(done=number)
        finished = True
    finally:
        if job is not None:
            status = RecomputeJob.Status.DONE if finished else RecomputeJob.Status.FAILED
            RecomputeJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now())


@shared_task(name="assignments.materialise_assignment", time_limit=3600, soft_time_limit=3500)
def materialise_assignment(assignment_id: int, job_id: int | None = None, actor_id: int | None = None) -> None:
    """Materialise one assignment, in batches of user ids, reporting progress on the job."""
    if not Assignment.objects.filter(pk=assignment_id).exists():
        RecomputeJob.objects.filter(pk=job_id).update(status=RecomputeJob.Status.DONE, finished_at=timezone.now())
        return
    actor = get_user_model()(pk=actor_id) if actor_id else None
    job = RecomputeJob.objects.filter(pk=job_id).first() if job_id else None
    _run_batches(
        job,
        lambda id_range: engine.assignment_materialise(assignment_id=assignment_id, actor=actor, id_range=id_range),
        BATCH_SIZE,
    )


@shared_task(name="assignments.recompute_certification", time_limit=3600, soft_time_limit=3500)
def recompute_certification(certification_id: int, job_id: int | None = None, actor_id: int | None = None) -> None:
    """Recompute every assignment of a certification (after an assignment was removed, or by the sweep)."""
    actor = get_user_model()(pk=actor_id) if actor_id else None
    job = RecomputeJob.objects.filter(pk=job_id).first() if job_id else None
    _run_batches(
        job,
        lambda id_range: engine.certification_recompute(
            certification_id=certification_id, actor=actor, id_range=id_range
        ),
        BATCH_SIZE,
    )


@shared_task(name="assignments.recompute_learners", time_limit=600, soft_time_limit=550)
def recompute_learners(
    certification_id: int,
    user_ids: list[int],
    assignment_ids: list[int] | None = None,
    actor_id: int | None = None,
    actor_label: str = "",
) -> None:
    """Recompute a few learners of one certification (after a directory or course event).

    ``actor_id`` is the person whose change caused the event; ``actor_label`` says what triggered it."""
    actor = get_user_model()(pk=actor_id) if actor_id else None
    for start in range(0, len(user_ids), 500):
        engine.learners_recompute(
            certification_id=certification_id,
            user_ids=user_ids[start : start + 500],
            assignment_ids=assignment_ids,
            actor=actor,
            actor_label=actor_label,
        )


@shared_task(name="assignments.recompute_learners_many", time_limit=600, soft_time_limit=550)
def recompute_learners_many(
    user_ids: list[int], assignment_ids: list[int], actor_id: int | None = None, actor_label: str = ""
) -> None:
    """Recompute a few learners for these assignments, whatever their certifications (one task per event)."""
    actor = get_user_model()(pk=actor_id) if actor_id else None
    for start in range(0, len(user_ids), 500):
        engine.learners_recompute_many(
            user_ids=user_ids[start : start + 500],
            assignment_ids=assignment_ids,
            actor=actor,
            actor_label=actor_label,
        )


@shared_task(name="assignments.sweep", time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60)
def sweep() -> None:
    """The periodic full repair: every certification with assignments or records, in batches."""
    from certifications.models import Certification

    for certification_id in Certification.objects.order_by("id").values_list("id", flat=True):
        recompute_certification(certification_id)
    logger.info("Assignment sweep finished")


@app.on_after_finalize.connect
def schedule_sweep(sender, **kwargs) -> None:
    sender.add_periodic_task(settings.ASSIGNMENT_SWEEP_INTERVAL, sweep.s(), name="assignments: full recompute sweep")
