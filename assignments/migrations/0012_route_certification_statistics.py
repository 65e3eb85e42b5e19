"""The routes' statistics of ``certification_id`` keep 10 most common values (decision 0145)."""

from django.db import migrations

from certlms.planner import certification_statistics


class Migration(migrations.Migration):
    dependencies = [("assignments", "0011_routes_no_db_constraints")]

    operations = [certification_statistics("assignments", "UserAssignment")]
