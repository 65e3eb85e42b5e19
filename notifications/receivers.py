"""What the notifications app hears from the apps below it; receivers write rows in the sender's transaction."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from assignments import signals as assignment_signals
from certifications.models import Certification
from certifications.signals import records_changed

from .services import deliveries_for_event, messages_create_defaults
from .services.requests import APPROVED, CREATED, DENIED, request_notices


@receiver(records_changed, dispatch_uid="notifications.records_changed")
def write_event_messages(sender, *, event: str, learners, now, quiet: bool = False, **kwargs) -> None:
    if not quiet:
        deliveries_for_event(event=event, learners=learners, now=now)


@receiver(post_save, sender=Certification, dispatch_uid="notifications.certification_created")
def give_default_messages(sender, *, instance: Certification, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        messages_create_defaults(certification_ids=[instance.pk])


def _request_receiver(event: str):
    def write_request_notices(sender, *, user_id, certification_id, reason: str = "", **kwargs) -> None:
        request_notices(
            event=event, user_id=user_id, certification_id=certification_id, reason=reason, now=timezone.now()
        )

    return write_request_notices


# Approval requests (DOMAIN §10): the manager hears of a request, the learner of the decision.
for _signal, _event in (
    (assignment_signals.enrolment_request_created, CREATED),
    (assignment_signals.enrolment_request_approved, APPROVED),
    (assignment_signals.enrolment_request_denied, DENIED),
):
    _signal.connect(_request_receiver(_event), dispatch_uid=f"notifications.request_{_event}", weak=False)
