"""The SQL function that keeps a computed due date (event + period) inside the stored bounds on PostgreSQL.

``LEAST(sum, latest)`` would turn an unknown event (NULL) into the latest date; the function keeps
NULL as NULL and names the sum once. SQLite computes the sum in Python (``certlms_add_period``).
"""

from django.db import migrations

from certlms.dates import STORED_LATEST

CREATE = f"""
CREATE OR REPLACE FUNCTION certlms_clamp_latest(value timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value > '{STORED_LATEST.isoformat()}'::timestamptz
                THEN '{STORED_LATEST.isoformat()}'::timestamptz ELSE value END
$$;
"""
DROP = "DROP FUNCTION IF EXISTS certlms_clamp_latest(timestamptz);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("assignments", "0006_recompute_job_heartbeat")]

    operations = [migrations.RunPython(create, drop)]
