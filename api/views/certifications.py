"""Certifications as the caller sees them in the catalogue: list and search, detail."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from enrolment import selectors as enrolment_selectors

from .. import serializers as s
from ..access import certification_for_viewer
from ..paging import page_response, params

FIELDS = ("id", "fullname", "shortname", "idnumber", "summary", "available_from", "available_until")


def _catalogue(user, search: str = ""):
    return enrolment_selectors.catalogue(user=user, search=search).only(*FIELDS)


@extend_schema(
    operation_id="certifications_list",
    summary="Certifications the caller may see (search with q)",
    parameters=[s.CertificationSearchParams],
    responses=s.page_of(s.CertificationSerializer),
    tags=["Certifications"],
)
@api_view(["GET"])
def certification_list(request):
    query = params(request, s.CertificationSearchParams)
    return page_response(_catalogue(request.user, query.get("q", "").strip()), query, s.CertificationSerializer)


@extend_schema(
    operation_id="certifications_detail",
    summary="One certification, with the groups the caller may enrol in now",
    responses=s.CertificationDetailSerializer,
    tags=["Certifications"],
)
@api_view(["GET"])
def certification_detail(request, pk: int):
    certification = certification_for_viewer(request.user, pk)
    row = _catalogue(request.user).get(pk=certification.pk)
    overview = enrolment_selectors.overview(certification=row, user=request.user)
    offers = enrolment_selectors.group_offers(certification=row, learner=request.user) if overview.can_enrol else []
    row.groups_open_for_enrolment = offers
    return Response(s.CertificationDetailSerializer(row).data)
