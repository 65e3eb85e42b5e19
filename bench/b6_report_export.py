"""B6: CSV export of 1,000,000 report rows against ``COPY (the same query) TO STDOUT``.

The export runs through the report's export view (in process, so its memory can be measured):
time to the first data row, total time, and the process's peak memory (VmHWM, reset before the
export). The floor is PostgreSQL writing the very same SELECT as CSV, with the same session
settings. Data: B4's generator.
Run: ``DATABASE_URL=postgres://.../certlms_reports_bench python bench/run.py B6``.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

from bench.b4_report_page import ensure_report_data
from bench.common import Figure


class _Sink(io.RawIOBase):
    def __init__(self):
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def copy_floor(report, admin) -> float:
    """Seconds PostgreSQL needs to write the export's own SELECT as CSV."""
    from django.db import connection, transaction
    from django.utils import timezone

    from reporting import selectors

    run = selectors.report_run(report=report, user=admin, params={}, now=timezone.now())
    export = selectors.export_sql(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(selectors.EXPORT_SESSION_SQL)  # the export's own session settings
        raw = cursor.cursor
        statement = raw.mogrify(f"COPY ({export.sql}) TO STDOUT WITH CSV", export.params).decode()
        start = time.perf_counter()
        raw.copy_expert(statement, _Sink())
        return time.perf_counter() - start


def expected_rows() -> tuple[int, int, int]:
    """(rows the export must have, shown routes, records) over every record the report covers (all
    certifications in the database): one row per learner route (assigned or in exception), and one for a
    record whose learner has no shown route (decision 0114). Counted here in SQL, apart from the export."""
    from django.db import connection

    from assignments.models import UserAssignment
    from certifications.models import CertificationRecord
    from reporting.sources.common import SHOWN_ROUTE_STATES

    records, routes = CertificationRecord._meta.db_table, UserAssignment._meta.db_table
    shown = "ua.user_id = r.user_id AND ua.certification_id = r.certification_id AND ua.state IN %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {records} r JOIN {routes} ua ON {shown}),"
            f" (SELECT count(*) FROM {records} r WHERE NOT EXISTS (SELECT 1 FROM {routes} ua WHERE {shown})),"
            f" (SELECT count(*) FROM {records})",
            [tuple(SHOWN_ROUTE_STATES), tuple(SHOWN_ROUTE_STATES)],
        )
        routes_shown, without_route, total = cursor.fetchone()
    return routes_shown + without_route, routes_shown, total


def run() -> list[Figure]:
    from django.test import Client
    from django.urls import reverse

    report, admin = ensure_report_data()
    floor = copy_floor(report, admin)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = reverse("reporting:report_export", args=[report.pk, "csv"])
    _reset_peak()
    start = time.perf_counter()
    response = client.get(url)
    first_byte, lines, size = None, 0, 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        if first_byte is None and lines > 1:  # the first data row, not just the heading line
            first_byte = time.perf_counter() - start
        size += len(chunk)
    total = time.perf_counter() - start
    peak = _peak_rss_mb()
    expected, routes, records = expected_rows()
    rows_ok = lines - 1 == expected  # BENCHMARKS.md: one exported row per learner route
    return [
        Figure("B6", "CSV export 1M rows", total, "s", "<= 5, one row per route", rows_ok and total <= 5 * floor,
               floor, extra=f"{lines - 1:,} rows for {routes:,} routes of {records:,} records"
               f" ({expected:,} expected), {size / 1e6:.0f} MB"),
        Figure("B6", "CSV export first data row", first_byte or total, "s", "< 1 s", (first_byte or total) < 1),
        Figure("B6", "CSV export peak memory", peak, "MB", "< 200 MB", peak < 200, extra="process VmHWM"),
    ]  # fmt: skip
