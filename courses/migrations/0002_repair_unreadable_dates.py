"""Before the readable-date constraints: out-of-bounds stored dates become NULL, or are clamped where required.

See docs/decisions/0062-readable-date-range.md.
"""

from django.db import migrations

from certlms.dates import repair_stored_dates


def repair(apps, schema_editor):
    for model, field, date_only in (
        ("CourseCompletion", "completed_at", False),
        ("CourseCompletionHistory", "completed_at", False),
    ):
        repair_stored_dates(apps.get_model("courses", model), field, date_only=date_only)


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
