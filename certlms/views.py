"""Project-level pages: home, Site administration index, the bench "hello" view, error pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from .guards import site_admin_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Home is the learner's Current learning (DOMAIN §4)."""
    return redirect(reverse("enrolment:current_learning"))


def hello(request: HttpRequest) -> HttpResponse:
    """The floor for web benchmarks: the cheapest response this server gives."""
    return HttpResponse("hello", content_type="text/plain")


@site_admin_required
def site_administration(request: HttpRequest) -> HttpResponse:
    return render(request, "site_administration.html")


def signin_locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """django-axes answers here once an account or an address has had too many wrong passwords."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {"form": form, "locked_out_minutes": minutes, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render({}), status=500)
