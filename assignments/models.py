"""Assignment rules, groups, per-learner routes, exceptions and recompute jobs."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models

from certifications.models import PeriodUnit
from certlms.dates import readable_date_constraint, validate_date_range


class AssignmentType(models.TextChoices):
    AUDIENCE = "audience", "Audience"
    GROUP = "group", "Group"
    INDIVIDUAL = "individual", "Individual"
    MANAGER = "manager", "Manager"
    ORGANISATION = "organisation", "Organisation"
    POSITION = "position", "Position"


class DueKind(models.TextChoices):
    NONE = "none", "No due date"
    FIXED = "fixed", "Fixed date"
    RELATIVE = "relative", "Relative to event"


class DueEvent(models.TextChoices):
    FIRST_LOGIN = "first_login", "First login"
    POSITION_ASSIGNED = "position_assigned", "Position assigned date"
    JOB_START = "job_start", "Job assignment start date"
    CERTIFICATION_COMPLETION = "certification_completion", "Certification completion"
    COURSE_COMPLETION = "course_completion", "Course completion"
    PROFILE_DATE = "profile_date", "Profile field date"
    ASSIGNMENT_DATE = "assignment_date", "Assignment date"


@dataclass(frozen=True)
class DueEventTarget:
    """What a due-date event refers to: the Assignment's field naming it, and the thing in words."""

    field: str
    what: str

    @property
    def form_field(self) -> str:
        """The due-date dialog's field for it ("position", "course", …)."""
        return self.field.removeprefix("due_event_")


# Each due-date event that refers to something, once: engine, rules, forms and selectors read this.
DUE_EVENT_TARGETS: dict[str, DueEventTarget] = {
    DueEvent.POSITION_ASSIGNED: DueEventTarget("due_event_position", "a position"),
    DueEvent.JOB_START: DueEventTarget("due_event_position", "a position"),
    DueEvent.CERTIFICATION_COMPLETION: DueEventTarget("due_event_certification", "the completion of a certification"),
    DueEvent.COURSE_COMPLETION: DueEventTarget("due_event_course", "the completion of a course"),
    DueEvent.PROFILE_DATE: DueEventTarget("due_event_profile_field", "a profile field"),
}


