"""What B1's rows cost PostgreSQL in certlms's own schema, beside B1 and its two-column floor.

Not part of ``make bench``. It runs B1 (assign a 100,000-member audience), then, for each table the
assignment wrote (routes, records, audit learners, deliveries), copies exactly the rows it wrote into
a fresh table with the same columns, defaults, checks and indexes (``LIKE … INCLUDING ALL``), each
copy an ``INSERT … SELECT`` in its own transaction with the commit inside the time. The sum is what
writing those rows costs in this schema with no engine logic at all: B1's time above that sum is the
engine's own work (reading the audience, due dates, exception checks, the joins between steps).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certlms_bench .venv/bin/python bench/b1_schema_floor.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_database, setup_django, timer  # noqa: E402


def _copy_seconds(model, where: str, params: list) -> tuple[float, int]:
    """Copy the rows of ``model``'s table matching ``where`` into a LIKE-table; (seconds, rows)."""
    from django.db import connection, transaction

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_schema_copy")
        cursor.execute(f"CREATE TABLE bench_schema_copy (LIKE {table} INCLUDING ALL)")
        cursor.execute(f"ANALYZE {table}")
        with timer() as took, transaction.atomic():
            cursor.execute(f"INSERT INTO bench_schema_copy SELECT * FROM {table} t WHERE {where}", params)
            rows = cursor.rowcount
        cursor.execute("DROP TABLE bench_schema_copy")
    return took(), rows


def main() -> None:
    setup_django()
    ensure_database()
    from assignments.models import Assignment, UserAssignment
    from bench.b1_assign_audience import first_run
    from certifications.models import AuditEvent, AuditLearner, CertificationRecord
    from notifications.models import Delivery

    result = first_run()
    certification_id = Assignment.objects.get(pk=result["assignment_id"]).certification_id
    events = list(AuditEvent.objects.filter(certification_id=certification_id).values_list("id", flat=True))
    parts = [
        ("routes", UserAssignment, "t.certification_id = %s", [certification_id]),
        ("records", CertificationRecord, "t.certification_id = %s", [certification_id]),
        ("audit learners", AuditLearner, "t.event_id = ANY(%s)", [events]),
        ("deliveries", Delivery, "t.certification_id = %s", [certification_id]),
    ]
    total = 0.0
    print(f"B1 {result['seconds']:.2f} s, its two-column floor {result['floor']:.3f} s")
    for label, model, where, params in parts:
        seconds, rows = _copy_seconds(model, where, params)
        total += seconds
        print(f"  {label}: {rows:,} rows copied in {seconds:.3f} s")
    print(
        f"schema floor {total:.2f} s: B1 is {result['seconds'] / total:.2f}x the schema floor, "
        f"{result['seconds'] - total:.2f} s of engine work above it"
    )


if __name__ == "__main__":
    main()
