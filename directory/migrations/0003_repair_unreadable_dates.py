"""Before the readable-date constraints: out-of-bounds stored dates become NULL, or are clamped where required.

See docs/decisions/0062-readable-date-range.md.
"""

from django.db import migrations

from certlms.dates import repair_stored_dates


def repair(apps, schema_editor):
    for model, field, date_only in (
        ("JobAssignment", "start_date", True),
        ("JobAssignment", "position_assigned_date", True),
        ("ProfileDateValue", "value", True),
    ):
        repair_stored_dates(apps.get_model("directory", model), field, date_only=date_only)


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_site_administrators_group")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
