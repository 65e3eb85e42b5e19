import datetime as dt
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.test_worker_killed import not_eager, redis_url  # noqa: F401  (fixtures of the -m worker test)

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def now():
    return NOW


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MailServer:
    """A real SMTP server on a loopback port: what it accepted, and the addresses it refuses."""

    port: int
    received: list = field(default_factory=list)
    refuse: set = field(default_factory=set)
    # The client's (address, port) of each accepted message: one SMTP connection per distinct peer.
    peers: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((tuple(envelope.rcpt_tos), message["Subject"], message.get_content()))
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[tuple[str, str]]:
        return [(subject, body) for recipients, subject, body in self.received if address in recipients]


@pytest.fixture
def smtp_server(settings):
    """An aiosmtpd server started for the test; Django sends to it through the SMTP backend."""
    server = MailServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    controller.stop()
