"""Celery entry points of notifications: delivery (queue ``messages``), the time-based sweep, the digest."""

import logging

from celery import shared_task
from celery.schedules import crontab
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from certlms.celery import app
from outbox.services import enqueue

from .services import deliveries_expand, digest_send, emails_send, sweep
from .services.delivery import more_to_deliver

logger = logging.getLogger(__name__)

QUEUE = "messages"
DELIVER_TASK = "notifications.deliver"
SWEEP_TASK = "notifications.sweep"
DIGEST_TASK = "notifications.digest"


@shared_task(name=DELIVER_TASK, queue=QUEUE)
def deliver() -> dict:
    """One batch: written messages become notifications, then waiting emails go to the mail server.

    Safe to run twice and side by side (rows are leased); while more waits, it enqueues its next batch.
    """
    now = timezone.now()
    expanded = deliveries_expand(now=now, limit=settings.NOTIFICATION_BATCH_SIZE)
    sent = emails_send(now=now, limit=settings.NOTIFICATION_BATCH_SIZE)
    if (expanded or sent) and more_to_deliver(timezone.now()):
        with transaction.atomic():
            enqueue(deliver)
    return {"expanded": expanded, "sent": sent}


@shared_task(name=SWEEP_TASK)
def sweep_due_messages() -> int:
    """Write the time-based messages now due (Certification due, overdue, window due to close)."""
    return sweep(now=timezone.now())


@shared_task(name=DIGEST_TASK, queue=QUEUE)
def daily_digest() -> int:
    """The day's digest of enrolments awaiting site administrators."""
    written = digest_send(now=timezone.now())
    if written:
        with transaction.atomic():
            enqueue(deliver)
    return written


@app.on_after_finalize.connect
def register_periodic_tasks(sender, **kwargs) -> None:
    sender.add_periodic_task(settings.NOTIFICATION_SWEEP_INTERVAL, sweep_due_messages.s(), name="notifications sweep")
    # Picks up emails waiting for their retry, and any delivery whose task was lost.
    sender.add_periodic_task(settings.NOTIFICATION_DELIVER_INTERVAL, deliver.s(), name="notifications delivery")
    sender.add_periodic_task(
        crontab(hour=settings.NOTIFICATION_DIGEST_HOUR, minute=0), daily_digest.s(), name="notifications digest"
    )
