"""Each kind's validation (every row checked, each bad row reported) and, for users, its writing."""

import zoneinfo
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..models import Audience, JobAssignment, LearnerProfile, Organisation, Position
from .formats import ImportResult, RowError, Rows, by_key, parse_date

User = get_user_model()

# --- Users ---


def validate_users(rows: Rows, result: ImportResult) -> list[tuple[int, dict]]:
    username_validator = UnicodeUsernameValidator()
    timezones = zoneinfo.available_timezones()
    seen: dict[str, int] = {}
    valid = []
    for line, row in rows.rows:
        problems = []
        username = row["username"]
        if not username:
            problems.append("username is empty.")
        elif len(username) > 150:
            problems.append("username is longer than 150 characters.")
        else:
            try:
                username_validator(username)
            except ValidationError:
                problems.append(f'username "{username}" may contain only letters, digits and @ . + - _.')
        if username in seen:
            problems.append(f'username "{username}" is also on line {seen[username]}.')
        seen.setdefault(username, line)
        if row.get("email"):
            try:
                validate_email(row["email"])
            except ValidationError:
                problems.append(f'"{row["email"]}" is not a valid email address.')
        for name, limit in (("first_name", 150), ("last_name", 150), ("email", 254)):
            if len(row.get(name, "")) > limit:
                problems.append(f"{name} is longer than {limit} characters.")
        if row.get("timezone") and row["timezone"] not in timezones:
            problems.append(f'"{row["timezone"]}" is not a known timezone.')
        if problems:
            result.errors.append(RowError(line, " ".join(problems)))
        else:
            valid.append((line, row))
    return valid


def apply_users(rows: list[tuple[int, dict]], columns: list[str], result: ImportResult) -> None:
    existing = {user.username: user for user in User.objects.filter(username__in=[row["username"] for _, row in rows])}
    user_fields = [name for name in ("first_name", "last_name", "email") if name in columns]
    unusable = make_password(None)
    new = [
        User(username=row["username"], password=unusable, **{name: row[name] for name in user_fields})
        for _, row in rows
        if row["username"] not in existing
    ]
    User.objects.bulk_create(new)
    changed = []
    for _, row in rows:
        user = existing.get(row["username"])
        if user is not None and any(getattr(user, name) != row[name] for name in user_fields):
            for name in user_fields:
                setattr(user, name, row[name])
            changed.append(user)
    if changed:
        User.objects.bulk_update(changed, user_fields)
    ids = dict(User.objects.filter(username__in=[row["username"] for _, row in rows]).values_list("username", "id"))
    LearnerProfile.objects.bulk_create([LearnerProfile(user_id=pk) for pk in ids.values()], ignore_conflicts=True)
    if "timezone" in columns:
        profiles = LearnerProfile.objects.filter(user_id__in=ids.values())
        wanted = {ids[row["username"]]: row["timezone"] for _, row in rows}
        stale = [p for p in profiles if p.timezone != wanted[p.user_id]]
        for profile in stale:
            profile.timezone = wanted[profile.user_id]
        LearnerProfile.objects.bulk_update(stale, ["timezone"])
    result.created, result.updated = len(new), len(changed)


# --- Job assignments ---

JOB_ASSIGNMENT_COLUMNS = (
    "fullname",
    "organisation_id",
    "position_id",
    "manager_id",
    "start_date",
    "position_assigned_date",
)


def _tree_lookup(model, idnumbers: Iterable[str]) -> dict[str, list]:
    return by_key(model.objects.filter(idnumber__in=set(idnumbers) - {""}), "idnumber")


