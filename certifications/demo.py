"""Demo certifications with real content and settings, and learners in every state of the lifecycle.

Idempotent: certifications, courses and course sets by natural key; a learner's state is only built
when they have no record of that certification yet. States are reached through the services
(assign, course completion, progress, window opening, expiry), with dates set back in time.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from courses.models import Course, CourseCompletion
from directory.demo import DEMO_PASSWORD
from directory.models import LearnerProfile

from .models import (
    Certification,
    CertificationPath,
    CertificationRecord,
    CompletionRule,
    CourseSet,
    PeriodUnit,
    RecertificationMethod,
    Visibility,
)
from .periods import subtract_period
from .services import record_assign_many, record_progress, records_expire, records_window_open

ACTOR_LABEL = "demo data"

# Courses of courses/demo.py (by short name), and the three this demo adds if they are missing.
COURSES = {
    "FIRE-101": "Fire safety",
    "FIRE-102": "Using a fire extinguisher",
    "FIRSTAID-101": "First aid at work",
    "HEALTHSAFE-101": "Health and safety awareness",
    "FIRSTAID-201": "First aid refresher",
    "MANUAL-101": "Manual handling",
    "FORKLIFT-102": "Forklift theory (e-learning)",
    "FORKLIFT-101": "Forklift operation",
}

CERTIFICATIONS = [
    {
        "shortname": "FIRE",
        "fullname": "Fire safety",
        "idnumber": "HS-FIRE",
        "summary": "What to do when the alarm sounds, and how to use an extinguisher. Renewed every year.",
        "active": (1, PeriodUnit.YEARS),
        "window": (1, PeriodUnit.MONTHS),
        "method": RecertificationMethod.EXPIRY,
        "same_content": True,
        "sets": [("Fire safety", ["FIRE-101", "FIRE-102"], CompletionRule.ALL, 7, CertificationPath.CERTIFICATION)],
    },
    {
        "shortname": "FIRSTAID",
        "fullname": "First aid at work",
        "idnumber": "HS-FA",
        "summary": "Become a first aider: essentials and CPR first, then a short refresher every three years.",
        "active": (3, PeriodUnit.YEARS),
        "window": (2, PeriodUnit.MONTHS),
        "method": RecertificationMethod.COMPLETION,
        "same_content": False,
        "sets": [
            ("Essentials", ["FIRSTAID-101", "HEALTHSAFE-101"], CompletionRule.ALL, 14, CertificationPath.CERTIFICATION),
            ("Refresher", ["FIRSTAID-201"], CompletionRule.ALL, 7, CertificationPath.RECERTIFICATION),
        ],
    },
    {
        "shortname": "FORKLIFT",
        "fullname": "Forklift operation",
        "idnumber": "OPS-FL",
        "summary": "Licence to drive a forklift in the warehouse: theory in class or online, then a practical test.",
        "visibility": Visibility.ENROLLED,
        "active": (2, PeriodUnit.YEARS),
        "window": (3, PeriodUnit.MONTHS),
        "minimum": (1, PeriodUnit.YEARS),
        "method": RecertificationMethod.FIXED,
        "same_content": True,
        "sets": [
            ("Theory", ["MANUAL-101", "FORKLIFT-102"], CompletionRule.ANY, 7, CertificationPath.CERTIFICATION),
            ("Practical", ["FORKLIFT-101"], CompletionRule.ALL, 14, CertificationPath.CERTIFICATION),
        ],
    },
]

# (username, first name, last name, certification short name, state)
DEMO_LEARNERS = [
    ("nina", "Nina", "Newcomer", "FIRE", "assigned"),
    ("ivan", "Ivan", "Inprogress", "FIRE", "in_progress"),
    ("cara", "Cara", "Certified", "FIRE", "certified"),
    ("wes", "Wes", "Window", "FIRE", "window_open"),
    ("eddie", "Eddie", "Expired", "FIRE", "expired"),
    ("learner", "Lee", "Learner", "FIRE", "certified"),
    ("learner", "Lee", "Learner", "FIRSTAID", "in_progress"),
    ("learner2", "Lou", "Learner", "FIRSTAID", "window_open"),
    ("ivan", "Ivan", "Inprogress", "FORKLIFT", "assigned"),
    ("cara", "Cara", "Certified", "FORKLIFT", "certified"),
]


def _certification(spec: dict) -> Certification:
    minimum = spec.get("minimum", (None, ""))
    certification, _ = Certification.objects.get_or_create(
        shortname=spec["shortname"],
        defaults={
            "fullname": spec["fullname"],
            "idnumber": spec["idnumber"],
            "summary": spec["summary"],
            "visibility": spec.get("visibility", Visibility.ALL),
            "active_period_amount": spec["active"][0],
            "active_period_unit": spec["active"][1],
            "window_period_amount": spec["window"][0],
            "window_period_unit": spec["window"][1],
            "minimum_active_amount": minimum[0],
            "minimum_active_unit": minimum[1],
            "recertification_method": spec["method"],
            "recertification_same_content": spec["same_content"],
        },
    )
    for order, (name, shortnames, rule, days, path) in enumerate(spec["sets"]):
        course_set, created = CourseSet.objects.get_or_create(
            certification=certification,
            path=path,
            name=name,
            defaults={"completion_rule": rule, "minimum_time_days": days, "sortorder": order},
        )
        if created:
            course_set.courses.set(Course.objects.filter(shortname__in=shortnames))
    return certification


def _learner(username: str, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    LearnerProfile.objects.get_or_create(user=user)
    return user


def _complete(user: User, certification: Certification, path: str, when: dt.datetime, *, only_first=False) -> None:
    sets = CourseSet.objects.filter(certification=certification, path=certification.content_path(path))
    for course_set in sets.prefetch_related("courses"):
        courses = list(course_set.courses.order_by("shortname"))
        if course_set.completion_rule == CompletionRule.ANY or only_first:
            courses = courses[:1]
        for course in courses:
            # Directly, not through courses.services.course_complete: its after-commit signal would
            # enqueue a progress task before `make run` has created the broker folders, and
            # record_progress is called right after anyway. A completion already there is kept.
            CourseCompletion.objects.get_or_create(user=user, course=course, defaults={"completed_at": when})
        if only_first:
            return


def _completion_for(certification: Certification, state: str, now: dt.datetime) -> dt.datetime:
    """When the learner completed the certification path so that they are in ``state`` now."""
    if state == "certified":
        return now - dt.timedelta(days=60)
    if state == "window_open":  # expires in 10 days: the window (a month or more) is open
        return subtract_period(now + dt.timedelta(days=10), certification.active_period)
    return subtract_period(now - dt.timedelta(days=30), certification.active_period)  # expired a month ago


def _build_state(user: User, certification: Certification, state: str, now: dt.datetime) -> None:
    completion = None if state in ("assigned", "in_progress") else _completion_for(certification, state, now)
    assigned_at = (completion or now) - dt.timedelta(days=30)
    record_assign_many(certification_id=certification.pk, user_ids=[user.pk], now=assigned_at, actor_label=ACTOR_LABEL)
    if state == "assigned":
        return
    if state == "in_progress":
        started = now - dt.timedelta(days=5)
        _complete(user, certification, CertificationPath.CERTIFICATION, started, only_first=True)
        record_progress(user_id=user.pk, certification_id=certification.pk, now=started, actor_label=ACTOR_LABEL)
        return
    _complete(user, certification, CertificationPath.CERTIFICATION, completion)
    record_progress(user_id=user.pk, certification_id=certification.pk, now=completion, actor_label=ACTOR_LABEL)
    records_window_open(now=now, actor_label=ACTOR_LABEL, certification_id=certification.pk)
    records_expire(now=now, actor_label=ACTOR_LABEL, certification_id=certification.pk)


def load(*, stdout) -> None:
    for shortname, fullname in COURSES.items():
        Course.objects.get_or_create(
            shortname=shortname, defaults={"fullname": fullname, "allow_self_completion": True}
        )
    certifications = {spec["shortname"]: _certification(spec) for spec in CERTIFICATIONS}
    now = timezone.now()
    built = 0
    for username, first, last, shortname, state in DEMO_LEARNERS:
        user = _learner(username, first, last)
        certification = certifications[shortname]
        if CertificationRecord.objects.filter(user=user, certification=certification).exists():
            continue
        _build_state(user, certification, state, now)
        built += 1
    stdout.write(f"Certifications demo data loaded ({built} learner records built).")
