"""URLs of self-enrolment groups on the Assignments tab (included by assignments.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
