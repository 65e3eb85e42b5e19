"""Validation rules of certification settings and of a learner's record state (DOMAIN §2, §6).

Each returns ``{field name: message}`` so forms can show every error beside its field.
"""

import datetime as dt

from .models import CertificationPath, RecertificationMethod, RecordStatus, RenewalStatus
from .periods import DAYS, YEARS, Period, period_covers_days, period_le

LONGEST_ACTIVE = Period(100, YEARS)


def settings_errors(
    *,
    active: Period,
    window: Period,
    minimum_active: Period | None,
    method: str,
    recertification_allowance_days: int,
) -> dict[str, str]:
    """The DOMAIN §2 rules: window ≤ active period; window ≥ the recertification path's total time
    allowance (or 1 day); fixed method: window ≤ minimum active period ≤ active period."""
    errors: dict[str, str] = {}
    if active.amount < 1:
        errors["active_period_amount"] = "The active period must be at least 1."
    elif not period_le(active, LONGEST_ACTIVE):
        # Expiry dates are completion + active period: beyond this they would leave the readable date range.
        errors["active_period_amount"] = "The active period cannot be longer than 100 years."
    elif not period_le(window, active):
        errors["window_period_amount"] = "The window period cannot be longer than the active period."
    needed = max(recertification_allowance_days, 1)
    if "window_period_amount" not in errors and not period_covers_days(window, needed):
        if recertification_allowance_days > 1:
            errors["window_period_amount"] = (
                "The window period must be at least the recertification path's total time allowance "
                f"({Period(recertification_allowance_days, DAYS)})."
            )
        else:
            errors["window_period_amount"] = "The window period must be at least 1 day."
    if method == RecertificationMethod.FIXED:
        if minimum_active is None:
            errors["minimum_active_amount"] = "The fixed expiry date method needs a minimum active period."
        elif not period_le(minimum_active, active):
            errors["minimum_active_amount"] = "The minimum active period cannot be longer than the active period."
        elif not period_le(window, minimum_active):
            errors["minimum_active_amount"] = "The minimum active period cannot be shorter than the window period."
    return errors


DATE_FIELDS = ("due_date", "completion_date", "window_opens", "expiry_date", "baseline_expiry")


def record_state_errors(values: dict, *, now: dt.datetime) -> dict[str, str]:
    """Whether the fields of a record (current or history) fit its status."""
    status = values.get("status")
    renewal = values.get("renewal_status")
    path = values.get("path")
    errors: dict[str, str] = {}
    if status in (RecordStatus.NOT_CERTIFIED, RecordStatus.IN_PROGRESS):
        if path != CertificationPath.CERTIFICATION:
            errors["path"] = "A learner who has not certified yet is on the certification path."
        if renewal != RenewalStatus.NOT_DUE:
            errors["renewal_status"] = 'A learner who has not certified yet has renewal status "Not due".'
        for field in ("completion_date", "window_opens", "expiry_date"):
            if values.get(field):
                errors[field] = "Leave this empty until the learner certifies."
    elif status == RecordStatus.CERTIFIED:
        if path != CertificationPath.RECERTIFICATION:
            errors["path"] = "A certified learner is on the recertification path."
        if renewal == RenewalStatus.EXPIRED:
            errors["renewal_status"] = 'A certified learner\'s renewal is "Not due" or "Due".'
        for field in ("completion_date", "window_opens", "expiry_date"):
            if not values.get(field):
                errors[field] = "A certified record needs this date."
        completion, window, expiry = (values.get(f) for f in ("completion_date", "window_opens", "expiry_date"))
        if completion and expiry and completion >= expiry:
            errors.setdefault("expiry_date", "The expiry date must be after the completion date.")
        if window and expiry and window > expiry:
            errors.setdefault("window_opens", "The window cannot open after the expiry date.")
        if renewal == RenewalStatus.DUE and window and window > now:
            errors.setdefault("renewal_status", 'Renewal can only be "Due" once the window has opened.')
    elif status == RecordStatus.EXPIRED:
        if path != CertificationPath.CERTIFICATION:
            errors["path"] = "An expired learner is back on the certification path."
        if renewal != RenewalStatus.EXPIRED:
            errors["renewal_status"] = 'An expired record has renewal status "Renewal expired".'
        expiry = values.get("expiry_date")
        if not expiry:
            errors["expiry_date"] = "An expired record needs the date it expired."
        elif expiry > now:
            errors["expiry_date"] = "An expired record's expiry date is in the past."
    else:
        errors["status"] = "Choose a status."
    return errors


