"""Template context: the viewer's roles, for the navigation."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .permissions import is_manager, is_site_admin


def roles(request: HttpRequest) -> dict:
    user = request.user
    return {
        "is_site_admin": SimpleLazyObject(lambda: is_site_admin(user)),
        "is_manager": SimpleLazyObject(lambda: is_manager(user)),
    }
