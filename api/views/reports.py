"""Reports the caller may see: list, definition, rows (keyset pages, the page's filters and sorts)
and exports (streamed), through reporting's own rules and selectors."""

import datetime as dt

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from reporting import exports, rules, selectors

from .. import serializers as s
from ..paging import page_response, params


def _report(user, pk: int):
    report = rules.report_get_for_viewer(user=user, report_id=pk)
    try:
        source = selectors.report_source(report)
    except LookupError as error:
        raise Http404 from error
    return report, source


def _columns(run_columns) -> list[dict]:
    return [{"key": c.column.key, "heading": c.heading, "kind": c.column.kind} for c in run_columns]


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


@extend_schema(
    operation_id="reports_list",
    summary="Reports the caller may see",
    parameters=[s.PageParams],
    responses=s.page_of(s.ReportSerializer),
    tags=["Reports"],
)
@api_view(["GET"])
def report_list(request):
    return page_response(
        rules.reports_visible_to(request.user).filter(embedded=""), params(request), s.ReportSerializer
    )


@extend_schema(
    operation_id="reports_detail",
    summary="A report's columns and filters",
    responses=s.ReportDetailSerializer,
    tags=["Reports"],
)
@api_view(["GET"])
def report_detail(request, pk: int):
    report, source = _report(request.user, pk)
    filters = [source.filter(key) for key in report.filters if source.filter(key) is not None]
    data = {
        "id": report.pk,
        "name": report.name,
        "source": report.source,
        "columns": _columns(selectors.report_columns(report, source)),
        "filters": [{"key": f.key, "label": f.label, "choices": [value for value, _ in f.choices]} for f in filters],
    }
    return Response(s.ReportDetailSerializer(data).data)


@extend_schema(
    operation_id="reports_rows",
    summary="One page of a report's rows (filters by their keys as query parameters)",
    parameters=[s.ReportRowsParams],
    responses=s.ReportRowsSerializer,
    tags=["Reports"],
)
@api_view(["GET"])
def report_rows(request, pk: int):
    report, _ = _report(request.user, pk)
    query = params(request, s.ReportRowsParams)
    run = selectors.report_run(report=report, user=request.user, params=request.query_params, now=timezone.now())
    page = selectors.keyset_page(
        run.rows,
        columns=run.columns,
        sort=run.sort,
        ctx=run.ctx,
        after=query.get("after", ""),
        before=query.get("before", ""),
    )
    rows = []
    for raw, cells in zip(page.rows, page.cells, strict=True):
        values = {}
        for chosen in run.columns:
            values[chosen.column.key] = _iso(raw[chosen.alias])
            if chosen.column.date is not None:
                values[f"{chosen.column.key}_date"] = _iso(raw[chosen.date_alias])
        rows.append({"id": raw["pk"], "values": values, "cells": cells})
    data = {
        "columns": _columns(run.columns),
        "rows": rows,
        "next_cursor": page.next_cursor if page.has_next else None,
        "previous_cursor": page.previous_cursor if page.has_previous else None,
    }
    return Response(data)


def _file_renderer(fmt: str, media_type: str) -> type:
    """Lets a client ask for the export's own type (its errors are still written as JSON)."""
    return type(f"{fmt.title()}Renderer", (JSONRenderer,), {"media_type": media_type, "format": fmt})


EXPORT_TYPES = {fmt: content_type.split(";")[0] for fmt, (content_type, _) in exports.FORMATS.items()}


@extend_schema(
    operation_id="reports_export",
    summary="Every row of a report, streamed as CSV, Excel or ODS (the report's filters as query parameters)",
    parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(exports.FORMATS))],
    responses={(200, media_type): OpenApiTypes.BINARY for media_type in EXPORT_TYPES.values()},
    tags=["Reports"],
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, *(_file_renderer(fmt, media_type) for fmt, media_type in EXPORT_TYPES.items())])
def report_export(request, pk: int, fmt: str):
    if fmt not in exports.FORMATS:
        raise Http404
    report, _ = _report(request.user, pk)
    run = selectors.report_run(report=report, user=request.user, params=request.query_params, now=timezone.now())
    return exports.run_export_response(run, fmt)
