"""Who may call the API at all: any signed-in user or token holder; a read-only token only reads.

Which objects each caller may see or change is decided by the same rules as the pages
(``api.access``), and a forbidden object answers 404 like a missing one.
"""

from rest_framework import exceptions, permissions

from .models import ApiToken


class TokenAccess(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied(
                "This API token is read-only; create a read-and-write token to make changes.", code="read_only_token"
            )
        return True
