"""A certification's assignments (site administrators): list, create of every type with its due date, delete.

Input is checked by the Assignments tab's own due-date form and the assignment services; the
learners are assigned exactly as from the tab (at once for an individual, in the background
otherwise, with the progress on the tab).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assignments.forms import DueDateForm
from assignments.models import Assignment, AssignmentType
from assignments.selectors import assignments_for_certification, due_date_description
from assignments.services import rules
from assignments.types import REGISTRY, assignment_name, kind_of

from .. import serializers as s
from ..access import assignment_administered, certification_administered
from ..errors import ApiError, form_errors
from ..paging import page_response, params


def due_rule(data: dict | None) -> rules.DueRule:
    """The due date of a request, checked by the page's due-date form (its rules and its lookups)."""
    if not data:
        return rules.DueRule()
    form = DueDateForm(data={key: value for key, value in data.items() if value is not None})
    if not form.is_valid():
        raise ValidationError({"due": form_errors(form).detail})
    return form.due_rule()


def _prepared(assignments: list[Assignment]) -> list[Assignment]:
    for assignment in assignments:
        assignment.name = assignment_name(assignment)
        assignment.due_description = due_date_description(assignment)
        assignment.target = getattr(assignment, f"{kind_of(assignment).target_field}_id")
        assignment.learners = getattr(assignment, "learner_count", 0)
        assignment.in_exception = getattr(assignment, "exception_count", 0)
    return assignments


def _target(type_: str, pk: int):
    model = Assignment._meta.get_field(REGISTRY[type_].target_field).related_model
    found = model.objects.filter(pk=pk)
    if model is get_user_model():
        found = found.filter(is_active=True)
    target = found.first()
    if target is None:
        raise ValidationError({"target": [f"No {REGISTRY[type_].label.lower()} with id {pk}."]})
    return target


@extend_schema(
    methods=["GET"],
    operation_id="assignments_list",
    summary="A certification's assignments",
    parameters=[s.PageParams],
    responses=s.page_of(s.AssignmentSerializer),
    tags=["Assignments"],
)
@extend_schema(
    methods=["POST"],
    operation_id="assignments_create",
    summary="Assign the certification (audience, organisation, position, manager or individual)",
    request=s.AssignmentInSerializer,
    responses={201: s.AssignmentSerializer},
    tags=["Assignments"],
)
@api_view(["GET", "POST"])
def assignment_list(request, pk: int):
    certification = certification_administered(request.user, pk)
    if request.method == "GET":
        query = params(request)
        return page_response(
            assignments_for_certification(certification), query, s.AssignmentSerializer, prepare=_prepared
        )
    body = s.AssignmentInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    due = due_rule(data.get("due"))
    assignment = rules.assignment_create(
        certification=certification,
        type=data["type"],
        target=_target(data["type"], data["target"]),
        include_children=data["include_children"],
        due=due,
        actor=request.user,
    )
    row = assignments_for_certification(certification).get(pk=assignment.pk)
    return Response(s.AssignmentSerializer(_prepared([row])[0]).data, status=status.HTTP_201_CREATED)


@extend_schema(
    methods=["GET"],
    operation_id="assignments_detail",
    summary="One assignment",
    responses=s.AssignmentSerializer,
    tags=["Assignments"],
)
@extend_schema(
    methods=["DELETE"],
    operation_id="assignments_delete",
    summary="Remove an assignment; its learners lose this route (their records follow)",
    responses={200: s.AssignmentRemovedSerializer},
    tags=["Assignments"],
)
@api_view(["GET", "DELETE"])
def assignment_detail(request, pk: int):
    assignment = assignment_administered(request.user, pk)
    if request.method == "GET":
        row = assignments_for_certification(assignment.certification_id).get(pk=assignment.pk)
        return Response(s.AssignmentSerializer(_prepared([row])[0]).data)
    if assignment.type == AssignmentType.GROUP:
        raise ApiError(
            status_code=status.HTTP_409_CONFLICT,
            code="group_assignment",
            message=f"This is a group's assignment: delete the group (/api/v1/groups/{assignment.group_id}/).",
        )
    affected = rules.assignment_delete(assignment=assignment, actor=request.user)
    return Response({"learners_affected": affected})
