from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "assignments"
    verbose_name = "Assignments"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from certifications.routes import register_awaiting_source, register_routes_source
        from certifications.tabs import register_tab
        from certifications.visibility import register_enrolled_source

        from . import receivers  # noqa: F401  (connects the directory and course signal receivers)
        from .selectors import awaiting_event_user_ids, enrolled_certification_ids, route_labels
        from .sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="assignments.sqlite_functions")
        register_enrolled_source(enrolled_certification_ids)
        register_routes_source(route_labels)
        register_awaiting_source(awaiting_event_user_ids)
        register_tab("Assignments", "assignments:tab")
        register_tab("Exceptions", "assignments:exceptions")
