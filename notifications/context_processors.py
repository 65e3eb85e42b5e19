"""Template context: the bell's unread count, one query per request and only when a page shows it."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Notification


def bell(request: HttpRequest) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        )
    }
