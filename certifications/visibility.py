"""The one visibility rule of DOMAIN §2 ("audience visibility" plus availability dates).

``Certification.objects.visible_to(user)`` applies it; the catalogue, the overview page and every
enrol action call that method. A learner counts as *enrolled* when any assignment route reaches
them, even one in exception. Certifications must not import assignments, so the assignments app
registers where routes live with ``register_enrolled_source`` in its ``AppConfig.ready()``.
A current certification record always counts as enrolled too (a record exists only while an
active route reaches the learner).
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils import timezone

EnrolledSource = Callable[[object], QuerySet]

_enrolled_sources: list[EnrolledSource] = []


def register_enrolled_source(fn: EnrolledSource) -> None:
    """Add ``fn(user) -> QuerySet of certification ids`` to what counts as "enrolled". Idempotent."""
    if fn not in _enrolled_sources:
        _enrolled_sources.append(fn)


def unregister_enrolled_source(fn: EnrolledSource) -> None:
    if fn in _enrolled_sources:
        _enrolled_sources.remove(fn)


def enrolled_q(user) -> Q:
    """Certifications the user is enrolled in, as a filter on Certification."""
    from .models import CertificationRecord

    q = Q(id__in=CertificationRecord.objects.filter(user_id=user.pk).values("certification_id"))
    for source in _enrolled_sources:
        q |= Q(id__in=source(user))
    return q


def visible_q(user, *, now=None) -> Q | None:
    """The filter for certifications ``user`` may see; ``None`` means every certification."""
    from directory.permissions import is_site_admin

    from .models import Visibility

    if is_site_admin(user):
        return None
    if not user.is_authenticated:
        return Q(pk__in=[])
    now = now or timezone.now()
    available = (Q(available_from__isnull=True) | Q(available_from__lte=now)) & (
        Q(available_until__isnull=True) | Q(available_until__gt=now)
    )
    enrolled = enrolled_q(user)
    by_mode = (
        Q(visibility=Visibility.ALL)
        | (Q(visibility=Visibility.ENROLLED) & enrolled)
        | (Q(visibility=Visibility.ENROLLED_AND_AUDIENCES) & (enrolled | Q(id__in=_audience_ids(user))))
    )
    return available & by_mode


def _audience_ids(user) -> QuerySet:
    from .models import Certification

    return Certification.visible_audiences.through.objects.filter(audience__memberships__user_id=user.pk).values(
        "certification_id"
    )
