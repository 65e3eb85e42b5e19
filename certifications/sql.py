"""Small helpers for the set-based SQL of certifications (PostgreSQL and SQLite)."""

import datetime
from collections.abc import Iterable, Iterator

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet

# SQLite allows at most 32,766 parameters per statement; lists are short in practice
# (a few learners recomputed in a request), querysets are never split.
ID_CHUNK = 5000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def user_table() -> str:
    return table(get_user_model())


def queryset_sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def user_id_sets(user_ids: QuerySet | Iterable[int]) -> Iterator[tuple[str, tuple]]:
    """``user_ids`` as one or more SQL subqueries yielding user ids, for ``… IN (<sql>)``.

    A QuerySet (``values_list("user_id", flat=True)`` or similar) becomes one subquery, evaluated by
    the database; a list of ints becomes chunks of literal ids. Empty input yields nothing.
    """
    if isinstance(user_ids, QuerySet):
        yield queryset_sql(user_ids)
        return
    ids = sorted({int(i) for i in user_ids})
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        yield f"SELECT id FROM {user_table()} WHERE id IN ({', '.join(['%s'] * len(chunk))})", tuple(chunk)


def json_object_sql(pairs: dict[str, str]) -> str:
    """A SQL expression building a JSON object from ``{"key": "sql expression"}``."""
    func = "jsonb_build_object" if is_postgres() else "json_object"
    if not pairs:
        return f"{func}()"
    args = ", ".join(f"'{key}', {expr}" for key, expr in pairs.items())
    return f"{func}({args})"


def json_param_sql() -> str:
    """The placeholder for a JSON document passed as a string parameter."""
    return "CAST(%s AS jsonb)" if is_postgres() else "%s"


def is_distinct_sql(left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if is_postgres() else f"{left} IS NOT {right}"


def db_datetime(value):
    """A datetime as the backend stores it, for raw SQL parameters (SQLite keeps naive UTC text)."""
    if not isinstance(value, datetime.datetime):
        return value
    return connection.ops.adapt_datetimefield_value(value)
