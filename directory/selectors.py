"""Reads about the directory that other apps share."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from .models import JobAssignment


def _staff_cte_sql() -> str:
    table = JobAssignment._meta.db_table
    user_col = JobAssignment._meta.get_field("user").column
    manager_col = JobAssignment._meta.get_field("manager").column
    # UNION (not UNION ALL) stops the recursion on cycles (A manages B, B manages A).
    return (
        f"WITH RECURSIVE staff(user_id) AS ("  # noqa: S608 - table and column names come from the model
        f"SELECT {user_col} FROM {table} WHERE {manager_col} = %s "
        f"UNION SELECT ja.{user_col} FROM {table} ja INNER JOIN staff ON ja.{manager_col} = staff.user_id"
        f") SELECT user_id FROM staff WHERE user_id <> %s"
    )


def staff_user_ids(manager_id: int, *, all_levels: bool) -> QuerySet:
    """The ids of the users who report to ``manager_id`` through a job assignment.

    ``all_levels=False``: direct reports only. ``all_levels=True``: everyone below them, through
    manager chains of any depth (a recursive CTE on PostgreSQL and SQLite). Either way it is one
    query, and the result is a ``values_list`` queryset of distinct ids that can also be used as a
    subquery: ``Record.objects.filter(user_id__in=staff_user_ids(m, all_levels=True))``.
    The manager is never their own staff.
    """
    users = get_user_model().objects
    if all_levels:
        reached = RawSQL(_staff_cte_sql(), (manager_id, manager_id))  # noqa: S611 - only names from the model
    else:
        reached = JobAssignment.objects.filter(manager_id=manager_id).values("user_id")
    return users.filter(pk__in=reached).exclude(pk=manager_id).values_list("pk", flat=True)
