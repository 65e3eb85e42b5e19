"""Keyset pages by id: ``WHERE id > after ORDER BY id LIMIT n``, one query at any depth."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.response import Response

from .serializers import PageParams


def params(request, serializer_class=PageParams) -> dict:
    """The query parameters, checked by ``serializer_class`` (400 with each field's message)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def keyset_page(queryset: QuerySet, *, after: int | None, limit: int) -> tuple[list, int | None]:
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more else None)


def page_response(queryset: QuerySet, query: dict, serializer_class, *, prepare=None, context=None) -> Response:
    """One page of ``queryset`` as ``{"results": [...], "next_after": id | null}``."""
    rows, next_after = keyset_page(queryset, after=query.get("after"), limit=query["limit"])
    if prepare is not None:
        rows = prepare(rows)
    return Response(
        {"results": serializer_class(rows, many=True, context=context or {}).data, "next_after": next_after}
    )
