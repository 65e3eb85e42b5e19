"""Demo courses and completions for Acme Health (see directory/demo.py).

The courses, by stable short name (other apps' demo data refers to these):

| shortname      | full name                               | learners may mark it complete |
|----------------|-----------------------------------------|-------------------------------|
| FIRE-101       | Fire safety                             | yes |
| FIRSTAID-101   | First aid at work                       | yes |
| MANUAL-101     | Manual handling                         | yes |
| INFECT-101     | Infection prevention and control        | yes |
| SAFEGUARD-101  | Safeguarding adults                     | yes |
| DATA-101       | Data protection and confidentiality     | yes |
| EQUALITY-101   | Equality, diversity and inclusion       | yes |
| HEALTHSAFE-101 | Health and safety awareness             | yes |
| FORKLIFT-101   | Forklift operation                      | yes |
| DRIVING-101    | Safe driving                            | yes |
| MEDS-101       | Medicines management                    | yes |
| LEAD-101       | Leading a team                          | yes |

Every demo course lets learners mark it complete, so the learner's journey (Current learning →
certification → course → Mark as complete) works on every demo certification.

Completions: about a third of the staff completed Fire safety and Data protection, drivers
Safe driving, team leaders and managers Leading a team; "learner" completed Fire safety on
2026-01-12; "learner2" has none. Idempotent: courses by shortname, completions only where the
learner has none for that course (``bulk_create(ignore_conflicts=True)``). No signal is sent.
"""

import datetime
import random

from django.contrib.auth.models import User

from .models import Course, CourseCompletion

COURSES = [
    ("FIRE-101", "Fire safety", True, "What to do when the alarm sounds, and how to prevent fires."),
    ("FIRSTAID-101", "First aid at work", True, "Emergency first aid: recognise, respond, call for help."),
    ("MANUAL-101", "Manual handling", True, "Lift, carry and move loads and people safely."),
    ("INFECT-101", "Infection prevention and control", True, "Hand hygiene, protective equipment, isolation."),
    ("SAFEGUARD-101", "Safeguarding adults", True, "Recognise and report abuse and neglect."),
    ("DATA-101", "Data protection and confidentiality", True, "Handle personal data lawfully and safely."),
    ("EQUALITY-101", "Equality, diversity and inclusion", True, "Fair treatment at work."),
    ("HEALTHSAFE-101", "Health and safety awareness", True, "Hazards, risk assessment and reporting."),
    ("FORKLIFT-101", "Forklift operation", True, "Practical forklift training and assessment."),
    ("DRIVING-101", "Safe driving", True, "Defensive driving for people who drive for work."),
    ("MEDS-101", "Medicines management", True, "Storing, giving and recording medicines."),
    ("LEAD-101", "Leading a team", True, "Supervision, feedback and one-to-ones."),
]

SHORTNAMES = [row[0] for row in COURSES]


def load(*, stdout) -> None:
    existing = set(Course.objects.filter(shortname__in=SHORTNAMES).values_list("shortname", flat=True))
    Course.objects.bulk_create(
        [
            Course(shortname=shortname, fullname=fullname, allow_self_completion=self_completion, summary=summary)
            for shortname, fullname, self_completion, summary in COURSES
            if shortname not in existing
        ]
    )
    courses = {c.shortname: c for c in Course.objects.filter(shortname__in=SHORTNAMES)}
    people = User.objects.filter(job_assignments__idnumber__startswith="JA-").distinct().order_by("username")
    jobs = dict(people.values_list("username", "job_assignments__position__idnumber"))
    rng = random.Random(5)
    completions = []

    def completed(user_id: int, shortname: str, day: datetime.date) -> None:
        at = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=datetime.UTC)
        completions.append(CourseCompletion(user_id=user_id, course=courses[shortname], completed_at=at))

    for index, (user_id, username) in enumerate(people.values_list("id", "username")):
        if username in ("learner", "learner2"):
            continue
        day = datetime.date(2025, 3, 3) + datetime.timedelta(days=rng.randrange(0, 400))
        if index % 3 == 0:
            completed(user_id, "FIRE-101", day)
            completed(user_id, "DATA-101", day + datetime.timedelta(days=2))
        if jobs.get(username) == "POS-DRIVER":
            completed(user_id, "DRIVING-101", day + datetime.timedelta(days=5))
        if jobs.get(username) in ("POS-TL", "POS-MGR"):
            completed(user_id, "LEAD-101", day + datetime.timedelta(days=9))
    learner = User.objects.filter(username="learner").values_list("id", flat=True).first()
    if learner:
        completed(learner, "FIRE-101", datetime.date(2026, 1, 12))
    CourseCompletion.objects.bulk_create(completions, ignore_conflicts=True)
    stdout.write(f"Courses demo data loaded: {len(courses)} courses.")
