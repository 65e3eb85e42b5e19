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

from assignments.services.enrolment_requests import latest_request, pending_request, request_cancel
from assignments.services.groups import (
    EnrolmentError,
    EnrolmentKeyRefused,
    GroupFull,
    enrolment_status,
    group_enrol,
    group_withdraw,
    self_enrolment,
    visible_certifications,
)
from certifications.models import Certification
from certlms.db import reads_from_replica
from certlms.dialogs import dialog, leave_dialog

from . import selectors
from .forms import CatalogueSearchForm, EnrolForm

CATALOGUE_PAGE_SIZE = 20


def _certification(request: HttpRequest, pk: int) -> Certification:
    """The certification if the viewer may see it; 404 for hidden and missing alike."""
    return get_object_or_404(visible_certifications(request.user), pk=pk)


_dialog = partial(dialog, page="enrolment/dialog_page.html")


@login_required
def current_learning(request: HttpRequest) -> HttpResponse:
    items = selectors.current_learning(user=request.user)
    return render(request, "enrolment/current_learning.html", {"items": items, "nav": "current"})


@login_required
@reads_from_replica
def catalogue(request: HttpRequest) -> HttpResponse:
    form = CatalogueSearchForm(request.GET)
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(selectors.catalogue(user=request.user, search=search), CATALOGUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    progress = selectors.catalogue_progress(user=request.user, certifications=[c.pk for c in page])
    states = selectors.group_states(certification_ids=[c.pk for c in page])
    for certification in page:
        certification.progress = progress.get(certification.pk)
        certification.group_states = states[certification.pk]
    context = {"form": form, "page": page, "search": search, "nav": "catalogue"}
    return render(request, "enrolment/catalogue.html", context)


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
            problem = next(iter(form.errors.values()))[0]
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": problem})
        group, key = form.cleaned_data["group"], form.cleaned_data["enrolment_key"]
        try:
            outcome = group_enrol(group=group, learner=request.user, enrolment_key=key)
        except GroupFull as error:
            return _choose(request, context, problem=str(error))
        except EnrolmentKeyRefused as error:
            return _confirm(request, context, chosen=str(group.pk), problem=str(error))
        except EnrolmentError as error:
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": str(error)})
        if request.htmx:
            return _dialog(request, "enrolment/_enrol_outcome.html", {**context, "outcome": outcome})
        if outcome.awaiting_approval:
            messages.success(request, f"Your request to enrol in {certification.fullname} is awaiting approval.")
        else:
            messages.success(request, f"You are enrolled in {certification.fullname}.")
        return redirect("enrolment:enrolment_details", pk=certification.pk)

    if self_enrolment(certification=certification, learner=request.user) is not None:
        problem = f"You are already enrolled in {certification.fullname}."
        return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": problem})
    return _confirm(request, context, chosen=request.GET.get("group"))


def _confirm(request: HttpRequest, context: dict, *, chosen: str | None, problem: str = "") -> HttpResponse:
    """The confirmation of the chosen group (or of the only one), asking for its key if it has one;
    the list when there is no such group, or it is full."""
    offers = selectors.group_offers(certification=context["certification"], learner=request.user)
    offer = next((o for o in offers if str(o.group.pk) == chosen), None)
    if offer is None and len(offers) == 1 and chosen is None:
        offer = offers[0]
    if offer is not None and not offer.full:
        context = {**context, "offer": offer, "several": len(offers) > 1, "problem": problem}
        return _dialog(request, "enrolment/_enrol_confirm.html", context)
    if offer is not None:
        return _choose(request, context, problem="This group is full.", offers=offers)
    stale = "That group no longer takes enrolments. Please choose again." if chosen is not None else ""
    return _choose(request, context, problem=stale, offers=offers)


def _choose(request: HttpRequest, context: dict, *, problem: str, offers=None) -> HttpResponse:
    """The list of groups (full ones say so), with why the learner is back at it; a problem alone when none is left."""
    certification = context["certification"]
    if offers is None:
        offers = selectors.group_offers(certification=certification, learner=request.user)
    if not offers:
        problem = f"{problem} " if problem else ""
        problem += f"No group of {certification.fullname} takes enrolments now."
        return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": problem})
    return _dialog(request, "enrolment/_enrol_choose.html", {**context, "offers": offers, "problem": problem})


@login_required
def enrolment_details(request: HttpRequest, pk: int) -> HttpResponse:
    certification = _certification(request, pk)
    member = self_enrolment(certification=certification, learner=request.user)
    if member is not None:
        status = enrolment_status(member)
        context = {"certification": certification, "status": status, "state": _state(member.group)}
        return _dialog(request, "enrolment/_details.html", context)
    enrolment_request = latest_request(certification=certification, learner=request.user)
    if enrolment_request is None:
        raise Http404
    context = {"certification": certification, "enrolment_request": enrolment_request}
    return _dialog(request, "enrolment/_request_details.html", {**context, "state": _state(enrolment_request.group)})


def _state(group) -> selectors.GroupState | None:
    """The group's enrolment state in words, for Enrolment details (None if it no longer takes enrolments)."""
    states = selectors.group_states(certification_ids=[group.certification_id])[group.certification_id]
    return next((state for state in states if state.group.pk == group.pk), None)


@login_required
@require_http_methods(["GET", "POST"])
def cancel_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel request: asks for confirmation, then the learner's request awaiting approval is cancelled."""
    certification = _certification(request, pk)
    context = {"certification": certification}
    if request.method == "POST":
        try:
            request_cancel(certification=certification, learner=request.user)
        except EnrolmentError as error:
            return _dialog(request, "enrolment/_enrol_problem.html", {**context, "problem": str(error)})
        messages.success(request, f"Your request to enrol in {certification.fullname} is cancelled.")
        target = reverse("enrolment:overview", args=[certification.pk])
        return leave_dialog(request, target)
    enrolment_request = pending_request(certification=certification, learner=request.user)
    if enrolment_request is None:
        raise Http404
    return _dialog(request, "enrolment/_cancel_request.html", {**context, "enrolment_request": enrolment_request})


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
