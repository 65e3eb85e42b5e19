"""Pages of Reports and Record of learning: thin views over reporting.selectors and reporting.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from certlms.db import reads_from_replica
from certlms.guards import site_admin_required

from . import exports, rules, selectors, services, totals
from .errors import ReportError
from .forms import ReportCreateForm, ReportEditForms
from .sources import SOURCE_CHOICES
from .tables import ReportTable

KEEP_PARAMS_EXCLUDED = ("after", "before", "last", "page")


def _query(request: HttpRequest, **changes) -> str:
    """The request's query string without paging, with ``changes`` applied (a value of None drops it)."""
    params = request.GET.copy()
    for name in KEEP_PARAMS_EXCLUDED:
        params.pop(name, None)
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = value
    return params.urlencode()


EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("ods", "ODS"))


def _report_context(request: HttpRequest, run: selectors.ReportRun, *, export_base: str, chart_url: str) -> dict:
    page = selectors.keyset_page(
        run.rows,
        columns=run.columns,
        sort=run.sort,
        ctx=run.ctx,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        last=bool(request.GET.get("last")),
    )
    total = totals.report_total(run.rows)
    chart = totals.status_chart(run.rows, source=run.source, ctx=run.ctx) if total.exact else None
    headers = []
    for chosen in run.columns:
        sort_url = None
        if chosen.column.sortable:
            ascending_now = run.sort.column == chosen.column and not run.sort.descending
            sort_url = "?" + _query(request, sort=f"-{chosen.column.key}" if ascending_now else chosen.column.key)
        current = run.sort.column == chosen.column
        headers.append(
            {
                "heading": chosen.heading,
                "sort_url": sort_url,
                "aria_sort": ("descending" if run.sort.descending else "ascending") if current else "",
            }
        )
    return {
        "run": run,
        "report": run.report,
        "table": ReportTable(run.columns, page),
        "headers": headers,
        "page": page,
        "total": total,
        "chart": chart,
        "filter_query": _query(request),
        "first_url": "?" + _query(request),
        "next_url": "?" + _query(request, after=page.next_cursor),
        "previous_url": "?" + _query(request, before=page.previous_cursor),
        "last_url": "?" + _query(request, last="1"),
        "export_formats": EXPORT_FORMATS,
        "export_base": export_base,
        "chart_url": f"{chart_url}?{_query(request)}",
    }


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = rules.reports_visible_to(request.user).filter(embedded="")
    labels = dict(SOURCE_CHOICES)
    rows = [(report, labels.get(report.source, report.source)) for report in reports]
    return render(request, "reporting/report_list.html", {"rows": rows, "nav": "reports", "form": ReportCreateForm()})


@site_admin_required
def report_create(request: HttpRequest) -> HttpResponse:
    form = ReportCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = services.report_create(
            name=form.cleaned_data["name"], source=form.cleaned_data["source"], actor=request.user
        )
        messages.success(request, f"Report “{report.name}” created. Choose its columns and filters.")
        return redirect("reporting:report_edit", report_id=report.pk)
    return render(request, "reporting/report_create.html", {"form": form, "nav": "reports"})


@login_required
def report_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = rules.report_get_for_admin(user=request.user, report_id=report_id)
    source = selectors.report_source(report)
    forms = ReportEditForms(request.POST or None, report=report, source=source)
    if request.method == "POST" and forms.is_valid():
        try:
            services.report_update(report=report, **forms.definition())
        except ReportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Report saved.")
            return redirect("reporting:report_edit", report_id=report.pk)
    context = {"report": report, "source": source, "forms": forms, "nav": "reports"}
    return render(request, "reporting/report_edit.html", context)


@login_required
@require_POST
def report_copy(request: HttpRequest, report_id: int) -> HttpResponse:
    report = rules.report_get_for_admin(user=request.user, report_id=report_id)
    copy = services.report_copy(report=report, actor=request.user)
    messages.success(request, f"Report copied as “{copy.name}”.")
    return redirect("reporting:report_edit", report_id=copy.pk)


@login_required
def report_delete(request: HttpRequest, report_id: int) -> HttpResponse:
    report = rules.report_get_for_admin(user=request.user, report_id=report_id)
    if report.embedded:
        raise Http404
    if request.method == "POST":
        services.report_delete(report=report)
        messages.success(request, f"Report “{report.name}” deleted.")
        return redirect("reporting:report_list")
    return render(request, "reporting/report_confirm_delete.html", {"report": report, "nav": "reports"})


@login_required
@reads_from_replica
def report_view(request: HttpRequest, report_id: int) -> HttpResponse:
    report = rules.report_get_for_viewer(user=request.user, report_id=report_id)
    run = selectors.report_run(report=report, user=request.user, params=request.GET, now=timezone.now())
    context = _report_context(
        request,
        run,
        export_base=reverse("reporting:report_export", args=[report.pk, "csv"]).removesuffix("csv/"),
        chart_url=reverse("reporting:report_chart", args=[report.pk]),
    )
    context["nav"] = "reports"
    return render(request, "reporting/report_view.html", context)


@login_required
@reads_from_replica
def report_chart(request: HttpRequest, report_id: int) -> HttpResponse:
    """The status chart alone: loaded after the page when the report is too large to count exactly."""
    report = rules.report_get_for_viewer(user=request.user, report_id=report_id)
    run = selectors.report_run(report=report, user=request.user, params=request.GET, now=timezone.now())
    chart = totals.status_chart(run.rows, source=run.source, ctx=run.ctx)
    return render(request, "reporting/_chart.html", {"chart": chart})


def _export(request: HttpRequest, run: selectors.ReportRun, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    return exports.run_export_response(run, fmt)


@login_required
@reads_from_replica
def report_export(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    report = rules.report_get_for_viewer(user=request.user, report_id=report_id)
    run = selectors.report_run(report=report, user=request.user, params=request.GET, now=timezone.now())
    return _export(request, run, fmt)


def _record_of_learning_run(request: HttpRequest) -> selectors.ReportRun:
    report = services.record_of_learning_report()
    return selectors.report_run(report=report, user=request.user, params=request.GET, now=timezone.now(), own_only=True)


@login_required
@reads_from_replica
def record_of_learning(request: HttpRequest) -> HttpResponse:
    """Record of learning → Certifications: the embedded report, always the viewer's own records."""
    run = _record_of_learning_run(request)
    context = _report_context(
        request,
        run,
        export_base=reverse("reporting:record_of_learning_export", args=["csv"]).removesuffix("csv/"),
        chart_url=reverse("reporting:record_of_learning_chart"),
    )
    context["nav"] = "record"
    return render(request, "reporting/record_of_learning.html", context)


@login_required
@reads_from_replica
def record_of_learning_chart(request: HttpRequest) -> HttpResponse:
    run = _record_of_learning_run(request)
    return render(
        request, "reporting/_chart.html", {"chart": totals.status_chart(run.rows, source=run.source, ctx=run.ctx)}
    )


@login_required
@reads_from_replica
def record_of_learning_export(request: HttpRequest, fmt: str) -> HttpResponse:
    return _export(request, _record_of_learning_run(request), fmt)


@site_admin_required
def record_of_learning_edit(request: HttpRequest) -> HttpResponse:
    """Site administration → Record of Learning: Certifications: the embedded report's edit page."""
    return redirect("reporting:report_edit", report_id=services.record_of_learning_report().pk)
