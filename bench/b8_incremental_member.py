"""B8: one member added to an audience assigned to 50 certifications: the incremental recompute the
signal enqueues touches only that learner's rows, in at most 100 ms of database time."""

from __future__ import annotations

import time

from bench.b1_assign_audience import analyze, audience_with_members, certification, drop_certifications
from bench.common import Figure

CERTIFICATIONS = 50
MEMBERS = 1_000


def _setup() -> int:
    from assignments.models import Assignment, AssignmentType
    from assignments.services.engine import assignment_materialise
    from certifications.models import Certification

    audience_id = audience_with_members("Bench B8 audience", MEMBERS, offset=2_000_000)
    certs = list(Certification.objects.filter(shortname__startswith="BENCH-B8"))
    assignments = list(Assignment.objects.filter(certification__in=certs, audience_id=audience_id))
    if len(assignments) != CERTIFICATIONS:
        drop_certifications("BENCH-B8")
        for _ in range(CERTIFICATIONS):
            cert = certification("BENCH-B8")
            assignment = Assignment.objects.create(
                certification=cert, type=AssignmentType.AUDIENCE, audience_id=audience_id
            )
            assignment_materialise(assignment_id=assignment.pk)
        analyze()
    return audience_id


def run() -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from assignments.receivers import on_audience_members_changed
    from certifications.models import AuditEvent
    from directory.models import AudienceMember

    audience_id = _setup()
    newcomer = get_user_model().objects.create(username=f"bench_b8_{time.time_ns()}", is_active=True)
    AudienceMember.objects.create(audience_id=audience_id, user=newcomer)
    last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    db_time = [0.0]
    statements = [0]

    def measure(execute, statement, params, many, context):
        start = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - start
            statements[0] += 1

    with connection.execute_wrapper(measure):
        # What the signal's receiver enqueues, run in this process (eager) so that it can be measured.
        from certlms.celery import app

        app.conf.task_always_eager = True
        on_audience_members_changed(sender=AudienceMember, audience_id=audience_id, user_ids=[newcomer.pk])
    new_audit = AuditEvent.objects.filter(id__gt=last_audit)
    others = new_audit.exclude(user=newcomer).count()
    mine = new_audit.filter(user=newcomer).count()
    ms = db_time[0] * 1000
    return [
        Figure(
            "B8",
            "add one member to an audience assigned to 50 certifications",
            ms,
            "ms",
            "<= 100 ms db time, only that learner",
            ms <= 100 and others == 0 and mine >= CERTIFICATIONS,
            extra=f"{statements[0]} statements, {mine} audit rows for the learner, {others} for anyone else",
        )
    ]
