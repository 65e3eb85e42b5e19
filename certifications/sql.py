"""Small helpers for the set-based SQL of certifications (PostgreSQL and SQLite)."""

import datetime
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet

# SQLite allows at most 32,766 parameters per statement; lists are short in practice
# (a few learners recomputed in a request), querysets are never split.
ID_CHUNK = 5000


_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and the parameters of its own placeholders, in order.

    Fragments are composed with ``Sql.of("… {name} …", name=fragment)``: the text of each fragment
    goes in its place and its parameters follow in the same order, so no parameter list is ever
    assembled by hand beside its text. A template holds no placeholder itself; a value enters a
    statement as ``Sql.value(v)`` (or ``Sql.values(vs)`` for a list). A ``str`` part is plain text.
    """

    text: str
    params: tuple = ()

    @classmethod
    def of(cls, template: str, /, **parts: "Sql | str | int") -> "Sql":
        texts: list[str] = []
        params: list = []
        for literal, name, _spec, _conversion in _FORMATTER.parse(template):
            if "%s" in literal:
                raise ValueError("A template has no placeholder of its own: pass Sql.value(...)")
            texts.append(literal)
            if name is None:
                continue
            part = parts[name]
            if isinstance(part, Sql):
                texts.append(part.text)
                params.extend(part.params)
            else:
                texts.append(str(part))
        return cls("".join(texts), tuple(params))

    @classmethod
    def value(cls, value) -> "Sql":
        return cls("%s", (value,))

    @classmethod
    def values(cls, values: Iterable) -> "Sql":
        """``%s, %s, …`` for an IN list (the caller handles the empty list)."""
        values = tuple(values)
        return cls(", ".join(["%s"] * len(values)), values)

    @classmethod
    def queryset(cls, queryset: QuerySet) -> "Sql":
        return cls(*queryset_sql(queryset))

    def __add__(self, other: "Sql | str") -> "Sql":
        if isinstance(other, Sql):
            return Sql(self.text + other.text, self.params + other.params)
        return Sql(self.text + other, self.params)


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
