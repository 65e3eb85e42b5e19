"""Test settings: fast hashing, tasks run eagerly in the test process."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The one test that starts a real worker (-m worker) uses Redis when CELERY_BROKER_URL names it (CI),
# and an in-process broker otherwise.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
if CELERY_BROKER_URL.startswith("memory://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.05}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A site's replica is not the tests' one: the replica tests start their own (tests/scale/test_replica.py).
DATABASES.pop("replica", None)  # noqa: F405
