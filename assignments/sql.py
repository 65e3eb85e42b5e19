"""The few pieces of SQL that differ between PostgreSQL and SQLite, for the engine's statements."""

from __future__ import annotations

import json
from enum import IntEnum

from django.db import connection

from certifications.sql import Sql, is_distinct_sql, is_postgres
from certifications.sql import db_datetime as param_datetime  # noqa: F401  (the engine's name for it)
from certlms.dates import STORED_LATEST

from .periods import sqlite_add_period

_PG_UNITS = {"days": "days", "weeks": "weeks", "months": "months", "years": "years"}


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: the SQL function the engine's date arithmetic uses on SQLite."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("certlms_add_period", 3, sqlite_add_period, deterministic=True)


def plus_period(expr: Sql, amount: int, unit: str) -> Sql:
    """SQL: the timestamp ``expr`` plus a calendar period (amount and unit come from validated fields).

    The sum is clamped to the latest date the database stores (``certlms.dates.STORED_LATEST``), so
    that a far event plus a long period never breaks the routes' check constraint.
    """
    amount = int(amount)
    if is_postgres():
        latest = f"'{STORED_LATEST.isoformat()}'::timestamptz"
        total = Sql.of("(({expr}) + make_interval({unit} => {amount}))", expr=expr, unit=_PG_UNITS[unit], amount=amount)
        # LEAST skips NULLs: an unknown sum goes through as -infinity and back, and ``expr`` (which may
        # hold a parameter placeholder) appears only once.
        return Sql.of(
            "NULLIF(LEAST(COALESCE({total}, '-infinity'::timestamptz), {latest}), '-infinity'::timestamptz)",
            total=total,
            latest=latest,
        )
    if unit not in _PG_UNITS:
        raise ValueError(unit)
    return Sql.of("certlms_add_period({expr}, {amount}, '{unit}')", expr=expr, amount=amount, unit=unit)


def json_of(pairs: dict[str, Sql | str]) -> Sql:
    """SQL building a JSON object from ``{"key": expression}`` (an expression may carry parameters)."""
    built = Sql("jsonb_build_object(" if is_postgres() else "json_object(")
    for n, (key, expr) in enumerate(pairs.items()):
        built = built + Sql.of("{comma}'{key}', {expr}", comma=", " if n else "", key=key, expr=expr)
    return built + ")"


def date_start(expr: str) -> str:
    """SQL: a DATE column as the timestamp of its midnight, UTC."""
    if is_postgres():
        return f"(CAST({expr} AS timestamp) AT TIME ZONE 'UTC')"
    return f"(CASE WHEN {expr} IS NULL THEN NULL ELSE {expr} || ' 00:00:00' END)"


def distinct(a: str, b: str) -> str:
    """SQL: null-safe "differs", parenthesised."""
    return f"({is_distinct_sql(a, b)})"


def true() -> str:
    return "TRUE" if is_postgres() else "1"


def false() -> str:
    return "FALSE" if is_postgres() else "0"


def iso(expr: str) -> str:
    """SQL: a timestamp column as text for the audit JSON."""
    if is_postgres():
        return f"to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    return f"(replace(substr({expr}, 1, 19), ' ', 'T') || 'Z')"


def planned_alone() -> str:
    """SQL closing a subquery that PostgreSQL must plan on its own, not flattened into the outer
    statement (``OFFSET 0`` is its documented fence); nothing on SQLite, which does not reorder."""
    return " OFFSET 0" if is_postgres() else ""


def unmatched(left: Sql, right: Sql) -> tuple[bool, bool]:
    """(a ``user_id`` of ``left`` not in ``right``, one of ``right`` not in ``left``): one statement, one
    full join of the two sets. Counted, not ``EXISTS``: PostgreSQL plans an ``EXISTS`` as a loop that
    expects an early hit, which a check finding nothing pays in full (decision 0148)."""
    if is_postgres():
        statement = Sql.of(
            "SELECT COALESCE(SUM(CASE WHEN b.user_id IS NULL THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN a.user_id IS NULL THEN 1 ELSE 0 END), 0) "
            "FROM ({left}) a FULL JOIN ({right}) b ON b.user_id = a.user_id",
            left=left,
            right=right,
        )
    else:  # SQLite before 3.39 has no FULL JOIN: each side's unmatched rows in turn
        statement = Sql.of(
            "SELECT (SELECT COUNT(*) FROM ({left}) a LEFT JOIN ({right}) b ON b.user_id = a.user_id "
            "WHERE b.user_id IS NULL), (SELECT COUNT(*) FROM ({right}) b LEFT JOIN ({left}) a "
            "ON a.user_id = b.user_id WHERE a.user_id IS NULL)",
            left=left,
            right=right,
        )
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        only_left, only_right = cursor.fetchone()
    return bool(only_left), bool(only_right)


# A batch that inserted at least this many rows of a certification checks that the planner knows it.
STATISTICS_CATCH_UP_ROWS = 100


