"""Enrolment keys (DOMAIN.md §10): checked against the group's password hash, wrong keys slowed down.

The learner's attempts for one group are one row (``EnrolmentKeyAttempts``), locked while the key
is checked, so that guesses sent at once are checked one after the other. The first
``FREE_ATTEMPTS`` wrong keys cost nothing; from then on each wrong key makes the learner wait,
twice as long each time (``FIRST_WAIT`` … ``LONGEST_WAIT``). An hour without a wrong key forgets
them; the right key forgets them at once. Every wrong key is audited (decision 0131).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password

from assignments.models import EnrolmentKeyAttempts, Group
from assignments.services.membership_audit import membership_audit

FREE_ATTEMPTS = 3
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
WRONG_KEY = "That enrolment key is not correct."


def wait_after(failures: int) -> timedelta:
    """How long a learner waits after their ``failures``-th wrong key in a row."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - FREE_ATTEMPTS, 32), LONGEST_WAIT)


def throttled_message(blocked_until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((blocked_until - now).total_seconds() / 60))
    return (
        "You have typed a wrong enrolment key too many times. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


def enrolment_key_check(*, group: Group, learner, key: str, now: datetime) -> str:
    """In the caller's transaction, for a group that has a key: "" when the key is right (the attempts
    are forgotten); otherwise why not, in words. A wrong key is recorded and audited here, so the caller
    must let this transaction commit (and refuse the enrolment after it). While the learner must wait,
    the key is not even checked and nothing is written."""
    EnrolmentKeyAttempts.objects.bulk_create(
        [EnrolmentKeyAttempts(group=group, user=learner, last_failed_at=now)], ignore_conflicts=True
    )
    attempts = EnrolmentKeyAttempts.objects.select_for_update().get(group=group, user=learner)
    if attempts.blocked_until and attempts.blocked_until > now:
        return throttled_message(attempts.blocked_until, now)
    if check_password(key, group.enrolment_key):
        attempts.delete()
        return ""
    if now - attempts.last_failed_at > FORGET_AFTER:
        attempts.failures = 0
    attempts.failures += 1
    attempts.last_failed_at = now
    wait = wait_after(attempts.failures)
    attempts.blocked_until = now + wait if wait else None
    attempts.save(update_fields=["failures", "last_failed_at", "blocked_until"])
    membership_audit(
        now=now,
        actor=learner,
        certification_id=group.certification_id,
        action="enrolment_key_refused",
        group=group,
        user_ids=[learner.pk],
        failures=attempts.failures,
        blocked_until=attempts.blocked_until.isoformat() if attempts.blocked_until else None,
    )
    return WRONG_KEY
