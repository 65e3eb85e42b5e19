"""Reads shared by pages, reports and the assignments engine."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from courses.models import Course, CourseCompletion

from .models import Certification, CertificationPath, CompletionRule, CourseSet


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


# --- The learner's progress along a path (Current learning, the overview page) -------------------


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    completed_at: dt.datetime | None

    @property
    def complete(self) -> bool:
        return self.completed_at is not None


@dataclass(frozen=True)
class SetProgress:
    course_set: CourseSet
    courses: list[CourseProgress]
    complete: bool
    is_next: bool


@dataclass(frozen=True)
class PathProgress:
    """A learner's course sets of one path in order; ``percent`` is None when the path has no course sets."""

    path: str
    sets: list[SetProgress]
    percent: int | None
    next_course: Course | None

    @property
    def path_label(self) -> str:
        return CertificationPath(self.path).label


def _set_complete(course_set: CourseSet, done: list[bool]) -> bool:
    return any(done) if course_set.completion_rule == CompletionRule.ANY else all(done)


def paths_progress(*, user_id: int, items: list[tuple[Certification, str, bool]]) -> dict[int, PathProgress]:
    """The progress of one learner on many certifications, in three queries.

    ``items`` are (certification, record path, certified); the current path's course sets count (the
    certification path's when recertification uses the same content), and a certified record is 100%,
    as in reports.
    """
    wanted = {cert.pk: (cert, cert.content_path(path), certified) for cert, path, certified in items}
    sets = (
        CourseSet.objects.filter(certification_id__in=wanted)
        .order_by("certification_id", "path", "sortorder", "id")
        .prefetch_related("courses")
    )
    by_cert: dict[int, list[CourseSet]] = {}
    for course_set in sets:
        if course_set.path == wanted[course_set.certification_id][1]:
            by_cert.setdefault(course_set.certification_id, []).append(course_set)
    course_ids = {course.pk for cert_sets in by_cert.values() for s in cert_sets for course in s.courses.all()}
    completed = dict(
        CourseCompletion.objects.filter(user_id=user_id, course_id__in=course_ids).values_list(
            "course_id", "completed_at"
        )
    )
    result = {}
    for cert_id, (_, path, certified) in wanted.items():
        rows, next_course, next_found = [], None, certified
        for course_set in by_cert.get(cert_id, []):
            if not course_set.courses.all():
                continue  # a set without courses does not count, as for certifying (lifecycle)
            courses = [CourseProgress(course, completed.get(course.pk)) for course in course_set.courses.all()]
            complete = _set_complete(course_set, [c.complete for c in courses])
            is_next = not next_found and not complete
            if is_next:
                next_found = True
                next_course = next((c.course for c in courses if not c.complete), None)
            rows.append(SetProgress(course_set, courses, complete, is_next))
        percent = (100 * sum(r.complete for r in rows) // len(rows) if rows else None) if not certified else 100
        result[cert_id] = PathProgress(path=path, sets=rows, percent=percent, next_course=next_course)
    return result
