"""Reads the notifications pages share."""

from dataclasses import dataclass

from django.db.models import Prefetch

from .models import CertificationMessage, Delivery, EmailState, MessageType, Notification

TYPE_ORDER = {value: index for index, value in enumerate(MessageType.values)}


def certification_messages(certification_id: int) -> list[CertificationMessage]:
    """The certification's messages in the order of DOMAIN §9's table."""
    messages = CertificationMessage.objects.filter(certification_id=certification_id)
    return sorted(messages, key=lambda message: TYPE_ORDER[message.type])


@dataclass(frozen=True)
class RecipientState:
    name: str
    state: str
    reason: str


@dataclass(frozen=True)
class RecentMessage:
    delivery: Delivery
    recipients: list[RecipientState]

    @property
    def state(self) -> str:
        """The message's state as the administrator reads it."""
        if self.delivery.expanded_at is None:
            return "Waiting to be sent"
        states = {recipient.state for recipient in self.recipients}
        if EmailState.FAILED.label in states:
            return "Failed"
        if EmailState.PENDING.label in states:
            return "Being sent"
        return "Sent"


def recent_messages(certification_id: int, *, limit: int = 50) -> list[RecentMessage]:
    """The certification's latest messages with each recipient's email state: three queries."""
    deliveries = (
        Delivery.objects.filter(certification_id=certification_id)
        .select_related("message", "user")
        .prefetch_related(
            Prefetch("notifications", queryset=Notification.objects.select_related("recipient").order_by("id"))
        )
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        RecentMessage(
            delivery=delivery,
            recipients=[
                RecipientState(
                    name=n.recipient.get_full_name() or n.recipient.username,
                    state=EmailState(n.email_state).label,
                    reason=n.email_error,
                )
                for n in delivery.notifications.all()
            ],
        )
        for delivery in deliveries
    ]


def notifications_for(user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
