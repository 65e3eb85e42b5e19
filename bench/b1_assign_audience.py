"""B1: assign a 100,000-member audience to a certification (routes, learner records, due dates,
exception checks, audit), against a bare ``INSERT … SELECT`` of the same pairs into an indexed
scratch table. The helpers here build the benchmark data with ``generate_series`` and are shared
by B2, B3 and B8.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time

from bench.common import Figure, checkpoint, timer

SIZE = 100_000
_first_run: dict = {}


def sql(statement: str, params=()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def ensure_users(count: int) -> None:
    """Bench users bench_u1 … bench_u<count> (created once, set-based)."""
    sql(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined) SELECT '!', false, 'bench_u' || g, 'Bench', 'User ' || g, '', false, true, now() "
        "FROM generate_series(1, %s) g ON CONFLICT (username) DO NOTHING",
        [count],
    )


def audience_with_members(name: str, count: int, offset: int = 0) -> int:
    """An audience whose members are bench users offset+1 … offset+count (created once)."""
    from directory.models import Audience

    audience, created = Audience.objects.get_or_create(name=name)
    if created or audience.memberships.count() != count:
        ensure_users(offset + count)
        sql("DELETE FROM directory_audiencemember WHERE audience_id = %s", [audience.pk])
        sql(
            "INSERT INTO directory_audiencemember (audience_id, user_id, added_at) "
            "SELECT %s, u.id, now() FROM generate_series(%s, %s) g JOIN auth_user u ON u.username = 'bench_u' || g",
            [audience.pk, offset + 1, offset + count],
        )
    return audience.pk


def drop_certifications(prefix: str) -> None:
    """Remove earlier benchmark certifications and everything hanging from them, set-based."""
    from certifications.models import Certification

    ids = list(Certification.objects.filter(shortname__startswith=prefix).values_list("id", flat=True))
    if not ids:
        return
    for table in (
        "certifications_auditevent",
        "assignments_assignmentexception",
        "assignments_userassignment",
        "assignments_recomputejob",
        "certifications_certificationrecord",
        "certifications_certificationrecordhistory",
    ):
        sql(f"DELETE FROM {table} WHERE certification_id = ANY(%s)", [ids])
    sql("DELETE FROM assignments_assignment WHERE certification_id = ANY(%s)", [ids])
    Certification.objects.filter(id__in=ids).delete()


def certification(prefix: str, *, allowance_days: int = 30):
    """A fresh certification with one course set needing ``allowance_days``."""
    from certifications.models import Certification, CourseSet
    from courses.models import Course

    stamp = f"{prefix}-{time.time_ns()}"
    cert = Certification.objects.create(fullname=f"Benchmark {stamp}", shortname=stamp)
    course = Course.objects.create(fullname=f"Course {stamp}", shortname=f"C-{stamp}")
    course_set = CourseSet.objects.create(certification=cert, minimum_time_days=allowance_days)
    course_set.courses.add(course)
    return cert


def analyze() -> None:
    for table in (
        "auth_user",
        "directory_audiencemember",
        "directory_learnerprofile",
        "assignments_userassignment",
        "certifications_certificationrecord",
    ):
        sql(f"ANALYZE {table}")


def first_run() -> dict:
    """Set up and time B1 once per process (B2 reuses it)."""
    if _first_run:
        return _first_run
    from django.db import transaction
    from django.utils import timezone

    from assignments.models import Assignment, AssignmentType, DueKind
    from assignments.services.engine import assignment_materialise

    drop_certifications("BENCH-B1")
    audience_id = audience_with_members("Bench B1 audience 100k", SIZE)
    cert = certification("BENCH-B1")
    analyze()

    sql("DROP TABLE IF EXISTS bench_floor_pairs")
    sql(
        "CREATE TABLE bench_floor_pairs (user_id bigint NOT NULL, certification_id bigint NOT NULL, "
        "PRIMARY KEY (user_id, certification_id))"
    )
    checkpoint()
    with timer() as floor, transaction.atomic():
        sql(
            "INSERT INTO bench_floor_pairs (user_id, certification_id) "
            "SELECT user_id, %s FROM directory_audiencemember WHERE audience_id = %s",
            [cert.pk, audience_id],
        )
    sql("DROP TABLE bench_floor_pairs")

    assignment = Assignment.objects.create(
        certification=cert,
        type=AssignmentType.AUDIENCE,
        audience_id=audience_id,
        due_kind=DueKind.FIXED,
        due_fixed_at=timezone.now() + dt.timedelta(days=365),
    )
    import os

    tracing = trace_slow_statements() if os.environ.get("BENCH_TRACE") else contextlib.nullcontext()
    checkpoint()
    with tracing, timer() as run:
        written = assignment_materialise(assignment_id=assignment.pk)
    _first_run.update(assignment_id=assignment.pk, seconds=run(), floor=floor(), written=written)
    return _first_run


def run() -> list[Figure]:
    from assignments.models import UserAssignment
    from certifications.models import CertificationRecord

    result = first_run()
    routes = UserAssignment.objects.filter(assignment_id=result["assignment_id"]).count()
    records = CertificationRecord.objects.filter(certification__assignments=result["assignment_id"]).count()
    ratio = result["seconds"] / result["floor"]
    return [
        Figure(
            "B1",
            "assign 100k audience",
            result["seconds"],
            "s",
            "<= 3",
            ratio <= 3 and routes == SIZE and records == SIZE,
            floor=result["floor"],
            extra=f"{routes} routes, {records} records, {result['written']} rows written",
        )
    ]


def trace_slow_statements(threshold: float = 0.2):
    """``with trace_slow_statements(): …`` prints every statement slower than ``threshold`` seconds (diagnosis)."""
    from django.db import connection

    def wrapper(execute, statement, params, many, context):
        start = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            took = time.perf_counter() - start
            if took >= threshold:
                print(f"  slow {took:.2f} s: {statement[:400]}", flush=True)

    return connection.execute_wrapper(wrapper)
