"""The certification record services alone, on 100,000 learners, against B1's floor (a bare
``INSERT … SELECT`` of the same pairs into an indexed scratch table), measured in the same run.

Not part of ``make bench`` (B1 measures the whole assignment); run it to see where the record
services' share of B1 goes:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/certlms_bench .venv/bin/python bench/certs_records.py
"""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_database, setup_django, timer  # noqa: E402

SIZE = 100_000


def main() -> None:
    setup_django()
    ensure_database()
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.db.models import DateTimeField, F, Value

    from certifications.models import AuditEvent, Certification, CertificationRecord
    from certifications.services import record_assign_many, record_due_dates_apply, record_unassign_many

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username LIKE 'certsbench%%'")
        missing = SIZE - cursor.fetchone()[0]
        if missing > 0:
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
                "is_active, date_joined) SELECT '', false, 'certsbench' || g, '', '', '', false, true, now() "
                "FROM generate_series(%s, %s) g",
                [SIZE - missing + 1, SIZE],
            )
    certification, _ = Certification.objects.get_or_create(shortname="CERTSBENCH", defaults={"fullname": "Bench"})
    CertificationRecord.objects.filter(certification=certification).delete()
    AuditEvent.objects.filter(certification=certification).delete()
    with connection.cursor() as cursor:
        for name in ("auth_user", "certifications_certificationrecord", "certifications_auditevent"):
            cursor.execute(f"VACUUM ANALYZE {name}")
        cursor.execute("DROP TABLE IF EXISTS certs_bench_floor")
        cursor.execute(
            "CREATE TABLE certs_bench_floor "
            "(user_id bigint, certification_id bigint, UNIQUE (user_id, certification_id))"
        )
    users = User.objects.filter(username__startswith="certsbench").values_list("id", flat=True)
    ids_sql, ids_params = users.query.sql_with_params()
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    due_dates = (
        User.objects.filter(username__startswith="certsbench")
        .annotate(user_id=F("id"), due_date=Value(now + dt.timedelta(days=90), output_field=DateTimeField()))
        .values("user_id", "due_date")
    )

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO certs_bench_floor SELECT u.id, %s FROM auth_user u WHERE u.id IN ({ids_sql})",
                [certification.pk, *ids_params],
            )
            return cursor.rowcount

    steps = [
        ("floor INSERT…SELECT", floor),
        ("record_assign_many", lambda: record_assign_many(certification_id=certification.pk, user_ids=users, now=now)),
        (
            "record_assign_many again",
            lambda: record_assign_many(certification_id=certification.pk, user_ids=users, now=now),
        ),
        (
            "record_due_dates_apply",
            lambda: record_due_dates_apply(certification_id=certification.pk, due_dates=due_dates, now=now),
        ),
        (
            "record_unassign_many",
            lambda: record_unassign_many(certification_id=certification.pk, user_ids=users, now=now),
        ),
        (
            "record_assign_many with due dates",
            lambda: record_assign_many(certification_id=certification.pk, user_ids=users, now=now, due_dates=due_dates),
        ),
    ]
    floor_seconds = None
    for label, step in steps:
        with timer() as elapsed, transaction.atomic():  # the commit (deferred FK checks) is inside the time
            rows = step()
        seconds = elapsed()
        floor_seconds = floor_seconds or seconds
        print(f"{label}: {seconds:.2f} s, {rows} rows, ratio {seconds / floor_seconds:.2f}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE certs_bench_floor")


if __name__ == "__main__":
    main()
