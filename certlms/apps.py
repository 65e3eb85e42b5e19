"""Application configuration owned by the project itself."""

from django.contrib.admin.apps import AdminConfig


class CertlmsAdminConfig(AdminConfig):
    """Django's admin, served by :class:`certlms.admin.CertlmsAdminSite`; also the project's own hooks."""

    default_site = "certlms.admin.CertlmsAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.db.backends.signals import connection_created

        from .dates import register_readable_date_casters

        connection_created.connect(register_readable_date_casters, dispatch_uid="certlms.readable_date_casters")
