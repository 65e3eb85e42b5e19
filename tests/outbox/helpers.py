"""Reading what a change handed to the outbox."""

from outbox.models import OutboxMessage


def relayed(callbacks, task_name: str) -> list:
    """The on-commit callbacks (``outbox.services.relay`` partials) that relay rows of ``task_name``:
    other apps may add work of their own to the same change (the notifications app: its delivery)."""
    return [
        callback
        for callback in callbacks
        if getattr(callback, "args", None) and OutboxMessage.objects.filter(pk__in=callback.args[0], task=task_name)
    ]
