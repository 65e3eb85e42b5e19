"""CSV import of users, job assignments and audience members.

Every row is validated first; if any row is bad, each bad row is reported with its line number
and reason and nothing is written. Otherwise the whole file is written in one transaction,
through the directory services, so the usual signals are sent once, inside the transaction.
The column formats are documented in ``FORMATS`` (shown on the import page) and in
docs/decisions/0002-csv-import.md.
"""

import csv
import datetime
import io
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from certlms.dates import validate_date_range

from . import services
from .models import Audience, JobAssignment, LearnerProfile, Organisation, Position

User = get_user_model()

USERS, JOB_ASSIGNMENTS, AUDIENCE_MEMBERS = "users", "job_assignments", "audience_members"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str


@dataclass(frozen=True)
class Format:
    kind: str
    label: str
    summary: str
    columns: tuple[Column, ...]
    example: str

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


FORMATS = {
    USERS: Format(
        USERS,
        "Users",
        "One row per user. A new username creates a user (who signs in once an administrator sets a "
        "password); an existing username updates that user.",
        (
            Column("username", True, "Sign-in name: letters, digits and @ . + - _ (at most 150)."),
            Column("first_name", False, "First name."),
            Column("last_name", False, "Last name."),
            Column("email", False, "Email address."),
            Column("timezone", False, 'IANA timezone such as "Europe/London"; empty means the site\'s timezone.'),
        ),
        "username,first_name,last_name,email,timezone\njsmith,Jane,Smith,jane.smith@example.com,Europe/London\n",
    ),
    JOB_ASSIGNMENTS: Format(
        JOB_ASSIGNMENTS,
        "Job assignments",
        "One row per job assignment, identified by the user and the job assignment's ID number: "
        "a new pair creates it, an existing pair updates it. Users must exist (import them first).",
        (
            Column("username", True, "The user who holds the job."),
            Column("idnumber", True, "ID number of the job assignment, unique per user."),
            Column("fullname", False, "Job title."),
            Column("organisation", False, "ID number of the organisation; empty for none."),
            Column("position", False, "ID number of the position; empty for none."),
            Column("manager", False, "Username of the manager; empty for none."),
            Column("start_date", False, "Job assignment start date, YYYY-MM-DD."),
            Column("position_assigned_date", False, "Position assigned date, YYYY-MM-DD."),
        ),
        "username,idnumber,fullname,organisation,position,manager,start_date,position_assigned_date\n"
        "jsmith,JA1,Nurse,WARD-3,NURSE,mjones,2026-01-05,2026-01-05\n",
    ),
    AUDIENCE_MEMBERS: Format(
        AUDIENCE_MEMBERS,
        "Audience members",
        "One row per membership change. The audience and the user must exist.",
        (
            Column("audience", True, "Name of the audience."),
            Column("username", True, "The user."),
            Column("action", False, '"add" (the default when empty or absent) or "remove".'),
        ),
        "audience,username,action\nFirst aiders,jsmith,add\nFirst aiders,mjones,remove\n",
    ),
}

KIND_CHOICES = [(kind, fmt.label) for kind, fmt in FORMATS.items()]


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportResult:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        label = FORMATS[self.kind].label.lower()
        rows = f"{self.rows} row{'' if self.rows == 1 else 's'} of {label}"
        if self.kind == AUDIENCE_MEMBERS:
            return f"Imported {rows}: {self.created} members added, {self.updated} removed."
        unchanged = self.rows - self.created - self.updated
        return f"Imported {rows}: {self.created} created, {self.updated} updated, {unchanged} unchanged."


