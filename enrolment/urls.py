from django.urls import path

from . import views

app_name = "enrolment"

urlpatterns = [
    path("learning/", views.current_learning, name="current_learning"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("certifications/<int:pk>/", views.overview, name="overview"),
    path("certifications/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("certifications/<int:pk>/enrolment/", views.enrolment_details, name="enrolment_details"),
    path("certifications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("certifications/<int:pk>/cancel-request/", views.cancel_request, name="cancel_request"),
]
