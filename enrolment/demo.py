"""Demo self-enrolment groups on the demo certifications (certifications/demo.py runs first).

One certification with one group, one with three, made through the group services, so that
`make run` shows the whole flow: the learner "learner" finds Enrol on both. Idempotent: a group
that exists (same certification and name) is left as it is.
"""

from django.contrib.auth.models import User

from assignments.models import DueEvent, DueKind, Group
from assignments.services.groups import group_create, group_member_add_many
from assignments.services.rules import DueRule, assignment_due_update
from certifications.models import Certification

# (certification short name, group name, description, allow enrol, allow withdraw, months to complete after enrolling)
GROUPS = [
    (
        "FIRSTAID",
        "Volunteer first aiders",
        "Volunteer to be a first aider on your floor: two short courses, essentials and CPR.",
        True,
        True,
        3,
    ),
    (
        "FIRE",
        "Day shift",
        "For staff on the day shift. The courses take about two hours in total.",
        True,
        True,
        1,
    ),
    (
        "FIRE",
        "Night shift",
        "For staff on the night shift. Your manager plans the practice session; you cannot withdraw.",
        True,
        False,
        2,
    ),
    ("FIRE", "Fire wardens", "Appointed by the facilities team; not open for enrolment.", False, False, None),
]
FIRE_WARDENS = ["manager"]


def load(*, stdout) -> None:
    admin = User.objects.filter(username="admin").first()
    made = 0
    for shortname, name, description, allow_enrol, allow_withdraw, months in GROUPS:
        certification = Certification.objects.filter(shortname=shortname).first()
        if certification is None or Group.objects.filter(certification=certification, name=name).exists():
            continue
        group = group_create(
            certification=certification,
            name=name,
            description=description,
            allow_enrol=allow_enrol,
            allow_withdraw=allow_withdraw,
            actor=admin,
        )
        if months:
            due = DueRule(kind=DueKind.RELATIVE, amount=months, unit="months", event=DueEvent.ASSIGNMENT_DATE)
            assignment_due_update(assignment=group.assignment, due=due, actor=admin)
        if name == "Fire wardens":
            wardens = User.objects.filter(username__in=FIRE_WARDENS).values_list("id", flat=True)
            group_member_add_many(group=group, user_ids=list(wardens), actor=admin)
        made += 1
    stdout.write(f"Self-enrolment groups demo data loaded ({made} groups added).")
