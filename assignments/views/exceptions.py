"""The Exceptions tab: open exceptions (type filter, 50 per page, select many) and their resolutions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..forms import ExceptionFilterForm, ResolveForm
from ..models import Resolution
from ..selectors import open_exceptions
from ..services.exceptions import exception_resolve, resolutions_for
from ..types import assignment_name, kind_of
from .tabs import _certification

PAGE_SIZE = 50


@login_required
def exceptions_tab(request: HttpRequest, certification_id: int) -> HttpResponse:
    certification = _certification(request, certification_id)
    filters = ExceptionFilterForm(request.GET or None)
    type_ = filters.cleaned_data["type"] if filters.is_valid() else ""
    page = Paginator(open_exceptions(certification, type=type_), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "exception": e,
            "route_type": kind_of(e.assignment).label,
            "route_name": assignment_name(e.assignment),
            "resolutions": [Resolution(r).label for r in resolutions_for(e.type)],
        }
        for e in page.object_list
    ]
    return render(
        request,
        "assignments/exceptions.html",
        {
            "certification": certification,
            "filters": filters,
            "type": type_,
            "page": page,
            "rows": rows,
            "resolutions": Resolution.choices,
            "active_tab": "Exceptions",
            "nav": "admin",
        },
    )


@login_required
@require_POST
def exceptions_resolve(request: HttpRequest, certification_id: int) -> HttpResponse:
    certification = _certification(request, certification_id)
    form = ResolveForm(request.POST)
    url = reverse("assignments:exceptions", args=[certification.pk])
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(url)
    data = form.cleaned_data
    if data["scope"] == "all":
        ids = open_exceptions(certification, type=data["type"]).values("id")
    else:
        ids = data["exceptions"]
    result = exception_resolve(
        certification=certification, exception_ids=ids, resolution=data["resolution"], actor=request.user
    )
    label = Resolution(data["resolution"]).label
    messages.success(request, f"{label}: {result.resolved} exception(s) resolved.")
    if result.skipped:
        messages.warning(
            request, f"{result.skipped} exception(s) skipped: '{label}' is not offered for their exception type."
        )
    return redirect(f"{url}?type={data['type']}" if data["type"] else url)
