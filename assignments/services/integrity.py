"""What the dropped foreign-key constraints of the routes protected (decision 0072), kept another way.

Django still cascades deletes of users, assignments and certifications to their routes; a delete that
races the engine's set-based INSERT (a user deleted while an audience of 100,000 is assigned) may
leave a route behind, which the hourly sweep removes here before it recomputes every certification
(which then makes the records follow the routes that remain).
"""

from django.db import connection

from certifications.models import Certification
from certifications.services.integrity import records_orphans_remove
from certifications.sql import table, user_table

from ..models import Assignment, UserAssignment


def orphans_remove() -> int:
    """Delete routes whose learner, assignment or certification no longer exists, then such records.
    Set-based (anti-joins); returns rows deleted."""
    route = table(UserAssignment)
    parents = {"user_id": user_table(), "assignment_id": table(Assignment), "certification_id": table(Certification)}
    deleted = 0
    with connection.cursor() as cursor:
        for column, parent in parents.items():
            cursor.execute(
                f"DELETE FROM {route} WHERE NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {route}.{column})"
            )
            deleted += cursor.rowcount
    return deleted + records_orphans_remove()
