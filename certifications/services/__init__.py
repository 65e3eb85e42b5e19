"""Services of the certifications app; other apps import these names from here."""

from .audit import audit_insert_select, audit_write, record_snapshot
from .records import record_assign_many, record_due_dates_apply, record_unassign_many

__all__ = [
    "audit_insert_select",
    "audit_write",
    "record_assign_many",
    "record_due_dates_apply",
    "record_snapshot",
    "record_unassign_many",
]
