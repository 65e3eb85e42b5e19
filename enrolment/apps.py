from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "enrolment"
    verbose_name = "Enrolment"

    def ready(self) -> None:
        from courses.pages import register_certification_links

        from .selectors import course_certifications

        register_certification_links(course_certifications)
