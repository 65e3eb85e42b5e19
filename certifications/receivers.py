"""Turn events of lower apps into Celery tasks, enqueued once the transaction commits."""

from functools import partial

from django.db import transaction
from django.dispatch import receiver

from courses.signals import course_completed


@receiver(course_completed, dispatch_uid="certifications.course_completed")
def on_course_completed(sender, user_id: int, course_id: int, actor_id: int | None = None, **kwargs) -> None:
    from .tasks import course_progress

    transaction.on_commit(partial(course_progress.delay, user_id, course_id, actor_id=actor_id))
