"""Demo reports: Record of learning with the learner's routes, a membership report, a manager's team report.

Idempotent: reports are found by name and created only when missing.
"""

from .models import AccessRule, ContentRule, Report
from .services import record_of_learning_report

DEMO_REPORTS = [
    {
        "name": "Certification membership by assignment",
        "source": "certification_membership",
        "columns": [
            "user_name",
            "user_organisation",
            "certification_fullname",
            "membership",
            "status",
            "assignment_type",
            "assignment_name",
        ],
        "filters": ["assignment_type", "certification", "membership", "user_name"],
        "default_sort": "user_name",
        "access": AccessRule.ADMINS,
        "content": ContentRule.ALL,
    },
    {
        "name": "My team's certifications",
        "source": "certification_completion",
        "columns": [
            "user_name",
            "user_position",
            "certification_fullname",
            "rag_status",
            "due_date",
            "expiry_date",
            "assignment_type",
            "assignment_name",
        ],
        "filters": ["rag_status", "assignment_type", "user_name"],
        "default_sort": "due_date",
        "access": AccessRule.MANAGERS,
        "content": ContentRule.STAFF,
    },
]


def load(*, stdout) -> None:
    # Record of learning shows the learner's routes, as an administrator would configure it.
    embedded = record_of_learning_report()
    keys = [c["key"] for c in embedded.columns]
    missing = [key for key in ("assignment_type", "assignment_name") if key not in keys]
    if missing or "assignment_type" not in embedded.filters:
        embedded.columns += [{"key": key, "heading": ""} for key in missing]
        embedded.filters = [*dict.fromkeys([*embedded.filters, "assignment_type"])]
        embedded.save()
    for spec in DEMO_REPORTS:
        if Report.objects.filter(name=spec["name"], embedded="").exists():
            continue
        Report.objects.create(
            name=spec["name"],
            source=spec["source"],
            columns=[{"key": key, "heading": ""} for key in spec["columns"]],
            filters=spec["filters"],
            default_sort=spec["default_sort"],
            access=spec["access"],
            content=spec["content"],
        )
    stdout.write("Reporting demo data loaded.")
