"""One row per piece of background work, written in the transaction of the change that needs it."""

from django.db import models


class OutboxMessage(models.Model):
    """A Celery task to send: its name and its keyword arguments (ids only), until the broker has it.

    ``claimed_until`` is the lease of the process that is publishing the row; a process that dies
    while publishing leaves a lease that expires, and the drain takes the row again.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent_idx"),
            models.Index(fields=["sent_at"], name="outbox_sent_at_idx"),
        ]

    def __str__(self) -> str:
        state = f"sent {self.sent_at:%Y-%m-%d %H:%M:%S}" if self.sent_at else "unsent"
        return f"{self.task} ({state})"
