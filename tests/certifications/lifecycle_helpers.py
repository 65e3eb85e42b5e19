"""What the lifecycle tests share: dates at 09:00 UTC, course completions, the sweeps' actor label."""

import datetime as dt

from courses.models import CourseCompletion

LABEL = "test sweep"


def at(*args):
    return dt.datetime(*args, 9, 0, tzinfo=dt.UTC)


def complete(user, course, when):
    CourseCompletion.objects.update_or_create(user=user, course=course, defaults={"completed_at": when})
