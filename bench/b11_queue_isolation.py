"""B11: queue isolation. One learner's interactive work while a 100,000-learner recompute runs on
``bulk``, with two real workers (one ``-Q interactive``, one ``-Q bulk``), against the same
interactive work with ``bulk`` idle, measured in the same run.

The interactive work is what a learner's change sends to the ``interactive`` queue: a learner
joins an audience and ``assignments.recompute_learners`` gives them their route and record
(through the outbox, as a page does). Its latency is from the commit of the change to the route
being in the database. The bulk work is a recompute job materialising a 100,000-member audience
assignment (batch tasks of ``RECOMPUTE_BATCH_SIZE`` user ids, as **Recompute now** sends).
Convergence: the job's routes and records equal those of the same assignment materialised alone
(in this process, with nothing else running), and every probed learner has their route.
Run: ``DATABASE_URL=… CELERY_BROKER_URL=redis://…/N python bench/run.py B11`` (a Redis database of
its own: the benchmark purges the queues of that broker).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time

from bench.b1_assign_audience import (
    SIZE,
    analyze,
    audience_with_members,
    certification,
    drop_certifications,
    ensure_users,
    sql,
)
from bench.common import ROOT, Figure

PROBES = 20
PREFIX = "BENCH-B11"


def start_worker(queue: str) -> subprocess.Popen:
    log = ROOT / "var" / f"b11-{queue}.log"
    log.parent.mkdir(exist_ok=True)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="certlms.settings.local", DEBUG="0")
    command = [sys.executable, "-m", "celery", "-A", "certlms", "worker", "-Q", queue, "--concurrency=1"]
    command += ["--pool=solo", "--without-gossip", "--without-mingle", f"--hostname=b11-{queue}@%h"]
    command += ["--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float, what: str, every: float = 0.01):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise SystemExit(f"B11: not within {seconds} s: {what}")


def probe(certification_id: int, audience_id: int, user_id: int) -> float:
    """A learner joins the audience and their recompute goes to ``interactive``; seconds until their route exists."""
    from django.db import transaction

    from assignments.models import UserAssignment
    from outbox.services import enqueue

    with transaction.atomic():
        sql(
            "INSERT INTO directory_audiencemember (audience_id, user_id, added_at) VALUES (%s, %s, now())",
            [audience_id, user_id],
        )
        enqueue("assignments.recompute_learners", certification_id=certification_id, user_ids=[user_id])
        start = time.perf_counter()
    routes = UserAssignment.objects.filter(certification_id=certification_id, user_id=user_id)
    wait_for(routes.exists, 120, f"learner {user_id}'s route")
    return time.perf_counter() - start


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def rows(certification_id: int) -> tuple[set, set]:
    from assignments.models import UserAssignment
    from certifications.models import CertificationRecord

    routes = UserAssignment.objects.filter(certification_id=certification_id)
    records = CertificationRecord.objects.filter(certification_id=certification_id)
    return (
        set(routes.values_list("user_id", "state", "due_date", "exception_type")),
        set(records.values_list("user_id", "status", "due_date", "path")),
    )


def run() -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from assignments import tasks
    from assignments.models import Assignment, AssignmentType, DueKind, RecomputeJob
    from assignments.services.rules import materialise_later
    from certlms.celery import app

    drop_certifications(PREFIX)
    audience_id = audience_with_members("Bench B11 audience 100k", SIZE)
    small_audience = audience_with_members("Bench B11 interactive", 0)
    ensure_users(SIZE + 2 * PROBES)
    probe_users = list(
        get_user_model()
        .objects.filter(username__in=[f"bench_u{SIZE + i}" for i in range(1, 2 * PROBES + 1)])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    due = timezone.now().replace(microsecond=0) + dt.timedelta(days=365)
    assignments = {}
    for name, audience in (("alone", audience_id), ("bulk", audience_id), ("interactive", small_audience)):
        cert = certification(f"{PREFIX}-{name}")
        assignments[name] = Assignment.objects.create(
            certification=cert, type=AssignmentType.AUDIENCE, audience_id=audience, due_kind=DueKind.FIXED,
            due_fixed_at=due,
        )  # fmt: skip
    analyze()

    # The run alone: the same materialisation, batch after batch in this process, nothing else running.
    tasks.materialise_assignment(assignments["alone"].pk)
    alone = rows(assignments["alone"].certification_id)

    app.control.purge()  # nothing left over in this broker's queues
    workers = [start_worker("interactive"), start_worker("bulk")]
    try:
        interactive = assignments["interactive"]
        warm = probe(interactive.certification_id, small_audience, probe_users[0])  # both workers up and warm
        idle = [probe(interactive.certification_id, small_audience, uid) for uid in probe_users[1:PROBES]]
        with transaction.atomic():
            job = materialise_later(assignment=assignments["bulk"], description="B11 bulk recompute")
        jobs = RecomputeJob.objects.filter(pk=job.pk)
        wait_for(lambda: jobs.filter(status=RecomputeJob.Status.RUNNING, done__gte=1).exists(), 300, "bulk started")
        busy = [probe(interactive.certification_id, small_audience, uid) for uid in probe_users[PROBES:]]
        overlapped = jobs.filter(status=RecomputeJob.Status.RUNNING).exists()
        started = time.monotonic()
        wait_for(lambda: jobs.filter(status=RecomputeJob.Status.DONE).exists(), 1800, "the bulk job done", every=0.5)
        job.refresh_from_db()
        print(f"B11 bulk job: {job.total} batches, finished {time.monotonic() - started:.0f} s after the probes",
              file=sys.stderr)  # fmt: skip
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
    converged = rows(assignments["bulk"].certification_id) == alone and len(alone[0]) == SIZE
    probed = rows(interactive.certification_id)[0]
    every_probe = {user_id for user_id, *_ in probed} == set(probe_users) and len(probed) == 2 * PROBES
    idle_p95, busy_p95 = p95(idle), p95(busy)
    return [
        Figure(
            "B11", "interactive latency p95 with a 100k recompute on bulk, 2 workers", busy_p95 * 1000, "ms",
            "<= 2, both converge", busy_p95 <= 2 * idle_p95 and converged and every_probe and overlapped,
            idle_p95 * 1000,
            extra=f"median {statistics.median(busy) * 1000:.0f} ms (idle {statistics.median(idle) * 1000:.0f} ms, "
            f"first {warm * 1000:.0f} ms), {len(busy)} probes during the job: {'yes' if overlapped else 'NO'}, "
            f"bulk rows = a run alone: {'yes' if converged else 'NO'} ({len(alone[0]):,} routes), "
            f"every probed learner's route: {'yes' if every_probe else 'NO'}",
        ),
    ]  # fmt: skip
