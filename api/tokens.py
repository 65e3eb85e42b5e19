"""The secret of an API token: how it is made and how it is looked up."""

import hashlib
import secrets

TOKEN_PREFIX = "clms_"  # noqa: S105 - a marker, not a secret
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    """SHA-256 of the secret: a random 256-bit secret needs no slow hash, and one digest finds it by index."""
    return hashlib.sha256(secret.encode()).hexdigest()
