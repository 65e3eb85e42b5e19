"""Record a user's first login, once."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="directory.record_first_login")
def record_first_login_on_sign_in(sender, request, user, **kwargs) -> None:
    from .services import user_record_first_login

    user_record_first_login(user_id=user.pk)
