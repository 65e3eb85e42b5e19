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

    def batch_sql(self, column: str) -> Sql:
        """`` AND <column> in the batch's id range`` (empty unless a batch): for the joins of a batch's
        statements to whole tables (records, event dates, routes), which PostgreSQL cannot narrow from
        the other side's range itself, so that it reads the batch's slice through an index instead of
        hashing the whole table (decision 0075)."""
        return self.sql(column) if self.id_range is not None else Sql("")

    def q(self, field_name: str = "user_id") -> Q:
        if self.user_ids is not None:
            return Q(**{f"{field_name}__in": self.user_ids})
        if self.id_range is not None:
            return Q(**{f"{field_name}__gte": self.id_range[0], f"{field_name}__lt": self.id_range[1]})
        return Q()


def path_allowance_days(certification: Certification, path: str) -> int:
    """Total time allowance of a path, in days."""
    return path_time_allowance(certification=certification, path=path).days


def allowance_days_many(certifications: list[Certification]) -> dict[int, tuple[int, int]]:
    """(certification path, recertification path) total time allowances in days of each certification, in one query."""
    totals: dict[tuple[int, str], int] = {}
    rows = (
        CourseSet.objects.filter(certification__in=certifications)
        .order_by()
        .values_list("certification_id", "path")
        .annotate(days=Sum("minimum_time_days"))
    )
    for certification_id, path, days in rows:
        totals[certification_id, path] = days or 0
    recert = CertificationPath.RECERTIFICATION
    return {
        c.pk: (totals.get((c.pk, CertificationPath.CERTIFICATION), 0), totals.get((c.pk, c.content_path(recert)), 0))
        for c in certifications
    }


def conflicting_certification_ids_many(certification_ids: list[int]) -> dict[int, list[int]]:
    """For each certification, the other certifications that contain one of its courses, in one query."""
    through = CourseSet.courses.through.objects
    mine = through.filter(courseset__certification_id__in=certification_ids).values("course_id")
    pairs = through.filter(course_id__in=mine).values_list("courseset__certification_id", "course_id").distinct()
    holders: dict[int, set[int]] = {}
    courses: dict[int, set[int]] = {}
    for certification_id, course_id in pairs:
        holders.setdefault(course_id, set()).add(certification_id)
        courses.setdefault(certification_id, set()).add(course_id)
    reached = {c: {other for course in courses.get(c, ()) for other in holders[course]} for c in certification_ids}
    return {c: sorted(others - {c}) for c, others in reached.items()}


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
        many = cls.build_many(
            certifications=[certification], now=now, actor=actor, scope=scope, actor_label=actor_label
        )
        return many[certification.pk]

    @classmethod
    def build_many(
        cls, *, certifications: list[Certification], now, actor, scope: Scope, actor_label: str = ""
    ) -> dict[int, Context]:
        """The contexts of several certifications with the same clock, actor and scope, in two queries."""
        allowances = allowance_days_many(certifications)
        conflicts = conflicting_certification_ids_many([c.pk for c in certifications])
        return {
            c.pk: cls(
                certification=c,
                now=now,
                actor_id=getattr(actor, "pk", None),
                actor_label=actor_label or ("" if actor is not None else ENGINE_LABEL),
                scope=scope,
                conflicts=conflicts[c.pk],
                cert_days=allowances[c.pk][0],
                recert_days=allowances[c.pk][1],
            )
            for c in certifications
        }

    def threshold(self, days: int) -> dt.datetime:
        """now + a time allowance, kept at the last stored day (an allowance of millions of days never overflows)."""
        return days_after_clamped(self.now, days)

    @property
    def path_matters(self) -> bool:
        """Whether the learner's path decides the time allowance (the two paths' allowances differ): only
        then do the checks read the learner's record (decision 0148)."""
        return self.cert_days != self.recert_days

    @property
    def actor(self):
        """The actor as a user the services accept (``None`` for the engine itself)."""
        return None if self.actor_id is None else get_user_model()(pk=self.actor_id)
