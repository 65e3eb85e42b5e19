"""Sign-in hardening (issue 9): lockout after wrong passwords, password reset by email, CSP and Cache-Control."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from certlms.addresses import client_address
from tests.factories.directory import UserFactory
from tests.test_no_server_errors import _client, _urls, demo  # noqa: F401  (demo is a fixture)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOCKED = "Too many wrong passwords"
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _sign_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def user():
    learner = UserFactory(username="ana", email="ana@example.com")
    learner.set_password(PASSWORD)
    learner.save()
    return learner


def test_the_tenth_wrong_password_locks_the_account_until_the_cool_off_ends(client, user):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(9):
            response = _sign_in(client, "ana", "wrong")
            assert response.status_code == 200 and LOCKED not in response.content.decode()
        tenth = _sign_in(client, "ana", "wrong")
        assert tenth.status_code == 429 and LOCKED in tenth.content.decode()

        refused = _sign_in(client, "ana", PASSWORD)
        assert refused.status_code == 429
        assert "locked for 15 minutes" in refused.content.decode()
        assert "_auth_user_id" not in client.session
        # The account is locked, not only the address it was guessed from.
        assert _sign_in(Client(), "ana", PASSWORD, address="10.9.9.9").status_code == 429

        traveller.shift(settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1))
        assert _sign_in(client, "ana", PASSWORD).status_code == 429
        traveller.shift(datetime.timedelta(seconds=2))
        response = _sign_in(client, "ana", PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_ten_wrong_passwords_from_one_address_lock_that_address(client, user):
    with time_machine.travel(START, tick=False):
        for i in range(10):
            _sign_in(client, f"guess{i}", "wrong", address="10.0.0.66")
        refused = _sign_in(client, "ana", PASSWORD, address="10.0.0.66")
        assert refused.status_code == 429 and LOCKED in refused.content.decode()
        # Another address may still sign in to the same account: none of the guesses named it.
        assert _sign_in(Client(), "ana", PASSWORD, address="10.0.0.67").status_code == 302


def test_a_right_password_before_the_limit_clears_the_count(client, user):
    with time_machine.travel(START, tick=False):
        for _ in range(9):
            _sign_in(client, "ana", "wrong")
        assert _sign_in(client, "ana", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        for _ in range(9):
            _sign_in(client, "ana", "wrong")
        assert _sign_in(client, "ana", PASSWORD).status_code == 302


def test_the_sign_in_page_links_to_password_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in html and "Forgot your password?" in html


def test_password_reset_mail_arrives_and_its_link_sets_a_new_password(client, user):
    response = client.post(reverse("password_reset"), {"email": "ana@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"] and "new certlms password" in message.subject
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode() and form_page.context["validlink"]
    new_password = "a much better passphrase 42"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done["Location"] == reverse("password_reset_complete")

    user.refresh_from_db()
    assert user.check_password(new_password)
    assert _sign_in(Client(), "ana", new_password).status_code == 302
    # The link works once.
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def _csp(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_every_page_has_a_content_security_policy_and_is_not_stored(demo, role):  # noqa: F811
    client = _client(role)
    extra = [reverse("login"), reverse("password_reset"), reverse("password_reset_done")]
    failures = []
    for url in [*_urls(), *extra]:
        if url.endswith("/logout/"):
            continue
        response = client.get(url)
        policy = response.get("Content-Security-Policy", "")
        if "default-src 'self'" not in policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
            failures.append(f"{url}: CSP {policy!r}")
        if "no-store" not in response.get("Cache-Control", ""):
            failures.append(f"{url}: Cache-Control {response.get('Cache-Control')!r}")
    assert failures == []


def test_exports_are_not_stored(demo):  # noqa: F811
    client = _client("admin")
    exports = [url for url in _urls() if "/export/" in url]
    assert exports
    for url in exports:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "Content-Security-Policy" in response


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_inline_script_or_style():
    """The Content-Security-Policy forbids them: behaviour lives in static/js, looks in static/css."""
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            text = path.read_text()
            found += [f"{path}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert TEMPLATE_DIRS and found == []


def test_htmx_injects_no_indicator_styles(client):
    html = client.get(reverse("login")).content.decode()
    assert '"includeIndicatorStyles": false' in html


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.9", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.1"),
    ],
)
def test_the_address_counted_is_the_one_the_trusted_proxies_saw(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
