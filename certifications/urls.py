from django.urls import path

from .views import completion, definitions

app_name = "certifications"

urlpatterns = [
    path("", definitions.certification_list, name="list"),
    path("add/", definitions.certification_create, name="create"),
    path("<int:pk>/", definitions.certification_overview, name="overview"),
    path("<int:pk>/details/", definitions.certification_details, name="details"),
    path("<int:pk>/delete/", definitions.certification_delete, name="delete"),
    path("<int:pk>/content/", definitions.certification_content, name="content"),
    path("<int:pk>/content/<str:path>/add/", definitions.course_set_edit, name="course_set_add"),
    path("<int:pk>/content/sets/<int:set_pk>/", definitions.course_set_edit, name="course_set_edit"),
    path("<int:pk>/content/sets/<int:set_pk>/delete/", definitions.course_set_delete, name="course_set_delete"),
    path("<int:pk>/settings/", definitions.certification_settings, name="settings"),
    path("<int:pk>/completion/", completion.completion_list, name="completion"),
    path("<int:pk>/completion/<int:user_pk>/", completion.record_edit, name="record_edit"),
    path("<int:pk>/completion/<int:user_pk>/due-date/", completion.record_due_date, name="record_due_date"),
    path("<int:pk>/completion/<int:user_pk>/state/", completion.record_state, name="record_state"),
    path("<int:pk>/completion/<int:user_pk>/history/add/", completion.history_edit, name="history_add"),
    path("<int:pk>/completion/<int:user_pk>/history/<int:history_pk>/", completion.history_edit, name="history_edit"),
    path(
        "<int:pk>/completion/<int:user_pk>/history/<int:history_pk>/delete/",
        completion.history_remove,
        name="history_delete",
    ),
]
