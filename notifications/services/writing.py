"""Writing the messages to deliver: event messages in the transaction of their cause, time-based ones by
the sweep. Each is one ``INSERT … SELECT``, never a loop per learner.

Time-based messages carry the learner's cycle (``cycle_start``: the completion that began it, or the
assignment for a first certification); a unique constraint on (message, learner, cycle) with
``ON CONFLICT DO NOTHING`` makes each at most once per cycle, however many sweeps run at once.
"""

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import QuerySet

from certifications.models import CertificationRecord, RecordStatus, RenewalStatus
from certifications.signals import RecordEvent
from certifications.sql import db_datetime, queryset_sql, table
from outbox.services import enqueue

from ..models import CertificationMessage, Delivery, MessageType

logger = logging.getLogger(__name__)

EVENT_MESSAGES = {
    RecordEvent.ENROLLED: MessageType.ENROLMENT,
    RecordEvent.UNENROLLED: MessageType.UNENROLMENT,
    RecordEvent.CERTIFIED: MessageType.COMPLETED,
    RecordEvent.WINDOW_OPENED: MessageType.WINDOW_OPEN,
    RecordEvent.EXPIRED: MessageType.EXPIRED,
}
_COLUMNS = "message_id, user_id, certification_id, cycle_start, created_at"


def _insert(select_sql: str, params: tuple) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table(Delivery)} ({_COLUMNS}) {select_sql} ON CONFLICT DO NOTHING", params)
        return cursor.rowcount


def _deliver_later() -> None:
    from ..tasks import deliver

    enqueue(deliver)


def deliveries_for_event(*, event: str, learners: QuerySet, now: dt.datetime) -> int:
    """Write the message of ``event`` for every learner of ``learners`` (rows with ``user_id`` and
    ``certification_id``) whose certification has it enabled; one statement. Call it in the
    transaction of the change. Returns rows written."""
    message_type = EVENT_MESSAGES.get(event)
    if message_type is None:
        return 0
    learners_sql, learners_params = queryset_sql(learners)
    written = _insert(
        f"SELECT m.id, l.user_id, l.certification_id, NULL, %s FROM ({learners_sql}) l "
        f"JOIN {table(CertificationMessage)} m ON m.certification_id = l.certification_id "
        f"AND m.type = %s AND m.enabled = %s",
        (db_datetime(now), *learners_params, message_type.value, True),
    )
    if written:
        _deliver_later()
    return written


def _time_based_sql(message_type: str) -> str:
    """The records a time-based message is due for, given ``%s`` now and ``%s`` the offset's threshold."""
    if message_type == MessageType.DUE:
        return "r.status <> %s AND r.due_date > %s AND r.due_date <= %s"
    if message_type == MessageType.OVERDUE:
        return "r.status <> %s AND r.due_date <= %s"
    return "r.status = %s AND r.renewal_status = %s AND r.expiry_date > %s AND r.expiry_date <= %s"


def _time_based_params(message_type: str, now: dt.datetime, days: int) -> tuple:
    if message_type == MessageType.DUE:
        return (RecordStatus.CERTIFIED.value, db_datetime(now), db_datetime(now + dt.timedelta(days=days)))
    if message_type == MessageType.OVERDUE:
        return (RecordStatus.CERTIFIED.value, db_datetime(now - dt.timedelta(days=days)))
    return (
        RecordStatus.CERTIFIED.value,
        RenewalStatus.DUE.value,
        db_datetime(now),
        db_datetime(now + dt.timedelta(days=days)),
    )


TIME_BASED = (MessageType.DUE, MessageType.OVERDUE, MessageType.WINDOW_CLOSING)


def sweep(*, now: dt.datetime) -> int:
    """Write every time-based message now due (Certification due, overdue, window due to close), once
    per learner, certification and cycle. One ``INSERT … SELECT``: a ``UNION ALL`` of one branch per
    message type and offset in use; a second sweep (or one running beside it) writes nothing.
    Returns rows written."""
    in_use = (
        CertificationMessage.objects.filter(type__in=TIME_BASED, enabled=True, offset_days__isnull=False)
        .values_list("type", "offset_days")
        .distinct()
        .order_by("type", "offset_days")
    )
    branches, params = [], []
    for message_type, days in in_use:
        branches.append(
            f"SELECT m.id, r.user_id, r.certification_id, COALESCE(r.completion_date, r.assigned_at), %s "
            f"FROM {table(CertificationRecord)} r JOIN {table(CertificationMessage)} m "
            f"ON m.certification_id = r.certification_id AND m.type = %s AND m.enabled = %s "
            f"AND m.offset_days = %s WHERE {_time_based_sql(message_type)}"
        )
        params += [db_datetime(now), message_type, True, days, *_time_based_params(message_type, now, days)]
    if not branches:
        return 0
    with transaction.atomic():
        written = _insert(" UNION ALL ".join(branches), tuple(params))
        if written:
            _deliver_later()
    if written:
        logger.info("Notifications sweep: %d messages to deliver", written)
    return written
