"""Certification definitions and learners' certification records."""

from django.conf import settings
from django.db import models

from certlms.dates import readable_date_constraint, validate_date_range

from .periods import Period


class PeriodUnit(models.TextChoices):
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS = "months", "Months"
    YEARS = "years", "Years"


class Visibility(models.TextChoices):
    ALL = "all", "All users"
    ENROLLED = "enrolled", "Enrolled users only"
    ENROLLED_AND_AUDIENCES = "enrolled_audiences", "Enrolled users and members of the selected audiences"
    NONE = "none", "No users"


class RecertificationMethod(models.TextChoices):
    COMPLETION = "completion", "Use certification completion date"
    EXPIRY = "expiry", "Use certification expiry date"
    FIXED = "fixed", "Use fixed expiry date"


class CertificationQuerySet(models.QuerySet):
    def visible_to(self, user, *, now=None) -> "CertificationQuerySet":
        """The certifications ``user`` may see (DOMAIN §2 visibility and availability); admins see all."""
        from .visibility import visible_q

        q = visible_q(user, now=now)
        return self if q is None else self.filter(q)


class Certification(models.Model):
    fullname = models.CharField("Full name", max_length=255)
    shortname = models.CharField("Short name", max_length=100, unique=True)
    idnumber = models.CharField("ID number", max_length=100, blank=True)
    summary = models.TextField(blank=True)
    visibility = models.CharField(max_length=32, choices=Visibility.choices, default=Visibility.ALL)
    visible_audiences = models.ManyToManyField(
        "directory.Audience", blank=True, related_name="visible_certifications", verbose_name="Selected audiences"
    )
    available_from = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    available_until = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])

    active_period_amount = models.PositiveIntegerField("Active period", default=1)
    active_period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.YEARS)
    window_period_amount = models.PositiveIntegerField("Window period", default=1)
    window_period_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.MONTHS)
    minimum_active_amount = models.PositiveIntegerField("Minimum active period", null=True, blank=True)
    minimum_active_unit = models.CharField(max_length=10, choices=PeriodUnit.choices, blank=True)
    recertification_method = models.CharField(
        "Recertification date",
        max_length=16,
        choices=RecertificationMethod.choices,
        default=RecertificationMethod.EXPIRY,
    )
    recertification_same_content = models.BooleanField("Use the same content", default=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["fullname"]

    def __str__(self) -> str:
        return self.fullname

    @property
    def active_period(self) -> Period:
        return Period(self.active_period_amount, self.active_period_unit)

    @property
    def window_period(self) -> Period:
        return Period(self.window_period_amount, self.window_period_unit)

    @property
    def minimum_active_period(self) -> Period | None:
        if self.minimum_active_amount is None or not self.minimum_active_unit:
            return None
        return Period(self.minimum_active_amount, self.minimum_active_unit)

    def content_path(self, path: str) -> str:
        """The path whose course sets make up ``path``: the certification path when "Use the same content"."""
        if path == CertificationPath.RECERTIFICATION and self.recertification_same_content:
            return CertificationPath.CERTIFICATION
        return path


class CertificationPath(models.TextChoices):
    CERTIFICATION = "certification", "Certification"
    RECERTIFICATION = "recertification", "Recertification"


class CompletionRule(models.TextChoices):
    ALL = "all", "All courses"
    ANY = "any", "Any one course"


class CourseSet(models.Model):
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="course_sets")
    path = models.CharField(max_length=16, choices=CertificationPath.choices, default=CertificationPath.CERTIFICATION)
    sortorder = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=255, blank=True)
    completion_rule = models.CharField(max_length=8, choices=CompletionRule.choices, default=CompletionRule.ALL)
    minimum_time_days = models.PositiveIntegerField("Minimum time required (days)", default=0)
    courses = models.ManyToManyField("courses.Course", related_name="course_sets")

    class Meta:
        ordering = ["certification", "path", "sortorder", "id"]

    def __str__(self) -> str:
        return self.name or f"Course set {self.sortorder + 1}"


class RecordStatus(models.TextChoices):
    NOT_CERTIFIED = "not_certified", "Not certified"
    IN_PROGRESS = "in_progress", "In progress"
    CERTIFIED = "certified", "Certified"
    EXPIRED = "expired", "Expired"


class RenewalStatus(models.TextChoices):
    NOT_DUE = "not_due", "Not due"
    DUE = "due", "Due"
    EXPIRED = "expired", "Renewal expired"


RECORD_DATES = ("due_date", "completion_date", "window_opens", "expiry_date", "baseline_expiry")


