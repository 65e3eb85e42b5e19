"""Events the courses app sends to the apps above it, inside the change's transaction, ids only.

Receivers record their work in the outbox, which commits or rolls back with the change (decision 0060).

- ``course_completed(user_id: int, course_id: int, actor_id: int | None)`` — a learner's course completion
  was recorded, by ``actor_id`` (the learner themself for "Mark as complete", an administrator, or ``None``).
"""

from django.dispatch import Signal

course_completed = Signal()
