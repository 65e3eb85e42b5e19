"""Events the directory sends to the apps above it.

Every signal is sent once, inside the transaction that makes the change, and
carries ids only. ``sender`` is the model class the change concerns. A receiver
does no work itself: it records the work in the outbox (``outbox.services.enqueue``),
whose rows commit or roll back with the change (decision 0060).
Each also carries ``actor_id``: the person who made the change (the learner
themself for a first login), or ``None`` for the system; the audit rows of the work it causes carry them.

- ``audience_members_changed(audience_id: int, user_ids: list[int])`` — users joined or left an audience.
- ``job_assignments_changed(user_ids: list[int])`` — a job assignment of these users was created,
  changed or deleted (position, organisation, manager or dates), or a tree above them moved.
- ``first_login(user_id: int)`` — a user signed in for the first time.
- ``profile_date_changed(user_id: int, field_id: int)`` — a profile date value was set, changed or removed.
"""

from django.dispatch import Signal

audience_members_changed = Signal()
job_assignments_changed = Signal()
first_login = Signal()
profile_date_changed = Signal()
