"""Health endpoints, request ids and JSON log lines, static files served by WhiteNoise (decision 0113)."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client

from certlms.celery import app as celery_app
from certlms.logs import JsonFormatter, RequestIdFilter
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


def test_healthz_answers_without_database_or_allowed_host():
    """No database access is allowed in this test: /healthz needs none; the probe names an address."""
    response = Client().get("/healthz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_answers_when_the_database_and_the_broker_do():
    response = Client().get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.fixture
def broker_down():
    """The Celery app pointed at a Redis port where nothing listens (the environment's URL outranks broker_url)."""
    previous = (celery_app.conf.broker_read_url, celery_app.conf.broker_write_url)
    celery_app.conf.broker_read_url = celery_app.conf.broker_write_url = f"redis://127.0.0.1:{free_port()}/0"
    celery_app._pool = None
    yield
    celery_app.conf.broker_read_url, celery_app.conf.broker_write_url = previous
    celery_app._pool = None


@pytest.fixture
def log_lines():
    """JSON log lines of the health checks, as a site with LOG_FORMAT=json writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("certlms.health")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_readyz_is_503_with_the_broker_down_and_its_log_line_names_the_request(broker_down, log_lines):
    response = Client().get("/readyz", HTTP_X_REQUEST_ID="probe-42")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "not reachable"}
    assert response["X-Request-ID"] == "probe-42"
    [line] = log_lines()
    assert line["request_id"] == "probe-42"
    assert line["level"] == "WARNING" and line["message"].startswith("Readiness: the broker does not answer")


def test_readyz_is_503_with_the_database_down(django_db_blocker, log_lines):
    default = connections["default"]
    real_port = default.settings_dict["PORT"]
    with django_db_blocker.unblock():
        default.close()
        default.settings_dict["PORT"] = free_port()
        try:
            response = Client().get("/readyz")
        finally:
            default.close()
            default.settings_dict["PORT"] = real_port
    assert response.status_code == 503
    assert response.json()["database"] == "not reachable"


@pytest.mark.django_db
def test_every_response_has_a_request_id_and_a_bad_one_is_replaced(client):
    made = client.get("/accounts/login/")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-7f3a")["X-Request-ID"] == "lb-7f3a"
    replaced = client.get("/accounts/login/", HTTP_X_REQUEST_ID="no spaces <here>")["X-Request-ID"]
    assert replaced != "no spaces <here>" and len(replaced) == 32


def test_outside_a_request_log_lines_carry_a_dash():
    record = logging.LogRecord("certlms", logging.INFO, __file__, 1, "sweep done", None, None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_whitenoise_serves_the_collected_static_files_with_hashed_names(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/app.css"]
    response = Client().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]


def test_the_scale_settings_come_from_the_environment():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "certlms.settings.production",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://app@db-primary:6432/certlms",
        "REPLICA_DATABASE_URL": "postgres://app@db-replica:6432/certlms",
        "DATABASE_CONNECT_TIMEOUT": "3",
        "LOG_FORMAT": "json",
        "BEAT_LOCK_TTL": "45",
        "STATIC_ROOT": "/srv/certlms/static",
        "CSRF_TRUSTED_ORIGINS": "https://learn.example.com",
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps(["
        "s.DATABASES['default']['OPTIONS'], s.DATABASES['replica']['HOST'], s.DATABASES['replica']['OPTIONS'],"
        "s.LOGGING['handlers']['console']['formatter'], s.BEAT_LOCK_TTL, str(s.STATIC_ROOT), s.CSRF_TRUSTED_ORIGINS,"
        "s.CELERY_WORKER_HIJACK_ROOT_LOGGER]))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == [
        {"connect_timeout": 3},
        "db-replica",
        {"connect_timeout": 2},
        "json",
        45.0,
        "/srv/certlms/static",
        ["https://learn.example.com"],
        False,
    ]
