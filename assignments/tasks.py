"""Celery entry points of the assignments engine: thin, ids in, safe to run twice.

Large work runs in batches of user ids, one transaction per batch, with its progress in a
``RecomputeJob`` that the Assignments tab shows.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from certifications.signals import enrolment_messages
from certlms.celery import app
from outbox.services import enqueue

from .models import Assignment, RecomputeJob
from .services import engine

logger = logging.getLogger(__name__)

# One transaction per batch (RECOMPUTE_BATCH_SIZE ids; see the setting for its reasoning).
BATCH_SIZE = settings.RECOMPUTE_BATCH_SIZE


def id_ranges(batch_size: int = BATCH_SIZE) -> list[tuple[int, int]]:
    """Half-open ranges of user ids covering every user, ``batch_size`` ids wide."""
    bounds = get_user_model().objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    return [(lo, lo + batch_size) for lo in range(bounds["lo"], bounds["hi"] + 1, batch_size)]


def _actor(actor_id: int | None):
    """The user the audit rows name, from the id a task carries (no query)."""
    return get_user_model()(pk=actor_id) if actor_id else None


ACTIVE = (RecomputeJob.Status.QUEUED, RecomputeJob.Status.RUNNING)


def _job_batch(job: RecomputeJob, id_range: tuple[int, int]) -> None:
    actor = _actor(job.actor_id)
    with enrolment_messages(job.send_messages):
        if job.kind == RecomputeJob.Kind.MATERIALISE:
            if job.assignment_id is not None:
                engine.assignment_materialise(assignment_id=job.assignment_id, actor=actor, id_range=id_range)
        else:
            engine.certification_recompute(certification_id=job.certification_id, actor=actor, id_range=id_range)


def _job_start(job_id: int, kind: str, actor_id: int | None, assignment_id: int | None = None) -> None:
    """Record what the job does and how many batches it has; only a job not started yet is changed."""
    ranges = id_ranges(BATCH_SIZE)
    what = {"assignment_id": assignment_id} if assignment_id is not None else {}
    RecomputeJob.objects.filter(pk=job_id, next_id__isnull=True, status__in=ACTIVE).update(
        **what,
        kind=kind,
        actor_id=actor_id,
        total=len(ranges),
        done=0,
        next_id=ranges[0][0] if ranges else 0,
        status=RecomputeJob.Status.RUNNING,
        heartbeat_at=timezone.now(),
        attempts=Greatest(F("attempts"), 1),
    )


@shared_task(name="assignments.recompute_job_batch", time_limit=60, soft_time_limit=50)
def recompute_job_batch(job_id: int) -> None:
    """Run the next batch of a job, record it, and enqueue the batch after it (or finish the job).

    Progress moves only by a conditional UPDATE on ``next_id``: when a redelivered message and a
    takeover run the same batch at once, the work is idempotent and only one of them goes on.
    """
    job = RecomputeJob.objects.filter(pk=job_id, status__in=ACTIVE).first()
    if job is None:
        return
    if job.next_id is None:
        _job_start(job_id, job.kind, job.actor_id)
        job.refresh_from_db()
    hi = get_user_model().objects.aggregate(hi=Max("id"))["hi"]
    if hi is None or job.next_id > hi:
        RecomputeJob.objects.filter(pk=job_id, status__in=ACTIVE).update(
            status=RecomputeJob.Status.DONE, done=job.total, finished_at=timezone.now(), heartbeat_at=timezone.now()
        )
        return
    id_range = (job.next_id, job.next_id + BATCH_SIZE)
    try:
        _job_batch(job, id_range)
    except Exception as error:  # noqa: BLE001 - any failure of a batch is recorded on the job, then re-raised
        _job_failed(job, f"{type(error).__name__}: {error}")
        raise
    last = id_range[1] > hi
    finish = {"status": RecomputeJob.Status.DONE, "finished_at": timezone.now()} if last else {}
    with transaction.atomic():
        moved = RecomputeJob.objects.filter(pk=job_id, status__in=ACTIVE, next_id=job.next_id).update(
            **finish,
            next_id=id_range[1],
            done=F("done") + 1,
            total=Greatest(F("total"), F("done") + 1),
            heartbeat_at=timezone.now(),
        )
        if moved and not last:
            enqueue(recompute_job_batch, job_id=job_id)


def _job_failed(job: RecomputeJob, reason: str) -> None:
    """Record why a batch failed; the job's last allowed attempt ends it as failed with the reason.

    Otherwise the job stays as it is and the stale-job sweep starts the next attempt.
    """
    changes = {"error": reason, "heartbeat_at": timezone.now()}
    if job.attempts >= settings.RECOMPUTE_JOB_MAX_ATTEMPTS:
        changes |= {"status": RecomputeJob.Status.FAILED, "finished_at": timezone.now()}
    RecomputeJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(**changes)


def _job_or_batches(*, job_id, kind, actor_id, step, assignment_id=None) -> None:
    if job_id is not None and RecomputeJob.objects.filter(pk=job_id).exists():
        _job_start(job_id, kind, actor_id, assignment_id)
        recompute_job_batch(job_id)
        return
    for id_range in id_ranges(BATCH_SIZE):
        step(id_range)


@shared_task(name="assignments.materialise_assignment", time_limit=60, soft_time_limit=50)
def materialise_assignment(assignment_id: int, job_id: int | None = None, actor_id: int | None = None) -> None:
    """Materialise one assignment: with a job, its first batch (the job goes on batch by batch)."""
    if not Assignment.objects.filter(pk=assignment_id).exists():
        RecomputeJob.objects.filter(pk=job_id).update(status=RecomputeJob.Status.DONE, finished_at=timezone.now())
        return
    actor = _actor(actor_id)
    _job_or_batches(
        job_id=job_id,
        kind=RecomputeJob.Kind.MATERIALISE,
        actor_id=actor_id,
        assignment_id=assignment_id,
        step=lambda id_range: engine.assignment_materialise(
            assignment_id=assignment_id, actor=actor, id_range=id_range
        ),
    )


@shared_task(name="assignments.recompute_certification", time_limit=60, soft_time_limit=50)
def recompute_certification(certification_id: int, job_id: int | None = None, actor_id: int | None = None) -> None:
    """Recompute every assignment of a certification: with a job, its first batch (then batch by batch)."""
    actor = _actor(actor_id)
    _job_or_batches(
        job_id=job_id,
        kind=RecomputeJob.Kind.RECOMPUTE,
        actor_id=actor_id,
        step=lambda id_range: engine.certification_recompute(
            certification_id=certification_id, actor=actor, id_range=id_range
        ),
    )


@shared_task(name="assignments.recompute_certification_batch", time_limit=60, soft_time_limit=50)
def recompute_certification_batch(certification_id: int, lo: int, hi: int) -> None:
    """Recompute one batch of user ids of a certification (the sweep sends one task per batch)."""
    engine.certification_recompute(certification_id=certification_id, id_range=(lo, hi))


@shared_task(name="assignments.resume_stale_jobs", time_limit=30, soft_time_limit=25)
def resume_stale_jobs(now=None) -> int:
    """Take over every queued or running job without a heartbeat for ``RECOMPUTE_JOB_STALE_AFTER`` seconds.

    The claim is a conditional UPDATE on the heartbeat the sweep read, so when two workers try
    at once only one wins; the job resumes from its last finished batch. Returns jobs taken over.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.RECOMPUTE_JOB_STALE_AFTER)
    stale = RecomputeJob.objects.filter(status__in=ACTIVE).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    taken = 0
    for job in stale.order_by("id"):
        claim = RecomputeJob.objects.filter(pk=job.pk, status__in=ACTIVE)
        claim = claim.filter(heartbeat_at=job.heartbeat_at) if job.heartbeat_at else claim.filter(heartbeat_at=None)
        if job.attempts >= settings.RECOMPUTE_JOB_MAX_ATTEMPTS:
            reason = job.error or "its worker stopped without finishing"
            claim.update(
                status=RecomputeJob.Status.FAILED,
                error=f"Stopped after {job.attempts} attempts: {reason}",
                finished_at=now,
                heartbeat_at=now,
            )
            logger.warning("Recompute job %s failed after %s attempts", job.pk, job.attempts)
            continue
        with transaction.atomic():
            if claim.update(heartbeat_at=now, attempts=job.attempts + 1):
                enqueue(recompute_job_batch, job_id=job.pk)
                taken += 1
                logger.info("Recompute job %s taken over at user id %s", job.pk, job.next_id)
    return taken


