"""Events the certifications app sends to the apps above it, inside the change's transaction.

- ``records_changed(event: str, learners: QuerySet, now: datetime, quiet: bool)`` — learners'
  records went through ``event`` (one of ``RecordEvent``). ``learners`` is a query (never a list)
  yielding ``user_id`` and ``certification_id`` of exactly the records that changed, so that a
  receiver can write its rows with one ``INSERT … SELECT`` for 100,000 learners; it is read inside
  the same transaction. ``quiet``: the administrator asked that this change send no enrolment
  messages (``enrolment_messages(False)`` around it). Sent only when a record may have changed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.dispatch import Signal

records_changed = Signal()

_enrolment_messages: ContextVar[bool] = ContextVar("enrolment_messages", default=True)


@contextmanager
def enrolment_messages(enabled: bool) -> Iterator[None]:
    """Within this block, learners assigned or unassigned are announced as ``quiet`` unless ``enabled``
    (the **Send enrolment messages** choice of a large assignment change)."""
    token = _enrolment_messages.set(enabled)
    try:
        yield
    finally:
        _enrolment_messages.reset(token)


def enrolment_messages_enabled() -> bool:
    return _enrolment_messages.get()


class RecordEvent(models.TextChoices):
    ENROLLED = "enrolled", "Assigned"
    UNENROLLED = "unenrolled", "Unassigned"
    CERTIFIED = "certified", "Certified"
    WINDOW_OPENED = "window_opened", "Recertification window opened"
    EXPIRED = "expired", "Expired"
