"""The records' statistics of ``certification_id`` keep 10 most common values (decision 0145)."""

from django.db import migrations

from certlms.planner import certification_statistics


class Migration(migrations.Migration):
    dependencies = [("certifications", "0007_record_fillfactor")]

    operations = [certification_statistics("certifications", "CertificationRecord")]
