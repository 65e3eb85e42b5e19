"""The site's URLs plus two that fail on purpose, to test the error pages through the handlers."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from certlms.urls import urlpatterns as site_urlpatterns


def forbidden(request):
    raise PermissionDenied


def broken(request):
    raise RuntimeError("this page is broken on purpose")


urlpatterns = [path("test-forbidden/", forbidden), path("test-broken/", broken), *site_urlpatterns]

handler403 = "certlms.views.permission_denied"
handler404 = "certlms.views.page_not_found"
handler500 = "certlms.views.server_error"
