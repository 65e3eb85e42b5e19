"""Recompute jobs record progress per batch and a heartbeat; a stale job is taken over and finished."""

import datetime as dt

import pytest
import time_machine

from assignments import tasks
from assignments.models import RecomputeJob, UserAssignment
from tests.factories.directory import UserFactory
from tests.outbox.helpers import relayed

from .helpers import audience_assignment

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def five_batches(monkeypatch):
    users = UserFactory.create_batch(5)
    assignment = audience_assignment(users)
    lowest = min(user.pk for user in users)
    # One batch per learner of the assignment (ids below the lowest belong to others).
    monkeypatch.setattr(tasks, "BATCH_SIZE", 1)
    monkeypatch.setattr(tasks, "id_ranges", lambda batch_size=1: [(pk, pk + 1) for pk in range(lowest, lowest + 5)])
    job = RecomputeJob.objects.create(certification=assignment.certification, assignment=assignment, description="x")
    return assignment, job


def run_batch_without_chaining(job):
    """One batch, as a worker runs it, with the message for the next batch dropped (the worker died)."""
    tasks.recompute_job_batch(job.pk)
    job.refresh_from_db()
    return job


def test_every_batch_records_progress_and_a_heartbeat(five_batches):
    assignment, job = five_batches
    with time_machine.travel(T0, tick=False):
        tasks.materialise_assignment(assignment.pk, job.pk)  # the first batch; the chain is not committed
    job.refresh_from_db()
    assert (job.status, job.kind, job.done, job.total) == ("running", "materialise", 1, 5)
    assert job.heartbeat_at == T0
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        job = run_batch_without_chaining(job)
    assert job.done == 2
    assert job.heartbeat_at == T0 + dt.timedelta(seconds=5)
    assert UserAssignment.objects.filter(assignment=assignment).count() == 2


def test_a_stale_job_is_taken_over_and_finished_from_its_last_batch(
    five_batches, settings, django_capture_on_commit_callbacks
):
    settings.RECOMPUTE_JOB_STALE_AFTER = 60
    assignment, job = five_batches
    with time_machine.travel(T0, tick=False):
        tasks.materialise_assignment(assignment.pk, job.pk)
        job = run_batch_without_chaining(job)  # two batches done, then the worker is killed
    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        assert tasks.resume_stale_jobs() == 0  # not stale yet
    with (
        time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False),
        django_capture_on_commit_callbacks(execute=True) as sent,
    ):
        assert tasks.resume_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.attempts) == ("done", 5, 5, 2)
    # the takeover's batch and the two after it; the last one finishes the job
    assert len(relayed(sent, tasks.recompute_job_batch.name)) == 3
    assert UserAssignment.objects.filter(assignment=assignment).count() == 5


def test_a_job_whose_message_was_lost_is_taken_over_from_queued(five_batches, django_capture_on_commit_callbacks):
    assignment, job = five_batches
    later = job.created_at + dt.timedelta(seconds=120)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == "done"
    assert UserAssignment.objects.filter(assignment=assignment).count() == 5


def test_two_workers_taking_over_at_once_only_one_wins(five_batches, django_capture_on_commit_callbacks):
    assignment, job = five_batches
    with time_machine.travel(T0, tick=False):
        tasks.materialise_assignment(assignment.pk, job.pk)
    stale = RecomputeJob.objects.get(pk=job.pk)
    with time_machine.travel(T0 + dt.timedelta(seconds=90), tick=False):
        # The other worker claimed the job between this worker's read and its claim.
        RecomputeJob.objects.filter(pk=job.pk).update(heartbeat_at=T0 + dt.timedelta(seconds=89))
        claim = RecomputeJob.objects.filter(pk=stale.pk, heartbeat_at=stale.heartbeat_at)
        assert claim.update(heartbeat_at=T0 + dt.timedelta(seconds=90)) == 0
        # And a duplicate batch (a redelivered message next to the takeover) does not advance twice.
        tasks.recompute_job_batch(job.pk)
        RecomputeJob.objects.filter(pk=job.pk).update(next_id=stale.next_id)  # the other ran the same batch
    job.refresh_from_db()
    assert job.done == 2


def test_a_job_that_keeps_failing_ends_failed_with_a_reason(five_batches, settings, monkeypatch):
    settings.RECOMPUTE_JOB_STALE_AFTER = 60
    settings.RECOMPUTE_JOB_MAX_ATTEMPTS = 3
    assignment, job = five_batches

    def boom(**kwargs):
        raise RuntimeError("lock timeout")

    monkeypatch.setattr(tasks.engine, "assignment_materialise", boom)
    moment = T0
    with time_machine.travel(moment, tick=False), pytest.raises(RuntimeError):
        tasks.materialise_assignment(assignment.pk, job.pk)
    for _ in range(2):
        moment += dt.timedelta(seconds=61)
        with time_machine.travel(moment, tick=False):
            tasks.resume_stale_jobs()  # enqueues on commit, which a test never reaches: run the batch here
            with pytest.raises(RuntimeError):
                tasks.recompute_job_batch(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "RuntimeError: lock timeout"
    assert job.finished_at is not None
