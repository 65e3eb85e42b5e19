"""Roles: site administrator, manager, learner."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import SITE_ADMINISTRATORS_GROUP, JobAssignment


def is_site_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A superuser, or a member of the "Site administrators" group."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_certlms_is_site_admin", None)
    if cached is None:
        cached = user.groups.filter(name=SITE_ADMINISTRATORS_GROUP).exists()
        user._certlms_is_site_admin = cached
    return cached


def is_manager(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Any user who is the manager on someone's job assignment."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_certlms_is_manager", None)
    if cached is None:
        cached = JobAssignment.objects.filter(manager=user).exists()
        user._certlms_is_manager = cached
    return cached
