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

from bench.b4_report_page import RECORDS, ensure_report_data
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
    queryset = selectors.export_queryset(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx)
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(selectors.EXPORT_SESSION_SQL)  # the export's own session settings
        raw = cursor.cursor
        statement = raw.mogrify(f"COPY ({sql}) TO STDOUT WITH CSV", params).decode()
        start = time.perf_counter()
        raw.copy_expert(statement, _Sink())
        return time.perf_counter() - start


def shown_routes() -> int:
    """The learner routes the report shows (assigned or in exception) for B4's certifications."""
    from assignments.models import UserAssignment
    from reporting.sources.common import SHOWN_ROUTE_STATES

    return UserAssignment.objects.filter(
        certification__shortname__startswith="B4-", state__in=SHOWN_ROUTE_STATES
    ).count()


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
    routes = shown_routes()
    rows_ok = lines - 1 == routes  # BENCHMARKS.md: one exported row per learner route
    return [
        Figure("B6", "CSV export 1M rows", total, "s", "<= 5, one row per route", rows_ok and total <= 5 * floor,
               floor, extra=f"{lines - 1:,} rows for {routes:,} routes of {RECORDS:,} records, {size / 1e6:.0f} MB"),
        Figure("B6", "CSV export first data row", first_byte or total, "s", "< 1 s", (first_byte or total) < 1),
        Figure("B6", "CSV export peak memory", peak, "MB", "< 200 MB", peak < 200, extra="process VmHWM"),
    ]  # fmt: skip
