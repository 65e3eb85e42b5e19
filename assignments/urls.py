from django.urls import include, path

from .views import exceptions, requests, tabs

app_name = "assignments"

urlpatterns: list = [
    path("certifications/<int:certification_id>/", tabs.assignments_tab, name="tab"),
    path("certifications/<int:certification_id>/jobs/", tabs.jobs_progress, name="jobs"),
    path("certifications/<int:certification_id>/recompute/", tabs.recompute, name="recompute"),
    path("certifications/<int:certification_id>/add/<str:type>/", tabs.assignment_add, name="add"),
    path("assignments/<int:pk>/due-date/", tabs.due_date_edit, name="due_date"),
    path("assignments/<int:pk>/delete/", tabs.assignment_delete, name="delete"),
    path("certifications/<int:certification_id>/exceptions/", exceptions.exceptions_tab, name="exceptions"),
    path(
        "certifications/<int:certification_id>/exceptions/resolve/",
        exceptions.exceptions_resolve,
        name="exceptions_resolve",
    ),
    path("enrolment-requests/", requests.admin_requests, name="enrolment_requests"),
    path("", include("assignments.urls_groups")),
]
