"""B6b: the report query itself (B6's ``COPY (query) TO STDOUT``) against ``COPY`` of a flat table
holding the same rows and columns, measured in the same run and session settings.

The flat table is the query's own result stored once (``CREATE TEMP TABLE … AS``, then
``ANALYZE``): what PostgreSQL needs to write those rows as CSV when nothing has to be computed.
Data: B4's generator. Run: ``DATABASE_URL=postgres://.../certlms_reports_bench python bench/run.py B6b``.
"""

from __future__ import annotations

import time

from bench.b4_report_page import ensure_report_data
from bench.b6_report_export import _Sink
from bench.common import Figure


def export_sql(report, admin) -> tuple[str, list]:
    from django.utils import timezone

    from reporting import selectors

    run = selectors.report_run(report=report, user=admin, params={}, now=timezone.now())
    export = selectors.export_sql(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    return export.sql, export.params


def copy_seconds(cursor, source_sql: str, params) -> tuple[float, int]:
    raw = cursor.cursor
    sink = _Sink()
    statement = raw.mogrify(f"COPY ({source_sql}) TO STDOUT WITH CSV", params).decode()
    start = time.perf_counter()
    raw.copy_expert(statement, sink)
    return time.perf_counter() - start, sink.size


def run() -> list[Figure]:
    from django.db import connection, transaction

    from reporting import selectors

    report, admin = ensure_report_data()
    sql, params = export_sql(report, admin)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(selectors.EXPORT_SESSION_SQL)  # the export's own session settings
        query, size = copy_seconds(cursor, sql, params)
        cursor.execute(f"CREATE TEMP TABLE b6b_flat ON COMMIT DROP AS {sql}", params)
        cursor.execute("ANALYZE b6b_flat")
        flat, flat_size = copy_seconds(cursor, "SELECT * FROM b6b_flat", [])
        cursor.execute("SELECT count(*) FROM b6b_flat")
        rows = cursor.fetchone()[0]
    same = size == flat_size
    return [
        Figure(
            "B6b", "report query COPY", query, "s", "<= 5", same and query <= 5 * flat, flat,
            extra=f"{rows:,} rows, {size / 1e6:.0f} MB (flat {flat_size / 1e6:.0f} MB), "
            f"{query / rows * 1e6:.1f} µs a row",
        )
    ]  # fmt: skip
