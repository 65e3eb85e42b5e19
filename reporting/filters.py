"""The filter form of a report: a django-filter FilterSet built from the report's chosen filters."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from .sources import Filter, QueryContext, Source


def _method(source_filter: Filter, ctx: QueryContext):
    def apply(queryset: QuerySet, name: str, value):
        return source_filter.apply(queryset, value, ctx) if value not in (None, "") else queryset

    return apply


def report_filterset(*, source: Source, keys: list[str], ctx: QueryContext) -> type[django_filters.FilterSet]:
    """A FilterSet class with one filter per chosen key that the source offers; unknown keys are skipped."""
    declared = {}
    for key in keys:
        source_filter = source.filter(key)
        if source_filter is None:
            continue
        method = _method(source_filter, ctx)
        if source_filter.kind == "choice":
            declared[key] = django_filters.ChoiceFilter(
                label=source_filter.label, choices=source_filter.choices, method=method, empty_label="Any"
            )
        else:
            declared[key] = django_filters.CharFilter(label=source_filter.label, method=method)
    return type("ReportFilterSet", (django_filters.FilterSet,), declared)
