"""Turn events of lower apps into Celery tasks, recorded in the outbox in the change's transaction."""

from django.dispatch import receiver

from courses.signals import course_completed
from outbox.services import enqueue


@receiver(course_completed, dispatch_uid="certifications.course_completed")
def on_course_completed(sender, user_id: int, course_id: int, actor_id: int | None = None, **kwargs) -> None:
    from .tasks import course_progress

    enqueue(course_progress, user_id=user_id, course_id=course_id, actor_id=actor_id)
