"""The one guard of site administration pages: anonymous → sign-in page; signed in but not a site
administrator → 404, like a missing page (no one learns what exists)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from directory.permissions import is_site_admin


def require_site_admin(user) -> None:
    if not is_site_admin(user):
        raise Http404


def site_admin_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_site_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper
