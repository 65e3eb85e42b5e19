"""The Assignments tab of a certification: list, Add… pickers, due-date dialog, removal, job progress.

Site administrators only; everyone else gets 404, as for a missing certification. Dialog URLs serve
the <dialog> to htmx and a whole page otherwise; every action is a plain form post too.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from certifications.models import Certification
from certlms.dialogs import dialog, leave_dialog
from certlms.guards import require_site_admin

from ..errors import AssignmentError
from ..forms import DueDateForm
from ..models import Assignment, RouteState
from ..selectors import assignments_for_certification, due_date_description, recent_jobs
from ..services import rules
from ..services.enrolment_requests import decidable_requests
from ..types import REGISTRY, TARGET_FIELDS, assignment_name
from .requests import request_rows

MAX_ID = 2**63 - 1  # larger ids cannot even be compared by the database

PICKER_LIMIT = 50
REQUESTS_SHOWN = 50  # on the tab; the Enrolment requests page pages through them all


def _certification(request: HttpRequest, certification_id: int) -> Certification:
    require_site_admin(request.user)
    return get_object_or_404(Certification, pk=certification_id)


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    require_site_admin(request.user)
    return get_object_or_404(
        Assignment.objects.select_related("certification", *TARGET_FIELDS),
        pk=pk,
    )


_dialog = partial(dialog, page="assignments/dialog_page.html")


def _back_to_tab(request: HttpRequest, certification_id: int) -> HttpResponse:
    return leave_dialog(request, reverse("assignments:tab", args=[certification_id]))


def _add_menu(certification: Certification) -> list[dict]:
    """The Add… menu: one entry per type (a type added on pages of its own only when they are there)."""
    entries = []
    for kind in REGISTRY.values():
        try:
            entries.append({"label": kind.label, "url": kind.add_url(certification.pk)})
        except NoReverseMatch:
            continue
    return entries


@login_required
def assignments_tab(request: HttpRequest, certification_id: int) -> HttpResponse:
    certification = _certification(request, certification_id)
    rows = [
        {"assignment": a, "name": assignment_name(a), "due": due_date_description(a)}
        for a in assignments_for_certification(certification)
    ]
    return render(
        request,
        "assignments/tab.html",
        {
            "certification": certification,
            "rows": rows,
            "add_menu": _add_menu(certification),
            "enrolment_requests": list(
                request_rows(decidable_requests(request.user).filter(certification=certification))[:REQUESTS_SHOWN]
            ),
            **recent_jobs(certification),
            "active_tab": "Assignments",
            "nav": "admin",
        },
    )


@login_required
def jobs_progress(request: HttpRequest, certification_id: int) -> HttpResponse:
    """The progress fragment the tab polls (htmx, every 2 s while a job runs)."""
    certification = _certification(request, certification_id)
    return render(request, "assignments/_jobs.html", {"certification": certification, **recent_jobs(certification)})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_add(request: HttpRequest, certification_id: int, type: str) -> HttpResponse:
    """The picker of one type: search, choose one or more, (include children), Add."""
    certification = _certification(request, certification_id)
    kind = REGISTRY.get(type)
    if kind is None or kind.picker is None:
        raise Http404
    errors: list[str] = []
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("targets") if v.isdigit() and int(v) <= MAX_ID]
        targets = kind.targets(ids)
        include_children = request.POST.get("include_children") == "on"
        send_messages = kind.at_once or request.POST.get("send_enrolment_messages") == "on"
        if not targets:
            errors.append("Choose at least one.")
        added = 0
        for target in targets:
            try:
                rules.assignment_create(
                    certification=certification,
                    type=type,
                    target=target,
                    include_children=include_children,
                    actor=request.user,
                    send_messages=send_messages,
                )
                added += 1
            except AssignmentError as error:
                errors.append(str(error))
        if added:
            messages.success(request, f"{added} assignment(s) added; their learners are being assigned.")
            for error in errors:
                messages.warning(request, error)
            return _back_to_tab(request, certification.pk)
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL in a literal
    candidates = list(kind.picker(search)[: PICKER_LIMIT + 1])
    return _dialog(
        request,
        "assignments/_picker.html",
        {
            "certification": certification,
            "type": type,
            "kind": kind,
            "search": search,
            "candidates": candidates[:PICKER_LIMIT],
            "more": len(candidates) > PICKER_LIMIT,
            "children": kind.include_children,
            "errors": errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def due_date_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The due-date dialog. A first POST previews (learners moved, new exceptions); "Save" applies."""
    assignment = _assignment(request, pk)
    form = DueDateForm.for_assignment(assignment, data=request.POST if request.method == "POST" else None)
    preview = None
    if request.method == "POST" and form.is_valid():
        due = form.due_rule()
        if request.POST.get("confirm") == "1":
            rules.assignment_due_update(assignment=assignment, due=due, actor=request.user)
            messages.success(request, f"Assignment due date of {assignment_name(assignment)} saved.")
            return _back_to_tab(request, assignment.certification_id)
        preview = rules.due_change_preview(assignment=assignment, due=due)
    return _dialog(
        request,
        "assignments/_due_form.html",
        {
            "certification": assignment.certification,
            "assignment": assignment,
            "form": form,
            "preview": preview,
            "name": assignment_name(assignment),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Removing an assignment asks for confirmation and says how many learners it affects."""
    assignment = _assignment(request, pk)
    if request.method == "POST":
        certification_id, name = assignment.certification_id, assignment_name(assignment)
        affected = rules.assignment_delete(assignment=assignment, actor=request.user)
        messages.success(request, f"Assignment {name} removed; it reached {affected} learner(s).")
        return _back_to_tab(request, certification_id)
    affected = assignment.user_assignments.count()
    counting = assignment.user_assignments.filter(state=RouteState.ACTIVE).count()
    return _dialog(
        request,
        "assignments/_delete.html",
        {
            "certification": assignment.certification,
            "assignment": assignment,
            "name": assignment_name(assignment),
            "affected": affected,
            "counting": counting,
        },
    )


@login_required
@require_POST
def recompute(request: HttpRequest, certification_id: int) -> HttpResponse:
    """Recompute every assignment of the certification now (in the background, with progress)."""
    certification = _certification(request, certification_id)
    job = rules.recompute_later(certification_id=certification.pk, actor=request.user)
    messages.success(request, f"{job.description} of {certification.fullname} started; its progress shows below.")
    return _back_to_tab(request, certification.pk)
