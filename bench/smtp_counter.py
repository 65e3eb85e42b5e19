"""An aiosmtpd handler for B9: it accepts every message and writes each recipient to a file, one a line.

Started by bench/b9_notifications.py as ``python -m aiosmtpd -n -l 127.0.0.1:PORT -c bench.smtp_counter.Counter FILE``.
"""


class Counter:
    def __init__(self, path: str):
        self.file = open(path, "a", buffering=1)  # noqa: SIM115 - kept open for the server's life

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.file.write("".join(f"{recipient}\n" for recipient in envelope.rcpt_tos))
        return "250 Message accepted for delivery"
