from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("<int:course_id>/", views.course_detail, name="detail"),
    path("<int:course_id>/complete/", views.course_mark_complete, name="mark_complete"),
]
