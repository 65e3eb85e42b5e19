"""Before the readable-date constraints: out-of-bounds stored dates become NULL, or are clamped where required.

See docs/decisions/0062-readable-date-range.md.
"""

from django.db import migrations

from certlms.dates import repair_stored_dates


def repair(apps, schema_editor):
    for model, field, date_only in (
        ("CertificationRecord", "due_date", False),
        ("CertificationRecord", "completion_date", False),
        ("CertificationRecord", "window_opens", False),
        ("CertificationRecord", "expiry_date", False),
        ("CertificationRecord", "baseline_expiry", False),
        ("CertificationRecordHistory", "due_date", False),
        ("CertificationRecordHistory", "completion_date", False),
        ("CertificationRecordHistory", "window_opens", False),
        ("CertificationRecordHistory", "expiry_date", False),
        ("CertificationRecordHistory", "baseline_expiry", False),
        ("CertificationRecordHistory", "archived_at", False),
    ):
        repair_stored_dates(apps.get_model("certifications", model), field, date_only=date_only)


class Migration(migrations.Migration):
    dependencies = [("certifications", "0003_audit_fewer_indexes")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
