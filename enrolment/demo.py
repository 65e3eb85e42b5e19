"""Demo self-enrolment groups on the demo certifications (certifications/demo.py runs first).

One certification with one group, one with three, made through the group services, so that
`make run` shows the whole flow: the learner "learner" finds Enrol on both. Forklift safety shows
DOMAIN.md §10: a group with an enrolment key, a full group, and one whose enrolments the
learner's manager ("manager") approves. Idempotent: a group
that exists (same certification and name) is left as it is.
"""

from django.contrib.auth.models import User

from assignments.models import DueEvent, DueKind, Group
from assignments.services.groups import group_create, group_member_add_many
from assignments.services.rules import DueRule, assignment_due_update
from certifications.models import Certification

DEMO_ENROLMENT_KEY = "forklift2027"  # README: the demo logins

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
    # DOMAIN.md §10: a group with a key, a full group and one that needs approval.
    ("FORKLIFT", "Warehouse A", "For the warehouse A team. Your team leader gives you the key.", True, True, 2),
    ("FORKLIFT", "Warehouse B", "Two places, both taken by the drivers already trained.", True, True, 2),
    ("FORKLIFT", "Supervised drivers", "New drivers practise with a supervisor; your manager approves.", True, True, 3),
]
# The Group management settings of the §10 groups; members an administrator adds (not limited by the maximum).
SETTINGS = {
    "Warehouse A": {"enrolment_key": DEMO_ENROLMENT_KEY},
    "Warehouse B": {"max_learners": 2},
    "Supervised drivers": {"requires_approval": True},
}
ADDED_MEMBERS = {"Fire wardens": ["manager"], "Warehouse B": ["ivan", "cara"]}


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
            **SETTINGS.get(name, {}),
        )
        if months:
            due = DueRule(kind=DueKind.RELATIVE, amount=months, unit="months", event=DueEvent.ASSIGNMENT_DATE)
            assignment_due_update(assignment=group.assignment, due=due, actor=admin)
        if name in ADDED_MEMBERS:
            members = User.objects.filter(username__in=ADDED_MEMBERS[name]).values_list("id", flat=True)
            group_member_add_many(group=group, user_ids=list(members), actor=admin)
        made += 1
    stdout.write(f"Self-enrolment groups demo data loaded ({made} groups added).")
