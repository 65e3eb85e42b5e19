"""Reads shared by pages, reports and the assignments engine."""

import datetime as dt

from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import Certification, CertificationPath, CourseSet


def path_course_sets(*, certification: Certification, path: str):
    """The ordered course sets of ``path`` (the certification path's when "Use the same content")."""
    return CourseSet.objects.filter(
        certification=certification, path=certification.content_path(path)
    ).prefetch_related("courses")


def path_time_allowance(*, certification: Certification, path: str) -> dt.timedelta:
    """The total time allowance of a path: the sum of its course sets' minimum times."""
    total = CourseSet.objects.filter(certification=certification, path=certification.content_path(path)).aggregate(
        days=Sum("minimum_time_days")
    )["days"]
    return dt.timedelta(days=total or 0)


def path_time_allowance_days_subquery(*, path: str, certification_ref: str = "certification_id") -> Coalesce:
    """The total time allowance (days) of ``path`` as a SQL expression, for annotating many rows at once.

    ``certification_ref`` names the outer query's certification id column (an ``OuterRef`` target).
    """
    sets = CourseSet.objects.filter(certification_id=OuterRef(certification_ref))
    if path == CertificationPath.RECERTIFICATION:
        sets = sets.filter(
            Q(path=CertificationPath.RECERTIFICATION, certification__recertification_same_content=False)
            | Q(path=CertificationPath.CERTIFICATION, certification__recertification_same_content=True)
        )
    else:
        sets = sets.filter(path=CertificationPath.CERTIFICATION)
    total = sets.order_by().values("certification_id").annotate(days=Sum("minimum_time_days")).values("days")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))
