"""B10: the JSON API under gunicorn, 8 concurrent clients: a learner's own records, and a
certification's records at page 1 and at depth 900,000 (keyset), against the "hello" view in the
same server with the same load tool (B4's), in turns (``ROUNDS``). Also the queries of a page, at
page 1 and at depth.

Data: one certification with 1,000,000 learners' records (``INSERT ... SELECT ... generate_series``),
made once and reused. Every request sends a personal API token (``Authorization: Bearer``); the
rate limit is lifted for the run (``API_RATE_LIMIT``).
Run: ``DATABASE_URL=postgres://.../certlms_bench python bench/run.py B10``.
"""

from __future__ import annotations

import sys

from bench.b4_report_page import _insert_select, load, p95, start_server
from bench.common import Figure, counted_queries, timer

LEARNERS = 1_000_000
DEPTH = 900_000
PAGE = 50
SHORTNAME = "B10-ONE"
# The machine is shared: hello and the three requests take turns, ROUNDS times, each p95 over all its
# rounds, so that a burst of someone else's load falls on the floor and the figures alike.
ROUNDS = 4


def ensure_data():
    """The certification, its million records and their learners (once); an administrator and a learner."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from certifications.models import Certification, CertificationRecord

    certification, _ = Certification.objects.get_or_create(shortname=SHORTNAME, defaults={"fullname": "B10 bench"})
    if CertificationRecord.objects.filter(certification=certification).count() < LEARNERS:
        print(f"B10: generating {LEARNERS:,} learners and records (once)…", file=sys.stderr, flush=True)
        with transaction.atomic():
            CertificationRecord.objects.filter(certification=certification).delete()
            User.objects.filter(username__startswith="b10u").delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,"
                    " is_staff, is_active, date_joined)"
                    " SELECT '!', false, 'b10u' || i, 'Learner', 'Number ' || i, 'b10u' || i || '@example.com',"
                    " false, true, now() FROM generate_series(1, %s) AS i",
                    [LEARNERS],
                )
            _insert_select(
                CertificationRecord,
                {
                    "user_id": "u.id",
                    "certification_id": "%s",
                    "status": "CASE WHEN u.id %% 3 = 0 THEN 'in_progress' ELSE 'not_certified' END",
                    "due_date": "now() + (u.id %% 400) * interval '1 day'",
                    "assigned_at": "now() - interval '10 days'",
                    "updated_at": "now()",
                },
                "FROM auth_user u WHERE u.username LIKE 'b10u%%'",
                [certification.pk],
            )
        with connection.cursor() as cursor:
            # VACUUM, not only ANALYZE: the first reads of a million fresh rows would otherwise set their
            # hint bits under the load (a first run measured page 1 at 3.3 s, the next run at 43 ms).
            cursor.execute("VACUUM (ANALYZE) auth_user")
            cursor.execute("VACUUM (ANALYZE) certifications_certificationrecord")
    admin, _ = User.objects.get_or_create(username="b10admin", defaults={"is_superuser": True, "is_staff": True})
    learner = User.objects.get(username="b10u1")
    return certification, admin, learner


def _token(user) -> str:
    from api.models import ApiToken
    from api.services import token_create

    ApiToken.objects.filter(user=user, name="B10").delete()
    return token_create(user=user, name="B10", access="read", expires_at=None)[1]


def query_counts(paths: list[str], secret: str) -> list[int]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get(paths[0])  # the token's first use writes its last use (once a minute): not a page's cost
    counts = []
    for path in paths:
        with counted_queries() as queries:
            response = client.get(path)
            assert response.status_code == 200, response.content
            assert len(response.json()["results"]) in (1, PAGE)
        counts.append(len(queries))
    return counts


def run() -> list[Figure]:
    from certifications.models import CertificationRecord

    certification, admin, learner = ensure_data()
    after = (
        CertificationRecord.objects.filter(certification=certification)
        .order_by("pk")
        .values_list("pk", flat=True)[DEPTH - 1]
    )
    records = f"/api/v1/certifications/{certification.pk}/records/?limit={PAGE}"
    deep = f"{records}&after={after}"
    mine = "/api/v1/me/records/"
    admin_token, learner_token = _token(admin), _token(learner)
    first_count, deep_count = query_counts([records, deep], admin_token)
    (mine_count,) = query_counts([mine], learner_token)
    as_admin = {"Authorization": f"Bearer {admin_token}"}
    as_learner = {"Authorization": f"Bearer {learner_token}"}
    server, port = start_server(API_RATE_LIMIT="100000000/minute")
    try:
        runs = {"hello": ("/hello/", {}), "own": (mine, as_learner), "first": (records, as_admin)}
        runs["depth"] = (deep, as_admin)
        for path, headers in runs.values():
            load(port, path, headers=headers)  # warm every worker
        latencies = {name: [] for name in runs}
        with timer() as elapsed:
            for _ in range(ROUNDS):  # the floor and each figure interleaved: under the same load
                for name, (path, headers) in runs.items():
                    latencies[name] += load(port, path, headers=headers)
        print(f"B10 load ran {elapsed():.1f} s", file=sys.stderr)
        hello, own, first, depth = (p95(latencies[name]) for name in runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts_ok = first_count == deep_count and max(first_count, deep_count, mine_count) <= 10
    return [
        Figure(
            "B10", "API a learner's records p95 (8 clients)", own * 1000, "ms", "<= 5", own <= 5 * hello, hello * 1000
        ),
        Figure(
            "B10",
            f"API certification records page 1 p95 ({LEARNERS:,} records)",
            first * 1000,
            "ms",
            "<= 5",
            first <= 5 * hello,
            hello * 1000,
        ),
        Figure(
            "B10",
            f"API certification records at depth {DEPTH:,} p95",
            depth * 1000,
            "ms",
            "<= 5",
            depth <= 5 * hello,
            hello * 1000,
        ),
        Figure(
            "B10",
            "API records queries",
            deep_count,
            "",
            "<= 10, same at any depth",
            counts_ok,
            extra=f"page 1 {first_count}, depth {DEPTH:,} {deep_count}, a learner's own {mine_count}",
        ),
    ]
