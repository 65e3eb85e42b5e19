"""B4: a report page (50 rows) over 1,000,000 certification records, at page 1 and at depth 900,000,
8 concurrent users, against the "hello" view in the same gunicorn server with the same load tool.

Also the number of queries of the page, at page 1 and at depth (target <= 10, the same at any depth).
Data: 20,000 users x 50 certifications = 1,000,000 records, one audience route each and a second
(group) route for every tenth learner, generated with ``INSERT ... SELECT ... generate_series``.
Run: ``DATABASE_URL=postgres://.../certlms_reports_bench python bench/run.py B4``.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import Figure, counted_queries, timer, vacuum

USERS = 20_000
CERTIFICATIONS = 50
RECORDS = USERS * CERTIFICATIONS
DEPTH = 900_000
CONCURRENCY = 8
REQUESTS_PER_CLIENT = 25
# The three loads take turns, ROUNDS times, each p95 over all its rounds (800 requests): a burst of other
# work on the machine then falls on the hello view and the pages alike, not on one of them (decision 0146).
ROUNDS = 4
REPORT_NAME = "B4 certification completion"
REPORT_COLUMNS = [
    "user_name",
    "user_email",
    "certification_fullname",
    "rag_status",
    "due_date",
    "expiry_date",
    "assignment_type",
    "assignment_name",
]
ROOT = Path(__file__).resolve().parent.parent


def _insert_select(model, provided: dict[str, str], from_sql: str, params=()) -> int:
    """INSERT INTO model's table (every column) SELECT provided expressions, other columns at their default."""
    from django.db import connection

    columns, values, args = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in provided:
            values.append(provided[field.column])
        else:
            values.append("%s")
            args.append(field.get_db_prep_save(field.get_default(), connection))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {from_sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *params])
        return cursor.rowcount


