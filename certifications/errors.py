"""Domain errors raised by certification services."""


class CertificationError(Exception):
    """Base of the certifications app's domain errors."""


class RecordStateError(CertificationError):
    """A record's fields do not fit its status; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
