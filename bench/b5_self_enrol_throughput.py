"""B5: self-enrol requests (POST, distinct learners) under gunicorn, 16 concurrent clients, against
the "hello" view served by the same gunicorn, with the same load tool.

The load tool is a small thread pool of ``http.client`` connections on the loopback interface,
bounded in requests (REQUESTS per figure) and time (DEADLINE seconds per figure). Learners are
generated with ``generate_series``; their signed-in sessions and CSRF cookies are written
beforehand so that every timed request is exactly one enrol POST.
"""

from __future__ import annotations

import http.client
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from bench.common import ROOT, Figure

CLIENTS = 16
REQUESTS = 800
DEADLINE = 120.0
WORKERS = 4
PREFIX = "b5-"
SHORTNAME = "B5-CERT"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean() -> None:
    from django.contrib.auth.models import User

    from certifications.models import Certification

    Certification.objects.filter(shortname=SHORTNAME).delete()
    User.objects.filter(username__startswith=PREFIX).delete()


def _prepare() -> tuple[int, int, list[str]]:
    """A certification with one open group, REQUESTS learners and their session cookies."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from assignments.services.groups import group_create
    from certifications.models import Certification

    certification = Certification.objects.create(fullname="B5 certification", shortname=SHORTNAME)
    group = group_create(certification=certification, name="B5 group", allow_enrol=True, allow_withdraw=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email,
                                   is_staff, is_active, date_joined)
            SELECT '!', NULL, false, %s || n, 'Bench', 'Learner ' || n, '', false, true, now()
            FROM generate_series(1, %s) n
            """,
            [PREFIX, REQUESTS],
        )
    # The backend that loads users (the first one may be a login guard such as django-axes, which does not).
    backend = next(path for path in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(path), "get_user"))
    expiry = timezone.now() + timezone.timedelta(hours=1)
    store = SessionStore()
    sessions, cookies = [], []
    for user in User.objects.filter(username__startswith=PREFIX).order_by("id"):
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": backend,
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        cookies.append(key)
    Session.objects.bulk_create(sessions)
    return certification.pk, group.pk, cookies


def _serve(port: int) -> subprocess.Popen:
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "certlms.settings.local",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "certlms.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            _request(port, "GET", "/hello/", None, {})
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _request(port: int, method: str, path: str, body: str | None, headers: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _load(port: int, jobs: list[tuple[str, str, str | None, dict, int]]) -> tuple[float, int, int]:
    """Run jobs on CLIENTS threads; returns (requests per second, completed, errors)."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    done, errors, lock = [0], [0], threading.Lock()
    stop_at = time.monotonic() + DEADLINE

    def client() -> None:
        while time.monotonic() < stop_at:
            try:
                method, path, body, headers, expected = work.get_nowait()
            except queue.Empty:
                return
            try:
                ok = _request(port, method, path, body, headers) == expected
            except OSError:
                ok = False
            with lock:
                done[0] += 1
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return done[0] / elapsed, done[0], errors[0]


def run() -> list[Figure]:
    from assignments.models import GroupMember

    _clean()
    certification_id, group_id, cookies = _prepare()
    port = _free_port()
    server = _serve(port)
    try:
        _load(port, [("GET", "/hello/", None, {}, 200)] * 50)  # warm every worker
        hello_rate, hello_done, hello_errors = _load(port, [("GET", "/hello/", None, {}, 200)] * REQUESTS)
        body = urlencode({"group": group_id})
        jobs = []
        for session in cookies:
            csrf = secrets.token_hex(16)
            headers = {
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            jobs.append(("POST", f"/certifications/{certification_id}/enrol/", body, headers, 302))
        enrol_rate, enrol_done, enrol_errors = _load(port, jobs)
        members = GroupMember.objects.filter(group_id=group_id, self_enrolled=True).count()
    finally:
        server.terminate()
        server.wait(timeout=30)
        _clean()
    ratio = enrol_rate / hello_rate if hello_rate else 0.0
    return [
        Figure(
            id="B5",
            what=f"self-enrol POST throughput, {CLIENTS} clients, {WORKERS} gunicorn workers",
            value=enrol_rate,
            unit="req/s",
            floor=hello_rate,
            extra=(
                f"throughput {ratio:.0%} of hello, {enrol_done} enrols ({members} memberships), "
                f"{enrol_errors + hello_errors} errors"
            ),
            target=">= 25% of the hello view; 0 errors",
            meets=ratio >= 0.25 and enrol_errors == 0 and hello_errors == 0 and members == enrol_done == REQUESTS,
        )
    ]
