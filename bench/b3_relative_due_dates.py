"""B3: recompute relative due dates for 1,000,000 learner routes after their event (first login moved),
against one bare ``UPDATE … FROM`` over the same rows; no transaction may last longer than 5 s.

The recomputation runs as the sweep task does: batches of ``RECOMPUTE_BATCH_SIZE`` user ids, one
transaction each (routes' due dates and checks, learner records' due dates, audit).
"""

from __future__ import annotations

import time

from bench.b1_assign_audience import analyze, audience_with_members, certification, drop_certifications, sql
from bench.common import Figure, checkpoint, timer, vacuum

SIZE = 1_000_000


def _setup():
    """The 1M-member audience, first logins, and a certification whose routes exist (created once)."""
    from assignments.models import Assignment, AssignmentType, DueEvent, DueKind
    from certifications.models import Certification

    audience_id = audience_with_members("Bench B3 audience 1M", SIZE)
    sql(
        "INSERT INTO directory_learnerprofile (user_id, first_login_at, timezone) "
        "SELECT user_id, TIMESTAMPTZ '2027-01-01 08:00+00', '' FROM directory_audiencemember WHERE audience_id = %s "
        "ON CONFLICT (user_id) DO NOTHING",
        [audience_id],
    )
    existing = Certification.objects.filter(shortname__startswith="BENCH-B3").order_by("-id").first()
    assignment = Assignment.objects.filter(certification=existing).first() if existing else None
    if assignment is None or assignment.user_assignments.count() != SIZE:
        drop_certifications("BENCH-B3")
        cert = certification("BENCH-B3", allowance_days=1)
        assignment = Assignment.objects.create(
            certification=cert,
            type=AssignmentType.AUDIENCE,
            audience_id=audience_id,
            due_kind=DueKind.RELATIVE,
            due_amount=18,
            due_unit="months",
            due_event=DueEvent.FIRST_LOGIN,
        )
        analyze()
        # The set-up is one whole-assignment run (one transaction): the 50 batches of the sweep took
        # about 40 minutes here, and the set-up is not what B3 measures.
        from assignments.services.engine import assignment_materialise

        assignment_materialise(assignment_id=assignment.pk)
        analyze()
    return audience_id, assignment


def _ranges(audience_id: int) -> list[tuple[int, int]]:
    """The sweep's batches (``RECOMPUTE_BATCH_SIZE`` user ids each) over the audience's ids."""
    from django.db import connection

    from assignments.tasks import BATCH_SIZE as BATCH

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(user_id), MAX(user_id) FROM directory_audiencemember WHERE audience_id = %s", [audience_id]
        )
        lo, hi = cursor.fetchone()
    return [(start, start + BATCH) for start in range(lo, hi + 1, BATCH)]


def _recompute_all(certification_id: int, ranges=None) -> list[float]:
    from assignments.services.engine import certification_recompute

    if ranges is None:
        from assignments.tasks import id_ranges

        ranges = id_ranges()
    durations = []
    for id_range in ranges:
        start = time.perf_counter()
        certification_recompute(certification_id=certification_id, id_range=id_range)
        durations.append(time.perf_counter() - start)
    return durations


def run() -> list[Figure]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from assignments.models import UserAssignment
    from certifications.models import AuditEvent, CertificationRecord

    audience_id, assignment = _setup()
    members = "SELECT user_id FROM directory_audiencemember WHERE audience_id = %s"
    # The event: every learner's first login moves one day later.
    sql(
        f"UPDATE directory_learnerprofile SET first_login_at = first_login_at + interval '1 day' "
        f"WHERE user_id IN ({members})",
        [audience_id],
    )
    # What both parts read, vacuumed as autovacuum would have on a site after a million-row change: the
    # moved event dates, and the members and users whose index-only scans need a visibility map.
    from directory.models import AudienceMember, LearnerProfile

    vacuum(LearnerProfile, AudienceMember, get_user_model())

    new_due = "lp.first_login_at + make_interval(months => 18)"
    checkpoint()
    with timer() as floor, transaction.atomic():
        touched = sql(
            f"UPDATE assignments_userassignment ua SET due_date = {new_due} FROM directory_learnerprofile lp "
            "WHERE ua.assignment_id = %s AND lp.user_id = ua.user_id",
            [assignment.pk],
        )
    # Put the routes back as they were, so that the engine finds the same work to do.
    sql(
        f"UPDATE assignments_userassignment ua SET due_date = {new_due} - interval '1 day' "
        "FROM directory_learnerprofile lp WHERE ua.assignment_id = %s AND lp.user_id = ua.user_id",
        [assignment.pk],
    )
    # What the engine rewrites, vacuumed as autovacuum would have by then on a site (bench.common.vacuum).
    vacuum(UserAssignment, CertificationRecord, AuditEvent)
    checkpoint()

    with timer() as engine_time:
        durations = _recompute_all(assignment.certification_id, _ranges(audience_id))
    longest = max(durations)
    ratio = engine_time() / floor()
    return [
        Figure(
            "B3",
            "recompute 1M relative due dates",
            engine_time(),
            "s",
            "<= 2, no transaction > 5 s",
            ratio <= 2 and longest <= 5,
            floor=floor(),
            extra=f"{touched} routes, {len(durations)} transactions, longest {longest:.2f} s",
        )
    ]
