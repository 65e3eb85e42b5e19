"""The view behind the Certification membership source: current records and former members."""

from django.db import migrations

COLUMNS = "id, user_id, certification_id, membership, path, status, renewal_status, due_date, completion_date, window_opens, expiry_date, assigned_at, unassigned_at"

VIEW = """
CREATE VIEW reporting_membership ({columns}) AS
SELECT r.id, r.user_id, r.certification_id, 'assigned', r.path, r.status, r.renewal_status,
       r.due_date, r.completion_date, r.window_opens, r.expiry_date, r.assigned_at, {null_ts}
FROM certifications_certificationrecord r
UNION ALL
SELECT -h.id, h.user_id, h.certification_id, 'unassigned', h.path, h.status, h.renewal_status,
       h.due_date, h.completion_date, h.window_opens, h.expiry_date, {null_ts}, h.archived_at
FROM certifications_certificationrecordhistory h
WHERE h.unassigned
  AND NOT EXISTS (SELECT 1 FROM certifications_certificationrecord r2
                  WHERE r2.user_id = h.user_id AND r2.certification_id = h.certification_id)
  AND NOT EXISTS (SELECT 1 FROM certifications_certificationrecordhistory h2
                  WHERE h2.user_id = h.user_id AND h2.certification_id = h.certification_id AND h2.unassigned
                    AND (h2.archived_at > h.archived_at OR (h2.archived_at = h.archived_at AND h2.id > h.id)))
"""


def create_view(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    null_ts = "CAST(NULL AS timestamp with time zone)" if postgres else "NULL"
    schema_editor.execute(VIEW.format(columns=COLUMNS, null_ts=null_ts))


def drop_view(apps, schema_editor):
    schema_editor.execute("DROP VIEW IF EXISTS reporting_membership")


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("certifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_view, drop_view)]
