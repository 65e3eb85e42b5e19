"""Every site has the embedded "Record of Learning: Certifications" report."""

from django.db import migrations

COLUMNS = [
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
]


def create(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    Report.objects.get_or_create(
        embedded="record_of_learning_certifications",
        defaults={
            "name": "Record of Learning: Certifications",
            "source": "certification_overview",
            "columns": [{"key": key, "heading": ""} for key in COLUMNS],
            "filters": [],
            "default_sort": "certification_fullname",
            "access": "all",
            "content": "own",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("reporting", "Report").objects.filter(embedded="record_of_learning_certifications").delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_membership_view")]

    operations = [migrations.RunPython(create, remove)]
