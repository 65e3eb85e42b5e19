from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from certifications.tabs import register_tab

        from . import receivers  # noqa: F401  (connects the certifications signal receivers)

        register_tab("Messages", "notifications:tab", last=True)
