"""The caller's own self-enrolment in a certification: details, enrol, withdraw.

The same form and services as the Enrol and Withdraw dialogs, so an enrolment through the API
makes the same membership, route, record and audit rows as one through the dialog.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from assignments.services.groups import enrolment_status, group_enrol, group_withdraw, self_enrolment
from enrolment.forms import EnrolForm

from .. import serializers as s
from ..access import certification_for_viewer
from ..errors import form_errors


@extend_schema(
    methods=["GET"],
    operation_id="enrolment_detail",
    summary="The caller's self-enrolment (404 when not self-enrolled)",
    responses=s.EnrolmentSerializer,
    tags=["Enrolment"],
)
@extend_schema(
    methods=["POST"],
    operation_id="enrolment_create",
    summary="Enrol the caller in one of the certification's groups",
    request=s.EnrolInSerializer,
    responses={201: s.EnrolmentSerializer},
    tags=["Enrolment"],
)
@extend_schema(
    methods=["DELETE"],
    operation_id="enrolment_delete",
    summary="Withdraw the caller from the group they self-enrolled in",
    responses={204: None},
    tags=["Enrolment"],
)
@api_view(["GET", "POST", "DELETE"])
def enrolment(request, pk: int):
    certification = certification_for_viewer(request.user, pk)
    if request.method == "POST":
        body = s.EnrolInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = EnrolForm(data={"group": body.validated_data["group"]}, certification=certification)
        if not form.is_valid():
            raise form_errors(form)
        outcome = group_enrol(group=form.cleaned_data["group"], learner=request.user)
        return Response(s.EnrolmentSerializer(outcome).data, status=status.HTTP_201_CREATED)
    member = self_enrolment(certification=certification, learner=request.user)
    if member is None:
        raise Http404
    if request.method == "DELETE":
        group_withdraw(group=member.group, learner=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(s.EnrolmentSerializer(enrolment_status(member)).data)
