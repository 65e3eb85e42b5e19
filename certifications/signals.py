"""Events the certifications app sends to the apps above it, inside the change's transaction.

- ``records_changed(event: str, learners: QuerySet, now: datetime)`` — learners' records went
  through ``event`` (one of ``RecordEvent``). ``learners`` is a query (never a list) yielding
  ``user_id`` and ``certification_id`` of exactly the records that changed, so that a receiver can
  write its rows with one ``INSERT … SELECT`` for 100,000 learners; it is read inside the same
  transaction. Sent only when at least one record may have changed.
"""

from django.db import models
from django.dispatch import Signal

records_changed = Signal()


class RecordEvent(models.TextChoices):
    ENROLLED = "enrolled", "Assigned"
    UNENROLLED = "unenrolled", "Unassigned"
    CERTIFIED = "certified", "Certified"
    WINDOW_OPENED = "window_opened", "Recertification window opened"
    EXPIRED = "expired", "Expired"
