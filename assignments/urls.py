from django.urls import include, path

app_name = "assignments"

urlpatterns: list = [
    path("", include("assignments.urls_groups")),
]
