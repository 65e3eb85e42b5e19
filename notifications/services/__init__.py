"""Services of the notifications app."""

from .delivery import deliveries_expand, emails_send
from .digest import digest_send
from .messages import message_update, messages_create_defaults
from .writing import deliveries_for_event, sweep

__all__ = [
    "deliveries_expand",
    "deliveries_for_event",
    "digest_send",
    "emails_send",
    "message_update",
    "messages_create_defaults",
    "sweep",
]
