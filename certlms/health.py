"""Health endpoints for the load balancer (DOMAIN §12), answered before any other middleware.

``/healthz``: the process answers (no database, no broker). ``/readyz``: the primary database and
the broker answer within a couple of seconds, 200; otherwise 503 naming what does not. They come
first in MIDDLEWARE, so a probe by address (not one of ALLOWED_HOSTS) over plain HTTP behind the
load balancer's TLS is answered, and no session, user or page is loaded.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)


def database_ready() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except DatabaseError as error:
        logger.warning("Readiness: the database does not answer: %s", error)
        return False


def broker_ready() -> bool:
    from certlms.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=settings.READINESS_TIMEOUT)
            return True
    except (OSError, KombuError) as error:  # kombu re-raises the transport's errors as its own
        logger.warning("Readiness: the broker does not answer: %s", error)
        return False


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return _no_store(HttpResponse("ok", content_type="text/plain"))
        if request.path == "/readyz":
            checks = {"database": database_ready(), "broker": broker_ready()}
            status = 200 if all(checks.values()) else 503
            body = {name: "ok" if ready else "not reachable" for name, ready in checks.items()}
            return _no_store(JsonResponse(body, status=status))
        return self.get_response(request)
