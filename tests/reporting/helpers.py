"""Run a report the way a page does and read its rows as {heading: text}."""

from django.http import QueryDict

from reporting import selectors
from tests.factories.reporting_data import NOW


def report_rows(
    report, user, params: str = "", *, own_only: bool = False, now=NOW, per_route: bool = False
) -> list[dict]:
    """Every row as the page shows it (a learner's routes in one cell), or with ``per_route`` as an export
    writes it (one row per learner route)."""
    run = selectors.report_run(report=report, user=user, params=QueryDict(params), now=now, own_only=own_only)
    rows = selectors.export_rows(run.rows, columns=run.columns, sort=run.sort, ctx=run.ctx, per_route=per_route)
    return [dict(zip(run.headings, row, strict=True)) for row in rows]


def names(rows) -> set[str]:
    return {row["User's name"] for row in rows}