def statistics_catch_up(model, certification_id: int, inserted: int) -> None:
    """``ANALYZE`` the model's table inside a batch that has just inserted ``inserted`` rows of a
    certification the planner estimates at fewer rows than that (decision 0149).

    A certification that was not in the table at its last ``ANALYZE`` is estimated at one row while
    the table's statistics list every certification it holds (a site with up to ten, decision 0145),
    or at a default of a few hundred when the table was empty then: the batch's next statements read
    its rows with a loop over all of them per learner, and each batch of a large new assignment took
    longer than the last (13, 26, 40 s). ``ANALYZE`` counts the transaction's own new rows; afterwards
    the certification is estimated at about the rows it has, so it runs once or twice per certification
    (a sample may come out just below a batch). Without the table's ownership it only warns."""
    if not is_postgres() or inserted < STATISTICS_CATCH_UP_ROWS:
        return
    plan = json.loads(model.objects.filter(certification_id=certification_id).values("pk").explain(format="json"))
    if plan[0]["Plan"]["Plan Rows"] < inserted:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def null_timestamp() -> str:
    return "CAST(NULL AS timestamp with time zone)" if is_postgres() else "NULL"


def certification_lock(certification_id: int, *, user_ids: tuple[int, ...] | None = None) -> None:
    """Serialise recomputations of one certification (inside the caller's transaction).

    PostgreSQL: transaction-level advisory locks, so that editing the certification itself is not
    blocked. A run over the whole certification (or a batch) takes the certification's lock
    exclusively; a run for a few learners takes it shared, then each learner's lock exclusively (in
    id order), so requests of different learners run side by side and never beside a full run.
    SQLite serialises writers anyway; the row lock is a no-op there.
    """
    if user_ids is not None:
        learners_lock([certification_id], user_ids)
        return
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [int(LOCK_NAMESPACE), certification_id])
        return
    _sqlite_lock(certification_id)


def learners_lock(certification_ids: list[int], user_ids: tuple[int, ...]) -> None:
    """A few learners' locks in several certifications, in one statement whatever their number: every
    certification's lock shared (in id order), then each (certification, learner) lock exclusively."""
    certification_ids = sorted(set(certification_ids))
    if not is_postgres():
        for certification_id in certification_ids:
            _sqlite_lock(certification_id)
        return
    keys = [((c & 0x7FFFFFFF) << 32) | (u & 0xFFFFFFFF) for c in certification_ids for u in sorted(set(user_ids))]
    # One statement: the shared locks are its InitPlan, taken (in id order) before any learner's lock.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n) "
            "WHERE (SELECT COUNT(pg_advisory_xact_lock_shared(%s, c)) FROM "
            "(SELECT c FROM unnest(%s::int[]) WITH ORDINALITY AS s(c, m) ORDER BY m) o) >= 0 ORDER BY n",
            [keys, int(LOCK_NAMESPACE), certification_ids],
        )


def _sqlite_lock(certification_id: int) -> None:
    from certifications.models import Certification

    Certification.objects.select_for_update().filter(pk=certification_id).values_list("id").first()


class AdvisoryLock(IntEnum):
    """The first key of each two-key transaction advisory lock this app takes. Never reuse or renumber."""

    CERTIFICATION = 4_2017  # certification_lock: recomputations of one certification
    GROUP_CAPACITY = 4_2018  # group_capacity_lock: enrolments into one group that has a Maximum learners


LOCK_NAMESPACE = AdvisoryLock.CERTIFICATION


def group_capacity_lock(group_id: int) -> None:
    """Serialise the enrolments into one capacity-limited group until the caller's transaction ends, so
    that the members counted after it are all the members there are (READ COMMITTED: each statement
    sees what the previous holder committed). Learners of unlimited groups never take it. SQLite
    serialises writers anyway."""
    if not connection.in_atomic_block:
        raise RuntimeError("group_capacity_lock is held until the transaction ends: take it inside one.")
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [int(AdvisoryLock.GROUP_CAPACITY), group_id])


def bulk_session(*, large: bool, batch: bool = False) -> None:
    """Planner settings for the engine's transaction on PostgreSQL (SET LOCAL: they end with it).

    For a large scope (a whole assignment or a batch of ids): JIT compilation costs seconds on
    these statements and saves nothing. For a whole assignment nested loops are switched off too:
    rows the same transaction just inserted have no statistics yet, and a nested-loop plan over
    100,000 of them is quadratic (decision 0040). A ``batch`` (a range of user ids) keeps them:
    its rows are a small slice of tables whose statistics are known, and without index lookups
    every join of a batch hashed the whole table (every record, profile and route of the
    certification, for 20,000 learners: 14 s of a batch's 23 s in ``EXPLAIN ANALYZE``, decision 0075).
    A batch also prices a random page read as the cached read it is (``random_page_cost`` 1.1, the
    usual value for data in memory or on SSD): at the default 4 the planner still preferred reading
    a million audience members to 20,000 index lookups.
    ``work_mem`` 64 MB: the bulk audit form's sort of 100,000 rows by their keys, and the hashes of
    100,000 ids, spilled to disk at the default 4 MB (decision 0073).
    """
    if not is_postgres() or not large:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        if batch:
            cursor.execute("SET LOCAL random_page_cost = 1.1")
        else:
            cursor.execute("SET LOCAL enable_nestloop = off")
