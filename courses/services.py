"""Changes to course completions. ``course_complete`` signals inside its transaction; archiving sends nothing."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, QuerySet, Value

from . import signals
from .models import CourseCompletion, CourseCompletionHistory

logger = logging.getLogger(__name__)

Ids = Iterable[int] | QuerySet


def course_complete(
    *, user_id: int, course_id: int, completed_at: datetime, actor: AbstractBaseUser | None = None
) -> CourseCompletion:
    """Record that a learner completed a course (insert, or update the time of the current record).

    Sends ``course_completed`` inside the transaction when the record was created or its time changed;
    recording the same completion again changes nothing and sends nothing.
    """
    with transaction.atomic():
        completion, created = CourseCompletion.objects.select_for_update().get_or_create(
            user_id=user_id, course_id=course_id, defaults={"completed_at": completed_at}
        )
        changed = created or completion.completed_at != completed_at
        if not created and changed:
            completion.completed_at = completed_at
            completion.save(update_fields=["completed_at"])
        if changed:
            logger.info(
                "Course %s completion of user %s recorded at %s by %s",
                course_id,
                user_id,
                completed_at.isoformat(),
                getattr(actor, "pk", None) or "the system",
            )
            actor_id = actor.pk if actor is not None and actor.is_authenticated else None
            signals.course_completed.send(
                sender=CourseCompletion, user_id=user_id, course_id=course_id, actor_id=actor_id
            )
    return completion


def completions_archive(*, user_ids: Ids, course_ids: Ids, now: datetime, reason: str) -> int:
    """Move the current completions of these users in these courses to the history, set-based.

    One ``INSERT … SELECT`` copies them to ``CourseCompletionHistory`` (archived at ``now``, with
    ``reason``) and the same rows are deleted; on PostgreSQL both happen in one statement
    (``WITH moved AS (DELETE … RETURNING) INSERT …``), so a completion recorded concurrently is
    either archived or kept, never lost. Sends no signal. Returns the number of rows archived.
    """
    current = CourseCompletion.objects.filter(user_id__in=user_ids, course_id__in=course_ids)
    history = CourseCompletionHistory._meta.db_table
    columns = "user_id, course_id, completed_at, archived_at, reason"
    try:
        current.values("pk").query.sql_with_params()
    except EmptyResultSet:  # an empty list of users or courses: nothing to archive
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            where_sql, params = current.values("pk").query.sql_with_params()
            table = CourseCompletion._meta.db_table
            sql = (
                f"WITH moved AS (DELETE FROM {table} WHERE id IN ({where_sql}) "
                f"RETURNING user_id, course_id, completed_at) "
                f"INSERT INTO {history} ({columns}) SELECT user_id, course_id, completed_at, %s, %s FROM moved"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, (*params, now, reason))
                return cursor.rowcount
        select = current.annotate(
            archived=Value(now, output_field=DateTimeField()), why=Value(reason, output_field=CharField())
        ).values_list("user_id", "course_id", "completed_at", "archived", "why")
        select_sql, params = select.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {history} ({columns}) {select_sql}", params)
            archived = cursor.rowcount
        current.delete()
        return archived
