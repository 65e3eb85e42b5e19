"""A certification's open exceptions (site administrators): list by type, resolve many at once."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from assignments.selectors import open_exceptions
from assignments.services.exceptions import exception_resolve, resolutions_for
from assignments.types import assignment_name, kind_of

from .. import serializers as s
from ..access import certification_administered
from ..paging import page_response, params


def _prepared(exceptions):
    for exception in exceptions:
        exception.route_type = kind_of(exception.assignment).label
        exception.route_name = assignment_name(exception.assignment)
        exception.resolutions = resolutions_for(exception.type)
    return exceptions


@extend_schema(
    operation_id="exceptions_list",
    summary="A certification's open exceptions",
    parameters=[s.ExceptionParams],
    responses=s.page_of(s.ExceptionSerializer),
    tags=["Exceptions"],
)
@api_view(["GET"])
def exception_list(request, pk: int):
    certification = certification_administered(request.user, pk)
    query = params(request, s.ExceptionParams)
    return page_response(
        open_exceptions(certification, type=query.get("type", "")), query, s.ExceptionSerializer, prepare=_prepared
    )


@extend_schema(
    operation_id="exceptions_resolve",
    summary="Resolve open exceptions (those of a type the resolution is not offered for are skipped)",
    request=s.ResolveInSerializer,
    responses={200: s.ResolvedSerializer},
    tags=["Exceptions"],
)
@api_view(["POST"])
def exception_resolve_view(request, pk: int):
    certification = certification_administered(request.user, pk)
    body = s.ResolveInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    result = exception_resolve(
        certification=certification,
        exception_ids=body.validated_data["exceptions"],
        resolution=body.validated_data["resolution"],
        actor=request.user,
    )
    return Response({"resolved": result.resolved, "skipped": result.skipped})
