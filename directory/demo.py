"""Demo data for the directory: a small company. Idempotent (get_or_create on natural keys)."""

from django.contrib.auth.models import Group, User

from .models import SITE_ADMINISTRATORS_GROUP, LearnerProfile

DEMO_PASSWORD = "certlms-demo"  # noqa: S105 - demo logins are printed by `make run`

LOGINS = [
    ("admin", "Site administrator"),
    ("manager", "Manager"),
    ("learner", "Learner"),
    ("learner2", "Learner"),
]


def _user(username: str, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    LearnerProfile.objects.get_or_create(user=user)
    return user


def load(*, stdout) -> None:
    admins, _ = Group.objects.get_or_create(name=SITE_ADMINISTRATORS_GROUP)
    admin = _user("admin", "Ada", "Administrator")
    admin.groups.add(admins)
    _user("manager", "Morgan", "Manager")
    _user("learner", "Lee", "Learner")
    _user("learner2", "Lou", "Learner")
    stdout.write("Directory demo data loaded.")
