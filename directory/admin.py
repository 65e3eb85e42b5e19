"""Browser pages for the directory (Django's admin under Site administration).

Every change that other apps care about goes through ``directory.services``, so the admin
sends the same signals, inside its transaction, as any other caller.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from certlms.admin import AutocompleteSelectMultiple, IdFieldsMixin, ModelAdmin, StackedInline, TabularInline
from certlms.fields import IdModelMultipleChoiceField

from . import services
from .errors import TreeMoveError
from .models import (
    Audience,
    AudienceMember,
    JobAssignment,
    LearnerProfile,
    Organisation,
    Position,
    ProfileDateField,
    ProfileDateValue,
)

User = get_user_model()


def timezone_choices() -> list[tuple[str, str]]:
    return [("", "The site's timezone")] + [(name, name) for name in sorted(zoneinfo.available_timezones())]


# --- Users ----------------------------------------------------------------------------------------


class LearnerProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=timezone_choices, required=False)

    class Meta:
        model = LearnerProfile
        fields = ["timezone"]


class LearnerProfileInline(StackedInline):
    model = LearnerProfile
    form = LearnerProfileForm
    can_delete = False
    max_num = 1
    fields = ["timezone", "first_login_at"]
    readonly_fields = ["first_login_at"]
    verbose_name_plural = "Profile"


class JobAssignmentInline(StackedInline):
    model = JobAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["position", "organisation", "manager"]
    fields = [
        ("fullname", "idnumber"),
        ("organisation", "position"),
        "manager",
        ("start_date", "position_assigned_date"),
    ]


class ProfileDateValueInline(TabularInline):
    model = ProfileDateValue
    extra = 0
    fields = ["field", "value"]


def save_job_assignment_formset(formset, *, actor_id: int | None) -> None:
    """Inline job assignments are saved together by the service (one signal)."""
    instances = formset.save(commit=False)
    services.job_assignments_save(job_assignments=instances, deleted=formset.deleted_objects, actor_id=actor_id)


def save_profile_date_formset(formset, *, actor_id: int | None) -> None:
    instances = formset.save(commit=False)
    for value in formset.deleted_objects:
        services.profile_date_remove(user_id=value.user_id, field_id=value.field_id, actor_id=actor_id)
    for value in instances:
        _profile_date_value_save(value, actor_id=actor_id)


def _profile_date_value_save(value: ProfileDateValue, *, actor_id: int | None) -> None:
    if value.pk:
        old = ProfileDateValue.objects.filter(pk=value.pk).values("user_id", "field_id").first()
        if old and (old["user_id"], old["field_id"]) != (value.user_id, value.field_id):
            services.profile_date_remove(user_id=old["user_id"], field_id=old["field_id"], actor_id=actor_id)
    services.profile_date_set(user_id=value.user_id, field_id=value.field_id, value=value.value, actor_id=actor_id)


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(IdFieldsMixin, DjangoUserAdmin):
    inlines = [LearnerProfileInline, JobAssignmentInline, ProfileDateValueInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "first_login"]
    list_filter = ["is_active", "is_superuser", "groups", "profile__first_login_at"]
    list_select_related = ["profile"]

    def get_inline_instances(self, request, obj=None):
        # The add page asks for a username and password only; the rest is edited afterwards.
        return [] if obj is None else super().get_inline_instances(request, obj)

    @admin.display(description="First login", ordering="profile__first_login_at")
    def first_login(self, user):
        profile = getattr(user, "profile", None)
        return profile.first_login_at if profile else None

    def save_formset(self, request, form, formset, change):
        if formset.model is JobAssignment:
            save_job_assignment_formset(formset, actor_id=request.user.pk)
        elif formset.model is ProfileDateValue:
            save_profile_date_formset(formset, actor_id=request.user.pk)
        else:
            super().save_formset(request, form, formset, change)


# --- Organisation and position trees --------------------------------------------------------------


class TreeNodeForm(forms.ModelForm):
    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node = self.instance
        if parent is not None and node.pk and parent.path.startswith(node.path):
            raise forms.ValidationError("A node cannot be moved below itself or below a node beneath it.")
        return parent


class TreeNodeAdmin(ModelAdmin):
    form = TreeNodeForm
    list_display = ["indented_name", "idnumber", "parent", "depth"]
    list_select_related = ["parent"]
    ordering = ["path"]
    search_fields = ["name", "idnumber"]
    list_filter = ["depth"]
    autocomplete_fields = ["parent"]
    fields = ["name", "idnumber", "parent", "path", "depth"]
    readonly_fields = ["path", "depth"]
    list_per_page = 200

    @admin.display(description="Name", ordering="path")
    def indented_name(self, node):
        # Indented with em spaces, not a style attribute: the Content-Security-Policy allows no inline styles.
        return format_html("{}{}", "\u2003" * (node.depth - 1), node.name)

    def save_model(self, request, obj, form, change):
        try:
            services.tree_node_save(node=obj, actor_id=request.user.pk)
        except TreeMoveError as error:  # the form checks this first; a concurrent move can still hit it
            self.message_user(request, str(error), messages.ERROR)

    def delete_model(self, request, obj):
        services.tree_node_delete(node=obj, actor_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        # Deepest first, so that a parent selected with its children goes after them.
        for node in sorted(queryset, key=lambda n: -n.depth):
            services.tree_node_delete(node=node, actor_id=request.user.pk)


@admin.register(Organisation)
class OrganisationAdmin(TreeNodeAdmin):
    pass


@admin.register(Position)
class PositionAdmin(TreeNodeAdmin):
    pass


# --- Job assignments ------------------------------------------------------------------------------


@admin.register(JobAssignment)
class JobAssignmentAdmin(ModelAdmin):
    list_display = [
        "user",
        "fullname",
        "idnumber",
        "organisation",
        "position",
        "manager",
        "start_date",
        "position_assigned_date",
    ]
    list_select_related = ["user", "organisation", "position", "manager"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "fullname",
        "idnumber",
        "manager__username",
        "manager__last_name",
    ]
    list_filter = [
        ("organisation", admin.RelatedOnlyFieldListFilter),
        ("position", admin.RelatedOnlyFieldListFilter),
        "start_date",
    ]
    autocomplete_fields = ["user", "position", "organisation", "manager"]
    ordering = ["user__username", "id"]

    def save_model(self, request, obj, form, change):
        services.job_assignment_save(job_assignment=obj, actor_id=request.user.pk)

    def delete_model(self, request, obj):
        services.job_assignment_delete(job_assignment=obj, actor_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        services.job_assignments_save(deleted=list(queryset), actor_id=request.user.pk)


# --- Audiences ------------------------------------------------------------------------------------


def _member_choice_field(label: str, help_text: str) -> IdModelMultipleChoiceField:
    return IdModelMultipleChoiceField(
        queryset=User.objects.all(),
        required=False,
        label=label,
        help_text=help_text,
        widget=AutocompleteSelectMultiple(Audience._meta.get_field("members"), admin.site),
    )


class AudienceForm(forms.ModelForm):
    add_members = _member_choice_field("Add members", "Search by name or username; existing members are kept.")
    remove_members = _member_choice_field("Remove members", "Members chosen here leave the audience.")

    class Meta:
        model = Audience
        fields = ["name", "description"]


@admin.register(Audience)
class AudienceAdmin(ModelAdmin):
    form = AudienceForm
    list_display = ["name", "member_count"]
    search_fields = ["name"]
    fields = ["name", "description", "members_link", "add_members", "remove_members"]
    readonly_fields = ["members_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, audience):
        return audience.member_count

    @admin.display(description="Members")
    def members_link(self, audience):
        if not audience.pk:
            return "None yet"
        url = reverse("admin:directory_audiencemember_changelist") + f"?audience__id__exact={audience.pk}"
        count = AudienceMember.objects.filter(audience=audience).count()
        return format_html('<a href="{}">{} member{}</a>', url, count, "" if count == 1 else "s")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.audience_members_change(
            audience_id=form.instance.pk,
            add_user_ids=[user.pk for user in form.cleaned_data.get("add_members") or ()],
            remove_user_ids=[user.pk for user in form.cleaned_data.get("remove_members") or ()],
            actor_id=request.user.pk,
        )

    def delete_model(self, request, obj):
        services.audience_delete(audience=obj, actor_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        for audience in queryset:
            services.audience_delete(audience=audience, actor_id=request.user.pk)


@admin.register(AudienceMember)
class AudienceMemberAdmin(ModelAdmin):
    list_display = ["audience", "user", "user_full_name", "added_at"]
    list_select_related = ["audience", "user"]
    list_filter = [("audience", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "audience__name"]
    autocomplete_fields = ["audience", "user"]
    ordering = ["audience__name", "user__username"]

    @admin.display(description="Name", ordering="user__last_name")
    def user_full_name(self, membership):
        return membership.user.get_full_name()

    def has_change_permission(self, request, obj=None):
        # A membership is added or removed, never edited.
        return False

    def save_model(self, request, obj, form, change):
        services.audience_members_add(audience_id=obj.audience_id, user_ids=[obj.user_id], actor_id=request.user.pk)
        saved = AudienceMember.objects.get(audience_id=obj.audience_id, user_id=obj.user_id)
        obj.pk, obj.added_at = saved.pk, saved.added_at

    def delete_model(self, request, obj):
        services.audience_memberships_delete(memberships=[obj], actor_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        services.audience_memberships_delete(memberships=list(queryset), actor_id=request.user.pk)


# --- Profile date fields --------------------------------------------------------------------------


@admin.register(ProfileDateField)
class ProfileDateFieldAdmin(ModelAdmin):
    list_display = ["name", "shortname", "value_count"]
    search_fields = ["name", "shortname"]
    prepopulated_fields = {"shortname": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_count=Count("values"))

    @admin.display(description="Values", ordering="value_count")
    def value_count(self, field):
        return field.value_count

    def delete_model(self, request, obj):
        services.profile_date_field_delete(field=obj, actor_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        for field in queryset:
            services.profile_date_field_delete(field=field, actor_id=request.user.pk)


@admin.register(ProfileDateValue)
class ProfileDateValueAdmin(ModelAdmin):
    list_display = ["user", "field", "value"]
    list_select_related = ["user", "field"]
    list_filter = ["field"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    ordering = ["user__username", "field__name"]

    def save_model(self, request, obj, form, change):
        _profile_date_value_save(obj, actor_id=request.user.pk)
        saved = ProfileDateValue.objects.get(user_id=obj.user_id, field_id=obj.field_id)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.profile_date_remove(user_id=obj.user_id, field_id=obj.field_id, actor_id=request.user.pk)

    def delete_queryset(self, request, queryset):
        services.profile_dates_remove(values=list(queryset), actor_id=request.user.pk)
