"""Error pages in the layout, and production settings that pass Django's deployment checks."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from certlms.views import server_error

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_forbidden_page_renders_in_the_layout(client, learner):
    client.force_login(learner)
    response = client.get("/test-forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You are not allowed to do that" in html
    assert "Record of learning" in html and "Sign out" in html  # the layout's navigation


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_missing_page_renders_in_the_layout_for_anonymous_visitors(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_server_error_page_is_shown_for_an_unhandled_error(client, learner):
    client.force_login(learner)
    client.raise_request_exception = False
    response = client.get("/test-broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_server_error_page_renders_without_the_database():
    """No ``django_db`` mark: any database access here would fail the test."""
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def production_env(**values: str) -> dict[str, str]:
    """The process environment without Django switches other tests may have set (DJANGO_ALLOW_ASYNC_UNSAFE…)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("DEBUG", "SECRET_KEY")}
    return {**env, "DJANGO_SETTINGS_MODULE": "certlms.settings.production", **values}


def test_production_settings_pass_the_deployment_checks_without_warnings():
    env = production_env(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.com")
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS:" not in output


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env(ALLOWED_HOSTS="example.com")
    completed = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode != 0
    assert "SECRET_KEY" in completed.stderr


def test_a_redis_broker_keeps_both_the_short_publish_timeouts_and_the_visibility_timeout():
    """Redelivery of a killed worker's task (decision 0061) and a publish that never holds a request
    (decision 0060) configure the same Redis transport options: neither may replace the other."""
    env = {**os.environ, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "BROKER_VISIBILITY_TIMEOUT": "90"}
    code = "import json; from certlms.settings import base; print(json.dumps(base.CELERY_BROKER_TRANSPORT_OPTIONS))"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    options = json.loads(completed.stdout.strip().splitlines()[-1])
    assert options["visibility_timeout"] == 90
    assert options["socket_connect_timeout"] == 2
    assert options["socket_timeout"] == 5
