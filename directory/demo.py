"""Demo data for the directory: Acme Health, a small company of about 200 people.

- Organisations (3 levels): Acme Health Ltd → Operations, Clinical services, Corporate → three
  departments each (ID numbers ``ACME``, ``OPS``, ``OPS-NORTH`` …).
- Positions (a tree): Chief executive → Director → Manager → Team leader, and Clinical staff /
  Support staff with their jobs (``POS-CEO``, ``POS-NURSE``, ``POS-DRIVER`` …).
- Users: the demo logins of ``LOGINS`` and 196 staff (``first.last``), one job assignment each
  (ID number ``JA-<username>``) with organisation, position, manager, start and position dates.
  A chief executive, three directors, a manager per department, two team leaders per department.
  "manager" runs the Wards department: "learner", "learner2", two team leaders (who manage
  staff of their own) and a few more report to them.
- Audiences: All staff, Clinical staff, Managers, First aiders, New starters, Drivers.
- Profile date fields: Date of hire, Driving licence expiry, Last health check.

Idempotent: everything is found by its natural key (username, ID number, name, shortname) and
only what is missing is created, in bulk. Nothing is signalled: it runs before any certification
is assigned, and a second run writes nothing.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from .models import (
    SITE_ADMINISTRATORS_GROUP,
    Audience,
    AudienceMember,
    JobAssignment,
    LearnerProfile,
    Organisation,
    Position,
    ProfileDateField,
    ProfileDateValue,
)
from .services import tree_node_save

DEMO_PASSWORD = "certlms-demo"  # noqa: S105 - demo logins are printed by `make run`

LOGINS = [
    ("admin", "Site administrator"),
    ("manager", "Manager"),
    ("learner", "Learner"),
    ("learner2", "Learner"),
]

STAFF_COUNT = 196

# (idnumber, name, parent idnumber)
ORGANISATIONS = [
    ("ACME", "Acme Health Ltd", None),
    ("OPS", "Operations", "ACME"),
    ("OPS-NORTH", "North region", "OPS"),
    ("OPS-SOUTH", "South region", "OPS"),
    ("OPS-LOG", "Logistics", "OPS"),
    ("CLIN", "Clinical services", "ACME"),
    ("CLIN-WARDS", "Wards", "CLIN"),
    ("CLIN-LAB", "Laboratory", "CLIN"),
    ("CLIN-PHARM", "Pharmacy", "CLIN"),
    ("CORP", "Corporate", "ACME"),
    ("CORP-HR", "Human resources", "CORP"),
    ("CORP-FIN", "Finance", "CORP"),
    ("CORP-IT", "IT", "CORP"),
]

POSITIONS = [
    ("POS-CEO", "Chief executive", None),
    ("POS-DIR", "Director", "POS-CEO"),
    ("POS-MGR", "Manager", "POS-DIR"),
    ("POS-TL", "Team leader", "POS-MGR"),
    ("POS-CLIN", "Clinical staff", None),
    ("POS-NURSE", "Nurse", "POS-CLIN"),
    ("POS-HCA", "Healthcare assistant", "POS-CLIN"),
    ("POS-LABTECH", "Laboratory technician", "POS-CLIN"),
    ("POS-PHARM", "Pharmacist", "POS-CLIN"),
    ("POS-SUPPORT", "Support staff", None),
    ("POS-DRIVER", "Driver", "POS-SUPPORT"),
    ("POS-WAREHOUSE", "Warehouse operative", "POS-SUPPORT"),
    ("POS-ADMIN", "Administrator", "POS-SUPPORT"),
    ("POS-ANALYST", "Analyst", "POS-SUPPORT"),
    ("POS-ENGINEER", "IT engineer", "POS-SUPPORT"),
]

# Department → the jobs of its staff.
DEPARTMENT_JOBS = {
    "OPS-NORTH": ["POS-DRIVER", "POS-ADMIN"],
    "OPS-SOUTH": ["POS-DRIVER", "POS-ADMIN"],
    "OPS-LOG": ["POS-WAREHOUSE", "POS-DRIVER"],
    "CLIN-WARDS": ["POS-NURSE", "POS-HCA"],
    "CLIN-LAB": ["POS-LABTECH"],
    "CLIN-PHARM": ["POS-PHARM", "POS-HCA"],
    "CORP-HR": ["POS-ADMIN", "POS-ANALYST"],
    "CORP-FIN": ["POS-ANALYST", "POS-ADMIN"],
    "CORP-IT": ["POS-ENGINEER", "POS-ANALYST"],
}

FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Farid",
    "Grace",
    "Hugo",
    "Isla",
    "Jack",
    "Kiran",
    "Layla",
    "Mateo",
    "Nora",
    "Oscar",
    "Priya",
    "Quinn",
    "Ruby",
    "Sam",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Chen",
    "Davies",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Murphy",
    "Nguyen",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
]

PROFILE_DATE_FIELDS = [
    ("hire_date", "Date of hire"),
    ("driving_licence_expiry", "Driving licence expiry"),
    ("last_health_check", "Last health check"),
]

AUDIENCES = {
    "All staff": "Everyone employed by Acme Health.",
    "Clinical staff": "Everyone in Clinical services.",
    "Managers": "Everyone who manages someone.",
    "First aiders": "Trained first aiders, one or two in every team.",
    "New starters": "People who started on or after 1 June 2025.",
    "Drivers": "Everyone who drives for Acme Health.",
}


def _tree(model, rows) -> dict[str, object]:
    nodes = {node.idnumber: node for node in model.objects.filter(idnumber__in=[row[0] for row in rows])}
    for idnumber, name, parent in rows:
        if idnumber not in nodes:
            nodes[idnumber] = tree_node_save(node=model(idnumber=idnumber, name=name, parent=nodes.get(parent)))
    return nodes


def _staff_names() -> list[tuple[str, str, str]]:
    pairs = [(first, last) for last in LAST_NAMES for first in FIRST_NAMES]
    random.Random(2026).shuffle(pairs)
    return [(f"{first.lower()}.{last.lower()}", first, last) for first, last in pairs[:STAFF_COUNT]]


def _users() -> dict[str, User]:
    wanted = [
        ("admin", "Ada", "Administrator"),
        ("manager", "Morgan", "Manager"),
        ("learner", "Lee", "Learner"),
        ("learner2", "Lou", "Learner"),
        *_staff_names(),
    ]
    existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
    password = make_password(DEMO_PASSWORD)
    User.objects.bulk_create(
        [
            User(username=u, first_name=f, last_name=last, email=f"{u}@example.com", password=password)
            for u, f, last in wanted
            if u not in existing
        ]
    )
    users = {user.username: user for user in User.objects.filter(username__in=[w[0] for w in wanted])}
    LearnerProfile.objects.bulk_create([LearnerProfile(user=user) for user in users.values()], ignore_conflicts=True)
    return users


def _organisation_chart(users: dict[str, User]) -> list[tuple[str, str, str, str | None]]:
    """(username, organisation, position, manager username) for everyone but the administrator."""
    staff = [name for name, _, _ in _staff_names()]
    pick = iter(staff)
    chart = []
    ceo = next(pick)
    chart.append((ceo, "ACME", "POS-CEO", None))
    for division in ("OPS", "CLIN", "CORP"):
        director = next(pick)
        chart.append((director, division, "POS-DIR", ceo))
        for department in [d for d in DEPARTMENT_JOBS if d.startswith(division)]:
            head = "manager" if department == "CLIN-WARDS" else next(pick)
            chart.append((head, department, "POS-MGR", director))
            leads = [next(pick), next(pick)]
            chart.extend((lead, department, "POS-TL", head) for lead in leads)
            if department == "CLIN-WARDS":
                chart.append(("learner", department, "POS-NURSE", head))
                chart.append(("learner2", department, "POS-HCA", head))
            chart.append((f"@{department}", department, "", head))  # placeholder: direct reports of the head
            chart.extend((f"@{department}", department, "", lead) for lead in leads)
    placed = {row[0] for row in chart}
    rest = [name for name in staff if name not in placed]
    # Share the rest out round-robin between each department's head and its two team leaders.
    slots = [row for row in chart if row[0].startswith("@")]
    result = [row for row in chart if not row[0].startswith("@")]
    for index, name in enumerate(rest):
        _, department, _, manager = slots[index % len(slots)]
        jobs = DEPARTMENT_JOBS[department]
        result.append((name, department, jobs[index % len(jobs)], manager))
    return result


def _job_assignments(users, organisations, positions) -> dict[str, datetime.date]:
    rng = random.Random(7)
    chart = _organisation_chart(users)
    existing = set(
        JobAssignment.objects.filter(idnumber__startswith="JA-", user__in=users.values()).values_list(
            "idnumber", flat=True
        )
    )
    start_dates = {}
    new = []
    for username, organisation, position, manager in chart:
        start = datetime.date(2016, 1, 4) + datetime.timedelta(days=rng.randrange(0, 3600))
        position_assigned = start + datetime.timedelta(days=rng.randrange(0, 400))
        start_dates[username] = start
        idnumber = f"JA-{username}"
        if idnumber in existing:
            continue
        new.append(
            JobAssignment(
                user=users[username],
                idnumber=idnumber,
                fullname=positions[position].name,
                organisation=organisations[organisation],
                position=positions[position],
                manager=users[manager] if manager else None,
                start_date=start,
                position_assigned_date=position_assigned,
            )
        )
    JobAssignment.objects.bulk_create(new)
    return start_dates


def _audiences(users, start_dates) -> None:
    audiences = {a.name: a for a in Audience.objects.filter(name__in=AUDIENCES)}
    Audience.objects.bulk_create(
        [Audience(name=name, description=text) for name, text in AUDIENCES.items() if name not in audiences]
    )
    audiences = {a.name: a for a in Audience.objects.filter(name__in=AUDIENCES)}
    jobs = JobAssignment.objects.filter(user__in=users.values(), idnumber__startswith="JA-").select_related(
        "user", "organisation", "position"
    )
    members: dict[str, set[int]] = {name: set() for name in AUDIENCES}
    managers = set(jobs.exclude(manager=None).values_list("manager_id", flat=True))
    for index, job in enumerate(sorted(jobs, key=lambda j: j.user.username)):
        members["All staff"].add(job.user_id)
        if job.organisation.idnumber.startswith("CLIN"):
            members["Clinical staff"].add(job.user_id)
        if job.user_id in managers:
            members["Managers"].add(job.user_id)
        if index % 9 == 0 or job.user.username == "learner":
            members["First aiders"].add(job.user_id)
        if start_dates.get(job.user.username, datetime.date.min) >= datetime.date(2025, 6, 1):
            members["New starters"].add(job.user_id)
        if job.position.idnumber == "POS-DRIVER":
            members["Drivers"].add(job.user_id)
    AudienceMember.objects.bulk_create(
        [
            AudienceMember(audience=audiences[name], user_id=user_id)
            for name, user_ids in members.items()
            for user_id in sorted(user_ids)
        ],
        ignore_conflicts=True,
    )


def _profile_dates(users, start_dates) -> None:
    for shortname, name in PROFILE_DATE_FIELDS:
        ProfileDateField.objects.get_or_create(shortname=shortname, defaults={"name": name})
    fields = {
        f.shortname: f for f in ProfileDateField.objects.filter(shortname__in=[s for s, _ in PROFILE_DATE_FIELDS])
    }
    drivers = set(
        JobAssignment.objects.filter(position__idnumber="POS-DRIVER", user__in=users.values()).values_list(
            "user_id", flat=True
        )
    )
    rng = random.Random(11)
    values = []
    for username, start in sorted(start_dates.items()):
        user = users[username]
        values.append(ProfileDateValue(user=user, field=fields["hire_date"], value=start))
        check = datetime.date(2025, 1, 6) + datetime.timedelta(days=rng.randrange(0, 500))
        if user.pk in drivers or username == "learner":
            expiry = datetime.date(2026, 3, 1) + datetime.timedelta(days=rng.randrange(0, 1500))
            values.append(ProfileDateValue(user=user, field=fields["driving_licence_expiry"], value=expiry))
        if rng.random() < 0.6:
            values.append(ProfileDateValue(user=user, field=fields["last_health_check"], value=check))
    ProfileDateValue.objects.bulk_create(values, ignore_conflicts=True)


def load(*, stdout) -> None:
    admins, _ = Group.objects.get_or_create(name=SITE_ADMINISTRATORS_GROUP)
    users = _users()
    users["admin"].groups.add(admins)
    organisations = _tree(Organisation, ORGANISATIONS)
    positions = _tree(Position, POSITIONS)
    start_dates = _job_assignments(users, organisations, positions)
    _audiences(users, start_dates)
    _profile_dates(users, start_dates)
    stdout.write(f"Directory demo data loaded: {len(users)} users.")
