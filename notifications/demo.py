"""Demo notifications: every demo certification has its messages, and what the demo wrote is delivered.

- "Infection control" (INFECTION) is assigned to the "learner" login alone, due in five days, so they
  hold an Enrolment and a Certification due message (the sweep writes it at once).
- Every message written so far (the other demos' enrolments, certifications, windows and expiries)
  becomes notifications and mail; under `make run` the mail is written to files under var/mail/.

Idempotent: the certification, its course and the assignment are found by their natural keys, the
sweep writes each message once per cycle and delivered messages are not delivered again.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from assignments.models import Assignment, AssignmentType, DueKind
from assignments.services.engine import assignment_materialise
from certifications.models import Certification, CertificationPath, CourseSet
from courses.models import Course

from .services import deliveries_expand, emails_send, messages_create_defaults, sweep


def _infection_control(learner: User, now: dt.datetime) -> None:
    certification, _ = Certification.objects.get_or_create(
        shortname="INFECTION",
        defaults={
            "fullname": "Infection control",
            "idnumber": "CERT-INF",
            "summary": "Hand hygiene, protective equipment and cleaning, renewed every year.",
        },
    )
    course, _ = Course.objects.get_or_create(
        shortname="INFECTION-101", defaults={"fullname": "Infection prevention and control"}
    )
    course_set, created = CourseSet.objects.get_or_create(
        certification=certification, path=CertificationPath.CERTIFICATION, name="Infection prevention"
    )
    if created:
        course_set.courses.set([course])
    assignment, created = Assignment.objects.get_or_create(
        certification=certification,
        type=AssignmentType.INDIVIDUAL,
        user=learner,
        defaults={"due_kind": DueKind.FIXED, "due_fixed_at": now + dt.timedelta(days=5)},
    )
    assignment_materialise(assignment_id=assignment.pk, now=now)


def load(*, stdout) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    messages_create_defaults(certification_ids=Certification.objects.values_list("pk", flat=True))
    learner = User.objects.filter(username="learner").first()
    if learner is not None:
        _infection_control(learner, now)
    written = sweep(now=now)
    delivered = sent = 0
    while batch := (deliveries_expand(now=now, limit=500), emails_send(now=now, limit=500)):
        if batch == (0, 0):
            break
        delivered, sent = delivered + batch[0], sent + batch[1]
    stdout.write(f"Notifications demo data: {written} time-based messages, {delivered} delivered, {sent} emails.")
