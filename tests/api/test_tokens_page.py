"""Preferences → API tokens: create (shown once), list with last use, revoke; administrators revoke any.
And the browsable docs for a signed-in user."""

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from api.tokens import digest_of

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_token_is_shown_once_and_stored_hashed(client, world):
    client.force_login(world.learner)
    response = client.post(reverse("api_tokens"), {"name": "HR sync", "access": "read_write"})
    assert response.status_code == 200
    secret = re.search(r'<code class="token-secret">([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=world.learner)
    assert token.digest == digest_of(secret) and secret not in str(token.__dict__)
    assert "shown only once" in _text(response)
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    again = client.get(reverse("api_tokens"))
    assert secret not in again.content.decode()
    assert "HR sync" in _text(again) and "Read and write" in _text(again) and "Not used yet" in _text(again)
    # The secret works at once, as the learner.
    api = client_class_api(secret)
    assert api.get("/api/v1/me/records/").status_code == 200


def client_class_api(secret):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": " ", "access": "read"}, "Give the token a name."),
        ({"name": "x", "access": "admin"}, "Select a valid choice."),
        ({"name": "x", "access": "read", "expires_on": "1850-01-01"}, "Enter a date from 1 January 1900"),
        ({"name": "x", "access": "read", "expires_on": "2026-12-01"}, "Choose today or a later day."),
    ],
)
def test_bad_input_is_explained_and_creates_nothing(client, world, data, message):
    client.force_login(world.learner)
    response = client.post(reverse("api_tokens"), data)
    assert response.status_code == 400
    assert message in _text(response) or message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_expires_at_the_end_of_the_chosen_day(client, world):
    client.force_login(world.learner)
    client.post(reverse("api_tokens"), {"name": "x", "access": "read", "expires_on": "2099-05-01"})
    token = ApiToken.objects.get()
    assert token.expires_at.isoformat().startswith("2099-05-02T00:00")


def test_revoking_my_token_stops_it_at_once(client, world, token_for):
    token, secret = token_for(world.learner)
    client.force_login(world.learner)
    response = client.post(reverse("api_token_revoke", args=[token.pk]), follow=True)
    assert "is revoked" in _text(response) and "Revoked" in _text(response)
    assert client_class_api(secret).get("/api/v1/me/records/").status_code == 401


def test_another_users_token_cannot_be_revoked_by_a_learner(client, world, token_for):
    token, _ = token_for(world.other_learner)
    client.force_login(world.learner)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_site_administrator_sees_and_revokes_anyones_token(client, world, token_for):
    token, _ = token_for(world.learner)
    client.force_login(world.admin)
    page = client.get(reverse("api_tokens"))
    assert "Other users' active tokens" in _text(page) and "Ada Lovelace" in _text(page)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.admin
    client.force_login(world.learner)
    assert "by " in _text(client.get(reverse("api_tokens")))


def test_the_docs_render_for_a_signed_in_user_from_static_files(client, world):
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(world.learner)
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="swagger-ui"' in html and "<style" not in html and "<script>" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = client.get("/api/v1/docs?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert "/api/v1/openapi.json" in script.content.decode()


def test_the_schema_is_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/certifications/{id}/enrolment/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (Preferences → API tokens).",
    }
