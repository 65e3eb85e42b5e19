"""The import's formats (the columns of each kind, shown on the import page), its result and the
reading of a file's rows, shared by every kind."""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from certlms.dates import validate_date_range

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


class Rows:
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


def parse_date(value: str) -> datetime.date | None:
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


def by_key(queryset, key: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for obj in queryset:
        found.setdefault(getattr(obj, key), []).append(obj)
    return found
