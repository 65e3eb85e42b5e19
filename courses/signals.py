"""Events the courses app sends to the apps above it, inside the change's transaction, ids only.

Receivers record their work in the outbox, which commits or rolls back with the change (decision 0060).

- ``course_completed(user_id: int, course_id: int)`` — a learner's course completion was recorded.
"""

from django.dispatch import Signal

course_completed = Signal()
