"""Running a report: its rows for a viewer, filtered, sorted, paged by keyset; its count, chart and export rows."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F, Q, QuerySet

from .formatting import cell_formatter, cell_typer
from .models import Report
from .route_rows import (
    ROW_CERTIFICATION,
    ROW_USER,
    Statement,
    has_route_column,
    page_route_values,
    per_route_sql,
    read_page_routes,
)
from .rules import rows_visible_to
from .sources import Column, QueryContext, Source, get_source

PAGE_SIZE = 50
EXPORT_CHUNK = 500  # rows per fetch: the first rows leave within a second, and later fetches cost nothing extra
SORT_ALIAS = "s_sort"
# An export's session (decision 0115): no JIT (1.5 s to compile before the first row); no Memoize, whose
# cache of (user, certification) route lookups never hits on a million distinct records (B6b: 3.1x, not 5x);
# 32 MB for each sort and hash, so that a COPY's sort of a million routes stays in memory (2.7x).
EXPORT_SESSION_SQL = "SET LOCAL jit = off; SET LOCAL enable_memoize = off; SET LOCAL work_mem = '32MB'"


@dataclass(frozen=True)
class ReportColumn:
    column: Column
    heading: str

    @property
    def alias(self) -> str:
        return f"c_{self.column.key}"

    @property
    def date_alias(self) -> str:
        return f"c_{self.column.key}__date"


@dataclass(frozen=True)
class Sort:
    column: Column | None  # None: the row's id
    descending: bool

    @property
    def param(self) -> str:
        key = self.column.key if self.column else "id"
        return f"-{key}" if self.descending else key


@dataclass
class Page:
    rows: list[dict]
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    cells: list[list[str]] = field(default_factory=list)


def report_source(report: Report) -> Source:
    source = get_source(report.source)
    if source is None:
        raise LookupError(f"Unknown report source {report.source!r}")
    return source


def report_columns(report: Report, source: Source) -> list[ReportColumn]:
    """The report's columns in order, with their headings (the column's label unless renamed)."""
    chosen = []
    for entry in report.columns:
        column = source.column(entry.get("key", ""))
        if column is not None:
            chosen.append(ReportColumn(column, entry.get("heading") or column.label))
    return chosen


def report_sort(report: Report, source: Source, param: str | None) -> Sort:
    """The sort asked for in the URL when it names a sortable column, else the report's default."""
    for wanted, descending in ((param or "", None), (report.default_sort, report.default_sort_descending)):
        key = wanted.lstrip("-")
        desc = wanted.startswith("-") if descending is None else descending
        if key == "id":
            return Sort(None, desc)
        column = source.column(key)
        if column is not None and column.sortable:
            return Sort(column, desc)
    return Sort(None, False)


def report_rows(
    *, report: Report, source: Source, user: AbstractBaseUser, now: datetime.datetime, own_only: bool = False
) -> tuple[QuerySet, QueryContext]:
    """Every row the viewer may see in the report (before its filters)."""
    ctx = source.context(now)
    return rows_visible_to(source.base(), report=report, user=user, own_only=own_only), ctx


def with_columns(
    queryset: QuerySet, columns: list[ReportColumn], ctx: QueryContext, *, leave_out=frozenset()
) -> QuerySet:
    """The queryset with each column's value (and date) annotated, but for the aliases in ``leave_out``."""
    annotations = {}
    for chosen in columns:
        if chosen.alias not in leave_out:
            annotations[chosen.alias] = chosen.column.select(ctx)
        if chosen.column.date is not None and chosen.date_alias not in leave_out:
            annotations[chosen.date_alias] = chosen.column.date(ctx)
    return queryset.annotate(**annotations)


def _aliases(columns: list[ReportColumn]) -> list[str]:
    names = []
    for chosen in columns:
        names.append(chosen.alias)
        if chosen.column.date is not None:
            names.append(chosen.date_alias)
    return names


def _ordering(sort: Sort, ascending: bool) -> list:
    if sort.column is None:
        return ["pk"] if ascending else ["-pk"]
    if ascending:
        return [F(SORT_ALIAS).asc(nulls_last=True), "pk"]
    return [F(SORT_ALIAS).desc(nulls_first=True), "-pk"]


