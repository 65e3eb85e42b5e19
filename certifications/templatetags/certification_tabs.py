from django import template

from ..auditwords import event_words, value_words
from ..tabs import tabs_for

register = template.Library()


@register.inclusion_tag("certifications/_tabs.html")
def certification_tabs(certification, active: str = ""):
    return {"tabs": tabs_for(certification, active)}


@register.filter
def audit_values(values, names=None) -> list[tuple[str, str]]:
    """An audit event's before/after as the editor shows it: labels, words, and dates in the viewer's timezone."""
    return value_words(values, names)


@register.filter
def audit_event(event) -> str:
    """An audit event's subject and action as words: "Group membership: self-enrolled"."""
    return event_words(event.subject, event.action)
