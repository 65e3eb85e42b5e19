"""What a report source is: a base query and a catalogue of columns and filters.

A column says how it is selected (an ORM expression built for the query at hand), how its
value reads (``kind`` and ``choices``) and whether it can be sorted on; a filter says how it
narrows the query. Adding a column or a filter to a source is one entry in its catalogue.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Expression, QuerySet


@dataclass(frozen=True)
class QueryContext:
    """What expressions may depend on: the time the report is run and the base table's alias."""

    now: datetime.datetime
    table: str

    def outer(self, column: str) -> str:
        return f'"{self.table}"."{column}"' if self.table else column


OUTPUT_FIELDS: dict[str, Callable[[], models.Field]] = {
    "text": models.CharField,
    "list": models.CharField,
    "choice": models.CharField,
    "period": models.CharField,
    "rag": models.CharField,
    "datetime": models.DateTimeField,
    "due": models.DateTimeField,
    "number": models.IntegerField,
    "percent": models.IntegerField,
}


@dataclass(frozen=True)
class Column:
    """One column of a source.

    ``select`` builds the expression; ``kind`` is one of OUTPUT_FIELDS; ``choices`` maps stored
    values to labels; ``date`` builds a second value carried beside the cell: the date shown beside a
    red-amber-green status, the id that ``link`` (a URL name taking one id) points to on the page, or
    (for a due date, kind "due") whether an event is still awaited.
    """

    key: str
    label: str
    select: Callable[[QueryContext], Expression]
    kind: str = "text"
    choices: dict[str, str] = field(default_factory=dict)
    sortable: bool = False
    date: Callable[[QueryContext], Expression] | None = None
    link: str = ""

    def output_field(self) -> models.Field:
        return OUTPUT_FIELDS[self.kind]()


@dataclass(frozen=True)
class Filter:
    """One filter of a source: ``apply(queryset, value, context)`` narrows the rows.

    ``kind`` is "choice" (``choices`` are offered, in order) or "text" (contains).
    """

    key: str
    label: str
    apply: Callable[[QuerySet, Any, QueryContext], QuerySet]
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Source:
    """A report source: one row per ``model`` row of ``base()``, ``user_id``/``certification_id`` on it."""

    key: str
    label: str
    description: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    filters: tuple[Filter, ...]
    default_columns: tuple[str, ...]
    chart_column: str
    default_sort: str = "id"

    def base(self) -> QuerySet:
        return self.model._default_manager.all()

    def context(self, now: datetime.datetime) -> QueryContext:
        return QueryContext(now=now, table=self.model._meta.db_table)

    def column(self, key: str) -> Column | None:
        return self._columns_by_key().get(key)

    def filter(self, key: str) -> Filter | None:
        return {f.key: f for f in self.filters}.get(key)

    def _columns_by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def sortable_columns(self) -> list[Column]:
        return [c for c in self.columns if c.sortable]
