"""Reports (under /reports/) and Record of learning (under /record-of-learning/)."""

from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/<int:report_id>/", views.report_view, name="report_view"),
    path("reports/<int:report_id>/chart/", views.report_chart, name="report_chart"),
    path("reports/<int:report_id>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:report_id>/copy/", views.report_copy, name="report_copy"),
    path("reports/<int:report_id>/delete/", views.report_delete, name="report_delete"),
    path("reports/<int:report_id>/export/<str:fmt>/", views.report_export, name="report_export"),
    path("record-of-learning/", views.record_of_learning, name="record_of_learning"),
    path("record-of-learning/edit/", views.record_of_learning_edit, name="record_of_learning_edit"),
    path("record-of-learning/chart/", views.record_of_learning_chart, name="record_of_learning_chart"),
    path("record-of-learning/export/<str:fmt>/", views.record_of_learning_export, name="record_of_learning_export"),
]
