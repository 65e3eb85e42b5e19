"""Who may see which report, and which rows of it.

Access: site administrators see every report; managers those whose access rule includes
managers; everyone else those open to all users. A forbidden report answers 404.

Content: the report's content rule (all records, the viewer's direct reports, everyone who reports to
them at any depth, their own records), never wider than the viewer's own reach. Site
administrators reach every record; anyone else reaches their own records, and a manager also
their staff (directly or further down) on reports whose access includes managers. No filter
or URL parameter can widen this: the scope is applied before any filter.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404

from directory.permissions import is_manager, is_site_admin
from directory.selectors import staff_user_ids

from .models import AccessRule, ContentRule, Report


def reports_visible_to(user: AbstractBaseUser) -> QuerySet[Report]:
    reports = Report.objects.all()
    if is_site_admin(user):
        return reports
    if is_manager(user):
        return reports.filter(access__in=[AccessRule.MANAGERS, AccessRule.ALL])
    return reports.filter(access=AccessRule.ALL)


def report_get_for_viewer(*, user: AbstractBaseUser, report_id: int) -> Report:
    """The report if the user may see it; 404 for missing and forbidden alike."""
    try:  # get(), not first(): no ORDER BY (the model's name order) to build for one primary key
        return reports_visible_to(user).get(pk=report_id)
    except Report.DoesNotExist:
        raise Http404 from None


def report_get_for_admin(*, user: AbstractBaseUser, report_id: int) -> Report:
    if not is_site_admin(user):
        raise Http404
    return report_get_for_viewer(user=user, report_id=report_id)


def within_reach(queryset: QuerySet, *, user: AbstractBaseUser, staff: bool = True) -> QuerySet:
    """Rows (each has ``user_id``) of learners the viewer reaches: site administrators every row;
    anyone else their own, and a manager (with ``staff``) also their staff at every level."""
    if is_site_admin(user):
        return queryset
    own = Q(user_id=user.pk)
    if staff and is_manager(user):
        return queryset.filter(own | Q(user_id__in=staff_user_ids(user.pk, all_levels=True)))
    return queryset.filter(own)


def rows_visible_to(queryset: QuerySet, *, report: Report, user: AbstractBaseUser, own_only: bool = False) -> QuerySet:
    """Narrow a source's rows (each has ``user_id``) to the content the viewer may see in this report."""
    rule = ContentRule.OWN if own_only else report.content
    own = Q(user_id=user.pk)
    if rule == ContentRule.OWN:
        return queryset.filter(own)
    if rule == ContentRule.DIRECT:
        return queryset.filter(user_id__in=staff_user_ids(user.pk, all_levels=False))
    staff = Q(user_id__in=staff_user_ids(user.pk, all_levels=True))
    if rule == ContentRule.STAFF:
        return queryset.filter(staff)
    return within_reach(queryset, user=user, staff=report.access != AccessRule.ADMINS)