class RecordFields(models.Model):
    """The state of a learner's certification, shared by the current record and its history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=16, choices=CertificationPath.choices, default=CertificationPath.CERTIFICATION)
    status = models.CharField(max_length=16, choices=RecordStatus.choices, default=RecordStatus.NOT_CERTIFIED)
    renewal_status = models.CharField(max_length=16, choices=RenewalStatus.choices, default=RenewalStatus.NOT_DUE)
    due_date = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    completion_date = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    window_opens = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    expiry_date = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])
    baseline_expiry = models.DateTimeField(null=True, blank=True, validators=[validate_date_range])

    class Meta:
        abstract = True


class CertificationRecord(RecordFields):
    """The one current record of a learner and a certification; exists while a route counts."""

    # No database constraints (decision 0072): a 100,000-learner assignment paid a deferred per-row
    # check of each at commit. Django still cascades deletes; ``records_orphans_remove`` (the hourly
    # sweep) removes what a delete racing an assignment could leave.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certification_records", db_constraint=False
    )
    # Indexed by the unique constraint (certification first), so no index of its own: every index
    # is written 100,000 times when an audience is assigned. (The API's keyset over a certification's
    # records adds one on (certification_id, id): api/migrations/0002, decision 0123.)
    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="records", db_index=False, db_constraint=False
    )
    assigned_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certification", "user"], name="certification_record_unique"),
            *(readable_date_constraint(field, name=f"certification_record_{field}_readable") for field in RECORD_DATES),
        ]
        indexes = [
            # The lifecycle sweeps look only at certified records; partial indexes stay small and
            # cost nothing when 100,000 fresh records are assigned.
            models.Index(
                fields=["window_opens"], condition=models.Q(status="certified"), name="record_window_certified"
            ),
            models.Index(
                fields=["expiry_date"], condition=models.Q(status="certified"), name="record_expiry_certified"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.certification}"


class CertificationRecordHistory(RecordFields):
    """A past state of a learner's record: a completed period, or a record left when unassigned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certification_history")
    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="history")
    unassigned = models.BooleanField(default=False)
    archived_at = models.DateTimeField(validators=[validate_date_range])

    class Meta:
        constraints = [
            readable_date_constraint(field, name=f"certification_history_{field}_readable")
            for field in (*RECORD_DATES, "archived_at")
        ]
        indexes = [models.Index(fields=["user", "certification", "unassigned", "archived_at"])]
        verbose_name_plural = "certification record history"

    def __str__(self) -> str:
        return f"{self.user} – {self.certification} (history)"


class AuditEventQuerySet(models.QuerySet):
    def for_learner(self, user_id: int) -> "AuditEventQuerySet":
        """The events of one learner's change log: their own rows, and the bulk events naming them.

        One ``id IN (own UNION ALL named)``: each side is an index lookup by learner (an ``OR`` would
        read every event of the certification)."""
        own = self.filter(user_id=user_id).order_by().values("pk")
        named = AuditLearner.objects.filter(user_id=user_id).values("event_id")
        return self.filter(pk__in=own.union(named, all=True))


class AuditEvent(models.Model):
    """One change to a learner's assignment, due date or record: who, when, before, after.

    Written inside the same transaction as the change, by services (one row) or by
    set-based SQL (one INSERT … SELECT for many learners).
    """

    at = models.DateTimeField()
    # No database constraints on the log's foreign keys: audit rows are written in bulk (100,000 per
    # assignment) and PostgreSQL's deferred FK checks would cost a per-row lookup at commit. Django
    # still cascades deletes (docs/decisions/0030-explicit-audit-events.md).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_label = models.CharField(
        max_length=255, blank=True, help_text="Which task or process acted, when no user did."
    )
    # Null on a bulk event: the learners it names are its ``learners`` (AuditLearner, decision 0073).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
        db_constraint=False,
    )
    certification = models.ForeignKey(
        Certification,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the (certification, user, at) index serves it
    )
    subject = models.CharField(max_length=32)
    action = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["certification", "user", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.subject} {self.action}"


class AuditLearner(models.Model):
    """One learner named by a bulk audit event (decision 0073): a set-based change of many learners
    writes one ``AuditEvent`` per distinct (before, after) with no ``user``, and one of these per
    learner, so that each learner's change log still finds it (``AuditEvent.objects.for_learner``).

    The key is (event, user): ids grow, so the bulk INSERT appends to its right edge, and it serves
    the lookups by event (the learners a change announces, deletes); the (user, event) index serves
    the change log's lookup by learner. Two narrow integer indexes per learner, where a per-learner
    event wrote a row with its JSON and two indexes.
    """

    pk = models.CompositePrimaryKey("event", "user")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    event = models.ForeignKey(
        AuditEvent, on_delete=models.CASCADE, related_name="learners", db_constraint=False, db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["user", "event"], name="audit_learner_user_event")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.event_id}"
