from django.apps import AppConfig


class AssignmentsConfig(AppConfig):
    name = "assignments"
    verbose_name = "Assignments"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from certifications.auditwords import register_audit_vocabulary
        from certifications.routes import register_awaiting_source, register_routes_source
        from certifications.tabs import register_tab
        from certifications.visibility import register_enrolled_source

        from . import receivers  # noqa: F401  (connects the directory and course signal receivers)
        from .models import AssignmentType, DueEvent, DueKind, ExceptionType, Resolution, RouteState
        from .selectors import assignment_names, awaiting_event_user_ids, enrolled_certification_ids, route_labels
        from .sql import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="assignments.sqlite_functions")
        register_enrolled_source(enrolled_certification_ids)
        register_routes_source(route_labels)
        register_awaiting_source(awaiting_event_user_ids)
        register_audit_vocabulary(
            values={
                "type": {**dict(AssignmentType.choices), **dict(ExceptionType.choices)},
                "state": dict(RouteState.choices),
                "resolution": dict(Resolution.choices),
                "due_kind": dict(DueKind.choices),
                "due_event": dict(DueEvent.choices),
            },
            assignment_names=assignment_names,
        )
        register_tab("Assignments", "assignments:tab")
        register_tab("Exceptions", "assignments:exceptions")
