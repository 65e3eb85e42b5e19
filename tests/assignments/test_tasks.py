"""Background recomputation: batches with progress, the periodic sweep, and its schedule."""

import datetime as dt

import pytest
from django.conf import settings

from assignments import tasks
from assignments.models import DueEvent, RecomputeJob, UserAssignment
from certifications.models import CertificationRecord
from certlms.celery import app
from directory.models import ProfileDateValue
from tests.factories.directory import ProfileDateFieldFactory, UserFactory

from .helpers import audience_assignment, relative_due, route

pytestmark = pytest.mark.django_db


def test_materialise_task_runs_in_batches_and_reports_progress(monkeypatch, django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(5)
    assignment = audience_assignment(users)
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    job = RecomputeJob.objects.create(certification=assignment.certification, assignment=assignment, description="x")
    with django_capture_on_commit_callbacks(execute=True):  # each batch enqueues the next on commit
        tasks.materialise_assignment(assignment.pk, job.pk)
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.DONE
    assert job.total >= 3 and job.done == job.total
    assert UserAssignment.objects.count() == 5


def test_a_failing_batch_marks_the_job_failed(monkeypatch, settings):
    settings.RECOMPUTE_JOB_MAX_ATTEMPTS = 1
    assignment = audience_assignment(UserFactory.create_batch(2))
    job = RecomputeJob.objects.create(certification=assignment.certification, description="x")

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(tasks.engine, "assignment_materialise", boom)
    with pytest.raises(RuntimeError):
        tasks.materialise_assignment(assignment.pk, job.pk)
    job.refresh_from_db()
    assert job.status == RecomputeJob.Status.FAILED
    assert job.error == "RuntimeError: database went away"


def test_the_sweep_repairs_what_was_missed(now, django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(3)
    assignment = audience_assignment(users)
    tasks.materialise_assignment(assignment.pk)
    # A route lost, a record left behind without a route: the sweep puts both right.
    UserAssignment.objects.filter(user=users[0]).delete()
    orphan = UserFactory()
    CertificationRecord.objects.create(
        user=orphan, certification=assignment.certification, assigned_at=now, updated_at=now
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep()
    assert UserAssignment.objects.filter(user=users[0]).exists()
    assert not CertificationRecord.objects.filter(user=orphan).exists()


def test_the_sweep_repairs_a_due_date_whose_event_was_lost(now, django_capture_on_commit_callbacks):
    """A profile date written without its signal (straight to the table): the sweep sets the due
    dates of the route and the record that the event would have set."""
    field, user = ProfileDateFieldFactory(), UserFactory()
    assignment = audience_assignment(
        [user], **relative_due(DueEvent.PROFILE_DATE, unit="months", due_event_profile_field=field)
    )
    tasks.materialise_assignment(assignment.pk)
    assert route(assignment, user).due_date is None
    ProfileDateValue.objects.create(user=user, field=field, value=dt.date(2027, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep()
    expected = dt.datetime(2027, 7, 1, tzinfo=dt.UTC)
    assert route(assignment, user).due_date == expected
    assert CertificationRecord.objects.get(user=user).due_date == expected


def test_the_sweep_is_scheduled_every_assignment_sweep_interval():
    app.loader.import_default_modules()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["assignments.sweep"] == settings.ASSIGNMENT_SWEEP_INTERVAL
