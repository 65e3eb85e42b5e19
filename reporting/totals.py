"""A report's total and its status chart: what the page shows above the table.

The total is exact up to ``COUNT_EXACT_UP_TO`` rows (a bounded count) and PostgreSQL's plan estimate
beyond; an estimate is remembered for ``REPORT_ESTIMATE_SECONDS`` (decision 0116). The chart is one
``GROUP BY`` over the filtered rows, drawn only when the total is exact (otherwise loaded after the page).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, QuerySet

from .sources import QueryContext, Source
from .sources.certification import RAG_COLOURS

COUNT_EXACT_UP_TO = 10_000
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Total:
    value: int
    exact: bool

    def __str__(self) -> str:
        if not self.exact:
            return f"About {self.value:,} records (estimated)"
        return f"{self.value:,} record{'' if self.value == 1 else 's'}"


def report_total(queryset: QuerySet) -> Total:
    """Exact up to COUNT_EXACT_UP_TO rows (a bounded count); beyond, PostgreSQL's plan estimate.

    An estimate is remembered for ``REPORT_ESTIMATE_SECONDS`` (decision 0116): the next pages of the
    same rows skip the bounded count of 10,001 rows. Exact totals are always counted afresh."""
    ids = queryset.order_by().values("pk")
    key = _estimate_key(ids)
    remembered = _cache_call("get", key)
    if remembered is not None:
        return Total(remembered, False)
    bounded = ids[: COUNT_EXACT_UP_TO + 1].count()
    if bounded <= COUNT_EXACT_UP_TO:
        return Total(bounded, True)
    if connection.vendor != "postgresql":
        return Total(queryset.count(), True)
    plan = json.loads(ids.explain(format="json"))
    estimate = max(int(plan[0]["Plan"]["Plan Rows"]), COUNT_EXACT_UP_TO + 1)
    _cache_call("set", key, estimate, settings.REPORT_ESTIMATE_SECONDS)
    return Total(estimate, False)


def _estimate_key(ids: QuerySet) -> str:
    """The cache key of an estimate: the rows' own statement (report, viewer's scope, filters) and database."""
    statement, params = ids.query.sql_with_params()
    digest = hashlib.sha256(repr((ids.db, statement, params)).encode()).hexdigest()
    return f"report-estimate:{digest}"


def _cache_call(method: str, *args):
    """The cache, or None when it cannot be reached: the page then counts, it does not fail."""
    try:
        return getattr(cache, method)(*args)
    except Exception:  # noqa: BLE001 - any cache backend's connection error
        logger.warning("The report estimate cache could not be reached", exc_info=True)
        return None


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: float
    colour: str


def status_chart(queryset: QuerySet, *, source: Source, ctx: QueryContext) -> tuple[str, list[Bar]]:
    """The distribution of the source's status column over the filtered rows (one GROUP BY)."""
    column = source.column(source.chart_column)
    counts = dict(
        queryset.order_by()
        .annotate(g_status=column.select(ctx))
        .values("g_status")
        .annotate(n=Count("pk"))
        .values_list("g_status", "n")
    )
    total = sum(counts.values()) or 1
    order = list(column.choices) + [value for value in counts if value not in column.choices]
    colours = RAG_COLOURS if column.kind == "rag" else {}
    bars = [
        Bar(column.choices.get(value, value or "—"), counts[value], 100 * counts[value] / total, colours.get(value, ""))
        for value in order
        if counts.get(value)
    ]
    return column.label, bars
