"""People and structure that assignments draw on."""

from django.conf import settings
from django.db import models

from certlms.dates import readable_date_constraint, validate_date_range

SITE_ADMINISTRATORS_GROUP = "Site administrators"


class LearnerProfile(models.Model):
    """What certlms keeps about a user beyond Django's user model."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    first_login_at = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, blank=True, help_text="IANA name; empty means the site's timezone.")

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class TreeQuerySet(models.QuerySet):
    def subtree_of(self, node: "TreeNode") -> "TreeQuerySet":
        """The node and everything below it, in one query however deep."""
        return self.filter(path__startswith=node.path)


class TreeNode(models.Model):
    """A node of a tree with a materialised path ("/1/4/9/") for one-query subtrees.

    ``path`` is maintained by ``directory.services.tree_node_save``.
    """

    name = models.CharField(max_length=255)
    idnumber = models.CharField("ID number", max_length=100, blank=True)
    path = models.CharField(max_length=1024, db_index=True, editable=False, default="")
    depth = models.PositiveIntegerField(default=1, editable=False)

    objects = TreeQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Organisation(TreeNode):
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")


class Position(TreeNode):
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")


class JobAssignment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_assignments")
    fullname = models.CharField("Full name", max_length=255, blank=True)
    idnumber = models.CharField("ID number", max_length=100, blank=True)
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="job_assignments"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="job_assignments"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_job_assignments"
    )
    start_date = models.DateField(null=True, blank=True, validators=[validate_date_range])
    position_assigned_date = models.DateField(null=True, blank=True, validators=[validate_date_range])

    class Meta:
        indexes = [models.Index(fields=["manager", "user"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(manager=models.F("user")), name="job_assignment_not_own_manager"
            ),
            readable_date_constraint("start_date", name="job_assignment_start_date_readable", date_only=True),
            readable_date_constraint(
                "position_assigned_date", name="job_assignment_position_assigned_date_readable", date_only=True
            ),
        ]

    def __str__(self) -> str:
        return self.fullname or f"Job assignment of {self.user}"


class Audience(models.Model):
    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="AudienceMember", related_name="audiences")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AudienceMember(models.Model):
    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audience_memberships")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["audience", "user"], name="audience_member_unique")]
        indexes = [models.Index(fields=["user", "audience"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.audience}"


class ProfileDateField(models.Model):
    shortname = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProfileDateValue(models.Model):
    """A user's value of a profile date field; ``value`` is null when the stored text was invalid."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_dates")
    field = models.ForeignKey(ProfileDateField, on_delete=models.CASCADE, related_name="values")
    value = models.DateField(null=True, blank=True, validators=[validate_date_range])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "field"], name="profile_date_value_unique"),
            readable_date_constraint("value", name="profile_date_value_readable", date_only=True),
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value}"
