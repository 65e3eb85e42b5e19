"""Keyset pages by id: ``WHERE id > after ORDER BY id LIMIT n``, one query at any depth."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import BooleanField, Expression, F, QuerySet
from rest_framework.response import Response

from .rows import iso_dates
from .serializers import PageParams


def params(request, serializer_class=PageParams) -> dict:
    """The query parameters, checked by ``serializer_class`` (400 with each field's message)."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class _OneOf(Expression):
    """``field = ANY(values)``: on PostgreSQL a condition the planner does not fold into a constant.

    A page of one certification's records, ``WHERE certification_id = 56 ORDER BY id``, may be read
    from the primary key, filtering: PostgreSQL estimates the certification's rows spread through the
    table, and for one assigned after others (its rows at the end) the first page read 3,110,000 rows
    (0.5-2 s, B10, decision 0123's addendum). With ``= ANY`` the certification is not a constant of the
    ordering, so ``ORDER BY certification_id, id`` is one only the ``(certification_id, id)`` index
    gives: 0.3 ms. Elsewhere (SQLite) it is ``IN``.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, values: list):
        super().__init__()
        self.column, self.values = F(field), list(values)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        return f"{sql} IN ({', '.join(['%s'] * len(self.values))})", [*params, *self.values]

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s)", [*params, self.values]


def keyset_page(
    queryset: QuerySet, *, after: int | None, limit: int, within: tuple[str, int] | None = None
) -> tuple[list, int | None]:
    """One page of model instances, or of dicts for a ``values()`` queryset (with its ``id``).

    ``within``: (field, value) when every row has that value, with an index on (field, id) to read the
    page from (``_OneOf``)."""
    ordering = ["pk"]
    if within is not None:
        field, value = within
        queryset = queryset.filter(_OneOf(field, [value]))
        ordering = [field, "pk"]
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset.order_by(*ordering)[: limit + 1])
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


def values_page_response(
    queryset: QuerySet, query: dict, columns: tuple[str, ...], row: Callable, *, within: tuple[str, int] | None = None
) -> Response:
    """``page_response`` for a hot list: ``values(*columns)``, each row made by ``row(values, when)``
    (``api.rows``), ``when`` writing dates in the active time zone; ``within`` as ``keyset_page``'s."""
    rows, next_after = keyset_page(
        queryset.values(*columns), after=query.get("after"), limit=query["limit"], within=within
    )
    when = iso_dates()
    return Response({"results": [row(v, when) for v in rows], "next_after": next_after})
