"""Site administrators hold every permission, whether superuser or member of the "Site administrators" group."""

from django.contrib.auth.backends import BaseBackend

from .permissions import is_site_admin


class SiteAdministratorBackend(BaseBackend):
    """Grants every model permission to site administrators; authenticates nobody (ModelBackend does that)."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return is_site_admin(user_obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return is_site_admin(user_obj)
