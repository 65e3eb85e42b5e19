"""CSV import of users, job assignments and audience members.

Every row is validated first; if any row is bad, each bad row is reported with its line number
and reason and nothing is written. Otherwise the whole file is written in one transaction,
through the directory services, so the usual signals are sent once, inside the transaction.
The column formats are documented in ``FORMATS`` (shown on the import page) and in
docs/decisions/0002-csv-import.md. ``formats`` holds the formats and the reading of rows,
``kinds`` each kind's validation.
"""

from django.db import transaction

from .. import services
from .formats import AUDIENCE_MEMBERS, FORMATS, JOB_ASSIGNMENTS, KIND_CHOICES, USERS, ImportResult, Rows
from .kinds import apply_users, validate_audience_members, validate_job_assignments, validate_users

__all__ = [
    "AUDIENCE_MEMBERS",
    "FORMATS",
    "JOB_ASSIGNMENTS",
    "KIND_CHOICES",
    "USERS",
    "decode_upload",
    "directory_import",
]


def directory_import(*, kind: str, text: str, actor_id: int | None = None) -> ImportResult:
    """Validate every row of ``text`` (CSV of ``kind``); write all of it in one transaction or nothing."""
    fmt = FORMATS[kind]
    result = ImportResult(kind=kind)
    rows = Rows(fmt, text, result)
    if result.errors:
        return result
    result.rows = len(rows.rows)
    if kind == USERS:
        valid = validate_users(rows, result)
        if result.ok:
            with transaction.atomic():
                apply_users(valid, rows.columns, result)
    elif kind == JOB_ASSIGNMENTS:
        job_assignments = validate_job_assignments(rows, result)
        if result.ok:
            result.created = sum(1 for ja in job_assignments if ja.pk is None)
            result.updated = len(job_assignments) - result.created
            services.job_assignments_save(job_assignments=job_assignments, actor_id=actor_id)
    else:
        changes = validate_audience_members(rows, result)
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
