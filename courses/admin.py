"""Browser pages for courses and completions (Django's admin under Site administration).

Recording a completion goes through ``courses.services.course_complete`` (signalled inside its transaction).
Completion records are never deleted here: only a recertification window archives them.
"""

from django.contrib import admin
from django.db.models import Count

from certlms.admin import ModelAdmin

from . import services
from .models import Course, CourseCompletion, CourseCompletionHistory


@admin.register(Course)
class CourseAdmin(ModelAdmin):
    list_display = ["fullname", "shortname", "allow_self_completion", "completion_count"]
    list_filter = ["allow_self_completion"]
    search_fields = ["fullname", "shortname"]
    fields = ["fullname", "shortname", "summary", "allow_self_completion"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(completion_count=Count("completions"))

    @admin.display(description="Completions", ordering="completion_count")
    def completion_count(self, course):
        return course.completion_count

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        """A course with completion records (current or archived) cannot be deleted: that would delete them."""
        if obj is not None and (obj.completions.exists() or obj.completion_history.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(CourseCompletion)
class CourseCompletionAdmin(ModelAdmin):
    list_display = ["user", "user_full_name", "course", "completed_at"]
    list_select_related = ["user", "course"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "completed_at"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "course__fullname", "course__shortname"]
    autocomplete_fields = ["user", "course"]
    # No date_hierarchy: its year links are read from the stored values, and a year Python cannot read
    # (stored before the readable-date constraints) comes back unknown; the completed_at filter covers it.
    ordering = ["-completed_at"]

    @admin.display(description="Name", ordering="user__last_name")
    def user_full_name(self, completion):
        return completion.user.get_full_name()

    def get_readonly_fields(self, request, obj=None):
        return ["user", "course"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.course_complete(
            user_id=obj.user_id, course_id=obj.course_id, completed_at=obj.completed_at, actor=request.user
        )
        obj.pk = saved.pk


@admin.register(CourseCompletionHistory)
class CourseCompletionHistoryAdmin(ModelAdmin):
    """Archived completions: read only."""

    list_display = ["user", "course", "completed_at", "archived_at", "reason"]
    list_select_related = ["user", "course"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "archived_at"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "course__fullname"]
    ordering = ["-archived_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
