"""What the dropped foreign-key constraints of the records protected (decision 0072), kept another way.

Deletes go through Django, which cascades a user's or a certification's records (and the learners a
bulk audit event names) as it did with the constraints. What Django cannot see is a delete that races
a set-based write: an assignment inserting 100,000 records while one of those users is deleted may
leave that user's record behind. ``records_orphans_remove`` (run by the hourly assignment sweep)
deletes such records, set-based (anti-joins over the primary keys).
"""

from django.db import connection

from ..models import AuditEvent, AuditLearner, Certification, CertificationRecord
from ..sql import table, user_table


def _delete_without(model, column: str, parent: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table(model)} WHERE {column} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {parent} p WHERE p.id = {table(model)}.{column})"
        )
        return cursor.rowcount


def records_orphans_remove() -> int:
    """Delete current records whose learner or certification no longer exists, and the (learner, event)
    rows of bulk audit events whose learner or event is gone. Returns rows deleted."""
    return (
        _delete_without(CertificationRecord, "user_id", user_table())
        + _delete_without(CertificationRecord, "certification_id", table(Certification))
        + _delete_without(AuditLearner, "user_id", user_table())
        + _delete_without(AuditLearner, "event_id", table(AuditEvent))
    )
