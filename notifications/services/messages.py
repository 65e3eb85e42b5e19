"""A certification's messages: their defaults and the administrator's edits."""

from collections.abc import Iterable

from django.db import transaction

from ..defaults import DEFAULTS
from ..errors import MessageTextError
from ..models import CertificationMessage
from ..placeholders import text_problems


def messages_create_defaults(*, certification_ids: Iterable[int]) -> int:
    """Give each certification the default messages it lacks (enabled, DOMAIN §9). Returns rows written."""
    rows = [
        CertificationMessage(certification_id=certification_id, type=type_, **values)
        for certification_id in certification_ids
        for type_, values in DEFAULTS.items()
    ]
    return len(CertificationMessage.objects.bulk_create(rows, ignore_conflicts=True))


def message_text_problems(*, subject: str, body: str) -> dict[str, list[str]]:
    """What keeps a subject and body from being saved, by field (empty when they may be)."""
    problems = {"subject": text_problems(subject), "body": text_problems(body)}
    if not subject.strip():
        problems["subject"].insert(0, "Enter a subject.")
    if not body.strip():
        problems["body"].insert(0, "Enter a body.")
    return {field: messages for field, messages in problems.items() if messages}


def message_update(
    *,
    message: CertificationMessage,
    enabled: bool,
    subject: str,
    body: str,
    copy_to_manager: bool,
    offset_days: int | None = None,
) -> CertificationMessage:
    """Save a message's settings; an empty subject or an unknown placeholder raises ``MessageTextError``."""
    problems = message_text_problems(subject=subject, body=body)
    if problems:
        raise MessageTextError(problems)
    with transaction.atomic():
        message.enabled = enabled
        message.subject = subject.strip()
        message.body = body.strip()
        message.copy_to_manager = copy_to_manager
        if message.offset_days is not None and offset_days is not None:
            message.offset_days = offset_days
        message.save()
    return message
