"""A certification's messages, the messages to deliver, each user's notifications and their preference (DOMAIN §9)."""

from django.conf import settings
from django.db import models


class MessageType(models.TextChoices):
    ENROLMENT = "enrolment", "Enrolment"
    UNENROLMENT = "unenrolment", "Unenrolment"
    DUE = "due", "Certification due"
    OVERDUE = "overdue", "Certification overdue"
    COMPLETED = "completed", "Certification completed"
    WINDOW_OPEN = "window_open", "Recertification window open"
    WINDOW_CLOSING = "window_closing", "Recertification window due to close"
    EXPIRED = "expired", "Failure to recertify"


class CertificationMessage(models.Model):
    """One message of a certification's Messages tab: what is sent, when, and to whom beside the learner."""

    certification = models.ForeignKey("certifications.Certification", on_delete=models.CASCADE, related_name="messages")
    type = models.CharField(max_length=16, choices=MessageType.choices)
    enabled = models.BooleanField("Enabled", default=True)
    subject = models.CharField("Subject", max_length=255)
    body = models.TextField("Body")
    # Days before (due, window closing) or after (overdue) the date; null for event messages.
    offset_days = models.PositiveSmallIntegerField("Days", null=True, blank=True)
    copy_to_manager = models.BooleanField("Also send to the learner's manager", default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certification", "type"], name="certification_message_unique")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.certification_id})"


class Delivery(models.Model):
    """A message to deliver about one learner: written in the transaction of its cause (an event) or by
    the sweep (time-based), then turned into notifications and email by the ``messages`` workers.

    ``cycle_start`` (time-based messages only) names the learner's certification cycle; the unique
    constraint makes each time-based message at most once per learner, certification and cycle. Event
    messages have no cycle (null), and nulls are distinct: the constraint never stops them.
    """

    # No database constraints on these keys, and no index of their own (decision 0104): the sweep writes
    # 100,000s of rows in one statement, and PostgreSQL checked three keys of every row at commit (more
    # than half the sweep's time). What protects instead: Django cascades the deletion of a user or a
    # certification (its messages are deleted only with it, so the certification's cascade removes
    # their deliveries), and expansion skips a delivery whose learner, message or certification is gone.
    message = models.ForeignKey(
        CertificationMessage, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    # Indexed by the once-per-cycle constraint (user first).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # Indexed by delivery_certification_idx (certification first).
    certification = models.ForeignKey(
        "certifications.Certification",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    cycle_start = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    # Set once its notifications exist; until then a worker that claimed it holds a lease.
    expanded_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Not partial, so that it also serves the cascade of a user's deletion (user first).
            models.UniqueConstraint(fields=["user", "message", "cycle_start"], name="delivery_once_per_cycle")
        ]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(expanded_at__isnull=True), name="delivery_pending_idx"),
            models.Index(fields=["certification", "-created_at"], name="delivery_certification_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message} for {self.user_id}"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    OFF = "off", "Not sent by email"


class Notification(models.Model):
    """What one recipient reads in their Notifications, and the state of its email."""

    # No index of their own: notification_recipient_idx and notification_once lead with them, and every
    # index is written again when an email is marked sent (the state is in a partial index's condition).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    # The daily digest to site administrators has no delivery; one per administrator and day.
    digest_on = models.DateField(null=True, blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=8, choices=EmailState.choices, default=EmailState.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)
    email_next_try_at = models.DateTimeField(null=True, blank=True)
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "recipient"], condition=models.Q(delivery__isnull=False), name="notification_once"
            ),
            models.UniqueConstraint(
                fields=["digest_on", "recipient"], condition=models.Q(digest_on__isnull=False), name="digest_once"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(
                fields=["email_next_try_at"],
                condition=models.Q(email_state="pending"),
                name="notification_email_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email_enabled = models.BooleanField("Email me notifications", default=True)

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}"
