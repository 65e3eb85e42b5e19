"""Delivery of the written messages: a notification for every recipient, then email at the server's pace.

Both steps claim their rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and a lease, so workers side by
side never take the same row, and a worker killed mid-batch releases its rows when the lease ends.
A notification exists once per delivery and recipient (a unique constraint), and its email is marked
sent only after the mail server accepted it; a refusal is retried with backoff, then shown as failed.
"""

import datetime as dt
import logging
import smtplib
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from certifications.models import CertificationRecord
from directory.models import JobAssignment

from ..models import Delivery, EmailState, Notification, NotificationPreference
from .rendering import certification_path, group_names, message_values, rendered, user_timezone

logger = logging.getLogger(__name__)


def connection_lost(error: OSError) -> bool:
    """Whether ``error`` ended the connection (the rest of the batch waits for the next run), rather
    than the server refusing one message (the batch goes on). smtplib's errors are all ``OSError``s."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return not isinstance(error, smtplib.SMTPException)


def _claim(queryset: QuerySet, *, lease_field: str, now: dt.datetime, limit: int) -> list:
    """Lease up to ``limit`` rows of ``queryset`` that no one holds, oldest first."""
    free = Q(**{f"{lease_field}__isnull": True}) | Q(**{f"{lease_field}__lt": now})
    with transaction.atomic():
        rows = list(queryset.filter(free).select_for_update(skip_locked=True).order_by("id")[:limit])
        lease = now + dt.timedelta(seconds=settings.NOTIFICATION_LEASE)
        queryset.model.objects.filter(pk__in=[row.pk for row in rows]).update(**{lease_field: lease})
    return rows


def _managers(user_ids: set[int]) -> dict[int, list[int]]:
    managers: dict[int, list[int]] = defaultdict(list)
    rows = (
        JobAssignment.objects.filter(user_id__in=user_ids, manager__isnull=False, manager__is_active=True)
        .values_list("user_id", "manager_id")
        .distinct()
    )
    for user_id, manager_id in rows:
        if manager_id not in managers[user_id]:
            managers[user_id].append(manager_id)
    return managers


def email_turned_off(users) -> set[int]:
    """The ids of ``users`` (users or their ids) who turned **Email me notifications** off."""
    return set(
        NotificationPreference.objects.filter(user__in=users, email_enabled=False).values_list("user_id", flat=True)
    )


def new_notification(*, recipient, email_off: set[int], **fields) -> Notification:
    """A notification for ``recipient``, its email waiting unless they turned email off or have no address."""
    state, reason = EmailState.PENDING, ""
    if recipient.pk in email_off:
        state, reason = EmailState.OFF, "The recipient turned email off."
    elif not recipient.email:
        state, reason = EmailState.OFF, "The recipient has no email address."
    return Notification(recipient=recipient, email_state=state, email_error=reason, **fields)


def deliveries_expand(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Turn up to ``limit`` written messages into their recipients' notifications. Returns messages done."""
    now = now or timezone.now()
    pending = Delivery.objects.filter(expanded_at__isnull=True)
    claimed = [d.pk for d in _claim(pending, lease_field="claimed_until", now=now, limit=limit)]
    if not claimed:
        return 0
    # A delivery whose message or certification is gone (no database constraint, decision 0104) is
    # left out here and marked done below: nobody is told.
    deliveries = list(Delivery.objects.filter(pk__in=claimed).select_related("message", "certification"))
    pairs = {(d.user_id, d.certification_id) for d in deliveries}
    managers = _managers({d.user_id for d in deliveries if d.message.copy_to_manager})
    people = {
        user.pk: user
        for user in get_user_model()
        .objects.filter(
            pk__in={d.user_id for d in deliveries} | {m for ms in managers.values() for m in ms}, is_active=True
        )
        .select_related("profile")
    }
    email_off = email_turned_off(people)
    records = {
        (r.user_id, r.certification_id): r
        for r in CertificationRecord.objects.filter(
            user_id__in={u for u, _ in pairs}, certification_id__in={c for _, c in pairs}
        )
    }
    groups = group_names(pairs)
    paths = {c: certification_path(c) for _, c in pairs}
    notifications = []
    for delivery in deliveries:
        learner = people.get(delivery.user_id)
        if learner is None:  # deactivated since: nobody is told
            continue
        key = (delivery.user_id, delivery.certification_id)
        for recipient_id in [delivery.user_id, *managers.get(delivery.user_id, [])]:
            recipient = people[recipient_id]
            values = message_values(
                learner=learner,
                certification=delivery.certification,
                record=records.get(key),
                group_name=groups.get(key, ""),
                tz=user_timezone(recipient),
                path=paths[delivery.certification_id],
            )
            subject, body = rendered(delivery.message, values)
            notifications.append(
                new_notification(
                    recipient=recipient,
                    email_off=email_off,
                    delivery=delivery,
                    subject=subject,
                    body=body,
                    url=paths[delivery.certification_id],
                    created_at=now,
                )
            )
    with transaction.atomic():
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        Delivery.objects.filter(pk__in=claimed).update(expanded_at=now, claimed_until=None)
    return len(claimed)


