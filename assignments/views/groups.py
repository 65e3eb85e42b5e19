"""Site administration pages of self-enrolment groups: the Group dialog, members, the member picker.

Site administrators only (404 for everyone else, as for a missing object). Each dialog URL serves
the <dialog> to htmx and a whole page otherwise; each action is a plain form post.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assignments.forms_groups import GroupForm, MemberAddForm
from assignments.models import Group, GroupMember
from assignments.selectors import due_date_description
from assignments.services import groups as services
from certifications.models import Certification
from certlms.dialogs import dialog, leave_dialog
from certlms.guards import require_site_admin

DUE_RELATIONS = [
    "assignment",
    "assignment__due_event_position",
    "assignment__due_event_certification",
    "assignment__due_event_course",
    "assignment__due_event_profile_field",
]
PICKER_LIMIT = 50
MEMBERS_PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    require_site_admin(request.user)


def _group(request: HttpRequest, pk: int) -> Group:
    _require_admin(request)
    return get_object_or_404(Group.objects.select_related("certification", *DUE_RELATIONS), pk=pk)


def _due(group: Group) -> str:
    assignment = getattr(group, "assignment", None)
    return due_date_description(assignment) if assignment is not None else "No due date"


_dialog = partial(dialog, page="assignments/groups/dialog_page.html")
_go = leave_dialog


@login_required
def group_list(request: HttpRequest, certification_id: int) -> HttpResponse:
    _require_admin(request)
    certification = get_object_or_404(Certification, pk=certification_id)
    groups = list(
        Group.objects.filter(certification=certification)
        .select_related(*DUE_RELATIONS)
        .annotate(
            member_count=Count("members"),
            self_enrolled_count=Count("members", filter=Q(members__self_enrolled=True)),
        )
    )
    for group in groups:
        group.due = _due(group)
    return render(
        request, "assignments/groups/list.html", {"certification": certification, "groups": groups, "nav": "admin"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest, certification_id: int) -> HttpResponse:
    _require_admin(request)
    certification = get_object_or_404(Certification, pk=certification_id)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = services.group_create(certification=certification, actor=request.user, **form.group_fields())
        messages.success(request, f"Group '{group.name}' added. Set its Assignment due date on its row.")
        return _go(request, reverse("assignments:tab", args=[certification.pk]))
    return _dialog(request, "assignments/groups/_form.html", {"certification": certification, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def group_update(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        group = Group.objects.get(pk=pk)
        services.group_update(group=group, actor=request.user, **form.group_fields())
        messages.success(request, f"Group '{group.name}' saved.")
        return _go(request, reverse("assignments:group_members", args=[group.pk]))
    return _dialog(
        request, "assignments/groups/_form.html", {"certification": group.certification, "form": form, "group": group}
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    if request.method == "POST":
        removed = services.group_delete(group=group, actor=request.user)
        messages.success(request, f"Group '{group.name}' removed with its {removed} member(s).")
        return _go(request, reverse("assignments:tab", args=[group.certification_id]))
    return _dialog(
        request,
        "assignments/groups/_delete.html",
        {"certification": group.certification, "group": group, "member_count": group.members.count()},
    )


@login_required
def group_members(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    members = GroupMember.objects.filter(group=group).select_related("user", "added_by").order_by("-joined_at", "id")
    page = Paginator(members, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assignments/groups/members.html",
        {"certification": group.certification, "group": group, "page": page, "due": _due(group), "nav": "admin"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The user picker: search, select several, Add."""
    group = _group(request, pk)
    form = MemberAddForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        user_ids = [user.pk for user in form.cleaned_data["users"]]
        added = services.group_member_add_many(group=group, user_ids=user_ids, actor=request.user)
        messages.success(request, f"{added} member(s) added to '{group.name}'.")
        return _go(request, reverse("assignments:group_members", args=[group.pk]))
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL in a literal
    candidates = form.fields["users"].queryset.order_by("last_name", "first_name", "username")
    if search:
        candidates = candidates.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    context = {
        "certification": group.certification,
        "group": group,
        "form": form,
        "search": search,
        "candidates": list(candidates[: PICKER_LIMIT + 1]),
        "limit": PICKER_LIMIT,
    }
    return _dialog(request, "assignments/groups/_picker.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def group_member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    group = _group(request, pk)
    member = get_object_or_404(GroupMember.objects.select_related("user"), group=group, user_id=user_id)
    if request.method == "POST":
        services.group_member_remove(group=group, user_id=user_id, actor=request.user)
        messages.success(request, f"{_name(member.user)} removed from '{group.name}'.")
        return _go(request, reverse("assignments:group_members", args=[group.pk]))
    context = {"certification": group.certification, "group": group, "member": member, "name": _name(member.user)}
    return _dialog(request, "assignments/groups/_remove.html", context)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()
