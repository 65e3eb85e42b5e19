from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notifications_page, name="list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path("notifications/read-all/", views.notifications_read_all, name="read_all"),
    path("site-admin/certifications/<int:certification_id>/messages/", views.messages_tab, name="tab"),
    path("site-admin/messages/<int:pk>/", views.message_edit, name="edit"),
]
