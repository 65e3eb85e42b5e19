"""URLs of self-enrolment groups (included by assignments.urls, under /site-admin/assignments/)."""

from django.urls import path

from .views import groups

urlpatterns = [
    path("certifications/<int:certification_id>/groups/", groups.group_list, name="group_list"),
    path("certifications/<int:certification_id>/groups/add/", groups.group_create, name="group_create"),
    path("groups/<int:pk>/edit/", groups.group_update, name="group_update"),
    path("groups/<int:pk>/delete/", groups.group_delete, name="group_delete"),
    path("groups/<int:pk>/members/", groups.group_members, name="group_members"),
    path("groups/<int:pk>/members/add/", groups.group_member_add, name="group_member_add"),
    path("groups/<int:pk>/members/<int:user_id>/remove/", groups.group_member_remove, name="group_member_remove"),
]
