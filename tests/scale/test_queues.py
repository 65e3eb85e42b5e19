"""Named queues: every task is routed by name to interactive, bulk or messages (decision 0110)."""

import pytest

from certlms.celery import app as celery_app


def queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("certifications.course_progress", "interactive"),
        ("assignments.recompute_learners", "interactive"),
        ("assignments.recompute_learners_many", "interactive"),
        ("outbox.drain", "interactive"),
        ("assignments.recompute_job_batch", "bulk"),
        ("assignments.materialise_assignment", "bulk"),
        ("assignments.recompute_certification", "bulk"),
        ("assignments.recompute_certification_batch", "bulk"),
        ("assignments.sweep", "bulk"),
        ("assignments.resume_stale_jobs", "bulk"),
        ("certifications.lifecycle_sweep", "bulk"),
        ("certifications.lifecycle_batch", "bulk"),
        ("certifications.assigned_progress", "bulk"),
        ("notifications.send_due", "messages"),
        ("tests.anything_else", "interactive"),
    ],
)
def test_each_task_goes_to_its_queue(task_name, queue):
    assert queue_of(task_name) == queue


def test_every_task_of_ours_has_a_named_queue():
    celery_app.loader.import_default_modules()
    ours = [name for name in celery_app.tasks if name.split(".")[0] in {"assignments", "certifications", "outbox"}]
    assert ours
    assert {queue_of(name) for name in ours} <= {"interactive", "bulk", "messages"}


def test_a_worker_without_queues_named_takes_all_three():
    assert [queue.name for queue in celery_app.conf.task_queues] == ["interactive", "bulk", "messages"]
