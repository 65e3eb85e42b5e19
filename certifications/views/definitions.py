"""Site administration → Certifications: the list, create, delete, and the definition tabs."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_tables2 import RequestConfig

from ..filters import CertificationFilter
from ..forms import CertificationDetailsForm, CertificationSettingsForm, CourseSetForm, SameContentForm
from ..models import Certification, CertificationPath, CourseSet, RecordStatus
from ..permissions import certification_for_admin, site_admin_required
from ..selectors import path_course_sets, path_time_allowance
from ..tables import CertificationTable


@site_admin_required
def certification_list(request: HttpRequest) -> HttpResponse:
    queryset = Certification.objects.annotate(learners=Count("records"))
    filterset = CertificationFilter(request.GET, queryset=queryset)
    table = CertificationTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "certifications/list.html", {"table": table, "filter": filterset, "nav": "admin"})


@site_admin_required
def certification_create(request: HttpRequest) -> HttpResponse:
    form = CertificationDetailsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        certification = form.save()
        messages.success(request, f"Certification '{certification.fullname}' added.")
        return redirect("certifications:content", certification.pk)
    return render(request, "certifications/create.html", {"form": form, "nav": "admin"})


def _tab(request, certification, name, template, **context) -> HttpResponse:
    return render(request, template, {"certification": certification, "active_tab": name, "nav": "admin", **context})


@site_admin_required
def certification_overview(request: HttpRequest, pk: int) -> HttpResponse:
    certification = certification_for_admin(pk)
    counts = certification.records.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in RecordStatus.values}
    )
    status_counts = [(label, counts[value]) for value, label in RecordStatus.choices]
    paths = [
        {
            "label": label,
            "sets": path_course_sets(certification=certification, path=value),
            "allowance": path_time_allowance(certification=certification, path=value),
        }
        for value, label in CertificationPath.choices
    ]
    return _tab(
        request,
        certification,
        "Overview",
        "certifications/overview.html",
        status_counts=status_counts,
        paths=paths,
    )


def _settings_tab(request, pk: int, *, form_class, tab: str, url_name: str, saved: str) -> HttpResponse:
    """A tab that is one form over the certification's own fields."""
    certification = certification_for_admin(pk)
    form = form_class(request.POST or None, instance=certification)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, saved)
        return redirect(url_name, pk)
    return _tab(request, certification, tab, f"certifications/{url_name.split(':')[1]}.html", form=form)


@site_admin_required
def certification_details(request: HttpRequest, pk: int) -> HttpResponse:
    return _settings_tab(
        request,
        pk,
        form_class=CertificationDetailsForm,
        tab="Details",
        url_name="certifications:details",
        saved="Details saved.",
    )


@site_admin_required
def certification_content(request: HttpRequest, pk: int) -> HttpResponse:
    certification = certification_for_admin(pk)
    form = SameContentForm(request.POST or None, instance=certification)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Content saved.")
        return redirect("certifications:content", pk)
    paths = []
    for value, label in CertificationPath.choices:
        sets = CourseSet.objects.filter(certification=certification, path=value).prefetch_related("courses")
        paths.append(
            {
                "value": value,
                "label": f"{label} path",
                "sets": sets,
                "allowance": path_time_allowance(certification=certification, path=value),
                "same": value == CertificationPath.RECERTIFICATION and certification.recertification_same_content,
            }
        )
    return _tab(request, certification, "Content", "certifications/content.html", form=form, paths=paths)


@site_admin_required
def course_set_edit(request: HttpRequest, pk: int, path: str = "", set_pk: int | None = None) -> HttpResponse:
    certification = certification_for_admin(pk)
    if set_pk is None:
        if path not in CertificationPath.values:
            return redirect("certifications:content", pk)
        next_order = CourseSet.objects.filter(certification=certification, path=path).count()
        course_set = CourseSet(certification=certification, path=path, sortorder=next_order)
    else:
        course_set = get_object_or_404(CourseSet, pk=set_pk, certification=certification)
    form = CourseSetForm(request.POST or None, instance=course_set)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Course set saved.")
        return redirect("certifications:content", pk)
    return _tab(
        request, certification, "Content", "certifications/course_set_form.html", form=form, course_set=course_set
    )


@site_admin_required
def course_set_delete(request: HttpRequest, pk: int, set_pk: int) -> HttpResponse:
    certification = certification_for_admin(pk)
    course_set = get_object_or_404(CourseSet, pk=set_pk, certification=certification)
    if request.method == "POST":
        course_set.delete()
        messages.success(request, "Course set deleted.")
        return redirect("certifications:content", pk)
    return _tab(
        request,
        certification,
        "Content",
        "certifications/confirm_delete.html",
        object_label=f"the course set '{course_set}'",
        cancel_url=reverse("certifications:content", args=[pk]),
    )


@site_admin_required
def certification_settings(request: HttpRequest, pk: int) -> HttpResponse:
    return _settings_tab(
        request,
        pk,
        form_class=CertificationSettingsForm,
        tab="Certification",
        url_name="certifications:settings",
        saved="Certification settings saved. They apply to each learner's next certification.",
    )


@site_admin_required
def certification_delete(request: HttpRequest, pk: int) -> HttpResponse:
    certification = certification_for_admin(pk)
    if request.method == "POST":
        name = certification.fullname
        certification.delete()
        messages.success(request, f"Certification '{name}' deleted.")
        return redirect("certifications:list")
    return _tab(
        request,
        certification,
        "Overview",
        "certifications/confirm_delete.html",
        object_label=f"the certification '{certification.fullname}', its content and every learner's record",
        cancel_url=reverse("certifications:overview", args=[pk]),
    )
