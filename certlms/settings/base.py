"""Settings shared by every environment; everything site-specific comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "certlms.apps.CertlmsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "outbox",
    "directory",
    "courses",
    "certifications",
    "assignments",
    "enrolment",
    "notifications",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "directory.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "certlms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "directory.context_processors.roles",
                "notifications.context_processors.bell",
            ],
        },
    },
]

WSGI_APPLICATION = "certlms.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file. WAL lets readers go on while one writes;
    # BEGIN IMMEDIATE takes the write lock at the start of a transaction, so a writer waits (up to
    # the timeout) instead of failing with "database is locked" when a read turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "directory.backends.SiteAdministratorBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Celery: Redis when CELERY_BROKER_URL is set; otherwise a file-system broker that needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_BROKER_DIR = BASE_DIR / "var" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Any process may send a task (demo_data, the web server), so the folders must exist first.
    for _folder in (_BROKER_DIR, BASE_DIR / "var" / "broker-processed", BASE_DIR / "var" / "broker-control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR),
        "data_folder_out": str(_BROKER_DIR),
        "processed_folder": str(BASE_DIR / "var" / "broker-processed"),
        "store_processed": False,
        "control_folder": str(BASE_DIR / "var" / "broker-control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Redelivery of the task of a killed worker (decision 0061): acknowledged after it ran, put back
# when its worker is lost, one message reserved per worker, and on Redis redelivered once the
# visibility timeout passes. Every task is a batch of seconds, so the time limit (the longest a
# task may run) stays below the visibility timeout and a running task is never delivered twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("BROKER_VISIBILITY_TIMEOUT", "120"))
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 50
# User ids per batch of a recompute job, one transaction and one task each: at 20,000 ids B3's
# longest transaction took 7.7 s on the 2-core bench machine (about 5 s on average), so 10,000
# keeps every one under the 5 s B3 allows, far inside the time limit above.
RECOMPUTE_BATCH_SIZE = int(os.environ.get("RECOMPUTE_BATCH_SIZE", "10000"))
# A set-based change of at least this many learners is audited in the bulk form on PostgreSQL: one
# event per distinct (before, after) and one (learner, event) row per learner (decision 0073).
AUDIT_BULK_MIN = int(os.environ.get("AUDIT_BULK_MIN", "1000"))
# A queued or running recompute job without a heartbeat for this many seconds is taken over by
# another worker (checked every half of it); after this many attempts it ends as failed.
RECOMPUTE_JOB_STALE_AFTER = int(os.environ.get("RECOMPUTE_JOB_STALE_AFTER", "60"))
RECOMPUTE_JOB_MAX_ATTEMPTS = int(os.environ.get("RECOMPUTE_JOB_MAX_ATTEMPTS", "5"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Periodic work registers itself here (app by app) under a descriptive name.
CELERY_BEAT_SCHEDULE: dict = {}
# Publishing must never hold a request for long (decision 0060): a short connection timeout and no
# publish retries; whatever cannot be published stays in the outbox for the drain.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# On Redis, the same options also carry the visibility timeout of redelivery (above).
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
# How often (seconds) the outbox drain sends the work the relay could not, in batches of this many rows.
OUTBOX_DRAIN_INTERVAL = float(os.environ.get("OUTBOX_DRAIN_INTERVAL", "5"))
OUTBOX_DRAIN_BATCH_SIZE = 500
# How long (seconds) sent outbox rows are kept before the drain deletes them.
OUTBOX_KEEP_SENT = 24 * 3600
# How often (seconds) the certification lifecycle sweep (windows, expiry) runs.
CERTIFICATION_LIFECYCLE_INTERVAL = int(os.environ.get("CERTIFICATION_LIFECYCLE_INTERVAL", "3600"))
# Records per batch task of that sweep (windows opened, certifications expired; decision 0110), and
# learners per batch whose course completions are applied one by one (the sweep's repair, and the
# progress of a large fresh assignment).
CERTIFICATION_LIFECYCLE_BATCH_SIZE = int(os.environ.get("CERTIFICATION_LIFECYCLE_BATCH_SIZE", "2000"))
CERTIFICATION_PROGRESS_BATCH_SIZE = int(os.environ.get("CERTIFICATION_PROGRESS_BATCH_SIZE", "200"))
# How often (seconds) the full assignment repair sweep runs.
ASSIGNMENT_SWEEP_INTERVAL = int(os.environ.get("ASSIGNMENT_SWEEP_INTERVAL", "3600"))

# Notifications (DOMAIN §9): links in messages start with SITE_URL; the sweep of time-based messages
# runs every NOTIFICATION_SWEEP_INTERVAL seconds, delivery every NOTIFICATION_DELIVER_INTERVAL (it
# also runs as soon as messages are written); a refused email is tried NOTIFICATION_EMAIL_ATTEMPTS
# times, waiting NOTIFICATION_EMAIL_BACKOFF seconds, doubled after each try.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
SITE_NAME = os.environ.get("SITE_NAME", "certlms")
NOTIFICATION_SWEEP_INTERVAL = int(os.environ.get("NOTIFICATION_SWEEP_INTERVAL", "900"))
NOTIFICATION_DELIVER_INTERVAL = int(os.environ.get("NOTIFICATION_DELIVER_INTERVAL", "60"))
NOTIFICATION_DIGEST_HOUR = int(os.environ.get("NOTIFICATION_DIGEST_HOUR", "7"))
NOTIFICATION_EMAIL_ATTEMPTS = int(os.environ.get("NOTIFICATION_EMAIL_ATTEMPTS", "5"))
NOTIFICATION_EMAIL_BACKOFF = int(os.environ.get("NOTIFICATION_EMAIL_BACKOFF", "60"))
# Messages per delivery task (one transaction per step, a few seconds of mail at most).
NOTIFICATION_BATCH_SIZE = int(os.environ.get("NOTIFICATION_BATCH_SIZE", "200"))
# How long (seconds) a worker holds the messages it claimed; a worker that died releases them after it.
NOTIFICATION_LEASE = int(os.environ.get("NOTIFICATION_LEASE", "90"))
# Emails the mail server accepted are marked sent by one statement for this many (decision 0105): at
# most this many are sent again if a worker is killed in the middle of a batch; 1 marks each alone.
NOTIFICATION_MARK_EVERY = int(os.environ.get("NOTIFICATION_MARK_EVERY", "20"))
# A report too large to count exactly shows PostgreSQL's estimate of its rows; the estimate is kept
# this many seconds in the cache, so the next pages skip the bounded count (decision 0116).
REPORT_ESTIMATE_SECONDS = int(os.environ.get("REPORT_ESTIMATE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Sign-in hardening, password reset and response headers (issue 9, item 7) -------------------
# Failed sign-ins are counted per username and, apart, per address (django-axes): the tenth wrong
# password locks that account, and ten from one address lock that address, for AXES_COOLOFF_MINUTES.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS.insert(0, "axes.backends.AxesStandaloneBackend")
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE += ["certlms.middleware.NoStoreMiddleware", "axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Retrying while locked out does not start the wait again: the lock ends AXES_COOLOFF_MINUTES after the tenth.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "certlms.views.signin_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# How many reverse proxies in front of the site append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "certlms.addresses.client_address"

# Password reset mail: SMTP from the environment here and in production; files or memory elsewhere.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "certlms <no-reply@localhost>")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60 * 24)))

# Content-Security-Policy (django-csp): everything from this site, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}

# --- Running at scale (issue 14): named queues, one beat, the replica, operations -----------------
# Named queues (decision 0110). `interactive`: one learner's work, answered in seconds (the default
# for any task not routed below); `bulk`: recomputes of many learners, sweeps and their batches;
# `messages`: notifications. A worker started without -Q takes all three (`make run`); a larger
# site runs workers per queue (`celery -A certlms worker -Q bulk`).
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in ("interactive", "bulk", "messages")]
# Routed by task name: exact names first, then the patterns in this order.
CELERY_TASK_ROUTES = {
    "certifications.course_progress": {"queue": "interactive"},
    "assignments.recompute_learners": {"queue": "interactive"},
    "assignments.recompute_learners_many": {"queue": "interactive"},
    "outbox.*": {"queue": "interactive"},
    "assignments.*": {"queue": "bulk"},
    "certifications.*": {"queue": "bulk"},
    "notifications.*": {"queue": "messages"},
}
# Exactly one beat (decision 0111): the running beat holds a lock (in the broker's Redis, or a file
# on this machine with the file-system broker); a second beat schedules nothing while it is held,
# and takes over within BEAT_LOCK_TTL seconds of the first one stopping.
CELERY_BEAT_SCHEDULER = "certlms.beat:SingleBeatScheduler"
BEAT_LOCK_KEY = os.environ.get("BEAT_LOCK_KEY", "certlms:beat-lock")
BEAT_LOCK_TTL = float(os.environ.get("BEAT_LOCK_TTL", "30"))
# Reports on a streaming replica (decision 0112): with REPLICA_DATABASE_URL, report pages, exports,
# the catalogue and Record of learning read from the `replica` database (certlms.db); every write,
# and a visitor's pages until the replica has replayed their last write, use the primary. A replica
# that cannot be reached within REPLICA_CONNECT_TIMEOUT seconds is left alone for REPLICA_RETRY_AFTER.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
REPLICA_CONNECT_TIMEOUT = int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "2"))
REPLICA_RETRY_AFTER = float(os.environ.get("REPLICA_RETRY_AFTER", "30"))
# How long (seconds) a visitor's last write is remembered (the replica is far behind if longer).
REPLICA_READ_OWN_WRITES_FOR = int(os.environ.get("REPLICA_READ_OWN_WRITES_FOR", "300"))
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
    )
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = REPLICA_CONNECT_TIMEOUT
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["certlms.db.ReplicaRouter"]
MIDDLEWARE.insert(0, "certlms.db.ReadOwnWritesMiddleware")  # outermost: after every write of the request
# Operations (decision 0113): health endpoints first of all, request ids in every log line, static
# files served by WhiteNoise (compressed, cache-forever names in production), short timeouts.
MIDDLEWARE[:0] = ["certlms.logs.RequestIdMiddleware", "certlms.health.HealthMiddleware"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "whitenoise.middleware.WhiteNoiseMiddleware"
)
# How long (seconds) /readyz waits for the database and for the broker.
READINESS_TIMEOUT = float(os.environ.get("READINESS_TIMEOUT", "2"))
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")
    )
for _database in DATABASES.values():
    # A persistent connection (DATABASE_CONN_MAX_AGE) is checked before a request reuses it.
    _database["CONN_HEALTH_CHECKS"] = env_bool("DATABASE_CONN_HEALTH_CHECKS", True)
# LOG_FORMAT=json: one JSON object per line (time, level, logger, request_id, message); otherwise text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "certlms.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "certlms.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# With JSON logs the worker and beat log through the same handler instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
# --- The JSON API (issue 15, DOMAIN §11; docs/decisions/0120-api-framework.md) ------------------
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "api"]
# Requests per token (or per signed-in user on the session) per period: second, minute, hour or day.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/minute")
REST_FRAMEWORK = {
    # The token first: an anonymous request is answered 401 with WWW-Authenticate: Bearer.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "certlms API",
    "DESCRIPTION": (
        "Certifications, their assignments and groups, learners' records, self-enrolment, course "
        "completions import, exceptions and reports. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, created under Preferences → API tokens) or, in the browser, "
        "with your session. Dates are ISO 8601 with their offset."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ResolutionEnum": "assignments.models.Resolution"},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "APPEND_COMPONENTS": {},
}
# The throttle counts in the default cache: Redis when CACHE_URL names one (every worker of a site
# then shares the count), this process's memory otherwise.
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}
    }
# --- The design system and the one date formatter (issue 11, decisions 0090 and 0091) ------------
# Bootstrap 5 from static/vendor; every form renders with its classes (certlms/forms.py), every
# django-tables2 table with its template; |when and |day read every date on every page.
INSTALLED_APPS += ["django.forms"]
FORM_RENDERER = "certlms.forms.BootstrapFormRenderer"
DJANGO_TABLES2_TEMPLATE = "django_tables2/certlms.html"
TEMPLATES[0]["OPTIONS"]["builtins"] = ["certlms.templatetags.when"]
