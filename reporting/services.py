"""Changes to user reports: create, update, copy, delete, and the embedded Record of learning report."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from .errors import ReportError
from .models import RECORD_OF_LEARNING_CERTIFICATIONS, AccessRule, ContentRule, Report
from .sources import get_source

RECORD_OF_LEARNING_NAME = "Record of Learning: Certifications"
RECORD_OF_LEARNING_SOURCE = "certification_overview"
RECORD_OF_LEARNING_COLUMNS = (
    "certification_fullname",
    "due_date",
    "path",
    "status",
    "renewal_status",
    "window_opens",
    "expiry_date",
    "completion_date",
    "previous_completions",
    "progress",
)


def _clean_columns(source_key: str, columns: list[dict]) -> list[dict]:
    source = get_source(source_key)
    seen, cleaned = set(), []
    for entry in columns:
        key = entry.get("key", "")
        if source.column(key) is None:
            raise ReportError(f"The report source has no column {key!r}.")
        if key not in seen:
            seen.add(key)
            cleaned.append({"key": key, "heading": (entry.get("heading") or "").strip()})
    return cleaned


def _clean_filters(source_key: str, filters: list[str]) -> list[str]:
    source = get_source(source_key)
    for key in filters:
        if source.filter(key) is None:
            raise ReportError(f"The report source has no filter {key!r}.")
    return list(dict.fromkeys(filters))


def report_create(*, name: str, source: str, actor: AbstractBaseUser | None = None) -> Report:
    """A new report of the source with its default columns and the Assignment type filter."""
    found = get_source(source)
    if found is None:
        raise ReportError("Choose a report source.")
    with transaction.atomic():
        return Report.objects.create(
            name=name.strip(),
            source=source,
            columns=[{"key": key, "heading": ""} for key in found.default_columns],
            filters=[],
            default_sort="id",
            created_by=actor,
        )


def report_update(
    *,
    report: Report,
    name: str,
    columns: list[dict],
    filters: list[str],
    default_sort: str,
    default_sort_descending: bool,
    access: str,
    content: str,
) -> Report:
    """Save a report's definition; an embedded report keeps its name and its rules."""
    source = get_source(report.source)
    if default_sort != "id" and (source.column(default_sort) is None or not source.column(default_sort).sortable):
        raise ReportError("Choose a column to sort by.")
    if access not in AccessRule.values or content not in ContentRule.values:
        raise ReportError("Choose who may see the report and which records it shows.")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.columns = _clean_columns(report.source, columns)
        report.filters = _clean_filters(report.source, filters)
        report.default_sort = default_sort
        report.default_sort_descending = default_sort_descending
        if not report.embedded:
            report.name = name.strip()
            report.access = access
            report.content = content
        report.save()
        return report


def report_copy(*, report: Report, actor: AbstractBaseUser | None = None) -> Report:
    with transaction.atomic():
        return Report.objects.create(
            name=f"Copy of {report.name}",
            source=report.source,
            columns=list(report.columns),
            filters=list(report.filters),
            default_sort=report.default_sort,
            default_sort_descending=report.default_sort_descending,
            access=report.access,
            content=report.content,
            created_by=actor,
        )


def report_delete(*, report: Report) -> None:
    if report.embedded:
        raise ReportError("An embedded report can be edited but not deleted.")
    with transaction.atomic():
        report.delete()


def record_of_learning_report() -> Report:
    """The embedded "Record of Learning: Certifications" report (made by a migration; restored if missing)."""
    report, _ = Report.objects.get_or_create(
        embedded=RECORD_OF_LEARNING_CERTIFICATIONS,
        defaults={
            "name": RECORD_OF_LEARNING_NAME,
            "source": RECORD_OF_LEARNING_SOURCE,
            "columns": [{"key": key, "heading": ""} for key in RECORD_OF_LEARNING_COLUMNS],
            "default_sort": "certification_fullname",
            "access": AccessRule.ALL,
            "content": ContentRule.OWN,
        },
    )
    return report