def ensure_report_data():
    """Generate the million records once (reused by B4 and B6); return the report and an administrator."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from assignments.models import Assignment, AssignmentType, Group, UserAssignment
    from certifications.models import Certification, CertificationRecord
    from directory.models import Audience, JobAssignment
    from reporting.models import AccessRule, ContentRule, Report

    admin, _ = User.objects.get_or_create(username="b4admin", defaults={"is_superuser": True, "is_staff": True})
    if CertificationRecord.objects.filter(certification__shortname__startswith="B4-").count() < RECORDS:
        print(f"B4/B6: generating {RECORDS:,} certification records (once)…", file=sys.stderr, flush=True)
        with transaction.atomic():
            certs = [
                Certification.objects.get_or_create(
                    shortname=f"B4-{i}", defaults={"fullname": f"Bench certification {i}"}
                )[0]
                for i in range(CERTIFICATIONS)
            ]
            cert_ids = [c.pk for c in certs]
            CertificationRecord.objects.filter(certification_id__in=cert_ids).delete()
            UserAssignment.objects.filter(certification_id__in=cert_ids).delete()
            User.objects.filter(username__startswith="b4u").delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,"
                    " is_staff, is_active, date_joined)"
                    " SELECT '!', false, 'b4u' || i, 'Learner', 'Number ' || i, 'b4u' || i || '@example.com',"
                    " false, true, now() FROM generate_series(1, %s) AS i",
                    [USERS],
                )
            first = User.objects.filter(username="b4u1").values_list("pk", flat=True).get()
            audience, _ = Audience.objects.get_or_create(name="B4 everyone")
            for cert in certs:
                Assignment.objects.get_or_create(certification=cert, type=AssignmentType.AUDIENCE, audience=audience)
                group, _ = Group.objects.get_or_create(certification=cert, name=f"B4 group {cert.shortname}")
                Assignment.objects.get_or_create(certification=cert, type=AssignmentType.GROUP, group=group)
            users = "FROM auth_user u CROSS JOIN certifications_certification c WHERE u.username LIKE 'b4u%%'"
            users += " AND c.shortname LIKE 'B4-%%'"
            k = "((u.id * 7 + c.id * 13) %% 10)"
            day = "((u.id * 31 + c.id) %% 500 - 150) * interval '1 day'"
            _insert_select(
                CertificationRecord,
                {
                    "user_id": "u.id",
                    "certification_id": "c.id",
                    "path": f"CASE WHEN {k} BETWEEN 6 AND 8 THEN 'recertification' ELSE 'certification' END",
                    "status": f"CASE WHEN {k} < 4 THEN 'not_certified' WHEN {k} < 6 THEN 'in_progress'"
                    f" WHEN {k} < 9 THEN 'certified' ELSE 'expired' END",
                    "renewal_status": f"CASE WHEN {k} = 9 THEN 'expired' ELSE 'not_due' END",
                    "due_date": f"now() + {day}",
                    "completion_date": f"CASE WHEN {k} BETWEEN 6 AND 8 THEN now() - interval '100 days' END",
                    "window_opens": f"CASE WHEN {k} BETWEEN 6 AND 8 THEN now() + {day} - interval '30 days' END",
                    "expiry_date": f"CASE WHEN {k} >= 6 THEN now() + {day} END",
                    "assigned_at": "now() - interval '200 days'",
                    "updated_at": "now()",
                },
                users,
            )
            _insert_select(
                UserAssignment,
                {
                    "assignment_id": "a.id",
                    "certification_id": "c.id",
                    "user_id": "u.id",
                    "assigned_at": "now() - interval '200 days'",
                    "state": "'active'",
                },
                users.replace("WHERE", "JOIN assignments_assignment a ON a.certification_id = c.id WHERE")
                + " AND (a.type = 'audience' OR (a.type = 'group' AND u.id %% 10 = 0))",
            )
            JobAssignment.objects.filter(user__username__startswith="b4u").delete()
            _insert_select(
                JobAssignment,
                {"user_id": "u.id", "manager_id": f"{first} + (u.id %% 200)"},
                "FROM auth_user u WHERE u.username LIKE 'b4u%%' AND u.id >= %s",
                [first + 200],
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    source_defaults = {
        "source": "certification_completion",
        "columns": [{"key": key, "heading": ""} for key in REPORT_COLUMNS],
        "filters": ["assignment_type", "rag_status"],
        "default_sort": "id",
        "access": AccessRule.ADMINS,
        "content": ContentRule.ALL,
    }
    report, _ = Report.objects.update_or_create(name=REPORT_NAME, embedded="", defaults=source_defaults)
    return report, admin


def depth_cursor(depth: int) -> str:
    """The keyset cursor of the row at ``depth`` in the report's order (record id)."""
    from certifications.models import CertificationRecord
    from reporting.selectors import Sort, _encode

    pk = CertificationRecord.objects.order_by("pk").values_list("pk", flat=True)[depth - 1]
    return _encode(Sort(None, False), {"pk": pk})


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(**environ: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = dict(os.environ, DEBUG="0", DATABASE_CONN_MAX_AGE="600", DJANGO_SETTINGS_MODULE="certlms.settings.local")
    env["GUNICORN_ACCESS_LOG"] = ""  # gunicorn reads gunicorn.conf.py: no access line per request here
    env.update(environ)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "certlms.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/hello/")
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def load(port: int, path: str, cookie: str = "", headers: dict | None = None) -> list[float]:
    """CONCURRENCY clients, each sending REQUESTS_PER_CLIENT requests one after another; latencies in seconds.

    Each request carries the session ``cookie`` or the given ``headers`` (B10's API token)."""
    sent = dict(headers or {}, **({"Cookie": cookie} if cookie else {}))
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        for _ in range(REQUESTS_PER_CLIENT):
            start = time.perf_counter()
            conn.request("GET", path, headers=sent)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                errors.append(response.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{path}: {len(errors)} error responses, e.g. {errors[0]}")
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def query_counts(report, admin, after: str) -> tuple[int, int]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    url = reverse("reporting:report_view", args=[report.pk])
    counts = []
    for query in ("", f"?after={after}"):
        cache.clear()  # each page as the first one seen: the total counted, not remembered (decision 0116)
        with counted_queries() as queries:
            assert client.get(url + query).status_code == 200
        counts.append(len(queries))
    return counts[0], counts[1]


def run() -> list[Figure]:
    from django.contrib.auth.models import User
    from django.urls import reverse

    from assignments.models import Assignment, UserAssignment
    from certifications.models import CertificationRecord

    report, admin = ensure_report_data()
    vacuum(CertificationRecord, UserAssignment, Assignment, User)
    after = depth_cursor(DEPTH)
    first_count, deep_count = query_counts(report, admin, after)
    cookie = session_cookie(admin)
    page = reverse("reporting:report_view", args=[report.pk])
    server, port = start_server()
    try:
        paths = ("/hello/", page, f"{page}?after={after}")
        for path in paths:
            load(port, path, cookie)  # warm every worker
        samples: dict[str, list[float]] = {path: [] for path in paths}
        with timer() as elapsed:
            for _ in range(ROUNDS):
                for path in paths:
                    samples[path] += load(port, path, cookie)
        hello, first, deep = (p95(samples[path]) for path in paths)
        print(f"B4 load ran {elapsed():.1f} s ({ROUNDS} rounds)", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts_ok = first_count == deep_count and deep_count <= 10
    return [
        Figure(
            "B4",
            "report page 1 p95 (8 users, 1M records)",
            first * 1000,
            "ms",
            "<= 5",
            first <= 5 * hello,
            hello * 1000,
        ),
        Figure("B4", f"report page at depth {DEPTH:,} p95", deep * 1000, "ms", "<= 5", deep <= 5 * hello, hello * 1000),
        Figure(
            "B4",
            "report page queries",
            deep_count,
            "",
            "<= 10, same at any depth",
            counts_ok,
            extra=f"page 1 {first_count}, depth {DEPTH:,} {deep_count}",
        ),
    ]