@app.on_after_finalize.connect
def schedule_resume_stale_jobs(sender, **kwargs) -> None:
    sender.add_periodic_task(
        settings.RECOMPUTE_JOB_STALE_AFTER / 2, resume_stale_jobs.s(), name="assignments: resume stale recompute jobs"
    )


@shared_task(name="assignments.recompute_learners", time_limit=60, soft_time_limit=50)
def recompute_learners(
    certification_id: int,
    user_ids: list[int],
    assignment_ids: list[int] | None = None,
    actor_id: int | None = None,
    actor_label: str = "",
) -> None:
    """Recompute a few learners of one certification (after a directory or course event).

    ``actor_id`` is the person whose change caused the event; ``actor_label`` says what triggered it."""
    actor = _actor(actor_id)
    for start in range(0, len(user_ids), 500):
        engine.learners_recompute(
            certification_id=certification_id,
            user_ids=user_ids[start : start + 500],
            assignment_ids=assignment_ids,
            actor=actor,
            actor_label=actor_label,
        )


@shared_task(name="assignments.recompute_learners_many", time_limit=60, soft_time_limit=50)
def recompute_learners_many(
    user_ids: list[int], assignment_ids: list[int], actor_id: int | None = None, actor_label: str = ""
) -> None:
    """Recompute a few learners for these assignments, whatever their certifications (one task per event)."""
    actor = _actor(actor_id)
    for start in range(0, len(user_ids), 500):
        engine.learners_recompute_many(
            user_ids=user_ids[start : start + 500],
            assignment_ids=assignment_ids,
            actor=actor,
            actor_label=actor_label,
        )


@shared_task(name="assignments.sweep", time_limit=60, soft_time_limit=50)
def sweep() -> None:
    """The periodic full repair: rows a racing delete left without their learner, assignment or
    certification are removed (what the dropped constraints protected, decision 0072), then one batch
    task per certification and range of user ids."""
    from certifications.models import Certification

    from .services.integrity import orphans_remove

    removed = orphans_remove()
    if removed:
        logger.warning("Assignment sweep removed %s rows left without their learner or certification", removed)
    ranges = id_ranges(BATCH_SIZE)
    for certification_id in Certification.objects.order_by("id").values_list("id", flat=True):
        for lo, hi in ranges:
            enqueue(recompute_certification_batch, certification_id=certification_id, lo=lo, hi=hi)
    logger.info("Assignment sweep sent %s batches", len(ranges))


@app.on_after_finalize.connect
def schedule_sweep(sender, **kwargs) -> None:
    sender.add_periodic_task(settings.ASSIGNMENT_SWEEP_INTERVAL, sweep.s(), name="assignments: full recompute sweep")
