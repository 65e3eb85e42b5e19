"""Development settings: `make run` on a fresh machine."""

import os
import warnings

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-only-key-do-not-deploy"

# `make run`: password reset mail and notifications go to files under var/mail/ (a file per batch sent).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"  # noqa: F405

# Static files straight from static/ (no collectstatic in development); no collected folder to warn about.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
