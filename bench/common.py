"""What every benchmark shares: Django setup against PostgreSQL, timing, and the result line.

Each benchmark is a module ``bench/b<N>_<what>.py`` with a ``run() -> list[Figure]`` function.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Configure Django for a benchmark; PostgreSQL is required (DATABASE_URL)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certlms.settings.local")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/certlms_bench")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Benchmarks run against PostgreSQL: set DATABASE_URL.")


def ensure_database() -> None:
    """Create the benchmark database if it does not exist, and migrate it."""
    import psycopg2
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432, password=db["PASSWORD"]
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{db["NAME"]}"')
    conn.close()
    call_command("migrate", verbosity=0)


def vacuum(*models) -> None:
    """``VACUUM (ANALYZE)`` the tables a read benchmark reads, as autovacuum would have by then on a site.

    The machines these benchmarks run on may run PostgreSQL with ``autovacuum = off`` (this one does):
    the earlier benchmarks' updates then stay as dead row versions (B3 leaves 1,000,000 in the routes and
    1,200,000 in the records), and every later index lookup visits them (decision 0146)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def checkpoint() -> None:
    """``CHECKPOINT`` before a timed part, so that it starts with no dirty pages of what ran before it.

    With PostgreSQL's defaults (``max_wal_size`` 1 GB, 128 MB of shared buffers), a part that writes a
    million rows forces checkpoints; one that falls inside the next part makes it write the earlier
    part's pages and every first change of a page in full. On this machine two runs of B3's floor,
    the same ``UPDATE``, took 10.8 and 23.6 s (decision 0148)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


@contextmanager
def counted_queries():
    """``with counted_queries() as queries: …`` then ``len(queries)``: Django's CaptureQueriesContext on an
    emptied query log (it keeps the last 9,000 statements, and once an earlier benchmark has filled it,
    the context counts none)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        yield queries


@contextmanager
def timer():
    """``with timer() as t: ...`` then ``t()`` is the elapsed seconds."""
    start = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - start
    elapsed.append(time.perf_counter() - start)


@dataclass
class Figure:
    """One result line: ``B1 assign 100k audience: 2.41 s, floor 1.02 s, ratio 2.36, target <= 3 -> MEETS``."""

    id: str
    what: str
    value: float
    unit: str
    target: str
    meets: bool
    floor: float | None = None
    extra: str = ""

    def line(self) -> str:
        parts = [f"{self.id} {self.what}: {self.value:.3g} {self.unit}".rstrip()]
        if self.floor is not None:
            ratio = self.value / self.floor if self.floor else float("inf")
            parts.append(f"floor {self.floor:.3g} {self.unit}".rstrip())
            parts.append(f"ratio {ratio:.2f}")
        if self.extra:
            parts.append(self.extra)
        parts.append(f"target {self.target} -> {'MEETS' if self.meets else 'MISSES'}")
        return ", ".join(parts)
