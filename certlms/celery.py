"""The Celery application: the background worker and beat of certlms."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certlms.settings.local")

app = Celery("certlms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
