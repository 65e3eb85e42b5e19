"""Gunicorn configuration of a certlms web server (``gunicorn -c gunicorn.conf.py certlms.wsgi``).

Every value comes from the environment, with defaults for one machine of a multi-machine site
(docs/deployment.md). Web servers are stateless: sessions are in the database, files in the
database or the object store, so the load balancer may send any request to any server.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Synchronous workers (the pages are database-bound and short); two per core plus one by default.
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request longer than this is killed: the heaviest page (a report) answers in well under a second;
# exports stream, and a stream counts as activity.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (an upgrade, a scale-in) a worker finishes the requests it has for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))  # above the load balancer's idle timeout
# Workers are replaced after this many requests (with jitter), so no slow leak grows for ever.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The load balancer's addresses, trusted for X-Forwarded-Proto (comma-separated; "*" behind a private network).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The request id (certlms.logs) in each access line, next to the time the request took (µs).
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s "%(a)s"'
# The workers' heartbeat files in memory, not on a disk that may be slow (a stalled disk would
# look like stalled workers). Gunicorn's own files only, never a request's data.
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", _SHM if os.path.isdir(_SHM) else None)
