"""Learners' certification records: the caller's own, and a certification's (within the caller's
reach: every learner for site administrators, their staff for managers, their own for everyone),
filtered by status, due date and assignment type, paged by keyset.

A page is two queries (the token, the page); the certification is looked up only when the page is
empty, to tell an empty page from a certification the caller may not see (404)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view

from certifications.models import CertificationRecord
from reporting.sources.certification import OVERVIEW

from .. import serializers as s
from ..access import certification_with_records_in_reach, records_in_reach
from ..paging import params, values_page_response
from ..rows import RECORD_COLUMNS, record_row


def _filtered(records, query: dict):
    """The report source's own filters (status, assignment type), and the due date range."""
    ctx = OVERVIEW.context(timezone.now())
    for key in ("status", "assignment_type"):
        if query.get(key):
            records = OVERVIEW.filter(key).apply(records, query[key], ctx)
    if query.get("due_after"):
        records = records.filter(due_date__gte=query["due_after"])
    if query.get("due_before"):
        records = records.filter(due_date__lt=query["due_before"])
    return records


@extend_schema(
    operation_id="my_records_list",
    summary="The caller's own certification records",
    parameters=[s.RecordParams],
    responses=s.page_of(s.RecordSerializer),
    tags=["Records"],
)
@api_view(["GET"])
def my_records(request):
    query = params(request, s.RecordParams)
    records = CertificationRecord.objects.filter(user=request.user)
    return values_page_response(_filtered(records, query), query, RECORD_COLUMNS, record_row)


@extend_schema(
    operation_id="certification_records_list",
    summary="A certification's learner records within the caller's reach",
    parameters=[s.RecordParams],
    responses=s.page_of(s.RecordSerializer),
    tags=["Records"],
)
@api_view(["GET"])
def certification_records(request, pk: int):
    query = params(request, s.RecordParams)
    records = _filtered(records_in_reach(request.user), query)
    response = values_page_response(records, query, RECORD_COLUMNS, record_row, within=("certification_id", pk))
    if not response.data["results"]:
        # A record in reach shows the certification; with none, a missing or hidden one answers 404.
        certification_with_records_in_reach(request.user, pk)
    return response
