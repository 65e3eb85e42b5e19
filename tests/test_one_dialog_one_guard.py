"""One dialog helper and one site-administrator guard serve every app (certlms.dialogs, certlms.guards):
no app renders the dialog fragment or checks "site administrator only → 404" by itself, and the one
helper answers htmx with the <dialog> alone and a plain request with the app's page."""

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from certlms.dialogs import dialog, leave_dialog
from certlms.guards import site_admin_required
from tests.factories.certifications import CertificationFactory
from tests.factories.directory import UserFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = ["assignments", "certifications", "enrolment", "reporting", "directory", "certlms"]


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text()


def test_no_app_renders_dialogs_or_guards_admin_pages_itself():
    for path, text in _sources():
        if path.name not in ("dialogs.py", "guards.py"):
            assert '"in_dialog"' not in text and "_dialog.html" not in text, path
            assert "if not is_site_admin(request.user)" not in text, path


def _request(htmx: bool, user=None):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    request = RequestFactory().get("/", **headers)
    request.htmx = HtmxDetails(request)
    request.user = user or AnonymousUser()  # the header's context processors read the viewer
    return request


@pytest.mark.django_db
def test_dialog_is_the_fragment_for_htmx_and_the_page_otherwise():
    context = {"certification": CertificationFactory()}
    body = "assignments/_delete.html"
    fragment = dialog(_request(True), body, context, page="assignments/dialog_page.html").content.decode()
    assert "<dialog" in fragment and "<html" not in fragment
    page = dialog(
        _request(False), "enrolment/_details.html", {**context, "status": None}, page="enrolment/dialog_page.html"
    )
    assert "<html" in page.content.decode() and "<dialog" not in page.content.decode()
    assert leave_dialog(_request(True), "/next/")["HX-Redirect"] == "/next/"
    assert leave_dialog(_request(False), "/next/")["Location"] == "/next/"


@pytest.mark.django_db
def test_the_guard_gives_404_to_everyone_but_site_administrators():
    view = site_admin_required(lambda request: "shown")
    with pytest.raises(Http404):
        view(_request(False, UserFactory()))
    from tests.factories.directory import SiteAdminFactory

    assert view(_request(False, SiteAdminFactory())) == "shown"
