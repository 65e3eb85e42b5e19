"""Exports one row per learner route (decision 0114): the report's rows joined to the learner's routes.

The page lists a learner's routes in one cell ("Audience; Group"); an export repeats the row once per
route it lists, each with one route's Assignment type, Assignment name and Group membership, so that a
spreadsheet can filter and count by route. A row whose learner has no shown route (a former member in
history, say) is one row with those cells empty. A report without a route column exports its rows as
they are.

The statement is set-based: the report's own query (every other column, unchanged) is joined once to
the learner's shown routes by the (user, certification, state) index; each route's assignment type,
group and name are read by key from JSON objects of every assignment computed once per statement, not
from a subquery or a join per route (decisions 0115, 0143).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Expression, F, QuerySet

from assignments.models import Assignment, UserAssignment
from assignments.selectors import awaiting_event_sql

from .sources.base import QueryContext
from .sources.common import SHOWN_ROUTE_STATES, _table, list_agg_sql, route_name_sql, route_value_sql


@dataclass(frozen=True)
class Statement:
    """An export's SELECT: ``sql`` and ``params``, and for each selected value the expression whose
    database converters read it (None: text as it is), as the ORM would apply them."""

    sql: str
    params: tuple
    expressions: tuple[Expression | None, ...]

    def converters(self, connection) -> list[tuple[int, list, Expression]]:
        found = []
        for i, expression in enumerate(self.expressions):
            if expression is None:
                continue
            converters = connection.ops.get_db_converters(expression)
            converters += expression.output_field.get_db_converters(connection)
            if converters:
                found.append((i, converters, expression))
        return found


ROUTE_COLUMN_KEYS = frozenset({"assignment_type", "assignment_name", "group_membership"})
ROW_PK, ROW_USER, ROW_CERTIFICATION = "r_pk", "r_user", "r_certification"


def route_cell_sql(key: str, vendor: str) -> str:
    """One route's cell (``ua`` the learner's route); NULL without a route."""
    return route_value_sql(key, lambda attribute: _assignment_sql(attribute, vendor))


def _assignment_sql(attribute: str, vendor: str) -> str:
    """The ``type``, ``group_id`` or ``name`` of the route's assignment.

    On PostgreSQL the attribute of every assignment is computed once per statement, into one JSON object
    by id (an uncorrelated subquery: an InitPlan, run once), and each route reads its own by key: the
    statement joins no assignment at all, so PostgreSQL neither looks one up by primary key for each of
    a million routes nor plans around it (B6b 11.6 -> 8.2 s, B6's cursor 11.6 -> 9.8 s for 2,100,000
    rows; decision 0143). Elsewhere (SQLite) it is read from the joined assignment ``rn``.
    """
    value = route_name_sql("a") if attribute == "name" else f"a.{attribute}"
    if vendor != "postgresql":
        return route_name_sql("rn") if attribute == "name" else f"rn.{attribute}"
    found = f"((SELECT jsonb_object_agg(a.id, {value}) FROM {_table(Assignment)} a) ->> ua.assignment_id::text)"
    return f"{found}::bigint" if attribute == "group_id" else found


def _order_sql(sort, sort_alias: str, quote) -> str:
    pk = f"q.{quote(ROW_PK)}"
    if sort.column is None:
        keys = [f"{pk} DESC" if sort.descending else pk]
    elif sort.descending:
        keys = [f"q.{quote(sort_alias)} DESC NULLS FIRST", f"{pk} DESC"]
    else:
        keys = [f"q.{quote(sort_alias)} ASC NULLS LAST", pk]
    return ", ".join([*keys, "ua.id"])


def per_route_sql(
    rows: QuerySet, *, columns, sort, ctx: QueryContext, annotate, sort_alias: str, route_type: str | None = None
):
    """The export's statement with one row per route: ``rows`` is the filtered report queryset,
    ``annotate(queryset, columns, ctx)`` adds the non-route columns as the page does. ``route_type``: the
    report is filtered by Assignment type, so only the routes of that type are rows (decision 0114)."""
    connection = connections[rows.db]
    quote = connection.ops.quote_name
    others = [c for c in columns if c.column.key not in ROUTE_COLUMN_KEYS]
    inner = annotate(rows, others, ctx).annotate(
        **{ROW_PK: F("pk"), ROW_USER: F("user_id"), ROW_CERTIFICATION: F("certification_id")}
    )
    names = [ROW_PK, ROW_USER, ROW_CERTIFICATION]
    if sort.column is not None:
        inner = inner.annotate(**{sort_alias: sort.column.select(ctx)})
        names.append(sort_alias)
    select, selected = [], []
    for chosen in columns:
        if chosen.column.key in ROUTE_COLUMN_KEYS:
            select.append(f"{route_cell_sql(chosen.column.key, connection.vendor)} AS {quote(chosen.alias)}")
            selected.append(None)
            continue
        for alias in [chosen.alias] + ([chosen.date_alias] if chosen.column.date is not None else []):
            names.append(alias)
            select.append(f"q.{quote(alias)} AS {quote(alias)}")
            selected.append(inner.query.annotations[alias])
    inner_sql, params = inner.order_by().values(*names).query.get_compiler(using=rows.db).as_sql()
    states = ", ".join(f"'{state}'" for state in SHOWN_ROUTE_STATES)
    of_type = ""
    if route_type:
        of_type = f" AND EXISTS (SELECT 1 FROM {_table(Assignment)} t WHERE t.id = ua.assignment_id AND t.type = %s)"
        params = (*params, route_type)
    sql = (
        f"SELECT {', '.join(select)} FROM ({inner_sql}) q"
        f" LEFT JOIN {_table(UserAssignment)} ua"
        f" ON ua.user_id = q.{quote(ROW_USER)} AND ua.certification_id = q.{quote(ROW_CERTIFICATION)}"
        f" AND ua.state IN ({states}){of_type}"
        f"{_assignment_join_sql(connection.vendor)}"
        f" ORDER BY {_order_sql(sort, sort_alias, quote)}"
    )
    return Statement(sql, tuple(params), tuple(selected))


def _assignment_join_sql(vendor: str) -> str:
    """The join of each route's assignment ``rn``, where its attributes are not read by key."""
    return "" if vendor == "postgresql" else f" LEFT JOIN {_table(Assignment)} rn ON rn.id = ua.assignment_id"


