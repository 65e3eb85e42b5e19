"""The token lookup every request makes: one query, the same token and user the ORM would load."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.authentication import token_with_user
from api.models import ApiToken
from api.tokens import digest_of
from tests.api.conftest import a_day

pytestmark = pytest.mark.django_db

FIELDS = ("id", "name", "access", "prefix", "digest", "created_at", "expires_at", "last_used_at", "revoked_at")
USER_FIELDS = ("id", "username", "first_name", "last_name", "email", "is_active", "is_superuser", "last_login")


def test_the_token_and_its_user_come_in_one_query_as_the_orm_loads_them(world, token_for):
    _, secret = token_for(world.learner, expires_at=a_day(days=3))
    with CaptureQueriesContext(connection) as queries:
        token = token_with_user(digest_of(secret))
        user = token.user
    assert len(queries) == 1
    expected = ApiToken.objects.select_related("user").get(digest=digest_of(secret))
    assert [getattr(token, f) for f in FIELDS] == [getattr(expected, f) for f in FIELDS]
    assert [getattr(user, f) for f in USER_FIELDS] == [getattr(expected.user, f) for f in USER_FIELDS]
    assert token.expires_at.tzinfo is not None
    assert user == world.learner and not token.read_only and not token._state.adding


def test_an_unknown_digest_finds_no_token(world):
    assert token_with_user(digest_of("clms_not-a-token")) is None
