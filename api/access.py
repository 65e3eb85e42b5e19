"""Fetch and authorise in one call, by the pages' rules: missing and forbidden both answer 404."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from assignments.models import Assignment, Group
from assignments.services.groups import visible_certifications
from certifications.models import Certification, CertificationRecord
from certifications.permissions import certification_for_admin
from certifications.visibility import visible_q
from directory.permissions import is_site_admin
from reporting.rules import within_reach


def require_site_admin(user) -> None:
    """Site administration's rule: everyone else is answered as if the object did not exist."""
    if not is_site_admin(user):
        raise Http404


def certification_for_viewer(user, pk: int) -> Certification:
    """A certification the user may see (the catalogue's rule)."""
    return get_object_or_404(visible_certifications(user), pk=pk)


def certification_administered(user, pk: int) -> Certification:
    require_site_admin(user)
    return certification_for_admin(pk)


def certification_with_records_in_reach(user, pk: int) -> Certification:
    """A certification the user may see, or one where they reach a learner's record (a manager's staff);
    only its id is read."""
    reached = within_reach(CertificationRecord.objects.filter(certification_id=pk), user=user)
    visible = visible_q(user)
    shown = Q(pk__in=reached.values("certification_id"))
    if visible is not None:
        shown |= visible
    certifications = Certification.objects.only("pk")  # the caller needs the id, never the columns
    return get_object_or_404(certifications.filter(shown) if visible is not None else certifications, pk=pk)


def records_in_reach(user):
    return within_reach(CertificationRecord.objects.all(), user=user)


def assignment_administered(user, pk: int) -> Assignment:
    require_site_admin(user)
    return get_object_or_404(Assignment.objects.select_related(*ASSIGNMENT_TARGETS), pk=pk)


def group_administered(user, pk: int) -> Group:
    require_site_admin(user)
    return get_object_or_404(Group.objects.select_related("certification"), pk=pk)


ASSIGNMENT_TARGETS = ("audience", "organisation", "position", "manager", "user", "group")
