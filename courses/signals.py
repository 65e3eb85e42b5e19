"""Events the courses app sends to the apps above it, after the transaction commits, ids only.

- ``course_completed(user_id: int, course_id: int)`` — a learner's course completion was recorded.
"""

from django.dispatch import Signal

course_completed = Signal()
