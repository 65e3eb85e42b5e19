import datetime

from django import template
from django.utils import timezone

from certlms.when import format_date, format_datetime

from ..models import CertificationPath, RecordStatus, RenewalStatus
from ..tabs import tabs_for

register = template.Library()


@register.inclusion_tag("certifications/_tabs.html")
def certification_tabs(certification, active: str = ""):
    return {"tabs": tabs_for(certification, active)}


_VALUE_LABELS = {
    "status": dict(RecordStatus.choices),
    "renewal_status": dict(RenewalStatus.choices),
    "path": dict(CertificationPath.choices),
}


def _audit_text(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        if key in _VALUE_LABELS:
            return _VALUE_LABELS[key].get(value, value)
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value.replace("_", " ").capitalize() if key in ("type", "state") else value
        if timezone.is_aware(moment):
            return format_datetime(moment)
        return format_date(moment.date())
    return str(value)


@register.filter
def audit_values(values) -> list[tuple[str, str]]:
    """An audit event's before/after as the editor shows it: labels, and dates in the viewer's timezone."""
    return [(key.replace("_", " ").capitalize(), _audit_text(key, value)) for key, value in (values or {}).items()]


@register.filter
def audit_words(action: str) -> str:
    """``route_added`` → ``route added``: an audit action as words."""
    return action.replace("_", " ")