# --- The page -------------------------------------------------------------------------------------


def page_route_values(columns) -> dict[str, str | None]:
    """The values a page reads from its learners' routes, by alias: each route column's list (the SQL of
    one route's value) and, for a due date, whether an event is awaited (None)."""
    found: dict[str, str | None] = {}
    for chosen in columns:
        if chosen.column.key in ROUTE_COLUMN_KEYS:
            found[chosen.alias] = route_value_sql(chosen.column.key)
        elif chosen.column.kind == "due" and chosen.column.date is not None:
            found[chosen.date_alias] = None
    return found


def read_page_routes(alias: str, rows: list[dict], values: dict[str, str | None]) -> None:
    """Set ``values`` (``page_route_values``) in each of a page's ``rows``, which carry their learner and
    certification (``ROW_USER``, ``ROW_CERTIFICATION``): one statement over the page's learners' routes.

    As correlated subqueries of the page's own statement, each of the 51 rows hashed every assignment
    once per column, and PostgreSQL planned each: 4.3 of the page's 6.4 ms (B4, decision 0146)."""
    pairs = sorted({(row[ROW_USER], row[ROW_CERTIFICATION]) for row in rows}) if values else []
    if not pairs:
        return
    selects = [
        f"MAX(CASE WHEN {awaiting_event_sql('ua', 'a')} THEN 1 ELSE 0 END)"
        if value_sql is None
        else list_agg_sql(value_sql, "ua.id")
        for value_sql in values.values()
    ]
    states = ", ".join(f"'{state}'" for state in SHOWN_ROUTE_STATES)
    sql = (
        f"SELECT ua.user_id, ua.certification_id, {', '.join(selects)}"
        f" FROM {_table(UserAssignment)} ua JOIN {_table(Assignment)} a ON a.id = ua.assignment_id"
        f" WHERE ua.state IN ({states})"
        f" AND (ua.user_id, ua.certification_id) IN (VALUES {', '.join(['(%s, %s)'] * len(pairs))})"
        " GROUP BY ua.user_id, ua.certification_id"
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [value for pair in pairs for value in pair])
        found = {(user, certification): found for user, certification, *found in cursor.fetchall()}
    empty = [None] * len(values)
    for row in rows:
        for name, value in zip(values, found.get((row[ROW_USER], row[ROW_CERTIFICATION]), empty), strict=True):
            row[name] = value


def has_route_column(columns) -> bool:
    return any(c.column.key in ROUTE_COLUMN_KEYS for c in columns)
