"""User reports (a source, chosen columns and filters, rules) and the membership view they read."""

from django.conf import settings
from django.db import models

RECORD_OF_LEARNING_CERTIFICATIONS = "record_of_learning_certifications"


class AccessRule(models.TextChoices):
    ADMINS = "admins", "Site administrators only"
    MANAGERS = "managers", "Site administrators and managers"
    ALL = "all", "All users"


class ContentRule(models.TextChoices):
    ALL = "all", "All records"
    DIRECT = "direct", "The viewer's direct reports"
    STAFF = "staff", "Everyone who reports to the viewer, directly or further down"
    OWN = "own", "The viewer's own records"


class Report(models.Model):
    """A user report: a source, ordered columns with headings, filters, a default sort and two rules.

    ``columns`` is a list of ``{"key": <column key>, "heading": <text or "">}`` in display order;
    ``filters`` a list of filter keys. Both are validated against the source's catalogue on save
    (``reporting.services``), and unknown keys are skipped when a report is shown.
    """

    name = models.CharField(max_length=255)
    source = models.CharField("Report source", max_length=64)
    columns = models.JSONField(default=list, blank=True)
    filters = models.JSONField(default=list, blank=True)
    default_sort = models.CharField("Default sort", max_length=64, blank=True)
    default_sort_descending = models.BooleanField("Sort descending", default=False)
    access = models.CharField("Who may see it", max_length=16, choices=AccessRule.choices, default=AccessRule.ADMINS)
    content = models.CharField("Which records", max_length=16, choices=ContentRule.choices, default=ContentRule.ALL)
    embedded = models.CharField(
        max_length=64, blank=True, help_text="Set on reports embedded in a page (Record of learning); not deletable."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["embedded"], condition=~models.Q(embedded=""), name="one_embedded_report")
        ]

    def __str__(self) -> str:
        return self.name


class MembershipRow(models.Model):
    """One row of the database view ``reporting_membership``: a learner and a certification.

    Current records (``membership`` "assigned", id = record id) and, for pairs without a current
    record, the newest "unassigned" history record (``membership`` "unassigned", id = -history id).
    """

    class Membership(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        UNASSIGNED = "unassigned", "Unassigned"

    id = models.BigIntegerField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+")
    certification = models.ForeignKey(
        "certifications.Certification", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    membership = models.CharField(max_length=16, choices=Membership.choices)
    path = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    renewal_status = models.CharField(max_length=16)
    due_date = models.DateTimeField(null=True)
    completion_date = models.DateTimeField(null=True)
    window_opens = models.DateTimeField(null=True)
    expiry_date = models.DateTimeField(null=True)
    assigned_at = models.DateTimeField(null=True)
    unassigned_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "reporting_membership"

    def __str__(self) -> str:
        return f"{self.user_id} – {self.certification_id} ({self.membership})"
