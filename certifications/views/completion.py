"""The Completion tab: every learner with a record, and the per-learner editor (DOMAIN §6)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django_tables2 import RequestConfig

from ..auditwords import assignment_names_for
from ..errors import RecordStateError
from ..filters import RecordFilter
from ..forms import DueDateForm, HistoryRecordForm, RecordStateForm
from ..models import AuditEvent, CertificationRecord, CertificationRecordHistory
from ..permissions import certification_for_admin, site_admin_required
from ..routes import awaiting_event_for, has_routes_source, routes_for
from ..rules import corrected_values, record_change_consequences
from ..services.audit import RECORD_FIELDS
from ..services.editor import history_delete, history_save, record_correct, record_due_date_set
from ..tables import RecordTable


def _render(request, certification, template, **context) -> HttpResponse:
    return render(
        request, template, {"certification": certification, "active_tab": "Completion", "nav": "admin", **context}
    )


@site_admin_required
def completion_list(request: HttpRequest, pk: int) -> HttpResponse:
    certification = certification_for_admin(pk)
    records = CertificationRecord.objects.filter(certification=certification).select_related("user")
    filterset = RecordFilter(request.GET, queryset=records.order_by("user__last_name", "user__first_name", "id"))
    exclude = () if has_routes_source() else ("routes",)
    table = RecordTable(filterset.qs, exclude=exclude)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    user_ids = [row.record.user_id for row in table.page.object_list]
    table.awaiting = awaiting_event_for(certification_id=certification.pk, user_ids=user_ids)
    if has_routes_source():
        table.routes = routes_for(certification_id=certification.pk, user_ids=user_ids)
    return _render(request, certification, "certifications/completion.html", table=table, filter=filterset)


def _record(pk: int, user_pk: int):
    certification = certification_for_admin(pk)
    record = get_object_or_404(
        CertificationRecord.objects.select_related("user", "certification"),
        certification=certification,
        user_id=user_pk,
    )
    return certification, record


NOTHING_SAVED = "Nothing was saved: {} is unchanged."


def _editor(
    request, certification, record, *, due_form=None, state_form=None, consequences=None, clearing=False
) -> HttpResponse:
    history = CertificationRecordHistory.objects.filter(certification=certification, user=record.user).order_by(
        "-archived_at", "-id"
    )
    events = list(
        AuditEvent.objects.filter(certification=certification).for_learner(record.user_id).select_related("actor")[:200]
    )
    now = timezone.now()
    return _render(
        request,
        certification,
        "certifications/record_edit.html",
        record=record,
        learner=record.user,
        due_form=due_form or DueDateForm(initial={"due_date": record.due_date}),
        state_form=state_form
        or RecordStateForm(initial={field: getattr(record, field) for field in RECORD_FIELDS}, now=now),
        consequences=consequences,
        clearing=clearing,
        history=history,
        events=events,
        assignment_names=assignment_names_for(events),
    )


@site_admin_required
def record_edit(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    certification, record = _record(pk, user_pk)
    return _editor(request, certification, record)


@site_admin_required
def record_due_date(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    certification, record = _record(pk, user_pk)
    """Set a due date; clearing it ("No due date") asks for confirmation first."""
    form = DueDateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        due_date = form.cleaned_data["due_date"]
        if due_date is None and record.due_date is not None and "confirm" not in request.POST:
            return _editor(request, certification, record, due_form=form, clearing=True)
        if record_due_date_set(record=record, due_date=due_date, actor=request.user, now=timezone.now()):
            messages.success(request, "Due date cleared." if due_date is None else "Due date saved.")
        else:
            messages.info(request, NOTHING_SAVED.format("the due date"))
        return redirect("certifications:record_edit", pk, user_pk)
    return _editor(request, certification, record, due_form=form)


@site_admin_required
def record_state(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """First post shows what saving will do; the post with ``confirm`` saves."""
    certification, record = _record(pk, user_pk)
    if request.method != "POST":
        return redirect("certifications:record_edit", pk, user_pk)
    now = timezone.now()
    form = RecordStateForm(request.POST, now=now)
    if not form.is_valid():
        return _editor(request, certification, record, state_form=form)
    values = corrected_values({field: form.cleaned_data[field] for field in RECORD_FIELDS})
    if "confirm" not in request.POST:
        before = {field: getattr(record, field) for field in RECORD_FIELDS}
        consequences = record_change_consequences(before, values, now=now)
        return _editor(request, certification, record, state_form=form, consequences=consequences)
    try:
        changed = record_correct(record=record, values=values, actor=request.user, now=now)
    except RecordStateError as error:
        _add_errors(form, error)
        return _editor(request, certification, record, state_form=form)
    if changed:
        messages.success(request, "Record saved.")
    else:
        messages.info(request, NOTHING_SAVED.format("the record"))
    return redirect("certifications:record_edit", pk, user_pk)


def _add_errors(form, error: RecordStateError) -> None:
    for field, message in error.errors.items():
        form.add_error(field if field in form.fields else None, message)


@site_admin_required
def history_edit(request: HttpRequest, pk: int, user_pk: int, history_pk: int | None = None) -> HttpResponse:
    certification, record = _record(pk, user_pk)
    if history_pk is None:
        history = CertificationRecordHistory(certification=certification, user=record.user)
        initial = {"archived_at": timezone.now()}
    else:
        history = get_object_or_404(
            CertificationRecordHistory, pk=history_pk, certification=certification, user=record.user
        )
        initial = HistoryRecordForm.initial_for(history)
    now = timezone.now()
    form = HistoryRecordForm(request.POST or None, initial=initial, now=now)
    if request.method == "POST" and form.is_valid():
        try:
            changed = history_save(history=history, values=form.cleaned_data, actor=request.user, now=now)
        except RecordStateError as error:
            _add_errors(form, error)
        else:
            if changed:
                messages.success(request, "History record saved.")
            else:
                messages.info(request, NOTHING_SAVED.format("the history record"))
            return redirect("certifications:record_edit", pk, user_pk)
    return _render(
        request, certification, "certifications/history_form.html", form=form, learner=record.user, history=history
    )


@site_admin_required
def history_remove(request: HttpRequest, pk: int, user_pk: int, history_pk: int) -> HttpResponse:
    certification, record = _record(pk, user_pk)
    history = get_object_or_404(
        CertificationRecordHistory, pk=history_pk, certification=certification, user=record.user
    )
    if request.method == "POST":
        history_delete(history=history, actor=request.user, now=timezone.now())
        messages.success(request, "History record deleted.")
        return redirect("certifications:record_edit", pk, user_pk)
    from django.urls import reverse

    return _render(
        request,
        certification,
        "certifications/confirm_delete.html",
        object_label="this history record",
        cancel_url=reverse("certifications:record_edit", args=[pk, user_pk]),
    )
