"""Reports on a streaming replica (decision 0112): a database router and the views that may use it.

With ``REPLICA_DATABASE_URL`` set there is a ``replica`` database. A view decorated with
``reads_from_replica`` (report pages, exports, the catalogue, Record of learning) reads from it;
everything else, and every write, uses the primary (``default``). Three things keep it right:

- **Reading one's own writes.** After a request that may have written (any method but GET, HEAD,
  OPTIONS), ``ReadOwnWritesMiddleware`` stores the primary's WAL position in a cookie. A replica
  view reads from the replica only once the replica has replayed that far; until then, the primary.
- **A replica that is down.** A replica that cannot be reached (connection refused, timeout after
  ``REPLICA_CONNECT_TIMEOUT``) is left alone for ``REPLICA_RETRY_AFTER`` seconds and the page reads
  from the primary. A replica failing during the view: the view runs again on the primary (a GET).
- **Streamed exports** keep reading from the database their view chose while they stream.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import FileResponse, HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
WROTE_COOKIE = "certlms-wrote"
_LSN = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_reading_from: ContextVar[str | None] = ContextVar("certlms_reading_from", default=None)
_down_until = {"at": 0.0}


class ReplicaRouter:
    """Reads go where the running view chose (the replica in a ``reads_from_replica`` view), writes
    and migrations to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return _reading_from.get()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _mark_down(error: Exception) -> None:
    _down_until["at"] = time.monotonic() + settings.REPLICA_RETRY_AFTER
    logger.warning(
        "The replica cannot be used (%s); reading from the primary for %s s", error, settings.REPLICA_RETRY_AFTER
    )
    try:
        connections[REPLICA].close()
    except DatabaseError:
        logger.debug("Closing the replica's broken connection failed", exc_info=True)


def replica_for(request: HttpRequest) -> str | None:
    """The replica when this request may read from it, otherwise None (the primary)."""
    if not replica_configured() or request.method not in SAFE_METHODS or time.monotonic() < _down_until["at"]:
        return None
    wrote = request.COOKIES.get(WROTE_COOKIE, "")
    try:
        if _LSN.match(wrote):
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [wrote])
                if not cursor.fetchone()[0]:
                    return None  # the replica has not replayed this visitor's last write yet
        else:
            connections[REPLICA].ensure_connection()
    except DatabaseError as error:
        _mark_down(error)
        return None
    return REPLICA


def _within(alias: str, content: Iterator) -> Iterator:
    """The streamed body, each chunk produced while reading from ``alias``."""
    iterator = iter(content)
    while True:
        token = _reading_from.set(alias)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _reading_from.reset(token)
        yield chunk


def _load_user(request: HttpRequest) -> None:
    """Read the visitor's session and user now, from the primary: a page right after signing in must
    find the session that sign-in just wrote."""
    user = getattr(request, "user", None)
    if user is not None:
        user.is_authenticated  # noqa: B018 - evaluates the lazy user


def reads_from_replica(view):
    """The view's reads go to the replica, when there is one the request may use (see the module)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        _load_user(request)
        alias = replica_for(request)
        if alias is None:
            return view(request, *args, **kwargs)
        token = _reading_from.set(alias)
        try:
            response = view(request, *args, **kwargs)
        except DatabaseError as error:
            # Whatever failed on the replica (it went down, a query cancelled by recovery) is tried
            # once more on the primary: the view is a GET. Only a replica that broke is left alone.
            _reading_from.reset(token)
            token = None
            replica = connections[REPLICA]
            if replica.connection is None or not replica.is_usable():
                _mark_down(error)
            return view(request, *args, **kwargs)
        finally:
            if token is not None:
                _reading_from.reset(token)
        if response.streaming and not isinstance(response, FileResponse):
            response.streaming_content = _within(alias, response.streaming_content)
        if WROTE_COOKIE in request.COOKIES:
            response.delete_cookie(WROTE_COOKIE)  # the replica has caught up with this visitor
        return response

    return wrapper


class ReadOwnWritesMiddleware:
    """After a request that may have written, the primary's WAL position goes in a cookie, so the
    visitor's next replica page waits for the replica to have it (or reads from the primary)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in SAFE_METHODS or not replica_configured():
            return response
        try:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                position = cursor.fetchone()[0]
        except DatabaseError:
            logger.warning("Could not read the primary's WAL position after a write", exc_info=True)
            return response
        response.set_cookie(
            WROTE_COOKIE,
            position,
            max_age=settings.REPLICA_READ_OWN_WRITES_FOR,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return response
