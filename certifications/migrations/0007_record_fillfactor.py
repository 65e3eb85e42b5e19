"""Learners' records leave half of each page free, so that rewriting a record's dates is a HOT update
(decision 0144): no index is touched when no indexed column changes. PostgreSQL only; the setting
applies to pages written from now on (an existing site may ``VACUUM FULL`` the table once, in a
maintenance window, to apply it to old pages: docs/deployment.md)."""

from django.db import migrations

from certlms.planner import table_setting

FILLFACTOR = 50


class Migration(migrations.Migration):
    dependencies = [("certifications", "0006_bulk_audit_learners_no_record_fks")]

    operations = [
        table_setting(
            "certifications",
            "CertificationRecord",
            [f"ALTER TABLE {{table}} SET (fillfactor = {FILLFACTOR})"],
            ["ALTER TABLE {table} RESET (fillfactor)"],
        )
    ]
