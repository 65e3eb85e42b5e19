"""Course completions import (site administrators): many at once, idempotent by external id, all or nothing."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .. import serializers as s
from ..access import require_site_admin
from ..services import completions_import


@extend_schema(
    operation_id="course_completions_import",
    summary="Import course completions (up to 1,000 per request)",
    description=(
        "Each completion names the learner by username and the course by short name, with your own "
        "external id for it. Resending an external id is safe: the same time changes nothing, another "
        "time corrects it. If any row is invalid, nothing is imported and each bad row is listed."
    ),
    request=s.CompletionsInSerializer,
    responses={200: s.CompletionsImportedSerializer},
    tags=["Course completions"],
)
@api_view(["POST"])
def completions(request):
    require_site_admin(request.user)
    body = s.CompletionsInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    result = completions_import(rows=body.validated_data["completions"], actor=request.user)
    return Response({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