def validate_job_assignments(rows: Rows, result: ImportResult) -> list[JobAssignment]:
    data = [row for _, row in rows.rows]
    users = {u.username: u.pk for u in User.objects.filter(username__in={r["username"] for r in data})}
    managers = {u.username: u.pk for u in User.objects.filter(username__in={r.get("manager", "") for r in data})}
    organisations = _tree_lookup(Organisation, (r.get("organisation", "") for r in data))
    positions = _tree_lookup(Position, (r.get("position", "") for r in data))
    existing_by_key: dict[tuple[int, str], list[JobAssignment]] = {}
    for ja in JobAssignment.objects.filter(user_id__in=users.values(), idnumber__in={r["idnumber"] for r in data}):
        existing_by_key.setdefault((ja.user_id, ja.idnumber), []).append(ja)
    seen: dict[tuple[str, str], int] = {}
    job_assignments = []
    for line, row in rows.rows:
        problems = []
        username, idnumber = row["username"], row["idnumber"]
        user_id = users.get(username)
        if not username:
            problems.append("username is empty.")
        elif user_id is None:
            problems.append(f'No user has the username "{username}".')
        if not idnumber:
            problems.append("idnumber is empty.")
        elif len(idnumber) > 100:
            problems.append("idnumber is longer than 100 characters.")
        if (username, idnumber) in seen:
            problems.append(
                f'The job assignment "{idnumber}" of "{username}" is also on line {seen[(username, idnumber)]}.'
            )
        seen.setdefault((username, idnumber), line)
        if len(row.get("fullname", "")) > 255:
            problems.append("fullname is longer than 255 characters.")
        nodes = {}
        for column, found, label in (
            ("organisation", organisations, "organisation"),
            ("position", positions, "position"),
        ):
            value = row.get(column, "")
            if value and len(found.get(value, [])) != 1:
                count = len(found.get(value, []))
                problems.append(
                    f'No {label} has the ID number "{value}".'
                    if count == 0
                    else f'{count} {label}s have the ID number "{value}".'
                )
            nodes[column] = found[value][0].pk if value and len(found.get(value, [])) == 1 else None
        manager_id = None
        if row.get("manager"):
            manager_id = managers.get(row["manager"])
            if manager_id is None:
                problems.append(f'No user has the username "{row["manager"]}" (manager).')
            elif manager_id == user_id:
                problems.append("A user cannot be their own manager.")
        dates = {}
        for column in ("start_date", "position_assigned_date"):
            try:
                dates[column] = parse_date(row.get(column, ""))
            except ValueError as error:
                problems.append(f"{column}: {error}")
        matches = existing_by_key.get((user_id, idnumber), []) if user_id else []
        if len(matches) > 1:
            problems.append(f'"{username}" already has {len(matches)} job assignments with the ID number "{idnumber}".')
        if problems:
            result.errors.append(RowError(line, " ".join(problems)))
            continue
        ja = matches[0] if matches else JobAssignment(user_id=user_id, idnumber=idnumber)
        before = {name: getattr(ja, name) for name in JOB_ASSIGNMENT_COLUMNS}
        values = {
            "fullname": row.get("fullname", ""),
            "organisation_id": nodes["organisation"],
            "position_id": nodes["position"],
            "manager_id": manager_id,
            **dates,
        }
        for name, value in values.items():
            if name.removesuffix("_id") in rows.columns:
                setattr(ja, name, value)
        if ja.pk is None or any(getattr(ja, name) != before[name] for name in JOB_ASSIGNMENT_COLUMNS):
            job_assignments.append(ja)
    return job_assignments


# --- Audience members ---


def validate_audience_members(rows: Rows, result: ImportResult) -> dict[int, tuple[set[int], set[int]]]:
    data = [row for _, row in rows.rows]
    users = {u.username: u.pk for u in User.objects.filter(username__in={r["username"] for r in data})}
    audiences = dict(Audience.objects.filter(name__in={r["audience"] for r in data}).values_list("name", "id"))
    seen: dict[tuple[str, str], int] = {}
    changes: dict[int, tuple[set[int], set[int]]] = {}
    for line, row in rows.rows:
        problems = []
        audience, username, action = row["audience"], row["username"], (row.get("action") or "add").lower()
        if not audience:
            problems.append("audience is empty.")
        elif audience not in audiences:
            problems.append(f'No audience is named "{audience}".')
        if not username:
            problems.append("username is empty.")
        elif username not in users:
            problems.append(f'No user has the username "{username}".')
        if action not in ("add", "remove"):
            problems.append(f'action must be "add" or "remove", not "{row.get("action")}".')
        if (audience, username) in seen:
            problems.append(f'"{username}" in "{audience}" is also on line {seen[(audience, username)]}.')
        seen.setdefault((audience, username), line)
        if problems:
            result.errors.append(RowError(line, " ".join(problems)))
            continue
        add, remove = changes.setdefault(audiences[audience], (set(), set()))
        (add if action == "add" else remove).add(users[username])
    return changes
