"""The periodic drain of the outbox: sends what the relay could not, and prunes what was sent."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from certlms.celery import app

from . import services

logger = logging.getLogger(__name__)

DRAIN_TASK = "outbox.drain"


@shared_task(name=DRAIN_TASK, time_limit=120, soft_time_limit=100, ignore_result=True)
def drain() -> dict:
    """Publish the unsent rows and delete old sent ones. Safe to run twice, and concurrently."""
    sent = services.drain()
    pruned = services.prune(now=timezone.now())
    if sent or pruned:
        logger.info("Outbox drain: %s sent, %s pruned", sent, pruned)
    return {"sent": sent, "pruned": pruned}


@app.on_after_finalize.connect
def register_periodic_tasks(sender, **kwargs) -> None:
    # Expires with the next run: a drain that waited in a queue longer than that is obsolete.
    sender.add_periodic_task(
        settings.OUTBOX_DRAIN_INTERVAL,
        drain.s(),
        name="outbox drain",
        expires=settings.OUTBOX_DRAIN_INTERVAL,
    )
