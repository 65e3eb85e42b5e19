"""How the change log reads (DOMAIN §8: no page shows an internal value).

Every subject, action, key and value of an audit row as words for its reader: "Group membership:
self-enrolled", "Assignment: Sales team", "Self-enrolled: Yes" — never an id or a field name. The
assignments app adds its own vocabulary (assignment types, route states, exception types,
resolutions…) and how to name an assignment by id, through ``register_audit_vocabulary`` in its
``AppConfig.ready()``, so that certifications never imports it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.utils import timezone

from certlms.when import format_date, format_datetime

from .models import CertificationPath, PeriodUnit, RecordStatus, RenewalStatus

SUBJECTS = {
    "record": "Record",
    "history": "History record",
    "route": "Assignment route",
    "group_membership": "Group membership",
    "assignment": "Assignment",
}
ACTIONS = {
    "assigned": "assigned",
    "restored": "restored from history",
    "deleted": "deleted",
    "unassigned": "unassigned (kept in history)",
    "due_date_changed": "due date changed",
    "corrected": "corrected",
    "added": "added",
    "edited": "edited",
    "window_opened": "recertification window opened",
    "expired": "expired",
    "route_added": "added",
    "route_removed": "removed",
    "exception_raised": "exception raised",
    "exception_resolved": "exception resolved",
    "self_enrolled": "self-enrolled",
    "withdrawn": "withdrawn",
    "removed": "removed",
    "created": "created",
}
KEYS = {
    "assignment": "Assignment",
    "name": "Name",
    "type": "Type",
    "state": "State",
    "reason": "Reason",
    "resolution": "Resolution",
    "group": "Group",
    "self_enrolled": "Self-enrolled",
    "joined_at": "Joined",
    "include_children": "Include children",
    "due_kind": "Assignment due date",
    "due_fixed_at": "Fixed date",
    "due_amount": "Complete within",
    "due_unit": "Unit",
    "due_event": "Event",
    "path": "Path",
    "status": "Status",
    "renewal_status": "Renewal status",
    "due_date": "Due date",
    "completion_date": "Completion date",
    "window_opens": "Window opens",
    "expiry_date": "Expiry date",
    "baseline_expiry": "Baseline expiry",
    "archived_at": "Archived",
}
# Ids that sit beside the name they stand for: the name is shown, the id never.
HIDDEN_KEYS = frozenset({"group_id"})
UNKNOWN_ASSIGNMENT = "a deleted assignment"

_values: dict[str, dict[str, str]] = {
    "status": dict(RecordStatus.choices),
    "renewal_status": dict(RenewalStatus.choices),
    "path": dict(CertificationPath.choices),
    "due_unit": dict(PeriodUnit.choices),
}
_assignment_names: list[Callable[[Iterable[int]], dict[int, str]]] = []


def register_audit_vocabulary(
    *, values: dict[str, dict[str, str]], assignment_names: Callable[[Iterable[int]], dict[int, str]]
) -> None:
    """``values``: for a key, its stored values' labels; ``assignment_names(ids)``: names by id (one query)."""
    for key, labels in values.items():
        _values.setdefault(key, {}).update(labels)
    if assignment_names not in _assignment_names:
        _assignment_names.append(assignment_names)


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def assignment_names_for(events) -> dict[int, str]:
    """The names of every assignment the events' values refer to by id (one query per source)."""
    ids = {
        _as_id(values.get("assignment"))
        for event in events
        for values in (event.before, event.after)
        if isinstance(values, dict) and "assignment" in values and "name" not in values
    }
    ids.discard(None)
    names: dict[int, str] = {}
    for source in _assignment_names if ids else ():
        names.update(source(ids))
    return names


def event_words(subject: str, action: str) -> str:
    """``group_membership`` / ``self_enrolled`` → "Group membership: self-enrolled"."""
    what = SUBJECTS.get(subject, subject.replace("_", " ").capitalize())
    return f"{what}: {ACTIONS.get(action, action.replace('_', ' '))}"


def _text(key: str, value, names: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "assignment":
        return names.get(_as_id(value), UNKNOWN_ASSIGNMENT)
    if isinstance(value, str):
        if key in _values:
            return _values[key].get(value, value.replace("_", " ").capitalize())
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return format_datetime(moment)
        return format_date(moment)
    return str(value)


def value_words(values: dict | None, names: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """An audit row's before/after as (label, text): labels, words, dates in the viewer's timezone."""
    values = values or {}
    shown = []
    for key, value in values.items():
        if key in HIDDEN_KEYS or (key == "assignment" and "name" in values):
            continue
        shown.append((KEYS.get(key, key.replace("_", " ").capitalize()), _text(key, value, names or {})))
    return shown
