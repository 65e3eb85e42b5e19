"""Authentication of API requests: a personal token (``Authorization: Bearer <token>``) or the session.

A token is looked up by the SHA-256 digest of the secret (the secret itself is never stored); a
revoked or expired token, or one whose user is no longer active, is refused with 401. The last use
is written at most once a minute, so a busy integration costs one read per request, not a write.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken
from .tokens import digest_of

LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>.", code="invalid_token"
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("This API token is not valid.", code="invalid_token") from error
        return self.authenticate_secret(secret)

    def authenticate_secret(self, secret: str):
        try:  # by the unique digest: no ordering, one row
            token = ApiToken.objects.select_related("user").get(digest=digest_of(secret))
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed("This API token is not valid.", code="invalid_token") from None
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API token has been revoked.", code="token_revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This API token has expired.", code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This API token's user is no longer active.", code="inactive_user")
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session; every unsafe request needs the CSRF token, as on the pages."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise exceptions.PermissionDenied(
                "Send the CSRF token (X-CSRFToken header) with a request made with your session.", code="csrf_failed"
            ) from error