def same_moment(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    """Whether two dates are the same to the minute (what the editor's date fields show and take)."""
    if a is None or b is None:
        return a is b
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


def unchanged(before: dict, after: dict) -> bool:
    """Whether ``after`` says what ``before`` says, dates to the minute: saving it would change nothing."""
    for field, value in after.items():
        old = before.get(field)
        if isinstance(value, dt.datetime) or isinstance(old, dt.datetime):
            if not same_moment(old, value):
                return False
        elif old != value:
            return False
    return True


def corrected_values(values: dict) -> dict:
    """A correction as it will be saved: a certified record is due when it expires (DOMAIN §2, §6)."""
    if values.get("status") == RecordStatus.CERTIFIED and values.get("expiry_date"):
        return {**values, "due_date": values["expiry_date"]}
    return values


HISTORY_STATUSES = (RecordStatus.CERTIFIED, RecordStatus.EXPIRED)


def history_record_errors(values: dict, *, now: dt.datetime, unassigned: bool) -> dict[str, str]:
    """A history record's fields: its status's rules, and the dates of the period it records.

    A history record that an unassignment left may be of a period never completed; any other is a past
    certification (certified or expired), so it needs when it was completed and when it expires(d).
    """
    errors = record_state_errors(values, now=now)
    if not values.get("archived_at"):
        errors["archived_at"] = "Say when this record was archived."
    if not unassigned:
        if values.get("status") not in HISTORY_STATUSES:
            errors.setdefault("status", "A history record is a past certification: choose Certified or Expired.")
        for field, name in (("completion_date", "completion date"), ("expiry_date", "expiry date")):
            if not values.get(field):
                errors.setdefault(field, f"A history record needs its {name}.")
    return errors


def _label(choices, value) -> str:
    return dict(choices.choices).get(value, value or "none")


def _when(value) -> str:
    return value.strftime("%d %B %Y %H:%M") if value else "none"


def record_change_consequences(before: dict, after: dict, *, now: dt.datetime) -> list[str]:
    """Plain sentences saying what saving ``after`` over ``before`` will do."""
    sentences = []
    for field, choices, name in (
        ("status", RecordStatus, "Status"),
        ("renewal_status", RenewalStatus, "Renewal status"),
        ("path", CertificationPath, "Path"),
    ):
        if before.get(field) != after.get(field):
            sentences.append(
                f"{name} changes from {_label(choices, before.get(field))} to {_label(choices, after.get(field))}."
            )
    names = {
        "due_date": "Due date",
        "completion_date": "Completion date",
        "window_opens": "Window opens",
        "expiry_date": "Expiry date",
        "baseline_expiry": "Baseline expiry",
    }
    for field, name in names.items():
        if before.get(field) != after.get(field):
            sentences.append(f"{name} changes from {_when(before.get(field))} to {_when(after.get(field))}.")
    due = after.get("due_date")
    if due and due < now and after.get("status") in (RecordStatus.NOT_CERTIFIED, RecordStatus.IN_PROGRESS):
        sentences.append("The due date is in the past: the learner will be overdue.")
    if after.get("status") == RecordStatus.CERTIFIED:
        expiry, window = after.get("expiry_date"), after.get("window_opens")
        if expiry and expiry <= now:
            sentences.append(
                'The expiry date has passed: the next lifecycle run will mark the certification "Expired".'
            )
        elif window and window <= now and after.get("renewal_status") == RenewalStatus.NOT_DUE:
            sentences.append(
                "The window opening has passed: the next lifecycle run will open the recertification window "
                "and archive the learner's completions of this certification's courses."
            )
    if not sentences:
        sentences.append("Nothing changes.")
    return sentences
