"""The learner's pages: the catalogue, a certification's overview, Enrol, Enrolment details and Withdraw.

Every dialog URL serves the whole page to a plain request and just the <dialog> to htmx; every
action is a plain form post. The server checks visibility on every request (404 when hidden or
missing) and the services check the rest.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assignments.errors import EnrolmentError
from assignments.services.groups import (
    enrolment_status,
    group_enrol,
    group_withdraw,
    self_enrolment,
    visible_certifications,
)
from certifications.models import Certification
from certlms.dialogs import dialog, leave_dialog

from . import selectors
from .forms import CatalogueSearchForm, EnrolForm

CATALOGUE_PAGE_SIZE = 20


def _certification(request: HttpRequest, pk: int) -> Certification:
    """The certification if the viewer may see it; 404 for hidden and missing alike."""
    return get_object_or_404(visible_certifications(request.user), pk=pk)


_dialog = partial(dialog, page="enrolment/dialog_page.html")


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueSearchForm(request.GET)
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(selectors.catalogue(user=request.user, search=search), CATALOGUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "enrolment/catalogue.html", {"form": form, "page": page, "search": search, "nav": "catalogue"}
    )


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    data = selectors.overview(certification=certification, user=request.user)
    return render(request, "enrolment/overview.html", {"o": data, "certification": certification, "nav": "catalogue"})


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    context = {"certification": certification}
    if request.method == "POST":
        form = EnrolForm(request.POST, certification=certification)
        if not form.is_valid():
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": form.errors["group"][0]})
        try:
            outcome = group_enrol(group=form.cleaned_data["group"], learner=request.user)
        except EnrolmentError as error:
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": str(error)})
        if request.htmx:
            return _dialog(request, "enrolment/_enrol_outcome.html", {**context, "outcome": outcome})
        messages.success(request, f"You are enrolled in {certification.fullname}.")
        return redirect("enrolment:enrolment_details", pk=certification.pk)

    if self_enrolment(certification=certification, learner=request.user) is not None:
        problem = f"You are already enrolled in {certification.fullname}."
        return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": problem})
    offers = selectors.group_offers(certification=certification, learner=request.user)
    chosen = request.GET.get("group")
    offer = next((o for o in offers if str(o.group.pk) == chosen), None)
    if offer is None and len(offers) == 1 and chosen is None:
        offer = offers[0]
    if offer is not None:
        return _dialog(
            request, "enrolment/_enrol_confirm.html", {**context, "offer": offer, "several": len(offers) > 1}
        )
    if not offers:
        problem = f"No group of {certification.fullname} takes enrolments now."
        return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": problem})
    stale = "That group no longer takes enrolments. Please choose again." if chosen is not None else ""
    return _dialog(request, "enrolment/_enrol_choose.html", {**context, "offers": offers, "problem": stale})


@login_required
def enrolment_details(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    member = self_enrolment(certification=certification, learner=request.user)
    if member is None:
        raise Http404
    status = enrolment_status(member)
    return _dialog(request, "enrolment/_details.html", {"certification": certification, "status": status})


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    member = self_enrolment(certification=certification, learner=request.user)
    context = {"certification": certification, "member": member}
    if request.method == "POST":
        if member is None:
            problem = f"You are not self-enrolled in {certification.fullname}; nothing was changed."
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": problem})
        try:
            group_withdraw(group=member.group, learner=request.user)
        except EnrolmentError as error:
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": str(error)})
        messages.success(request, f"You have withdrawn from {certification.fullname}.")
        target = reverse("enrolment:overview", args=[certification.pk])
        return leave_dialog(request, target)
    if member is None:
        raise Http404
    return _dialog(request, "enrolment/_withdraw_confirm.html", context)