def retry_at(attempts: int, now: dt.datetime) -> dt.datetime:
    """When a refused email is tried again: the backoff doubles with each attempt."""
    return now + dt.timedelta(seconds=settings.NOTIFICATION_EMAIL_BACKOFF * 2 ** (attempts - 1))


def _failed(notification: Notification, error: Exception, now: dt.datetime) -> None:
    attempts = notification.email_attempts + 1
    last = attempts >= settings.NOTIFICATION_EMAIL_ATTEMPTS
    reason = f"{type(error).__name__}: {error}"[:1000]
    Notification.objects.filter(pk=notification.pk).update(
        email_attempts=attempts,
        email_error=reason,
        email_state=EmailState.FAILED if last else EmailState.PENDING,
        email_next_try_at=None if last else retry_at(attempts, now),
        email_claimed_until=None,
    )
    logger.warning("Email of notification %s failed (attempt %d): %s", notification.pk, attempts, reason)


def _marked_sent(accepted: list[Notification]) -> int:
    """Mark sent, in one statement, emails the mail server accepted."""
    if accepted:
        Notification.objects.filter(pk__in=[n.pk for n in accepted]).update(
            email_state=EmailState.SENT,
            email_sent_at=timezone.now(),
            email_attempts=F("email_attempts") + 1,
            email_error="",
            email_claimed_until=None,
        )
    return len(accepted)


def emails_send(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send up to ``limit`` waiting emails through one connection; returns how many the server accepted.

    An email is marked sent only after the server accepted it, by one statement for every
    ``NOTIFICATION_MARK_EVERY`` accepted (and for the rest at the end, whatever happened): a worker
    killed mid-batch leaves at most that many accepted emails unmarked, sent again when their lease
    ends (decision 0105)."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(email_state=EmailState.PENDING).filter(
        Q(email_next_try_at__isnull=True) | Q(email_next_try_at__lte=now)
    )
    rows = _claim(waiting, lease_field="email_claimed_until", now=now, limit=limit)
    if not rows:
        return 0
    addresses = dict(get_user_model().objects.filter(pk__in={n.recipient_id for n in rows}).values_list("pk", "email"))
    sent, accepted = 0, []  # accepted: by the mail server, not marked yet
    connection = get_connection(fail_silently=False)
    try:
        for index, notification in enumerate(rows):
            email = EmailMessage(
                subject=notification.subject,
                body=notification.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[addresses[notification.recipient_id]],
                connection=connection,
            )
            try:
                connection.open()  # the first time only: the whole batch goes over one connection
                email.send()
            except OSError as error:  # smtplib's errors too
                _failed(notification, error, now)
                if connection_lost(error) or getattr(connection, "connection", None) is None:  # never opened
                    rest = [n.pk for n in rows[index + 1 :]]
                    Notification.objects.filter(pk__in=rest).update(email_claimed_until=None)
                    break
                continue
            accepted.append(notification)
            if len(accepted) >= settings.NOTIFICATION_MARK_EVERY:
                sent += _marked_sent(accepted)
                accepted = []
    finally:
        sent += _marked_sent(accepted)
        try:
            connection.close()
        except OSError:  # smtplib's errors too
            logger.info("The mail server closed the connection first")
    return sent


def more_to_deliver(now: dt.datetime) -> bool:
    """Whether messages or emails wait now (so the delivery task goes on with another batch)."""
    return (
        Delivery.objects.filter(expanded_at__isnull=True).exists()
        or Notification.objects.filter(email_state=EmailState.PENDING)
        .filter(Q(email_next_try_at__isnull=True) | Q(email_next_try_at__lte=now))
        .exists()
    )
