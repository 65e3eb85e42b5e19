"""Self-enrolment groups of a certification (site administrators): list, create, update, delete,
members list, add and remove. Checked by the Group dialog's and the member picker's forms; changed
by the groups services, so routes, records and audit rows are those of the pages."""

from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from assignments.forms_groups import GroupForm, MemberAddForm
from assignments.models import Group, GroupMember
from assignments.selectors import due_date_description
from assignments.services import groups as services
from assignments.services import rules

from .. import serializers as s
from ..access import certification_administered, group_administered
from ..errors import form_errors
from ..paging import page_response, params
from .assignments import due_rule

DUE_RELATIONS = (
    "assignment",
    "assignment__due_event_position",
    "assignment__due_event_certification",
    "assignment__due_event_course",
    "assignment__due_event_profile_field",
)
GROUP_FIELDS = ("name", "description", "allow_enrol", "allow_withdraw")


def _groups(**filters):
    return (
        Group.objects.filter(**filters)
        .select_related(*DUE_RELATIONS)
        .annotate(
            member_count=Count("members"), self_enrolled_count=Count("members", filter=Q(members__self_enrolled=True))
        )
    )


def _prepared(groups):
    for group in groups:
        assignment = getattr(group, "assignment", None)
        group.due_description = due_date_description(assignment) if assignment is not None else "No due date"
    return groups


def _one(group_id: int) -> dict:
    return s.GroupSerializer(_prepared([_groups(pk=group_id).get()])[0]).data


def _group_form(data: dict, instance: Group | None = None) -> dict:
    """The Group dialog's form over the request (and, for an update, the group's current values)."""
    values = {name: getattr(instance, name) for name in GROUP_FIELDS} if instance else {}
    values.update({name: data[name] for name in GROUP_FIELDS if name in data})
    form = GroupForm(data=values, instance=instance)
    if not form.is_valid():
        raise form_errors(form)
    return {name: form.cleaned_data[name] for name in GROUP_FIELDS}


@extend_schema(
    methods=["GET"],
    operation_id="groups_list",
    summary="A certification's self-enrolment groups",
    parameters=[s.PageParams],
    responses=s.page_of(s.GroupSerializer),
    tags=["Groups"],
)
@extend_schema(
    methods=["POST"],
    operation_id="groups_create",
    summary="Add a group (and its assignment, with its due date)",
    request=s.GroupInSerializer,
    responses={201: s.GroupSerializer},
    tags=["Groups"],
)
@api_view(["GET", "POST"])
def group_list(request, pk: int):
    certification = certification_administered(request.user, pk)
    if request.method == "GET":
        return page_response(
            _groups(certification=certification), params(request), s.GroupSerializer, prepare=_prepared
        )
    body = s.GroupInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    values = _group_form(body.validated_data)
    due = due_rule(body.validated_data.get("due"))
    with transaction.atomic():
        group = services.group_create(certification=certification, actor=request.user, **values)
        if "due" in body.validated_data:
            rules.assignment_due_update(assignment=group.assignment, due=due, actor=request.user)
    return Response(_one(group.pk), status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"], operation_id="groups_detail", summary="One group", responses=s.GroupSerializer, tags=["Groups"]
)
@extend_schema(
    methods=["PATCH"],
    operation_id="groups_update",
    summary="Change a group's name, description, flags or due date",
    request=s.GroupUpdateSerializer,
    responses=s.GroupSerializer,
    tags=["Groups"],
)
@extend_schema(
    methods=["DELETE"],
    operation_id="groups_delete",
    summary="Remove a group with its assignment and members (their other routes stay)",
    responses={204: None},
    tags=["Groups"],
)
@api_view(["GET", "PATCH", "DELETE"])
def group_detail(request, pk: int):
    group = group_administered(request.user, pk)
    if request.method == "DELETE":
        services.group_delete(group=group, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    if request.method == "PATCH":
        body = s.GroupUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = _group_form(body.validated_data, instance=Group.objects.get(pk=pk))
        due = due_rule(body.validated_data.get("due"))
        with transaction.atomic():
            services.group_update(group=Group.objects.get(pk=pk), actor=request.user, **values)
            if "due" in body.validated_data:
                rules.assignment_due_update(assignment=group.assignment, due=due, actor=request.user)
    return Response(_one(group.pk))


@extend_schema(
    methods=["GET"],
    operation_id="group_members_list",
    summary="A group's members",
    parameters=[s.PageParams],
    responses=s.page_of(s.MemberSerializer),
    tags=["Groups"],
)
@extend_schema(
    methods=["POST"],
    operation_id="group_members_add",
    summary="Add users to a group (not self-enrolments)",
    request=s.MembersInSerializer,
    responses={200: s.MembersAddedSerializer},
    tags=["Groups"],
)
@api_view(["GET", "POST"])
def group_members(request, pk: int):
    group = group_administered(request.user, pk)
    if request.method == "GET":
        members = GroupMember.objects.filter(group=group).select_related("user")
        return page_response(members, params(request), s.MemberSerializer)
    body = s.MembersInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    form = MemberAddForm(data={"users": body.validated_data["users"]}, group=group)
    if not form.is_valid():
        raise form_errors(form)
    added = services.group_member_add_many(
        group=group, user_ids=[user.pk for user in form.cleaned_data["users"]], actor=request.user
    )
    return Response({"added": added})


@extend_schema(
    operation_id="group_members_remove",
    summary="Remove a member (added or self-enrolled)",
    responses={204: None},
    tags=["Groups"],
)
@api_view(["DELETE"])
def group_member_remove(request, pk: int, user_id: int):
    group = group_administered(request.user, pk)
    if not services.group_member_remove(group=group, user_id=user_id, actor=request.user):
        return Response({"code": "not_found", "message": "This user is not a member of the group."}, status=404)
    return Response(status=status.HTTP_204_NO_CONTENT)
