"""Self-enrolment groups: create, edit and remove groups; add and remove members; enrol and withdraw.

A group is one assignment of type Group; its members are the users it reaches. Every service
runs in one transaction, writes its audit events in it, and ends by recomputing the learners it
touched (``learners_recompute``), so a learner's routes, exceptions, record and due date follow
at once. Concurrent enrolments are stopped by the database first (a learner has at most one
self-enrolment per certification: a partial unique constraint), by row locks second.

Modules by concern: ``manage`` (site administrators: groups and their members), ``enrol`` (the
learner: enrol and withdraw), ``outcome`` (what an enrolment led to) and ``lanes`` (the engine
and the certification rules they call). Import the public names from this package.
"""

from assignments.errors import (
    AlreadyEnrolled,
    EnrolmentError,
    EnrolmentKeyRefused,
    GroupFull,
    NotEnrollable,
    NotEnrolled,
    WithdrawalNotAllowed,
)
from assignments.services.groups.enrol import (
    admit,
    enrollable_groups,
    enrolment_dates_open,
    group_enrol,
    group_share_locked,
    group_withdraw,
    self_enrolment,
    take_a_place,
)
from assignments.services.groups.lanes import certification_is_available, visible_certifications
from assignments.services.groups.manage import (
    SETTINGS_FIELDS,
    can_manage_groups,
    group_create,
    group_delete,
    group_member_add_many,
    group_member_remove,
    group_update,
)
from assignments.services.groups.outcome import EnrolmentOutcome, enrolment_status

__all__ = [
    "SETTINGS_FIELDS",
    "AlreadyEnrolled",
    "EnrolmentError",
    "EnrolmentKeyRefused",
    "EnrolmentOutcome",
    "GroupFull",
    "NotEnrollable",
    "NotEnrolled",
    "WithdrawalNotAllowed",
    "admit",
    "can_manage_groups",
    "certification_is_available",
    "enrollable_groups",
    "enrolment_dates_open",
    "enrolment_status",
    "group_create",
    "group_delete",
    "group_enrol",
    "group_member_add_many",
    "group_member_remove",
    "group_share_locked",
    "group_update",
    "group_withdraw",
    "self_enrolment",
    "take_a_place",
    "visible_certifications",
]
