"""Small builders the notifications tests share."""

from notifications.models import Delivery, MessageType
from notifications.services import deliveries_expand, emails_send


def written(type_: str | None = None, **filters) -> list[tuple[int, str]]:
    """(learner id, message type) of the written messages, oldest first."""
    rows = Delivery.objects.filter(**filters).order_by("id")
    if type_ is not None:
        rows = rows.filter(message__type=type_)
    return list(rows.values_list("user_id", "message__type"))


def deliver_all(now) -> tuple[int, int]:
    """Run delivery to the end, as the ``messages`` worker does batch after batch."""
    expanded = sent = 0
    while True:
        batch = deliveries_expand(now=now), emails_send(now=now)
        if batch == (0, 0):
            return expanded, sent
        expanded, sent = expanded + batch[0], sent + batch[1]


__all__ = ["MessageType", "deliver_all", "written"]
