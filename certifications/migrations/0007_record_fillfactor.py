"""Learners' records leave half of each page free, so that rewriting a record's dates is a HOT update
(decision 0144): no index is touched when no indexed column changes. PostgreSQL only; the setting
applies to pages written from now on (an existing site may ``VACUUM FULL`` the table once, in a
maintenance window, to apply it to old pages: docs/deployment.md)."""

from django.db import migrations

FILLFACTOR = 50


def _set(apps, schema_editor, value: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("certifications", "CertificationRecord")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} {value}")


def forwards(apps, schema_editor):
    _set(apps, schema_editor, f"SET (fillfactor = {FILLFACTOR})")


def backwards(apps, schema_editor):
    _set(apps, schema_editor, "RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("certifications", "0006_bulk_audit_learners_no_record_fks")]

    operations = [migrations.RunPython(forwards, backwards)]
