"""Roles: site administrator, manager, learner."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db.models import Exists, OuterRef

from .models import SITE_ADMINISTRATORS_GROUP, JobAssignment


def is_site_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """A superuser, or a member of the "Site administrators" group."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if getattr(user, "_certlms_is_site_admin", None) is None:
        _remember_roles(user)
    return user._certlms_is_site_admin


def is_manager(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Any user who is the manager on someone's job assignment."""
    if not user.is_authenticated:
        return False
    if getattr(user, "_certlms_is_manager", None) is None:
        _remember_roles(user)
    return user._certlms_is_manager


def _remember_roles(user: AbstractBaseUser) -> None:
    """Remember on the user both whether they are in the "Site administrators" group and whether they
    manage someone, read in one query: a page's header and its access rules ask both."""
    admin, manager = get_user_model().objects.filter(pk=user.pk).values_list(
        Exists(Group.objects.filter(user=OuterRef("pk"), name=SITE_ADMINISTRATORS_GROUP)),
        Exists(JobAssignment.objects.filter(manager=OuterRef("pk"))),
    ).first() or (False, False)
    if getattr(user, "_certlms_is_site_admin", None) is None:
        user._certlms_is_site_admin = admin
    if getattr(user, "_certlms_is_manager", None) is None:
        user._certlms_is_manager = manager
