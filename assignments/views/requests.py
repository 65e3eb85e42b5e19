"""Enrolment requests pages (DOMAIN.md §10): site administrators see every request awaiting approval
(and a certification's on its Assignments tab), a manager sees their staff's on their own page.

Both approve or deny one or many at once with an optional reason; the service decides only what
the viewer may decide (``decidable_requests``), whatever was posted.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from certlms.guards import require_site_admin
from directory.permissions import is_manager

from ..forms_requests import DecisionForm
from ..models import EnrolmentRequest
from ..services.enrolment_requests import decidable_requests, requests_decide, staff_requests

PAGE_SIZE = 50


def request_rows(requests: QuerySet[EnrolmentRequest]) -> QuerySet[EnrolmentRequest]:
    """The list's rows: learner, certification and group in the same query, oldest first."""
    return requests.select_related("user", "group", "certification").order_by("requested_at", "pk")


@login_required
@require_http_methods(["GET", "POST"])
def admin_requests(request: HttpRequest) -> HttpResponse:
    """Site administration → Enrolment requests: every request awaiting approval."""
    require_site_admin(request.user)
    return _page(request, decidable_requests(request.user), layout="admin_layout.html", nav="admin")


@login_required
@require_http_methods(["GET", "POST"])
def staff_requests_page(request: HttpRequest) -> HttpResponse:
    """A manager's Enrolment requests: their staff's requests awaiting approval, and no one else's."""
    if not is_manager(request.user):
        raise Http404
    return _page(request, staff_requests(request.user), layout="learner_layout.html", nav="requests")


def _page(request: HttpRequest, requests: QuerySet[EnrolmentRequest], *, layout: str, nav: str) -> HttpResponse:
    if request.method == "POST":
        return decide(request, among=requests)
    page = Paginator(request_rows(requests), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "layout": layout, "nav": nav, "action": request.path, "next": request.path}
    return render(request, "assignments/requests/page.html", context)


def decide(request: HttpRequest, *, among: QuerySet[EnrolmentRequest]) -> HttpResponse:
    """Approve or Deny the chosen requests; back to the list (or the Assignments tab) with what happened."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = request.path
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, f"{errors[0]} Nothing was changed.")
        return redirect(back)
    approve = form.cleaned_data["decision"] == "approve"
    done = requests_decide(
        request_ids=form.cleaned_data["requests"],
        approve=approve,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        among=among,
    )
    if done.decided:
        count = len(done.decided)
        messages.success(request, f"{count} request{'s' if count != 1 else ''} {'approved' if approve else 'denied'}.")
    for enrolment_request, why in done.refused:
        who = enrolment_request.user.get_full_name() or enrolment_request.user.get_username()
        messages.error(request, f"{who} ({enrolment_request.group.name}): {why} Nothing was changed for this request.")
    if done.not_found:
        messages.error(request, f"{done.not_found} of the chosen requests no longer await your approval.")
    return redirect(back)
