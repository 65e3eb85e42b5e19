"""Template context: the bell's unread count, one query per request and only when a page shows it."""

from django.db import connections, router
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Notification

UNREAD_SQL = f'SELECT COUNT(*) FROM "{Notification._meta.db_table}" WHERE recipient_id = %s AND read_at IS NULL'


def unread_count(user) -> int:
    """The user's unread notifications, by the partial index on unread ones. In SQL: the ORM's count cost
    more to build than the query itself on every page with the bell (about 0.7 ms, B4, decision 0146)."""
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(UNREAD_SQL, [user.pk])
        return cursor.fetchone()[0]


def bell(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
