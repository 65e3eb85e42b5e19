"""Who may use the certification administration pages: site administrators only (404 for others)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from directory.permissions import is_site_admin

from .models import Certification


def site_admin_required(view):
    """Anonymous → sign-in page; signed in but not a site administrator → 404, like a missing page."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_site_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def certification_for_admin(pk: int) -> Certification:
    return get_object_or_404(Certification, pk=pk)
