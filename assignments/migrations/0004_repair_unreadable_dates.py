"""Before the readable-date constraints: out-of-bounds stored dates become NULL, or are clamped where required.

See docs/decisions/0062-readable-date-range.md.
"""

from django.db import migrations

from certlms.dates import repair_stored_dates


def repair(apps, schema_editor):
    for model, field, date_only in (
        ("UserAssignment", "due_date", False),
        ("UserAssignment", "due_override", False),
    ):
        repair_stored_dates(apps.get_model("assignments", model), field, date_only=date_only)


class Migration(migrations.Migration):
    dependencies = [("assignments", "0003_route_covering_indexes_only")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