class Group(models.Model):
    """A self-enrolment group of a certification; reached through its Assignment (type Group)."""

    certification = models.ForeignKey("certifications.Certification", on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    allow_enrol = models.BooleanField("Allow learners to enrol", default=False)
    allow_withdraw = models.BooleanField("Allow learners to withdraw", default=False)
    # DOMAIN.md §10. None of these apply to members an administrator adds.
    max_learners = models.PositiveIntegerField(
        "Maximum learners", null=True, blank=True, help_text="Empty: no limit. Counts every member of the group."
    )
    enrolment_key = models.CharField(
        "Enrolment key", max_length=128, blank=True, help_text="Stored as a password hash; empty: no key."
    )
    enrolment_opens_at = models.DateTimeField(
        "Enrolment opens", null=True, blank=True, validators=[validate_date_range]
    )
    enrolment_closes_at = models.DateTimeField(
        "Enrolment closes", null=True, blank=True, validators=[validate_date_range]
    )
    requires_approval = models.BooleanField("Requires approval", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_learners__isnull=True) | models.Q(max_learners__gte=1),
                name="group_max_learners_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(enrolment_opens_at__isnull=True)
                | models.Q(enrolment_closes_at__isnull=True)
                | models.Q(enrolment_opens_at__lt=models.F("enrolment_closes_at")),
                name="group_enrolment_opens_before_it_closes",
            ),
            readable_date_constraint("enrolment_opens_at", name="group_enrolment_opens_readable"),
            readable_date_constraint("enrolment_closes_at", name="group_enrolment_closes_readable"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_enrolment_key(self) -> bool:
        return bool(self.enrolment_key)


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    certification = models.ForeignKey("certifications.Certification", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    self_enrolled = models.BooleanField(default=False)
    joined_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="group_member_unique"),
            models.UniqueConstraint(
                fields=["certification", "user"],
                condition=models.Q(self_enrolled=True),
                name="one_self_enrolment_per_certification",
            ),
        ]
        indexes = [models.Index(fields=["user", "certification"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    CANCELLED = "cancelled", "Cancelled"


class EnrolmentRequest(models.Model):
    """A learner asked to enrol in a group that requires approval (DOMAIN.md §10). Kept after the
    decision: the learner reads the reason of a denial, and the history stays."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="requests")
    certification = models.ForeignKey("certifications.Certification", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_requests")
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField("Reason", blank=True, help_text="Given by whoever approved or denied the request.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_enrolment_request_per_certification",
            )
        ]
        indexes = [
            models.Index(fields=["status", "certification"]),
            models.Index(fields=["user", "certification"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} asks to join {self.group}"


class EnrolmentKeyAttempts(models.Model):
    """Wrong enrolment keys typed by one learner for one group, to slow repeated guesses down.
    Deleted when the learner types the right key; each wrong key is also audited."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="enrolment_key_attempts_unique")]

    def __str__(self) -> str:
        return f"{self.failures} wrong key(s) by {self.user_id} for {self.group_id}"


class Assignment(models.Model):
    """One rule that assigns a certification to the users its target reaches."""

    certification = models.ForeignKey(
        "certifications.Certification", on_delete=models.CASCADE, related_name="assignments"
    )
    type = models.CharField(max_length=16, choices=AssignmentType.choices)
    audience = models.ForeignKey(
        "directory.Audience", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.ForeignKey(
        "directory.Position", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.OneToOneField(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="assignment")
    include_children = models.BooleanField(default=False)

    due_kind = models.CharField(max_length=16, choices=DueKind.choices, default=DueKind.NONE)
    due_fixed_at = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    due_amount = models.PositiveIntegerField(null=True, blank=True)
    due_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, blank=True)
    due_event = models.CharField(max_length=32, choices=DueEvent.choices, blank=True)
    due_event_position = models.ForeignKey(
        "directory.Position", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_event_certification = models.ForeignKey(
        "certifications.Certification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_event_course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_event_profile_field = models.ForeignKey(
        "directory.ProfileDateField", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["certification", "type", "id"]
        indexes = [
            models.Index(fields=["type", "audience"]),
            models.Index(fields=["type", "organisation"]),
            models.Index(fields=["type", "position"]),
            models.Index(fields=["type", "manager"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} assignment of {self.certification_id}"


class ExceptionType(models.TextChoices):
    ALREADY_ASSIGNED = "already_assigned", "Already assigned to certification"
    COMPLETION_TIME_UNKNOWN = "completion_time_unknown", "Completion time unknown"
    TIME_ALLOWANCE = "time_allowance", "Time allowance"


class RouteState(models.TextChoices):
    ACTIVE = "active", "Assigned"
    EXCEPTION = "exception", "In exception"
    DISMISSED = "dismissed", "Not assigned (dismissed)"


class UserAssignment(models.Model):
    """A route: one assignment reaching one learner. Only ACTIVE routes count."""

    # No single-column FK indexes: the unique (assignment, user) and the (user, certification, state) and
    # (certification, state) indexes cover every lookup, and each extra index slows the bulk INSERT (B1).
    # No database constraints either (decision 0072): three deferred per-row checks at commit cost more
    # than a 100,000-route INSERT itself. Django still cascades deletes; the hourly sweep removes what a
    # delete racing the engine could leave (``routes_orphans_remove``).
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="user_assignments", db_index=False, db_constraint=False
    )
    certification = models.ForeignKey(
        "certifications.Certification", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certification_routes",
        db_index=False,
        db_constraint=False,
    )
    assigned_at = models.DateTimeField()
    due_date = models.DateTimeField(
        null=True, blank=True, help_text="This route's due date; null when none or not yet known."
    )
    state = models.CharField(max_length=16, choices=RouteState.choices, default=RouteState.ACTIVE)
    exception_type = models.CharField(max_length=32, choices=ExceptionType.choices, blank=True)
    resolved = models.BooleanField(
        default=False, help_text="An administrator resolved an exception: checks are skipped until the due date moves."
    )
    due_override = models.DateTimeField(
        null=True,
        blank=True,
        help_text='Set by "Set realistic due date and assign": the route keeps this due date instead of its rule\'s.',
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="user_assignment_unique"),
            readable_date_constraint("due_date", name="user_assignment_due_date_readable"),
            readable_date_constraint("due_override", name="user_assignment_due_override_readable"),
        ]
        indexes = [
            models.Index(fields=["user", "certification", "state"]),
            models.Index(fields=["certification", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} via {self.assignment}"


class ExceptionStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Resolution(models.TextChoices):
    REALISTIC_DUE = "realistic_due", "Set realistic due date and assign"
    ASSIGN = "assign", "Assign"
    DISMISS = "dismiss", "Do not assign"


class AssignmentException(models.Model):
    """An exception raised on a route, and how it was resolved."""

    route = models.ForeignKey(UserAssignment, null=True, on_delete=models.SET_NULL, related_name="exceptions")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="exceptions")
    certification = models.ForeignKey("certifications.Certification", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certification_exceptions"
    )
    type = models.CharField(max_length=32, choices=ExceptionType.choices)
    reason = models.TextField(help_text="Why, in words a learner and an administrator understand.")
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ExceptionStatus.choices, default=ExceptionStatus.OPEN)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "user"], condition=models.Q(status="open"), name="one_open_exception_per_route"
            )
        ]
        indexes = [models.Index(fields=["certification", "status", "type"])]

    def __str__(self) -> str:
        return f"{self.get_type_display()}: {self.user}"


class RecomputeJob(models.Model):
    """Progress of a large recomputation, shown on the Assignments tab."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        MATERIALISE = "materialise", "Materialise one assignment"
        RECOMPUTE = "recompute", "Recompute the certification"

    certification = models.ForeignKey("certifications.Certification", on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    description = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the job does, recorded by its first batch so that another worker can take it over.
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RECOMPUTE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The lowest user id not yet done (batches are half-open id ranges); null before the first batch.
    next_id = models.BigIntegerField(null=True, blank=True)
    # Updated by every finished batch; a queued or running job without one for a while is taken over.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The administrator's **Send enrolment messages** choice for the learners this job assigns or unassigns.
    send_messages = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.description
