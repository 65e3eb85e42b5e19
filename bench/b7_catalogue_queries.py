"""B7: the catalogue page's query count with 1,000 certifications and 3,000 groups, against 10.

Data is generated with PostgreSQL ``generate_series`` (certifications, groups and their Group
assignments, all visible to everyone); the page is rendered for a signed-in learner through
Django's test client, counting queries. The count must not grow with the data (and be <= 10).
"""

from __future__ import annotations

from bench.common import Figure, counted_queries

PREFIX = "B7-"
TARGET = 10


def _generate(certifications: int, groups_per_certification: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO certifications_certification
                (fullname, shortname, idnumber, summary, visibility, available_from, available_until,
                 active_period_amount, active_period_unit, window_period_amount, window_period_unit,
                 minimum_active_amount, minimum_active_unit, recertification_method,
                 recertification_same_content, created_at, updated_at)
            SELECT 'B7 certification ' || lpad(n::text, 5, '0'), %s || n, '', 'Summary of certification ' || n,
                   'all', NULL, NULL, 1, 'years', 1, 'months', NULL, '', 'expiry', false, now(), now()
            FROM generate_series(1, %s) n
            """,
            [PREFIX, certifications],
        )
        cursor.execute(
            """
            WITH made AS (
                INSERT INTO assignments_group (certification_id, name, description, allow_enrol, allow_withdraw,
                                               enrolment_key, requires_approval, created_at)
                SELECT c.id, 'Group ' || g, 'Self-enrolment group ' || g, g <> 3, true, '', false, now()
                FROM certifications_certification c CROSS JOIN generate_series(1, %s) g
                WHERE c.shortname LIKE %s
                RETURNING id, certification_id
            )
            INSERT INTO assignments_assignment (certification_id, type, group_id, include_children, due_kind,
                                                due_unit, due_event, created_at)
            SELECT certification_id, 'group', id, false, 'none', '', '', now() FROM made
            """,
            [groups_per_certification, PREFIX + "%"],
        )


def _clean() -> None:
    from certifications.models import Certification

    Certification.objects.filter(shortname__startswith=PREFIX).delete()


def _queries(client) -> int:
    with counted_queries() as first:
        assert client.get("/catalogue/").status_code == 200
    with counted_queries() as searched:
        assert client.get("/catalogue/", {"q": "certification 00", "page": 2}).status_code == 200
    return max(len(first), len(searched))


def run() -> list[Figure]:
    from django.contrib.auth.models import User
    from django.test import Client

    learner, _ = User.objects.get_or_create(username="b7-learner")
    client = Client(SERVER_NAME="localhost")
    client.force_login(learner)
    _clean()
    try:
        _generate(10, 3)
        small = _queries(client)
        _clean()
        _generate(1000, 3)
        large = _queries(client)
    finally:
        _clean()
    return [
        Figure(
            id="B7",
            what="catalogue queries, 1,000 certifications and 3,000 groups",
            value=large,
            unit="queries",
            target=f"same as with 10 certifications ({small}) and <= {TARGET}",
            meets=large == small and large <= TARGET,
        )
    ]
