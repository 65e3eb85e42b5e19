# Every certification that exists before this app gets the default messages (DOMAIN §9).

from django.db import migrations


def give_defaults(apps, schema_editor):
    from notifications.defaults import DEFAULTS

    Certification = apps.get_model('certifications', 'Certification')
    CertificationMessage = apps.get_model('notifications', 'CertificationMessage')
    ids = list(Certification.objects.values_list('pk', flat=True))
    rows = [
        CertificationMessage(certification_id=pk, type=str(type_), **values)
        for pk in ids
        for type_, values in DEFAULTS.items()
    ]
    CertificationMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [migrations.RunPython(give_defaults, migrations.RunPython.noop)]