class _Rows:
    """The data rows of a CSV file with their line numbers, after the header was checked."""

    def __init__(self, fmt: Format, text: str, result: ImportResult):
        self.rows: list[tuple[int, dict[str, str]]] = []
        if "\x00" in text:  # databases refuse NUL in text; a file holding one is not a CSV text file
            line = text.count("\n", 0, text.index("\x00")) + 1
            result.errors.append(RowError(line, "The file contains a NUL character: it is not a CSV text file."))
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
            if header is None:
                result.errors.append(RowError(1, "The file is empty: the first line must name the columns."))
                return
            header = [name.strip().lower() for name in header]
            missing = [c.name for c in fmt.columns if c.required and c.name not in header]
            unknown = [name for name in header if name not in fmt.names]
            duplicated = sorted({name for name in header if header.count(name) > 1})
            if missing:
                result.errors.append(RowError(1, f"Missing column(s): {', '.join(missing)}."))
            if unknown:
                result.errors.append(
                    RowError(1, f"Unknown column(s): {', '.join(unknown)}. Expected: {', '.join(fmt.names)}.")
                )
            if duplicated:
                result.errors.append(RowError(1, f"Column(s) named twice: {', '.join(duplicated)}."))
            if result.errors:
                return
            self.columns = header
            line = reader.line_num
            for values in reader:
                start, line = line + 1, reader.line_num
                if not any(value.strip() for value in values):
                    continue  # blank lines are ignored
                if len(values) != len(header):
                    result.errors.append(RowError(start, f"Expected {len(header)} values, found {len(values)}."))
                    continue
                self.rows.append((start, {name: value.strip() for name, value in zip(header, values, strict=True)}))
        except csv.Error as error:
            result.errors.append(RowError(reader.line_num, f"The file is not valid CSV: {error}."))
            return
        if not self.rows and not result.errors:
            result.errors.append(RowError(2, "The file has no data rows."))


def _parse_date(value: str) -> datetime.date | None:
    if not value:
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f'"{value}" is not a date in the form YYYY-MM-DD.') from None
    try:
        validate_date_range(day)
    except ValidationError as error:
        raise ValueError(f'"{value}": {error.messages[0]}') from None
    return day


def _by_key(queryset, key: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for obj in queryset:
        found.setdefault(getattr(obj, key), []).append(obj)
    return found


# --- Users ---


def _validate_users(rows: _Rows, result: ImportResult) -> list[tuple[int, dict]]:
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


def _apply_users(rows: list[tuple[int, dict]], columns: list[str], result: ImportResult) -> None:
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
    return _by_key(model.objects.filter(idnumber__in=set(idnumbers) - {""}), "idnumber")


def _validate_job_assignments(rows: _Rows, result: ImportResult) -> list[JobAssignment]:
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
                dates[column] = _parse_date(row.get(column, ""))
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


def _validate_audience_members(rows: _Rows, result: ImportResult) -> dict[int, tuple[set[int], set[int]]]:
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


# --- Entry point ---


def directory_import(*, kind: str, text: str, actor_id: int | None = None) -> ImportResult:
    """Validate every row of ``text`` (CSV of ``kind``); write all of it in one transaction or nothing."""
    fmt = FORMATS[kind]
    result = ImportResult(kind=kind)
    rows = _Rows(fmt, text, result)
    if result.errors:
        return result
    result.rows = len(rows.rows)
    if kind == USERS:
        valid = _validate_users(rows, result)
        if result.ok:
            with transaction.atomic():
                _apply_users(valid, rows.columns, result)
    elif kind == JOB_ASSIGNMENTS:
        job_assignments = _validate_job_assignments(rows, result)
        if result.ok:
            result.created = sum(1 for ja in job_assignments if ja.pk is None)
            result.updated = len(job_assignments) - result.created
            services.job_assignments_save(job_assignments=job_assignments, actor_id=actor_id)
    else:
        changes = _validate_audience_members(rows, result)
        if result.ok:
            with transaction.atomic():
                for audience_id, (add, remove) in sorted(changes.items()):
                    added, removed = services.audience_members_change(
                        audience_id=audience_id, add_user_ids=add, remove_user_ids=remove, actor_id=actor_id
                    )
                    result.created += len(added)
                    result.updated += len(removed)
    result.errors.sort(key=lambda error: error.line)
    return result


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without a byte order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"The file is not UTF-8 text (byte {error.start + 1} cannot be read).") from None
