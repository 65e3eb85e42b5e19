"""Courses, completion records and their archived history."""

from django.conf import settings
from django.db import models

from certlms.dates import readable_date_constraint, validate_date_range


class Course(models.Model):
    fullname = models.CharField("Full name", max_length=255)
    shortname = models.CharField("Short name", max_length=100, unique=True)
    summary = models.TextField(blank=True)
    allow_self_completion = models.BooleanField(
        "Learners may mark it complete", default=False, help_text='Shows learners a "Mark as complete" button.'
    )

    class Meta:
        ordering = ["fullname"]

    def __str__(self) -> str:
        return self.fullname


class CourseCompletion(models.Model):
    """The current completion of a course by a learner. Never deleted by withdrawal or unassignment."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_completions")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(validators=[validate_date_range])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="course_completion_unique"),
            readable_date_constraint("completed_at", name="course_completion_completed_at_readable"),
        ]
        indexes = [models.Index(fields=["course", "user"])]

    def __str__(self) -> str:
        return f"{self.user} completed {self.course}"


class CourseCompletionHistory(models.Model):
    """A completion archived when a recertification window reset the course."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_completion_history"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completion_history")
    completed_at = models.DateTimeField(validators=[validate_date_range])
    archived_at = models.DateTimeField()
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [readable_date_constraint("completed_at", name="course_completion_history_completed_at_readable")]
        indexes = [models.Index(fields=["user", "course"])]
        verbose_name_plural = "course completion history"

    def __str__(self) -> str:
        return f"{self.user} completed {self.course} (archived)"
