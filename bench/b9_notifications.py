"""B9: the notifications sweep over 1,000,000 records against the ``INSERT … SELECT`` of the same
(message, record) pairs; a second sweep writing 0 rows; then 10,000 messages delivered through a real
local SMTP server (aiosmtpd, its own process) against a bare ``smtplib`` loop to the same server,
with every recipient counted: 0 lost, 0 sent twice.

Records: 1,000,000 learners of one certification; 100,000 due in three days (Certification due),
100,000 two days overdue (Certification overdue), 100,000 certified with the window open and expiry
in three days (Recertification window due to close); the other 700,000 are due in a year.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

from bench.b1_assign_audience import drop_certifications, ensure_users, sql
from bench.common import ROOT, Figure, timer

SIZE = 1_000_000
EACH = 100_000
MAIL = 10_000
NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def _records(prefix: str, count: int, *, matching: bool):
    """A fresh certification with ``count`` records of bench users (the first 3 × EACH due now if ``matching``)."""
    from bench.b1_assign_audience import certification

    drop_certifications(prefix)
    sql(
        "DELETE FROM notifications_delivery WHERE certification_id NOT IN (SELECT id FROM certifications_certification)"
    )
    cert = certification(prefix, allowance_days=1)
    ensure_users(count)
    sql(
        "INSERT INTO certifications_certificationrecord (user_id, certification_id, path, status, renewal_status, "
        "due_date, completion_date, window_opens, expiry_date, baseline_expiry, assigned_at, updated_at) "
        "SELECT u.id, %(cert)s, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN 'recertification' ELSE 'certification' END, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN 'certified' ELSE 'not_certified' END, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN 'due' ELSE 'not_due' END, "
        " CASE WHEN g <= %(one)s THEN %(now)s + interval '3 days' WHEN g <= %(two)s THEN %(now)s - interval '2 days' "
        "      ELSE %(now)s + interval '3 days' END "
        " + CASE WHEN g > %(three)s THEN interval '1 year' ELSE interval '0' END, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN %(now)s - interval '6 months' END, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN %(now)s - interval '1 month' END, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN %(now)s + interval '3 days' END, "
        " CASE WHEN g > %(two)s AND g <= %(three)s THEN %(now)s + interval '3 days' END, "
        " %(now)s - interval '1 year', %(now)s "
        "FROM generate_series(1, %(count)s) g JOIN auth_user u ON u.username = 'bench_u' || g",
        {
            "cert": cert.pk,
            "now": NOW,
            "count": count,
            "one": EACH if matching else 0,
            "two": 2 * EACH if matching else 0,
            "three": 3 * EACH if matching else 0,
        },
    )
    sql("ANALYZE certifications_certificationrecord")
    return cert


def _floor() -> tuple[float, int]:
    """The same (message, record, cycle) pairs, computed beforehand, written by one bare INSERT … SELECT
    into an indexed scratch table: (seconds, pairs). The sweep reads every certification's records, so
    the pairs are every certification's too: in a database where other benchmarks left records due at
    NOW (``make bench`` runs B9 last), both write the same rows."""
    from notifications.models import MessageType
    from notifications.services.writing import _time_based_params, _time_based_sql

    sql("DROP TABLE IF EXISTS b9_pairs")
    sql("DROP TABLE IF EXISTS b9_floor")
    sql(
        "CREATE UNLOGGED TABLE b9_pairs (message_id bigint, user_id bigint, certification_id bigint, cycle timestamptz)"
    )
    for message_type, days in ((MessageType.DUE, 7), (MessageType.OVERDUE, 1), (MessageType.WINDOW_CLOSING, 7)):
        sql(
            "INSERT INTO b9_pairs SELECT m.id, r.user_id, r.certification_id, "
            "COALESCE(r.completion_date, r.assigned_at) "
            "FROM certifications_certificationrecord r JOIN notifications_certificationmessage m "
            "ON m.certification_id = r.certification_id AND m.type = %s AND m.enabled AND m.offset_days = %s "
            f"WHERE {_time_based_sql(message_type)} AND NOT EXISTS (SELECT 1 FROM notifications_delivery d "
            "WHERE d.message_id = m.id AND d.user_id = r.user_id "
            "AND d.cycle_start = COALESCE(r.completion_date, r.assigned_at))",
            [message_type.value, days, *_time_based_params(message_type, NOW, days)],
        )
    sql(
        "CREATE TABLE b9_floor (id bigserial PRIMARY KEY, message_id bigint, user_id bigint, certification_id bigint, "
        "cycle timestamptz, created_at timestamptz, UNIQUE (message_id, user_id, cycle))"
    )
    sql("ANALYZE b9_pairs")
    with timer() as elapsed:
        written = sql(
            "INSERT INTO b9_floor (message_id, user_id, certification_id, cycle, created_at) "
            "SELECT message_id, user_id, certification_id, cycle, now() FROM b9_pairs ON CONFLICT DO NOTHING"
        )
    assert written >= 3 * EACH, written
    sql("DROP TABLE b9_pairs")
    sql("DROP TABLE b9_floor")
    return elapsed(), written


def _sweep_figures() -> list[Figure]:
    from django.db import transaction

    from notifications.models import Delivery
    from notifications.services import sweep

    cert = _records("BENCH-B9", SIZE, matching=True)
    floor, pairs = _floor()
    with timer() as first, transaction.atomic():
        written = sweep(now=NOW)
    with timer() as second, transaction.atomic():
        again = sweep(now=NOW + dt.timedelta(minutes=15))
    stored = Delivery.objects.filter(certification=cert).count()
    ok = written == pairs and stored == 3 * EACH
    return [
        Figure(
            "B9",
            "notifications sweep over 1M records (300k due)",
            first(),
            "s",
            "<= 3x floor",
            ok and first() <= 3 * floor,
            floor=floor,
            extra=f"{written} messages written ({stored} of this certification, {pairs} pairs in the floor)",
        ),
        Figure(
            "B9",
            "second sweep",
            second(),
            "s",
            "0 rows written",
            again == 0,
            extra=f"{again} rows written",
        ),
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _smtp_server(tmp: Path) -> tuple[subprocess.Popen, int, Path]:
    port, log = _free_port(), tmp / "received.txt"
    log.touch()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "bench.smtp_counter.Counter",
            str(log),
        ],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server, port, log
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the B9 SMTP server did not start")


def _received(log: Path) -> Counter:
    return Counter(line for line in log.read_text().splitlines() if line)


def _wait_for(log: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while sum(_received(log).values()) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def _bare_rate(port: int, log: Path) -> float:
    """The server's own accept rate: one smtplib connection sending 10,000 messages of the same size."""
    before = sum(_received(log).values())
    with timer() as elapsed:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for n in range(MAIL):
                message = EmailMessage()
                message["From"], message["To"] = "certlms <no-reply@localhost>", f"bare{n}@example.com"
                message["Subject"] = "Benchmark certification is due soon"
                message.set_content("Hello Bench User,\n\n" + "x" * 300)
                client.send_message(message)
        _wait_for(log, before + MAIL)
    return MAIL / elapsed()


