"""Events of the assignments app that other apps may listen to (decision 0135).

Sent by the services **inside** the transaction that makes the change, with ids only, so that a
receiver can write its own rows (the notifications outbox of DOMAIN.md §9) in the same
transaction: a rolled-back change then sends nothing and a committed one is never lost. A receiver
must therefore not do slow work itself; it records what to do and lets a worker do it.

Each sends ``request_id``, ``user_id`` (the learner), ``group_id``, ``certification_id``,
and ``actor_id`` (who did it; None for the system); approved, denied and cancelled also send
``reason`` (text, possibly empty). Everything is JSON-ready, for an outbox row. The times are on
the request's row (``requested_at``, ``decided_at``).
"""

from django.dispatch import Signal

enrolment_request_created = Signal()
enrolment_request_approved = Signal()
enrolment_request_denied = Signal()
enrolment_request_cancelled = Signal()
