"""Top-level URLs: each app owns a prefix."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.views import preferences as api_preferences
from notifications import views as notification_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("hello/", views.hello, name="hello"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("site-admin/", views.site_administration, name="site_administration"),
    path("site-admin/django/", admin.site.urls),
    path("site-admin/directory/", include("directory.urls")),
    path("site-admin/certifications/", include("certifications.urls")),
    path("site-admin/assignments/", include("assignments.urls")),
    path("courses/", include("courses.urls")),
    path("api/v1/", include("api.urls")),
    path("preferences/api-tokens/", api_preferences.api_tokens, name="api_tokens"),
    path("preferences/api-tokens/<int:pk>/revoke/", api_preferences.api_token_revoke, name="api_token_revoke"),
    path("enrolment-requests/", include("assignments.urls_requests")),
    path("", include("reporting.urls")),  # /reports/… and /record-of-learning/
    path("", include("enrolment.urls")),
    path("", include("notifications.urls")),
    path("preferences/", notification_views.preferences, name="preferences"),
]

handler403 = "certlms.views.permission_denied"
handler404 = "certlms.views.page_not_found"
handler500 = "certlms.views.server_error"
