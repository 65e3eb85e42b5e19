"""Domain errors of the notifications app."""


class NotificationError(Exception):
    """Base of the notifications app's errors."""


class MessageTextError(NotificationError):
    """A message's subject or body cannot be saved; ``problems`` maps each field to its messages."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(message for messages in problems.values() for message in messages))
