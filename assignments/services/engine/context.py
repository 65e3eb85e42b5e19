"""Who a run looks at (``Scope``) and what it knows before it starts (``Context``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q, Sum

from certifications.models import Certification, CertificationPath, CourseSet
from certifications.selectors import path_time_allowance
from certifications.sql import Sql
from certlms.dates import days_after_clamped

from ... import sql

ENGINE_LABEL = "Assignment recomputation"


@dataclass(frozen=True)
class Scope:
    """Which learners a run looks at: all, a list of ids, or a half-open id range (batches)."""

    user_ids: tuple[int, ...] | None = None
    id_range: tuple[int, int] | None = None

    @property
    def everyone(self) -> bool:
        return self.user_ids is None and self.id_range is None

    def sql(self, column: str) -> Sql:
        """`` AND <column> in scope`` (empty for everyone)."""
        if self.user_ids is not None:
            if not self.user_ids:
                return Sql(f" AND {sql.false()}")
            return Sql.of(" AND {column} IN ({ids})", column=column, ids=Sql.values(self.user_ids))
        if self.id_range is not None:
            low, high = self.id_range
            return Sql.of(
                " AND {column} >= {low} AND {column} < {high}",
                column=column,
                low=Sql.value(low),
                high=Sql.value(high),
            )
        return Sql("")

    def q(self, field_name: str = "user_id") -> Q:
        if self.user_ids is not None:
            return Q(**{f"{field_name}__in": self.user_ids})
        if self.id_range is not None:
            return Q(**{f"{field_name}__gte": self.id_range[0], f"{field_name}__lt": self.id_range[1]})
        return Q()


def path_allowance_days(certification: Certification, path: str) -> int:
    """Total time allowance of a path, in days."""
    return path_time_allowance(certification=certification, path=path).days


def allowance_days(certification: Certification) -> tuple[int, int]:
    """(certification path, recertification path) total time allowances in days, in one query."""
    recert_path = certification.content_path(CertificationPath.RECERTIFICATION)
    totals = CourseSet.objects.filter(certification=certification).aggregate(
        cert=Sum("minimum_time_days", filter=Q(path=CertificationPath.CERTIFICATION)),
        recert=Sum("minimum_time_days", filter=Q(path=recert_path)),
    )
    return totals["cert"] or 0, totals["recert"] or 0


def conflicting_certification_ids(certification_id: int) -> list[int]:
    """Other certifications that contain one of this certification's courses."""
    courses = CourseSet.courses.through.objects.filter(courseset__certification_id=certification_id).values("course_id")
    return list(
        CourseSet.objects.filter(courses__in=courses)
        .exclude(certification_id=certification_id)
        .order_by()
        .values_list("certification_id", flat=True)
        .distinct()
    )


@dataclass
class Context:
    """One run's certification, clock, actor and scope, with the facts the checks need."""

    certification: Certification
    now: dt.datetime
    actor_id: int | None
    actor_label: str
    scope: Scope
    conflicts: list[int] = field(default_factory=list)
    cert_days: int = 0
    recert_days: int = 0

    @classmethod
    def build(cls, *, certification: Certification, now, actor, scope: Scope, actor_label: str = "") -> Context:
        cert_days, recert_days = allowance_days(certification)
        return cls(
            certification=certification,
            now=now,
            actor_id=getattr(actor, "pk", None),
            actor_label=actor_label or ("" if actor is not None else ENGINE_LABEL),
            scope=scope,
            conflicts=conflicting_certification_ids(certification.pk),
            cert_days=cert_days,
            recert_days=recert_days,
        )

    def threshold(self, days: int) -> dt.datetime:
        """now + a time allowance, kept at the last stored day (an allowance of millions of days never overflows)."""
        return days_after_clamped(self.now, days)

    @property
    def actor(self):
        """The actor as a user the services accept (``None`` for the engine itself)."""
        return None if self.actor_id is None else get_user_model()(pk=self.actor_id)