def sorted_rows(queryset: QuerySet, sort: Sort, ctx: QueryContext) -> QuerySet:
    if sort.column is not None:
        queryset = queryset.annotate(**{SORT_ALIAS: sort.column.select(ctx)})
    return queryset.order_by(*_ordering(sort, not sort.descending))


# --- Keyset pagination ----------------------------------------------------------------------------


def _encode(sort: Sort, row: dict) -> str:
    value = row.get(SORT_ALIAS) if sort.column else None
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    raw = json.dumps([value, row["pk"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(sort: Sort, token: str) -> tuple[object, int] | None:
    """The (sort value, id) a cursor names, or None when it is not one of ours."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        pk = int(pk)
        if sort.column is not None and value is not None:
            value = sort.column.output_field().to_python(value)
    except (ValueError, TypeError, binascii.Error, ValidationError):
        return None
    return value, pk


def _beyond(sort: Sort, cursor: tuple[object, int], ascending: bool) -> Q:
    """Rows after the cursor in the scan direction (ascending: NULLS LAST; descending: NULLS FIRST)."""
    value, pk = cursor
    after_pk = Q(pk__gt=pk) if ascending else Q(pk__lt=pk)
    if sort.column is None:
        return after_pk
    s = SORT_ALIAS
    if ascending:
        if value is None:
            return Q(**{f"{s}__isnull": True}) & after_pk
        # Written as ">= value AND (> value OR beyond id)" so an index on the column serves the range.
        return (Q(**{f"{s}__gte": value}) & (Q(**{f"{s}__gt": value}) | after_pk)) | Q(**{f"{s}__isnull": True})
    if value is None:
        return (Q(**{f"{s}__isnull": True}) & after_pk) | Q(**{f"{s}__isnull": False})
    return Q(**{f"{s}__lte": value}) & (Q(**{f"{s}__lt": value}) | after_pk)


def keyset_page(
    queryset: QuerySet,
    *,
    columns: list[ReportColumn],
    sort: Sort,
    ctx: QueryContext,
    after: str = "",
    before: str = "",
    last: bool = False,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of rows after (or before) a cursor: one query, however deep the page is."""
    forward = not (before or last)
    cursor = _decode(sort, after if forward else before) if (after or before) else None
    ascending = (not sort.descending) == forward
    from_routes = page_route_values(columns)  # read after the page, for its learners only
    aliases = _aliases(columns)
    rows = with_columns(queryset, columns, ctx, leave_out=from_routes.keys())
    names = ["pk", *(alias for alias in aliases if alias not in from_routes)]
    if from_routes:
        rows = rows.annotate(**{ROW_USER: F("user_id"), ROW_CERTIFICATION: F("certification_id")})
        names += [ROW_USER, ROW_CERTIFICATION]
    if sort.column is not None:
        rows = rows.annotate(**{SORT_ALIAS: sort.column.select(ctx)})
        names.append(SORT_ALIAS)
    if cursor is not None:
        rows = rows.filter(_beyond(sort, cursor, ascending))
    fetched = list(rows.order_by(*_ordering(sort, ascending)).values(*names)[: size + 1])
    more = len(fetched) > size
    fetched = fetched[:size]
    if not forward:
        fetched.reverse()
    read_page_routes(rows.db, fetched, from_routes)
    page = Page(
        rows=fetched,
        has_next=more if forward else bool(cursor),
        has_previous=bool(cursor) if forward else more,
    )
    if fetched:
        page.next_cursor = _encode(sort, fetched[-1])
        page.previous_cursor = _encode(sort, fetched[0])
    page.cells = list(format_rows(([row[alias] for alias in aliases] for row in fetched), columns))
    return page


def format_rows(rows, columns: list[ReportColumn], *, typed: bool = False) -> Iterator[list]:
    """Turn rows of raw values (in ``_aliases`` order) into rows of cell text, or with ``typed`` into the
    values of spreadsheet cells (dates and numbers typed, the rest text)."""
    make = cell_typer if typed else cell_formatter
    plan, i = [], 0
    for chosen in columns:
        has_date = chosen.column.date is not None
        plan.append((make(chosen.column), i, i + 1 if has_date else -1))  # -1: the None appended to each row
        i += 2 if has_date else 1
    for raw in rows:
        values = (*raw, None)
        yield [fmt(values[value], values[extra]) for fmt, value, extra in plan]


# --- Export ---------------------------------------------------------------------------------------


def export_rows(
    queryset: QuerySet,
    *,
    columns: list[ReportColumn],
    sort: Sort,
    ctx: QueryContext,
    typed: bool = False,
    per_route: bool = True,
    route_type: str | None = None,
) -> Iterator[list]:
    """Every filtered row as cell text (``typed``: as spreadsheet cell values), read through a server-side
    cursor in chunks. With ``per_route`` (exports, decision 0114) a row is repeated once per learner route
    when the report shows a route column (only the routes of ``route_type``, the report's Assignment type
    filter, when it is set); without, the rows are the page's (routes listed in one cell)."""
    statement = export_sql(queryset, columns=columns, sort=sort, ctx=ctx, per_route=per_route, route_type=route_type)
    return format_rows(_streamed(queryset.db, statement), columns, typed=typed)


def _streamed(alias: str, statement: Statement) -> Iterator[tuple]:
    """Rows through a server-side cursor, chunk by chunk, inside one read transaction.

    In autocommit mode Django declares the cursor WITH HOLD, and PostgreSQL then computes and
    stores the whole result before returning the first row (two minutes for a million rows).
    Inside a transaction the cursor streams, and the export reads one consistent snapshot.
    JIT compilation is off for it: a million-row plan is costly enough to trigger it, and
    compiling the report's expressions took 1.5 s before the first row (B6), for no gain.
    ``alias`` is the queryset's database: the replica in a view that reads from it (certlms.db).
    Values are read through the database's converters, as the ORM reads them (SQLite's dates).
    """
    connection = connections[alias]
    converters = statement.converters(connection)
    with transaction.atomic(using=alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(EXPORT_SESSION_SQL)
        with connection.chunked_cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            while chunk := cursor.fetchmany(EXPORT_CHUNK):
                if not converters:
                    yield from chunk
                    continue
                for raw in chunk:
                    row = list(raw)
                    for i, functions, expression in converters:
                        for convert in functions:
                            row[i] = convert(row[i], expression, connection)
                    yield row


def export_sql(
    queryset: QuerySet,
    *,
    columns: list[ReportColumn],
    sort: Sort,
    ctx: QueryContext,
    per_route: bool = True,
    route_type: str | None = None,
) -> Statement:
    """The export's statement: every filtered row, the report's columns as raw values, in the
    report's order; with ``per_route`` and a route column, once per learner route (reporting.route_rows)."""
    if per_route and has_route_column(columns):
        return per_route_sql(
            queryset,
            columns=columns,
            sort=sort,
            ctx=ctx,
            annotate=with_columns,
            sort_alias=SORT_ALIAS,
            route_type=route_type,
        )
    aliases = _aliases(columns)
    rows = sorted_rows(with_columns(queryset, columns, ctx), sort, ctx).values_list(*aliases)
    sql, params = rows.query.get_compiler(using=queryset.db).as_sql()
    return Statement(sql, tuple(params), tuple(rows.query.annotations[alias] for alias in aliases))


# --- A report run for one request -----------------------------------------------------------------


@dataclass
class ReportRun:
    """A report as one viewer sees it with the filters and sort of a request."""

    report: Report
    source: Source
    ctx: QueryContext
    columns: list[ReportColumn]
    filterset: object
    rows: QuerySet
    sort: Sort

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]

    @property
    def route_type(self) -> str | None:
        """The Assignment type the rows are filtered by, if any (an export's routes are then of that type)."""
        form = self.filterset.form
        return (form.cleaned_data.get("assignment_type") or None) if form.is_valid() else None


def report_run(
    *, report: Report, user: AbstractBaseUser, params, now: datetime.datetime, own_only: bool = False
) -> ReportRun:
    from .filters import report_filterset

    source = report_source(report)
    rows, ctx = report_rows(report=report, source=source, user=user, now=now, own_only=own_only)
    filterset = report_filterset(source=source, keys=report.filters, ctx=ctx)(params or None, queryset=rows)
    return ReportRun(
        report=report,
        source=source,
        ctx=ctx,
        columns=report_columns(report, source),
        filterset=filterset,
        rows=filterset.qs,
        sort=report_sort(report, source, params.get("sort")),
    )