def _mail_figures() -> list[Figure]:
    from django.conf import settings
    from django.db import transaction

    from certifications.models import CertificationRecord
    from certifications.signals import RecordEvent
    from notifications.models import EmailState, Notification
    from notifications.services import deliveries_expand, deliveries_for_event, emails_send

    sql("DELETE FROM notifications_notification")
    sql("DELETE FROM notifications_delivery")
    cert = _records("BENCH-B9-MAIL", MAIL, matching=False)
    sql(
        "UPDATE auth_user SET email = username || '@example.com' WHERE id IN "
        "(SELECT user_id FROM certifications_certificationrecord WHERE certification_id = %s)",
        [cert.pk],
    )
    with transaction.atomic():
        learners = CertificationRecord.objects.filter(certification=cert).values("user_id", "certification_id")
        deliveries_for_event(event=RecordEvent.ENROLLED, learners=learners, now=NOW)
    with tempfile.TemporaryDirectory() as tmp:
        server, port, log = _smtp_server(Path(tmp))
        try:
            bare = _bare_rate(port, log)
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
            settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
            before = sum(_received(log).values())
            with timer() as elapsed:
                while deliveries_expand(now=NOW, limit=settings.NOTIFICATION_BATCH_SIZE) or emails_send(
                    now=NOW, limit=settings.NOTIFICATION_BATCH_SIZE
                ):
                    pass
                while emails_send(now=NOW, limit=settings.NOTIFICATION_BATCH_SIZE):
                    pass
                _wait_for(log, before + MAIL)
            ours = MAIL / elapsed()
            received = _received(log)
        finally:
            server.terminate()
            server.wait(timeout=10)
    ours_received = {k: v for k, v in received.items() if not k.startswith("bare")}
    lost = MAIL - len(ours_received)
    twice = sum(1 for v in ours_received.values() if v > 1)
    marked = Notification.objects.filter(email_state=EmailState.SENT).count()
    return [
        Figure(
            "B9",
            "10k messages delivered through local SMTP",
            ours,
            "msg/s",
            ">= 50% of the bare smtplib rate; 0 lost, 0 sent twice",
            ours >= 0.5 * bare and lost == 0 and twice == 0 and marked == MAIL,
            floor=bare,
            extra=f"{ours / bare:.0%} of the bare rate, {lost} lost, {twice} sent twice, {marked} marked sent",
        )
    ]


def run() -> list[Figure]:
    return [*_sweep_figures(), *_mail_figures()]
