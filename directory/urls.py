from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("import/", views.directory_import_view, name="import"),
]
