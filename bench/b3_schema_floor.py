"""What B3's changes cost PostgreSQL in certlms's own schema, beside B3 and its one-table floor.

Not part of ``make bench``. It runs B3 (recompute 1,000,000 relative due dates in the sweep's batches),
then writes what B3 had to write with no engine logic at all, each part in its own committed
transaction: B3's floor (one ``UPDATE … FROM`` of the routes' due dates), the same ``UPDATE`` of the
learners' records' due dates (DOMAIN §3: the record carries the learner's due date), and the bulk audit
rows naming each learner whose due date changed, copied into a table with the same columns and
indexes as ``AuditLearner`` (as ``b1_schema_floor.py`` does). The sum is the schema floor; B3's time
above it is the engine's own work (reading the event, the checks, the batches' joins).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certlms_bench .venv/bin/python bench/b3_schema_floor.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_database, setup_django, timer  # noqa: E402


def _update_seconds(statement: str, undo: str, params: list) -> tuple[float, int]:
    """Run ``statement`` in its own committed transaction (timed), then ``undo`` it (not timed)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        with timer() as took, transaction.atomic():
            cursor.execute(statement, params)
            rows = cursor.rowcount
        cursor.execute(undo, params)
    return took(), rows


def main() -> None:
    setup_django()
    ensure_database()
    from assignments.models import Assignment, DueKind
    from bench import b3_relative_due_dates
    from bench.b1_assign_audience import sql
    from bench.b1_schema_floor import _copy_seconds
    from certifications.models import AuditEvent, AuditLearner, CertificationRecord

    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    (figure,) = b3_relative_due_dates.run()
    assignment = Assignment.objects.filter(
        certification__shortname__startswith="BENCH-B3", due_kind=DueKind.RELATIVE
    ).latest("pk")
    certification_id = assignment.certification_id
    events = list(
        AuditEvent.objects.filter(pk__gt=before, certification_id=certification_id).values_list("pk", flat=True)
    )
    sql("VACUUM ANALYZE certifications_certificationrecord")
    records = CertificationRecord._meta.db_table
    shift = f"UPDATE {records} SET due_date = due_date + interval '%s day' WHERE certification_id = %%s"
    parts = [
        ("records' due dates", *_update_seconds(shift % 1, shift % -1, [certification_id])),
        ("audit learners", *_copy_seconds(AuditLearner, "t.event_id = ANY(%s)", [events])),
    ]
    total = figure.floor
    print(f"B3 {figure.value:.1f} s, its one-table floor (the routes' due dates) {figure.floor:.2f} s ({figure.extra})")
    for label, seconds, rows in parts:
        total += seconds
        print(f"  {label}: {rows:,} rows in {seconds:.2f} s")
    print(
        f"schema floor {total:.2f} s: B3 is {figure.value / total:.2f}x the schema floor, "
        f"{figure.value - total:.2f} s of engine work above it"
    )


if __name__ == "__main__":
    main()
