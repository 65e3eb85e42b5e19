"""Services of the certifications app; other apps import these names from here."""

from .audit import audit_insert_select, audit_write, record_snapshot
from .dates import PeriodDates, certification_period_dates, period_dates
from .lifecycle import (
    record_progress,
    records_expire,
    records_progress_for_course,
    records_progress_repair,
    records_window_open,
)
from .record_dates import record_due_dates_apply
from .records import record_assign_many, record_unassign_many

__all__ = [
    "PeriodDates",
    "certification_period_dates",
    "period_dates",
    "record_progress",
    "records_expire",
    "records_progress_for_course",
    "records_progress_repair",
    "records_window_open",
    "audit_insert_select",
    "audit_write",
    "record_assign_many",
    "record_due_dates_apply",
    "record_snapshot",
    "record_unassign_many",
]
