"""Authentication of API requests: a personal token (``Authorization: Bearer <token>``) or the session.

A token is looked up by the SHA-256 digest of the secret (the secret itself is never stored); a
revoked or expired token, or one whose user is no longer active, is refused with 401. The last use
is written at most once a minute, so a busy integration costs one read per request, not a write.

That read is every request's, so its SQL (the token and its user, as ``select_related("user")``
would read them) is written once per database, not compiled by the ORM each time (decision 0123).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken
from .tokens import digest_of

LAST_USED_PRECISION = dt.timedelta(minutes=1)


@functools.cache
def _token_sql(alias: str) -> str:
    """``SELECT <token columns>, <user columns> FROM token JOIN user WHERE digest = %s`` for ``alias``."""
    quote = connections[alias].ops.quote_name
    token, user = ApiToken._meta, get_user_model()._meta
    columns = [f"{quote(token.db_table)}.{quote(f.column)}" for f in token.concrete_fields]
    columns += [f"{quote(user.db_table)}.{quote(f.column)}" for f in user.concrete_fields]
    user_id = token.get_field("user").column
    return (
        f"SELECT {', '.join(columns)} FROM {quote(token.db_table)} INNER JOIN {quote(user.db_table)}"
        f" ON {quote(user.db_table)}.{quote(user.pk.column)} = {quote(token.db_table)}.{quote(user_id)}"
        f" WHERE {quote(token.db_table)}.{quote('digest')} = %s"
    )


def token_with_user(digest: str) -> ApiToken | None:
    """The token of ``digest`` with its user loaded (``token.user`` costs no query), or None."""
    alias = router.db_for_read(ApiToken)
    with connections[alias].cursor() as cursor:
        cursor.execute(_token_sql(alias), [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    token_fields, user_fields = ApiToken._meta.concrete_fields, get_user_model()._meta.concrete_fields
    token = ApiToken.from_db(alias, [f.attname for f in token_fields], row[: len(token_fields)])
    token.user = get_user_model().from_db(alias, [f.attname for f in user_fields], row[len(token_fields) :])
    return token


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
        token = token_with_user(digest_of(secret))
        if token is None:
            raise exceptions.AuthenticationFailed("This API token is not valid.", code="invalid_token")
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
