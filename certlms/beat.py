"""Exactly one beat (decision 0111): the running beat holds a lock, and a second beat schedules nothing.

``SingleBeatScheduler`` is Celery's persistent scheduler that ticks only while it holds the beat
lock. With a Redis broker the lock is a key in that Redis (``SET NX PX``, renewed every tick, with
a time to live of ``BEAT_LOCK_TTL`` seconds, so a beat that died frees it within that time); with
any other broker (the file-system broker of ``make run``, one machine) it is an exclusive ``flock``
on a file beside the schedule. A beat without the lock stands by and tries again every third of
the time to live, so it takes over soon after the running beat stops.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import uuid
from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

# Renews the key only while it is still ours (another beat may hold it after ours expired).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLock:
    """A lock in Redis that its holder renews; it ends ``ttl`` seconds after the last renewal."""

    def __init__(self, url: str, *, key: str, ttl: float) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.key = key
        self.ttl_ms = int(ttl * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"

    def hold(self) -> bool:
        """Take the lock or renew it; False while another holds it (or Redis cannot be reached)."""
        import redis

        try:
            if self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms):
                return True
            return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except redis.RedisError as error:
            logger.warning("Beat lock: Redis cannot be reached (%s); scheduling nothing until it can", error)
            return False

    def release(self) -> None:
        import redis

        try:
            self.client.eval(_RELEASE, 1, self.key, self.token)
        except redis.RedisError:
            logger.warning("Beat lock: could not release it; it ends by itself in %s ms", self.ttl_ms)

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value is not None else None


class FileLock:
    """An exclusive ``flock`` on a file: held until released or until its process ends (one machine)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = None

    def hold(self) -> bool:
        if self.file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.file = handle
        return True

    def release(self) -> None:
        if self.file is not None:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None


def beat_lock(broker_url: str):
    """The lock the beat of this site holds: in the broker's Redis, or a file on this machine."""
    if broker_url.startswith(("redis://", "rediss://")):
        return RedisLock(broker_url, key=settings.BEAT_LOCK_KEY, ttl=settings.BEAT_LOCK_TTL)
    return FileLock(Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).with_suffix(".lock"))


class SingleBeatScheduler(PersistentScheduler):
    """Ticks (sends due tasks) only while this beat holds the beat lock."""

    def __init__(self, *args, **kwargs) -> None:
        self.lock = beat_lock(settings.CELERY_BROKER_URL)
        self.holding: bool | None = None  # not asked yet: the first tick says which it is
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs) -> float:
        retry = settings.BEAT_LOCK_TTL / 3
        held = self.lock.hold()
        if held != self.holding:
            self.holding = held
            if held:
                logger.info("Beat lock taken: this beat schedules the periodic tasks")
            else:
                logger.warning("Another beat holds the beat lock: this one schedules nothing and stands by")
        if not held:
            return retry
        return min(super().tick(*args, **kwargs), retry)

    def close(self) -> None:
        super().close()
        if self.holding:
            self.lock.release()
            self.holding = False
