"""What the notifications app hears from the apps below it; receivers write rows in the sender's transaction."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from certifications.models import Certification
from certifications.signals import records_changed

from .services import deliveries_for_event, messages_create_defaults


@receiver(records_changed, dispatch_uid="notifications.records_changed")
def write_event_messages(sender, *, event: str, learners, now, quiet: bool = False, **kwargs) -> None:
    if not quiet:
        deliveries_for_event(event=event, learners=learners, now=now)


@receiver(post_save, sender=Certification, dispatch_uid="notifications.certification_created")
def give_default_messages(sender, *, instance: Certification, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        messages_create_defaults(certification_ids=[instance.pk])
