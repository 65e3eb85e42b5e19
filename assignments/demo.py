"""Demo assignments: the demo certifications assigned to audiences, an organisation, a manager's team
and individuals, with a mix of due dates, and open exceptions to resolve.

- Every learner who holds a record of a demo certification (certifications/demo.py builds one in
  each state) and has no route yet gets an Individual route without a due date first, so no
  recomputation unassigns them.
- Fire safety: audience "All staff", fixed due date three months ahead; the "manager" user's direct
  reports, within 1 month of First login.
- First aid at work: audience "First aiders", within 3 months of Assignment date; organisation
  "Clinical services" with its children, within 6 months of the Date of hire profile field.
- Forklift operation: audience "Drivers" with a fixed due date 5 days ahead, shorter than the 21 days
  its path needs: every driver's route is an open "Time allowance" exception.

Idempotent: assignments are found by certification, type and target; materialising again writes nothing.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from certifications.models import Certification, CertificationRecord
from directory.models import Audience, Organisation, ProfileDateField

from .models import Assignment, AssignmentType, DueEvent, DueKind
from .services.engine import assignment_materialise

DEMO_CERTIFICATIONS = ["FIRE", "FIRSTAID", "FORKLIFT"]


def _assignment(certification, type_, *, due=None, include_children=False, **target) -> Assignment | None:
    if any(value is None for value in target.values()):
        return None
    assignment, created = Assignment.objects.get_or_create(
        certification=certification, type=type_, include_children=include_children, **target
    )
    if created and due:
        for field, value in due.items():
            setattr(assignment, field, value)
        assignment.save()
    return assignment


def load(*, stdout) -> None:
    certifications = {c.shortname: c for c in Certification.objects.filter(shortname__in=DEMO_CERTIFICATIONS)}
    if not certifications:
        stdout.write("Assignments demo data skipped (no demo certifications).")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    assignments: list[Assignment] = []
    # Record holders no route reaches yet (the certifications demo made their records directly).
    holders = (
        CertificationRecord.objects.filter(certification__in=certifications.values())
        .exclude(user__certification_routes__certification=F("certification"))
        .select_related("user", "certification")
    )
    for record in holders:
        assignments.append(_assignment(record.certification, AssignmentType.INDIVIDUAL, user=record.user))

    audiences = {a.name: a for a in Audience.objects.all()}
    fire, first_aid, forklift = (certifications.get(name) for name in DEMO_CERTIFICATIONS)
    if fire:
        assignments.append(
            _assignment(
                fire,
                AssignmentType.AUDIENCE,
                audience=audiences.get("All staff"),
                due={"due_kind": DueKind.FIXED, "due_fixed_at": now + dt.timedelta(days=91)},
            )
        )
        assignments.append(
            _assignment(
                fire,
                AssignmentType.MANAGER,
                manager=User.objects.filter(username="manager").first(),
                due={
                    "due_kind": DueKind.RELATIVE,
                    "due_amount": 1,
                    "due_unit": "months",
                    "due_event": DueEvent.FIRST_LOGIN,
                },
            )
        )
    if first_aid:
        assignments.append(
            _assignment(
                first_aid,
                AssignmentType.AUDIENCE,
                audience=audiences.get("First aiders"),
                due={
                    "due_kind": DueKind.RELATIVE,
                    "due_amount": 3,
                    "due_unit": "months",
                    "due_event": DueEvent.ASSIGNMENT_DATE,
                },
            )
        )
        hire = ProfileDateField.objects.filter(shortname="date_of_hire").first()
        assignments.append(
            _assignment(
                first_aid,
                AssignmentType.ORGANISATION,
                organisation=Organisation.objects.filter(idnumber="CLIN").first(),
                include_children=True,
                due={
                    "due_kind": DueKind.RELATIVE,
                    "due_amount": 6,
                    "due_unit": "months",
                    "due_event": DueEvent.PROFILE_DATE,
                    "due_event_profile_field": hire,
                }
                if hire
                else None,
            )
        )
    if forklift:
        assignments.append(
            _assignment(
                forklift,
                AssignmentType.AUDIENCE,
                audience=audiences.get("Drivers"),
                due={"due_kind": DueKind.FIXED, "due_fixed_at": now + dt.timedelta(days=5)},
            )
        )
    written = 0
    for assignment in assignments:
        if assignment is not None:
            written += assignment_materialise(assignment_id=assignment.pk, now=now)
    stdout.write(f"Assignments demo data loaded ({written} rows written).")
