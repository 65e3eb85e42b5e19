"""Who may use the certification administration pages: site administrators only (404 for others)."""

from django.shortcuts import get_object_or_404

from certlms.guards import site_admin_required

from .models import Certification

__all__ = ["certification_for_admin", "site_admin_required"]


def certification_for_admin(pk: int) -> Certification:
    return get_object_or_404(Certification, pk=pk)
