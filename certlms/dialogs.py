"""One way for every app to answer with a dialog, and to leave one.

htmx requests get the <dialog> alone (``_dialog.html``: static/js/app.js opens it, Escape closes it);
every other request gets ``page``, the app's page around the same body, so each dialog also works
as a plain page without JavaScript.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

FRAGMENT = "_dialog.html"


def dialog(request: HttpRequest, body: str, context: dict, *, page: str) -> HttpResponse:
    context = {**context, "body": body, "in_dialog": bool(request.htmx)}
    return render(request, FRAGMENT if request.htmx else page, context)


def leave_dialog(request: HttpRequest, url: str) -> HttpResponse:
    """After a dialog's action: htmx follows a client redirect, a plain form post a redirect."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
