"""Keyset pages by id: ``WHERE id > after ORDER BY id LIMIT n``, one query at any depth."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework.response import Response

from .rows import iso_dates
from .serializers import PageParams


def params(request, serializer_class=PageParams) -> dict:
    """The query parameters, checked by ``serializer_class`` (400 with each field's message)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def keyset_page(queryset: QuerySet, *, after: int | None, limit: int) -> tuple[list, int | None]:
    """One page of model instances, or of dicts for a ``values()`` queryset (with its ``id``)."""
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, (last["id"] if isinstance(last, dict) else last.pk)


def page_response(queryset: QuerySet, query: dict, serializer_class, *, prepare=None, context=None) -> Response:
    """One page of ``queryset`` as ``{"results": [...], "next_after": id | null}``."""
    rows, next_after = keyset_page(queryset, after=query.get("after"), limit=query["limit"])
    if prepare is not None:
        rows = prepare(rows)
    return Response(
        {"results": serializer_class(rows, many=True, context=context or {}).data, "next_after": next_after}
    )


def values_page_response(queryset: QuerySet, query: dict, columns: tuple[str, ...], row: Callable) -> Response:
    """``page_response`` for a hot list: ``values(*columns)``, each row made by ``row(values, when)``
    (``api.rows``), ``when`` writing dates in the active time zone."""
    rows, next_after = keyset_page(queryset.values(*columns), after=query.get("after"), limit=query["limit"])
    when = iso_dates()
    return Response({"results": [row(v, when) for v in rows], "next_after": next_after})
