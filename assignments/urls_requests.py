"""A manager's Enrolment requests page (at /enrolment-requests/; the site administrators' is under assignments)."""

from django.urls import path

from .views import requests

app_name = "enrolment_requests"

urlpatterns = [path("", requests.staff_requests_page, name="staff")]
