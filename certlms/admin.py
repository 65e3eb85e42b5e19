"""The Django admin as part of Site administration: only site administrators, 404 for everyone else."""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from directory.permissions import is_site_admin


class CertlmsAdminSite(admin.AdminSite):
    site_header = "certlms Site administration"
    site_title = "certlms Site administration"
    index_title = "Directory and courses"
    site_url = "/site-admin/"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # Anonymous visitors sign in on the site's page; a signed-in user who is not a site
            # administrator is told the page does not exist.
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        """One sign-in page for the whole site."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise Http404
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), settings.LOGIN_URL)

    def logout(self, request, extra_context=None):
        return redirect("site_administration")
