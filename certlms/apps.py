"""Application configuration owned by the project itself."""

from django.contrib.admin.apps import AdminConfig


class CertlmsAdminConfig(AdminConfig):
    """Django's admin, served by :class:`certlms.admin.CertlmsAdminSite`."""

    default_site = "certlms.admin.CertlmsAdminSite"
