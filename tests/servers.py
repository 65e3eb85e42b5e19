"""Real servers that tests start for themselves on a port of their own, and waiting for a condition."""

import os
import select
import shutil
import socket
import subprocess
import time

import pytest


def wait_for(condition, *, seconds: float, what: str, every=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if every is not None:
            every()
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process on a port of its own; ``start`` returns once it accepts connections."""

    def __init__(self, executable: str, directory) -> None:
        self.executable, self.directory = executable, directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30) -> None:
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        output = self.process.stdout.fileno()
        log = b""
        deadline = time.monotonic() + timeout
        while b"Ready to accept connections" not in log and (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([output], [], [], left)
            chunk = os.read(output, 4096) if readable else b""
            if not chunk and self.process.poll() is not None:
                break
            log += chunk
        if b"Ready to accept connections" not in log:
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}: {log.decode(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.process is not None:
            self.process.stdout.close()
        self.process = None


def started_redis(directory) -> RedisServer:
    """A redis-server of the test's own, started (the test is skipped where Redis is not installed)."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(executable, directory)
    server.start()
    return server
