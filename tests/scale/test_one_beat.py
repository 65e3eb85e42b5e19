"""Exactly one beat (decision 0111): the lock against a real Redis, the file lock, and two real beats."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from certlms.beat import FileLock, RedisLock
from tests.servers import started_redis, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
SENT = "Sending due task outbox drain"


@pytest.fixture
def redis(tmp_path):
    server = started_redis(tmp_path)
    yield server
    server.stop()


def test_the_redis_lock_is_held_by_one_beat_at_a_time(redis):
    first = RedisLock(redis.url, key="beat", ttl=30)
    second = RedisLock(redis.url, key="beat", ttl=30)
    assert first.hold()
    assert first.hold()  # renewing
    assert not second.hold()
    assert first.holder() == first.token
    first.release()
    assert second.hold()
    assert not first.hold()


def test_a_lock_not_renewed_ends_by_itself(redis):
    dead = RedisLock(redis.url, key="beat", ttl=0.3)
    assert dead.hold()
    standby = RedisLock(redis.url, key="beat", ttl=30)
    wait_for(standby.hold, seconds=10, what="the standby takes the lock once the first one's ends")
    assert not dead.hold()


def test_with_redis_down_the_lock_is_not_held(redis):
    lock = RedisLock(redis.url, key="beat", ttl=30)
    redis.stop()
    assert not lock.hold()


def test_the_file_lock_of_one_machine(tmp_path):
    first, second = FileLock(tmp_path / "beat.lock"), FileLock(tmp_path / "beat.lock")
    assert first.hold()
    assert not second.hold()
    first.release()
    assert second.hold()


def start_beat(redis_url: str, directory: Path, name: str) -> tuple[subprocess.Popen, Path]:
    log = directory / f"{name}.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "certlms.settings.local",
        "CELERY_BROKER_URL": redis_url,
        "OUTBOX_DRAIN_INTERVAL": "0.5",
        "BEAT_LOCK_TTL": "3",
    }
    command = [sys.executable, "-m", "celery", "-A", "certlms", "beat", "--loglevel=INFO"]
    command += ["--schedule", str(directory / f"{name}-schedule")]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return process, log


@pytest.mark.worker
def test_a_second_beat_schedules_nothing_until_the_first_stops(redis, tmp_path):
    first, first_log = start_beat(redis.url, tmp_path, "first")
    second = None
    try:
        wait_for(lambda: SENT in first_log.read_text(), seconds=30, what="the first beat sends the drain")
        second, second_log = start_beat(redis.url, tmp_path, "second")
        wait_for(
            lambda: "Another beat holds the beat lock" in second_log.read_text(),
            seconds=30,
            what="the second beat finds the lock held",
        )
        sends = first_log.read_text().count(SENT)
        wait_for(lambda: first_log.read_text().count(SENT) >= sends + 3, seconds=30, what="the first goes on")
        assert SENT not in second_log.read_text()

        first.send_signal(signal.SIGKILL)  # no chance to release: the lock ends by itself
        first.wait(timeout=10)
        wait_for(lambda: SENT in second_log.read_text(), seconds=30, what="the second beat takes over")
        assert "Beat lock taken" in second_log.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
