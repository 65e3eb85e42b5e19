"""/api/v1/: the JSON API, its schema and its docs."""

from django.urls import path, re_path

from .views import assignments, certifications, completions, docs, enrolment, exceptions, groups, records, reports

app_name = "api"

urlpatterns = [
    path("openapi.json", docs.schema, name="schema"),
    path("docs", docs.docs, name="docs"),
    path("certifications/", certifications.certification_list, name="certifications"),
    path("certifications/<int:pk>/", certifications.certification_detail, name="certification"),
    path("certifications/<int:pk>/assignments/", assignments.assignment_list, name="assignments"),
    path("certifications/<int:pk>/groups/", groups.group_list, name="groups"),
    path("certifications/<int:pk>/records/", records.certification_records, name="certification_records"),
    path("certifications/<int:pk>/enrolment/", enrolment.enrolment, name="enrolment"),
    path("certifications/<int:pk>/exceptions/", exceptions.exception_list, name="exceptions"),
    path("certifications/<int:pk>/exceptions/resolve/", exceptions.exception_resolve_view, name="exceptions_resolve"),
    path("assignments/<int:pk>/", assignments.assignment_detail, name="assignment"),
    path("groups/<int:pk>/", groups.group_detail, name="group"),
    path("groups/<int:pk>/members/", groups.group_members, name="group_members"),
    path("groups/<int:pk>/members/<int:user_id>/", groups.group_member_remove, name="group_member"),
    path("me/records/", records.my_records, name="my_records"),
    path("course-completions/", completions.completions, name="course_completions"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<int:pk>/", reports.report_detail, name="report"),
    path("reports/<int:pk>/rows/", reports.report_rows, name="report_rows"),
    path("reports/<int:pk>/export/<str:fmt>/", reports.report_export, name="report_export"),
    re_path(r"^(?P<rest>[\s\S]*)$", docs.not_found),
]
