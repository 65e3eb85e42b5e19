"""B8: one member added to an audience assigned to 50 certifications: the incremental recompute the
signal enqueues touches only that learner's rows, in at most 100 ms of database time, and in the same
number of statements as with an audience assigned to 5 certifications (both counts printed)."""

from __future__ import annotations

import time

from bench.b1_assign_audience import analyze, audience_with_members, certification, drop_certifications
from bench.common import Figure, vacuum

CERTIFICATIONS = 50
FEW = 5
MEMBERS = 1_000


def _setup(count: int = CERTIFICATIONS) -> int:
    """An audience of MEMBERS assigned to ``count`` certifications (the 5 have an audience and prefix of their own)."""
    from assignments.models import Assignment, AssignmentType
    from assignments.services.engine import assignment_materialise
    from certifications.models import Certification

    name, prefix = ("Bench B8 audience", "BENCH-B8") if count == CERTIFICATIONS else ("Bench B8 few", "BENCH-FEW-B8")
    audience_id = audience_with_members(name, MEMBERS, offset=2_000_000)
    certs = list(Certification.objects.filter(shortname__startswith=prefix))
    assignments = list(Assignment.objects.filter(certification__in=certs, audience_id=audience_id))
    if len(assignments) != count:
        drop_certifications(prefix)
        for _ in range(count):
            cert = certification(prefix)
            assignment = Assignment.objects.create(
                certification=cert, type=AssignmentType.AUDIENCE, audience_id=audience_id
            )
            assignment_materialise(assignment_id=assignment.pk)
        analyze()
    _deliver_backlog()
    # As autovacuum would have by then on a site: the backlog's delivery rewrote a million rows.
    from assignments.models import UserAssignment
    from certifications.models import AuditEvent, CertificationRecord
    from notifications.models import Delivery, Notification

    vacuum(UserAssignment, CertificationRecord, AuditEvent, Delivery, Notification)
    return audience_id


def _deliver_backlog() -> None:
    """Deliver the messages waiting before the measurement (the setup's own Enrolment messages, and the
    hundreds of thousands earlier benchmarks left, B1's and B11's), so that the measured delivery is the
    newcomer's alone. Their emails are set aside ("Not sent by email"), not written to the mail folder."""
    from notifications.models import EmailState, Notification
    from notifications.services import deliveries_expand

    while deliveries_expand(limit=10_000):
        pass
    Notification.objects.filter(email_state=EmailState.PENDING).update(email_state=EmailState.OFF)


def _add_one(audience_id: int) -> tuple[float, int, int, int]:
    """Add a new member and run what the signal enqueues in this process (eager): (db ms, statements,
    audit rows for the learner, audit rows for anyone else)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from assignments.receivers import on_audience_members_changed
    from certifications.models import AuditEvent
    from directory.models import AudienceMember

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
    return (
        db_time[0] * 1000,
        statements[0],
        new_audit.filter(user=newcomer).count(),
        new_audit.exclude(user=newcomer).count(),
    )


def run() -> list[Figure]:
    few_ms, few_statements, _, few_others = _add_one(_setup(FEW))
    ms, count, mine, others = _add_one(_setup())
    same = count == few_statements
    return [
        Figure(
            "B8",
            "add one member to an audience assigned to 50 certifications",
            ms,
            "ms",
            "<= 100 ms db time, only that learner, the same statements with 5 certifications",
            ms <= 100 and others == few_others == 0 and mine >= CERTIFICATIONS and same,
            extra=(
                f"{count} statements with 50 certifications, {few_statements} with 5 ({few_ms:.0f} ms), "
                f"{mine} audit rows for the learner, {others} for anyone else"
            ),
        )
    ]
