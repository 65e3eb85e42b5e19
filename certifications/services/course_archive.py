"""Archiving course completions when a recertification window opens.

The courses app owns this (``courses.services.completions_archive``); until it is there, the same
set-based copy-and-delete is done here.
"""

import datetime as dt

from django.db import connection, transaction

from courses.models import CourseCompletion, CourseCompletionHistory

from ..sql import db_datetime, table


def completions_archive(*, user_ids: list[int], course_ids: list[int], now: dt.datetime, reason: str) -> int:
    """Copy the learners' completions of the courses to course-completion history and delete them."""
    try:
        from courses.services import completions_archive as owned
    except ImportError:
        owned = None
    if owned is not None:
        return owned(user_ids=user_ids, course_ids=course_ids, now=now, reason=reason)
    if not user_ids or not course_ids:
        return 0
    users = ", ".join(["%s"] * len(user_ids))
    courses = ", ".join(["%s"] * len(course_ids))
    where = f"user_id IN ({users}) AND course_id IN ({courses})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(CourseCompletionHistory)} (user_id, course_id, completed_at, archived_at, reason) "
            f"SELECT user_id, course_id, completed_at, %s, %s FROM {table(CourseCompletion)} WHERE {where}",
            (db_datetime(now), reason, *user_ids, *course_ids),
        )
        cursor.execute(f"DELETE FROM {table(CourseCompletion)} WHERE {where}", (*user_ids, *course_ids))
        return cursor.rowcount
