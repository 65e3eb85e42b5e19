"""Record background work in the transaction of the change; hand it to Celery once committed.

``enqueue`` writes an ``OutboxMessage`` (rolled back with the change) and asks, on commit, for
``relay`` to publish it at once. A broker that cannot be reached costs the request a short,
bounded wait (the broker timeouts of the settings) and a log line, never an error: the row stays
unsent and ``drain`` (a periodic task, every ``OUTBOX_DRAIN_INTERVAL`` seconds) publishes it later.
The rows describe work by ids and every task is safe to run twice, so a row published twice (a
process that died after publishing and before marking) changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from celery import Task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from certlms.celery import app

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# How long a process may take to publish the rows it claimed before another may take them again.
CLAIM_LEASE = dt.timedelta(seconds=60)


def enqueue(task: Task | str, **kwargs) -> OutboxMessage:
    """Record that ``task`` must run with these keyword arguments (ids only, JSON) once this commits.

    Call it inside the transaction of the change: a rollback removes the row with the change.
    """
    message = OutboxMessage.objects.create(task=task if isinstance(task, str) else task.name, kwargs=kwargs)
    transaction.on_commit(partial(relay, [message.pk]))
    return message


def relay(message_ids: Iterable[int]) -> int:
    """Publish these committed rows now (those no other process is publishing). Returns how many were sent."""
    return _publish(_claim(OutboxMessage.objects.filter(pk__in=list(message_ids))))


def drain(*, batch_size: int | None = None) -> int:
    """Publish every unsent row, oldest first, a batch at a time; stop at the first broker error.

    Concurrent drains (and relays) skip the rows another one holds (``FOR UPDATE SKIP LOCKED`` on
    PostgreSQL, then a lease). Returns how many rows were sent.
    """
    batch_size = batch_size or settings.OUTBOX_DRAIN_BATCH_SIZE
    sent = 0
    while True:
        rows = _claim(OutboxMessage.objects.all(), limit=batch_size)
        if not rows:
            return sent
        published = _publish(rows)
        sent += published
        if published < len(rows):
            return sent


def prune(*, now: dt.datetime) -> int:
    """Delete the rows sent longer ago than ``OUTBOX_KEEP_SENT`` seconds. Returns how many."""
    cutoff = now - dt.timedelta(seconds=settings.OUTBOX_KEEP_SENT)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted


def _claim(messages: QuerySet, limit: int | None = None) -> list[OutboxMessage]:
    """Lease the unsent, unleased rows among ``messages`` (at most ``limit``) to this process."""
    now = timezone.now()
    free = Q(sent_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    with transaction.atomic():
        # SQLite has no row locks (Django ignores select_for_update there); its writes are serial anyway.
        candidates = messages.filter(free).select_for_update(skip_locked=True).order_by("id")
        rows = list(candidates[:limit] if limit else candidates)
        OutboxMessage.objects.filter(free, pk__in=[row.pk for row in rows]).update(claimed_until=now + CLAIM_LEASE)
    return rows


def _publish(rows: list[OutboxMessage]) -> int:
    """Hand the claimed rows to Celery in order and mark each sent; at a broker error, release the rest."""
    errors = _broker_errors()
    for index, row in enumerate(rows):
        try:
            _send(row)
        except errors as error:
            logger.warning(
                "Broker unreachable (%s): %s outbox row(s) left for the drain, from %s (%s)",
                error,
                len(rows) - index,
                row.pk,
                row.task,
            )
            OutboxMessage.objects.filter(pk=row.pk).update(
                claimed_until=None, attempts=F("attempts") + 1, last_error=str(error)[:1000]
            )
            OutboxMessage.objects.filter(pk__in=[later.pk for later in rows[index + 1 :]]).update(claimed_until=None)
            return index
        OutboxMessage.objects.filter(pk=row.pk).update(
            sent_at=timezone.now(), claimed_until=None, attempts=F("attempts") + 1, last_error=""
        )
    return len(rows)


def _send(row: OutboxMessage) -> None:
    """One publish, without Celery's publish retries (the drain is the retry)."""
    task = app.tasks.get(row.task)
    if task is None:  # a task this process has not imported: publish it by name
        app.send_task(row.task, kwargs=row.kwargs, retry=False)
    else:  # honours task_always_eager, so tests run the work through this same path
        task.apply_async(kwargs=row.kwargs, retry=False)


def _broker_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of the configured transport that mean "the broker cannot be reached"."""
    connection = app.connection_for_write()
    try:
        return (OperationalError, *connection.connection_errors, *connection.channel_errors)
    finally:
        connection.release()
